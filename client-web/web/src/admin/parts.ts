// Pieces the administration screens share: a one-time link with copy button,
// expiry and QR code; a select field; and state-change announcements.

import { html, svg, nothing, type TemplateResult } from 'lit-html';
import { encode } from 'uqr';

import { formatTime } from '../i18n';
import type { IssuedLink } from './api';
import { adminText } from './messages';

/** The QR code of a link as SVG squares (presentation attributes only; the CSP forbids inline styles). */
function qrCode(payload: string, label: string): TemplateResult {
  const { data, size } = encode(payload, { ecc: 'M', border: 2 });
  let path = '';
  data.forEach((row, y) =>
    row.forEach((dark, x) => {
      if (dark) path += `M${x} ${y}h1v1h-1z`;
    }),
  );
  return html`<svg class="admin-qr" role="img" aria-label=${label} viewBox="0 0 ${size} ${size}" width="220" height="220">
    ${svg`<rect width=${size} height=${size} fill="#fff"></rect><path d=${path} fill="#000"></path>`}
  </svg>`;
}

export interface LinkState {
  issued: IssuedLink;
  /** Who the link is for. */
  name: string;
  copied: 'yes' | 'failed' | null;
}

/** A freshly issued one-time link: heading, copyable text, copy button, expiry, QR. */
export function linkBox(id: string, heading: string, state: LinkState, onCopy: () => void): TemplateResult {
  const m = adminText();
  return html`
    <section class="admin-link card" aria-labelledby="${id}-title">
      <h3 id="${id}-title" tabindex="-1">${heading}</h3>
      <div class="field">
        <label for="${id}-url">${m.linkLabel}</label>
        <div class="admin-copy-row">
          <input id="${id}-url" type="text" readonly .value=${state.issued.link} aria-describedby="${id}-expiry" />
          <button type="button" class="secondary" @click=${onCopy}>${m.copy}</button>
        </div>
        <p class="hint" id="${id}-expiry">${m.linkExpires(formatTime(state.issued.expiresAt))}</p>
      </div>
      <p class="admin-live" role="status" aria-live="polite">
        ${state.copied === 'yes' ? m.copied : state.copied === 'failed' ? m.copyFailed : ''}
      </p>
      <figure class="admin-qr-box">
        ${qrCode(state.issued.qrPayload, m.qrLabel(state.name))}
        <figcaption class="hint">${m.qrHint}</figcaption>
      </figure>
    </section>
  `;
}

/** Copies a link; falls back to selecting it so a long press copies it. */
export async function copyLink(inputId: string, link: string): Promise<boolean> {
  try {
    await navigator.clipboard.writeText(link);
    return true;
  } catch {
    const input = document.getElementById(inputId);
    if (input instanceof HTMLInputElement) {
      input.focus();
      input.select();
    }
    return false;
  }
}

export interface SelectOptions {
  id: string;
  label: string;
  options: { value: string; text: string }[];
  value?: string;
  hint?: string;
}

export function selectField(o: SelectOptions): TemplateResult {
  return html`
    <div class="field">
      <label for=${o.id}>${o.label}</label>
      ${o.hint === undefined ? nothing : html`<p class="hint" id="${o.id}-hint">${o.hint}</p>`}
      <select id=${o.id} name=${o.id} class="admin-select" aria-describedby=${o.hint === undefined ? nothing : `${o.id}-hint`}>
        ${o.options.map((opt) => html`<option value=${opt.value} ?selected=${opt.value === o.value}>${opt.text}</option>`)}
      </select>
    </div>
  `;
}
