// What the invitation screen (invite.ts) does: checks the link, takes the password
// (and a login ID for a new account), registers the passkey and signs in. Someone
// already signed in who opens a room invitation joins with that account instead
// (invite-join.ts); one who opens a room invitation they used themselves goes to the
// room (the server says so, on any device). The state is one object the screen
// draws from.

import { me, registerBegin, type Ceremony, type Me } from '../api';
import { navigate, rerender, session, show } from '../app';
import { finishEnrolment } from '../admin/emergency-api';
import { sealedView } from '../admin/emergency-sealed';
import { ApiError, isCode } from '../http';
import { t } from '../i18n';
import { openInviteeName } from '../room-names';
import { openVault } from '../vault';
import { createPasskey } from '../webauthn';
import { channelHash, inspectLink, type LinkAnswer, type LinkInfo } from '../members/api';
import { formText, problemText } from './parts';
import { suggestLoginId } from './invite-login-id';

export type Step =
  | { name: 'checking' }
  | { name: 'invalid' }
  /** Signed in, a room invitation: join with this account (invite-join.ts). */
  | { name: 'join' }
  /** Signed in, and the link can no longer be used (used by someone else, expired, or already a member). */
  | { name: 'gone'; alreadyMember: boolean }
  | { name: 'password' }
  | { name: 'passkey'; ceremony: Ceremony };

export interface InviteState {
  token: string;
  step: Step;
  info: LinkInfo | null;
  /** Who is signed in on this page, if anyone. */
  me: Me | null;
  /** What went wrong, worded when drawn (so the language switch applies). */
  problem: (() => string) | null;
  /** Which field the problem is about, to mark it invalid. */
  problemField: 'login_id' | 'password' | 'display_name' | null;
  busy: boolean;
  showPassword: boolean;
  loginId: string;
  /** The login ID this screen suggested from the name (replaced while the field still holds it). */
  loginSuggested: string;
  displayName: string;
}

export function inviteState(token: string): InviteState {
  return {
    token,
    step: { name: 'checking' },
    info: null,
    me: null,
    problem: null,
    problemField: null,
    busy: false,
    showPassword: false,
    loginId: '',
    loginSuggested: '',
    displayName: '',
  };
}

function fieldOf(error: unknown): InviteState['problemField'] {
  if (!(error instanceof ApiError)) return null;
  if (error.code === 'login_id_taken' || error.field === 'login_id') return 'login_id';
  if (error.field === 'display_name') return 'display_name';
  if (error.code.startsWith('password')) return 'password';
  return null;
}

function fail(state: InviteState, error: unknown): void {
  state.problem = () => problemText(error);
  state.problemField = fieldOf(error);
}

/** Who is signed in, asking the server when this page does not know yet (null: nobody). */
async function signedIn(): Promise<Me | null> {
  if (session.me !== null) return session.me;
  try {
    session.me = await me();
  } catch {
    return null;
  }
  return session.me;
}

/** A link that cannot be used: signed in, the way home; else why. */
async function unusable(state: InviteState, error: unknown): Promise<void> {
  const person = isCode(error, 'invitation_invalid') ? await signedIn() : null;
  state.me = person;
  state.step = person === null ? { name: 'invalid' } : { name: 'gone', alreadyMember: false };
  fail(state, error);
}

/** Checks the link (and opens a room invitation's sealed name). */
export async function checkLink(state: InviteState): Promise<void> {
  let answer: LinkAnswer;
  try {
    answer = await inspectLink(state.token);
  } catch (error) {
    await unusable(state, error);
    rerender();
    return;
  }
  // My own used room invitation: straight to the room.
  if ('usedByMe' in answer) {
    location.replace(channelHash(answer.usedByMe.roomId, answer.usedByMe.channel));
    return;
  }
  const info = answer.usable;
  // A room invitation's name is sealed under this link's token: open it here.
  const sealed = info.inviteeName === null ? info.sealedInviteeName : null;
  state.info = sealed === null ? info : { ...info, inviteeName: await openInviteeName(state.token, sealed) };
  state.displayName = state.info.inviteeName ?? '';
  state.loginId = suggestLoginId(state.displayName) ?? '';
  state.loginSuggested = state.loginId;
  // Someone signed in joins a care team with the account they have.
  state.me = info.kind === 'room' ? await signedIn() : null;
  state.step = state.me === null ? { name: 'password' } : { name: 'join' };
  rerender();
}

/** The login ID suggested from the name typed, while the person has not typed one. */
export function suggestFromName(state: InviteState, event: Event): void {
  const input = event.currentTarget;
  if (!(input instanceof HTMLInputElement)) return;
  state.displayName = input.value;
  const loginField = document.getElementById('login_id');
  if (!(loginField instanceof HTMLInputElement)) return;
  // Fill in only an empty field, or one still holding this screen's own suggestion.
  if (loginField.value !== '' && loginField.value !== state.loginSuggested) return;
  const next = suggestLoginId(input.value) ?? '';
  loginField.value = next;
  state.loginId = next;
  state.loginSuggested = next;
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
