// A notice's image (an evacuation map, issue 14) on its card in `#/broadcasts`: only
// for a notice whose signature checked out (official or expired; never an
// unverified one, whose claims are not to be trusted). On request it is fetched
// with `GET /blobs/{blob}` and opened by the core against the key and SHA-256 the
// officer signed: an altered or swapped image is an error in the person's
// language, never a picture. Shown from a blob: URL (the CSP allows `img-src
// blob:`), revoked when the list is left.

import './image.css';

import { html, nothing, type TemplateResult } from 'lit-html';

import { rerender } from '../app';
import { careCore, coreError } from '../care/core';
import { sizeText } from '../care/format';
import type { Notice } from '../engine/broadcasts';
import type { AttachmentRef } from '../generated/types';
import { ApiError, http, seg } from '../http';
import { lang } from '../i18n';

const ja = {
  show: (size: string) => `地図・画像を表示（${size}）`,
  loading: '画像を読み込んでいます…',
  alt: (title: string) => `「${title}」の添付画像`,
  failed: '画像を表示できませんでした。',
  retry: 'もう一度読み込む',
  notReady: 'この端末の準備ができていません。ページを再読み込みしてください。',
};

type M = typeof ja;

const en: M = {
  show: (size) => `Show image (${size})`,
  loading: 'Loading the image…',
  alt: (title) => `Image attached to “${title}”`,
  failed: 'The image could not be shown.',
  retry: 'Try again',
  notReady: 'This device is not ready. Reload the page.',
};

const text = (): M => (lang() === 'ja' ? ja : en);

type Shown =
  | { state: 'loading' }
  | { state: 'ready'; url: string }
  | { state: 'failed'; why: { en: string; ja: string } };

/** By notice ID: what was asked to be shown. */
const shown = new Map<string, Shown>();

/** Revokes every image's URL (when the list is left or on sign-out). */
export function releaseNoticeImages(): void {
  for (const s of shown.values()) if (s.state === 'ready') URL.revokeObjectURL(s.url);
  shown.clear();
}

window.addEventListener('hashchange', () => {
  if (location.hash !== '#/broadcasts') releaseNoticeImages();
});

function failure(error: unknown): { en: string; ja: string } {
  if (error instanceof ApiError) return { en: error.messageEn, ja: error.messageJa };
  return coreError(error);
}

async function load(id: string, reference: AttachmentRef): Promise<void> {
  shown.set(id, { state: 'loading' });
  rerender();
  let next: Shown;
  const core = await careCore();
  try {
    if (core === null) throw new ApiError(0, 'core_missing', en.notReady, ja.notReady);
    const ciphertext = await http.bytes(`/blobs/${seg(reference.blob)}`);
    const plaintext = core.open_attachment(ciphertext, reference);
    next = { state: 'ready', url: URL.createObjectURL(new Blob([plaintext as BlobPart], { type: reference.mime })) };
  } catch (error) {
    next = { state: 'failed', why: failure(error) };
  }
  // The list was left (and released) meanwhile: nothing to show.
  if (shown.get(id)?.state !== 'loading') {
    if (next.state === 'ready') URL.revokeObjectURL(next.url);
    return;
  }
  shown.set(id, next);
  rerender();
}

/** The image part of a notice's card; nothing without a verified image. */
export function noticeImage(notice: Notice): TemplateResult | typeof nothing {
  const signed = notice.view.broadcast;
  const reference = signed?.attachment ?? null;
  if (notice.view.standing === 'unverified' || signed === null || reference === null) return nothing;
  const m = text();
  const id = notice.listed.id;
  const s = shown.get(id);
  const button = (label: string): TemplateResult => html`<button type="button" class="secondary broadcast-image-show"
    @click=${() => void load(id, reference)}>${label}</button>`;
  let part: TemplateResult;
  if (s === undefined) part = button(m.show(sizeText(reference.size)));
  else if (s.state === 'loading') part = html`<p role="status">${m.loading}</p>`;
  else if (s.state === 'ready') part = html`<img class="broadcast-image-img" src=${s.url} alt=${m.alt(signed.title)} />`;
  else {
    part = html`<p class="error broadcast-image-failed" role="alert">${m.failed} ${lang() === 'ja' ? s.why.ja : s.why.en}</p>
      ${button(m.retry)}`;
  }
  return html`<div class="broadcast-image" data-image=${s?.state ?? 'hidden'}>${part}</div>`;
}
