// Redeeming a one-time link: check it, choose a password (and a login ID for a new
// account), register a passkey, and arrive signed in. Two screens, because a
// passkey prompt should follow a tap of its own (Safari requires it).

import { html, nothing, type TemplateResult } from 'lit-html';

import {
  ApiError,
  inspectInvitation,
  me,
  registerBegin,
  registerFinish,
  type Ceremony,
  type InvitationInfo,
} from '../api';
import { navigate, rerender, session, type View } from '../app';
import { formatTime, t, type Messages } from '../i18n';
import { openInviteeName } from '../room-names';
import { openVault } from '../vault';
import { createPasskey } from '../webauthn';
import { errorBox, field, formText, problemText } from './parts';

type Step =
  | { name: 'checking' }
  | { name: 'invalid' }
  | { name: 'password' }
  | { name: 'passkey'; ceremony: Ceremony };

interface State {
  token: string;
  step: Step;
  info: InvitationInfo | null;
  /** What went wrong, worded when drawn (so the language switch applies). */
  problem: (() => string) | null;
  /** Which field the problem is about, to mark it invalid. */
  problemField: 'login_id' | 'password' | 'display_name' | null;
  busy: boolean;
  showPassword: boolean;
  loginId: string;
  displayName: string;
}

function kindText(m: Messages, kind: string): string {
  switch (kind) {
    case 'bootstrap_admin':
      return m.inviteKindBootstrap;
    case 'staff':
      return m.inviteKindStaff;
    case 'recovery':
      return m.inviteKindRecovery;
    default:
      return m.inviteKindRoom;
  }
}

function fieldOf(error: unknown): State['problemField'] {
  if (!(error instanceof ApiError)) return null;
  if (error.code === 'login_id_taken' || error.messageEn.startsWith('login_id:')) return 'login_id';
  if (error.messageEn.startsWith('display_name:')) return 'display_name';
  if (error.code.startsWith('password')) return 'password';
  return null;
}

