// The outbox: a post is queued first (sealed with the vault in IndexedDB), shown at
// once as "waiting to send", and sent when the network allows. The queue's rules
// are in delivery.ts; here they meet the engine: the channel seals, the HTTP client
// sends, the store keeps the queue, the engine's lock orders every attempt.

import type { AttachmentRef, ChannelName, PostEnvelope, ReceivedPost } from '../generated/types';
import { b64, unb64 } from '../base64';
import { http, seg } from '../http';
import { saveDevice } from './device';
import { isDecision, localDecision, Outbox, RETRY_MS, type Decide, type DeliveryIo, type Outgoing } from './delivery';
import { syncGroup } from './sync';
import { changed, groupId, locked, need, type Engine } from './state';
import * as store from './store';

export type { Outgoing };

let box: Outbox | null = null;
let timer: ReturnType<typeof setInterval> | null = null;

export function outgoing(): readonly Outgoing[] {
  return box?.list() ?? [];
}

/** The thresholds in force for a room (the team channel's notebook). */
function thresholds(engine: Engine, room: string): string | null {
  const team = engine.posts.get(groupId(room, 'team'));
  if (team === undefined || team.length === 0) return null;
  try {
    const view = engine.wasm.notebook(JSON.stringify(team));
    return view.thresholds === null ? null : JSON.stringify(view.thresholds);
  } catch {
    return null;
  }
}

/** The engine as the outbox uses it. */
function engineIo(engine: Engine): DeliveryIo {
  const channelOf = (item: Outgoing) => engine.device.channel(item.roomId, item.channel);
  const group = (item: Outgoing): string => groupId(item.roomId, item.channel);
  return {
    deviceId: () => engine.meta.deviceId,
    joined: (item) => channelOf(item) !== undefined,
    delivered: (item) => {
      const posts: ReceivedPost[] = engine.posts.get(group(item)) ?? [];
      return posts.some((p) => p.post_id === item.postId);
    },
    upload: async (item, file) => {
      const path = `/rooms/${seg(item.roomId)}/channels/${item.channel}/blobs/${seg(file.reference.blob)}`;
      await http.putBytes(path, unb64(file.ciphertext));
    },
    catchUp: (item) => syncGroup(group(item), engine),
    seal: async (item) => {
      const channel = channelOf(item);
      if (channel === undefined) throw new Error('not in the channel');
      const sealed = channel.seal_post(JSON.stringify(item.envelope), item.postId, Date.now(), thresholds(engine, item.roomId));
      await saveDevice(engine);
      return sealed;
    },
    send: async (item, body) => {
      await http.json('POST', `/groups/${seg(group(item))}/messages`, body);
    },
    save: (items) => store.putJson(`${engine.userId}:outbox`, items),
    changed,
    locked,
    online: () => navigator.onLine,
  };
}

/**
 * The retry rule: the WebAssembly core's `outboxDecision` when this build has it
 * (the same rule as the native client), else delivery.ts's.
 */
function decision(engine: Engine): Decide {
  const exported: unknown = (engine.wasm as Record<string, unknown>)['outboxDecision'];
  if (typeof exported !== 'function') return localDecision;
  const core = exported as (status: number | null, code: string | null, attempt: number) => unknown;
  return (status, code, attempt) => {
    try {
      const answer = core(status, code, attempt);
      if (isDecision(answer)) return answer;
    } catch {
      // An answer the UI does not understand: the UI's own rule decides.
    }
    return localDecision(status, code, attempt);
  };
}

export async function loadOutbox(engine: Engine): Promise<void> {
  box?.stop();
  box = new Outbox(engineIo(engine), decision(engine));
  box.load(await store.getJson<Outgoing[]>(`${engine.userId}:outbox`));
}

/** Sends whatever waits (in order), one at a time. */
export async function flush(): Promise<void> {
  await box?.flush();
}

/** Queues a post; it shows at once and is sent as soon as possible. */
export async function enqueue(
  roomId: string,
  channel: ChannelName,
  envelope: PostEnvelope,
  files: { reference: AttachmentRef; ciphertext: Uint8Array }[] = [],
): Promise<string> {
  need();
  if (box === null) throw new Error('outbox not loaded');
  const item: Outgoing = {
    postId: crypto.randomUUID(),
    roomId,
    channel,
    envelope,
    createdAt: Date.now(),
    files: files.map((f) => ({ reference: f.reference, ciphertext: b64(f.ciphertext) })),
    filesUploaded: files.length === 0,
    sealed: null,
    eraSent: false,
    state: 'waiting',
    error: null,
  };
  await box.add(item);
  return item.postId;
}

/** Drops a post that failed for good (the person decided). */
export async function discard(postId: string): Promise<void> {
  need();
  await box?.discard(postId);
}

const onOnline = (): void => void box?.flush(true);

export function startOutbox(): void {
  window.addEventListener('online', onOnline);
  timer ??= setInterval(() => void flush(), RETRY_MS);
}

export function stopOutbox(): void {
  window.removeEventListener('online', onOnline);
  if (timer !== null) clearInterval(timer);
  timer = null;
  box?.stop();
  box = null;
}
