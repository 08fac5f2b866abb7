// Where this device stands on an organisation's roster of officer keys, for the send
// screen: no roster yet (offer to publish version 1 with this device, as
// `kizuna broadcast roster --publish` does), this device listed (it may send), or not
// listed (show its officer line, USER:DEVICE:KEY as `kizuna broadcast whoami`
// prints it, to send to an officer on the roster). Pure.
//
// Reading the newest version's officers here only guides the person: the core pins
// and checks the chain (`accept_rosters`), and the server refuses a notice from a
// device that is not on the current roster whatever this says.

import type { Officer, RosterChange, SignedRosterChange } from '../generated/types';

export type RosterStanding =
  | { kind: 'none' }
  | { kind: 'listed'; version: number; officers: number }
  | { kind: 'not_listed'; version: number; officers: number }
  | { kind: 'unreadable' };

function isOfficer(value: unknown): value is Officer {
  if (typeof value !== 'object' || value === null) return false;
  const o = value as Record<string, unknown>;
  return typeof o['user'] === 'string' && typeof o['device'] === 'string' && Array.isArray(o['key']) &&
    o['key'].every((b) => typeof b === 'number');
}

/** The roster change a signed one carries (its payload is base64 of canonical JSON), or null. */
export function decodeRosterChange(signed: SignedRosterChange): RosterChange | null {
  try {
    const bytes = Uint8Array.from(atob(signed.payload), (c) => c.charCodeAt(0));
    const parsed = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes)) as unknown;
    if (typeof parsed !== 'object' || parsed === null) return null;
    const change = parsed as Record<string, unknown>;
    const officers = change['officers'];
    if (typeof change['version'] !== 'number' || !Array.isArray(officers) || !officers.every(isOfficer)) return null;
    return parsed as RosterChange;
  } catch {
    return null;
  }
}

/** The same officer device: user, device and key. */
export function sameOfficer(a: Officer, b: Officer): boolean {
  return a.user === b.user && a.device === b.device && a.key.length === b.key.length && a.key.every((byte, i) => byte === b.key[i]);
}

/** Where `me` stands on the roster whose versions are `changes` (oldest first). */
export function rosterStanding(changes: readonly SignedRosterChange[], me: Officer): RosterStanding {
  const newest = changes[changes.length - 1];
  if (newest === undefined) return { kind: 'none' };
  const change = decodeRosterChange(newest);
  if (change === null) return { kind: 'unreadable' };
  const listed = change.officers.some((o) => sameOfficer(o, me));
  return { kind: listed ? 'listed' : 'not_listed', version: change.version, officers: change.officers.length };
}

/** `USER:DEVICE:KEY` with the key as 64 hex digits, as `kizuna broadcast whoami` prints it. */
export function officerLine(me: Officer): string {
  const key = me.key.map((b) => b.toString(16).padStart(2, '0')).join('');
  return `${me.user}:${me.device}:${key}`;
}

/** Version 1 of a roster naming this device alone, signed by it (`Client::publish_roster`). */
export function firstRoster(organisation: string, me: Officer, now: number): RosterChange {
  return { organisation, version: 1, previous: null, issued_at: now, signed_by: me, officers: [me] };
}
