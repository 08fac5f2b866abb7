// Time as the engine's loops use it, handed in so the unit tests need not wait.

export interface Clock {
  now(): number;
  /** Runs `run` after `ms`; returns how to cancel it. */
  later(ms: number, run: () => void): () => void;
}

/** The browser's clock and timers. */
export const realClock: Clock = {
  now: () => Date.now(),
  later: (ms, run) => {
    const id = setTimeout(run, ms);
    return () => clearTimeout(id);
  },
};
