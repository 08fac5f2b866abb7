// Answers made without a network: kept sealed in IndexedDB (`{user}:safety`, sealed
// with the vault like the outbox, since the post holds the team's note) and sent in
// order, coarse part first, when the connection returns. An answer the server then
// refuses (the check was closed meanwhile) is dropped and said on the safety screen.

import type { WebError } from '../generated/types';
import { broadcastState } from '../engine/broadcasts';
import { changed, current, type Engine } from '../engine/state';
import * as store from '../engine/store';
import { deliver, retryable, words, type Outgoing } from './deliver';

/** How often waiting answers are tried again while online. */
const RETRY_MS = 15_000;

interface Local {
  engine: Engine;
  items: Outgoing[];
  loaded: Promise<void>;
  flushing: boolean;
  /** Answers the server refused when they were finally sent. */
  refused: { broadcast: string; room: string; words: WebError }[];
}

let local: Local | null = null;

const keyOf = (engine: Engine): string => `${engine.userId}:safety`;

function localNow(): Local | null {
  const engine = current();
  if (engine === null) {
    local = null;
    return null;
  }
  if (local !== null && local.engine === engine) return local;
  const state: Local = { engine, items: [], loaded: Promise.resolve(), flushing: false, refused: [] };
  local = state;
  state.loaded = store
    .getJson<Outgoing[]>(keyOf(engine))
    .then((kept) => {
      if (kept !== null && kept.length > 0) {
        state.items = [...kept, ...state.items];
        changed();
      }
    })
    .catch(() => undefined);
  return state;
}

async function save(state: Local): Promise<void> {
  await store.putJson(keyOf(state.engine), state.items).catch(() => undefined);
}

const same = (a: Outgoing, b: { broadcast: string; room: string }): boolean => a.broadcast === b.broadcast && a.room === b.room;

/** Keeps an answer until the connection returns (a later answer for the room replaces it). */
export async function keepForLater(item: Outgoing): Promise<void> {
  const state = localNow();
  if (state === null) return;
  await state.loaded;
  state.items = [...state.items.filter((i) => !same(i, item)), item];
  state.refused = state.refused.filter((r) => !same(item, r));
  await save(state);
  changed();
}

/** The rooms of check `broadcast` whose answer waits on this device. */
export function waitingRooms(broadcast: string): ReadonlySet<string> {
  const state = localNow();
  return new Set(state?.items.filter((i) => i.broadcast === broadcast).map((i) => i.room) ?? []);
}

/** Answers of check `broadcast` that the server refused when they were sent later. */
export function refusedLater(broadcast: string): { room: string; words: WebError }[] {
  return localNow()?.refused.filter((r) => r.broadcast === broadcast) ?? [];
}

/** Sends what waits, oldest first; stops at the first answer that cannot go yet. */
export async function flushPending(): Promise<void> {
  const state = localNow();
  if (state === null || state.flushing) return;
  state.flushing = true;
  try {
    await state.loaded;
    while (state.items.length > 0 && local === state) {
      const item = state.items[0];
      if (item === undefined) break;
      // The notices are read back after a reload: judge the check only once it is known.
      if (!(broadcastState()?.notices.some((n) => n.listed.id === item.broadcast) ?? false)) break;
      try {
        await deliver(item);
      } catch (error) {
        if (retryable(error)) break;
        state.refused.push({ broadcast: item.broadcast, room: item.room, words: words(error) });
      }
      state.items = state.items.filter((i) => i !== item);
      await save(state);
      changed();
    }
  } finally {
    state.flushing = false;
  }
}

window.addEventListener('online', () => void flushPending());
setInterval(() => {
  if (navigator.onLine && (local?.items.length ?? 0) > 0) void flushPending();
}, RETRY_MS);
