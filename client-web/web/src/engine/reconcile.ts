// Making a channel's MLS group match the room (reconcile.rs of the native client):
// removals first, then one add per history policy; the commit goes to the server,
// which takes it only for the current epoch. On 409 wrong_epoch the commit is
// dropped, the log read, and the plan made again.

import type { ChannelName, ClaimedKeyPackage, CommitRequest, HistoryPolicy } from '../generated/types';
import { http, isCode, isNotFound, seg, transient } from '../http';
import { saveDevice } from './device';
import { fetchMembers, syncGroup } from './sync';
import { groupId, need, type Engine } from './state';

/** How many times a commit is retried after another member's commit won the epoch. */
const MAX_COMMIT_ATTEMPTS = 6;
const MAX_SEND_ATTEMPTS = 3;

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** POSTs, sending the very same request again if the connection broke (idempotency key). */
export async function sendRetrying<T>(path: string, body: unknown): Promise<T> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await http.json<T>('POST', path, body);
    } catch (error) {
      if (!transient(error) || isCode(error, 'wrong_epoch') || attempt >= MAX_SEND_ATTEMPTS) throw error;
      await sleep(200 * attempt);
    }
  }
}

async function claim(users: string[], devices: string[]): Promise<ClaimedKeyPackage[]> {
  const wanted = new Set(devices);
  const out: ClaimedKeyPackage[] = [];
  for (const user of users) {
    let claimed: ClaimedKeyPackage[];
    try {
      claimed = await http.json<ClaimedKeyPackage[]>('POST', `/users/${seg(user)}/key-packages/claim`, {});
    } catch (error) {
      if (isNotFound(error)) continue; // they left the room meanwhile
      throw error;
    }
    out.push(...claimed.filter((c) => wanted.has(c.device_id)));
  }
  return out;
}

/** Reconciles one channel; returns the number of commits made. */
export async function reconcileChannel(room: string, channelName: ChannelName, engine: Engine = need()): Promise<number> {
  const group = groupId(room, channelName);
  let commits = 0;
  for (let attempt = 1; attempt <= MAX_COMMIT_ATTEMPTS; attempt += 1) {
    const channel = engine.device.channel(room, channelName);
    if (channel === undefined || engine.lost.has(group) || !channel.info().active) return commits;
    const members = await fetchMembers(room, engine);
    const plan = channel.plan_reconcile(members);
    let request: CommitRequest | null = null;
    let policy: HistoryPolicy | null = null;
    if (plan.remove.length > 0) {
      request = channel.remove_devices(plan.remove);
    } else {
      for (const cls of plan.add) {
        const claimed = await claim(cls.users, cls.devices);
        if (claimed.length > 0) {
          request = channel.add_devices(claimed, cls.policy);
          policy = cls.policy;
          break;
        }
      }
    }
    if (request === null) return commits;
    await saveDevice(engine);
    try {
      await sendRetrying(`/groups/${seg(group)}/commits`, {
        sender_device: engine.meta.deviceId,
        commit: request.commit,
        welcome: request.welcome,
        idempotency_key: crypto.randomUUID(),
      });
    } catch (error) {
      channel.commit_rejected();
      await saveDevice(engine);
      if (!isCode(error, 'wrong_epoch')) throw error;
      await syncGroup(group, engine);
      continue;
    }
    const accepted = channel.commit_accepted(Date.now());
    await saveDevice(engine);
    commits += 1;
    if (accepted.era_key !== null && policy !== null) {
      // The history the policy allows, readable only by the members of the new epoch.
      await sendRetrying(`/groups/${seg(group)}/messages`, {
        kind: 'era_key',
        sender_device: engine.meta.deviceId,
        epoch: accepted.epoch,
        body: accepted.era_key,
        idempotency_key: crypto.randomUUID(),
      });
    }
    await syncGroup(group, engine);
  }
  return commits;
}
