// The facility's emergency accounts: a table on wide screens, one card per account on
// phones (admin.css), each with its state in plain words, its last sign-in, why it
// may sign in now, the approvals waiting for a second administrator, and its actions.

import { html, nothing, type TemplateResult } from 'lit-html';

import { formatTime } from '../i18n';
import type { EmergencyAccount } from './emergency-model';
import { actionsFor, declarer, waitingForSecond, type EmergencyAction } from './emergency-rules';
import { emergencyText } from './emergency-messages';
import { adminName, type EmergencyScreen } from './emergency-state';

export interface ListActions {
  approve(account: EmergencyAccount): void;
  end(account: EmergencyAccount): void;
  reseal(account: EmergencyAccount): void;
  refresh(): void;
}

/** Who declared a disaster, in words. */
export function declarerName(screen: EmergencyScreen, orgId: string): string {
  const m = emergencyText();
  const who = declarer(orgId, screen.orgId, screen.known);
  if (who.kind === 'named') return who.name;
  return who.kind === 'parent' ? m.orgParent : m.orgAbove;
}

function whyUsable(screen: EmergencyScreen, account: EmergencyAccount, stateWord: string): string {
  const m = emergencyText();
  const admission = account.admission;
  if (admission === null) return m.notUsable(stateWord);
  if (admission.by === 'disaster') return m.byDisaster(declarerName(screen, admission.organisation));
  return m.byApproval(formatTime(admission.until));
}

function approvals(screen: EmergencyScreen, account: EmergencyAccount): TemplateResult | typeof nothing {
  if (account.pendingApprovals.length === 0) return nothing;
  const m = emergencyText();
  const names = account.pendingApprovals.map((id) => adminName(screen, id)).join('、');
  return html`<p class="emergency-approvals">${m.approvedBy(names)}</p>
    ${waitingForSecond(account, screen.me.userId) ? html`<p class="hint">${m.youApproved}</p>` : nothing}`;
}

function button(screen: EmergencyScreen, account: EmergencyAccount, action: EmergencyAction, act: ListActions): TemplateResult {
  const m = emergencyText();
  const label = `【緊急用】${account.label}`;
  const busy = screen.busy;
  switch (action) {
    case 'approve': {
      const mine = waitingForSecond(account, screen.me.userId);
      return html`<button type="button" class="primary" ?disabled=${busy || mine} aria-label=${m.approveLabel(label)} @click=${() => act.approve(account)}>
        ${m.approve}
      </button>`;
    }
    case 'end':
      return html`<button type="button" class="admin-danger" ?disabled=${busy} aria-label=${m.endLabel(label)} @click=${() => act.end(account)}>${m.end}</button>`;
    case 'reseal': {
      const fresh = account.state === 'awaiting_enrolment';
      return html`<button type="button" class="secondary" ?disabled=${busy} aria-label=${fresh ? m.newLinkLabel(label) : m.resealLabel(label)}
        @click=${() => act.reseal(account)}>${fresh ? m.newLink : m.reseal}</button>`;
    }
  }
}

function row(screen: EmergencyScreen, account: EmergencyAccount, act: ListActions): TemplateResult {
  const m = emergencyText();
  const stateWord = account.state === 'unknown' ? account.rawState : m.states[account.state];
  return html`
    <tr data-account=${account.userId} data-state=${account.rawState}>
      <th scope="row" data-label=${m.colLabel}>【緊急用】${account.label}</th>
      <td data-label=${m.colLogin} class="admin-login">${account.loginId}</td>
      <td data-label=${m.colState}>
        <span class="admin-state emergency-state emergency-state-${account.rawState}">${stateWord}</span>
        ${account.sealedAt === null ? nothing : html`<span class="hint emergency-sealed-at">${m.sealedAt(formatTime(account.sealedAt))}</span>`}
      </td>
      <td data-label=${m.colWhy} class="emergency-why">
        <span class="emergency-admission">${whyUsable(screen, account, stateWord)}</span> ${approvals(screen, account)}
      </td>
      <td data-label=${m.colLast} class="admin-last">${account.lastSignInAt === null ? m.never : formatTime(account.lastSignInAt)}</td>
      <td data-label=${m.colActions}>
        <div class="admin-actions emergency-actions">${actionsFor(account).map((a) => button(screen, account, a, act))}</div>
      </td>
    </tr>
  `;
}

export function emergencyTable(screen: EmergencyScreen, act: ListActions): TemplateResult {
  const m = emergencyText();
  const list = screen.list;
  let body: TemplateResult;
  if (list === null) body = html`<p role="status">${m.loading}</p>`;
  else if (list.accounts.length === 0) body = html`<p>${m.listEmpty}</p>`;
  else {
    body = html`
      <table class="admin-table" id="emergency-accounts">
        <caption class="admin-sr">${m.listTitle}</caption>
        <thead>
          <tr>
            <th scope="col">${m.colLabel}</th>
            <th scope="col">${m.colLogin}</th>
            <th scope="col">${m.colState}</th>
            <th scope="col">${m.colWhy}</th>
            <th scope="col">${m.colLast}</th>
            <th scope="col">${m.colActions}</th>
          </tr>
        </thead>
        <tbody>
          ${list.accounts.map((account) => row(screen, account, act))}
        </tbody>
      </table>
    `;
  }
  return html`
    <section class="card admin-section" aria-labelledby="emergency-list-title" aria-busy=${screen.loading ? 'true' : 'false'}>
      <div class="admin-section-head">
        <h2 id="emergency-list-title" tabindex="-1">${m.listTitle}</h2>
        <button type="button" class="secondary" ?disabled=${screen.busy || screen.loading} @click=${act.refresh}>${m.refresh}</button>
      </div>
      ${body}
    </section>
  `;
}
