// What the invitation screen (invite.ts) does: checks the link, takes the password
// (and a login ID for a new account), registers the passkey and signs in. The state
// is one object the screen draws from.

import { inspectInvitation, me, registerBegin, type Ceremony, type InvitationInfo } from '../api';
import { navigate, rerender, session, show } from '../app';
import { finishEnrolment } from '../admin/emergency-api';
import { sealedView } from '../admin/emergency-sealed';
import { ApiError } from '../http';
import { t } from '../i18n';
import { openInviteeName } from '../room-names';
import { openVault } from '../vault';
import { createPasskey } from '../webauthn';
import { formText, problemText } from './parts';

export type Step =
  | { name: 'checking' }
  | { name: 'invalid' }
  | { name: 'password' }
  | { name: 'passkey'; ceremony: Ceremony };

export interface InviteState {
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

export function inviteState(token: string): InviteState {
  return {
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
}

function fieldOf(error: unknown): InviteState['problemField'] {
  if (!(error instanceof ApiError)) return null;
  if (error.code === 'login_id_taken' || error.messageEn.startsWith('login_id:')) return 'login_id';
  if (error.messageEn.startsWith('display_name:')) return 'display_name';
  if (error.code.startsWith('password')) return 'password';
  return null;
}

function fail(state: InviteState, error: unknown): void {
  state.problem = () => problemText(error);
  state.problemField = fieldOf(error);
}

/** Checks the link (and opens a room invitation's sealed name). */
export async function checkLink(state: InviteState): Promise<void> {
  try {
    const info = await inspectInvitation(state.token);
    // A room invitation's name is sealed under this link's token: open it here.
    const sealed = info.inviteeName === null ? info.sealedInviteeName : null;
    state.info = sealed === null ? info : { ...info, inviteeName: await openInviteeName(state.token, sealed) };
    state.displayName = state.info.inviteeName ?? '';
    state.step = { name: 'password' };
  } catch (error) {
    state.step = { name: 'invalid' };
    fail(state, error);
  }
  rerender();
}

interface PasswordForm {
  loginId: string;
  displayName: string;
  password: string;
  confirm: string;
}

/** Marks what is missing or does not match; whether the form may be sent. */
function validate(state: InviteState, input: PasswordForm, newAccount: boolean): boolean {
  if (newAccount && input.loginId === '') {
    state.problem = () => t().required(t().loginId);
    state.problemField = 'login_id';
  } else if (input.password === '') {
    state.problem = () => t().required(t().password);
    state.problemField = 'password';
  } else if (input.password !== input.confirm) {
    state.problem = () => t().passwordMismatch;
    state.problemField = 'password';
  } else {
    state.problem = null;
    state.problemField = null;
  }
  return state.problem === null;
}

export async function submitPassword(state: InviteState, event: SubmitEvent): Promise<void> {
  event.preventDefault();
  const form = event.currentTarget;
  if (state.busy || state.info === null || !(form instanceof HTMLFormElement)) return;
  const newAccount = state.info.kind !== 'recovery';
  const input: PasswordForm = {
    loginId: (formText(form, 'login_id') ?? '').trim(),
    displayName: (formText(form, 'display_name') ?? '').trim(),
    password: formText(form, 'password') ?? '',
    confirm: formText(form, 'password_confirm') ?? '',
  };
  state.loginId = input.loginId;
  state.displayName = input.displayName;
  if (!validate(state, input, newAccount)) {
    rerender();
    return;
  }
  state.busy = true;
  rerender();
  try {
    const ceremony = await registerBegin({
      token: state.token,
      loginId: newAccount ? input.loginId : null,
      displayName: newAccount && input.displayName !== '' ? input.displayName : null,
      password: input.password,
    });
    state.step = { name: 'passkey', ceremony };
    state.problem = null;
    state.problemField = null;
  } catch (error) {
    fail(state, error);
  } finally {
    state.busy = false;
    rerender();
  }
}

export async function registerPasskey(state: InviteState, event: SubmitEvent): Promise<void> {
  event.preventDefault();
  const form = event.currentTarget;
  if (state.busy || state.step.name !== 'passkey' || !(form instanceof HTMLFormElement)) return;
  const name = (formText(form, 'credential_name') ?? '').trim();
  const { ceremony } = state.step;
  state.busy = true;
  state.problem = null;
  rerender();
  try {
    const passkey = await createPasskey(ceremony.options);
    const grant = await finishEnrolment(ceremony.ceremonyId, passkey.credential, name === '' ? null : name);
    // An emergency account: enrolling sealed it and gave no session — say so, do not sign in.
    if (grant.sealed) {
      show(sealedView());
      return;
    }
    await openVault(grant.userId, passkey);
    session.me = await me();
    navigate('#/');
    return;
  } catch (error) {
    // A used or expired ceremony cannot be retried: choose the password again.
    if (error instanceof ApiError && error.code === 'ceremony_invalid') state.step = { name: 'password' };
    if (error instanceof ApiError && error.code === 'invitation_invalid') state.step = { name: 'invalid' };
    fail(state, error);
  }
  state.busy = false;
  rerender();
}

export function backToPassword(state: InviteState): void {
  state.step = { name: 'password' };
  state.problem = null;
  state.problemField = null;
  rerender();
}

export function toggleShow(state: InviteState, event: Event): void {
  const box = event.currentTarget;
  if (box instanceof HTMLInputElement) state.showPassword = box.checked;
  rerender();
}
