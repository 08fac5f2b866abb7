// Regional broadcasts on this device: the list from `GET /broadcasts`, each notice
// judged by the core against the rosters this device pinned, the rosters fetched and
// pinned when a notice names an organisation (or an officer key) this device does not
// know yet, and the receipts (opened when shown, acknowledged on the button).
//
// The list and the time of the last successful fetch are kept sealed in IndexedDB
// (`{user}:broadcasts`), so notices stay readable offline; they are judged again
// when loaded, against the pins in the device state. Acknowledgements made offline
// wait there and are sent on the next fetch.

import type { BroadcastView, SignedBroadcast, SignedRosterChange, WebError } from '../generated/types';
import { ApiError, http, isNetwork, seg } from '../http';
import { needsOpened, rostersToFollow, type Listed, type Notice } from './broadcast-rules';
import { saveDevice } from './device';
import { changed, current, locked, type Engine } from './state';
import * as store from './store';

export type { Listed, Notice } from './broadcast-rules';

/** What is kept sealed between visits. */
interface Kept {
  listed: Listed[];
  /** When `GET /broadcasts` last answered (ms), or null before the first time. */
  fetchedAt: number | null;
  /** Acknowledged here, not yet accepted by the server. */
  pendingAcks: string[];
  /** Rosters this device pinned on first sight, to compare with what each organisation publishes. */
  pins?: Pin[];
}

/** A roster pinned on first sight. */
export interface Pin {
  organisation: string;
  fingerprint: string;
  pinnedAt: number;
}

interface Local {
  engine: Engine;
  kept: Kept;
  /** The kept list read back (a fetch waits for it, so nothing kept is overwritten). */
  loaded: Promise<void>;
  /** Roster changes the core refused (a conflict with the pinned roster), in words. */
  refusedRosters: WebError[];
  notices: Notice[];
  /** `opened` already sent (or being sent) in this visit. */
  opened: Set<string>;
  /**
   * Acknowledged in this visit: a list fetched while the receipt was on its way says
   * "not acknowledged", which must not bring the notice (a 緊急 full screen) back.
   */
  acknowledged: Set<string>;
  refreshing: Promise<void> | null;
  /** Another refresh was asked for while one ran. */
  again: boolean;
  problem: WebError | null;
}

/** What the banner and the list read. */
export interface BroadcastState {
  notices: Notice[];
  fetchedAt: number | null;
  pendingAcks: ReadonlySet<string>;
  refreshing: boolean;
  /** Why the last fetch failed, if it did. */
  problem: WebError | null;
  pins: Pin[];
  refusedRosters: WebError[];
}

let local: Local | null = null;

const keyOf = (engine: Engine): string => `${engine.userId}:broadcasts`;

/** The core's verdict; a notice the core cannot even take in is unverified, never dropped. */
function judge(engine: Engine, signed: SignedBroadcast, now: number): BroadcastView {
  try {
    return engine.device.verify_broadcast(signed, now);
  } catch {
    return {
      standing: 'unverified',
      broadcast: null,
      officer: null,
      warning: {
        code: 'broadcast_invalid',
        en: 'This notice could not be read. It is not an official notice.',
        ja: 'このお知らせは読み取れません。公式のお知らせではありません。',
      },
    };
  }
}

function judgeAll(state: Local): void {
  const now = Date.now();
  state.notices = state.kept.listed.map((listed) => ({ listed, view: judge(state.engine, listed.signed, now) }));
}

async function keep(state: Local): Promise<void> {
  await store.putJson(keyOf(state.engine), state.kept);
}

async function loadKept(state: Local): Promise<void> {
  const saved = await store.getJson<Kept>(keyOf(state.engine));
  if (saved === null || local !== state) return;
  // Acknowledged before the kept list was read: keep both.
  const pendingAcks = [...new Set([...saved.pendingAcks, ...state.kept.pendingAcks])];
  state.kept = { listed: saved.listed, fetchedAt: saved.fetchedAt, pendingAcks, pins: saved.pins ?? [] };
  judgeAll(state);
  changed();
}

/** This engine's broadcasts, loading the kept list (then fetching) the first time. */
function localFor(engine: Engine): Local {
  if (local !== null && local.engine === engine) return local;
  const state: Local = {
    engine,
    kept: { listed: [], fetchedAt: null, pendingAcks: [], pins: [] },
    loaded: Promise.resolve(),
    refusedRosters: [],
    notices: [],
    opened: new Set(),
    acknowledged: new Set(),
    refreshing: null,
    again: false,
    problem: null,
  };
  local = state;
  state.loaded = loadKept(state).catch(() => undefined);
  void state.loaded.then(() => refreshBroadcasts()).catch(() => undefined);
  return state;
}

