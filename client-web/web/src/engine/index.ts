// The engine facade: everything the views (and the other helpers' modules) use.
//
//   startEngine(me)            after sign-in with the vault open: resumes or registers
//                              this device, loads the sealed cache, goes live
//   rooms(): RoomSummary[]     rooms with my role, channels, unread count, urgent marker
//   refreshRooms()             full sync: rooms, welcomes, groups (owner creates them),
//                              logs, read positions, key packages, reconcile, outbox
//   openChannel(room, ch)      a ChannelHandle: notebook(), events(), problems(), outbox(),
//                              members(), joined(), reads(), markRead(), close()
//   post(room, ch, envelope, files?)   queues (outbox), shows at once, sends once
//   discardPost(postId)        drops a post that failed for good
//   fetchAttachment(room, ch, ref)     downloads and opens an attachment
//   reconcileRoom(room)        after membership changes (adds/removes devices)
//   createRoom(org, name)      opens a room and its channel groups
//   roomOrganisations()        where I may open rooms
//   status()                   'off' | 'starting' | 'ready' | 'failed', live connection
//   onChange(listener)         redraw hook (batched)
//   stopEngine()               on sign-out: forgets everything in memory
//
// Posts are ReceivedPost (the `post` ChannelEvent of the WASM core); the notebook is
// the core's NotebookView over them.

import type { AttachmentRef, ChannelName, NotebookView, PostEnvelope, ReceivedPost } from '../generated/types';
import { http, seg } from '../http';
import { saveMeta } from './device';
import { whenStopped } from './lifecycle';
import { discard, enqueue, outgoing, type Outgoing } from './outbox';
import { offlineMe } from './who';
import { problemNotices, type ProblemNotice } from './problems';
import { changed, current, groupId, need, onChange, type Engine, type MemberInfo } from './state';
import { channelsOf } from './sync';
import { roomName } from '../room-names';

export type { ChannelName, NotebookView, PostEnvelope, ReceivedPost, AttachmentRef, Outgoing, MemberInfo, ProblemNotice };
export { offlineMe };
export { onChange };
export { createRoom, reconcileRoom, refreshMembers, refreshRooms } from './refresh';
export { startEngine, status, stopEngine, type EngineState } from './lifecycle';
export { warmEngine } from './lifecycle';
export { searchEntries, type SearchHit } from './search';

export interface RoomSummary {
  roomId: string;
  /** Null until this device can open the room's sealed name. */
  name: string | null;
  myRole: string;
  organisationId: string;
  channels: ChannelName[];
  unread: number;
  urgent: boolean;
  /** Unread posts marked urgent (the document title's and the app badge's count). */
  urgentUnread: number;
  /** Unread posts of others per channel (the channel tabs' marks). */
  unreadByChannel: Partial<Record<ChannelName, number>>;
}

export interface MemberRead {
  user_id: string;
  display_name: string;
  seq: number;
  read_at: number | null;
}

export interface ChannelHandle {
  roomId: string;
  channel: ChannelName;
  groupId: string;
  /** Whether this device is in the channel's group yet (a member must add it). */
  joined(): boolean;
  /** Whether this device was taken out of the channel (removed from the room). */
  removed(): boolean;
  events(): ReceivedPost[];
  /** What the core refused in this channel (replayed or unreadable posts), in words. */
  problems(): ProblemNotice[];
  notebook(): NotebookView;
  outbox(): Outgoing[];
  members(): MemberInfo[];
  reads(): Promise<MemberRead[]>;
  markRead(): Promise<void>;
  close(): void;
}

const notebooks = new Map<string, { posts: ReceivedPost[]; view: NotebookView }>();
whenStopped(() => notebooks.clear());

function notebookOf(engine: Engine, group: string): NotebookView {
  const posts = engine.posts.get(group) ?? [];
  const memo = notebooks.get(group);
  if (memo !== undefined && memo.posts === posts) return memo.view;
  const view = engine.wasm.notebook(JSON.stringify(posts));
  notebooks.set(group, { posts, view });
  return view;
}

