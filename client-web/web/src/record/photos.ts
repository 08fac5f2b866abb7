// The record's photos: each full image downloaded (ciphertext) and decrypted on this
// device through the engine, shown from a blob: URL (the CSP allows `img-src blob:`).
// Every URL is revoked when the record screen is left, so no decrypted image stays.

import { fetchAttachment, type ChannelName } from '../engine';
import type { AttachmentRef } from '../generated/types';

export type Photo = { state: 'loading' } | { state: 'ready'; url: string } | { state: 'failed' };

const photos = new Map<string, Photo>();
/** Bumped on release: an image that arrives after the screen was left is dropped. */
let generation = 0;

/** The photo of `reference` (fetched and decrypted on first ask; `done` runs when it settles). */
export function photoOf(roomId: string, channel: ChannelName, reference: AttachmentRef, done: () => void): Photo {
  const known = photos.get(reference.blob);
  if (known !== undefined) return known;
  photos.set(reference.blob, { state: 'loading' });
  const mine = generation;
  fetchAttachment(roomId, channel, reference)
    .then((bytes) => {
      if (mine !== generation) return;
      const url = URL.createObjectURL(new Blob([bytes as BlobPart], { type: 'image/jpeg' }));
      photos.set(reference.blob, { state: 'ready', url });
    })
    .catch(() => {
      if (mine === generation) photos.set(reference.blob, { state: 'failed' });
    })
    .finally(done);
  return photos.get(reference.blob) ?? { state: 'loading' };
}

/** How many photos are still on their way (the screen is ready to print at 0). */
export function photosLoading(): number {
  return [...photos.values()].filter((p) => p.state === 'loading').length;
}

/** Forgets every photo and revokes its URL (the record screen was left). */
export function releaseRecordPhotos(): void {
  for (const photo of photos.values()) if (photo.state === 'ready') URL.revokeObjectURL(photo.url);
  photos.clear();
  generation += 1;
}
