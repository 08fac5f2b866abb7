// The members of a room (#/rooms/{id}/members): who is in it, their role, which
// channels they see and how many devices they use. The owner and delegates also
// invite (link + QR, invite.ts) and remove members (after a confirmation dialog);
// everyone else sees the list only. The server enforces the same rules.

import { html, nothing, type TemplateResult } from 'lit-html';
import { createRef, ref, type Ref } from 'lit-html/directives/ref.js';

import type { Me } from '../api';
import { rerender, type View } from '../app';
import { rooms } from '../engine';
import { ensureEngine } from '../views/rooms';
import { lang } from '../i18n';
import { errorBox, noticeBox, problemText } from '../views/parts';
import { listMembers, mayManage, myRoom, removeMember, type Member, type MyRoom } from './api';
import { settleMembership } from './engine-link';
import { invitePanel, newInviteState, type InviteState } from './invite';
import { escalationPanel, newEscalationState, type EscalationState } from '../notify/escalation';
import { membersText } from './messages';
import { emergencyBadge, emergencyMembers } from '../admin/emergency-badge';
import { closePanel, closureOf, newCloseState, type CloseState } from './close-room';

import './members.css';

interface State {
  room: MyRoom | null;
  members: Member[] | null;
  /** Members that are emergency (break-glass) accounts (the server's flag). */
  emergency: Set<string>;
  loading: boolean;
  problem: (() => string) | null;
  notice: (() => string) | null;
  confirming: Member | null;
  removing: boolean;
  invite: InviteState;
  escalation: EscalationState;
  closing: CloseState;
}

function channelsText(member: Member): string {
  const m = membersText();
  return [member.team ? m.channelTeam : null, member.family ? m.channelFamily : null]
    .filter((c): c is string => c !== null)
    .join(lang() === 'ja' ? '・' : ', ');
}

/** One members screen: who looks, at which room, and what it shows. */
interface Screen {
  me: Me;
  roomId: string;
  state: State;
  dialog: Ref<HTMLDialogElement>;
}

async function load(screen: Screen): Promise<void> {
  const { state, roomId } = screen;
  state.loading = true;
  try {
    const [room, members, emergency] = await Promise.all([
      myRoom(roomId),
      listMembers(roomId),
      emergencyMembers(roomId).catch(() => state.emergency),
    ]);
    state.room = room;
    state.members = members;
    state.emergency = emergency;
  } catch (error) {
    state.problem = () => problemText(error);
  }
  state.loading = false;
  rerender();
}

function manage(screen: Screen): boolean {
  const { state } = screen;
  const mine = state.members?.find((member) => member.userId === screen.me.userId);
  return mayManage(mine?.role ?? state.room?.role ?? null);
}

function askRemove(screen: Screen, member: Member): void {
  const { state } = screen;
  state.confirming = member;
  state.problem = null;
  state.notice = null;
  rerender();
  screen.dialog.value?.showModal();
}

function closeDialog(screen: Screen): void {
  if (screen.state.removing) return;
  screen.dialog.value?.close();
}

async function confirmRemove(screen: Screen): Promise<void> {
  const { state, roomId } = screen;
  const member = state.confirming;
  if (member === null || state.removing) return;
  state.removing = true;
  rerender();
  try {
    await removeMember(roomId, member.userId);
    state.notice = () => membersText().removed(member.displayName);
    state.members = (state.members ?? []).filter((m) => m.userId !== member.userId);
  } catch (error) {
    state.problem = () => problemText(error);
  }
  state.removing = false;
  screen.dialog.value?.close();
  rerender();
  document.getElementById('members-heading')?.focus();
  // The removed person's devices leave the channel groups (new era key).
  await settleMembership(roomId);
  await load(screen);
}

function onDialogClosed(screen: Screen): void {
  screen.state.confirming = null;
  rerender();
}

