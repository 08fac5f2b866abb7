// The administration endpoints of the server (README, "administration"). Errors
// arrive as the shared ApiError with the server's en/ja words; the session travels
// in the HttpOnly cookie.

import { ApiError, NetworkError } from '../api';
import { t } from '../i18n';
import { withReauth } from '../reauth';

type Body = Record<string, unknown>;

function unexpected(status: number): ApiError {
  return new ApiError(status, 'unexpected', t().unexpected, t().unexpected);
}

function record(value: unknown): Body | null {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Body) : null;
}

/** Sends once more after a fresh password + passkey confirmation when the server asks for one (reauth.ts). */
function send(method: 'GET' | 'POST', path: string, body?: Body, accept = 'application/json'): Promise<Response> {
  return withReauth(() => sendOnce(method, path, body, accept));
}

async function sendOnce(method: 'GET' | 'POST', path: string, body: Body | undefined, accept: string): Promise<Response> {
  const init: RequestInit = { method, credentials: 'same-origin', cache: 'no-store', headers: { accept } };
  if (body !== undefined) {
    init.headers = { accept, 'content-type': 'application/json' };
    init.body = JSON.stringify(body);
  }
  let response: Response;
  try {
    response = await fetch(path, init);
  } catch {
    throw new NetworkError();
  }
  if (response.ok) return response;
  let parsed: unknown = null;
  try {
    parsed = await response.json();
  } catch {
    throw unexpected(response.status);
  }
  const error = record(record(parsed)?.['error']);
  if (error === null) throw unexpected(response.status);
  const text = (key: string): string => (typeof error[key] === 'string' ? (error[key] as string) : t().unexpected);
  throw new ApiError(response.status, text('code'), text('message'), text('message_ja'));
}

async function json(method: 'GET' | 'POST', path: string, body?: Body): Promise<unknown> {
  const response = await send(method, path, body);
  if (response.status === 204) return null;
  try {
    return await response.json();
  } catch {
    throw unexpected(response.status);
  }
}

function str(body: Body, key: string): string {
  const value = body[key];
  if (typeof value !== 'string') throw unexpected(0);
  return value;
}

function num(body: Body, key: string): number | null {
  const value = body[key];
  return typeof value === 'number' ? value : null;
}

function strings(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}

function list(value: unknown): Body[] {
  if (!Array.isArray(value)) throw unexpected(0);
  return value.map((item) => record(item) ?? {});
}

const org = (id: string): string => `/api/v1/organisations/${encodeURIComponent(id)}`;

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
  return list(await json('GET', '/api/v1/organisations')).map(organisation);
}

export async function createOrganisation(name: string, kind: string, parentId: string | null): Promise<Organisation> {
  const body = record(await json('POST', '/api/v1/organisations', { name, kind, parent_id: parentId }));
  if (body === null) throw unexpected(0);
  return organisation(body);
}

/** A one-time link: shown once, given to one person. */
export interface IssuedLink {
  link: string;
  qrPayload: string;
  expiresAt: number;
}

function issued(value: unknown): IssuedLink {
  const body = record(value);
  if (body === null) throw unexpected(0);
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
  const response = await send('GET', `${org(orgId)}/reset-ledger?format=csv`, undefined, 'text/csv');
  return response.blob();
}
