// The signed-in start screen. For now: who is signed in, how this device's data is
// protected, whether the encryption engine loaded, and signing out.

import { html, nothing, type TemplateResult } from 'lit-html';

import { signOut, type Me } from '../api';
import { navigate, rerender, session, type View } from '../app';
import { loadCore, type CoreStatus } from '../core';
import { t } from '../i18n';
import { lockVault, resumeVault, unlockVault, vaultKind } from '../vault';
import { localPrf } from '../webauthn';
import { errorBox, problemText } from './parts';

interface State {
  core: CoreStatus | null;
  locked: { credentialId: string; rpId: string } | null;
  busy: boolean;
  problem: (() => string) | null;
}

export function homeView(person: Me): View {
  const state: State = { core: null, locked: null, busy: false, problem: null };

  void loadCore().then((status) => {
    state.core = status;
    rerender();
  });
  if (vaultKind() === null) {
    void resumeVault(person.userId).then((found) => {
      if (found?.kind === 'locked') state.locked = { credentialId: found.credentialId, rpId: found.rpId };
      rerender();
    });
  }

  async function doSignOut(): Promise<void> {
    if (state.busy) return;
    state.busy = true;
    rerender();
    try {
      await signOut();
    } catch (error) {
      // The session may already have ended; either way this page forgets it.
      console.warn('sign-out', error);
    }
    lockVault();
    session.me = null;
    session.notice = () => t().signedOut;
    navigate('#/sign-in');
  }

  async function unlock(): Promise<void> {
    const locked = state.locked;
    if (state.busy || locked === null) return;
    state.busy = true;
    state.problem = null;
    rerender();
    try {
      const prf = await localPrf(locked.rpId, locked.credentialId);
      if (prf !== null && (await unlockVault(person.userId, prf))) state.locked = null;
      else state.problem = () => t().vaultLocked;
    } catch (error) {
      state.problem = () => problemText(error);
    }
    state.busy = false;
    rerender();
  }

  function vaultText(): TemplateResult {
    const m = t();
    const kind = vaultKind();
    if (kind === 'prf') return html`<p id="vault-status" data-kind="prf">${m.vaultPrf}</p>`;
    if (kind === 'device') return html`<p id="vault-status" data-kind="device">${m.vaultDevice}</p>`;
    if (state.locked === null) return html``;
    return html`
      <p id="vault-status" data-kind="locked">${m.vaultLocked}</p>
      <button type="button" class="secondary" ?disabled=${state.busy} @click=${unlock}>${m.unlock}</button>
    `;
  }

  function coreText(): TemplateResult | typeof nothing {
    const m = t();
    const core = state.core;
    if (core === null) return nothing;
    switch (core.state) {
      case 'ready':
        return html`<p id="core-status" data-state="ready">${m.coreReady(core.version)}</p>`;
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
        <section class="card" aria-labelledby="welcome">
          <p id="welcome" class="lead">${m.welcome(person.displayName)}</p>
          <p>${m.signedInAs(person.loginId)}</p>
          ${vaultText()} ${coreText()} ${errorBox(state.problem?.() ?? null)}
        </section>
        <button type="button" class="secondary" ?disabled=${state.busy} @click=${doSignOut}>${m.signOut}</button>
      `;
    },
  };
}
