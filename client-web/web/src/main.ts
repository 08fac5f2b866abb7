// Entry point: styles, the route in the URL fragment, and who is signed in.

import './style.css';
import './pwa/register';
import './care/hooks'; // care cards, vitals/handover/photo composers, trend charts (room-parts hooks)
import './broadcasts/banner'; // regional notices pinned above every screen

import { html } from 'lit-html';

import { me } from './api';
import { describeError, isNetwork } from './http';
import { parseRoute, session, show, type View } from './app';
import { t } from './i18n';
import { confirmSession, endSession } from './vault';
import { homeView } from './views/home';
import { roomView } from './views/room';
import { besideRoomList } from './views/list-pane';
import { offlineMe } from './engine';
import { inviteView } from './views/invite';
import { signInView } from './views/signin';
import { adminView } from './admin/view';
import { membersView } from './members/view';
import { recordView } from './record/view';
import { broadcastsView } from './broadcasts/view';
import { sendView } from './officer/send-view';
import { dashboardView } from './officer/dashboard-view';
import { notificationSettingsView } from './notify/view';

function notFoundView(): View {
  return {
    title: () => t().notFoundTitle,
    content: () => html`<p><a class="button secondary" href="#/sign-in">${t().goSignIn}</a></p>`,
  };
}

function messageView(title: () => string, message: () => string): View {
  return { title, content: () => html`<p class="error" role="alert">${message()}</p>` };
}

function decoded(token: string): string {
  try {
    return decodeURIComponent(token);
  } catch {
    return token;
  }
}

// Each call of route() takes a number; one that finishes its wait for /me after a
// newer call started shows nothing, so an older route never covers a newer one.
let routeCount = 0;

async function route(): Promise<void> {
  const turn = ++routeCount;
  const current = parseRoute(location.hash);
  switch (current.name) {
    case 'invite':
      show(inviteView(decoded(current.token)));
      return;
    case 'not-found':
      show(notFoundView());
      return;
    case 'sign-in':
    case 'home':
    case 'admin':
    case 'room':
    case 'members':
    case 'record':
    case 'broadcasts':
    case 'broadcast-send':
    case 'broadcast-status':
    case 'notification-settings':
      break;
  }
  if (session.me === null) {
    try {
      session.me = await me();
      // A live session may reopen the vault it kept (vault.ts, "Session wrap"); a
      // session the server no longer knows takes that wrap with it.
      if (session.me !== null) confirmSession(session.me.userId);
      else await endSession().catch(() => undefined);
    } catch (error) {
      // Offline: the last person of this device reads what it keeps (engine/who.ts).
      const offline = isNetwork(error) ? offlineMe() : null;
      if (offline === null) {
        show(messageView(() => t().appName, () => describeError(error)));
        return;
      }
      session.me = offline;
    }
  }
  if (turn !== routeCount) return;
  if (session.me === null) {
    if (current.name === 'home' || current.name === 'room' || current.name === 'members' || current.name === 'record' || current.name === 'broadcasts' ||
      current.name === 'broadcast-send' || current.name === 'broadcast-status' || current.name === 'notification-settings') {
      location.replace('#/sign-in');
      return;
    }
    show(signInView());
  } else if (current.name === 'sign-in') {
    location.replace('#/');
  } else if (current.name === 'room') {
    show(besideRoomList(current.roomId, roomView(session.me, current.roomId, current.channel)));
  } else if (current.name === 'members') {
    show(membersView(session.me, current.roomId));
  } else if (current.name === 'record') {
    show(recordView(session.me, current.roomId));
  } else if (current.name === 'broadcasts') {
    show(broadcastsView(session.me));
  } else if (current.name === 'broadcast-send') {
    show(sendView(session.me));
  } else if (current.name === 'broadcast-status') {
    show(dashboardView(session.me, current.broadcastId));
  } else if (current.name === 'notification-settings') {
    show(notificationSettingsView());
  } else if (current.name === 'admin') {
    show(adminView(session.me, current.orgId));
  } else {
    show(homeView(session.me));
  }
}

window.addEventListener('hashchange', () => void route());
show({ title: () => t().appName, content: () => html`<p role="status">${t().loading}</p>` });
void route();
