// The page shell: the hash route, who is signed in, and one render function that
// every view calls after its state changes. Routes live in the URL fragment
// (`#/invite/TOKEN`, `#/sign-in`, `#/`), so the token of a link never reaches the
// server in a path, and the server only ever serves `/`.

import { html, nothing, render, type TemplateResult } from 'lit-html';

import type { Me } from './api';
import { lang, setLang, t } from './i18n';
import { abortPending } from './webauthn';

export type Route =
  | { name: 'invite'; token: string }
  | { name: 'sign-in' }
  | { name: 'home' }
  | { name: 'admin'; orgId: string | null; section?: 'emergency' | 'access' | 'alerts' }
  | { name: 'room'; roomId: string; channel: 'team' | 'family' }
  | { name: 'members'; roomId: string }
  | { name: 'record'; roomId: string }
  | { name: 'broadcasts'; safety?: { broadcast: string; room: string | null } }
  | { name: 'broadcast-send' }
  | { name: 'broadcast-status'; broadcastId: string }
  | { name: 'notification-settings' }
  | { name: 'not-found' };

export function parseRoute(hash: string): Route {
  const path = hash.replace(/^#/, '');
  if (path === '' || path === '/') return { name: 'home' };
  if (path === '/sign-in') return { name: 'sign-in' };
  if (path === '/broadcasts') return { name: 'broadcasts' };
  if (path === '/broadcasts/send') return { name: 'broadcast-send' };
  if (path === '/settings/notifications') return { name: 'notification-settings' };
  const broadcastStatus = /^\/broadcasts\/([0-9a-fA-F-]{36})\/status$/.exec(path);
  if (broadcastStatus?.[1] !== undefined) return { name: 'broadcast-status', broadcastId: broadcastStatus[1] };
  const safety = /^\/broadcasts\/([0-9a-fA-F-]{36})\/safety(?:\/([0-9a-fA-F-]{36}))?$/.exec(path);
  if (safety?.[1] !== undefined) return { name: 'broadcasts', safety: { broadcast: safety[1], room: safety[2] ?? null } };
  const members = /^\/rooms\/([0-9a-fA-F-]{36})\/members$/.exec(path);
  if (members?.[1] !== undefined) return { name: 'members', roomId: members[1] };
  const record = /^\/rooms\/([0-9a-fA-F-]{36})\/record$/.exec(path);
  if (record?.[1] !== undefined) return { name: 'record', roomId: record[1] };
  const room = /^\/rooms\/([0-9a-fA-F-]{36})\/(team|family)$/.exec(path);
  if (room?.[1] !== undefined && (room[2] === 'team' || room[2] === 'family')) {
    return { name: 'room', roomId: room[1], channel: room[2] };
  }
  const admin = /^\/admin(?:\/([0-9a-fA-F-]{36}))?$/.exec(path);
  if (admin !== null) return { name: 'admin', orgId: admin[1] ?? null };
  // A facility's emergency accounts (admin/emergency-view.ts, opened by admin/view.ts).
  const emergency = /^\/admin\/([0-9a-fA-F-]{36})\/emergency$/.exec(path);
  if (emergency?.[1] !== undefined) return { name: 'admin', orgId: emergency[1], section: 'emergency' };
  // A facility's access records (admin/access-view.ts).
  const access = /^\/admin\/([0-9a-fA-F-]{36})\/access$/.exec(path);
  if (access?.[1] !== undefined) return { name: 'admin', orgId: access[1], section: 'access' };
  // A facility's security alerts (admin/alerts.ts).
  const alerts = /^\/admin\/([0-9a-fA-F-]{36})\/alerts$/.exec(path);
  if (alerts?.[1] !== undefined) return { name: 'admin', orgId: alerts[1], section: 'alerts' };
  const invite = /^\/invite\/([^/?#]{1,300})$/.exec(path);
  if (invite?.[1] !== undefined) return { name: 'invite', token: invite[1] };
  return { name: 'not-found' };
}

/** A view: its title (for the document and the heading) and its content. */
export interface View {
  title: () => string;
  content: () => TemplateResult;
  /** Shown beside the content on a desktop (≥ 1024 px; hidden on phones): the room list. */
  aside?: () => TemplateResult;
}

interface Session {
  me: Me | null;
  /** A notice shown once on the next screen (e.g. after signing out), worded when drawn. */
  notice: (() => string) | null;
}

export const session: Session = { me: null, notice: null };

let currentView: View | null = null;
let focusHeading = false;

function switchLanguage(): void {
  setLang(lang() === 'ja' ? 'en' : 'ja');
  rerender();
}

function skipToMain(event: Event): void {
  event.preventDefault();
  document.getElementById('main')?.focus();
}

function shell(view: View): TemplateResult {
  const m = t();
  return html`
    <a class="skip" href="#main" @click=${skipToMain}>${m.skipToMain}</a>
    <header class="bar">
      <span class="brand">${m.appName}</span>
      <button
        type="button"
        class="lang-switch"
        lang=${lang() === 'ja' ? 'en' : 'ja'}
        aria-label=${m.switchToLabel}
        @click=${switchLanguage}
      >
        ${m.switchTo}
      </button>
    </header>
    <div class=${view.aside === undefined ? 'panes single' : 'panes two'}>
      ${view.aside?.() ?? nothing}
      <main id="main" tabindex="-1">
        <h1 id="view-title" tabindex="-1">${view.title()}</h1>
        ${view.content()}
      </main>
    </div>
  `;
}

let decorate: (title: string) => string = (title) => title;

/** Lets the room list put the count of unread urgent posts in front of the document's title. */
export function decorateTitle(hook: (title: string) => string): void {
  decorate = hook;
}

/** Draws the current view again (after its state changed, or the language). */
export function rerender(): void {
  const root = document.getElementById('app');
  if (root === null || currentView === null) return;
  render(shell(currentView), root);
  document.title = decorate(`${currentView.title()} — ${t().appName}`);
  if (focusHeading) {
    focusHeading = false;
    // Screen readers and keyboards start at the new screen's heading.
    document.getElementById('view-title')?.focus();
  }
}

/** Shows a view in place of the current one. */
export function show(view: View): void {
  abortPending();
  currentView = view;
  focusHeading = true;
  rerender();
}

/** Goes to another route (the hashchange listener shows it). */
export function navigate(hash: string): void {
  if (location.hash === hash) {
    window.dispatchEvent(new HashChangeEvent('hashchange'));
  } else {
    location.hash = hash;
  }
}
