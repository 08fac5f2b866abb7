// The outbox against a fake server (through the real HTTP client): a post lands
// exactly once however its sends fail, a lost epoch race is caught up and the post
// sealed again, `duplicate_post` means it is already there, and a refusal shows the
// server's words.

import { describe, expect, it } from 'vitest';

import type { PostEnvelope, SealedPost } from '../src/wasm/kizuna_client_web';
import { Outbox, localDecision, type DeliveryIo, type Outgoing } from '../src/engine/delivery';
import { HttpClient } from '../src/http/client';
import { FakeClock, fakeFetch, idle, json, refusal, WORDS, type Answer, type Seen } from './fakes';

type Fault = 'network-before' | 'network-after' | 'busy' | 'duplicate_post' | 'refused';

/** One group's log on the server: messages by idempotency key, at an epoch. */
class FakeServer {
  epoch = 1;
  readonly log: { kind: string; key: string; epoch: number; body: string }[] = [];
  /** Faults for the next message requests, in order. */
  readonly faults: Fault[] = [];

  answer(request: Seen): Answer {
    const body = request.body as { kind: string; idempotency_key: string; epoch: number; body: string };
    const fault = this.faults.shift();
    if (fault === 'network-before') return 'network';
    if (fault === 'busy') return refusal(503, 'unavailable', 'Try again in a minute.', '少し待ってからもう一度お試しください。');
    if (fault === 'duplicate_post') return refusal(409, 'duplicate_post', 'Already posted.', 'すでに投稿されています。');
    if (fault === 'refused') return refusal(422, 'too_large', 'The post is too large.', '投稿が大きすぎます。');
    const known = this.log.findIndex((m) => m.key === body.idempotency_key);
    if (known >= 0) return json(200, { seq: known + 1, duplicate: true });
    if (body.epoch !== this.epoch) {
      return refusal(409, 'wrong_epoch', 'The group moved on.', 'グループが更新されました。', { current_epoch: this.epoch });
    }
    this.log.push({ kind: body.kind, key: body.idempotency_key, epoch: body.epoch, body: body.body });
    return fault === 'network-after' ? 'network' : json(200, { seq: this.log.length, duplicate: false });
  }

  posts(): { key: string; epoch: number; body: string }[] {
    return this.log.filter((m) => m.kind === 'post').map(({ key, epoch, body }) => ({ key, epoch, body }));
  }
}

function setup() {
  const server = new FakeServer();
  const clock = new FakeClock();
  const http = new HttpClient({ fetch: fakeFetch((r) => server.answer(r)).fetch, confirmIdentity: async () => false, words: WORDS });
  /** The device: its view of the epoch, the posts it read, how often it sealed. */
  const device = { epoch: 1, seals: 0, busy: false, lagging: 0, read: new Set<string>() };
  const io: DeliveryIo = {
    deviceId: () => 'device-1',
    joined: () => true,
    delivered: (item) => device.read.has(item.postId),
    upload: async () => undefined,
    catchUp: async () => {
      // A lagging read misses what landed meanwhile (another member's commit).
      if (device.lagging > 0) {
        device.lagging -= 1;
        return;
      }
      device.epoch = server.epoch;
      for (const post of server.posts()) device.read.add(post.key);
    },
    seal: async (item): Promise<SealedPost> => {
      if (device.busy) throw new Error(JSON.stringify({ code: 'pending_commit', en: 'Busy.', ja: '処理中です。' }));
      device.seals += 1;
      return { post_id: item.postId, era_key: null, post: `sealed-${device.seals}`, epoch: device.epoch, urgency: null, blobs: [] };
    },
    send: async (item, body) => {
      await http.json('POST', `/groups/${item.roomId}%2Fteam/messages`, body);
    },
    save: async () => undefined,
    changed: () => undefined,
    locked: (body) => body(),
    online: () => true,
  };
  const outbox = new Outbox(io, localDecision, clock);
  let next = 0;
  const write = async (text: string): Promise<Outgoing> => {
    next += 1;
    const envelope: PostEnvelope = { version: 1, content_type: 'note', body: text, urgency: 'normal' };
    const item: Outgoing = {
      postId: `post-${next}`,
      roomId: 'room',
      channel: 'team',
      envelope,
      createdAt: 0,
      files: [],
      filesUploaded: true,
      sealed: null,
      eraSent: false,
      state: 'waiting',
      error: null,
    };
    await outbox.add(item);
    await idle();
    return item;
  };
  return { server, clock, device, outbox, write };
}

