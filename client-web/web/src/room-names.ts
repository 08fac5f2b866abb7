// Room names and invitee names, sealed on this device (client-web/src/room_state.rs).
//
// A room's name is often the client's name: the server keeps it only as a record
// sealed under the room's family channel era key, which every member holds. This
// device opens it for the room list, seals it when a room is created or renamed, and
// seals it again when the family channel has moved to a newer era (a family member
// who joined since holds only the newest), as the native client does (rooms.rs).

import { http, isCode, seg } from './http';
import { b64, unb64 } from './base64';
import { saveDevice } from './engine/device';
import { need, wasm, type Engine, type RoomInfo } from './engine/state';
import { syncGroup } from './engine/sync';

/** Names this device opened, by room (memory only; the cache keeps them sealed). */
const opened = new Map<string, { sealed: string; name: string; era: string }>();

/** The room's name if this device can open it; a legacy clear name; else null. */
export function roomName(engine: Engine, room: RoomInfo): string | null {
  const sealed = room.sealed_state ?? null;
  if (sealed === null) return room.legacy_name ?? null;
  const known = opened.get(room.id);
  if (known !== undefined && known.sealed === sealed) return known.name;
  const channel = engine.device.channel(room.id, 'family');
  if (channel === undefined) return null;
  try {
    const state = channel.open_room_state(unb64(sealed));
    opened.set(room.id, { sealed, name: state.name, era: state.era });
    return state.name;
  } catch {
    return null;
  }
}

/** Seals `name` as `revision` under the family channel's current era and stores it. */
export async function storeRoomName(roomId: string, name: string, revision: number, engine: Engine = need()): Promise<number> {
  const group = `${roomId}/family`;
  await syncGroup(group, engine);
  const channel = engine.device.channel(roomId, 'family');
  if (channel === undefined) throw new Error('not in the family channel');
  const started = channel.start_era(Date.now());
  if (started.era_key !== null) {
    await saveDevice(engine);
    await http.json('POST', `/groups/${seg(group)}/messages`, {
      kind: 'era_key',
      sender_device: engine.meta.deviceId,
      epoch: started.epoch,
      body: started.era_key,
      idempotency_key: crypto.randomUUID(),
    });
  }
  const sealed = channel.seal_room_state(name, revision, Date.now());
  await saveDevice(engine);
  const stored = await http.json<{ state_revision: number }>('PUT', `/rooms/${seg(roomId)}/state`, { sealed_state: b64(sealed) });
  return stored.state_revision;
}

function maySeal(room: RoomInfo): boolean {
  return room.role === 'owner' || room.role === 'delegate' || room.role === 'professional';
}

/**
 * Seals again, under the family channel's current era, every name that is under an
 * older era (or still a legacy clear name), for members who joined since. Another
 * member doing it first is fine. Returns whether anything was stored.
 */
export async function resealRoomNames(engine: Engine = need()): Promise<boolean> {
  let stored = false;
  for (const room of engine.rooms.filter(maySeal)) {
    const channel = engine.device.channel(room.id, 'family');
    if (channel === undefined || channel.info().current_era === null) continue;
    let name: string | null = null;
    if (room.sealed_state != null) {
      try {
        const state = channel.open_room_state(unb64(room.sealed_state));
        if (channel.room_state_outdated(state.era)) name = state.name;
      } catch {
        continue;
      }
    } else if (room.legacy_name != null) {
      name = room.legacy_name;
    }
    if (name === null) continue;
    try {
      await storeRoomName(room.id, name, (room.state_revision ?? 0) + 1, engine);
      stored = true;
    } catch (error) {
      if (!isCode(error, 'state_conflict')) throw error;
    }
  }
  return stored;
}

/** Who an invitation is for, opened with the token of the link (null if unreadable). */
export async function openInviteeName(token: string, sealed: string): Promise<string | null> {
  try {
    const core = await wasm();
    return core.open_invitee_name(token, unb64(sealed));
  } catch {
    return null;
  }
}

/** Seals who an invitation is for under its link's token and stores it. */
export async function sealInviteeName(roomId: string, invitationId: string, link: string, name: string): Promise<void> {
  const core = await wasm();
  const token = link.split('#/invite/')[1] ?? '';
  const sealed = core.seal_invitee_name(token, name);
  await http.json('PUT', `/rooms/${seg(roomId)}/invitations/${seg(invitationId)}/sealed-name`, { sealed_invitee_name: b64(sealed) });
}
