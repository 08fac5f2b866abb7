// A room invitation opened by someone already signed in (e.g. a nurse who cares for
// other clients too): who invites, the care team, the role in words and whose account joins,
// then 「参加する」 (POST /invitations/accept) or 「参加しない」. Joining opens the
// room; the engine there fetches the room and, once a member's device has added this
// person's devices to the channels, the welcome (the same engine calls as after a
// new account's first sign-in). A link that can no longer be used says so and leads
// home.

import { html, nothing, type TemplateResult } from 'lit-html';

import type { Me } from '../api';
import { navigate, rerender } from '../app';
import { isCode } from '../http';
import { formatTime, lang, t } from '../i18n';
import { acceptInvitation, roomHash, type LinkInfo } from '../members/api';
import { roleSees, roleWords } from '../members/role-names';
import type { InviteState } from './invite-flow';
import { inviteText } from './invite-messages';
import { errorBox, problemText } from './parts';

async function join(state: InviteState): Promise<void> {
  if (state.busy) return;
  state.busy = true;
  state.problem = null;
  rerender();
  try {
    const joined = await acceptInvitation(state.token);
    navigate(roomHash(joined.roomId, joined.role));
    return;
  } catch (error) {
    state.problem = () => problemText(error);
    if (isCode(error, 'already_member')) state.step = { name: 'gone', alreadyMember: true };
    else if (isCode(error, 'invitation_invalid')) state.step = { name: 'gone', alreadyMember: false };
  }
  state.busy = false;
  rerender();
}

/** The card: who invites, team, role in words, who joins, and the two buttons. */
export function joinCard(state: InviteState, info: LinkInfo, person: Me): TemplateResult {
  const m = inviteText();
  const language = lang();
  const role = info.role ?? '';
  return html`
    <section class="card about" id="invite-join" aria-labelledby="invite-join-lead" aria-busy=${state.busy ? 'true' : 'false'}>
      <p id="invite-join-lead" class="lead">${info.inviterName === null ? m.joinLead : m.joinLeadFrom(info.inviterName)}</p>
      ${role === '' ? nothing : html`<p id="invite-join-role" data-role=${role}>${m.joinRole(roleWords(role, language))}</p>`}
      ${role === '' ? nothing : html`<p class="hint">${roleSees(role, language)}</p>`}
      <p>${t().inviteExpires(formatTime(info.expiresAt))}</p>
      <p id="invite-join-as">${m.joinAs(person.displayName, person.loginId)}</p>
      ${info.inviteeName === null ? nothing : html`<p id="invite-join-for">${m.joinNotYou(info.inviteeName)}</p>`}
      ${errorBox(state.problem?.() ?? null)}
      <button type="button" class="primary" id="invite-join-accept" ?disabled=${state.busy}
        @click=${() => void join(state)}>${state.busy ? m.joining : m.join}</button>
      <button type="button" class="secondary" id="invite-join-decline" ?disabled=${state.busy}
        @click=${() => navigate('#/')}>${m.decline}</button>
    </section>
  `;
}

/** A link that cannot be used, for someone signed in: why (the server's words), and the way home. */
export function goneCard(state: InviteState, alreadyMember: boolean): TemplateResult {
  const m = inviteText();
  return html`
    <div id="invite-gone">
      ${errorBox(alreadyMember ? m.alreadyMember : state.problem?.() ?? t().unexpected)}
      ${alreadyMember ? nothing : html`<p>${m.goneRooms}</p>`}
      <p><a class="button primary" href="#/">${m.goHome}</a></p>
    </div>
  `;
}
