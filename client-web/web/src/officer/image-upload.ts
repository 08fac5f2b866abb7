// Sealing and uploading a notice's image (an evacuation map, issue 14), once. Pure:
// the core's `seal_attachment`, the new blob ID and the PUT come in as parameters,
// so the unit tests pin the rules:
//
// - the prepared image is sealed once under a fresh key and a new blob ID, and a
//   send retried after a failure reuses that ciphertext and reference, so the
//   signed notice names what the server holds (a repeated PUT of the same ID by the
//   same officer is answered `duplicate`);
// - once the server stored it, it is not uploaded again;
// - the image belongs to the organisation it was uploaded for: another one seals
//   and uploads afresh (the server refuses a notice naming another's image).

import type { AttachmentRef, SealedFile } from '../generated/types';

/** The core's `seal_attachment(bytes, mime)`. */
export type Seal = (bytes: Uint8Array, mime: string) => SealedFile;
/** `PUT {path}` with the ciphertext; the server's answer (`{id, size, duplicate}`). */
export type Put = (path: string, ciphertext: Uint8Array) => Promise<unknown>;

/** The media type of a prepared image (the photo pipeline writes JPEG). */
export const IMAGE_MIME = 'image/jpeg';

/** One sealed image for one organisation, and whether the server has it. */
export interface ImageUpload {
  org: string;
  path: string;
  ciphertext: Uint8Array;
  reference: AttachmentRef;
  uploaded: boolean;
}

/** Where the officer uploads a notice's image. */
export function imagePath(org: string, blob: string): string {
  return `/organisations/${encodeURIComponent(org)}/broadcast-images/${encodeURIComponent(blob)}`;
}

/**
 * The upload for a notice of `org`: the earlier one when it was for `org`, else
 * `image` sealed under a fresh key with blob ID `newId()`.
 */
export function uploadFor(earlier: ImageUpload | null, org: string, image: Uint8Array, seal: Seal, newId: () => string): ImageUpload {
  if (earlier !== null && earlier.org === org) return earlier;
  const sealed = seal(image, IMAGE_MIME);
  const blob = newId();
  return {
    org,
    path: imagePath(org, blob),
    ciphertext: sealed.ciphertext,
    // The blob ID is not part of the ciphertext: the reference names the one chosen here.
    reference: { ...sealed.reference, blob },
    uploaded: false,
  };
}

/** Uploads the ciphertext unless the server already has it; the reference to sign. */
export async function uploadOnce(upload: ImageUpload, put: Put): Promise<AttachmentRef> {
  if (!upload.uploaded) {
    const answer = await put(upload.path, upload.ciphertext);
    const id = typeof answer === 'object' && answer !== null ? (answer as { id?: unknown }).id : undefined;
    if (id !== upload.reference.blob) throw new Error(`the server stored the image as ${String(id)}`);
    upload.uploaded = true;
  }
  return upload.reference;
}
