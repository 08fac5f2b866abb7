// Break-glass (emergency) accounts as the facility's administrators see them: the
// server's answers read into typed values (a field missing or of another type is
// `Malformed`, which the API module turns into the usual "unexpected" failure).
// Pure: no DOM, no words, no requests, so the unit tests run it in Node.

/** Where an emergency account stands (the server's `state`). */
export type EmergencyState = 'awaiting_enrolment' | 'sealed' | 'in_use' | 'needs_reseal';

const STATES: readonly EmergencyState[] = ['awaiting_enrolment', 'sealed', 'in_use', 'needs_reseal'];

/** Why an account may sign in now: a declared disaster, or two administrators' approval. */
export type Admission = { by: 'disaster'; organisation: string } | { by: 'approved'; until: number };

export interface EmergencyAccount {
  userId: string;
  loginId: string;
  label: string;
  /** `unknown` for a state a newer server added (shown as the server's word, no actions). */
  state: EmergencyState | 'unknown';
  /** The server's word for a state this page does not know. */
  rawState: string;
  sealedAt: number | null;
  lastSignInAt: number | null;
  admission: Admission | null;
  /** Administrators who approved use within the last hour (two open it). */
  pendingApprovals: string[];
}

export interface EmergencyList {
  /** Organisations (the facility or one above it) that declared a disaster now. */
  declaredBy: string[];
  accounts: EmergencyAccount[];
}

/** A one-time enrolment link (the shape of admin/api.ts's IssuedLink). */
export interface Enrolment {
  link: string;
  qrPayload: string;
  expiresAt: number;
}

export interface Prepared {
  userId: string;
  loginId: string;
  enrolment: Enrolment;
}

export interface ApprovalOutcome {
  /** Approvals within the last hour, this one included. */
  approvals: number;
  /** Set when this approval was the second: usable until then. */
  admittedUntil: number | null;
}

/** An answer without the fields expected (the caller words it). */
export class Malformed extends Error {
  constructor(what: string) {
    super(`malformed answer: ${what}`);
    this.name = 'Malformed';
  }
}

type Body = Record<string, unknown>;

function body(value: unknown, what: string): Body {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Malformed(what);
  return value as Body;
}

function text(b: Body, key: string): string {
  const value = b[key];
  if (typeof value !== 'string') throw new Malformed(key);
  return value;
}

function time(b: Body, key: string): number | null {
  const value = b[key];
  return typeof value === 'number' ? value : null;
}

function texts(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}

function admissionOf(value: unknown): Admission | null {
  if (typeof value !== 'object' || value === null) return null;
  const b = value as Body;
  if (b['by'] === 'disaster' && typeof b['organisation'] === 'string') return { by: 'disaster', organisation: b['organisation'] };
  if (b['by'] === 'approved' && typeof b['until'] === 'number') return { by: 'approved', until: b['until'] };
  return null;
}

function stateOf(value: string): EmergencyState | 'unknown' {
  return (STATES as readonly string[]).includes(value) ? (value as EmergencyState) : 'unknown';
}

function account(value: unknown): EmergencyAccount {
  const b = body(value, 'account');
  const raw = text(b, 'state');
  return {
    userId: text(b, 'user_id'),
    loginId: text(b, 'login_id'),
    label: text(b, 'label'),
    state: stateOf(raw),
    rawState: raw,
    sealedAt: time(b, 'sealed_at'),
    lastSignInAt: time(b, 'last_sign_in_at'),
    admission: admissionOf(b['admission']),
    pendingApprovals: texts(b['pending_approvals']),
  };
}

/** `GET …/emergency-accounts`. */
export function readList(value: unknown): EmergencyList {
  const b = body(value, 'list');
  const accounts = b['accounts'];
  if (!Array.isArray(accounts)) throw new Malformed('accounts');
  return { declaredBy: texts(b['declared_by']), accounts: accounts.map(account) };
}

/** An IssuedLink of the server (`reseal`, and `enrolment` of `prepare`). */
export function readEnrolment(value: unknown): Enrolment {
  const b = body(value, 'enrolment');
  return { link: text(b, 'link'), qrPayload: text(b, 'qr_payload'), expiresAt: time(b, 'expires_at') ?? 0 };
}

/** `POST …/emergency-accounts` (201). */
export function readPrepared(value: unknown): Prepared {
  const b = body(value, 'prepared');
  return { userId: text(b, 'user_id'), loginId: text(b, 'login_id'), enrolment: readEnrolment(b['enrolment']) };
}

/** `POST …/approve`. */
export function readApproval(value: unknown): ApprovalOutcome {
  const b = body(value, 'approval');
  const approvals = b['approvals'];
  return { approvals: typeof approvals === 'number' ? approvals : 0, admittedUntil: time(b, 'admitted_until') };
}

/** What finishing an enrolment link answered: a session, or a sealed emergency account. */
export type Enrolled = { sealed: false; userId: string } | { sealed: true; userId: string };

/** `POST /invitations/register/finish`: `{"user_id","sealed":true}` or a session grant. */
export function readEnrolled(value: unknown): Enrolled {
  const b = body(value, 'grant');
  return { sealed: b['sealed'] === true, userId: text(b, 'user_id') };
}
