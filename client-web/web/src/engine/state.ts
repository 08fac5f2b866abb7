// The engine's shared state: the WASM module and device, what is known about rooms,
// the decrypted posts per channel, and one lock that serialises every operation that
// changes the device (ingest, seal, commit): the core refuses a second operation
// while a commit is pending, and two interleaved awaits must never both act on it.

import type { ChannelName, ReceivedPost, RoomRole } from '../generated/types';
import type { Device } from '../wasm/kizuna_client_web';
import { loadCore } from '../core';
import type { EntryProblem } from './problems';

export type Wasm = typeof import('../wasm/kizuna_client_web');

const modules = import.meta.glob<Wasm>('../wasm/kizuna_client_web.js');

export async function wasm(): Promise<Wasm> {
  const status = await loadCore();
  const importer = modules['../wasm/kizuna_client_web.js'];
  if (status.state !== 'ready' || importer === undefined) throw new Error(`core ${status.state}`);
  return importer();
}

/** A room as GET /rooms lists it. */
export interface RoomInfo {
  id: string;
  organisation_id: string;
  /** The room's name sealed by a member's device (base64); room-names.ts opens it. */
  sealed_state?: string | null;
  state_revision?: number;
  /** A name from before names were sealed, until a member seals it. */
  legacy_name?: string | null;
  created_at: number;
  role: RoomRole;
  team_access: boolean;
  family_access: boolean;
  /** Per channel I use: positions from the log's metadata (newer servers). */
  channels?: { channel: ChannelName; group_id: string | null; last_seq: number; read_seq: number }[];
}

/** A member as GET /rooms/{r}/members lists them. */
export interface MemberInfo {
  user_id: string;
  display_name: string;
  role: RoomRole;
  team_access: boolean;
  family_access: boolean;
  devices: string[];
  /** A facility's break-glass account, not a person (older servers: absent). */
  emergency: boolean;
}

/** What is kept beside the device blob (sealed). */
export interface Meta {
  deviceId: string;
  keyPackagesLeft: number;
  lastResortUploaded: boolean;
  /** My read position per group (from the server, and what I marked). */
  reads: Record<string, number>;
  /**
   * The server's log generation when the logs were last read: another one means
   * the server was restored from a backup (see `observeGeneration` in sync.ts).
   */
  logGeneration?: string;
}

export interface Engine {
  wasm: Wasm;
  userId: string;
  dataKey: Uint8Array<ArrayBuffer>;
  device: Device;
  meta: Meta;
  rooms: RoomInfo[];
  members: Record<string, MemberInfo[]>;
  /** Decrypted posts per group, by log position. */
  posts: Map<string, ReceivedPost[]>;
  /** Entries the core refused per group (replays, tampered): problems.ts. */
  problems: Map<string, EntryProblem[]>;
  /** Groups the server no longer lets this device read. */
  lost: Set<string>;
  /** Organisations where I may open rooms (a professional role there). */
  roomOrgs: { id: string; name: string }[];
  online: boolean;
  live: 'connecting' | 'open' | 'closed';
  problem: { en: string; ja: string } | null;
  /** Something the person should know that is not an error (e.g. a restored server). */
  notice: { en: string; ja: string } | null;
}

let engine: Engine | null = null;

export function current(): Engine | null {
  return engine;
}

export function setEngine(value: Engine | null): void {
  engine = value;
}

export function need(): Engine {
  if (engine === null) throw new Error('engine not started');
  return engine;
}

export const CHANNELS: ChannelName[] = ['team', 'family'];

export function groupId(room: string, channel: ChannelName): string {
  return `${room}/${channel}`;
}

export function parseGroup(group: string): { room: string; channel: ChannelName } | null {
  const [room, channel] = group.split('/');
  if (room === undefined || (channel !== 'team' && channel !== 'family')) return null;
  return { room, channel };
}

// ---- change notification ---------------------------------------------------------

const listeners = new Set<() => void>();
let scheduled = false;

export function onChange(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

/** Tells the views something changed (batched into one redraw per task). */
export function changed(): void {
  if (scheduled) return;
  scheduled = true;
  queueMicrotask(() => {
    scheduled = false;
    for (const listener of [...listeners]) listener();
  });
}

// ---- the lock ---------------------------------------------------------------------

let tail: Promise<unknown> = Promise.resolve();

/** Runs `body` after every operation queued before it, one at a time. */
export function locked<T>(body: () => Promise<T>): Promise<T> {
  const next = tail.then(body, body);
  tail = next.catch(() => undefined);
  return next;
}

/** Words of a WASM core error (its message is JSON {code, en, ja}). */
export { coreError } from '../core-error';
