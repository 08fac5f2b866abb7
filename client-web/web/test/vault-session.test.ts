// The session wrap (vault.ts): the vault key's bytes sealed under a fresh
// non-extractable WebCrypto key. It opens only for the same person, before its end
// time, when nothing was altered; the wrapping key cannot be read out; the bytes
// handed in are wiped. (WebCrypto of Node, the same API as the browser's.)

import { describe, expect, it } from 'vitest';

import { SESSION_HOURS, unwrapForSession, wrapForSession } from '../src/vault';

const USER = '6f1c1c3e-8f7a-4a51-9a55-0d7c5f5b2a10';
const NOW = 1_800_000_000_000;

async function sealedUnder(bits: Uint8Array<ArrayBuffer>): Promise<{ iv: Uint8Array<ArrayBuffer>; sealed: ArrayBuffer }> {
  const key = await crypto.subtle.importKey('raw', bits, 'AES-GCM', false, ['encrypt']);
  const iv = crypto.getRandomValues(new Uint8Array(12));
  return { iv, sealed: await crypto.subtle.encrypt({ name: 'AES-GCM', iv }, key, new TextEncoder().encode('ケア記録')) };
}

describe('session wrap', () => {
  it('gives back the same vault key, and wipes the bytes handed in', async () => {
    const bits = crypto.getRandomValues(new Uint8Array(32));
    const { iv, sealed } = await sealedUnder(bits.slice());
    const wrap = await wrapForSession(USER, bits, NOW);
    expect(bits.every((b) => b === 0)).toBe(true);
    const key = await unwrapForSession(wrap, USER, NOW + 1_000);
    expect(key).not.toBeNull();
    const plain = await crypto.subtle.decrypt({ name: 'AES-GCM', iv }, key as CryptoKey, sealed);
    expect(new TextDecoder().decode(plain)).toBe('ケア記録');
    // The unwrapped key is usable, never readable.
    await expect(crypto.subtle.exportKey('raw', key as CryptoKey)).rejects.toThrow();
  });

  it('keeps a wrapping key that scripts can use but never read out', async () => {
    const wrap = await wrapForSession(USER, crypto.getRandomValues(new Uint8Array(32)), NOW);
    expect(wrap.wrappingKey.extractable).toBe(false);
    await expect(crypto.subtle.exportKey('raw', wrap.wrappingKey)).rejects.toThrow();
    expect(new Uint8Array(wrap.wrapped).length).toBe(32 + 16);
  });

  it('does not open for another person, after its end, or when altered', async () => {
    const wrap = await wrapForSession(USER, crypto.getRandomValues(new Uint8Array(32)), NOW);
    expect(wrap.endsAt).toBe(NOW + SESSION_HOURS * 3_600_000);
    expect(await unwrapForSession(wrap, '00000000-0000-4000-8000-000000000000', NOW)).toBeNull();
    expect(await unwrapForSession(wrap, USER, wrap.endsAt)).toBeNull();
    const tampered = new Uint8Array(wrap.wrapped.slice(0));
    tampered[0] = (tampered[0] ?? 0) ^ 1;
    expect(await unwrapForSession({ ...wrap, wrapped: tampered.buffer }, USER, NOW)).toBeNull();
    // A later end time written into the record does not extend it (it is bound in).
    expect(await unwrapForSession({ ...wrap, endsAt: wrap.endsAt + 3_600_000 }, USER, NOW)).toBeNull();
  });
});
