// Pieces of the send screen: the preview of the banner (drawn with the banner's own
// classes and severity tag, so it looks as recipients will see it; for 緊急 also the
// full screen), the roster section, and the 緊急 confirmation.

import { html, nothing, type TemplateResult } from 'lit-html';

import { broadcastText } from '../broadcasts/messages';
import { severityTag } from '../broadcasts/parts';
import { lang } from '../i18n';
import { backToEdit, submit } from './send-state';
import type { Draft } from './draft';
import { officerBoth, officerText } from './messages';
import { copyLine, publish, recheck, type RosterState, type Words } from './roster-state';

const inLang = (w: Words): string => (lang() === 'ja' ? w.ja : w.en);

/** The banner as recipients will see it (not a live region, not focusable: a picture). */
export function preview(draft: Draft): TemplateResult {
  const m = officerText();
  const b = broadcastText();
  const title = draft.title.trim();
  const area = draft.area.trim();
  const tags = html`${draft.safetyCheck ? html`<span class="officer-flag">${m.previewSafety}</span>` : nothing}
    ${draft.includeFamilies ? html`<span class="officer-flag">${m.previewFamilies}</span>` : nothing}`;
  const banner = html`<div class="broadcast-banner officer-preview-banner" data-severity=${draft.severity}>
    <p class="broadcast-kicker">${severityTag(draft.severity)} <span class="broadcast-from">${b.banner}</span></p>
    <p class="broadcast-title">${title}</p>
    ${area === '' ? nothing : html`<p class="broadcast-area">${b.area(area)}</p>`}
    <div class="broadcast-actions"><span class="button primary broadcast-ack" aria-hidden="true">${b.acknowledge}</span></div>
  </div>`;
  const full = draft.severity !== 'emergency' ? nothing : html`
    <p class="hint">${m.previewFull}</p>
    <div class="officer-preview-full">
      <div class="broadcast-overlay-box" data-severity="emergency">
        <p class="broadcast-kicker">${severityTag('emergency')} <span class="broadcast-from">${b.emergencyLabel}</span></p>
        <p class="broadcast-title">${title}</p>
        ${area === '' ? nothing : html`<p class="broadcast-area">${b.area(area)}</p>`}
        ${draft.body.trim() === '' ? nothing : html`<p class="broadcast-body">${draft.body.trim()}</p>`}
      </div>
    </div>`;
  return html`
    <section class="card officer-preview" aria-labelledby="officer-preview-heading" id="officer-preview">
      <h2 id="officer-preview-heading">${m.previewHeading}</h2>
      ${title === '' ? html`<p class="hint">${m.previewEmpty}</p>` : html`${banner}${full}`}
      <p class="officer-flags">${tags}</p>
    </section>
  `;
}

/** The 緊急 confirmation: what it will do, the notice once more, send or go back. */
export function confirmPanel(draft: Draft, sending: boolean): TemplateResult {
  const m = officerText();
  return html`
    <section class="officer-confirm" aria-labelledby="officer-confirm-heading" aria-describedby="officer-confirm-text">
      <h2 id="officer-confirm-heading" tabindex="-1">${m.confirmHeading}</h2>
      <p id="officer-confirm-text" class="officer-confirm-text">${m.confirmText}</p>
      ${preview(draft)}
      <div class="officer-actions">
        <button type="button" class="officer-danger" id="officer-confirm-send" ?disabled=${sending} @click=${submit}>
          ${sending ? m.sending : m.confirmSend}
        </button>
        <button type="button" class="secondary" id="officer-confirm-back" ?disabled=${sending} @click=${backToEdit}>${m.confirmBack}</button>
      </div>
    </section>
  `;
}

/** Said in both languages at once: why this device cannot send. */
function both(key: 'rosterNone' | 'rosterNoneOffer' | 'rosterNotListedOffer'): TemplateResult {
  return html`<p lang="ja">${officerBoth.ja[key]}</p><p lang="en">${officerBoth.en[key]}</p>`;
}

function officerLineBox(roster: RosterState): TemplateResult | typeof nothing {
  if (roster.line === null) return nothing;
  const m = officerText();
  return html`
    <details class="officer-whoami" ?open=${roster.standing?.kind === 'not_listed'}>
      <summary>${m.whoamiShow}</summary>
      <p class="officer-line-label" id="officer-line-label">${m.whoamiHeading}</p>
      <code class="officer-line" id="officer-line" aria-labelledby="officer-line-label">${roster.line}</code>
      <button type="button" class="secondary" id="officer-line-copy" @click=${() => void copyLine()}>${m.copy}</button>
      <p class="officer-live" role="status">${roster.copied === 'yes' ? m.copied : roster.copied === 'failed' ? m.copyFailed : ''}</p>
    </details>
  `;
}

function standingPart(roster: RosterState): TemplateResult | typeof nothing {
  const m = officerText();
  const s = roster.standing;
  if (s === null) return nothing;
  switch (s.kind) {
    case 'listed':
      return html`<p class="notice" id="officer-roster-status" data-standing="listed">${m.rosterListed(s.version, s.officers)}</p>`;
    case 'none':
      return html`<div class="error officer-roster-problem" id="officer-roster-status" data-standing="none">${both('rosterNone')}${both('rosterNoneOffer')}</div>
        <button type="button" class="primary" id="officer-publish-roster" ?disabled=${roster.publishing} @click=${() => void publish()}>
          ${roster.publishing ? m.publishing : m.publish}
        </button>`;
    case 'not_listed':
      return html`<div class="error officer-roster-problem" id="officer-roster-status" data-standing="not_listed">
        <p lang="ja">${officerBoth.ja.rosterNotListed(s.version)}</p><p lang="en">${officerBoth.en.rosterNotListed(s.version)}</p>
        ${both('rosterNotListedOffer')}
      </div>`;
    case 'unreadable':
      return html`<p class="error" id="officer-roster-status" data-standing="unreadable">${m.rosterUnreadable}</p>`;
  }
}

/** Where this device stands on the roster, and what to do about it. */
export function rosterSection(roster: RosterState): TemplateResult {
  const m = officerText();
  return html`
    <section class="card officer-roster" aria-labelledby="officer-roster-heading" aria-busy=${roster.checking ? 'true' : 'false'}>
      <h2 id="officer-roster-heading" tabindex="-1">${m.rosterHeading}</h2>
      ${roster.checking ? html`<p role="status">${m.rosterChecking}</p>` : standingPart(roster)}
      ${roster.published === null ? nothing : html`<p class="notice" role="status" id="officer-roster-published">${m.published(roster.published)}</p>`}
      ${roster.refused.map((e) => html`<div class="error" role="alert"><p lang="ja">${e.ja}</p><p lang="en">${e.en}</p></div>`)}
      ${roster.problem === null ? nothing : html`<div class="error" role="alert" id="officer-roster-problem">
            <p>${roster.problem.during === 'check' ? `${m.rosterFailed} ` : ''}${inLang(roster.problem.words)}</p>
          </div>
          <button type="button" class="secondary" @click=${recheck}>${m.rosterRetry}</button>`}
      ${officerLineBox(roster)}
    </section>
  `;
}
