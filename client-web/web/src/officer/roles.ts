// Which organisations this person may send regional notices for, and whose notices'
// receipts and safety checks they may follow, from their roles in `/me` (to decide
// what to offer; the server decides what is allowed). Pure.
//
// Sending and the roster take the broadcast officer role (`Actor::is_broadcast_officer`);
// following takes broadcast officer, officer or facility administrator
// (`Actor::may_follow_broadcasts`).

import type { Me } from '../api';

/** An organisation named in the person's roles. */
export interface RoleOrganisation {
  id: string;
  /** Its name as `/me` gives it ('' when it did not). */
  name: string;
  kind: string | null;
}

const FOLLOWING_ROLES: ReadonlySet<string> = new Set(['broadcast_officer', 'officer', 'facility_admin']);
const REGIONAL_KINDS: ReadonlySet<string> = new Set(['association', 'city']);

function organisationsWith(me: Me, roles: ReadonlySet<string>): RoleOrganisation[] {
  const out: RoleOrganisation[] = [];
  for (const grant of me.roles ?? []) {
    if (!roles.has(grant.role) || out.some((o) => o.id === grant.organisationId)) continue;
    out.push({ id: grant.organisationId, name: grant.organisationName ?? '', kind: grant.organisationKind ?? null });
  }
  return out;
}

/** Where the person is a broadcast officer: where they may sign and send notices. */
export function sendingOrganisations(me: Me): RoleOrganisation[] {
  return organisationsWith(me, new Set(['broadcast_officer']));
}

/** Where the person may follow what was sent: receipts, safety totals, CSV, closing. */
export function followedOrganisations(me: Me): RoleOrganisation[] {
  return organisationsWith(me, FOLLOWING_ROLES);
}

/** Whether a notice sent by `organisation` has a status screen for this person. */
export function mayFollow(me: Me, organisation: string): boolean {
  return followedOrganisations(me).some((o) => o.id === organisation);
}

/**
 * Administrators of a regional body (association, city) who are not broadcast officers
 * there: the send screen tells them which role it takes instead of failing on send.
 */
export function regionalAdminWithoutRole(me: Me): RoleOrganisation[] {
  const senders = new Set(sendingOrganisations(me).map((o) => o.id));
  return followedOrganisations(me).filter((o) => o.kind !== null && REGIONAL_KINDS.has(o.kind) && !senders.has(o.id));
}
