// The outbox's rules, apart from the engine (outbox.ts wires them to it): posts are
// sent in the order written, one at a time; a post is sealed once and the sealed
// bytes kept, so a retry resends the very same request with the post ID as
// idempotency key and the post lands exactly once however often it is retried.
//
// What to do after a failed send is one function (`Decide`): the same rule as the
// native client's (retry a transient failure after a delay, `wrong_epoch`: catch up
// and seal again, `duplicate_post`: it is already there, anything else: failed). It
// is handed in, and so are the channel, the network and the clock, so the unit
// tests run the queue against a fake server.

import type { AttachmentRef, ChannelName, PostEnvelope, SealedPost } from '../generated/types';
import { coreError } from '../core-error';
import { ApiError, NETWORK } from '../http/error';
import { realClock, type Clock } from './clock';

export interface Outgoing {
  postId: string;
  roomId: string;
  channel: ChannelName;
  envelope: PostEnvelope;
  createdAt: number;
  /** Attachments to upload first: reference and ciphertext (base64). */
  files: { reference: AttachmentRef; ciphertext: string }[];
  filesUploaded: boolean;
  sealed: SealedPost | null;
  eraSent: boolean;
  /** How often it was sealed again after another member's commit won the epoch. */
  reseals?: number;
  state: 'waiting' | 'sending' | 'failed';
  /** Why it failed (server's or core's words). */
  error: { en: string; ja: string } | null;
}

/** What to do after a failed send (the core's `outboxDecision` has this shape). */
export interface Decision {
  action: 'retry' | 'resync' | 'done' | 'fail';
  /** For `retry`: how long to wait first. */
  delay_ms?: number;
}

/**
 * The retry rule: `status` is null when no answer arrived, `code` the server's
 * error code (null without one), `attempt` counts the failures of this post (1 for
 * the first).
 */
export type Decide = (status: number | null, code: string | null, attempt: number) => Decision;

/** How long a post waits when no quicker retry applies (and the outbox's round). */
export const RETRY_MS = 10_000;
/** Quick retries of a transient failure before waiting a round. */
const QUICK_RETRIES = 2;
/** Catching up and sealing again this often in a row, then waiting a round. */
const MAX_RESYNCS = 6;

/** The rule in TypeScript, until the WebAssembly core exports its own. */
export const localDecision: Decide = (status, code, attempt) => {
  if (code === 'duplicate_post') return { action: 'done' };
  if (code === 'wrong_epoch') return attempt <= MAX_RESYNCS ? { action: 'resync' } : { action: 'retry', delay_ms: RETRY_MS };
  const transient = status === null || status === 0 || status === 409 || status === 429 || status >= 500;
  if (!transient) return { action: 'fail' };
  return { action: 'retry', delay_ms: attempt <= QUICK_RETRIES ? 200 * attempt : RETRY_MS };
};

const ACTIONS: readonly string[] = ['retry', 'resync', 'done', 'fail'];

/** Whether a value is a `Decision` (what the core answers is checked, not trusted). */
export function isDecision(value: unknown): value is Decision {
  if (typeof value !== 'object' || value === null) return false;
  const { action, delay_ms: delay } = value as { action?: unknown; delay_ms?: unknown };
  return typeof action === 'string' && ACTIONS.includes(action) && (delay === undefined || delay === null || typeof delay === 'number');
}

/** The engine as the outbox needs it. */
export interface DeliveryIo {
  /** This device's ID (the sender of every message). */
  deviceId(): string;
  /** Whether this device is in the post's channel yet (else the post waits). */
  joined(item: Outgoing): boolean;
  /** Whether the post is already in the log read so far. */
  delivered(item: Outgoing): boolean;
  /** PUTs one attachment's ciphertext. */
  upload(item: Outgoing, file: Outgoing['files'][number]): Promise<void>;
  /** Reads the channel's log up to date. */
  catchUp(item: Outgoing): Promise<void>;
  /** Seals the post under the channel's current era (the device is saved). */
  seal(item: Outgoing): Promise<SealedPost>;
  /** POSTs a message to the channel's group log. */
  send(item: Outgoing, body: Record<string, unknown>): Promise<void>;
  /** Keeps the queue (sealed, in IndexedDB). */
  save(items: readonly Outgoing[]): Promise<void>;
  /** Tells the views something changed. */
  changed(): void;
  /** Runs one attempt after every operation on the device queued before it. */
  locked<T>(body: () => Promise<T>): Promise<T>;
  /** Whether the browser thinks it is online. */
  online(): boolean;
}

/** Why a core error leaves the post waiting: a commit of this device is being settled. */
const CORE_BUSY = new Set(['pending_commit', 'busy']);

export class Outbox {
  private items: Outgoing[] = [];
  private flushing = false;
  /** Failures per post since it last went out, for the retry rule. */
  private readonly failures = new Map<string, number>();
  /** Posts waiting for a retry time, and the timer that flushes then. */
  private readonly notBefore = new Map<string, number>();
  private cancelTimer: (() => void) | null = null;

  constructor(
    private readonly io: DeliveryIo,
    private readonly decide: Decide = localDecision,
    private readonly clock: Clock = realClock,
  ) {}

  list(): readonly Outgoing[] {
    return this.items;
  }

  /** Takes the saved queue (a post caught mid-send waits again). */
  load(saved: Outgoing[] | null): void {
    this.items = (saved ?? []).map((item) => (item.state === 'sending' ? { ...item, state: 'waiting' } : item));
  }

