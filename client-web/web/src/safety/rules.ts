// Which safety checks the care team is asked to answer, and what each prompt says.
// Pure (time comes in as a parameter), so the unit tests pin every rule.
//
// A check is answered only when its notice is official now: the core verified it
// against the pinned roster, its signed expiry has not passed, and the *signed*
// notice opens a check. A server that forges or replays a notice cannot draw
// answers out of a team (the native client's rule, client/src/safety.rs).

import type { SafetyNeed, SafetyStatus } from '../generated/types';
import { standingAt, type Notice } from '../engine/broadcast-rules';

/** One of my rooms in a check, as `GET /broadcasts/{id}/safety/rooms` lists it. */
export interface SafetyRoom {
  room: string;
  facility: string;
  /** The current answer; null while unanswered. */
  status: SafetyStatus | null;
  need: SafetyNeed | null;
  answered_at: number | null;
}

/** My rooms in one check. */
export interface SafetyRooms {
  broadcast: string;
  /** Whether answers are still taken (not closed by an officer, not expired). */
  open: boolean;
  rooms: SafetyRoom[];
}

/** Whether this notice opens a check this device may answer now. */
export function isAnswerable(notice: Notice | undefined, now: number): boolean {
  if (notice === undefined) return false;
  return standingAt(notice, now) === 'official' && notice.view.broadcast?.safety_check === true;
}

/** The notices whose checks may be answered now, newest first. */
export function answerableChecks(notices: readonly Notice[], now: number): Notice[] {
  return notices
    .filter((n) => isAnswerable(n, now))
    .sort((a, b) => (b.view.broadcast?.issued_at ?? 0) - (a.view.broadcast?.issued_at ?? 0));
}

/** A room counts as answered once the server has its answer or one waits here to be sent. */
export function isAnswered(room: SafetyRoom, waiting: ReadonlySet<string>): boolean {
  return room.status !== null || waiting.has(room.room);
}

/** How many of my rooms in an open check still need an answer (0 once it is closed). */
export function unansweredCount(list: SafetyRooms, waiting: ReadonlySet<string>): number {
  if (!list.open) return 0;
  return list.rooms.filter((r) => !isAnswered(r, waiting)).length;
}

/** What a room's screen says about one check: ask for an answer, show it, or nothing. */
export type RoomPrompt = { kind: 'ask' } | { kind: 'answered'; status: SafetyStatus; need: SafetyNeed | null } | { kind: 'waiting' } | null;

export function roomPrompt(list: SafetyRooms, room: string, waiting: ReadonlySet<string>): RoomPrompt {
  const mine = list.rooms.find((r) => r.room === room);
  if (mine === undefined) return null;
  if (waiting.has(room)) return { kind: 'waiting' };
  if (mine.status !== null) return { kind: 'answered', status: mine.status, need: mine.need };
  return list.open ? { kind: 'ask' } : null;
}

/** The list after an answer the server accepted (shown at once, before the next fetch). */
export function withAnswer(list: SafetyRooms, room: string, status: SafetyStatus, need: SafetyNeed | null, at: number): SafetyRooms {
  return {
    ...list,
    rooms: list.rooms.map((r) => (r.room === room ? { ...r, status, need, answered_at: at } : r)),
  };
}
