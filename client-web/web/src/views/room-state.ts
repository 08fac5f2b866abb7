// What one open room screen keeps (room.ts draws it): the channel, the composer's
// mode, the read receipts, the search, what went wrong; and what it does beside
// drawing: polling the read positions (the others' here, mine in the room's other
// channels for the tabs' unread marks), marking the timeline read, sending,
// refreshing, keeping the newest post in view.

import type { Me } from '../api';
import { rerender } from '../app';
import type { ChannelName, NotebookEntry, PostEnvelope } from '../generated/types';
import { openChannel, post, refreshRooms, type ChannelHandle, type MemberRead, type RoomSummary } from '../engine';
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
    drawn: -1,
  };
  return { person, roomId, channel, handle: openChannel(roomId, channel), state, here: () => location.hash === hash };
}

export async function pollReads(screen: RoomScreen): Promise<void> {
  if (!screen.here()) return;
  let moved = false;
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

/** Unread posts of others in another channel of the room (its tab's mark), as the
 * engine counts them from this device's read positions. */
export function channelUnread(screen: RoomScreen, channel: ChannelName, room: RoomSummary): number {
  return channel === screen.channel ? 0 : (room.unreadByChannel[channel] ?? 0);
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
