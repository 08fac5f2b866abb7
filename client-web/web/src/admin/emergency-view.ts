// `#/admin/ORG/emergency`: the facility's emergency (break-glass) accounts — what they
// are for, whether a disaster is declared over the facility, each account's state
// and why it may sign in now, approving, ending and resealing, and preparing a new
// one. The list reloads by itself when the live alert says one signed in. A person
// the server refuses sees its words and nothing else.

import './emergency.css';

import { html, nothing, type TemplateResult } from 'lit-html';

import type { Me } from '../api';
import { parseRoute, rerender, type View } from '../app';
import { ApiError, describeError } from '../http';
import { errorBox, noticeBox } from '../views/parts';
import { ensureEngine } from '../views/rooms';
import { listStaff } from './api';
import { approve, askEnd, endDialog, reseal } from './emergency-actions';
import { rememberAccounts, whileShowing } from './emergency-alert';
import { listEmergency } from './emergency-api';
import { linkStillNeeded } from './emergency-rules';
import { declarerName, emergencyTable, type ListActions } from './emergency-list';
import { emergencyText } from './emergency-messages';
import { facilityTabs } from './emergency-nav';
import { issuedBox, prepareForm } from './emergency-prepare';
import { newScreen, type EmergencyScreen } from './emergency-state';
import { adminText } from './messages';
import { cachedOrganisations, fetchOrganisations, fromRoles } from './model';

async function load(screen: EmergencyScreen): Promise<void> {
  screen.loading = true;
  rerender();
  try {
    screen.list = await listEmergency(screen.orgId);
    rememberAccounts(screen.orgId, screen.list.accounts);
    // Enrolled meanwhile (sealed): its one-time link is spent, so it goes.
    if (screen.issued !== null && !linkStillNeeded(screen.issued.userId, screen.list.accounts)) screen.issued = null;
    screen.denied = null;
  } catch (error) {
    if (error instanceof ApiError && (error.status === 403 || error.status === 404)) screen.denied = () => describeError(error);
    else screen.problem = () => describeError(error);
  }
  screen.loading = false;
  rerender();
}

/** Names: the facility and the organisations this person administers; staff for who approved. */
async function loadNames(screen: EmergencyScreen): Promise<void> {
  const orgs = cachedOrganisations(screen.me) ?? (await fetchOrganisations(screen.me).catch(() => []));
  screen.known = orgs.map((o) => ({ id: o.id, name: o.name, parentId: o.parentId }));
  screen.orgName = orgs.find((o) => o.id === screen.orgId)?.name ?? screen.orgName;
  const staff = await listStaff(screen.orgId).catch(() => []);
  screen.names = new Map(staff.map((s) => [s.userId, s.displayName]));
  rerender();
}

function about(): TemplateResult {
  const m = emergencyText();
  return html`
    <section class="card admin-section emergency-about" aria-labelledby="emergency-about-title">
      <h2 id="emergency-about-title">${m.explainTitle}</h2>
      ${m.explain.map((p) => html`<p>${p}</p>`)}
    </section>
  `;
}

function disasterNotice(screen: EmergencyScreen): TemplateResult | typeof nothing {
  const declared = screen.list?.declaredBy ?? [];
  if (declared.length === 0) return nothing;
  const who = declared.map((id) => declarerName(screen, id)).join('、');
  return html`<p class="emergency-disaster" id="emergency-disaster"><strong>${emergencyText().disasterNow(who)}</strong></p>`;
}

function content(screen: EmergencyScreen, reload: () => Promise<void>): TemplateResult {
  const a = adminText();
  if (screen.denied !== null) {
    return html`
      <p class="error admin-denied" role="alert">${a.notPermitted}</p>
      <p class="admin-server-says">${screen.denied()}</p>
      <p><a class="button secondary" href="#/">${a.backHome}</a></p>
    `;
  }
  // With no account yet, what they are for comes first; after that, last.
  const firstVisit = (screen.list?.accounts.length ?? 0) === 0;
  const act: ListActions = {
    approve: (account) => void approve(screen, account, reload),
    end: (account) => askEnd(screen, account),
    reseal: (account) => void reseal(screen, account, reload),
    refresh: () => void reload(),
  };
  return html`
    ${facilityTabs(screen.me, screen.orgId, 'emergency')}
    <div class="admin-wide emergency-screen">
      <p><a class="button secondary" href="#/admin">${a.backAdmin}</a></p>
      ${disasterNotice(screen)}
      <div id="emergency-status" tabindex="-1">${errorBox(screen.problem?.() ?? null)} ${noticeBox(screen.notice?.() ?? null)}</div>
      ${firstVisit ? about() : nothing} ${issuedBox(screen)} ${emergencyTable(screen, act)} ${prepareForm(screen, reload)}
      ${firstVisit ? nothing : about()} ${endDialog(screen, reload)}
    </div>
  `;
}

/** Whether this screen (of this facility) is the one showing. */
function showing(orgId: string): boolean {
  const route = parseRoute(location.hash);
  return route.name === 'admin' && route.orgId === orgId && route.section === 'emergency';
}

export function emergencyView(me: Me, orgId: string): View {
  const screen = newScreen(me, orgId, fromRoles(me, orgId).name);
  const reload = (): Promise<void> => load(screen);
  void reload();
  void loadNames(screen);
  // Alerts come over the live connection, which the engine keeps open.
  ensureEngine(me);
  whileShowing(() => {
    if (showing(orgId)) void reload();
  });
  return {
    title: () => {
      const m = emergencyText();
      return screen.orgName === null || screen.orgName === '' ? m.title : m.titleOf(screen.orgName);
    },
    content: () => content(screen, reload),
  };
}
