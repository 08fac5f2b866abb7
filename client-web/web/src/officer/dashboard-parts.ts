// The dashboard's sections: how far the notice reached per organisation, and the
// safety check (totals in a polite live region, new 要支援 rooms in an alert, the
// rooms needing support with the facility to call, the totals per facility).
// Bars are <progress> elements: the CSP allows no inline style for widths.

import { html, nothing, type TemplateResult } from 'lit-html';

import { formatTime } from '../i18n';
import { dashboardText } from './dashboard-messages';
import { answered, percent, receiptSum, roomsInScope, STATUS_ORDER, type FacilitySafety, type NeedsSupportRoom, type OrgReceipts, type SafetyBoard, type StatusCounts } from './totals';

type Step = 'delivered' | 'opened' | 'acknowledged';
const STEPS: readonly Step[] = ['delivered', 'opened', 'acknowledged'];

function meters(r: Omit<OrgReceipts, 'organisation' | 'name'>): TemplateResult {
  const m = dashboardText();
  return html`<dl class="officer-meters">
    ${STEPS.map((step) => html`<div class="officer-meter" data-step=${step}>
      <dt>${m[step]}</dt>
      <dd><span class="officer-meter-count">${m.ofWhom(r[step], r.recipients, percent(r[step], r.recipients))}</span>
        <progress max=${Math.max(r.recipients, 1)} .value=${Math.min(r[step], r.recipients)} aria-hidden="true"></progress></dd>
    </div>`)}
  </dl>`;
}

/** Receipts overall and per organisation in scope (the sender first, as the server orders). */
export function receiptsSection(receipts: OrgReceipts[] | null): TemplateResult {
  const m = dashboardText();
  const body = receipts === null
    ? html`<p role="status">${m.loading}</p>`
    : receipts.length === 0
      ? html`<p>${m.receiptsNone}</p>`
      : html`
        <div class="officer-org-receipts" data-org="all">
          <h3>${m.allOrgs} <span class="officer-muted">${m.recipients(receiptSum(receipts).recipients)}</span></h3>
          ${meters(receiptSum(receipts))}
        </div>
        <ul class="officer-org-list">
          ${receipts.map((o) => html`<li class="officer-org-receipts" data-org=${o.organisation}>
            <h3>${o.name} <span class="officer-muted">${m.recipients(o.recipients)}</span></h3>
            ${meters(o)}
          </li>`)}
        </ul>`;
  return html`<section class="card officer-receipts" aria-labelledby="officer-receipts-heading">
    <h2 id="officer-receipts-heading">${m.receiptsHeading}</h2>
    ${body}
  </section>`;
}

function tiles(c: StatusCounts): TemplateResult {
  const m = dashboardText();
  return html`<ul class="officer-tiles">
    ${STATUS_ORDER.map((s) => html`<li class="officer-tile" data-status=${s} data-count=${c[s]}>
      <span class="officer-tile-label">${m.status[s]}</span> <span class="officer-tile-count">${c[s]}</span>
    </li>`)}
    <li class="officer-tile" data-status="unanswered" data-count=${c.unanswered}>
      <span class="officer-tile-label">${m.unanswered}</span> <span class="officer-tile-count">${c.unanswered}</span>
    </li>
  </ul>`;
}

const needWord = (n: NeedsSupportRoom): string => (n.need === null ? dashboardText().needUnknown : dashboardText().need[n.need]);

function needsList(board: SafetyBoard): TemplateResult {
  const m = dashboardText();
  if (board.needsSupport.length === 0) return html`<p id="officer-needs-none">${m.needsNone}</p>`;
  return html`<ol class="officer-needs" id="officer-needs-list">
    ${board.needsSupport.map((n) => html`<li data-room=${n.room} data-facility=${n.facility}>
      <strong class="officer-needs-facility">${n.facilityName}</strong>
      <span class="officer-need-tag">${needWord(n)}</span>
      <span class="officer-muted">${m.answeredAt(formatTime(n.answeredAt))} · ${m.room(n.room.slice(0, 8))}</span>
    </li>`)}
  </ol>`;
}

function facilityItem(f: FacilitySafety): TemplateResult {
  const m = dashboardText();
  const c = f.totals;
  return html`<li class="officer-facility" data-facility=${f.facility} data-unanswered=${c.unanswered}>
    <h4>${f.name} <span class="officer-muted">${m.facilityRooms(f.rooms)}</span></h4>
    <p>${STATUS_ORDER.map((s) => html`<span class="officer-count" data-status=${s}>${m.status[s]} ${c[s]}</span> `)}
      <span class="officer-count" data-status="unanswered"><strong>${m.unansweredRooms(c.unanswered)}</strong></span></p>
  </li>`;
}

/** The safety check: open or closed, totals (a polite live region), new 要支援 (alert), lists. */
export function safetyPart(board: SafetyBoard, fresh: NeedsSupportRoom[]): TemplateResult {
  const m = dashboardText();
  const c = board.totals;
  const state = board.open ? m.open : board.closedAt === null ? m.closedNoTime : m.closed(formatTime(board.closedAt));
  return html`
    <p class="officer-check-state" data-open=${board.open ? 'true' : 'false'} id="officer-check-state">${state}</p>
    <div id="officer-safety-totals" class="officer-safety-totals" aria-live="polite" aria-atomic="true">
      <p class="officer-answered">${m.answered(answered(c), roomsInScope(c))}</p>
      ${tiles(c)}
    </div>
    ${fresh.length === 0
      ? nothing
      : html`<div class="officer-new-needs" role="alert" id="officer-needs-alert">
          <p class="error">${m.newNeeds(fresh.map((n) => m.needsItem(n.facilityName, needWord(n))).join('、'))}</p>
        </div>`}
    <h3>${m.needsHeading}</h3>
    ${needsList(board)}
    <h3>${m.facilitiesHeading}</h3>
    <ul class="officer-facilities">${board.facilities.map(facilityItem)}</ul>
  `;
}
