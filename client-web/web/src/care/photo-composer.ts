// The photo composer: take or choose a photo, prepare it in a worker (upright,
// metadata stripped, resized, thumbnailed), show exactly what will be sent with its
// size, then seal the image and the thumbnail and hand the post and both encrypted
// files to the engine.

import { html, nothing, type TemplateResult } from 'lit-html';

import './care.css';
import { careCore, coreError, wasmUrl } from './core';
import { careText, inLang } from './messages';
import { sizeText } from './format';
import type { PostEnvelope, PreparedPhoto, SendPost, WebError } from './types';

export interface PhotoComposerOptions {
  send: SendPost;
  rerender: () => void;
}

type Answer = { id: number; ok: true; photo: PreparedPhoto } | { id: number; ok: false; error: WebError };

let worker: Worker | null = null;
let nextId = 1;
const waiting = new Map<number, (answer: Answer) => void>();

function photoWorker(): Worker {
  if (worker === null) {
    worker = new Worker(new URL('./photo-worker.ts', import.meta.url), { type: 'module' });
    worker.onmessage = (event: MessageEvent<Answer>) => {
      waiting.get(event.data.id)?.(event.data);
      waiting.delete(event.data.id);
    };
  }
  return worker;
}

/** Prepares a photo in the worker: the prepared photo, or the core's error. */
export async function preparePhoto(bytes: ArrayBuffer): Promise<Answer> {
  const url = wasmUrl();
  const id = nextId++;
  if (url === null) {
    const m = careText();
    return { id, ok: false, error: { code: 'core_missing', en: m.coreNotReady, ja: m.coreNotReady } };
  }
  return new Promise((done) => {
    waiting.set(id, done);
    photoWorker().postMessage({ id, bytes, wasmUrl: url }, [bytes]);
  });
}

interface Prepared {
  photo: PreparedPhoto;
  url: string;
}

// Preview URLs still alive, so leaving the room can revoke them all.
const previews = new Set<string>();

/** Revokes every photo preview's URL (when the room view is left or on sign-out). */
export function releasePreviews(): void {
  for (const url of previews) URL.revokeObjectURL(url);
  previews.clear();
}

export function photoComposer(options: PhotoComposerOptions): () => TemplateResult {
  const state = {
    prepared: null as Prepared | null,
    preparing: false,
    busy: false,
    problem: null as string | null,
    notice: null as string | null,
    caption: '',
    site: '',
  };

  function discard(): void {
    if (state.prepared !== null) {
      URL.revokeObjectURL(state.prepared.url);
      previews.delete(state.prepared.url);
    }
    state.prepared = null;
  }

  async function chosen(event: Event): Promise<void> {
    const input = event.currentTarget as HTMLInputElement;
    const file = input.files?.[0];
    input.value = '';
    if (file === undefined) return;
    const m = careText();
    discard();
    Object.assign(state, { preparing: true, problem: null, notice: m.preparing });
    options.rerender();
    const answer = await preparePhoto(await file.arrayBuffer());
    state.preparing = false;
    if (answer.ok) {
      const url = URL.createObjectURL(new Blob([answer.photo.image as BlobPart], { type: 'image/jpeg' }));
      previews.add(url);
      state.prepared = { photo: answer.photo, url };
      state.notice = m.photoReady;
    } else {
      state.notice = null;
      state.problem = inLang(answer.error);
    }
    options.rerender();
  }

  async function submit(event: SubmitEvent): Promise<void> {
    event.preventDefault();
    const m = careText();
    const prepared = state.prepared;
    if (state.busy) return;
    if (prepared === null) {
      state.problem = m.choosePhotoFirst;
      options.rerender();
      document.getElementById('pf-camera')?.focus();
      return;
    }
    const core = await careCore();
    if (core === null) {
      state.problem = m.coreNotReady;
      options.rerender();
      return;
    }
    state.busy = true;
    state.problem = null;
    state.notice = m.sending;
    options.rerender();
    try {
      const p = prepared.photo;
      const image = core.seal_attachment(p.image, 'image/jpeg');
      const thumbnail = core.seal_attachment(p.thumbnail, 'image/jpeg');
      const site = state.site.trim();
      const envelope: PostEnvelope = {
        version: 1,
        content_type: 'photo',
        body: state.caption.trim(),
        photo: {
          image: image.reference,
          thumbnail: thumbnail.reference,
          width: p.width,
          height: p.height,
          thumb_width: p.thumb_width,
          thumb_height: p.thumb_height,
          ...(site === '' ? {} : { body_site: site }),
        },
      };
      const checked = core.validate_envelope(JSON.stringify(envelope), null);
      if (!checked.ok) throw new Error(JSON.stringify(checked));
      await options.send(envelope, [image, thumbnail]);
      discard();
      Object.assign(state, { caption: '', site: '', notice: m.sent });
    } catch (error) {
      state.notice = null;
      state.problem = m.sendFailed(inLang(coreError(error)));
    }
    state.busy = false;
    options.rerender();
  }

  function preview(prepared: Prepared): TemplateResult {
    const m = careText();
    const p = prepared.photo;
    return html`<figure class="care-preview">
      <img id="pf-preview" src=${prepared.url} alt=${m.previewAlt} width=${p.width} height=${p.height} />
      <figcaption id="pf-preview-info">${m.previewInfo(p.width, p.height, sizeText(p.image.length))}</figcaption>
    </figure>`;
  }

  return () => {
    const m = careText();
    return html`<form class="care-form care-photo-form" novalidate @submit=${submit} aria-labelledby="pf-title">
      <h2 id="pf-title">${m.photoTitle}</h2>
      <p class="hint" id="pf-hint">${m.choosePhotoHint}</p>
      <div class="care-field care-field--wide">
        <label for="pf-camera">${m.takePhoto}</label>
        <input id="pf-camera" type="file" accept="image/jpeg,image/png" capture="environment"
          aria-describedby="pf-hint" ?disabled=${state.preparing || state.busy} @change=${chosen} />
      </div>
      <div class="care-field care-field--wide">
        <label for="pf-file">${m.choosePhoto}</label>
        <input id="pf-file" type="file" accept="image/jpeg,image/png"
          aria-describedby="pf-hint" ?disabled=${state.preparing || state.busy} @change=${chosen} />
      </div>
      ${state.prepared === null ? nothing : preview(state.prepared)}
      <div class="care-field care-field--wide">
        <label for="pf-caption">${m.caption}</label>
        <input id="pf-caption" type="text" autocomplete="off" .value=${state.caption}
          @input=${(e: Event) => { state.caption = (e.target as HTMLInputElement).value; }} />
      </div>
      <div class="care-field care-field--wide">
        <label for="pf-site">${m.bodySiteLabel}</label>
        <input id="pf-site" type="text" autocomplete="off" maxlength="50" .value=${state.site}
          @input=${(e: Event) => { state.site = (e.target as HTMLInputElement).value; }} />
      </div>
      <div class="care-live" aria-live="polite">
        ${state.problem === null ? nothing : html`<p class="error" role="alert">${state.problem}</p>`}
        ${state.notice === null ? nothing : html`<p class="notice">${state.notice}</p>`}
      </div>
      <button type="submit" class="primary" ?disabled=${state.busy || state.preparing || state.prepared === null}>
        ${m.send}
      </button>
    </form>`;
  };
}
