// The outbox: a post is queued first (sealed with the vault in IndexedDB), shown at
// once as "waiting to send", and sent when the network allows. At send time the
// channel is read up to date, the post sealed once (the sealed bytes are kept: a
// retry resends the very same request), the era key sent first if the post started
// an era, then the post with its post ID as idempotency key — so a post lands
// exactly once however often it is retried (the server answers duplicate:true).

import type { AttachmentRef, ChannelName, PostEnvelope, ReceivedPost, SealedPost } from '../wasm/kizuna_client_web';
import { ApiError, NetworkError } from '../api';
import { b64, putBytes, seg, transient, unb64 } from './http';
import { saveDevice } from './device';
import { sendRetrying } from './reconcile';
import { syncGroup } from './sync';
import { changed, coreError, groupId, locked, need, type Engine } from './state';
import * as store from './store';

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
  state: 'waiting' | 'sending' | 'failed';
  /** Why it failed (server's or core's words). */
  error: { en: string; ja: string } | null;
}

const RETRY_MS = 10_000;
let items: Outgoing[] = [];
let timer: ReturnType<typeof setInterval> | null = null;
let flushing = false;

export function outgoing(): readonly Outgoing[] {
  return items;
}

async function persist(engine: Engine): Promise<void> {
  await store.putJson(`${engine.userId}:outbox`, items);
}

export async function loadOutbox(engine: Engine): Promise<void> {
  const saved = await store.getJson<Outgoing[]>(`${engine.userId}:outbox`);
  items = (saved ?? []).map((item) => (item.state === 'sending' ? { ...item, state: 'waiting' } : item));
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

function delivered(engine: Engine, item: Outgoing): boolean {
  const posts: ReceivedPost[] = engine.posts.get(groupId(item.roomId, item.channel)) ?? [];
  return posts.some((p) => p.post_id === item.postId);
}

/** One attempt; true when the post is stored on the server. */
async function sendOne(engine: Engine, item: Outgoing): Promise<boolean> {
  const group = groupId(item.roomId, item.channel);
  const channel = engine.device.channel(item.roomId, item.channel);
  if (channel === undefined) return false; // not joined yet: stays waiting
  for (const file of item.filesUploaded ? [] : item.files) {
    await putBytes(`/rooms/${seg(item.roomId)}/channels/${item.channel}/blobs/${seg(file.reference.blob)}`, unb64(file.ciphertext));
  }
  if (!item.filesUploaded) {
    item.filesUploaded = true;
    await persist(engine);
  }
  if (item.sealed === null) {
    // Catch up first so the post goes under the current era.
    await syncGroup(group, engine);
    item.sealed = channel.seal_post(JSON.stringify(item.envelope), item.postId, Date.now(), thresholds(engine, item.roomId));
    await saveDevice(engine);
    await persist(engine);
  }
  const sealed = item.sealed;
  if (sealed.era_key !== null && !item.eraSent) {
    await sendRetrying(`/groups/${seg(group)}/messages`, {
      kind: 'era_key',
      sender_device: engine.meta.deviceId,
      epoch: sealed.epoch,
      body: sealed.era_key,
      idempotency_key: `era-${item.postId}`,
    });
    item.eraSent = true;
    await persist(engine);
  }
  const body: Record<string, unknown> = {
    kind: 'post',
    sender_device: engine.meta.deviceId,
    epoch: sealed.epoch,
    body: sealed.post,
    idempotency_key: item.postId,
    blobs: sealed.blobs,
  };
  if (sealed.urgency !== null) body['urgency'] = sealed.urgency;
  await sendRetrying(`/groups/${seg(group)}/messages`, body);
  // Read it back through the log, so it shows as any other post.
  await syncGroup(group, engine).catch(() => undefined);
  return true;
}

async function attempt(engine: Engine, item: Outgoing): Promise<void> {
  if (delivered(engine, item)) {
    items = items.filter((i) => i !== item);
    return;
  }
  item.state = 'sending';
  changed();
  try {
    if (await sendOne(engine, item)) items = items.filter((i) => i !== item);
    else item.state = 'waiting';
  } catch (error) {
    if (error instanceof NetworkError || transient(error)) {
      item.state = 'waiting';
    } else if (error instanceof ApiError) {
      item.state = 'failed';
      item.error = { en: error.messageEn, ja: error.messageJa };
    } else {
      const why = coreError(error);
      // A commit of this device is being settled: try again shortly.
      if (why.code === 'pending_commit' || why.code === 'busy') item.state = 'waiting';
      else {
        item.state = 'failed';
        item.error = { en: why.en, ja: why.ja };
      }
    }
  }
  await persist(engine);
  changed();
}

/** Sends whatever waits (in order), one at a time. */
export async function flush(): Promise<void> {
  const engine = need();
  if (flushing || !navigator.onLine) return;
  flushing = true;
  try {
    for (const item of [...items]) {
      if (item.state !== 'waiting') continue;
      await locked(() => attempt(engine, item));
      if (item.state === 'waiting') break; // offline or busy: keep the order
    }
  } finally {
    flushing = false;
  }
}

/** Queues a post; it shows at once and is sent as soon as possible. */
export async function enqueue(
  roomId: string,
  channel: ChannelName,
  envelope: PostEnvelope,
  files: { reference: AttachmentRef; ciphertext: Uint8Array }[] = [],
): Promise<string> {
  const engine = need();
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
  items = [...items, item];
  await persist(engine);
  changed();
  void flush();
  return item.postId;
}

/** Drops a post that failed for good (the person decided). */
export async function discard(postId: string): Promise<void> {
  const engine = need();
  items = items.filter((i) => !(i.postId === postId && i.state === 'failed'));
  await persist(engine);
  changed();
}

const onOnline = (): void => void flush();

export function startOutbox(): void {
  window.addEventListener('online', onOnline);
  timer ??= setInterval(() => void flush(), RETRY_MS);
}

export function stopOutbox(): void {
  window.removeEventListener('online', onOnline);
  if (timer !== null) clearInterval(timer);
  timer = null;
  items = [];
}

