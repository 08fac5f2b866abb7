// `#/broadcasts/{id}/status`: the live dashboard of a notice the person's organisation
// sent: which notice (as the core verified it), how far it reached, and its safety
// check with the CSV and the button to close it. Updated live (engine/live.ts
// `onSafety`) and every 30 s (dashboard-state.ts).

import './officer.css';
import './dashboard.css';

import { html, nothing, type TemplateResult } from 'lit-html';

import type { Me } from '../api';
import type { View } from '../app';
import { broadcastState } from '../engine/broadcasts';
import { severityTag } from '../broadcasts/parts';
import { formatTime, lang } from '../i18n';
import { ensureEngine, gateView } from '../views/rooms';
import { senderName } from './announce';
import { safetyCsvHref } from './api';
import { dashboardText } from './dashboard-messages';
import { receiptsSection, safetyPart } from './dashboard-parts';
import { askClose, boardFor, confirmClose, refreshNow, type BoardState } from './dashboard-state';
import { officerText } from './messages';
import { followedOrganisations } from './roles';
import type { Words } from './roster-state';

const inLang = (w: Words): string => (lang() === 'ja' ? w.ja : w.en);

/** The notice itself, as this device verified it (nothing until the list has it). */
function noticeHead(id: string): TemplateResult | typeof nothing {
  const notice = broadcastState()?.notices.find((n) => n.listed.id === id);
  const signed = notice?.view.broadcast;
  if (notice === undefined || signed === null || signed === undefined) return nothing;
  const from = senderName(notice.listed);
  return html`<div class="officer-notice" data-severity=${signed.severity}>
    <p class="broadcast-kicker">${severityTag(signed.severity)}</p>
    <p class="broadcast-title" id="officer-notice-title">${signed.title}</p>
    ${from === null ? nothing : html`<p class="officer-muted">${officerText().from(from)}</p>`}
  </div>`;
}

function closeControls(b: BoardState): TemplateResult | typeof nothing {
  const m = dashboardText();
  if (b.safety === null || !b.safety.open) return nothing;
  if (b.closing === 'idle') {
    return html`<button type="button" class="secondary officer-close" id="officer-close" @click=${() => askClose(true)}>${m.close}</button>`;
  }
  return html`<div class="officer-close-confirm" role="group" aria-labelledby="officer-close-question">
    <p id="officer-close-question"><strong>${m.closeConfirm}</strong></p>
    ${b.closeProblem === null ? nothing : html`<p class="error" role="alert">${inLang(b.closeProblem)}</p>`}
    <div class="officer-actions">
      <button type="button" class="officer-danger" id="officer-close-yes" ?disabled=${b.closing === 'busy'} @click=${() => void confirmClose()}>
        ${b.closing === 'busy' ? m.closing : m.closeYes}
      </button>
      <button type="button" class="secondary" ?disabled=${b.closing === 'busy'} @click=${() => askClose(false)}>${m.closeNo}</button>
    </div>
  </div>`;
}

function safetySection(b: BoardState, org: string): TemplateResult {
  const m = dashboardText();
  let body: TemplateResult;
  if (b.noCheck) body = html`<p id="officer-no-check">${m.noCheck}</p>`;
  else if (b.safety === null) body = html`<p role="status">${m.loading}</p>`;
  else {
    body = html`${safetyPart(b.safety, b.fresh)}
      <p class="officer-actions">
        <a class="button secondary" id="officer-csv" href=${safetyCsvHref(org, b.id)} download="safety.csv">${m.csv}</a>
      </p>
      <p class="hint">${m.csvHint}</p>
      ${closeControls(b)}`;
  }
  return html`<section class="card officer-safety" aria-labelledby="officer-safety-heading">
    <h2 id="officer-safety-heading">${m.safetyHeading}</h2>
    ${body}
  </section>`;
}

function status(b: BoardState): TemplateResult {
  const m = dashboardText();
  return html`<div class="officer-updated">
    ${b.problem === null ? nothing : html`<p class="error" role="alert">${m.failed} ${inLang(b.problem)}</p>`}
    <p class="officer-muted">${b.updatedAt === null ? '' : m.updated(formatTime(b.updatedAt))} ${m.live}</p>
    <button type="button" class="secondary" id="officer-refresh" ?disabled=${b.loading} @click=${refreshNow}>${m.retry}</button>
  </div>`;
}

function content(me: Me, id: string): TemplateResult {
  const m = dashboardText();
  const back = html`<p><a class="button secondary" href="#/broadcasts">${officerText().backToList}</a></p>`;
  if (followedOrganisations(me).length === 0) return html`${back}<p class="error" role="alert">${m.noOrg}</p>`;
  ensureEngine(me);
  const blocked = gateView(me);
  if (blocked !== null) return html`${back}${blocked}`;
  const b = boardFor(me, id);
  if (b.org === null) {
    const list = broadcastState();
    const settled = list !== null && list.fetchedAt !== null && !list.refreshing;
    return html`${back}${settled ? html`<p class="error" role="alert">${m.unknownNotice}</p>` : html`<p role="status">${m.loading}</p>`}`;
  }
  return html`
    ${back}
    ${b.justSent ? html`<p class="notice" role="status" id="officer-sent">${m.sentNotice}</p>` : nothing}
    ${noticeHead(id)}
    ${safetySection(b, b.org)}
    ${receiptsSection(b.receipts)}
    ${status(b)}
  `;
}

export function dashboardView(me: Me, id: string): View {
  return { title: () => dashboardText().title, content: () => content(me, id) };
}
