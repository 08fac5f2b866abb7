// Entry point: styles, the route in the URL fragment, and who is signed in.

import './style.css';

import { html } from 'lit-html';

import { describeError, me } from './api';
import { parseRoute, session, show, type View } from './app';
import { t } from './i18n';
import { homeView } from './views/home';
import { inviteView } from './views/invite';
import { signInView } from './views/signin';

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

async function route(): Promise<void> {
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
      break;
  }
  if (session.me === null) {
    try {
      session.me = await me();
    } catch (error) {
      show(messageView(() => t().appName, () => describeError(error)));
      return;
    }
  }
  if (session.me === null) {
    if (current.name === 'home') {
      location.replace('#/sign-in');
      return;
    }
    show(signInView());
  } else if (current.name === 'sign-in') {
    location.replace('#/');
  } else {
    show(homeView(session.me));
  }
}

window.addEventListener('hashchange', () => void route());
show({ title: () => t().appName, content: () => html`<p role="status">${t().loading}</p>` });
void route();
