// The room-membership endpoints (server/src/routes/rooms.rs): the member list, a
// room invitation (link + QR payload), removing someone. Sent through the one HTTP
// client (http/): failures arrive as its ApiError with the server's en/ja words.

import type { InvitationInfo } from '../api';
import { http } from '../http';
import { list, num, object, str as text, type Body } from '../http/answer';
import { rooms } from '../engine';
import { sealInviteeName } from '../room-names';
import { roomText } from '../rooms-messages';
import { familyOnly } from './role-names';

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
  /** A facility's break-glass account (the server's flag, not the name). */
  emergency: boolean;
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

function call(method: 'GET' | 'POST' | 'DELETE', path: string, body?: Body): Promise<unknown> {
  return http.json<unknown>(method, path, body);
}

const room = (id: string): string => `/rooms/${encodeURIComponent(id)}`;

export async function listMembers(roomId: string): Promise<Member[]> {
  return list(await call('GET', `${room(roomId)}/members`)).map((body) => {
    return {
      userId: text(body, 'user_id'),
      displayName: text(body, 'display_name'),
      role: text(body, 'role'),
      team: body['team_access'] === true,
      family: body['family_access'] === true,
      devices: Array.isArray(body['devices']) ? body['devices'].length : 0,
      emergency: body['emergency'] === true,
    };
  });
}

/** The room as I see it (name and my role), or null when I am not in it. */
export async function myRoom(roomId: string): Promise<MyRoom | null> {
  for (const body of list(await call('GET', '/rooms'))) {
    if (body['id'] === roomId) {
      // The name is sealed: only this device's engine can open it.
      const name = rooms().find((r) => r.roomId === roomId)?.name ?? roomText().nameLoading;
      return { id: roomId, name, role: text(body, 'role'), team: body['team_access'] === true };
    }
  }
  return null;
}

export async function inviteToRoom(roomId: string, inviteeName: string, role: RoomRole): Promise<IssuedLink> {
  // The name never goes to the server in clear: it is sealed under the link's token.
  const body = object(await call('POST', `${room(roomId)}/invitations`, { role }));
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

/** The room a room invitation let me join, and my role in it. */
export interface Joined {
  roomId: string;
  role: string;
}

/** Joins the room of a room invitation with the account signed in (the link is used up). */
export async function acceptInvitation(token: string): Promise<Joined> {
  const body = object(await call('POST', '/invitations/accept', { token }));
  return { roomId: text(body, 'room_id'), role: text(body, 'role') };
}

/** A link that can still be used, and (room invitations) who made it. */
export interface LinkInfo extends InvitationInfo {
  /** The display name of whoever made a room invitation; null for other links. */
  inviterName: string | null;
}

/** What the server says of a link: usable, or (my own used room invitation) where it led. */
export type LinkAnswer = { usable: LinkInfo } | { usedByMe: { roomId: string; channel: 'team' | 'family' } };

const optional = (body: Body, key: string): string | null => {
  const value = body[key];
  return typeof value === 'string' ? value : null;
};

/**
 * Asks what a link is for (POST /invitations/inspect). Signed in, a room invitation
 * this account used answers with its room, on any device; every other unusable link
 * fails with `invitation_invalid`.
 */
export async function inspectLink(token: string): Promise<LinkAnswer> {
  const body = object(await http.json<unknown>('POST', '/invitations/inspect', { token }, { reauth: false }));
  if (body['used_by_you'] === true) {
    const channel = text(body, 'channel') === 'family' ? 'family' : 'team';
    return { usedByMe: { roomId: text(body, 'room_id'), channel } };
  }
  return {
    usable: {
      kind: text(body, 'kind'),
      inviteeName: optional(body, 'invitee_name'),
      sealedInviteeName: optional(body, 'sealed_invitee_name'),
      role: optional(body, 'role'),
      expiresAt: num(body, 'expires_at') ?? 0,
      inviterName: optional(body, 'inviter_name'),
    },
  };
}

/** Where a room opens on `channel`. */
export const channelHash = (roomId: string, channel: 'team' | 'family'): string =>
  `#/rooms/${encodeURIComponent(roomId)}/${channel}`;

/** The rooms I am in, with my role in each (names stay sealed: IDs only). */
export async function myRoomRoles(): Promise<Joined[]> {
  return list(await call('GET', '/rooms')).map((body) => ({ roomId: text(body, 'id'), role: text(body, 'role') }));
}

/** Where a room opens for someone with `role`: family and volunteers see only the family channel. */
export function roomHash(roomId: string, role: string): string {
  return channelHash(roomId, familyOnly(role) ? 'family' : 'team');
}
