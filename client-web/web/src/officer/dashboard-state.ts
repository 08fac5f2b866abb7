// The live dashboard's state: which organisation sent the notice (from the list, or
// this page sent it, or the one organisation the person follows), the receipts and
// the safety totals, refreshed at once when the server says the check changed
// (engine/live.ts `onSafety`) and every 30 s while the screen is open, and closing
// the check. Leaving the screen stops both.

import type { Me } from '../api';
import { rerender } from '../app';
import { broadcastState } from '../engine/broadcasts';
import { onSafety } from '../engine/live';
import { isNotFound } from '../http';
import { closeCheck, receiptTotals, safetyBoard } from './api';
import { followedOrganisations } from './roles';
import { UNEXPECTED, wordsOf, type Words } from './roster-state';
import { sentOrganisation, takeJustSent } from './send-state';
import { needKey, newNeeds, type NeedsSupportRoom, type OrgReceipts, type SafetyBoard } from './totals';

/** How often receipts (and the totals, in case a live notice was missed) are fetched again. */
export const REFRESH_MS = 30_000;

export interface BoardState {
  userId: string;
  id: string;
  org: string | null;
  receipts: OrgReceipts[] | null;
  safety: SafetyBoard | null;
  /** The notice opened no safety check (the server answered 404). */
  noCheck: boolean;
  loading: boolean;
  again: boolean;
  problem: Words | null;
  updatedAt: number | null;
  /** 要支援 answers already on the screen. */
  seen: Set<string> | null;
  /** 要支援 answers that arrived with the last update: said at once (role="alert"). */
  fresh: NeedsSupportRoom[];
  closing: 'idle' | 'confirm' | 'busy';
  closeProblem: Words | null;
  stop: (() => void) | null;
  /** This page has just sent it: say so above the figures. */
  justSent: boolean;
}

let state: BoardState | null = null;

const hashOf = (id: string): string => `#/broadcasts/${id}/status`;

/** The sending organisation, once it can be told; null while the list still loads. */
function organisationOf(me: Me, id: string): string | null {
  const listed = broadcastState()?.notices.find((n) => n.listed.id === id)?.listed.organisation;
  if (listed !== undefined) return listed;
  const sent = sentOrganisation(id);
  if (sent !== null) return sent;
  const followed = followedOrganisations(me);
  return followed.length === 1 && followed[0] !== undefined ? followed[0].id : null;
}

async function loadSafety(b: BoardState, org: string): Promise<void> {
  try {
    const board = await safetyBoard(org, b.id);
    const fresh = newNeeds(b.seen, board);
    b.seen = new Set([...(b.seen ?? []), ...board.needsSupport.map(needKey)]);
    b.safety = board;
    b.noCheck = false;
    if (fresh.length > 0) {
      // Taken away first, then put back with the new rooms: an alert is said when inserted.
      b.fresh = [];
      setTimeout(() => {
        b.fresh = fresh;
        rerender();
      }, 150);
    }
  } catch (error) {
    if (!isNotFound(error)) throw error;
    b.noCheck = true;
  }
}

async function load(b: BoardState): Promise<void> {
  const org = b.org;
  if (org === null) return;
  if (b.loading) {
    b.again = true;
    return;
  }
  b.loading = true;
  do {
    b.again = false;
    try {
      b.receipts = await receiptTotals(org, b.id);
      await loadSafety(b, org);
      b.problem = null;
      b.updatedAt = Date.now();
    } catch (error) {
      b.problem = wordsOf(error) ?? UNEXPECTED;
    }
  } while (b.again && state === b);
  b.loading = false;
  if (state === b) rerender();
}

function start(b: BoardState): void {
  const timer = setInterval(() => void load(b), REFRESH_MS);
  const unsubscribe = onSafety((broadcast) => {
    if (broadcast === b.id) void load(b);
  });
  const left = (): void => {
    if (location.hash === hashOf(b.id)) return;
    b.stop?.();
    if (state === b) state = null;
  };
  window.addEventListener('hashchange', left);
  b.stop = () => {
    clearInterval(timer);
    unsubscribe();
    window.removeEventListener('hashchange', left);
    b.stop = null;
  };
  void load(b);
}

/** The dashboard of notice `id` for this person, started (or resumed) as needed. */
export function boardFor(me: Me, id: string): BoardState {
  if (state === null || state.id !== id || state.userId !== me.userId) {
    state?.stop?.();
    state = {
      userId: me.userId, id, org: null, receipts: null, safety: null, noCheck: false, loading: false, again: false,
      problem: null, updatedAt: null, seen: null, fresh: [], closing: 'idle', closeProblem: null, stop: null,
      justSent: takeJustSent(id),
    };
  }
  const b = state;
  if (b.org === null) b.org = organisationOf(me, id);
  if (b.org !== null && b.stop === null) start(b);
  return b;
}

/** Updates now (the button). */
export function refreshNow(): void {
  if (state !== null) void load(state);
}

/** Asks to confirm closing the check (or takes the question back). */
export function askClose(ask: boolean): void {
  if (state === null || state.closing === 'busy') return;
  state.closing = ask ? 'confirm' : 'idle';
  state.closeProblem = null;
  rerender();
  document.getElementById(ask ? 'officer-close-yes' : 'officer-close')?.focus();
}

/** Closes the check: later answers are refused; the totals stay. */
export async function confirmClose(): Promise<void> {
  const b = state;
  if (b === null || b.org === null || b.closing === 'busy') return;
  b.closing = 'busy';
  rerender();
  try {
    await closeCheck(b.org, b.id);
    b.closing = 'idle';
  } catch (error) {
    b.closing = 'confirm';
    b.closeProblem = wordsOf(error) ?? UNEXPECTED;
  }
  await load(b);
  rerender();
}