/** Fetches one organisation's roster and pins it (or follows its changes), saved at once. */
async function followRoster(state: Local, organisation: string): Promise<void> {
  const engine = state.engine;
  const roster = await http.json<{ changes: SignedRosterChange[] }>('GET', `/organisations/${seg(organisation)}/roster`);
  const reports = await locked(async () => {
    const out = engine.device.accept_rosters(roster.changes);
    await saveDevice(engine);
    return out;
  });
  for (const report of reports) {
    if (report.outcome === 'pinned') {
      state.kept.pins = [...(state.kept.pins ?? []), { organisation, fingerprint: report.fingerprint, pinnedAt: Date.now() }];
    } else if (report.outcome === 'refused' && !state.refusedRosters.some((e) => e.en === report.error.en)) {
      state.refusedRosters.push(report.error);
    }
  }
}

async function sendAck(id: string): Promise<void> {
  await http.json('POST', `/broadcasts/${seg(id)}/receipt`, { state: 'acknowledged' });
}

/** Sends acknowledgements made offline; those the server refuses for good are dropped. */
async function flushAcks(state: Local): Promise<void> {
  for (const id of [...state.kept.pendingAcks]) {
    try {
      await sendAck(id);
    } catch (error) {
      if (isNetwork(error)) return;
    }
    state.kept.pendingAcks = state.kept.pendingAcks.filter((p) => p !== id);
    const listed = state.kept.listed.find((l) => l.id === id);
    if (listed !== undefined) listed.receipt.acknowledged_at ??= Date.now();
  }
}

async function fetchOnce(state: Local): Promise<void> {
  await state.loaded;
  const answer = await http.json<{ broadcasts: Listed[] }>('GET', '/broadcasts');
  if (local !== state) return;
  state.kept.listed = answer.broadcasts;
  for (const listed of state.kept.listed) {
    if (state.acknowledged.has(listed.id)) listed.receipt.acknowledged_at ??= Date.now();
  }
  state.kept.fetchedAt = Date.now();
  state.problem = null;
  judgeAll(state);
  const follow = rostersToFollow(state.notices);
  for (const organisation of follow) {
    try {
      await followRoster(state, organisation);
    } catch {
      // Not in scope, or offline: the notices stay unverified, as they are.
    }
  }
  if (follow.length > 0) judgeAll(state);
  await flushAcks(state);
  await keep(state);
  changed();
}

/** Fetches the list again (after a live `broadcast` notice, a reconnect, or the button). */
export async function refreshBroadcasts(): Promise<void> {
  const engine = current();
  if (engine === null) return;
  const state = localFor(engine);
  if (state.refreshing !== null) {
    state.again = true;
    return state.refreshing;
  }
  const run = async (): Promise<void> => {
    do {
      state.again = false;
      try {
        await fetchOnce(state);
      } catch (error) {
        state.problem = error instanceof ApiError ? { code: error.code, en: error.messageEn, ja: error.messageJa } : null;
        changed();
        throw error;
      }
    } while (state.again && local === state);
  };
  state.refreshing = run().finally(() => {
    state.refreshing = null;
    changed();
  });
  changed();
  return state.refreshing;
}

/** The broadcasts of the running engine (null while it is not running). */
export function broadcastState(): BroadcastState | null {
  const engine = current();
  if (engine === null) {
    local = null;
    return null;
  }
  const state = localFor(engine);
  return {
    notices: state.notices,
    fetchedAt: state.kept.fetchedAt,
    pendingAcks: new Set(state.kept.pendingAcks),
    refreshing: state.refreshing !== null,
    problem: state.problem,
    pins: state.kept.pins ?? [],
    refusedRosters: state.refusedRosters,
  };
}

/** Records once per visit that the person saw a notice (failures are not retried). */
export function markOpened(id: string): void {
  const engine = current();
  if (engine === null) return;
  const state = localFor(engine);
  const notice = state.notices.find((n) => n.listed.id === id);
  if (notice === undefined || !needsOpened(notice, Date.now(), state.opened)) return;
  state.opened.add(id);
  void http
    .json('POST', `/broadcasts/${seg(id)}/receipt`, { state: 'opened' })
    .then(() => {
      const listed = state.kept.listed.find((l) => l.id === id);
      if (listed !== undefined && listed.receipt.opened_at === null) listed.receipt.opened_at = Date.now();
    })
    .catch(() => undefined);
}

/**
 * The person acknowledged a notice: it leaves the banner at once, and the receipt is
 * sent now or, offline, on the next fetch.
 */
export async function acknowledge(id: string): Promise<void> {
  const engine = current();
  if (engine === null) return;
  const state = localFor(engine);
  if (!state.kept.pendingAcks.includes(id)) state.kept.pendingAcks.push(id);
  state.acknowledged.add(id);
  changed();
  try {
    await sendAck(id);
    state.kept.pendingAcks = state.kept.pendingAcks.filter((p) => p !== id);
    const listed = state.kept.listed.find((l) => l.id === id);
    if (listed !== undefined) listed.receipt.acknowledged_at ??= Date.now();
  } catch (error) {
    if (!isNetwork(error)) {
      state.kept.pendingAcks = state.kept.pendingAcks.filter((p) => p !== id);
      throw error;
    }
  } finally {
    await keep(state).catch(() => undefined);
    changed();
  }
}
