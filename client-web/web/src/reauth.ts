// Confirming it is me before a sensitive action. The server answers
// `reauth_required` when the session's last two-factor check (sign-in or a
// confirmation) is older than a few minutes and the action needs a fresh one:
// adding or removing a passkey or device, changing the password, acting on another
// person's account. The HTTP client (http/client.ts) then calls `confirmIdentity`,
// which asks for the password and the passkey in a modal dialog and confirms both
// with the server (`/me/reauth/begin` + `/finish`); the client sends the refused
// request once more. Cancelling gives the original refusal back.

import { html, nothing, render } from 'lit-html';

import { reauthBegin, reauthFinish } from './api';
import { lang } from './i18n';
import { problemText } from './views/parts';
import { getAssertion } from './webauthn';
import './reauth.css';

const words = {
  ja: {
    title: '本人確認',
    explain: 'この操作には本人確認が必要です。パスワードを入力し、パスキー（セキュリティキー）を使ってください。',
    password: 'パスワード',
    confirm: '確認する',
    cancel: 'キャンセル',
    busy: '確認しています…',
  },
  en: {
    title: 'Confirm it is you',
    explain: 'This change needs a fresh confirmation. Enter your password, then use your passkey (or security key).',
    password: 'Password',
    confirm: 'Confirm',
    cancel: 'Cancel',
    busy: 'Confirming…',
  },
};

interface DialogState {
  busy: boolean;
  problem: string | null;
  done: (confirmed: boolean) => void;
}

/** One dialog at a time: concurrent refusals share the same confirmation. */
let open: Promise<boolean> | null = null;

function host(): HTMLElement {
  let element = document.getElementById('reauth-host');
  if (element === null) {
    element = document.createElement('div');
    element.id = 'reauth-host';
    document.body.append(element);
  }
  return element;
}

function draw(state: DialogState | null): void {
  const target = host();
  if (state === null) {
    render(nothing, target);
    return;
  }
  const w = words[lang()];
  const submit = (event: SubmitEvent): void => {
    event.preventDefault();
    const form = event.currentTarget;
    if (!(form instanceof HTMLFormElement) || state.busy) return;
    const input = form.elements.namedItem('password');
    const password = input instanceof HTMLInputElement ? input.value : '';
    if (password === '') {
      if (input instanceof HTMLInputElement) input.focus();
      return;
    }
    void confirmWith(state, password);
  };
  const cancel = (event?: Event): void => {
    event?.preventDefault();
    if (!state.busy) state.done(false);
  };
  render(
    html`
      <dialog id="reauth-dialog" class="reauth-dialog" aria-labelledby="reauth-title" aria-describedby="reauth-text" @cancel=${cancel}>
        <form @submit=${submit}>
          <h2 id="reauth-title">${w.title}</h2>
          <p id="reauth-text">${w.explain}</p>
          <label for="reauth-password">${w.password}</label>
          <input id="reauth-password" name="password" type="password" autocomplete="current-password" required ?disabled=${state.busy} />
          ${state.problem === null ? nothing : html`<p class="error" role="alert">${state.problem}</p>`}
          ${state.busy ? html`<p role="status">${w.busy}</p>` : nothing}
          <div class="reauth-actions">
            <button type="button" class="secondary" ?disabled=${state.busy} @click=${cancel}>${w.cancel}</button>
            <button id="reauth-confirm" type="submit" class="primary" ?disabled=${state.busy}>${w.confirm}</button>
          </div>
        </form>
      </dialog>
    `,
    target,
  );
}

async function confirmWith(state: DialogState, password: string): Promise<void> {
  state.busy = true;
  state.problem = null;
  draw(state);
  try {
    const ceremony = await reauthBegin();
    const passkey = await getAssertion(ceremony.options);
    await reauthFinish(ceremony.ceremonyId, password, passkey.credential);
    state.done(true);
    return;
  } catch (error) {
    state.problem = problemText(error);
  }
  state.busy = false;
  draw(state);
  document.getElementById('reauth-password')?.focus();
}

/** Asks for the password and passkey; whether the server confirmed them. */
export function confirmIdentity(): Promise<boolean> {
  if (open !== null) return open;
  const returnFocus = document.activeElement instanceof HTMLElement ? document.activeElement : null;
  open = new Promise<boolean>((resolve) => {
    const state: DialogState = {
      busy: false,
      problem: null,
      done: (confirmed) => {
        const dialog = document.getElementById('reauth-dialog');
        if (dialog instanceof HTMLDialogElement && dialog.open) dialog.close();
        draw(null);
        open = null;
        returnFocus?.focus();
        resolve(confirmed);
      },
    };
    draw(state);
    const dialog = document.getElementById('reauth-dialog');
    if (dialog instanceof HTMLDialogElement && !dialog.open) dialog.showModal();
    document.getElementById('reauth-password')?.focus();
  });
  return open;
}
