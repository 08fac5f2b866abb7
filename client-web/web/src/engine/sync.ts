// Reading: rooms, welcomes, and each channel's log after its last position
// (channels.rs of the native client). Every change to the device is saved before
// anything else happens; decrypted posts go to the sealed offline cache.

import type { ChannelEvent, ChannelName, LogEntry, ReceivedPost, WelcomeView } from '../wasm/kizuna_client_web';
import { call, isNotFound, seg } from './http';
import { saveDevice, saveMeta } from './device';
import { CHANNELS, changed, groupId, need, parseGroup, type Engine, type MemberInfo, type RoomInfo } from './state';
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
  }
}

export async function fetchRooms(engine: Engine = need()): Promise<void> {
  engine.rooms = await call<RoomInfo[]>('GET', '/rooms');
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
  const members = await call<MemberInfo[]>('GET', `/rooms/${seg(room)}/members`);
  engine.members[room] = members;
  await saveRooms(engine);
  return members;
}

/** Joins every group a welcome waits for. Returns the groups joined. */
export async function fetchWelcomes(engine: Engine = need()): Promise<string[]> {
  const welcomes = await call<WelcomeView[]>('GET', `/devices/${seg(engine.meta.deviceId)}/welcomes`);
  if (welcomes.length === 0) return [];
  const report = engine.device.process_welcomes(welcomes);
  engine.meta.keyPackagesLeft = Math.max(0, engine.meta.keyPackagesLeft - report.joined.length);
  for (const joined of report.joined) engine.lost.delete(joined.group_id);
  await saveDevice(engine);
  changed();
  return report.joined.map((j) => j.group_id);
}

/** Creates the channel's group if it has none and I own the room (rooms.rs / open_channel). */
export async function openChannel(room: string, channel: ChannelName, engine: Engine = need()): Promise<boolean> {
  if (engine.device.channel(room, channel) !== undefined) return false;
  try {
    await call('GET', `/rooms/${seg(room)}/channels/${channel}/group`);
    return false;
  } catch (error) {
    if (!isNotFound(error)) throw error;
  }
  const created = engine.device.create_channel(room, channel);
  await saveDevice(engine);
  try {
    await call('POST', `/rooms/${seg(room)}/channels/${channel}/group`, created);
  } catch (error) {
    engine.device.forget_channel(room, channel);
    await saveDevice(engine);
    throw error;
  }
  changed();
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
  let outcome: 'ok' | 'gap' | 'stalled' = 'ok';
  for (const event of events) {
    if (event.type === 'gap') outcome = 'gap';
    if (event.type === 'stalled') outcome = 'stalled';
    if (event.type === 'removed') engine.lost.add(group);
  }
  if (events.length > 0) changed();
  return outcome;
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
      page = await call<LogEntry[]>('GET', `/groups/${seg(group)}/messages?after=${channel.last_seq}&limit=${PAGE}`);
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
  const reads = await call<{ user_id: string; seq: number }[]>('GET', `/groups/${seg(group)}/reads`);
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