function memberCard(screen: Screen, member: Member, canManage: boolean): TemplateResult {
  const m = membersText();
  const me = screen.me;
  const channels = [member.team ? 'team' : '', member.family ? 'family' : ''].filter((c) => c !== '').join(' ');
  const removable = canManage && member.role !== 'owner' && member.userId !== me.userId;
  return html`
    <li class="member" data-user=${member.userId} data-role=${member.role} data-channels=${channels}>
      <p class="member-name">
        ${member.displayName}${member.userId === me.userId ? html`<span class="member-you">${m.you}</span>` : nothing}
        ${emergencyBadge(screen.state.emergency.has(member.userId))}
      </p>
      <dl class="member-facts">
        <div><dt>${m.roleLabel}</dt><dd class="member-role">${m.role(member.role)}</dd></div>
        <div><dt>${m.channelsLabel}</dt><dd class="member-channels">${channelsText(member)}</dd></div>
        <div><dt>${m.devicesLabel}</dt><dd class="member-devices">${m.devices(member.devices)}</dd></div>
      </dl>
      ${removable
        ? html`<button type="button" class="secondary danger" @click=${() => askRemove(screen, member)}>
            ${m.remove(member.displayName)}
          </button>`
        : nothing}
    </li>
  `;
}

function confirmDialog(screen: Screen): TemplateResult {
  const m = membersText();
  const { state } = screen;
  const member = state.confirming;
  return html`
    <dialog class="confirm" ${ref(screen.dialog)} aria-labelledby="confirm-title" aria-describedby="confirm-explain"
      @close=${() => onDialogClosed(screen)}>
      ${member === null
        ? nothing
        : html`
            <h2 id="confirm-title">${m.confirmTitle(member.displayName)}</h2>
            <p id="confirm-explain">${m.confirmExplain}</p>
            <div class="confirm-actions">
              <button type="button" class="danger" ?disabled=${state.removing} @click=${() => void confirmRemove(screen)}>
                ${state.removing ? m.removing : m.confirmRemove}
              </button>
              <button type="button" class="secondary" autofocus ?disabled=${state.removing} @click=${() => closeDialog(screen)}>
                ${m.cancel}
              </button>
            </div>
          `}
    </dialog>
  `;
}

function backLink(state: State): TemplateResult {
  const m = membersText();
  const room = state.room;
  if (room === null) return html`<p><a class="button secondary" href="#/">${m.backToRooms}</a></p>`;
  return html`<p><a class="button secondary" href=${`#/rooms/${room.id}/${room.team ? 'team' : 'family'}`}>${m.backToRoom}</a></p>`;
}

function content(screen: Screen): TemplateResult {
  const m = membersText();
  const { state } = screen;
  const members = state.members;
  const open = closureOf(screen.roomId) === null;
  const canManage = manage(screen) && open;
  return html`
    ${backLink(state)} ${noticeBox(state.notice?.() ?? null)} ${errorBox(state.problem?.() ?? null)}
    ${state.loading && members === null ? html`<p role="status">${m.loading}</p>` : nothing}
    ${members === null
      ? nothing
      : html`
          <section class="members" aria-labelledby="members-heading">
            <h2 id="members-heading" tabindex="-1">${m.listHeading(members.length)}</h2>
            <ul class="member-list">${members.map((member) => memberCard(screen, member, canManage))}</ul>
            ${canManage ? nothing : html`<p class="hint" id="members-view-only">${m.viewOnly}</p>`}
          </section>
          ${canManage ? invitePanel(screen.roomId, state.invite) : nothing}
          ${escalationPanel(state.escalation, canManage)}
          ${closePanel(screen.roomId, state.closing, manage(screen))}
        `}
    ${confirmDialog(screen)}
  `;
}

export function membersView(me: Me, roomId: string): View {
  const state: State = {
    room: null,
    members: null,
    emergency: new Set(),
    loading: true,
    problem: null,
    notice: null,
    confirming: null,
    removing: false,
    invite: newInviteState(),
    escalation: newEscalationState(roomId),
    closing: newCloseState(),
  };
  const screen: Screen = { me, roomId, state, dialog: createRef<HTMLDialogElement>() };
  let knownName: string | null = null;
  // The room's name is sealed: it shows once the engine runs (vault open).
  ensureEngine(me);
  void load(screen);
  return {
    // The room's name is sealed: it appears once this device opens it, and stays.
    title: () => {
      if (state.room === null) return membersText().title;
      knownName = rooms().find((r) => r.roomId === roomId)?.name ?? knownName;
      return membersText().titleOf(knownName ?? state.room.name);
    },
    content: () => content(screen),
  };
}
