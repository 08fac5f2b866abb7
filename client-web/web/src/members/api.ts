// The room-membership endpoints (server/src/routes/rooms.rs): the member list, a
// room invitation (link + QR payload), removing someone. Failures arrive as the
// shared ApiError with the server's en/ja words; the session is the HttpOnly cookie.

import { ApiError, NetworkError } from '../api';
import { t } from '../i18n';
import { rooms } from '../engine';
import { sealInviteeName } from '../room-names';
import { roomText } from '../rooms-messages';

export type RoomRole = 'owner' | 'delegate' | 'professional' | 'family' | 'volunteer';
/** The roles an invitation may carry (ownership is never handed out by link). */
export const INVITABLE: readonly RoomRole[] = ['professional', 'delegate', 'family', 'volunteer'];

export interface Member {
  userId: string;
  displayName: string;
  role: RoomRole | string;
  team: boolean;
  family: boolean;
  devices: number;
}

export interface IssuedLink {
  link: string;
  qrPayload: string;
  expiresAt: number;
}

export interface MyRoom {
  id: string;
  name: string;
  role: string;
  /** Whether I use the team channel (else only the family channel). */
  team: boolean;
}

type Body = Record<string, unknown>;

function unexpected(status: number): ApiError {
  return new ApiError(status, 'unexpected', t().unexpected, t().unexpected);
}

function record(value: unknown): Body | null {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Body) : null;
}

function text(body: Body, key: string): string {
  const value = body[key];
  if (typeof value !== 'string') throw unexpected(0);
  return value;
}

async function call(method: 'GET' | 'POST' | 'DELETE', path: string, body?: Body): Promise<unknown> {
  const headers: Record<string, string> = { accept: 'application/json' };
  const init: RequestInit = { method, credentials: 'same-origin', cache: 'no-store', headers };
  if (body !== undefined) {
    headers['content-type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  let response: Response;
  try {
    response = await fetch(`/api/v1${path}`, init);
  } catch {
    throw new NetworkError();
  }
  const raw = await response.text();
  let parsed: unknown = null;
  try {
    parsed = raw === '' ? null : JSON.parse(raw);
  } catch {
    parsed = null;
  }
  if (response.ok) return parsed;
  const error = record(record(parsed)?.['error']);
  if (error === null) throw unexpected(response.status);
  const say = (key: string): string => (typeof error[key] === 'string' ? (error[key] as string) : t().unexpected);
  throw new ApiError(response.status, say('code'), say('message'), say('message_ja'));
}

const room = (id: string): string => `/rooms/${encodeURIComponent(id)}`;

export async function listMembers(roomId: string): Promise<Member[]> {
  const answer = await call('GET', `${room(roomId)}/members`);
  if (!Array.isArray(answer)) throw unexpected(0);
  return answer.map((item) => {
    const body = record(item);
    if (body === null) throw unexpected(0);
    return {
      userId: text(body, 'user_id'),
      displayName: text(body, 'display_name'),
      role: text(body, 'role'),
      team: body['team_access'] === true,
      family: body['family_access'] === true,
      devices: Array.isArray(body['devices']) ? body['devices'].length : 0,
    };
  });
}

/** The room as I see it (name and my role), or null when I am not in it. */
export async function myRoom(roomId: string): Promise<MyRoom | null> {
  const answer = await call('GET', '/rooms');
  if (!Array.isArray(answer)) throw unexpected(0);
  for (const item of answer) {
    const body = record(item);
    if (body !== null && body['id'] === roomId) {
      // The name is sealed: only this device's engine can open it.
      const name = rooms().find((r) => r.roomId === roomId)?.name ?? roomText().nameLoading;
      return { id: roomId, name, role: text(body, 'role'), team: body['team_access'] === true };
    }
  }
  return null;
}

export async function inviteToRoom(roomId: string, inviteeName: string, role: RoomRole): Promise<IssuedLink> {
  // The name never goes to the server in clear: it is sealed under the link's token.
  const body = record(await call('POST', `${room(roomId)}/invitations`, { role }));
  if (body === null) throw unexpected(0);
  await sealInviteeName(roomId, text(body, 'invitation_id'), text(body, 'link'), inviteeName);
  const expires = body['expires_at'];
  return {
    link: text(body, 'link'),
    qrPayload: text(body, 'qr_payload'),
    expiresAt: typeof expires === 'number' ? expires : 0,
  };
}

export async function removeMember(roomId: string, userId: string): Promise<void> {
  await call('DELETE', `${room(roomId)}/members/${encodeURIComponent(userId)}`);
}

/** Whether someone with this room role may invite and remove (server: authz.rs). */
export function mayManage(role: string | null): boolean {
  return role === 'owner' || role === 'delegate';
}
