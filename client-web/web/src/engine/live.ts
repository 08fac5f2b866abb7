// Following live (follow.rs of the native client): one WebSocket, subscribed to
// every channel from its last position; entries are ingested as they arrive, a gap
// is filled over HTTP, `welcome` joins the new group. It reconnects with backoff and
// resumes from the last position, so nothing is missed or repeated. The socket's
// upkeep (reconnecting, backoff) is link.ts's; here the frames meet the engine.

import type { LogEntry } from '../generated/types';
import { refreshBroadcasts } from './broadcasts';
import { activeGroups, fetchWelcomes, ingest, observeGeneration, onGroupLearned, syncGroup } from './sync';
import { realClock } from './clock';
import { LiveLink, type SocketHandlers, type SocketLike } from './link';
import { changed, current, locked, parseGroup, type Engine } from './state';

let link: LiveLink | null = null;
let onOpen: () => void = () => undefined;
let onMembers: () => void = () => undefined;
const safetyListeners = new Set<(broadcast: string) => void>();

/**
 * Calls `listener` with the broadcast's ID whenever the server says one of its safety
 * checks changed (`{"type":"safety","broadcast"}`, sent to the sending organisation's
 * officers): the officer's dashboard refreshes. Returns the way to stop listening.
 */
export function onSafety(listener: (broadcast: string) => void): () => void {
  safetyListeners.add(listener);
  return () => safetyListeners.delete(listener);
}

const emergencyListeners = new Set<(account: string) => void>();

/**
 * Calls `listener` with the account's user ID whenever the server says one of this
 * facility administrator's emergency accounts signed in or tried to
 * (`{"type":"emergency_sign_in","account"}`): the admin's live alert. Returns the way
 * to stop listening.
 */
export function onEmergencySignIn(listener: (account: string) => void): () => void {
  emergencyListeners.add(listener);
  return () => emergencyListeners.delete(listener);
}

function broadcastArrived(): void {
  void refreshBroadcasts().catch(() => undefined);
}

/** The open socket after its hello, and the groups it follows. */
let following: { ws: SocketLike; engine: Engine; groups: Set<string> } | null = null;

function subscribe(ws: SocketLike, engine: Engine, groups: string[]): void {
  // A socket already closing (a sign-out just after sign-in) takes no more frames;
  // the next connection subscribes to everything again.
  if (ws.readyState !== undefined && ws.readyState !== 1) return;
  for (const group of groups) {
    const where = parseGroup(group);
    const channel = where === null ? undefined : engine.device.channel(where.room, where.channel);
    if (channel === undefined) continue;
    if (following?.ws === ws) {
      // Each group once per connection, however many paths learn of it.
      if (following.groups.has(group)) continue;
      following.groups.add(group);
    }
    ws.send(JSON.stringify({ type: 'subscribe', group_id: group, after: channel.last_seq }));
  }
}

// A group learned while connected (a room just created, a welcome processed by the
// periodic refresh) is followed at once.
onGroupLearned((group) => {
  if (following === null || current() !== following.engine) return;
  subscribe(following.ws, following.engine, [group]);
});

async function handle(ws: SocketLike, engine: Engine, text: string): Promise<void> {
  let frame: { type?: unknown; group_id?: unknown; code?: unknown; seq?: unknown; log_generation?: unknown; broadcast?: unknown; account?: unknown };
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
      following = { ws, engine, groups: new Set() };
      await fetchWelcomes(engine).catch(() => []);
      subscribe(ws, engine, activeGroups(engine));
      link?.opened();
      engine.live = 'open';
      changed();
      onOpen();
      // Notices sent while this device was away: fetched on every (re)connect.
      setTimeout(broadcastArrived, 0);
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
    case 'broadcast':
      // A regional notice: fetch the list (outside this frame's turn of the lock,
      // which pinning a roster takes).
      setTimeout(broadcastArrived, 0);
      return;
    case 'safety': {
      // An answer to (or the closing of) a check whose dashboard this person follows.
      const id = frame.broadcast;
      if (typeof id === 'string') setTimeout(() => safetyListeners.forEach((listener) => listener(id)), 0);
      return;
    }
    case 'emergency_sign_in': {
      const account = frame.account;
      if (typeof account === 'string') setTimeout(() => emergencyListeners.forEach((listener) => listener(account)), 0);
      return;
    }
    case 'error':
      if (frame.code === 'group_not_found') {
        for (const group of activeGroups(engine)) await syncGroup(group, engine);
      }
      return;
    default:
      return;
  }
}

/** The browser's WebSocket to this server's `/api/v1/ws`. */
function openSocket(on: SocketHandlers): SocketLike {
  const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
  const ws = new WebSocket(`${scheme}://${location.host}/api/v1/ws`);
  ws.onmessage = (event: MessageEvent) => {
    if (typeof event.data === 'string') on.message(event.data);
  };
  ws.onclose = (event: CloseEvent) => on.close(event.code);
  return ws;
}

function engineLink(engine: Engine): LiveLink {
  return new LiveLink(
    openSocket,
    {
      wanted: () => current() === engine,
      connecting: () => {
        engine.live = 'connecting';
        changed();
      },
      frame: (ws, text) => {
        void locked(() => handle(ws, engine, text)).catch(() => {
          // A failed fetch while handling a frame: the next reconnect resumes.
        });
      },
      closed: (ended) => {
        following = null;
        engine.live = 'closed';
        changed();
        if (ended) {
          engine.problem = { en: 'Your session ended. Please sign in again.', ja: 'セッションが終了しました。もう一度サインインしてください。' };
        }
      },
    },
    realClock,
  );
}

/** Opens the live connection; `opened` runs after every (re)connect. */
export function startLive(engine: Engine, opened: () => void, members: () => void): void {
  link?.stop();
  onOpen = opened;
  onMembers = members;
  link = engineLink(engine);
  link.start();
}

/** Connects again at once (e.g. the network came back). */
export function reconnectNow(engine: Engine): void {
  if (current() === engine) link?.reconnectNow();
}

export function stopLive(): void {
  link?.stop();
  link = null;
  following = null;
}
