// What one open room screen keeps (room.ts draws it): the channel, the composer's
// mode, the read receipts, the search, what went wrong; and what it does beside
// drawing: polling the read positions (the others' here, mine in the room's other
// channels for the tabs' unread marks), marking the timeline read, sending,
// refreshing, keeping the newest post in view.

import type { Me } from '../api';
import { rerender } from '../app';
import type { ChannelName, NotebookEntry, PostEnvelope } from '../generated/types';
import { openChannel, post, refreshRooms, rooms, type ChannelHandle, type MemberRead } from '../engine';
import { roomText } from '../rooms-messages';
import { problemText } from './parts';

/** How often the others' read positions are fetched while the timeline is on screen. */
const READS_MS = 4_000;

export type Mode = { kind: 'new' } | { kind: 'reply'; entry: NotebookEntry } | { kind: 'amend'; entry: NotebookEntry };

export interface RoomState {
  mode: Mode;
  tab: string;
  reads: MemberRead[] | null;
  problem: (() => string) | null;
  notice: (() => string) | null;
  bodyInvalid: boolean;
  marking: boolean;
  membersLoaded: boolean;
  refreshing: boolean;
  /** The in-room search (empty: none) and whether its box is open. */
  query: string;
  searchOpen: boolean;
  /** How far I have read each channel of the room, as the server last said. */
  myReads: Partial<Record<ChannelName, number>>;
  /** Entries drawn last time, to follow new ones to the bottom. */
  drawn: number;
}

/** One room screen: who, where, the channel and its state. */
export interface RoomScreen {
  person: Me;
  roomId: string;
  channel: ChannelName;
  handle: ChannelHandle;
  state: RoomState;
  /** Whether this screen is still the one shown. */
  here(): boolean;
}

export function roomScreen(person: Me, roomId: string, channel: ChannelName): RoomScreen {
  const hash = `#/rooms/${roomId}/${channel}`;
  const state: RoomState = {
    mode: { kind: 'new' },
    tab: 'note',
    reads: null,
    problem: null,
    notice: null,
    bodyInvalid: false,
    marking: false,
    membersLoaded: false,
    refreshing: false,
    query: '',
    searchOpen: false,
    myReads: {},
    drawn: -1,
  };
  return { person, roomId, channel, handle: openChannel(roomId, channel), state, here: () => location.hash === hash };
}

/** My read position in the room's other channels (for the unread marks on their tabs). */
async function pollMyReads(screen: RoomScreen): Promise<boolean> {
  const room = rooms().find((r) => r.roomId === screen.roomId);
  let moved = false;
  for (const channel of room?.channels ?? []) {
    if (channel === screen.channel) continue;
    const handle = openChannel(screen.roomId, channel);
    if (!handle.joined()) continue;
    try {
      const mine = (await handle.reads()).find((r) => r.user_id === screen.person.userId);
      if (mine !== undefined && mine.seq !== screen.state.myReads[channel]) {
        screen.state.myReads[channel] = mine.seq;
        moved = true;
      }
    } catch {
      // offline: the mark stays as it was
    }
  }
  return moved;
}

export async function pollReads(screen: RoomScreen): Promise<void> {
  if (!screen.here()) return;
  let moved = await pollMyReads(screen);
  if (screen.handle.joined()) {
    try {
      const reads = await screen.handle.reads();
      if (JSON.stringify(reads) !== JSON.stringify(screen.state.reads)) {
        screen.state.reads = reads;
        moved = true;
      }
    } catch {
      // offline: the receipts stay as they were
    }
  }
  if (moved) rerender();
}

/**
 * Unread posts of others in another channel of the room: after my last known
 * read position there, and never more than the room's own unread count (which
 * the engine keeps from this device's read positions, so a tab clears at once).
 */
export function channelUnread(screen: RoomScreen, channel: ChannelName, roomUnread: number): number {
  if (channel === screen.channel || roomUnread === 0) return 0;
  const read = screen.state.myReads[channel];
  if (read === undefined) return 0;
  const fresh = openChannel(screen.roomId, channel)
    .events()
    .filter((p) => p.seq > read && p.author_user !== screen.person.userId).length;
  return Math.min(fresh, roomUnread);
}

/**
 * Keeps the newest post in view: on opening, and when posts arrive while the
 * person is at the bottom (someone reading older posts is left where they are).
 */
export function followNewest(screen: RoomScreen, count: number): void {
  const { state } = screen;
  const first = state.drawn < 0 && count > 0;
  const grew = state.drawn >= 0 && count > state.drawn;
  const scroller = document.scrollingElement ?? document.documentElement;
  const atBottom = scroller.scrollHeight - (scroller.scrollTop + window.innerHeight) < 240;
  if (count > 0 || state.drawn >= 0) state.drawn = count;
  if (first || (grew && atBottom)) requestAnimationFrame(() => scrollToNewest());
}

export function scrollToNewest(): void {
  document.getElementById('room-end')?.scrollIntoView({ block: 'end' });
}

/** Polls the read positions while the screen is shown and visible (stops when left). */
export function startPolling(screen: RoomScreen): void {
  const timer = setInterval(() => {
    if (!screen.here()) clearInterval(timer);
    else if (document.visibilityState === 'visible') void pollReads(screen);
  }, READS_MS);
}

export function markRead(screen: RoomScreen): void {
  const { state, handle } = screen;
  if (state.marking || !screen.here() || document.visibilityState !== 'visible' || !handle.joined()) return;
  state.marking = true;
  void handle
    .markRead()
    .catch(() => undefined)
    .finally(() => {
      state.marking = false;
    });
}

/** Queues a post (shown at once, sent once); says so when offline. */
export async function send(screen: RoomScreen, envelope: PostEnvelope, files?: Parameters<typeof post>[3]): Promise<void> {
  await post(screen.roomId, screen.channel, envelope, files);
  requestAnimationFrame(() => scrollToNewest());
  if (!navigator.onLine) screen.state.notice = () => roomText().queued;
  rerender();
}

export async function refresh(screen: RoomScreen): Promise<void> {
  const { state } = screen;
  if (state.refreshing) return;
  state.refreshing = true;
  state.problem = null;
  rerender();
  try {
    await refreshRooms();
    await pollReads(screen);
  } catch (error) {
    state.problem = () => problemText(error);
  }
  state.refreshing = false;
  rerender();
}
