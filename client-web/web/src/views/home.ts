// The signed-in start screen: the room list (rooms.ts), who is signed in, how this
// device's data is protected, whether posts can be encrypted here, and signing out.

import { html, nothing, type TemplateResult } from 'lit-html';

import { signOut, type Me } from '../api';
import { navigate, rerender, session, type View } from '../app';
import { loadCore, type CoreStatus } from '../core';
import { stopEngine } from '../engine';
import { t } from '../i18n';
import { lockVault, vaultKind } from '../vault';
import { resetGate, roomList } from './rooms';
import { adminLinkVisible } from '../admin/model';
import { notificationSettingsLink } from '../notify/link';

interface State {
  core: CoreStatus | null;
  busy: boolean;
}

/** Signs out: ends the session, stops the engine and locks the vault. */
export async function signOutEverywhere(): Promise<void> {
  try {
    await signOut();
  } catch (error) {
    // The session may already have ended; either way this page forgets it.
    console.warn('sign-out', error instanceof Error ? error.name : 'failed');
  }
  stopEngine();
  resetGate();
  lockVault();
  session.me = null;
  session.notice = () => t().signedOut;
  navigate('#/sign-in');
}

export function homeView(person: Me): View {
  const state: State = { core: null, busy: false };

  void loadCore().then((status) => {
    state.core = status;
    rerender();
  });

  async function doSignOut(): Promise<void> {
    if (state.busy) return;
    state.busy = true;
    rerender();
    await signOutEverywhere();
  }

  function vaultText(): TemplateResult | typeof nothing {
    const m = t();
    const kind = vaultKind();
    if (kind === 'prf') return html`<p id="vault-status" data-kind="prf">${m.vaultPrf}</p>`;
    if (kind === 'device') return html`<p id="vault-status" data-kind="device">${m.vaultDevice}</p>`;
    return nothing;
  }

  function coreText(): TemplateResult | typeof nothing {
    const m = t();
    const core = state.core;
    if (core === null) return nothing;
    switch (core.state) {
      case 'ready':
        return html`<p id="core-status" data-state="ready">${m.coreReady}</p>`;
      case 'missing':
        return html`<p id="core-status" data-state="missing">${m.coreMissing}</p>`;
      case 'failed':
        return html`<p id="core-status" data-state="failed" class="error">${m.coreFailed}</p>`;
    }
  }

  return {
    title: () => t().homeTitle,
    content: () => {
      const m = t();
      return html`
        ${roomList(person)}
        ${adminLinkVisible(person)
          ? html`<p><a class="button secondary" id="admin-link" href="#/admin">${t().adminLink}</a></p>`
          : nothing}
        ${notificationSettingsLink()}
        <section class="card about-me" aria-labelledby="welcome">
          <p id="welcome" class="lead">${m.welcome(person.displayName)}</p>
          <p>${m.signedInAs(person.loginId)}</p>
          ${vaultText()} ${coreText()}
        </section>
        <button type="button" class="secondary" id="sign-out" ?disabled=${state.busy} @click=${doSignOut}>${m.signOut}</button>
      `;
    },
  };
}
