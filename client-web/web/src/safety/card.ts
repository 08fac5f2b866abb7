// A `safety_answer` post in the room's timeline: the status in words with its symbol
// and colour (never colour alone), the kind of support, where the client went, the
// team's note, and which notice it answers (its signed title when this device has it).

import { html, nothing, type TemplateResult } from 'lit-html';

import type { PostEnvelope, SafetyStatus } from '../generated/types';
import { broadcastState } from '../engine/broadcasts';
import { safetyText, STATUS_ICON, statusWords } from './messages';
import { officialCheck } from './state';

import './safety.css';

/** The status tag: symbol and words, coloured by `data-status`. */
export function statusTag(status: SafetyStatus | null, text: string): TemplateResult {
  return html`<span class="safety-status" data-status=${status ?? 'unanswered'}
    ><span class="safety-status__icon" aria-hidden="true">${status === null ? '…' : STATUS_ICON[status]}</span> ${text}</span
  >`;
}

/** Which notice the answer is for: its signed title when genuine (official or expired), else why not. */
function noticeLine(broadcast: string): string {
  const m = safetyText();
  const notice = broadcastState()?.notices.find((n) => n.listed.id === broadcast);
  if (notice === undefined) return m.unknownNotice;
  const title = notice.view.broadcast?.title;
  return notice.view.standing === 'unverified' || title === undefined ? m.unverifiedNotice : m.notice(title);
}

/** The content of a safety-check answer post (the card's kind line is drawn around it). */
export function safetyContent(envelope: PostEnvelope): TemplateResult {
  const m = safetyText();
  const report = envelope.safety;
  if (report === undefined) return html``;
  const note = envelope.body.trim();
  return html`<div class="safety-answer" data-status=${report.status} data-broadcast=${report.broadcast}>
    <p class="safety-answer__status">${statusTag(report.status, statusWords(report.status, report.need))}</p>
    ${report.evacuated_to === undefined ? nothing : html`<p class="safety-answer__place">${m.placeShown(report.evacuated_to)}</p>`}
    ${note === '' ? nothing : html`<p class="care-body safety-answer__note">${note}</p>`}
    <p class="care-meta safety-answer__notice">
      ${noticeLine(report.broadcast)}
      ${officialCheck(report.broadcast) === undefined
        ? nothing
        : html`<a href=${`#/broadcasts/${report.broadcast}/safety`} class="safety-answer__link">${m.changeLink}</a>`}
    </p>
  </div>`;
}
