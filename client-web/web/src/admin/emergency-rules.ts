// The decisions the emergency-account screens make from what the server said: which
// actions an account's state offers, what an approval achieved, who declared a
// disaster as far as the page can name them, which label is acceptable, and what the
// live alert keeps and where it links. Pure, for the unit tests in Node.

import type { ApprovalOutcome, EmergencyAccount } from './emergency-model';

export type EmergencyAction = 'approve' | 'end' | 'reseal';

/**
 * What an administrator may do with an account in `state`: approve a sealed or
 * in-use one (the server refuses the others), end use while it is or may be in use,
 * and always issue new credentials (for an unenrolled one: a new link).
 */
export function actionsFor(a: Pick<EmergencyAccount, 'state' | 'admission'>): EmergencyAction[] {
  switch (a.state) {
    case 'awaiting_enrolment':
      return ['reseal'];
    case 'sealed':
      return a.admission?.by === 'approved' ? ['end', 'reseal'] : ['approve', 'reseal'];
    case 'in_use':
      return ['end', 'reseal'];
    case 'needs_reseal':
      return ['reseal'];
    case 'unknown':
      return [];
  }
}

/** Whether a link just issued for `userId` is still to be used: its account awaits enrolment. */
export function linkStillNeeded(userId: string, accounts: readonly Pick<EmergencyAccount, 'userId' | 'state'>[]): boolean {
  return accounts.find((a) => a.userId === userId)?.state === 'awaiting_enrolment';
}

/** Whether `me` already approved and waits for a second administrator. */
export function waitingForSecond(a: Pick<EmergencyAccount, 'pendingApprovals'>, me: string): boolean {
  return a.pendingApprovals.includes(me) && a.pendingApprovals.length < 2;
}

/** The outcome of an approval, for the words: one more needed, or open until. */
export function approvalProgress(outcome: ApprovalOutcome): { kind: 'needs_second'; count: number } | { kind: 'admitted'; until: number } {
  if (outcome.admittedUntil !== null) return { kind: 'admitted', until: outcome.admittedUntil };
  return { kind: 'needs_second', count: Math.min(outcome.approvals, 1) };
}

/** A role held in an organisation (the subset of `/me` this needs). */
export interface Grant {
  organisationId: string;
  role: string;
  organisationName?: string;
}

/** The facilities whose emergency accounts this person watches (facility administrator). */
export function alertTargets(roles: readonly Grant[]): { orgId: string; name: string | null }[] {
  const out: { orgId: string; name: string | null }[] = [];
  for (const g of roles) {
    if (g.role === 'facility_admin' && !out.some((o) => o.orgId === g.organisationId)) {
      out.push({ orgId: g.organisationId, name: g.organisationName ?? null });
    }
  }
  return out;
}

/** The professional roles an emergency account may act in (the server's vocabulary). */
export const EMERGENCY_ROLES = ['nurse', 'doctor', 'helper', 'care_manager', 'therapist', 'pharmacist', 'other_professional'] as const;

/** The route of a facility's emergency accounts screen. */
export const emergencyHash = (orgId: string): string => `#/admin/${orgId}/emergency`;

/** Longest label the server takes. */
export const LABEL_MAX = 40;

/** What is wrong with a label, if anything (the server checks the same). */
export function labelProblem(label: string): 'empty' | 'long' | null {
  const trimmed = label.trim();
  if (trimmed === '') return 'empty';
  return [...trimmed].length > LABEL_MAX ? 'long' : null;
}

/** An organisation the page knows by name (the facility, the server's list of administered ones). */
export interface KnownOrg {
  id: string;
  name: string;
  parentId: string | null;
}

/**
 * Who declared a disaster, as far as this page can name them: the facility itself,
 * an organisation it knows by name, the body the facility belongs to (not named to
 * its administrators), or one further up.
 */
export function declarer(
  orgId: string,
  facilityId: string,
  known: readonly KnownOrg[],
): { kind: 'named'; name: string } | { kind: 'parent' } | { kind: 'above' } {
  const named = known.find((o) => o.id === orgId && o.name !== '');
  if (named !== undefined) return { kind: 'named', name: named.name };
  const facility = known.find((o) => o.id === facilityId);
  if (facility?.parentId === orgId) return { kind: 'parent' };
  return { kind: 'above' };
}

/** One live alert: which account signed in (or tried to), and when it arrived. */
export interface AlertEvent {
  account: string;
  at: number;
}

/** The alerts kept until dismissed: the newest last, at most `keep`. */
export function recordAlert(events: readonly AlertEvent[], account: string, at: number, keep = 20): AlertEvent[] {
  return [...events, { account, at }].slice(-keep);
}

/** An emergency account this page has seen listed: its label and facility. */
export interface SeenAccount {
  label: string;
  orgId: string;
}

/**
 * Where the alert links: the facilities of the alerted accounts this page has seen
 * listed, else every facility this person administers (the alert names no facility).
 */
export function alertLinks(
  events: readonly AlertEvent[],
  seen: ReadonlyMap<string, SeenAccount>,
  targets: readonly { orgId: string; name: string | null }[],
): { orgId: string; name: string | null }[] {
  const known = events.map((e) => seen.get(e.account)?.orgId);
  if (known.some((id) => id === undefined)) return [...targets];
  const ids = [...new Set(known as string[])];
  return ids.map((orgId) => targets.find((t) => t.orgId === orgId) ?? { orgId, name: null });
}