export function inviteView(token: string): View {
  const state: State = {
    token,
    step: { name: 'checking' },
    info: null,
    problem: null,
    problemField: null,
    busy: false,
    showPassword: false,
    loginId: '',
    displayName: '',
  };

  const fail = (error: unknown): void => {
    state.problem = () => problemText(error);
    state.problemField = fieldOf(error);
  };

  void (async () => {
    try {
      const info = await inspectInvitation(token);
      // A room invitation's name is sealed under this link's token: open it here.
      const sealed = info.inviteeName === null ? info.sealedInviteeName : null;
      state.info = sealed === null ? info : { ...info, inviteeName: await openInviteeName(token, sealed) };
      state.displayName = state.info.inviteeName ?? '';
      state.step = { name: 'password' };
    } catch (error) {
      state.step = { name: 'invalid' };
      fail(error);
    }
    rerender();
  })();

  async function submitPassword(event: SubmitEvent): Promise<void> {
    event.preventDefault();
    if (state.busy || state.info === null) return;
    const form = event.currentTarget;
    if (!(form instanceof HTMLFormElement)) return;
    const newAccount = state.info.kind !== 'recovery';
    const loginId = (formText(form, 'login_id') ?? '').trim();
    const displayName = (formText(form, 'display_name') ?? '').trim();
    const password = formText(form, 'password') ?? '';
    const confirm = formText(form, 'password_confirm') ?? '';
    state.loginId = loginId;
    state.displayName = displayName;
    if (newAccount && loginId === '') {
      state.problem = () => t().required(t().loginId);
      state.problemField = 'login_id';
    } else if (password === '') {
      state.problem = () => t().required(t().password);
      state.problemField = 'password';
    } else if (password !== confirm) {
      state.problem = () => t().passwordMismatch;
      state.problemField = 'password';
    } else {
      state.problem = null;
      state.problemField = null;
    }
    if (state.problem !== null) {
      rerender();
      return;
    }
    state.busy = true;
    rerender();
    try {
      const ceremony = await registerBegin({
        token: state.token,
        loginId: newAccount ? loginId : null,
        displayName: newAccount && displayName !== '' ? displayName : null,
        password,
      });
      state.step = { name: 'passkey', ceremony };
      state.problem = null;
      state.problemField = null;
    } catch (error) {
      fail(error);
    } finally {
      state.busy = false;
      rerender();
    }
  }

  async function registerPasskey(event: SubmitEvent): Promise<void> {
    event.preventDefault();
    if (state.busy || state.step.name !== 'passkey') return;
    const form = event.currentTarget;
    if (!(form instanceof HTMLFormElement)) return;
    const name = (formText(form, 'credential_name') ?? '').trim();
    const { ceremony } = state.step;
    state.busy = true;
    state.problem = null;
    rerender();
    try {
      const passkey = await createPasskey(ceremony.options);
      const grant = await registerFinish(ceremony.ceremonyId, passkey.credential, name === '' ? null : name);
      await openVault(grant.userId, passkey);
      session.me = await me();
      navigate('#/');
      return;
    } catch (error) {
      // A used or expired ceremony cannot be retried: choose the password again.
      if (error instanceof ApiError && error.code === 'ceremony_invalid') state.step = { name: 'password' };
      if (error instanceof ApiError && error.code === 'invitation_invalid') state.step = { name: 'invalid' };
      fail(error);
    }
    state.busy = false;
    rerender();
  }

  function backToPassword(): void {
    state.step = { name: 'password' };
    state.problem = null;
    state.problemField = null;
    rerender();
  }

  function toggleShow(event: Event): void {
    const box = event.currentTarget;
    if (box instanceof HTMLInputElement) state.showPassword = box.checked;
    rerender();
  }

  function about(info: InvitationInfo): TemplateResult {
    const m = t();
    return html`
      <div class="card about">
        <p>${kindText(m, info.kind)}</p>
        ${info.inviteeName === null ? nothing : html`<p>${m.inviteFor(info.inviteeName)}</p>`}
        ${info.role === null ? nothing : html`<p>${m.inviteRole(info.role)}</p>`}
        <p>${m.inviteExpires(formatTime(info.expiresAt))}</p>
      </div>
    `;
  }

  function passwordStep(info: InvitationInfo): TemplateResult {
    const m = t();
    const newAccount = info.kind !== 'recovery';
    const type = state.showPassword ? 'text' : 'password';
    return html`
      ${about(info)}
      <p class="steps">${m.inviteSteps}</p>
      <form class="card" novalidate @submit=${submitPassword} aria-busy=${state.busy ? 'true' : 'false'}>
        <h2>${m.stepOf(1, 2)}</h2>
        ${newAccount
          ? html`
              ${field({
                id: 'login_id',
                label: m.loginId,
                hint: m.loginIdHint,
                autocomplete: 'username',
                value: state.loginId,
                required: true,
                invalid: state.problemField === 'login_id',
                plain: true,
              })}
              ${field({
                id: 'display_name',
                label: m.displayName,
                autocomplete: 'name',
                value: state.displayName,
                invalid: state.problemField === 'display_name',
              })}
            `
          : nothing}
        ${field({
          id: 'password',
          label: m.password,
          hint: m.passwordHint,
          type,
          autocomplete: 'new-password',
          required: true,
          invalid: state.problemField === 'password',
        })}
        ${field({
          id: 'password_confirm',
          label: m.passwordConfirm,
          type,
          autocomplete: 'new-password',
          required: true,
          invalid: state.problemField === 'password',
        })}
        <div class="check">
          <input id="show_password" type="checkbox" .checked=${state.showPassword} @change=${toggleShow} />
          <label for="show_password">${m.showPassword}</label>
        </div>
        ${errorBox(state.problem?.() ?? null)}
        <button type="submit" class="primary" ?disabled=${state.busy}>${state.busy ? m.working : m.next}</button>
      </form>
    `;
  }

  function passkeyStep(info: InvitationInfo): TemplateResult {
    const m = t();
    return html`
      ${about(info)}
      <form class="card" @submit=${registerPasskey} aria-busy=${state.busy ? 'true' : 'false'}>
        <h2>${m.stepOf(2, 2)}: ${m.passkeyTitle}</h2>
        <p>${m.passkeyExplain}</p>
        ${field({ id: 'credential_name', label: m.credentialName, autocomplete: 'off' })}
        ${errorBox(state.problem?.() ?? null)}
        <button type="submit" class="primary" ?disabled=${state.busy}>
          ${state.busy ? m.working : m.registerPasskey}
        </button>
        <button type="button" class="secondary" ?disabled=${state.busy} @click=${backToPassword}>${m.back}</button>
      </form>
    `;
  }

  return {
    title: () => t().inviteTitle,
    content: () => {
      const m = t();
      switch (state.step.name) {
        case 'checking':
          return html`<p role="status">${m.inviteChecking}</p>`;
        case 'invalid':
          return html`
            ${errorBox(state.problem?.() ?? m.unexpected)}
            <p><a class="button secondary" href="#/sign-in">${m.goSignIn}</a></p>
          `;
        case 'password':
          return state.info === null ? html`` : passwordStep(state.info);
        case 'passkey':
          return state.info === null ? html`` : passkeyStep(state.info);
      }
    },
  };
}
