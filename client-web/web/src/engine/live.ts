// Following live (follow.rs of the native client): one WebSocket, subscribed to
// every channel from its last position; entries are ingested as they arrive, a gap
// is filled over HTTP, `welcome` joins the new group. It reconnects with backoff and
// resumes from the last position, so nothing is missed or repeated.

import type { LogEntry } from '../wasm/kizuna_client_web';
import { activeGroups, fetchWelcomes, ingest, observeGeneration, syncGroup } from './sync';
import { changed, current, locked, parseGroup, type Engine } from './state';

/** Close codes: the session ended / removed from a room. */
const SESSION_ENDED = 4401;

let socket: WebSocket | null = null;
let failures = 0;
let retryTimer: ReturnType<typeof setTimeout> | null = null;
let stopped = true;
let onOpen: () => void = () => undefined;
let onMembers: () => void = () => undefined;

function subscribe(ws: WebSocket, engine: Engine, groups: string[]): void {
  for (const group of groups) {
    const where = parseGroup(group);
    const channel = where === null ? undefined : engine.device.channel(where.room, where.channel);
    if (channel === undefined) continue;
    ws.send(JSON.stringify({ type: 'subscribe', group_id: group, after: channel.last_seq }));
  }
}

async function handle(ws: WebSocket, engine: Engine, text: string): Promise<void> {
  let frame: { type?: unknown; group_id?: unknown; code?: unknown; seq?: unknown; log_generation?: unknown };
  try {
    frame = JSON.parse(text) as typeof frame;
  } catch {
    return;
  }
  switch (frame.type) {
    case 'hello': {
      // A restored server: every channel restarts from 0, so subscribing below
      // reads each log again from the start.
      if (typeof frame.log_generation === 'string') await observeGeneration(engine, frame.log_generation);
      const joined = await fetchWelcomes(engine).catch(() => []);
      void joined;
      subscribe(ws, engine, activeGroups(engine));
      failures = 0;
      engine.live = 'open';
      changed();
      onOpen();
      return;
    }
    case 'entry': {
      if (typeof frame.group_id !== 'string' || typeof frame.seq !== 'number') return;
      const group = frame.group_id;
      const where = parseGroup(group);
      const channel = where === null ? undefined : engine.device.channel(where.room, where.channel);
      if (channel === undefined) return;
      const entry = frame as unknown as LogEntry;
      if (entry.seq > channel.last_seq + 1) await syncGroup(group, engine);
      else if (entry.seq === channel.last_seq + 1) {
        if ((await ingest(group, [entry], engine)) === 'gap') await syncGroup(group, engine);
      } else {
        // A position already read: usually an overlap with a page just fetched, but
        // a restored server hands out seqs again. A page names the log generation
        // (observeGeneration), so read one: nothing new, or the log from the start.
        await syncGroup(group, engine);
      }
      return;
    }
    case 'welcome': {
      const joined = await fetchWelcomes(engine);
      subscribe(ws, engine, joined);
      return;
    }
    case 'members':
      // Someone in one of my rooms joined or has a new device: reconcile (outside
      // this frame's turn of the lock, so frames keep flowing).
      setTimeout(onMembers, 0);
      return;
    case 'error':
      if (frame.code === 'group_not_found') {
        for (const group of activeGroups(engine)) await syncGroup(group, engine);
      }
      return;
    default:
      return;
  }
}

function schedule(engine: Engine): void {
  if (stopped || retryTimer !== null) return;
  failures += 1;
  const wait = Math.min(30_000, 500 * 2 ** Math.min(failures, 6));
  retryTimer = setTimeout(() => {
    retryTimer = null;
    connect(engine);
  }, wait);
}

function connect(engine: Engine): void {
  if (stopped || current() !== engine) return;
  const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
  const ws = new WebSocket(`${scheme}://${location.host}/api/v1/ws`);
  socket = ws;
  engine.live = 'connecting';
  changed();
  ws.onmessage = (event: MessageEvent) => {
    if (typeof event.data !== 'string') return;
    const text = event.data;
    void locked(() => handle(ws, engine, text)).catch(() => {
      // A failed fetch while handling a frame: the next reconnect resumes.
    });
  };
  ws.onclose = (event: CloseEvent) => {
    if (socket === ws) socket = null;
    engine.live = 'closed';
    changed();
    if (event.code === SESSION_ENDED) {
      stopped = true;
      engine.problem = { en: 'Your session ended. Please sign in again.', ja: 'セッションが終了しました。もう一度サインインしてください。' };
      return;
    }
    schedule(engine);
  };
}

/** Opens the live connection; `opened` runs after every (re)connect. */
export function startLive(engine: Engine, opened: () => void, members: () => void): void {
  stopped = false;
  failures = 0;
  onOpen = opened;
  onMembers = members;
  connect(engine);
}

/** Connects again at once (e.g. the network came back). */
export function reconnectNow(engine: Engine): void {
  if (stopped || socket !== null) return;
  if (retryTimer !== null) clearTimeout(retryTimer);
  retryTimer = null;
  connect(engine);
}

export function stopLive(): void {
  stopped = true;
  if (retryTimer !== null) clearTimeout(retryTimer);
  retryTimer = null;
  socket?.close();
  socket = null;
}