describe('outbox', () => {
  it('sends a post once and clears it', async () => {
    const { server, outbox, write } = setup();
    await write('Lunch eaten');
    expect(server.posts()).toHaveLength(1);
    expect(outbox.list()).toEqual([]);
  });

  it('retries a send that got no answer after the delay, and the post lands once', async () => {
    const { server, clock, outbox, write } = setup();
    server.faults.push('network-after');
    const item = await write('Temperature 37.8');
    // Stored, but the answer was lost: the post still shows as waiting.
    expect(server.posts()).toHaveLength(1);
    expect(outbox.list()).toEqual([item]);
    expect(item.state).toBe('waiting');
    clock.advance(199);
    await idle();
    expect(outbox.list()).toHaveLength(1);
    clock.advance(1);
    await idle();
    expect(outbox.list()).toEqual([]);
    expect(server.posts()).toHaveLength(1);
  });

  it('resends the very same sealed bytes (sealed once)', async () => {
    const { server, clock, device, write } = setup();
    server.faults.push('network-before', 'busy');
    await write('Walked to the garden');
    clock.advance(200);
    await idle();
    clock.advance(400);
    await idle();
    expect(device.seals).toBe(1);
    expect(server.posts()).toEqual([{ key: 'post-1', epoch: 1, body: 'sealed-1' }]);
  });

  it('waits a full round after two quick retries', async () => {
    const { server, clock, outbox, write } = setup();
    server.faults.push('network-before', 'network-before', 'network-before');
    await write('Slept well');
    clock.advance(200);
    await idle();
    clock.advance(400);
    await idle();
    clock.advance(9_999);
    await idle();
    expect(outbox.list()).toHaveLength(1);
    clock.advance(1);
    await idle();
    expect(outbox.list()).toEqual([]);
    expect(server.posts()).toHaveLength(1);
  });

  it('catches up and seals again when another commit won the epoch', async () => {
    const { server, device, outbox, write } = setup();
    // Another member's commit lands just after this device read the log.
    server.epoch = 2;
    device.lagging = 1;
    await write('Blood pressure 130/80');
    expect(device.seals).toBe(2);
    expect(server.posts()).toEqual([{ key: 'post-1', epoch: 2, body: 'sealed-2' }]);
    expect(outbox.list()).toEqual([]);
  });

  it('takes duplicate_post on a resend as delivered, not as a failure', async () => {
    const { server, clock, outbox, write } = setup();
    server.faults.push('network-before', 'duplicate_post');
    const item = await write('Medication given');
    clock.advance(200);
    await idle();
    expect(item.state).not.toBe('failed');
    expect(outbox.list()).toEqual([]);
  });

  it("marks a refused post failed with the server's Japanese words", async () => {
    const { server, outbox, write } = setup();
    server.faults.push('refused');
    const item = await write('x'.repeat(10));
    expect(item.state).toBe('failed');
    expect(item.error?.ja).toBe('投稿が大きすぎます。');
    expect(outbox.list()).toEqual([item]);
    await outbox.discard(item.postId);
    expect(outbox.list()).toEqual([]);
  });

  it('keeps the order: a later post waits behind one that is retrying', async () => {
    const { server, clock, write } = setup();
    server.faults.push('network-before');
    await write('first');
    await write('second');
    expect(server.posts()).toEqual([]);
    clock.advance(200);
    await idle();
    expect(server.posts().map((p) => p.key)).toEqual(['post-1', 'post-2']);
  });

  it('leaves a post waiting while the device settles a commit', async () => {
    const { server, clock, device, outbox, write } = setup();
    device.busy = true;
    const item = await write('Visit at three');
    expect(item.state).toBe('waiting');
    device.busy = false;
    clock.advance(10_000);
    await idle();
    expect(outbox.list()).toEqual([]);
    expect(server.posts()).toHaveLength(1);
  });

  it('sends at once when the network comes back', async () => {
    const { server, outbox, write } = setup();
    server.faults.push('network-before');
    await write('Back online');
    await outbox.flush();
    await outbox.flush();
    expect(outbox.list()).toHaveLength(1);
    await outbox.flush(true);
    expect(outbox.list()).toEqual([]);
  });
});
