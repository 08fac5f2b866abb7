// A notice's image (officer/image-upload.ts): sealed once under a new blob ID, and
// uploaded once. A send retried after a failure must sign the reference of what
// the server holds, never upload a second copy under another key, and an image
// uploaded for one organisation is not signed by a notice of another.

import { describe, expect, it } from 'vitest';

import type { SealedFile } from '../src/generated/types';
import { IMAGE_MIME, imagePath, uploadFor, uploadOnce, type Put, type Seal } from '../src/officer/image-upload';

const IMAGE = new Uint8Array([0xff, 0xd8, 1, 2, 3]);

/** A fake core: each sealing gives a new key and ciphertext, as the real one does. */
function fakeSeal(): { seal: Seal; calls: () => number } {
  let n = 0;
  const seal: Seal = (bytes, mime): SealedFile => {
    n += 1;
    return {
      ciphertext: new Uint8Array([n, ...bytes]),
      reference: { blob: `core-blob-${n}`, key: [n], sha256: [9, 9], mime, size: bytes.length },
    };
  };
  return { seal, calls: () => n };
}

const ids = (): (() => string) => {
  let n = 0;
  return () => `blob-${++n}`;
};

/** A server that fails the first `failures` PUTs, then stores; records every PUT. */
function fakeServer(failures = 0): { put: Put; puts: { path: string; ciphertext: Uint8Array }[] } {
  const puts: { path: string; ciphertext: Uint8Array }[] = [];
  let left = failures;
  const put: Put = async (path, ciphertext) => {
    puts.push({ path, ciphertext });
    if (left > 0) {
      left -= 1;
      throw new Error('offline');
    }
    return { id: decodeURIComponent(path.split('/').pop() ?? ''), size: ciphertext.length, duplicate: false };
  };
  return { put, puts };
}

describe('sealing a notice image', () => {
  it('names the blob ID chosen here, a JPEG, under the organisation’s image route', () => {
    const { seal } = fakeSeal();
    const u = uploadFor(null, 'org/1', IMAGE, seal, ids());
    expect(u.reference.blob).toBe('blob-1');
    expect(u.reference.mime).toBe(IMAGE_MIME);
    expect(u.reference.size).toBe(IMAGE.length);
    expect(u.path).toBe('/organisations/org%2F1/broadcast-images/blob-1');
    expect(imagePath('a', 'b')).toBe('/organisations/a/broadcast-images/b');
  });

  it('keeps the sealing for the same organisation, and seals afresh for another', () => {
    const { seal, calls } = fakeSeal();
    const next = ids();
    const first = uploadFor(null, 'org-a', IMAGE, seal, next);
    expect(uploadFor(first, 'org-a', IMAGE, seal, next)).toBe(first);
    expect(calls()).toBe(1);
    const other = uploadFor(first, 'org-b', IMAGE, seal, next);
    expect(calls()).toBe(2);
    expect(other.reference.blob).toBe('blob-2');
    expect(other.reference.key).not.toEqual(first.reference.key);
  });
});

describe('uploading a notice image', () => {
  it('uploads once: a second send signs the same reference without a second PUT', async () => {
    const { seal } = fakeSeal();
    const server = fakeServer();
    const u = uploadFor(null, 'org-a', IMAGE, seal, ids());
    const a = await uploadOnce(u, server.put);
    const b = await uploadOnce(u, server.put);
    expect(server.puts).toHaveLength(1);
    expect(b).toEqual(a);
    expect(a.blob).toBe('blob-1');
  });

  it('after a failed PUT, tries the same ciphertext under the same blob ID', async () => {
    const { seal, calls } = fakeSeal();
    const server = fakeServer(1);
    const u = uploadFor(null, 'org-a', IMAGE, seal, ids());
    await expect(uploadOnce(u, server.put)).rejects.toThrow('offline');
    expect(u.uploaded).toBe(false);
    const again = uploadFor(u, 'org-a', IMAGE, seal, ids());
    const reference = await uploadOnce(again, server.put);
    expect(calls()).toBe(1);
    expect(server.puts).toHaveLength(2);
    expect(server.puts[1]?.path).toBe(server.puts[0]?.path);
    expect(server.puts[1]?.ciphertext).toEqual(server.puts[0]?.ciphertext);
    expect(reference.key).toEqual([1]);
  });

  it('refuses an answer naming another blob', async () => {
    const { seal } = fakeSeal();
    const u = uploadFor(null, 'org-a', IMAGE, seal, ids());
    await expect(uploadOnce(u, async () => ({ id: 'someone-else' }))).rejects.toThrow(/stored the image as someone-else/);
    expect(u.uploaded).toBe(false);
  });
});
