// The send screen's optional image (an evacuation map, issue 14). Chosen, it is
// prepared in the photo worker as a care photo is (upright, its metadata, the GPS
// position among it, dropped, downscaled) and previewed as it will be sent; on
// send it is sealed and uploaded once (image-upload.ts) and the notice signs its
// reference. Kept for the visit like the draft; dropped once the notice is sent.

import './image.css';

import { html, nothing, type TemplateResult } from 'lit-html';

import { rerender } from '../app';
import { careCore, coreError } from '../care/core';
import { sizeText } from '../care/format';
import { preparePhoto } from '../care/photo-composer';
import type { AttachmentRef, PreparedPhoto } from '../generated/types';
import { http } from '../http';
import { lang } from '../i18n';
import { Problem } from './api';
import { uploadFor, uploadOnce, type ImageUpload } from './image-upload';

const ja = {
  label: '避難地図などの画像を添付（任意）',
  hint: 'JPEG または PNG。位置情報（EXIF・GPS）などの付加情報はこの端末で取り除き、縮小して暗号化してから送ります。',
  preparing: '画像を準備しています…',
  ready: (w: number, h: number, size: string) => `送信される画像: ${w}×${h}、${size}（位置情報なし）`,
  previewAlt: '添付する画像のプレビュー',
  remove: '画像を外す',
  notReady: '画像を送る準備ができていません。ページを再読み込みしてもう一度お試しください。',
};

type M = typeof ja;

const en: M = {
  label: 'Attach an image (e.g. an evacuation map, optional)',
  hint: 'JPEG or PNG. Location data (EXIF, GPS) and other metadata are removed on this device; the image is downscaled and encrypted before it is sent.',
  preparing: 'Preparing the image…',
  ready: (w, h, size) => `Image to be sent: ${w}×${h}, ${size} (no location data)`,
  previewAlt: 'Preview of the image to attach',
  remove: 'Remove the image',
  notReady: 'The image cannot be sent yet. Reload the page and try again.',
};

const text = (): M => (lang() === 'ja' ? ja : en);

interface Chosen {
  owner: string;
  /** Changes with each image chosen: part of the key that decides a retry reuses the notice ID. */
  serial: number;
  photo: PreparedPhoto | null;
  url: string | null;
  /** Settles when the worker has answered. */
  ready: Promise<void>;
  upload: ImageUpload | null;
}

let chosen: Chosen | null = null;
let problem: { en: string; ja: string } | null = null;
let serial = 0;

/** Drops the image and its preview (after sending, on removing, for another person). */
export function forgetImage(): void {
  if (chosen !== null && chosen.url !== null) URL.revokeObjectURL(chosen.url);
  chosen = null;
  problem = null;
}

/** What of the image decides "the same notice" (empty without one). */
export function imageKey(): string {
  return chosen === null ? '' : `image:${chosen.serial}`;
}

async function choose(owner: string, event: Event): Promise<void> {
  const input = event.currentTarget as HTMLInputElement;
  const file = input.files?.[0];
  input.value = '';
  if (file === undefined) return;
  forgetImage();
  const mine: Chosen = { owner, serial: ++serial, photo: null, url: null, ready: Promise.resolve(), upload: null };
  mine.ready = (async () => {
    const answer = await preparePhoto(await file.arrayBuffer());
    if (chosen !== mine) return;
    if (answer.ok) {
      mine.photo = answer.photo;
      mine.url = URL.createObjectURL(new Blob([answer.photo.image as BlobPart], { type: 'image/jpeg' }));
    } else {
      chosen = null;
      problem = answer.error;
    }
    rerender();
  })();
  chosen = mine;
  rerender();
}

/**
 * The reference to sign for a notice of `org` (null without an image): waits for the
 * preparation, seals and uploads once. Failures throw (the server's or the core's words).
 */
export async function noticeAttachment(org: string): Promise<AttachmentRef | null> {
  const mine = chosen;
  if (mine === null) return null;
  await mine.ready;
  const core = await careCore();
  if (mine.photo === null || core === null) throw new Problem(en.notReady, ja.notReady);
  const image = mine.photo.image;
  try {
    mine.upload = uploadFor(mine.upload, org, image, (bytes, mime) => core.seal_attachment(bytes, mime), () => crypto.randomUUID());
  } catch (error) {
    const why = coreError(error);
    throw new Problem(why.en, why.ja);
  }
  return uploadOnce(mine.upload, (path, ciphertext) => http.putBytes(path, new Uint8Array(ciphertext)));
}

function preview(c: Chosen): TemplateResult {
  const m = text();
  const p = c.photo;
  if (p === null || c.url === null) return html`<p role="status" id="officer-image-preparing">${m.preparing}</p>`;
  return html`<figure class="officer-image-preview">
    <img id="officer-image-preview" src=${c.url} alt=${m.previewAlt} width=${p.width} height=${p.height} />
    <figcaption id="officer-image-info">${m.ready(p.width, p.height, sizeText(p.image.length))}</figcaption>
    <button type="button" class="secondary" id="officer-image-remove" @click=${() => { forgetImage(); rerender(); }}>${m.remove}</button>
  </figure>`;
}

/** The field on the send form, for `owner` (the signed-in person). */
export function imageField(owner: string, disabled: boolean): TemplateResult {
  if (chosen !== null && chosen.owner !== owner) forgetImage();
  const m = text();
  const c = chosen;
  return html`<div class="field officer-image">
    <label for="officer-image">${m.label}</label>
    <p class="hint" id="officer-image-hint">${m.hint}</p>
    <input id="officer-image" type="file" accept="image/jpeg,image/png" aria-describedby="officer-image-hint"
      ?disabled=${disabled || (c !== null && c.photo === null)} @change=${(e: Event) => void choose(owner, e)} />
    ${problem === null ? nothing : html`<p class="error" role="alert" id="officer-image-problem">${lang() === 'ja' ? problem.ja : problem.en}</p>`}
    ${c === null ? nothing : preview(c)}
  </div>`;
}
