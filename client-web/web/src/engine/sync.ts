// Reading: rooms, welcomes, and each channel's log after its last position
// (channels.rs of the native client). Every change to the device is saved before
// anything else happens; decrypted posts go to the sealed offline cache.

import type { ChannelEvent, ChannelName, LogEntry, ReceivedPost, WelcomeView } from '../generated/types';
import { http, isNotFound, seg } from '../http';
import { saveDevice, saveMeta } from './device';
import { CHANNELS, changed, groupId, need, parseGroup, type Engine, type MemberInfo, type RoomInfo } from './state';
import { forgetProblems, loadProblems, rememberProblems } from './problems';
import * as store from './store';

/** Entries fetched per page of a log. */
const PAGE = 500;

export function channelsOf(room: RoomInfo): ChannelName[] {
  return CHANNELS.filter((c) => (c === 'team' ? room.team_access : room.family_access));
}

export async function saveRooms(engine: Engine = need()): Promise<void> {
  await store.putJson(`${engine.userId}:rooms`, { rooms: engine.rooms, members: engine.members });
}

export async function loadCached(engine: Engine): Promise<void> {
  const saved = await store.getJson<{ rooms: RoomInfo[]; members: Record<string, MemberInfo[]> }>(`${engine.userId}:rooms`);
  if (saved !== null) {
    engine.rooms = saved.rooms;
    engine.members = saved.members;
  }
  for (const listed of engine.device.channels()) {
    const posts = await store.getJson<ReceivedPost[]>(`${engine.userId}:posts:${listed.group_id}`);
    if (posts !== null) engine.posts.set(listed.group_id, posts);
    await loadProblems(engine, listed.group_id);
  }
}

export async function fetchRooms(engine: Engine = need()): Promise<void> {
  engine.rooms = await http.json<RoomInfo[]>('GET', '/rooms');
  let moved = false;
  for (const room of engine.rooms) {
    for (const listed of room.channels ?? []) {
      const group = groupId(room.id, listed.channel);
      if (listed.read_seq > (engine.meta.reads[group] ?? 0)) {
        engine.meta.reads[group] = listed.read_seq;
        moved = true;
      }
    }
  }
  if (moved) await saveMeta(engine);
  await saveRooms(engine);
  changed();
}

export async function fetchMembers(room: string, engine: Engine = need()): Promise<MemberInfo[]> {
  const members = await http.json<MemberInfo[]>('GET', `/rooms/${seg(room)}/members`);
  engine.members[room] = members;
  await saveRooms(engine);
  return members;
}

/**
 * The one rule of following live: whenever this device learns of a group (it created
 * a channel, or a welcome added it), the live link subscribes to it at once, without
 * waiting for a reconnect or the periodic refresh. `live.ts` registers the listener.
 */
let groupLearned: (group: string) => void = () => undefined;

export function onGroupLearned(listener: (group: string) => void): void {
  groupLearned = listener;
}

/** Joins every group a welcome waits for. Returns the groups joined. */
export async function fetchWelcomes(engine: Engine = need()): Promise<string[]> {
  const welcomes = await http.json<WelcomeView[]>('GET', `/devices/${seg(engine.meta.deviceId)}/welcomes`);
  if (welcomes.length === 0) return [];
  const report = engine.device.process_welcomes(welcomes);
  engine.meta.keyPackagesLeft = Math.max(0, engine.meta.keyPackagesLeft - report.joined.length);
  for (const joined of report.joined) engine.lost.delete(joined.group_id);
  await saveDevice(engine);
  changed();
  for (const joined of report.joined) groupLearned(joined.group_id);
  return report.joined.map((j) => j.group_id);
}

/** Creates the channel's group if it has none and I own the room (rooms.rs / open_channel). */
export async function openChannel(room: string, channel: ChannelName, engine: Engine = need()): Promise<boolean> {
  if (engine.device.channel(room, channel) !== undefined) return false;
  try {
    await http.json('GET', `/rooms/${seg(room)}/channels/${channel}/group`);
    return false;
  } catch (error) {
    if (!isNotFound(error)) throw error;
  }
  const created = engine.device.create_channel(room, channel);
  await saveDevice(engine);
  try {
    await http.json('POST', `/rooms/${seg(room)}/channels/${channel}/group`, created);
  } catch (error) {
    engine.device.forget_channel(room, channel);
    await saveDevice(engine);
    throw error;
  }
  changed();
  groupLearned(groupId(room, channel));
  return true;
}

/** Keeps decrypted posts (once per position) and the cache; returns whether any were new. */
async function remember(engine: Engine, group: string, events: ChannelEvent[]): Promise<void> {
  const fresh = events.filter((e): e is ReceivedPost => e.type === 'post');
  if (fresh.length === 0) return;
  // A new array: views memoise the notebook by identity.
  const posts = [...(engine.posts.get(group) ?? [])];
  const known = new Set(posts.map((p) => p.seq));
  for (const post of fresh) if (!known.has(post.seq)) posts.push(post);
  posts.sort((a, b) => a.seq - b.seq);
  engine.posts.set(group, posts);
  await store.putJson(`${engine.userId}:posts:${group}`, posts);
}