  /** Queues a post; it shows at once and is sent as soon as possible. */
  async add(item: Outgoing): Promise<void> {
    this.items = [...this.items, item];
    await this.io.save(this.items);
    this.io.changed();
    void this.flush();
  }

  /** Drops a post that failed for good (the person decided). */
  async discard(postId: string): Promise<void> {
    this.items = this.items.filter((i) => !(i.postId === postId && i.state === 'failed'));
    await this.io.save(this.items);
    this.io.changed();
  }

  /** Sends whatever waits (in order), one at a time; `now` ignores retry times (back online). */
  async flush(now = false): Promise<void> {
    if (this.flushing || !this.io.online()) return;
    if (now) this.notBefore.clear();
    this.flushing = true;
    try {
      for (const item of [...this.items]) {
        if (item.state !== 'waiting') continue;
        if ((this.notBefore.get(item.postId) ?? 0) > this.clock.now()) break; // keep the order
        await this.io.locked(() => this.attempt(item));
        if (item.state === 'waiting') break; // offline or busy: keep the order
      }
    } finally {
      this.flushing = false;
    }
  }

  /** Stops the retry timer (sign-out). */
  stop(): void {
    this.cancelTimer?.();
    this.cancelTimer = null;
    this.items = [];
  }

  private remove(item: Outgoing): void {
    this.items = this.items.filter((i) => i !== item);
    this.failures.delete(item.postId);
    this.notBefore.delete(item.postId);
  }

  private async attempt(item: Outgoing): Promise<void> {
    if (this.io.delivered(item)) {
      this.remove(item);
      return;
    }
    item.state = 'sending';
    this.io.changed();
    await this.sendUntilSettled(item);
    await this.io.save(this.items);
    this.io.changed();
  }

  /** Sends; on `resync` catches up, seals again and sends again at once. */
  private async sendUntilSettled(item: Outgoing): Promise<void> {
    for (let round = 0; round <= MAX_RESYNCS; round += 1) {
      try {
        if (await this.deliver(item)) this.remove(item);
        else item.state = 'waiting';
        return;
      } catch (error) {
        if (!(await this.settle(item, error))) return;
      }
    }
    this.waitFor(item, RETRY_MS);
  }

  /** Applies the rule to a failure; true to send again at once. */
  private async settle(item: Outgoing, error: unknown): Promise<boolean> {
    if (!(error instanceof ApiError)) {
      const why = coreError(error);
      if (CORE_BUSY.has(why.code)) this.waitFor(item, RETRY_MS);
      else this.fail(item, why);
      return false;
    }
    const attempt = (this.failures.get(item.postId) ?? 0) + 1;
    this.failures.set(item.postId, attempt);
    const decision = this.decide(error.code === NETWORK ? null : error.status, error.code === NETWORK ? null : error.code, attempt);
    switch (decision.action) {
      case 'done':
        this.remove(item);
        await this.io.catchUp(item).catch(() => undefined);
        return false;
      case 'fail':
        this.fail(item, { en: error.messageEn, ja: error.messageJa });
        return false;
      case 'retry':
        this.waitFor(item, decision.delay_ms ?? RETRY_MS);
        return false;
      case 'resync':
        // Another member's commit won the epoch: what was sealed is for an old one.
        item.sealed = null;
        item.eraSent = false;
        item.reseals = (item.reseals ?? 0) + 1;
        await this.io.catchUp(item);
        return true;
    }
  }

  private fail(item: Outgoing, words: { en: string; ja: string }): void {
    item.state = 'failed';
    item.error = { en: words.en, ja: words.ja };
  }

  private waitFor(item: Outgoing, ms: number): void {
    item.state = 'waiting';
    this.notBefore.set(item.postId, this.clock.now() + ms);
    this.cancelTimer?.();
    this.cancelTimer = this.clock.later(ms, () => {
      this.cancelTimer = null;
      void this.flush();
    });
  }

  /** One attempt; true when the post is stored on the server, false when not joined yet. */
  private async deliver(item: Outgoing): Promise<boolean> {
    if (!this.io.joined(item)) return false;
    for (const file of item.filesUploaded ? [] : item.files) await this.io.upload(item, file);
    if (!item.filesUploaded) {
      item.filesUploaded = true;
      await this.io.save(this.items);
    }
    if (item.sealed === null) {
      // Catch up first so the post goes under the current era.
      await this.io.catchUp(item);
      item.sealed = await this.io.seal(item);
      await this.io.save(this.items);
    }
    const sealed = item.sealed;
    const sender = this.io.deviceId();
    if (sealed.era_key !== null && !item.eraSent) {
      // A new era after sealing again is another message: another idempotency key.
      const again = item.reseals === undefined || item.reseals === 0 ? '' : `-${item.reseals}`;
      const key = `era-${item.postId}${again}`;
      await this.io.send(item, { kind: 'era_key', sender_device: sender, epoch: sealed.epoch, body: sealed.era_key, idempotency_key: key });
      item.eraSent = true;
      await this.io.save(this.items);
    }
    const body: Record<string, unknown> = {
      kind: 'post',
      sender_device: sender,
      epoch: sealed.epoch,
      body: sealed.post,
      idempotency_key: item.postId,
      blobs: sealed.blobs,
    };
    if (sealed.urgency !== null) body['urgency'] = sealed.urgency;
    await this.io.send(item, body);
    // Read it back through the log, so it shows as any other post.
    await this.io.catchUp(item).catch(() => undefined);
    return true;
  }
}