function summary(engine: Engine, room: Engine['rooms'][number]): RoomSummary {
  let unread = 0;
  let urgent = false;
  let urgentUnread = 0;
  const unreadByChannel: Partial<Record<ChannelName, number>> = {};
  const channels = channelsOf(room);
  for (const channel of channels) {
    const group = groupId(room.id, channel);
    const read = engine.meta.reads[group] ?? 0;
    const fresh = (engine.posts.get(group) ?? []).filter((p) => p.seq > read && p.author_user !== engine.userId);
    unread += fresh.length;
    unreadByChannel[channel] = fresh.length;
    if (fresh.some((p) => p.exposed_urgency === 'urgent' || p.exposed_urgency === 'soon')) urgent = true;
    urgentUnread += fresh.filter((p) => p.exposed_urgency === 'urgent').length;
    if (fresh.length > 0) {
      const ids = new Set(fresh.map((p) => p.post_id));
      try {
        const marked = notebookOf(engine, group).entries.filter(
          (e) => e.effective_urgency === 'urgent' && (ids.has(e.current.post_id) || ids.has(e.post_id)),
        );
        if (marked.length > 0) urgent = true;
        // Urgent inside the sealed envelope (not exposed): counted from the notebook.
        urgentUnread += marked.filter((e) => {
          const post = fresh.find((p) => p.post_id === e.post_id || p.post_id === e.current.post_id);
          return post !== undefined && post.exposed_urgency !== 'urgent';
        }).length;
      } catch {
        // a notebook that cannot be built marks nothing
      }
    }
  }
  return {
    roomId: room.id,
    name: roomName(engine, room),
    myRole: room.role,
    organisationId: room.organisation_id,
    channels,
    unread,
    urgent,
    urgentUnread,
    unreadByChannel,
  };
}

export function rooms(): RoomSummary[] {
  const engine = current();
  if (engine === null) return [];
  return engine.rooms.map((r) => summary(engine, r));
}

export function roomOrganisations(): { id: string; name: string }[] {
  return current()?.roomOrgs ?? [];
}

export function openChannel(roomId: string, channel: ChannelName): ChannelHandle {
  const group = groupId(roomId, channel);
  return {
    roomId,
    channel,
    groupId: group,
    joined: () => {
      const engine = current();
      return engine !== null && engine.device.channel(roomId, channel) !== undefined && !engine.lost.has(group);
    },
    removed: () => current()?.lost.has(group) ?? false,
    events: () => current()?.posts.get(group) ?? [],
    problems: () => {
      const engine = current();
      return engine === null ? [] : problemNotices(engine, group);
    },
    notebook: () => {
      const engine = current();
      return engine === null ? { entries: [], rejected: [], pending: [], thresholds: null, open_handovers: [] } : notebookOf(engine, group);
    },
    outbox: () => outgoing().filter((o) => o.roomId === roomId && o.channel === channel),
    members: () => current()?.members[roomId] ?? [],
    reads: () => http.json<MemberRead[]>('GET', `/groups/${seg(group)}/reads`),
    markRead: async () => {
      const engine = need();
      const ch = engine.device.channel(roomId, channel);
      if (ch === undefined) return;
      const last = ch.last_seq;
      if (last < 1 || last <= (engine.meta.reads[group] ?? 0)) return;
      const done = await http.json<{ seq: number }>('PUT', `/groups/${seg(group)}/read`, { seq: last });
      engine.meta.reads[group] = Math.max(done.seq, engine.meta.reads[group] ?? 0);
      await saveMeta(engine);
      changed();
    },
    close: () => undefined,
  };
}

export function post(
  roomId: string,
  channel: ChannelName,
  envelope: PostEnvelope,
  files?: { reference: AttachmentRef; ciphertext: Uint8Array }[],
): Promise<string> {
  return enqueue(roomId, channel, envelope, files);
}

export const discardPost = discard;

export async function fetchAttachment(roomId: string, channel: ChannelName, ref: AttachmentRef): Promise<Uint8Array> {
  void roomId;
  void channel;
  const engine = need();
  const bytes = await http.bytes(`/blobs/${seg(ref.blob)}`);
  return engine.wasm.open_attachment(bytes, ref);
}

/** The member's display name in a room (or null when unknown). */
export function memberName(roomId: string, userId: string): string | null {
  return current()?.members[roomId]?.find((m) => m.user_id === userId)?.display_name ?? null;
}

/** My user ID while the engine runs. */
export function myUserId(): string | null {
  return current()?.userId ?? null;
}
