// The state of one facility's administration screen, shared by its parts.

import type { Me } from '../api';
import type { LedgerLine, StaffAction, StaffMember } from './api';
import type { LinkState } from './parts';

export type Confirmable = Extract<StaffAction, 'suspend' | 'disable'>;

export interface FacilityState {
  me: Me;
  orgId: string;
  /** Its name and kind from the server's list (or `/me`); null until known. */
  orgName: string | null;
  /** Its kind, to offer fitting roles. */
  orgKind: string | null;
  /** Whether the list of organisations is being fetched; what went wrong fetching it. */
  orgLoading: boolean;
  orgProblem: (() => string) | null;
  /** Null until loaded. */
  staff: StaffMember[] | null;
  ledger: LedgerLine[] | null;
  /** The server refused the staff list (wrong role): the screen says so and offers nothing. */
  denied: (() => string) | null;
  busy: boolean;
  /** What went wrong / what happened, worded when drawn so the language switch applies. */
  problem: (() => string) | null;
  notice: (() => string) | null;
  invite: { link: LinkState | null; problem: (() => string) | null; role: string };
  /** The person whose panel is open. */
  selected: string | null;
  /** The destructive action waiting for confirmation. */
  confirm: { action: Confirmable; userId: string } | null;
  /** The device waiting for confirmation before it is revoked (devices.ts). */
  deviceConfirm: { userId: string; deviceId: string } | null;
  /** What happened to the last device revoked, shown in the devices section. */
  deviceStatus: { notice: (() => string) | null; problem: (() => string) | null };
  reset: { link: LinkState | null; problem: (() => string) | null; method: string; note: string };
  ledgerNotice: (() => string) | null;
  ledgerProblem: (() => string) | null;
}

export function newFacilityState(me: Me, orgId: string, orgName: string | null, orgKind: string | null): FacilityState {
  return {
    me,
    orgId,
    orgName,
    orgKind,
    orgLoading: false,
    orgProblem: null,
    staff: null,
    ledger: null,
    denied: null,
    busy: false,
    problem: null,
    notice: null,
    invite: { link: null, problem: null, role: 'nurse' },
    selected: null,
    confirm: null,
    deviceConfirm: null,
    deviceStatus: { notice: null, problem: null },
    reset: { link: null, problem: null, method: 'in_person_photo_id', note: '' },
    ledgerNotice: null,
    ledgerProblem: null,
  };
}

/** Roles a person in this organisation may hold: officers only in associations and cities. */
export function fittingRoles(state: FacilityState, roles: readonly string[]): string[] {
  const regional = state.orgKind === null || state.orgKind === 'association' || state.orgKind === 'city';
  return roles.filter((r) => r !== 'officer' || regional);
}

/** A person's name for the screen, from the staff list (IDs are not for people). */
export function nameOf(state: FacilityState, userId: string): string {
  if (userId === state.me.userId) return state.me.displayName;
  return state.staff?.find((s) => s.userId === userId)?.displayName ?? `${userId.slice(0, 8)}…`;
}
