// Keeping one WebSocket open: connect, and when it closes, connect again after a
// delay that doubles with each failure in a row (1 s, 2 s, 4 s … at most 30 s),
// unless the server ended the session. What the frames mean is live.ts's business;
// the socket and the timers are handed in, so the unit tests drive a fake socket
// on a fake clock.

import type { Clock } from './clock';

/** The part of a WebSocket the link uses. */
export interface SocketLike {
  /** As WebSocket's (1 = open); absent on test doubles that are always open. */
  readonly readyState?: number;
  send(text: string): void;
  close(): void;
}

/** What an open socket reports: each text frame, and its close code. */
export interface SocketHandlers {
  message(text: string): void;
  close(code: number): void;
}

/** Opens a socket that reports to `handlers`. */
export type OpenSocket = (handlers: SocketHandlers) => SocketLike;

/** Close code: the session ended (signed out elsewhere, device revoked). */
export const SESSION_ENDED = 4401;

export interface LinkEvents {
  /** Whether a connection is still wanted (the engine that asked still runs). */
  wanted(): boolean;
  /** A socket is being opened. */
  connecting(): void;
  /** A text frame arrived on `socket`. */
  frame(socket: SocketLike, text: string): void;
  /** The socket closed; `ended` when the server ended the session (no reconnect). */
  closed(ended: boolean): void;
}

/** The wait before reconnecting after `failures` failures in a row. */
export function backoff(failures: number): number {
  return Math.min(30_000, 500 * 2 ** Math.min(failures, 6));
}

export class LiveLink {
  private socket: SocketLike | null = null;
  private failures = 0;
  private cancelRetry: (() => void) | null = null;
  private stopped = true;

  constructor(
    private readonly open: OpenSocket,
    private readonly events: LinkEvents,
    private readonly clock: Clock,
  ) {}

  /** Connects (and keeps reconnecting until `stop`). */
  start(): void {
    this.stopped = false;
    this.failures = 0;
    this.connect();
  }

  /** The server greeted us: the next failure waits the shortest delay again. */
  opened(): void {
    this.failures = 0;
  }

  /** Connects again at once (e.g. the network came back), unless a socket is open. */
  reconnectNow(): void {
    if (this.stopped || this.socket !== null) return;
    this.cancelRetry?.();
    this.cancelRetry = null;
    this.connect();
  }

  stop(): void {
    this.stopped = true;
    this.cancelRetry?.();
    this.cancelRetry = null;
    this.socket?.close();
    this.socket = null;
  }

  private schedule(): void {
    if (this.stopped || this.cancelRetry !== null) return;
    this.failures += 1;
    this.cancelRetry = this.clock.later(backoff(this.failures), () => {
      this.cancelRetry = null;
      this.connect();
    });
  }

  private connect(): void {
    if (this.stopped || !this.events.wanted()) return;
    const ws: SocketLike = this.open({
      message: (text) => this.events.frame(ws, text),
      close: (code) => this.closed(ws, code),
    });
    this.socket = ws;
    this.events.connecting();
  }

  private closed(ws: SocketLike, code: number): void {
    if (this.socket === ws) this.socket = null;
    const ended = code === SESSION_ENDED;
    if (ended) this.stopped = true;
    this.events.closed(ended);
    if (!ended) this.schedule();
  }
}
