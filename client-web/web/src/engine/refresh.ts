// Bringing everything up to date (the native client's refresh): rooms, welcomes,
// the groups of rooms I own, every channel's log, key packages, then reconciling
// each channel with its room's members. One round at a time, under the lock.

import { http, seg } from '../http';
import { topUpKeyPackages } from './device';
import { flush } from './outbox';
import { reconcileChannel } from './reconcile';
import { resealRoomNames, storeRoomName } from '../room-names';
import { CHANNELS, changed, locked, need, type Engine } from './state';
import {
  activeGroups, channelsOf, fetchMembers, fetchMyRead, fetchRooms, fetchWelcomes, openChannel as openGroup, syncGroup,
} from './sync';

export async function syncAll(engine: Engine, reconcile: boolean): Promise<void> {
  await fetchRooms(engine);
  await fetchWelcomes(engine);
  for (const room of engine.rooms) {
    for (const channel of channelsOf(room)) {
      if (room.role === 'owner') await openGroup(room.id, channel, engine);
    }
  }
  // Newer servers list my read positions with the rooms; older ones are asked per channel.
  const positionsListed = engine.rooms.every((r) => r.channels !== undefined);
  for (const group of activeGroups(engine)) {
    await syncGroup(group, engine);
    if (!positionsListed) await fetchMyRead(group, engine).catch(() => undefined);
  }
  await topUpKeyPackages(engine);
  if (reconcile) {
    for (const room of engine.rooms) {
      for (const channel of channelsOf(room)) {
        try {
          await reconcileChannel(room.id, channel, engine);
        } catch {
          // Another member may be settling the same change; the next round retries.
        }
      }
    }
    // Members added just now may hold only the family channel's newest era.
    try {
      if (await resealRoomNames(engine)) await fetchRooms(engine);
    } catch {
      // The next round retries.
    }
  }
  changed();
}

export async function refreshRooms(): Promise<void> {
  const engine = need();
  await locked(() => syncAll(engine, true));
  void flush();
}

export async function reconcileRoom(roomId: string): Promise<void> {
  const engine = need();
  await locked(async () => {
    await fetchMembers(roomId, engine);
    const room = engine.rooms.find((r) => r.id === roomId);
    for (const channel of room === undefined ? CHANNELS : channelsOf(room)) await reconcileChannel(roomId, channel, engine);
    // A member added just now may hold only the family channel's newest era.
    if (await resealRoomNames(engine).catch(() => false)) await fetchRooms(engine);
  });
  changed();
}

export async function createRoom(organisationId: string, name: string): Promise<string> {
  const engine = need();
  // The name never goes to the server in clear: it is sealed for the room's members.
  const room = await http.json<{ id: string }>('POST', `/organisations/${seg(organisationId)}/rooms`, {});
  await locked(async () => {
    for (const channel of CHANNELS) await openGroup(room.id, channel, engine);
    await storeRoomName(room.id, name, 1, engine);
    await fetchRooms(engine);
  });
  return room.id;
}

/** The room's members (names, roles, devices), fetched again. */
export async function refreshMembers(roomId: string): Promise<void> {
  const engine = need();
  await fetchMembers(roomId, engine);
  changed();
}

