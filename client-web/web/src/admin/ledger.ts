// The reset ledger: every identity-verified reset, newest first, and the server's
// CSV export downloaded through a blob: URL (so a refusal shows as words, not as a
// file of JSON).

import { html, type TemplateResult } from 'lit-html';

import { describeError } from '../http';
import { rerender } from '../app';
import { formatTime } from '../i18n';
import { errorBox } from '../views/parts';
import { resetLedgerCsv } from './api';
import { adminText } from './messages';
import { methodName } from './vocab';
import { nameOf, type FacilityState } from './state';

async function download(state: FacilityState): Promise<void> {
  state.ledgerNotice = null;
  state.ledgerProblem = null;
  try {
    const blob = await resetLedgerCsv(state.orgId);
    const url = URL.createObjectURL(blob);
    const a = document.createElement('a');
    a.href = url;
    a.download = `reset-ledger-${state.orgId.slice(0, 8)}-${new Date().toISOString().slice(0, 10)}.csv`;
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 60_000);
    state.ledgerNotice = () => adminText().downloaded;
  } catch (error) {
    state.ledgerProblem = () => describeError(error);
  }
  rerender();
}

function table(state: FacilityState): TemplateResult {
  const m = adminText();
  const lines = state.ledger;
  if (lines === null) return html`<p role="status">${m.loadingList}</p>`;
  if (lines.length === 0) return html`<p>${m.ledgerEmpty}</p>`;
  const newest = [...lines].sort((a, b) => b.at.localeCompare(a.at));
  return html`
    <table class="admin-table" id="admin-ledger">
      <caption class="admin-sr">${m.ledgerTitle}</caption>
      <thead>
        <tr>
          <th scope="col">${m.colWhen}</th>
          <th scope="col">${m.colPerson}</th>
          <th scope="col">${m.colMethod}</th>
          <th scope="col">${m.colNote}</th>
          <th scope="col">${m.colVerifier}</th>
        </tr>
      </thead>
      <tbody>
        ${newest.map(
          (line) => html`<tr>
            <th scope="row" data-label=${m.colWhen}>${formatTime(Date.parse(line.at))}</th>
            <td data-label=${m.colPerson}>${nameOf(state, line.userId)}</td>
            <td data-label=${m.colMethod}>${methodName(line.method)}</td>
            <td data-label=${m.colNote} class="admin-note">${line.note}</td>
            <td data-label=${m.colVerifier}>${nameOf(state, line.performedBy)}</td>
          </tr>`,
        )}
      </tbody>
    </table>
  `;
}

export function ledgerSection(state: FacilityState): TemplateResult {
  const m = adminText();
  return html`
    <section class="card admin-section" aria-labelledby="admin-ledger-title">
      <h2 id="admin-ledger-title">${m.ledgerTitle}</h2>
      <p class="hint">${m.ledgerExplain}</p>
      ${table(state)}
      <button type="button" class="secondary admin-download" @click=${() => void download(state)}>${m.downloadCsv}</button>
      <p class="admin-live" role="status" aria-live="polite">${state.ledgerNotice?.() ?? ''}</p>
      ${errorBox(state.ledgerProblem?.() ?? null)}
    </section>
  `;
}
