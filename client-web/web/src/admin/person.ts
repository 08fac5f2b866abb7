// One person's panel: state, suspend / reactivate / unlock / disable (suspend and
// disable ask first, in a modal dialog that says what will happen), roles, and the
// identity-verified reset (reset.ts), and the person's devices (devices.ts).

import { html, nothing, type TemplateResult } from 'lit-html';

import { describeError } from '../http';
import { rerender } from '../app';
import { errorBox, noticeBox } from '../views/parts';
import { changeRole, staffAction, type StaffAction, type StaffMember } from './api';
import { adminText } from './messages';
import { ORG_ROLES, roleName } from './vocab';
import { resetForm } from './reset';
import { devicesBox } from './devices';
import { stateText } from './staff';
import { fittingRoles, type Confirmable, type FacilityState } from './state';

export interface Reload {
  (): Promise<void>;
}

async function perform(state: FacilityState, person: StaffMember, action: StaffAction, reload: Reload): Promise<void> {
  if (state.busy) return;
  state.busy = true;
  state.confirm = null;
  state.problem = null;
  state.notice = null;
  state.deviceStatus = { notice: null, problem: null };
  rerender();
  try {
    await staffAction(state.orgId, person.userId, action);
    const name = person.displayName;
    state.notice = () => adminText().done[action](name);
  } catch (error) {
    state.problem = () => describeError(error);
  }
  state.busy = false;
  await reload();
  document.getElementById('admin-person-status')?.focus();
}

async function toggleRole(state: FacilityState, person: StaffMember, role: string, granted: boolean, reload: Reload): Promise<void> {
  if (state.busy) return;
  state.busy = true;
  state.problem = null;
  state.notice = null;
  rerender();
  try {
    await changeRole(state.orgId, person.userId, role, granted);
    state.notice = () => (granted ? adminText().roleGranted(roleName(role)) : adminText().roleRevoked(roleName(role)));
  } catch (error) {
    state.problem = () => describeError(error);
  }
  state.busy = false;
  await reload();
}

function ask(state: FacilityState, person: StaffMember, action: Confirmable): void {
  state.confirm = { action, userId: person.userId };
  rerender();
  const dialog = document.getElementById('admin-confirm');
  if (dialog instanceof HTMLDialogElement && !dialog.open) dialog.showModal();
}

/** The confirmation dialog for suspend and disable (nothing when none is pending). */
export function confirmDialog(state: FacilityState, reload: Reload): TemplateResult | typeof nothing {
  const pending = state.confirm;
  const person = state.staff?.find((s) => s.userId === pending?.userId);
  if (pending === null || person === undefined) return nothing;
  const m = adminText();
  const cancel = (): void => {
    state.confirm = null;
    rerender();
    document.getElementById('admin-person-title')?.focus();
  };
  return html`
    <dialog id="admin-confirm" class="admin-dialog" aria-labelledby="admin-confirm-title" aria-describedby="admin-confirm-text" @cancel=${cancel}>
      <h2 id="admin-confirm-title">${m.confirmTitle[pending.action](person.displayName)}</h2>
      <p id="admin-confirm-text">${pending.action === 'disable' ? m.confirmDisable : m.confirmSuspend}</p>
      <div class="admin-actions">
        <button type="button" class="secondary" autofocus @click=${cancel}>${m.cancel}</button>
        <button
          type="button"
          class=${pending.action === 'disable' ? 'admin-danger' : 'primary'}
          @click=${() => void perform(state, person, pending.action, reload)}
        >
          ${m.confirmYes[pending.action]}
        </button>
      </div>
    </dialog>
  `;
}

function rolesBox(state: FacilityState, person: StaffMember, reload: Reload): TemplateResult | typeof nothing {
  if (person.relation !== 'staff' || person.status === 'disabled') return nothing;
  const m = adminText();
  return html`
    <fieldset class="admin-roles">
      <legend>${m.rolesTitle}</legend>
      <p class="hint">${m.rolesHint}</p>
      ${ORG_ROLES.filter((r) => fittingRoles(state, [r]).length > 0 || person.roles.includes(r)).map((role) => {
        const held = person.roles.includes(role);
        const id = `admin-role-${role}`;
        return html`<div class="check">
          <input
            id=${id}
            type="checkbox"
            .checked=${held}
            ?disabled=${state.busy || (held && person.roles.length === 1)}
            @change=${(e: Event) => void toggleRole(state, person, role, (e.currentTarget as HTMLInputElement).checked, reload)}
          />
          <label for=${id}>${roleName(role)}</label>
        </div>`;
      })}
    </fieldset>
  `;
}

function actions(state: FacilityState, person: StaffMember, reload: Reload): TemplateResult {
  const m = adminText();
  const busy = state.busy;
  return html`
    <div class="admin-actions">
      ${person.status === 'active'
        ? html`<button type="button" class="secondary" ?disabled=${busy} @click=${() => ask(state, person, 'suspend')}>${m.suspend}</button>`
        : html`<button type="button" class="primary" ?disabled=${busy} @click=${() => void perform(state, person, 'reactivate', reload)}>${m.reactivate}</button>`}
      ${person.locked
        ? html`<button type="button" class="secondary" ?disabled=${busy} @click=${() => void perform(state, person, 'unlock', reload)}>${m.unlock}</button>`
        : nothing}
      <button type="button" class="admin-danger" ?disabled=${busy} @click=${() => ask(state, person, 'disable')}>${m.disable}</button>
    </div>
  `;
}

/** The open person's panel (nothing when none is open). */
export function personPanel(state: FacilityState, reload: Reload, close: () => void): TemplateResult | typeof nothing {
  const person = state.staff?.find((s) => s.userId === state.selected);
  if (person === undefined) return nothing;
  const m = adminText();
  const isMe = person.userId === state.me.userId;
  let body: TemplateResult;
  const devices = devicesBox(state, person);
  if (isMe) body = html`<p>${m.selfNote}</p> ${devices}`;
  else if (person.relation !== 'staff') body = html`<p>${m.roomMemberNote}</p>`;
  else if (person.status === 'disabled') body = html`<p>${m.disabledNote}</p> ${devices}`;
  else body = html`${actions(state, person, reload)} ${rolesBox(state, person, reload)} ${devices} ${resetForm(state, person, reload)}`;
  return html`
    <section id="admin-person" class="card admin-section admin-person" aria-labelledby="admin-person-title">
      <div class="admin-section-head">
        <h2 id="admin-person-title" tabindex="-1">${m.personTitle(person.displayName)}</h2>
        <button type="button" class="secondary" @click=${close}>${m.close}</button>
      </div>
      <p id="admin-person-status" tabindex="-1">
        <span class="admin-state admin-state-${person.status}">${stateText(person)}</span>
        ${person.locked ? html`<span class="admin-state admin-state-locked">${m.stateLocked}</span>` : nothing}
      </p>
      ${errorBox(state.problem?.() ?? null)} ${noticeBox(state.notice?.() ?? null)} ${body}
    </section>
  `;
}
