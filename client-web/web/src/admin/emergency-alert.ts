// The live alert for facility administrators: when the server says one of their
// facility's emergency accounts signed in, or tried to (`{"type":"emergency_sign_in"}`
// over the WebSocket), a prominent alert (role="alert") stays above every screen
// until dismissed, with a link to the emergency accounts. Mounted once, for its
// effects, when admin/view.ts is loaded (main.ts loads it on every page), like the
// broadcast banner.

import { html, nothing, render, type TemplateResult } from 'lit-html';

import { session } from '../app';
import { onEmergencySignIn } from '../engine/live';
import { formatTime } from '../i18n';
import type { EmergencyAccount } from './emergency-model';
import { alertLinks, alertTargets, emergencyHash, recordAlert, type AlertEvent, type SeenAccount } from './emergency-rules';
import { emergencyText } from './emergency-messages';

import './emergency.css';

let host: HTMLElement | null = null;
let events: AlertEvent[] = [];
/** For whom the alerts are: they go when that person signs out. */
let eventsFor: string | null = null;
const seen = new Map<string, SeenAccount>();
/** The emergency-accounts screen's reload, when it is open. */
let refreshScreen: () => void = () => undefined;

/** The accounts the screen listed, so the alert can name them and link to their facility. */
export function rememberAccounts(orgId: string, accounts: readonly EmergencyAccount[]): void {
  for (const a of accounts) seen.set(a.userId, { label: a.label, orgId });
}

/** What the emergency-accounts screen does when an alert arrives (one screen at a time). */
export function whileShowing(refresh: () => void): void {
  refreshScreen = refresh;
}

function dismiss(): void {
  events = [];
  draw();
  document.getElementById('view-title')?.focus();
}

function alertView(me: string, list: readonly AlertEvent[]): TemplateResult {
  const m = emergencyText();
  const last = list[list.length - 1];
  const label = last === undefined ? undefined : seen.get(last.account)?.label;
  const grants = session.me?.userId === me ? (session.me.roles ?? []) : [];
  const links = alertLinks(list, seen, alertTargets(grants));
  return html`
    <section class="emergency-alert" role="alert" aria-labelledby="emergency-alert-title" data-count=${list.length}>
      <p class="emergency-alert-title" id="emergency-alert-title"><span aria-hidden="true">⚠ </span>${m.alertTitle}</p>
      <p class="emergency-alert-detail">
        ${label === undefined ? m.alertUnknown : m.alertWhich(`【緊急用】${label}`)}
        ${last === undefined ? nothing : html`<br />${m.alertWhen(formatTime(last.at), list.length)}`}
      </p>
      <div class="emergency-alert-actions">
        ${links.map(
          (l) => html`<a class="button primary emergency-alert-open" href=${emergencyHash(l.orgId)}>
            ${links.length > 1 && l.name !== null ? m.alertOpenOf(l.name) : m.alertOpen}
          </a>`,
        )}
        ${links.length === 0 ? html`<a class="button primary emergency-alert-open" href="#/admin">${m.alertOpen}</a>` : nothing}
        <button type="button" class="secondary emergency-alert-dismiss" @click=${dismiss}>${m.alertDismiss}</button>
      </div>
    </section>
  `;
}

function draw(): void {
  if (host === null) return;
  const me = session.me?.userId ?? null;
  if (me === null || me !== eventsFor) events = [];
  render(me === null || events.length === 0 ? nothing : alertView(me, events), host);
}

function arrived(account: string): void {
  const me = session.me?.userId ?? null;
  if (me === null) return;
  if (eventsFor !== me) events = [];
  eventsFor = me;
  events = recordAlert(events, account, Date.now());
  draw();
  refreshScreen();
}

function mount(): void {
  const app = document.getElementById('app');
  if (app === null || document.getElementById('emergency-alert-bar') !== null) return;
  host = document.createElement('div');
  host.id = 'emergency-alert-bar';
  app.before(host);
  onEmergencySignIn(arrived);
  // Signing out (a new route) hides it; the language switch rewords it.
  window.addEventListener('hashchange', draw);
  new MutationObserver(draw).observe(document.documentElement, { attributes: true, attributeFilter: ['lang'] });
}

mount();