/**
 * Feeds entries to the channel (in order, each once), saves, keeps the posts.
 * Returns 'gap' when entries are missing (fetch again), 'stalled' at a commit that
 * cannot be applied, else 'ok'.
 */
export async function ingest(group: string, entries: LogEntry[], engine: Engine = need()): Promise<'ok' | 'gap' | 'stalled'> {
  const where = parseGroup(group);
  const channel = where === null ? undefined : engine.device.channel(where.room, where.channel);
  if (channel === undefined) return 'ok';
  const events = channel.ingest(entries);
  await saveDevice(engine);
  await remember(engine, group, events);
  // Refused entries (a replayed post, a tampered one): the core showed nothing of
  // them; the room says so (problems.ts).
  await rememberProblems(engine, group, events);
  let outcome: 'ok' | 'gap' | 'stalled' = 'ok';
  for (const event of events) {
    if (event.type === 'gap') outcome = 'gap';
    if (event.type === 'stalled') outcome = 'stalled';
    if (event.type === 'removed') engine.lost.add(group);
  }
  if (events.length > 0) changed();
  return outcome;
}

/** The response header carrying the server's log generation on every page of a log. */
const GENERATION_HEADER = 'kizuna-log-generation';

/** Told when the server's log generation changed (the native client says the same). */
export const RESTORED_NOTICE = {
  en: 'The server was restored from a backup: every channel was read again from the start. The last posts before the restore may be lost; check with their authors if needed.',
  ja: 'サーバーがバックアップから復元されました。全チャンネルを最初から読み直しました。復元前の最後の投稿が失われている可能性があります。必要なら投稿者に確認してください。',
};

/**
 * Compares the server's log generation (page header or WebSocket hello) with the
 * stored one. Another one means the server's database was restored from a backup
 * and a seq this device saw may now be another entry: every channel reads its log
 * again from 0 (what still verifies is opened again), the kept posts, refusals and
 * read positions are dropped, and the person is told. Returns whether it changed.
 */
export async function observeGeneration(engine: Engine, generation: string | null | undefined): Promise<boolean> {
  if (typeof generation !== 'string' || generation === '') return false;
  const known = engine.meta.logGeneration;
  engine.meta.logGeneration = generation;
  if (known === generation) return false;
  if (known === undefined) {
    await saveMeta(engine);
    return false;
  }
  for (const listed of engine.device.channels()) {
    const where = parseGroup(listed.group_id);
    const channel = where === null ? undefined : engine.device.channel(where.room, where.channel);
    channel?.restart_log();
    engine.posts.delete(listed.group_id);
    await store.putJson(`${engine.userId}:posts:${listed.group_id}`, []);
    await forgetProblems(engine, listed.group_id);
  }
  // Read positions name seqs of the old log too: take the server's again.
  engine.meta.reads = {};
  await saveDevice(engine);
  engine.notice = RESTORED_NOTICE;
  changed();
  return true;
}

/** Reads one group's log after the last position processed. */
export async function syncGroup(group: string, engine: Engine = need()): Promise<void> {
  const where = parseGroup(group);
  if (where === null || engine.lost.has(group)) return;
  for (let round = 0; round < 50; round += 1) {
    const channel = engine.device.channel(where.room, where.channel);
    if (channel === undefined) return;
    let page: LogEntry[];
    try {
      const [entries, generation] = await http.jsonWithHeader<LogEntry[]>(
        `/groups/${seg(group)}/messages?after=${channel.last_seq}&limit=${PAGE}`,
        GENERATION_HEADER,
      );
      // A restored server: positions start over; fetch this group again from 0.
      if (await observeGeneration(engine, generation)) continue;
      page = entries;
    } catch (error) {
      if (isNotFound(error)) {
        // Removed from the room or the channel: the log is gone for us.
        engine.lost.add(group);
        changed();
        return;
      }
      throw error;
    }
    const outcome = await ingest(group, page, engine);
    if (outcome === 'stalled') return;
    if (outcome !== 'gap' && page.length < PAGE) return;
  }
}

/** My read position of each channel, from the server. */
export async function fetchMyRead(group: string, engine: Engine = need()): Promise<void> {
  const reads = await http.json<{ user_id: string; seq: number }[]>('GET', `/groups/${seg(group)}/reads`);
  const mine = reads.find((r) => r.user_id === engine.userId);
  if (mine !== undefined && mine.seq > (engine.meta.reads[group] ?? 0)) {
    engine.meta.reads[group] = mine.seq;
    await saveMeta(engine);
  }
}

/** Channels this device is in and may read. */
export function activeGroups(engine: Engine = need()): string[] {
  return engine.device
    .channels()
    .filter((c) => c.active && !engine.lost.has(c.group_id))
    .map((c) => c.group_id);
}

export { groupId };
