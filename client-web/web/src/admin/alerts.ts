// `#/admin/ORG/alerts`: the facility's security alerts (issue 16). Open ones in
// plain words (who, what, when), each closed with a note of what was checked and
// done; closed ones with their notes. The server decides who may see them (the
// facility's administrators and the system administrator) and words its refusals.

import { html, nothing, type TemplateResult } from 'lit-html';

import type { Me } from '../api';
import { rerender, type View } from '../app';
import { ApiError, describeError, http } from '../http';
import { errorBox, noticeBox } from '../views/parts';
import { alertsText } from './alerts-messages';
import { facilityTabs } from './emergency-nav';
import { adminText } from './messages';

/** One alert as the server sends it (server/src/service/alerts.rs `AlertView`). */
export interface Alert {
  id: string;
  kind: string;
  person: { user_id: string; display_name: string; login_id: string } | null;
  address: string | null;
  first_at: number;
  last_at: number;
  count: number;
  detail: Record<string, unknown>;
  raised_at: number;
  closed: { at: number; by: { display_name: string }; note: string } | null;
}

const path = (orgId: string): string => `/organisations/${encodeURIComponent(orgId)}/alerts`;

export async function listAlerts(orgId: string, state: 'open' | 'closed'): Promise<Alert[]> {
  const answer = await http.json<unknown>('GET', `${path(orgId)}?state=${state}`);
  return Array.isArray(answer) ? (answer as Alert[]) : [];
}

export async function closeAlert(orgId: string, id: string, note: string): Promise<Alert> {
  return http.json<Alert>('POST', `${path(orgId)}/${encodeURIComponent(id)}/close`, { note });
}

/** How many open alerts the facility has (for the navigation's badge); null when not allowed. */
const openCounts = new Map<string, number>();
export function openAlertCount(orgId: string): number | null {
  return openCounts.get(orgId) ?? null;
}
export async function refreshOpenCount(orgId: string): Promise<void> {
  try {
    openCounts.set(orgId, (await listAlerts(orgId, 'open')).length);
    rerender();
  } catch {
    // Not this facility's administrator: no badge.
  }
}

function when(ms: number): string {
  return new Date(ms).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
}

/** The alert in one plain sentence. */
export function alertSentence(alert: Alert): string {
  const m = alertsText();
  const number = (key: string): number => (typeof alert.detail[key] === 'number' ? (alert.detail[key] as number) : 0);
  const spanMinutes = Math.ceil((alert.last_at - alert.first_at) / 60_000);
  return m.sentence({
    kind: alert.kind,
    name: alert.person?.display_name ?? m.someone,
    address: alert.address,
    count: alert.count,
    minutes: Math.max(number('window_minutes'), spanMinutes, 1),
    locked: alert.detail['locked'] === true,
    accounts: number('accounts'),
    time: new Date(alert.last_at).toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit' }),
    signedIn: alert.detail['signed_in'] === true,
  });
}

interface Screen {
  orgId: string;
  open: Alert[] | null;
  closed: Alert[];
  notes: Map<string, string>;
  busy: boolean;
  denied: (() => string) | null;
  problem: (() => string) | null;
  notice: (() => string) | null;
}

async function load(screen: Screen): Promise<void> {
  try {
    [screen.open, screen.closed] = await Promise.all([listAlerts(screen.orgId, 'open'), listAlerts(screen.orgId, 'closed')]);
    openCounts.set(screen.orgId, screen.open.length);
    screen.denied = null;
  } catch (error) {
    if (error instanceof ApiError && (error.status === 403 || error.status === 404)) screen.denied = () => describeError(error);
    else screen.problem = () => describeError(error);
  }
  rerender();
}

async function close(screen: Screen, alert: Alert): Promise<void> {
  const note = (screen.notes.get(alert.id) ?? '').trim();
  if (note === '') {
    screen.problem = () => alertsText().noteRequired;
    rerender();
    return;
  }
  screen.busy = true;
  screen.problem = null;
  rerender();
  try {
    await closeAlert(screen.orgId, alert.id, note);
    screen.notes.delete(alert.id);
    screen.notice = () => alertsText().closedNotice;
    await load(screen);
  } catch (error) {
    screen.problem = () => describeError(error);
  }
  screen.busy = false;
  rerender();
}

function openItem(screen: Screen, alert: Alert): TemplateResult {
  const m = alertsText();
  const noteId = `alert-note-${alert.id}`;
  return html`<li class="card alert-item" data-alert=${alert.id} data-kind=${alert.kind}>
    <p class="alert-sentence"><strong>${alertSentence(alert)}</strong></p>
    <p class="hint">${m.when(when(alert.last_at))}</p>
    <label for=${noteId}>${m.note}</label>
    <textarea id=${noteId} class="admin-textarea" rows="3" maxlength="500" .value=${screen.notes.get(alert.id) ?? ''}
      @input=${(e: Event) => screen.notes.set(alert.id, (e.target as HTMLTextAreaElement).value)}></textarea>
    <button type="button" class="primary alert-close" ?disabled=${screen.busy} @click=${() => void close(screen, alert)}>${m.closeButton}</button>
  </li>`;
}

function closedItem(alert: Alert): TemplateResult {
  const m = alertsText();
  const closed = alert.closed;
  return html`<li class="card alert-item alert-closed" data-alert=${alert.id}>
    <p class="alert-sentence">${alertSentence(alert)}</p>
    <p class="hint">${m.when(when(alert.last_at))}</p>
    ${closed === null
      ? nothing
      : html`<p class="alert-note">${closed.note}</p>
          <p class="hint">${m.closedBy(closed.by.display_name, when(closed.at))}</p>`}
  </li>`;
}

function content(me: Me, screen: Screen): TemplateResult {
  const m = alertsText();
  const a = adminText();
  if (screen.denied !== null) {
    return html`<p class="error admin-denied" role="alert">${a.notPermitted}</p>
      <p class="admin-server-says">${screen.denied()}</p>
      <p><a class="button secondary" href="#/">${a.backHome}</a></p>`;
  }
  return html`
    ${facilityTabs(me, screen.orgId, 'alerts')}
    <div class="admin-wide alerts-screen">
      <h2>${m.title}</h2>
      <p class="hint">${m.explain}</p>
      <div id="alerts-status">${errorBox(screen.problem?.() ?? null)} ${noticeBox(screen.notice?.() ?? null)}</div>
      <section aria-labelledby="alerts-open-title">
        <h3 id="alerts-open-title">${m.open}</h3>
        ${screen.open === null
          ? html`<p role="status">${m.loading}</p>`
          : screen.open.length === 0
            ? html`<p class="alerts-none">${m.none}</p>`
            : html`<ul class="alert-list admin-org-list alerts-open">${screen.open.map((al) => openItem(screen, al))}</ul>`}
      </section>
      <section aria-labelledby="alerts-closed-title">
        <h3 id="alerts-closed-title">${m.closed}</h3>
        ${screen.closed.length === 0
          ? html`<p>${m.noneClosed}</p>`
          : html`<ul class="alert-list admin-org-list alerts-closed">${screen.closed.map(closedItem)}</ul>`}
      </section>
      <p><a class="button secondary" href="#/admin">${a.backAdmin}</a></p>
    </div>
  `;
}

export const alertsHash = (orgId: string): string => `#/admin/${orgId}/alerts`;

export function alertsView(me: Me, orgId: string): View {
  const screen: Screen = { orgId, open: null, closed: [], notes: new Map(), busy: false, denied: null, problem: null, notice: null };
  void load(screen);
  return { title: () => alertsText().title, content: () => content(me, screen) };
}
