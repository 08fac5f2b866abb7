// Fakes the unit tests hand to the code under test: a clock whose time moves only
// when told, and a fetch that answers like the server.

import type { Clock } from '../src/engine/clock';
import type { FetchLike } from '../src/http/client';

/** A clock that runs timers only when `advance` moves time past them. */
export class FakeClock implements Clock {
  private time = 0;
  private timers: { at: number; run: () => void; id: number }[] = [];
  private next = 0;

  now(): number {
    return this.time;
  }

  later(ms: number, run: () => void): () => void {
    const id = (this.next += 1);
    this.timers.push({ at: this.time + ms, run, id });
    return () => {
      this.timers = this.timers.filter((t) => t.id !== id);
    };
  }

  /** Timers still to run. */
  pending(): number {
    return this.timers.length;
  }

  /** Moves time on by `ms`, running every timer that falls due on the way. */
  advance(ms: number): void {
    const until = this.time + ms;
    for (;;) {
      const due = this.timers.filter((t) => t.at <= until).sort((a, b) => a.at - b.at)[0];
      if (due === undefined) break;
      this.timers = this.timers.filter((t) => t !== due);
      this.time = due.at;
      due.run();
    }
    this.time = until;
  }
}

/** Lets every pending promise callback and zero-delay task run. */
export async function idle(): Promise<void> {
  for (let i = 0; i < 20; i += 1) await new Promise<void>((resolve) => setTimeout(resolve, 0));
}

/** A request as the fake server saw it. */
export interface Seen {
  url: string;
  method: string;
  headers: Record<string, string>;
  body: unknown;
}

/** What the fake server answers: a response, or a thrown network failure. */
export type Answer = Response | 'network';

/** A fetch answering from `answer`, recording each request. */
export function fakeFetch(answer: (request: Seen) => Answer): { fetch: FetchLike; seen: Seen[] } {
  const seen: Seen[] = [];
  const fetch: FetchLike = (url, init) => {
    const headers = (init.headers ?? {}) as Record<string, string>;
    const raw = init.body;
    const body = typeof raw === 'string' ? (JSON.parse(raw) as unknown) : raw ?? null;
    const request: Seen = { url, method: init.method ?? 'GET', headers, body };
    seen.push(request);
    const result = answer(request);
    return result === 'network' ? Promise.reject(new TypeError('Failed to fetch')) : Promise.resolve(result);
  };
  return { fetch, seen };
}

/** A JSON answer. */
export function json(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json', ...headers } });
}

/** The server's refusal: `{"error":{code, message, message_ja, ...}}`. */
export function refusal(status: number, code: string, en: string, ja: string, extra: Record<string, unknown> = {}): Response {
  return json(status, { error: { code, message: en, message_ja: ja, ...extra } });
}

export const WORDS = {
  network: { en: 'Cannot reach the server.', ja: 'サーバーに接続できません。' },
  unexpected: { en: 'Unexpected answer.', ja: '予期しない応答がありました。' },
};
