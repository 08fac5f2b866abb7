// The administration endpoints of the server (README, "administration"), sent
// through the one HTTP client (http/): failures arrive as its ApiError with the
// server's en/ja words; the session travels in the HttpOnly cookie.

import { http } from '../http';
import { list, num, object, str, strings, type Body } from '../http/answer';

type Method = 'GET' | 'POST';

function json(method: Method, path: string, body?: Body): Promise<unknown> {
  return http.json<unknown>(method, path, body);
}

const org = (id: string): string => `/organisations/${encodeURIComponent(id)}`;

export interface Organisation {
  id: string;
  name: string;
  kind: string;
  parentId: string | null;
}

function organisation(body: Body): Organisation {
  const parent = body['parent_id'];
  return { id: str(body, 'id'), name: str(body, 'name'), kind: str(body, 'kind'), parentId: typeof parent === 'string' ? parent : null };
}

/** The organisations this person may administer (empty for people who administer none). */
export async function listOrganisations(): Promise<Organisation[]> {
  return list(await json('GET', '/organisations')).map(organisation);
}

export async function createOrganisation(name: string, kind: string, parentId: string | null): Promise<Organisation> {
  return organisation(object(await json('POST', '/organisations', { name, kind, parent_id: parentId })));
}

/** A one-time link: shown once, given to one person. */
export interface IssuedLink {
  link: string;
  qrPayload: string;
  expiresAt: number;
}

function issued(value: unknown): IssuedLink {
  const body = object(value);
  return { link: str(body, 'link'), qrPayload: str(body, 'qr_payload'), expiresAt: num(body, 'expires_at') ?? 0 };
}

export async function inviteStaff(orgId: string, inviteeName: string, role: string): Promise<IssuedLink> {
  return issued(await json('POST', `${org(orgId)}/invitations`, { invitee_name: inviteeName, role }));
}

/** One of a person's devices (a browser or app); revoked ones too, oldest first. */
export interface StaffDevice {
  id: string;
  name: string;
  createdAt: number | null;
  revokedAt: number | null;
}

function device(body: Body): StaffDevice {
  return {
    id: str(body, 'id'),
    name: typeof body['name'] === 'string' ? body['name'] : '',
    createdAt: num(body, 'created_at'),
    revokedAt: num(body, 'revoked_at'),
  };
}

export interface StaffMember {
  userId: string;
  loginId: string;
  displayName: string;
  status: 'active' | 'suspended' | 'disabled' | string;
  lastSignInAt: number | null;
  relation: 'staff' | 'room_member' | string;
  roles: string[];
  roomRoles: string[];
  locked: boolean;
  devices: StaffDevice[];
}

export async function listStaff(orgId: string): Promise<StaffMember[]> {
  return list(await json('GET', `${org(orgId)}/staff`)).map((b) => ({
    userId: str(b, 'user_id'),
    loginId: str(b, 'login_id'),
    displayName: str(b, 'display_name'),
    status: str(b, 'status'),
    lastSignInAt: num(b, 'last_sign_in_at'),
    relation: str(b, 'relation'),
    roles: strings(b['roles']),
    roomRoles: strings(b['room_roles']),
    locked: b['locked'] === true,
    devices: Array.isArray(b['devices']) ? list(b['devices']).map(device) : [],
  }));
}

export type StaffAction = 'suspend' | 'reactivate' | 'disable' | 'unlock';

export async function staffAction(orgId: string, userId: string, action: StaffAction): Promise<void> {
  await json('POST', `${org(orgId)}/staff/${encodeURIComponent(userId)}/actions`, { action });
}

/** Ends one device of a person at once: its sessions and connections close. */
export async function revokeDevice(orgId: string, userId: string, deviceId: string): Promise<void> {
  await json('POST', `${org(orgId)}/staff/${encodeURIComponent(userId)}/devices/${encodeURIComponent(deviceId)}/revoke`, {});
}

export async function changeRole(orgId: string, userId: string, role: string, granted: boolean): Promise<void> {
  await json('POST', `${org(orgId)}/staff/${encodeURIComponent(userId)}/roles`, { role, granted });
}

export async function resetPerson(orgId: string, userId: string, method: string, note: string): Promise<IssuedLink> {
  return issued(
    await json('POST', `${org(orgId)}/staff/${encodeURIComponent(userId)}/reset`, {
      verification_method: method,
      verification_note: note,
    }),
  );
}

export interface LedgerLine {
  at: string;
  userId: string;
  performedBy: string;
  method: string;
  note: string;
}

export async function resetLedger(orgId: string): Promise<LedgerLine[]> {
  return list(await json('GET', `${org(orgId)}/reset-ledger`)).map((b) => ({
    at: str(b, 'at'),
    userId: str(b, 'user_id'),
    performedBy: str(b, 'performed_by'),
    method: str(b, 'verification_method'),
    note: str(b, 'verification_note'),
  }));
}

/** The ledger as the server's CSV, for a download. */
export async function resetLedgerCsv(orgId: string): Promise<Blob> {
  return http.blob(`${org(orgId)}/reset-ledger?format=csv`, 'text/csv');
}
