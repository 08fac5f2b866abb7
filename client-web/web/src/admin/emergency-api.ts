// The emergency-account endpoints (server/src/routes/emergency.rs), sent through the
// one HTTP client: failures arrive as its ApiError with the server's en/ja words;
// resealing answers `reauth_required` when the last confirmation is stale, and the
// client then asks for the password and passkey (reauth.ts) and sends it again.

import { http } from '../http';
import { malformed } from '../http/answer';
import {
  Malformed,
  readApproval,
  readEnrolled,
  readEnrolment,
  readList,
  readPrepared,
  type ApprovalOutcome,
  type Enrolled,
  type Enrolment,
  type EmergencyList,
  type Prepared,
} from './emergency-model';

const accounts = (orgId: string): string => `/organisations/${encodeURIComponent(orgId)}/emergency-accounts`;
const one = (orgId: string, userId: string): string => `${accounts(orgId)}/${encodeURIComponent(userId)}`;

/** Reads an answer; a shape the page does not know is the usual `unexpected` failure. */
function read<T>(reader: (value: unknown) => T, value: unknown): T {
  try {
    return reader(value);
  } catch (error) {
    if (error instanceof Malformed) throw malformed();
    throw error;
  }
}

export async function listEmergency(orgId: string): Promise<EmergencyList> {
  return read(readList, await http.json<unknown>('GET', accounts(orgId)));
}

export async function prepareEmergency(orgId: string, label: string, role: string): Promise<Prepared> {
  return read(readPrepared, await http.json<unknown>('POST', accounts(orgId), { label, role }));
}

export async function approveEmergency(orgId: string, userId: string): Promise<ApprovalOutcome> {
  return read(readApproval, await http.json<unknown>('POST', `${one(orgId, userId)}/approve`, {}));
}

export async function endEmergency(orgId: string, userId: string): Promise<void> {
  await http.json<unknown>('POST', `${one(orgId, userId)}/end`, {});
}

/** New credentials: the old sheet and key stop working; a new enrolment link. */
export async function resealEmergency(orgId: string, userId: string): Promise<Enrolment> {
  return read(readEnrolment, await http.json<unknown>('POST', `${one(orgId, userId)}/reseal`, {}));
}

/**
 * Finishes an enrolment link (`register/finish`, no confirmation asked): a session
 * grant, or `sealed` for an emergency account, which enrolling seals without one.
 */
export async function finishEnrolment(ceremonyId: string, credential: Record<string, unknown>, credentialName: string | null): Promise<Enrolled> {
  const body: Record<string, unknown> = { ceremony_id: ceremonyId, credential };
  if (credentialName !== null) body['credential_name'] = credentialName;
  return read(readEnrolled, await http.json<unknown>('POST', '/invitations/register/finish', body, { reauth: false }));
}
