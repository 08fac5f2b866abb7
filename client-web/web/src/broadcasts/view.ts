// `#/broadcasts`: every regional notice this device has, current ones first, each with
// its standing (公式 / 期限切れ / 未確認 NOT VERIFIED, with the core's warning in both
// languages), and, when offline or the last fetch failed, the time of the last sync.

import { html, nothing, type TemplateResult } from 'lit-html';

import type { Me } from '../api';
import { parseRoute, rerender, type View } from '../app';
import { broadcastState, markOpened, refreshBroadcasts, type BroadcastState, type Notice } from '../engine/broadcasts';
import { isAcknowledged, listSections, severityOf, standingAt } from '../engine/broadcast-rules';
import { formatTime, lang } from '../i18n';
import { ensureEngine, gateView } from '../views/rooms';
import { broadcastBoth, broadcastText } from './messages';
import { noticeImage } from './image';
import { ackButton, noticeMeta, severityTag, standingTag } from './parts';
import { sendLink, senderLine, statusLink } from '../officer/list-parts';
import { noticePrompt } from '../safety/prompt';
import { safetyView } from '../safety/view';

function warningBox(notice: Notice, standing: string): TemplateResult | typeof nothing {
  const warning = notice.view.warning;
  if (standing !== 'unverified') {
    if (warning === null) return nothing;
    return html`<p class="broadcast-warning">${lang() === 'ja' ? warning.ja : warning.en}</p>`;
  }
  // Both languages at once: nobody should miss that this one is not official.
  return html`
    <div class="broadcast-warning" data-standing="unverified" role="note">
      <p lang="ja">${broadcastBoth.ja.unverifiedNote}${warning === null ? '' : ` ${warning.ja}`}</p>
      <p lang="en">${broadcastBoth.en.unverifiedNote}${warning === null ? '' : ` ${warning.en}`}</p>
    </div>
  `;
}

function card(notice: Notice, now: number, state: BroadcastState): TemplateResult {
  const m = broadcastText();
  const standing = standingAt(notice, now);
  const signed = notice.view.broadcast;
  const severity = severityOf(notice);
  const acked = isAcknowledged(notice, state.pendingAcks);
  const waiting = state.pendingAcks.has(notice.listed.id);
  if (standing === 'official') markOpened(notice.listed.id);
  return html`
    <li class="broadcast-card" data-broadcast=${notice.listed.id} data-standing=${standing}
      data-severity=${standing === 'unverified' ? nothing : (severity ?? nothing)}>
      <p class="broadcast-kicker">${standingTag(standing)} ${standing === 'unverified' ? nothing : severityTag(severity)}</p>
      <h3 class="broadcast-title">${signed?.title ?? notice.listed.id}</h3>
      ${senderLine(notice)}
      ${noticeMeta(notice)}
      ${signed === null || signed.body === '' ? nothing : html`<p class="broadcast-body">${signed.body}</p>`}
      ${noticeImage(notice)}
      ${warningBox(notice, standing)}
      ${standing !== 'official'
        ? nothing
        : acked
          ? html`<p class="broadcast-acked" data-acked="true">✓ ${m.acknowledged}${waiting ? html` — ${m.ackWaiting}` : nothing}</p>`
          : ackButton(notice, rerender)}
      ${statusLink(notice)}
      ${standing === 'official' ? noticePrompt(notice) : nothing}
    </li>
  `;
}

function syncLine(state: BroadcastState): TemplateResult | typeof nothing {
  const m = broadcastText();
  const offline = !navigator.onLine;
  if (!offline && state.problem === null) return nothing;
  const when = state.fetchedAt === null ? m.neverSynced : m.lastSynced(formatTime(state.fetchedAt));
  return html`
    <div class="broadcast-sync" role="status">
      ${offline ? html`<p>${m.offlineList}</p>` : nothing}
      ${state.problem === null ? nothing : html`<p class="error">${lang() === 'ja' ? state.problem.ja : state.problem.en}</p>`}
      <p id="broadcast-last-synced">${when}</p>
    </div>
  `;
}

/** Roster conflicts (in both languages) and the pinned fingerprints to compare. */
function rosterPart(state: BroadcastState): TemplateResult | typeof nothing {
  const m = broadcastText();
  const conflicts = state.refusedRosters.length === 0
    ? nothing
    : html`<div class="error" role="alert" id="broadcast-roster-conflict">
        <p lang="ja">${broadcastBoth.ja.rosterConflict}</p>
        <p lang="en">${broadcastBoth.en.rosterConflict}</p>
        ${state.refusedRosters.map((e) => html`<p lang="ja">${e.ja}</p><p lang="en">${e.en}</p>`)}
      </div>`;
  const pins = state.pins.length === 0
    ? nothing
    : html`<details class="card broadcast-pins">
        <summary>${m.pinsHeading}</summary>
        <ul>
          ${state.pins.map((p) => html`<li>
            ${m.pinned(p.organisation, formatTime(p.pinnedAt))}<br />${m.fingerprint}
            <code class="broadcast-fingerprint">${p.fingerprint}</code>
          </li>`)}
        </ul>
      </details>`;
  return html`${conflicts} ${pins}`;
}

async function doRefresh(): Promise<void> {
  try {
    await refreshBroadcasts();
  } catch {
    // The problem is shown from the state.
  }
  rerender();
}

function content(person: Me): TemplateResult {
  ensureEngine(person);
  const blocked = gateView(person);
  if (blocked !== null) return blocked;
  const m = broadcastText();
  const state = broadcastState();
  if (state === null) return html`<p role="status">${m.refreshing}</p>`;
  const now = Date.now();
  const { current, past } = listSections(state.notices, now);
  return html`
    <p><a class="button secondary" href="#/">${m.backToRooms}</a></p>
    ${sendLink()}
    ${syncLine(state)}
    <section aria-labelledby="broadcasts-current" class="broadcasts">
      <h2 id="broadcasts-current">${m.current}</h2>
      ${current.length === 0
        ? html`<p id="no-broadcasts">${m.none}</p>`
        : html`<ul class="broadcast-list">${current.map((n) => card(n, now, state))}</ul>`}
    </section>
    <section aria-labelledby="broadcasts-past" class="broadcasts">
      <h2 id="broadcasts-past">${m.past}</h2>
      ${past.length === 0 ? html`<p>${m.nonePast}</p>` : html`<ul class="broadcast-list">${past.map((n) => card(n, now, state))}</ul>`}
    </section>
    ${rosterPart(state)}
    <button type="button" class="secondary" id="broadcasts-refresh" ?disabled=${state.refreshing} @click=${doRefresh}>
      ${state.refreshing ? m.refreshing : m.refresh}
    </button>
  `;
}

export function broadcastsView(person: Me): View {
  // `#/broadcasts/{id}/safety[/{room}]`: the care team's safety check of one notice.
  const route = parseRoute(location.hash);
  if (route.name === 'broadcasts' && route.safety !== undefined) return safetyView(person, route.safety.broadcast, route.safety.room);
  return {
    title: () => broadcastText().title,
    content: () => content(person),
  };
}
