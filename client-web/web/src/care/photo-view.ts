// Photos in the timeline: the thumbnail is fetched and decrypted through the room
// view's `loadAttachment`, shown from a blob: URL (the CSP allows `img-src blob:`),
// and opens the full image in a modal <dialog> (Escape or the close button shut
// it). Blob URLs are revoked when the dialog closes and by `releasePhotos()` when
// the room view goes away; decrypted bytes never leave memory.

import { html, nothing, render, type TemplateResult } from 'lit-html';

import { careText, inLang } from './messages';
import { coreError } from './core';
import { sizeText } from './format';
import type { AttachmentRef, CareContext, PhotoContent } from './types';

type Thumb = { state: 'loading' } | { state: 'ready'; url: string } | { state: 'failed'; why: { en: string; ja: string } };

const thumbs = new Map<string, Thumb>();

function thumbnail(reference: AttachmentRef, ctx: CareContext): Thumb {
  const known = thumbs.get(reference.blob);
  if (known !== undefined) return known;
  const loading: Thumb = { state: 'loading' };
  thumbs.set(reference.blob, loading);
  ctx
    .loadAttachment(reference)
    .then((bytes) => {
      const url = URL.createObjectURL(new Blob([bytes as BlobPart], { type: 'image/jpeg' }));
      thumbs.set(reference.blob, { state: 'ready', url });
    })
    .catch((error: unknown) => {
      thumbs.set(reference.blob, { state: 'failed', why: coreError(error) });
    })
    .finally(() => ctx.rerender());
  return loading;
}

/** Forgets every thumbnail and revokes its URL (when the room view is left). */
export function releasePhotos(): void {
  for (const thumb of thumbs.values()) if (thumb.state === 'ready') URL.revokeObjectURL(thumb.url);
  thumbs.clear();
  closePhoto();
}

/** The photo of a post: its thumbnail as a button that opens the full image. */
export function photoContent(photo: PhotoContent, caption: string, ctx: CareContext): TemplateResult {
  const m = careText();
  const thumb = thumbnail(photo.thumbnail, ctx);
  const label = m.openPhoto(caption.trim() === '' ? m.kindPhoto : caption);
  let picture: TemplateResult;
  if (thumb.state === 'ready') {
    picture = html`<button
      type="button"
      class="care-thumb"
      aria-label=${label}
      aria-haspopup="dialog"
      @click=${(event: Event) => void openPhoto(photo, caption, ctx, event.currentTarget as HTMLElement)}
    >
      <img src=${thumb.url} alt="" width=${photo.thumb_width} height=${photo.thumb_height} />
    </button>`;
  } else if (thumb.state === 'failed') {
    picture = html`<p class="error care-photo-failed" role="alert">${m.photoFailed} ${inLang(thumb.why)}</p>`;
  } else {
    picture = html`<p class="care-thumb-loading" role="status">${m.photoLoading}</p>`;
  }
  return html`
    <figure class="care-photo">
      ${picture}
      <figcaption>
        ${caption.trim() === '' ? nothing : html`<span class="care-body">${caption}</span>`}
        ${photo.body_site === undefined ? nothing : html`<span class="care-site">${m.bodySite}: ${photo.body_site}</span>`}
        <span class="care-meta">${m.imageSize(photo.width, photo.height)} · ${sizeText(photo.image.size)}</span>
      </figcaption>
    </figure>
  `;
}

// ---- the full-image dialog (one, appended to <body>) ---------------------------------

interface Open {
  dialog: HTMLDialogElement;
  url: string | null;
  opener: HTMLElement | null;
}

let open: Open | null = null;

function dialogElement(): HTMLDialogElement {
  let dialog = document.getElementById('care-photo-dialog') as HTMLDialogElement | null;
  if (dialog === null) {
    dialog = document.createElement('dialog');
    dialog.id = 'care-photo-dialog';
    dialog.className = 'care-dialog';
    dialog.setAttribute('aria-labelledby', 'care-photo-dialog-title');
    // Escape and the close button both end up here. The event comes a task later:
    // if the dialog was opened again meanwhile (Enter on the thumbnail right after
    // Escape), it belongs to the earlier opening, which openPhoto already finished.
    dialog.addEventListener('close', () => {
      if (!dialog?.open) finishClose();
    });
    document.body.append(dialog);
  }
  return dialog;
}

function drawDialog(caption: string, photo: PhotoContent, body: TemplateResult): void {
  const m = careText();
  const dialog = dialogElement();
  render(
    html`
      <div class="care-dialog__bar">
        <h2 id="care-photo-dialog-title">${caption.trim() === '' ? m.photoDialogTitle : caption}</h2>
        <button type="button" class="secondary care-dialog__close" @click=${closePhoto}>${m.close}</button>
      </div>
      ${body}
      <p class="care-meta">${m.imageSize(photo.width, photo.height)}</p>
    `,
    dialog,
  );
}

async function openPhoto(photo: PhotoContent, caption: string, ctx: CareContext, opener: HTMLElement): Promise<void> {
  closePhoto();
  const m = careText();
  const dialog = dialogElement();
  open = { dialog, url: null, opener };
  drawDialog(caption, photo, html`<p role="status">${m.photoLoading}</p>`);
  dialog.showModal();
  const mine = open;
  try {
    const bytes = await ctx.loadAttachment(photo.image);
    if (open !== mine) return; // closed (or another opened) meanwhile
    mine.url = URL.createObjectURL(new Blob([bytes as BlobPart], { type: 'image/jpeg' }));
    drawDialog(
      caption,
      photo,
      html`<img class="care-full" src=${mine.url} alt=${caption.trim() === '' ? m.kindPhoto : caption}
        width=${photo.width} height=${photo.height} />`,
    );
  } catch (error) {
    if (open !== mine) return;
    drawDialog(caption, photo, html`<p class="error" role="alert">${m.photoFailed} ${inLang(coreError(error))}</p>`);
  }
  dialog.querySelector<HTMLButtonElement>('.care-dialog__close')?.focus();
}

/** Closes the full-image dialog, if open. */
export function closePhoto(): void {
  if (open?.dialog.open === true) open.dialog.close();
  else finishClose();
}

function finishClose(): void {
  if (open === null) return;
  const { url, opener, dialog } = open;
  open = null;
  if (url !== null) URL.revokeObjectURL(url);
  render(html``, dialog);
  if (opener?.isConnected === true) opener.focus();
}
