// My rooms in each safety check, as the server lists them (`GET /broadcasts/{id}/
// safety/rooms`: room IDs and coarse answers, never names), kept in memory for the
// running engine and fetched again when asked or after a while. The banner, the
// notice card, the room screen and the safety screen all read it from here.
//
// Only people on a care team ask: without a room where I am owner, delegate or
// professional with the team channel, there is nothing to answer (families and
// volunteers receive notices but never see a prompt).

import type { WebError } from '../generated/types';
import { broadcastState, type Notice } from '../engine/broadcasts';
import { changed, current, type Engine } from '../engine/state';
import { rooms } from '../engine';
import { ApiError, http, seg } from '../http';
import { answerableChecks, withAnswer, type SafetyRooms } from './rules';
import type { CoarseAnswer } from './answer';

/** A list older than this is fetched again when next shown (other team members answer too). */
const STALE_MS = 60_000;

export interface Listing {
  rooms: SafetyRooms | null;
  fetchedAt: number;
  loading: boolean;
  problem: WebError | null;
}

interface Local {
  engine: Engine;
  lists: Map<string, Listing>;
}

let local: Local | null = null;

function localNow(): Local | null {
  const engine = current();
  if (engine === null) {
    local = null;
    return null;
  }
  if (local === null || local.engine !== engine) local = { engine, lists: new Map() };
  return local;
}

/** Whether I am on the care team of any room (owner, delegate or professional, with the team channel). */
export function onACareTeam(): boolean {
  return rooms().some((r) => r.channels.includes('team') && ['owner', 'delegate', 'professional'].includes(r.myRole));
}

async function fetchList(state: Local, broadcast: string): Promise<void> {
  const entry: Listing = state.lists.get(broadcast) ?? { rooms: null, fetchedAt: 0, loading: false, problem: null };
  if (entry.loading) return;
  entry.loading = true;
  state.lists.set(broadcast, entry);
  try {
    entry.rooms = await http.json<SafetyRooms>('GET', `/broadcasts/${seg(broadcast)}/safety/rooms`);
    entry.problem = null;
  } catch (error) {
    entry.problem = error instanceof ApiError ? { code: error.code, en: error.messageEn, ja: error.messageJa } : null;
  }
  entry.fetchedAt = Date.now();
  entry.loading = false;
  if (local === state) changed();
}

/** My rooms in check `broadcast` as last fetched (fetching when missing or stale). */
export function listing(broadcast: string): Listing | null {
  const state = localNow();
  if (state === null) return null;
  const entry = state.lists.get(broadcast);
  if (entry === undefined || (!entry.loading && Date.now() - entry.fetchedAt > STALE_MS)) void fetchList(state, broadcast);
  return state.lists.get(broadcast) ?? null;
}

/** Fetches check `broadcast` now (the safety screen opening, the refresh button). */
export async function refreshListing(broadcast: string): Promise<void> {
  const state = localNow();
  if (state !== null) await fetchList(state, broadcast);
}

/** Shows an answer the server accepted at once, and fetches the list again. */
export function noteAnswered(broadcast: string, room: string, coarse: CoarseAnswer): void {
  const state = localNow();
  const entry = state?.lists.get(broadcast);
  if (state === null || entry === undefined || entry.rooms === null) return;
  entry.rooms = withAnswer(entry.rooms, room, coarse.status, coarse.need, Date.now());
  changed();
  void fetchList(state, broadcast);
}

/** The official, current notice that opened check `broadcast` (undefined when it is not one). */
export function officialCheck(broadcast: string): Notice | undefined {
  const notices = broadcastState()?.notices ?? [];
  return answerableChecks(notices, Date.now()).find((n) => n.listed.id === broadcast);
}

/** The checks I may answer now with my rooms in them (only for care-team members). */
export function myChecks(): { notice: Notice; rooms: SafetyRooms }[] {
  const notices = broadcastState()?.notices ?? [];
  if (!onACareTeam()) return [];
  const out: { notice: Notice; rooms: SafetyRooms }[] = [];
  for (const notice of answerableChecks(notices, Date.now())) {
    const list = listing(notice.listed.id)?.rooms ?? null;
    if (list !== null && list.rooms.length > 0) out.push({ notice, rooms: list });
  }
  return out;
}
