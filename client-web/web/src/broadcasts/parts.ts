// Pieces the banner, the full-screen 緊急 and the list share: the severity tag (a
// symbol and words, with its colour), the standing tag, and the acknowledge button.

import { html, nothing, type TemplateResult } from 'lit-html';

import type { Severity, Standing } from '../generated/types';
import { acknowledge, type Notice } from '../engine/broadcasts';
import { formatTime } from '../i18n';
import { broadcastText, SEVERITY_ICON } from './messages';

/** 情報 / 注意 / 警戒 / 緊急 with its symbol; the colour is only a help. */
export function severityTag(severity: Severity | null): TemplateResult | typeof nothing {
  if (severity === null) return nothing;
  return html`<span class="severity-tag" data-severity=${severity}
    ><span class="severity-icon" aria-hidden="true">${SEVERITY_ICON[severity]}</span> ${broadcastText().severity[severity]}</span
  >`;
}

export function standingTag(standing: Standing): TemplateResult {
  return html`<span class="standing-tag" data-standing=${standing}>${broadcastText().standing[standing]}</span>`;
}

/** Area, issue and expiry lines of a readable notice. */
export function noticeMeta(notice: Notice): TemplateResult | typeof nothing {
  const signed = notice.view.broadcast;
  if (signed === null) return nothing;
  const m = broadcastText();
  return html`
    <p class="broadcast-area">${m.area(signed.area)}</p>
    <p class="broadcast-times">${m.issued(formatTime(signed.issued_at))} · ${m.expires(formatTime(signed.expires_at))}</p>
  `;
}

const sending = new Set<string>();

async function doAcknowledge(id: string, redraw: () => void): Promise<void> {
  if (sending.has(id)) return;
  sending.add(id);
  redraw();
  try {
    await acknowledge(id);
  } catch {
    // The notice stays in the banner; the person can press again.
  }
  sending.delete(id);
  redraw();
}

/** 確認しました: records the acknowledgement (sent later when offline). */
export function ackButton(notice: Notice, redraw: () => void, id?: string): TemplateResult {
  const m = broadcastText();
  const busy = sending.has(notice.listed.id);
  return html`<button
    type="button"
    class="primary broadcast-ack"
    id=${id ?? nothing}
    data-broadcast=${notice.listed.id}
    ?disabled=${busy}
    @click=${() => doAcknowledge(notice.listed.id, redraw)}
  >
    ${busy ? m.acknowledging : m.acknowledge}
  </button>`;
}
