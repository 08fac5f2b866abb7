// The HTTP client: what the person is told when a request fails (the server's
// words, in Japanese too), and the confirmation asked for on `reauth_required`.

import { describe, expect, it } from 'vitest';

import { HttpClient } from '../src/http/client';
import { ApiError, isNetwork, transient } from '../src/http/error';
import { fakeFetch, json, refusal, WORDS, type Answer, type Seen } from './fakes';

function client(answer: (request: Seen) => Answer, confirm: () => Promise<boolean> = () => Promise.resolve(false)) {
  const fake = fakeFetch(answer);
  let asked = 0;
  const http = new HttpClient({
    fetch: fake.fetch,
    confirmIdentity: () => {
      asked += 1;
      return confirm();
    },
    words: WORDS,
  });
  return { http, seen: fake.seen, asked: () => asked };
}

async function failure(promise: Promise<unknown>): Promise<ApiError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof ApiError) return error;
    throw error;
  }
  throw new Error('the request succeeded');
}

describe('HTTP client', () => {
  it('sends JSON under /api/v1 with the session cookie and returns the answer', async () => {
    const { http, seen } = client(() => json(200, { id: 'r1' }));
    const answer = await http.json<{ id: string }>('POST', '/organisations/o1/rooms', { name: 'x' });
    expect(answer).toEqual({ id: 'r1' });
    expect(seen).toHaveLength(1);
    expect(seen[0]?.url).toBe('/api/v1/organisations/o1/rooms');
    expect(seen[0]?.headers['content-type']).toBe('application/json');
    expect(seen[0]?.body).toEqual({ name: 'x' });
  });

  it("shows the server's Japanese words for a refusal", async () => {
    const { http } = client(() =>
      refusal(422, 'password_too_short', 'The password is too short.', 'パスワードが短すぎます。'),
    );
    const error = await failure(http.json('POST', '/invitations/register/begin', {}));
    expect(error.status).toBe(422);
    expect(error.code).toBe('password_too_short');
    expect(error.localized('ja')).toBe('パスワードが短すぎます。');
    expect(error.localized('en')).toBe('The password is too short.');
    expect(transient(error)).toBe(false);
  });

  it('reads the current epoch of a wrong_epoch refusal', async () => {
    const { http } = client(() =>
      refusal(409, 'wrong_epoch', 'Someone changed the group.', 'グループが変更されました。', { current_epoch: 4 }),
    );
    const error = await failure(http.json('POST', '/groups/g/commits', {}));
    expect(error.code).toBe('wrong_epoch');
    expect(error.currentEpoch).toBe(4);
    expect(transient(error)).toBe(true);
  });

  it('turns a request without an answer into a network failure with words', async () => {
    const { http } = client(() => 'network');
    const error = await failure(http.json('GET', '/rooms'));
    expect(isNetwork(error)).toBe(true);
    expect(error.status).toBe(0);
    expect(error.localized('ja')).toBe(WORDS.network.ja);
    expect(transient(error)).toBe(true);
  });

  it('turns an answer that is not JSON into an unexpected failure', async () => {
    const { http } = client(() => new Response('<html>Bad gateway</html>', { status: 502 }));
    const error = await failure(http.json('GET', '/rooms'));
    expect(error.code).toBe('unexpected');
    expect(error.status).toBe(502);
    expect(error.localized('ja')).toBe(WORDS.unexpected.ja);

    const ok = client(() => new Response('not json', { status: 200 }));
    expect((await failure(ok.http.json('GET', '/rooms'))).code).toBe('unexpected');
  });

  it('gives the server words a missing message falls back to', async () => {
    const { http } = client(() => json(400, { error: { code: 'invalid' } }));
    const error = await failure(http.json('POST', '/x', {}));
    expect(error.code).toBe('invalid');
    expect(error.localized('ja')).toBe(WORDS.unexpected.ja);
  });

  it('answers null for an empty answer', async () => {
    const { http } = client(() => new Response(null, { status: 204 }));
    expect(await http.json('POST', '/auth/sign-out')).toBeNull();
  });

  it('reads a response header beside the answer', async () => {
    const { http } = client(() => json(200, [], { 'kizuna-log-generation': 'gen-2' }));
    const [entries, generation] = await http.jsonWithHeader<unknown[]>('/groups/g/messages?after=0', 'kizuna-log-generation');
    expect(entries).toEqual([]);
    expect(generation).toBe('gen-2');
  });

  it('asks for a confirmation on reauth_required and sends the request once more', async () => {
    let calls = 0;
    const { http, asked, seen } = client(
      () => {
        calls += 1;
        return calls === 1 ? refusal(403, 'reauth_required', 'Confirm it is you.', '本人確認が必要です。') : json(200, { ok: true });
      },
      () => Promise.resolve(true),
    );
    expect(await http.json('POST', '/organisations/o/staff/u/actions', { action: 'suspend' })).toEqual({ ok: true });
    expect(asked()).toBe(1);
    expect(seen).toHaveLength(2);
  });

  it('gives the refusal back when the confirmation is cancelled', async () => {
    const { http, asked, seen } = client(() => refusal(403, 'reauth_required', 'Confirm it is you.', '本人確認が必要です。'));
    const error = await failure(http.json('POST', '/devices', {}));
    expect(error.code).toBe('reauth_required');
    expect(asked()).toBe(1);
    expect(seen).toHaveLength(1);
  });

  it('never asks during the sign-in ceremonies themselves', async () => {
    const { http, asked } = client(() => refusal(403, 'reauth_required', 'Confirm it is you.', '本人確認が必要です。'));
    await failure(http.json('POST', '/me/reauth/begin', {}, { reauth: false }));
    expect(asked()).toBe(0);
  });

  it('uploads and downloads raw bytes', async () => {
    const { http, seen } = client((request) =>
      request.method === 'PUT' ? json(200, { stored: true }) : new Response(new Uint8Array([1, 2, 3]), { status: 200 }),
    );
    expect(await http.putBytes('/rooms/r/channels/team/blobs/b', new Uint8Array([9]))).toEqual({ stored: true });
    expect(seen[0]?.headers['content-type']).toBe('application/octet-stream');
    expect(Array.from(await http.bytes('/blobs/b'))).toEqual([1, 2, 3]);
  });
});
