// Starting and stopping the engine: the device (resumed or registered), the sealed
// cache, the outbox, the live connection, and the periodic round that reconciles
// (no server notice comes when a member registers a device on an older server).

import type { Me } from '../api';
import { http } from '../http';
import { openDevice } from './device';
import { reconnectNow, startLive, stopLive } from './live';
import { flush, loadOutbox, startOutbox, stopOutbox } from './outbox';
import { refreshRooms } from './refresh';
import { changed, current, setEngine, wasm, type Engine } from './state';
import { loadCached } from './sync';
import { forgetMe, rememberMe } from './who';

export type EngineState = 'off' | 'starting' | 'ready' | 'failed';

const RECONCILE_MS = 20_000;
let state: EngineState = 'off';
let starting: Promise<void> | null = null;
let startedFor: string | null = null;
let reconcileTimer: ReturnType<typeof setInterval> | null = null;

export function status(): {
  state: EngineState;
  live: Engine['live'] | 'off';
  online: boolean;
  problem: Engine['problem'];
  notice: Engine['notice'];
} {
  const engine = current();
  return {
    state,
    live: engine?.live ?? 'off',
    online: navigator.onLine,
    problem: engine?.problem ?? null,
    notice: engine?.notice ?? null,
  };
}

async function organisations(): Promise<{ id: string; name: string }[]> {
  type Role = { organisation_id: string; organisation_name?: string; role: string };
  const me = await http.json<{ roles?: Role[] }>('GET', '/me');
  const professional = (role: string): boolean => role !== 'officer' && role !== 'facility_admin';
  const out: { id: string; name: string }[] = [];
  for (const r of me.roles ?? []) {
    if (professional(r.role) && !out.some((o) => o.id === r.organisation_id)) {
      out.push({ id: r.organisation_id, name: r.organisation_name ?? r.organisation_id });
    }
  }
  return out;
}

let membersTimer: ReturnType<typeof setTimeout> | null = null;

/** A `members` notice: reconcile soon (several notices in a row make one round). */
function membersChanged(): void {
  if (membersTimer !== null) return;
  membersTimer = setTimeout(() => {
    membersTimer = null;
    if (current() !== null) void refreshRooms().catch(() => undefined);
  }, 300);
}

function onNetwork(): void {
  const engine = current();
  if (engine === null) return;
  engine.online = navigator.onLine;
  if (navigator.onLine) reconnectNow(engine);
  changed();
}

async function start(me: Me): Promise<void> {
  state = 'starting';
  changed();
  const module = await wasm();
  const opened = await openDevice(module, me.userId);
  await rememberMe(me);
  const engine: Engine = {
    wasm: module,
    userId: me.userId,
    dataKey: opened.dataKey,
    device: opened.device,
    meta: opened.meta,
    rooms: [],
    members: {},
    posts: new Map(),
    problems: new Map(),
    lost: new Set(),
    roomOrgs: [],
    online: navigator.onLine,
    live: 'closed',
    problem: null,
    notice: null,
  };
  await loadCached(engine);
  await loadOutbox(engine);
  setEngine(engine);
  state = 'ready';
  changed();
  startOutbox();
  window.addEventListener('online', onNetwork);
  window.addEventListener('offline', onNetwork);
  startLive(engine, () => void flush(), membersChanged);
  reconcileTimer = setInterval(() => {
    if (document.visibilityState === 'visible' && navigator.onLine) void refreshRooms().catch(() => undefined);
  }, RECONCILE_MS);
  void organisations().then((orgs) => {
    engine.roomOrgs = orgs;
    changed();
  }).catch(() => undefined);
  void refreshRooms().catch(() => undefined);
}

/**
 * Starts fetching and compiling the WebAssembly core while the vault is still being
 * opened, so a reload reaches the timeline sooner (the first `wasm()` is cached).
 */
export function warmEngine(): void {
  void wasm().catch(() => undefined);
}

/** Starts the engine for `me` once (later calls share the first). */
export function startEngine(me: Me): Promise<void> {
  if (starting !== null && startedFor === me.userId) return starting;
  if (startedFor !== null) stopEngine();
  startedFor = me.userId;
  starting = start(me).catch((error: unknown) => {
    state = 'failed';
    starting = null;
    startedFor = null;
    changed();
    throw error;
  });
  return starting;
}

export function stopEngine(): void {
  forgetMe();
  stopLive();
  stopOutbox();
  window.removeEventListener('online', onNetwork);
  window.removeEventListener('offline', onNetwork);
  if (reconcileTimer !== null) clearInterval(reconcileTimer);
  reconcileTimer = null;
  onStop();
  setEngine(null);
  starting = null;
  startedFor = null;
  state = 'off';
}


let onStop: () => void = () => undefined;

/** Runs `hook` whenever the engine stops (the facade drops its memos). */
export function whenStopped(hook: () => void): void {
  onStop = hook;
}
