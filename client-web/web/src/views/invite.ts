// Redeeming a one-time link: check it, choose a password (and a login ID for a new
// account), register a passkey, and arrive signed in. Two screens, because a
// passkey prompt should follow a tap of its own (Safari requires it). What each
// button does is in invite-flow.ts. Someone already signed in who opens a room
// invitation joins with that account instead (invite-join.ts).

import { html, nothing, type TemplateResult } from 'lit-html';

import type { InvitationInfo } from '../api';
import { session, type View } from '../app';
import { formatTime, lang, t, type Messages } from '../i18n';
import { roleWords } from '../members/role-names';
import { errorBox, field } from './parts';
import {
  backToPassword,
  checkLink,
  inviteState,
  registerPasskey,
  submitPassword,
  suggestFromName,
  toggleShow,
  type InviteState,
} from './invite-flow';
import { goneCard, joinCard } from './invite-join';
import { inviteText } from './invite-messages';

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

function about(info: InvitationInfo): TemplateResult {
  const m = t();
  return html`
    <div class="card about">
      <p>${kindText(m, info.kind)}</p>
      ${info.inviteeName === null ? nothing : html`<p>${m.inviteFor(info.inviteeName)}</p>`}
      ${info.role === null ? nothing : html`<p id="invite-role" data-role=${info.role}>${m.inviteRole(roleWords(info.role, lang()))}</p>`}
      <p>${m.inviteExpires(formatTime(info.expiresAt))}</p>
    </div>
  `;
}

/** Name and login ID, for a new account (a recovery keeps both); the name first, as the ID is suggested from it. */
function accountFields(state: InviteState): TemplateResult {
  const m = t();
  return html`
    ${field({
      id: 'display_name',
      label: m.displayName,
      autocomplete: 'name',
      value: state.displayName,
      invalid: state.problemField === 'display_name',
      onInput: (event) => suggestFromName(state, event),
    })}
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
  `;
}

/** The new password twice, and whether to show it. */
function passwordFields(state: InviteState): TemplateResult {
  const m = t();
  const type = state.showPassword ? 'text' : 'password';
  const invalid = state.problemField === 'password';
  return html`
    ${field({ id: 'password', label: m.password, hint: m.passwordHint, type, autocomplete: 'new-password', required: true, invalid })}
    ${field({ id: 'password_confirm', label: m.passwordConfirm, type, autocomplete: 'new-password', required: true, invalid })}
    <div class="check">
      <input id="show_password" type="checkbox" .checked=${state.showPassword} @change=${(event: Event) => toggleShow(state, event)} />
      <label for="show_password">${m.showPassword}</label>
    </div>
  `;
}

function passwordStep(state: InviteState, info: InvitationInfo): TemplateResult {
  const m = t();
  return html`
    ${about(info)}
    <p class="steps">${m.inviteSteps}</p>
    <form class="card" novalidate @submit=${(event: SubmitEvent) => submitPassword(state, event)} aria-busy=${state.busy ? 'true' : 'false'}>
      <h2>${m.stepOf(1, 2)}</h2>
      ${info.kind !== 'recovery' ? accountFields(state) : nothing}
      ${passwordFields(state)}
      ${errorBox(state.problem?.() ?? null)}
      <button type="submit" class="primary" ?disabled=${state.busy}>${state.busy ? m.working : m.next}</button>
    </form>
  `;
}

function passkeyStep(state: InviteState, info: InvitationInfo): TemplateResult {
  const m = t();
  return html`
    ${about(info)}
    <form class="card" @submit=${(event: SubmitEvent) => registerPasskey(state, event)} aria-busy=${state.busy ? 'true' : 'false'}>
      <h2>${m.stepOf(2, 2)}: ${m.passkeyTitle}</h2>
      <p>${m.passkeyExplain}</p>
      ${field({ id: 'credential_name', label: m.credentialName, autocomplete: 'off' })}
      ${errorBox(state.problem?.() ?? null)}
      <button type="submit" class="primary" ?disabled=${state.busy}>
        ${state.busy ? m.working : m.registerPasskey}
      </button>
      <button type="button" class="secondary" ?disabled=${state.busy} @click=${() => backToPassword(state)}>${m.back}</button>
    </form>
  `;
}

function content(state: InviteState): TemplateResult {
  const m = t();
  switch (state.step.name) {
    case 'checking':
      return html`<p role="status">${m.inviteChecking}</p>`;
    case 'invalid':
      return html`
        ${errorBox(state.problem?.() ?? m.unexpected)}
        ${session.me === null
          ? html`<p><a class="button secondary" href="#/sign-in">${m.goSignIn}</a></p>`
          : html`<p><a class="button secondary" href="#/">${inviteText().goHome}</a></p>`}
      `;
    case 'password':
      return state.info === null ? html`` : passwordStep(state, state.info);
    case 'passkey':
      return state.info === null ? html`` : passkeyStep(state, state.info);
    case 'join':
      return state.info === null || state.me === null ? html`` : joinCard(state, state.info, state.me);
    case 'gone':
      return goneCard(state, state.step.alreadyMember);
  }
}

function title(state: InviteState): string {
  if (state.step.name === 'join') return inviteText().joinTitle;
  if (state.step.name === 'gone') return inviteText().goneTitle;
  return t().inviteTitle;
}

export function inviteView(token: string): View {
  const state = inviteState(token);
  void checkLink(state);
  return { title: () => title(state), content: () => content(state) };
}
