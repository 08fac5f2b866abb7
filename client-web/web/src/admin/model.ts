// Who administers what. The link to the administration screens comes from `/me`
// (synchronous); the organisations themselves come from the server's list
// (`GET /api/v1/organisations`), which holds exactly the ones this person may
// administer. The list is kept in memory for this visit only (never stored), so
// that opening a facility shows its name at once; every screen asks again.

import type { Me } from '../api';
import { listOrganisations, type Organisation } from './api';

/** Roles that administer an organisation (facility administrators; officers oversee). */
const ADMIN_ROLES = new Set(['facility_admin', 'officer']);

/** Whether this person should see the link to the administration screens. */
export function adminLinkVisible(me: Me): boolean {
  return me.isSystemAdmin || (me.roles ?? []).some((grant) => ADMIN_ROLES.has(grant.role));
}

/** Whether the person may register organisations at all (the server checks the details). */
export function mayCreate(me: Me): boolean {
  return me.isSystemAdmin || (me.roles ?? []).some((g) => g.role === 'officer');
}

/** An organisation this person administers, from the server's list. */
export interface KnownOrganisation extends Organisation {
  /** Why it is listed: the person's administering role there (or over its body);
   * 'system_admin' for the system administrator; null when the page cannot tell. */
  role: string | null;
}

/** Why the person administers `org`, from their roles in `/me`. */
function roleAt(me: Me, org: Organisation): string | null {
  const grants = (me.roles ?? []).filter((g) => ADMIN_ROLES.has(g.role));
  const here = grants.find((g) => g.organisationId === org.id);
  if (here !== undefined) return here.role;
  if (me.isSystemAdmin) return 'system_admin';
  if (org.parentId !== null && grants.some((g) => g.organisationId === org.parentId && g.role === 'officer')) return 'officer';
  return null;
}

let cached: { userId: string; orgs: KnownOrganisation[] } | null = null;

/** The list last fetched for this person during this visit (null if none yet). */
export function cachedOrganisations(me: Me): KnownOrganisation[] | null {
  return cached !== null && cached.userId === me.userId ? cached.orgs : null;
}

/** Fetches the organisations this person may administer (errors are the server's ApiError). */
export async function fetchOrganisations(me: Me): Promise<KnownOrganisation[]> {
  const orgs = (await listOrganisations()).map((o) => ({ ...o, role: roleAt(me, o) }));
  cached = { userId: me.userId, orgs };
  return orgs;
}

/** One organisation's name and kind as far as the page knows before the list arrives. */
export function fromRoles(me: Me, orgId: string): { name: string | null; kind: string | null } {
  const listed = cachedOrganisations(me)?.find((o) => o.id === orgId);
  if (listed !== undefined) return { name: listed.name, kind: listed.kind };
  const grant = (me.roles ?? []).find((g) => g.organisationId === orgId);
  return { name: grant?.organisationName ?? null, kind: grant?.organisationKind ?? null };
}

/** Regional bodies (associations, cities) a new facility may belong to. */
export function regionalBodies(orgs: readonly KnownOrganisation[]): KnownOrganisation[] {
  return orgs.filter((o) => o.kind === 'association' || o.kind === 'city');
}
