// Inviting someone into the room (owner and delegates): name and role, then the
// one-time link with a copy button, its expiry and a QR code to scan.

import { html, nothing, type TemplateResult } from 'lit-html';

import { rerender } from '../app';
import { formatTime } from '../i18n';
import { errorBox, formText, problemText } from '../views/parts';
import { INVITABLE, inviteToRoom, type IssuedLink, type RoomRole } from './api';
import { membersText } from './messages';
import { qrSvg } from './qr';

export interface InviteState {
  busy: boolean;
  problem: (() => string) | null;
  nameInvalid: boolean;
  role: RoomRole;
  issued: (IssuedLink & { name: string }) | null;
  copy: 'idle' | 'copied' | 'failed';
}

export function newInviteState(): InviteState {
  return { busy: false, problem: null, nameInvalid: false, role: 'professional', issued: null, copy: 'idle' };
}

function focusLater(id: string): void {
  requestAnimationFrame(() => document.getElementById(id)?.focus());
}

async function submit(event: SubmitEvent, roomId: string, state: InviteState): Promise<void> {
  event.preventDefault();
  if (state.busy) return;
  const form = event.currentTarget as HTMLFormElement;
  const name = (formText(form, 'invitee_name') ?? '').trim();
  const role = INVITABLE.find((r) => r === formText(form, 'invite_role')) ?? 'professional';
  state.role = role;
  state.problem = null;
  state.nameInvalid = name === '';
  if (state.nameInvalid) {
    state.problem = () => membersText().nameMissing;
    rerender();
    focusLater('invitee_name');
    return;
  }
  state.busy = true;
  rerender();
  try {
    const issued = await inviteToRoom(roomId, name, role);
    state.issued = { ...issued, name };
    state.copy = 'idle';
    focusLater('invite-ready');
  } catch (error) {
    state.problem = () => problemText(error);
  }
  state.busy = false;
  rerender();
}

async function copyLink(state: InviteState): Promise<void> {
  const link = state.issued?.link;
  if (link === undefined) return;
  try {
    await navigator.clipboard.writeText(link);
    state.copy = 'copied';
  } catch {
    state.copy = 'failed';
    const input = document.getElementById('invite-link');
    if (input instanceof HTMLInputElement) input.select();
  }
  rerender();
}

function again(state: InviteState): void {
  state.issued = null;
  state.copy = 'idle';
  rerender();
  focusLater('invitee_name');
}

function roleChoice(role: RoomRole, state: InviteState): TemplateResult {
  const m = membersText();
  const id = `invite-role-${role}`;
  return html`
    <div class="role-choice">
      <input type="radio" id=${id} name="invite_role" value=${role} ?checked=${state.role === role}
        aria-describedby=${`${id}-hint`} />
      <div class="role-text">
        <label for=${id}>${m.role(role)}</label>
        <p class="hint" id=${`${id}-hint`}>${m.roleHints[role] ?? ''}</p>
      </div>
    </div>
  `;
}

function issuedPanel(issued: IssuedLink & { name: string }, state: InviteState): TemplateResult {
  const m = membersText();
  const copyNote = state.copy === 'copied' ? m.copied : state.copy === 'failed' ? m.copyFailed : '';
  return html`
    <div class="invite-result" id="invite-result">
      <h3 id="invite-ready" tabindex="-1">${m.linkReady(issued.name)}</h3>
      <p>${m.linkExplain}</p>
      <div class="field">
        <label for="invite-link">${m.linkLabel}</label>
        <input id="invite-link" type="text" readonly .value=${issued.link} autocomplete="off" spellcheck="false" />
      </div>
      <button type="button" class="primary" @click=${() => void copyLink(state)}>${m.copy}</button>
      <p class=${state.copy === 'failed' ? 'error' : 'copy-note'} role="status">${copyNote}</p>
      <p id="invite-expires">${m.expires(formatTime(issued.expiresAt))}</p>
      <figure class="qr-box">
        ${qrSvg(issued.qrPayload, m.qrLabel(issued.name))}
        <figcaption class="hint">${m.qrHint}</figcaption>
      </figure>
      <button type="button" class="secondary" @click=${() => again(state)}>${m.inviteAnother}</button>
    </div>
  `;
}

export function invitePanel(roomId: string, state: InviteState): TemplateResult {
  const m = membersText();
  return html`
    <section class="card invite" aria-labelledby="invite-heading">
      <h2 id="invite-heading">${m.inviteHeading}</h2>
      ${state.issued !== null
        ? issuedPanel(state.issued, state)
        : html`
            <p>${m.inviteExplain}</p>
            <form novalidate @submit=${(event: SubmitEvent) => void submit(event, roomId, state)}>
              <div class="field">
                <label for="invitee_name">${m.inviteeName}</label>
                <p class="hint" id="invitee_name-hint">${m.inviteeNameHint}</p>
                <input id="invitee_name" name="invitee_name" type="text" autocomplete="off" maxlength="100" required
                  aria-describedby="invitee_name-hint" aria-invalid=${state.nameInvalid ? 'true' : 'false'} />
              </div>
              <fieldset class="roles">
                <legend>${m.roleQuestion}</legend>
                ${INVITABLE.map((role) => roleChoice(role, state))}
              </fieldset>
              ${errorBox(state.problem?.() ?? null)}
              <button type="submit" class="primary" ?disabled=${state.busy}>${state.busy ? m.creating : m.createLink}</button>
            </form>
          `}
      ${state.issued !== null ? errorBox(state.problem?.() ?? null) : nothing}
    </section>
  `;
}
