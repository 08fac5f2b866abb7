// The state of one facility's emergency-accounts screen, shared by its parts
// (emergency-view.ts, emergency-list.ts, emergency-actions.ts, emergency-prepare.ts).

import type { Me } from '../api';
import type { EmergencyAccount, EmergencyList } from './emergency-model';
import type { KnownOrg } from './emergency-rules';
import type { LinkState } from './parts';

/** A freshly issued enrolment link, with what to write on the sheet. */
export interface IssuedEnrolment {
  kind: 'prepared' | 'resealed';
  /** The account, so the link goes once it is enrolled. */
  userId: string;
  label: string;
  loginId: string;
  link: LinkState;
}

export interface EmergencyScreen {
  me: Me;
  orgId: string;
  /** The facility's name (null until known). */
  orgName: string | null;
  /** Organisations this page can name (the server's list of administered ones). */
  known: KnownOrg[];
  list: EmergencyList | null;
  /** Staff names by user ID (who approved), from the staff list. */
  names: Map<string, string>;
  loading: boolean;
  /** The server refused the list (not this facility's administrator). */
  denied: (() => string) | null;
  busy: boolean;
  /** What went wrong / happened with an account, worded when drawn. */
  problem: (() => string) | null;
  notice: (() => string) | null;
  form: { label: string; role: string; problem: (() => string) | null };
  issued: IssuedEnrolment | null;
  /** The account whose end of use waits for confirmation. */
  confirmEnd: EmergencyAccount | null;
}

export function newScreen(me: Me, orgId: string, orgName: string | null): EmergencyScreen {
  return {
    me,
    orgId,
    orgName,
    known: [],
    list: null,
    names: new Map(),
    loading: false,
    denied: null,
    busy: false,
    problem: null,
    notice: null,
    form: { label: '', role: 'nurse', problem: null },
    issued: null,
    confirmEnd: null,
  };
}

/** An administrator's name for the screen (IDs are not for people). */
export function adminName(screen: EmergencyScreen, userId: string): string {
  if (userId === screen.me.userId) return screen.me.displayName;
  return screen.names.get(userId) ?? `${userId.slice(0, 8)}…`;
}
