// The account endpoints: invitations, registration, sign-in, confirming it is me,
// who I am. Sent through the one HTTP client (http/); the session travels in the
// server's `HttpOnly; Secure; SameSite=Strict` cookie: scripts never hold it (the
// token also present in the JSON answer is for native clients and is dropped here).
// These ceremonies never ask for a confirmation themselves (`reauth: false`).

import { ApiError, http } from './http';
import { malformed } from './http/answer';

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function str(value: Json | undefined): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

/** A POST or GET of the account endpoints (no confirmation asked on reauth_required). */
function request(method: 'GET' | 'POST', path: string, body?: JsonObject): Promise<Json> {
  return http.json<Json>(method, path, body, { reauth: false });
}

function object(value: Json): JsonObject {
  if (!isObject(value)) throw malformed();
  return value;
}

function field(value: JsonObject, key: string): string {
  const found = value[key];
  if (typeof found !== 'string') throw malformed();
  return found;
}

/** What an invitation link is for. */
export interface InvitationInfo {
  kind: 'bootstrap_admin' | 'staff' | 'room' | 'recovery' | string;
  inviteeName: string | null;
  /** Who a room invitation is for, sealed under the link's token (base64). */
  sealedInviteeName: string | null;
  role: string | null;
  expiresAt: number;
}

/** A WebAuthn ceremony the server started. */
export interface Ceremony {
  ceremonyId: string;
  /** webauthn-rs JSON (binary fields as base64url text). */
  options: JsonObject;
}

/** The signed-in person. */
export interface Me {
  userId: string;
  loginId: string;
  displayName: string;
  isSystemAdmin: boolean;
  /** Roles in organisations (from `/me`), for what to offer; the server decides. */
  roles?: RoleGrant[];
}

/** A role held in an organisation. */
export interface RoleGrant {
  organisationId: string;
  role: string;
  /** The organisation's name and kind, when the server sends them. */
  organisationName?: string;
  organisationKind?: string;
}

function roleGrants(value: Json | undefined): RoleGrant[] {
  if (!Array.isArray(value)) return [];
  return value.flatMap((item) => {
    if (!isObject(item)) return [];
    const organisationId = str(item['organisation_id']);
    const role = str(item['role']);
    if (organisationId === undefined || role === undefined) return [];
    const grant: RoleGrant = { organisationId, role };
    const name = str(item['organisation_name']);
    const kind = str(item['organisation_kind']);
    if (name !== undefined) grant.organisationName = name;
    if (kind !== undefined) grant.organisationKind = kind;
    return [grant];
  });
}

/** A session was granted (the cookie is set by the same answer). */
export interface Grant {
  userId: string;
}

function ceremony(value: Json): Ceremony {
  const body = object(value);
  const options = body['options'];
  if (!isObject(options)) throw malformed();
  return { ceremonyId: field(body, 'ceremony_id'), options };
}

function grant(value: Json): Grant {
  return { userId: field(object(value), 'user_id') };
}

export interface RegisterBegin {
  token: string;
  loginId: string | null;
  displayName: string | null;
  password: string;
}

export async function registerBegin(input: RegisterBegin): Promise<Ceremony> {
  const body: JsonObject = { token: input.token, password: input.password };
  if (input.loginId !== null) body['login_id'] = input.loginId;
  if (input.displayName !== null) body['display_name'] = input.displayName;
  return ceremony(await request('POST', '/invitations/register/begin', body));
}

export async function registerFinish(
  ceremonyId: string,
  credential: JsonObject,
  credentialName: string | null,
): Promise<Grant> {
  const body: JsonObject = { ceremony_id: ceremonyId, credential };
  if (credentialName !== null) body['credential_name'] = credentialName;
  return grant(await request('POST', '/invitations/register/finish', body));
}

export async function signInBegin(loginId: string): Promise<Ceremony> {
  return ceremony(await request('POST', '/auth/sign-in/begin', { login_id: loginId }));
}

export async function signInFinish(
  ceremonyId: string,
  password: string,
  credential: JsonObject,
): Promise<Grant> {
  return grant(
    await request('POST', '/auth/sign-in/finish', {
      ceremony_id: ceremonyId,
      password,
      credential,
    }),
  );
}

/** Starts confirming it is me again (password + passkey) for a sensitive action. */
export async function reauthBegin(): Promise<Ceremony> {
  return ceremony(await request('POST', '/me/reauth/begin', {}));
}

/** Finishes the confirmation: this session may do sensitive actions for a few minutes. */
export async function reauthFinish(ceremonyId: string, password: string, credential: JsonObject): Promise<void> {
  await request('POST', '/me/reauth/finish', { ceremony_id: ceremonyId, password, credential });
}

export async function signOut(): Promise<void> {
  await request('POST', '/auth/sign-out');
}

/** The signed-in person, or null when there is no live session. */
export async function me(): Promise<Me | null> {
  try {
    const body = object(await request('GET', '/me'));
    return {
      userId: field(body, 'user_id'),
      loginId: field(body, 'login_id'),
      displayName: field(body, 'display_name'),
      isSystemAdmin: body['is_system_admin'] === true,
      roles: roleGrants(body['roles']),
    };
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) return null;
    throw error;
  }
}
