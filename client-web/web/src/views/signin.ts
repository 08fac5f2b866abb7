// Signing in: login ID and password, then the passkey. The server checks both
// factors together and answers the same `sign_in_failed` whichever was wrong.

import { html, nothing, type TemplateResult } from 'lit-html';

import { me, signInBegin, signInFinish, type Ceremony } from '../api';
import { navigate, rerender, session, type View } from '../app';
import { t } from '../i18n';
import { openVault } from '../vault';
import { getAssertion, PasskeyError } from '../webauthn';
import { errorBox, field, formText, noticeBox, problemText } from './parts';

interface State {
  busy: boolean;
  problem: (() => string) | null;
  /** A started ceremony whose passkey step was cancelled: it can be retried. */
  retry: { ceremony: Ceremony; password: string } | null;
  loginId: string;
  notice: (() => string) | null;
  showPassword: boolean;
}

async function finish(state: State, ceremony: Ceremony, password: string): Promise<void> {
  let passkey;
  try {
    passkey = await getAssertion(ceremony.options);
  } catch (error) {
    if (error instanceof PasskeyError && error.problem === 'cancelled') state.retry = { ceremony, password };
    throw error;
  }
  state.retry = null;
  const grant = await signInFinish(ceremony.ceremonyId, password, passkey.credential);
  await openVault(grant.userId, passkey);
  session.me = await me();
  navigate('#/');
}

async function attempt(state: State, run: () => Promise<void>): Promise<void> {
  state.busy = true;
  state.problem = null;
  state.notice = null;
  rerender();
  try {
    await run();
    return;
  } catch (error) {
    const cancelled = error instanceof PasskeyError && error.problem === 'cancelled';
    state.problem = cancelled ? () => t().signInPasskeyCancelled : () => problemText(error);
  }
  state.busy = false;
  rerender();
}

function submit(state: State, event: SubmitEvent): void {
  event.preventDefault();
  if (state.busy) return;
  const form = event.currentTarget;
  if (!(form instanceof HTMLFormElement)) return;
  const loginId = (formText(form, 'login_id') ?? '').trim();
  const password = formText(form, 'password') ?? '';
  state.loginId = loginId;
  state.retry = null;
  if (loginId === '' || password === '') {
    state.problem = () => t().required(loginId === '' ? t().loginId : t().password);
    rerender();
    return;
  }
  void attempt(state, async () => finish(state, await signInBegin(loginId), password));
}

function retryPasskey(state: State): void {
  const retry = state.retry;
  if (state.busy || retry === null) return;
  void attempt(state, () => finish(state, retry.ceremony, retry.password));
}

function toggleShow(state: State, event: Event): void {
  const box = event.currentTarget;
  if (box instanceof HTMLInputElement) state.showPassword = box.checked;
  rerender();
}

/** A passkey step that was cancelled can be tried again without the password. */
function retryButton(state: State): TemplateResult | typeof nothing {
  if (state.retry === null) return nothing;
  return html`<button type="button" class="secondary" ?disabled=${state.busy} @click=${() => retryPasskey(state)}>
    ${t().usePasskeyAgain}
  </button>`;
}

function content(state: State): TemplateResult {
  const m = t();
  return html`
    ${noticeBox(state.notice?.() ?? null)}
    <form class="card" novalidate @submit=${(event: SubmitEvent) => submit(state, event)} aria-busy=${state.busy ? 'true' : 'false'}>
      <p>${m.signInExplain}</p>
      ${field({ id: 'login_id', label: m.loginId, autocomplete: 'username webauthn', value: state.loginId, required: true, plain: true })}
      ${field({
        id: 'password',
        label: m.password,
        type: state.showPassword ? 'text' : 'password',
        autocomplete: 'current-password',
        required: true,
      })}
      <div class="check">
        <input id="show_password" type="checkbox" .checked=${state.showPassword} @change=${(event: Event) => toggleShow(state, event)} />
        <label for="show_password">${m.showPassword}</label>
      </div>
      ${errorBox(state.problem?.() ?? null)}
      <button type="submit" class="primary" ?disabled=${state.busy}>${state.busy ? m.working : m.signIn}</button>
      ${retryButton(state)}
    </form>
    <p class="aside">${m.haveInvite}</p>
  `;
}

export function signInView(): View {
  const state: State = {
    busy: false,
    problem: null,
    retry: null,
    loginId: '',
    notice: session.notice,
    showPassword: false,
  };
  session.notice = null;
  return { title: () => t().signInTitle, content: () => content(state) };
}
