// A person's devices in their panel (person.ts): name, when registered, revoked or
// in use, and "Revoke this device" for each one in use. Revoking asks first, in a
// modal dialog that says what will happen; then the list is fetched again. The count
// for the staff list's row or card is here too.

import './devices.css';

import { html, nothing, type TemplateResult } from 'lit-html';

import { describeError } from '../http';
import { rerender } from '../app';
import { formatTime } from '../i18n';
import { errorBox, noticeBox } from '../views/parts';
import { revokeDevice, type StaffDevice, type StaffMember } from './api';
import { deviceText } from './device-messages';
import { adminText } from './messages';
import type { FacilityState } from './state';

export interface Reload {
  (): Promise<void>;
}

const revokeButtonId = (device: StaffDevice): string => `admin-device-revoke-${device.id}`;

function nameOf(device: StaffDevice): string {
  return device.name.trim() === '' ? deviceText().unnamed : device.name;
}

function when(millis: number | null): string {
  return millis === null ? '' : formatTime(millis);
}

/** "端末 2台" / "2 devices" (and how many are revoked) for the staff list. */
export function deviceCount(person: StaffMember): string {
  const revoked = person.devices.filter((d) => d.revokedAt !== null).length;
  return deviceText().count(person.devices.length - revoked, revoked);
}

async function revoke(state: FacilityState, person: StaffMember, device: StaffDevice, reload: Reload): Promise<void> {
  if (state.busy) return;
  state.busy = true;
  state.deviceConfirm = null;
  state.deviceStatus = { notice: null, problem: null };
  state.problem = null;
  state.notice = null;
  rerender();
  const name = nameOf(device);
  const personName = person.displayName;
  try {
    await revokeDevice(state.orgId, person.userId, device.id);
    state.deviceStatus.notice = () => deviceText().done(name, personName);
  } catch (error) {
    state.deviceStatus.problem = () => deviceText().failed(describeError(error));
  }
  state.busy = false;
  // Whatever happened, the list shows what the server now holds.
  await reload();
  document.getElementById('admin-devices-title')?.focus();
}

function ask(state: FacilityState, person: StaffMember, device: StaffDevice): void {
  state.deviceConfirm = { userId: person.userId, deviceId: device.id };
  rerender();
  const dialog = document.getElementById('admin-device-confirm');
  if (dialog instanceof HTMLDialogElement && !dialog.open) dialog.showModal();
}

/** The dialog asking before a device is revoked (nothing when none is pending). */
export function deviceConfirmDialog(state: FacilityState, reload: Reload): TemplateResult | typeof nothing {
  const pending = state.deviceConfirm;
  if (pending === null) return nothing;
  const person = state.staff?.find((s) => s.userId === pending.userId);
  const device = person?.devices.find((d) => d.id === pending.deviceId);
  if (person === undefined || device === undefined) return nothing;
  const m = deviceText();
  const cancel = (): void => {
    state.deviceConfirm = null;
    rerender();
    document.getElementById(revokeButtonId(device))?.focus();
  };
  return html`
    <dialog
      id="admin-device-confirm"
      class="admin-dialog"
      aria-labelledby="admin-device-confirm-title"
      aria-describedby="admin-device-confirm-text"
      @cancel=${cancel}
    >
      <h2 id="admin-device-confirm-title">${m.confirmTitle(nameOf(device), person.displayName)}</h2>
      <p id="admin-device-confirm-text">${m.confirmText}</p>
      <div class="admin-actions">
        <button type="button" class="secondary" autofocus @click=${cancel}>${m.cancel}</button>
        <button type="button" class="admin-danger" @click=${() => void revoke(state, person, device, reload)}>${m.confirmYes}</button>
      </div>
    </dialog>
  `;
}

function item(state: FacilityState, person: StaffMember, device: StaffDevice, mayRevoke: boolean): TemplateResult {
  const m = deviceText();
  const name = nameOf(device);
  const registered = when(device.createdAt);
  const revokedAt = device.revokedAt;
  return html`
    <li class="admin-device ${revokedAt === null ? '' : 'admin-device-revoked'}" data-device-id=${device.id}>
      <span class="admin-device-name">${name}</span>
      ${registered === '' ? nothing : html`<span class="admin-device-when">${m.registered(registered)}</span>`}
      ${revokedAt === null
        ? html`<span class="admin-state admin-state-active">${m.live}</span>`
        : html`<span class="admin-state admin-state-disabled">${m.revoked(when(revokedAt))}</span>`}
      ${revokedAt === null && mayRevoke
        ? html`<button
            type="button"
            id=${revokeButtonId(device)}
            class="secondary admin-device-revoke"
            aria-label=${m.revokeLabel(name, registered)}
            ?disabled=${state.busy}
            @click=${() => ask(state, person, device)}
          >
            ${m.revoke}
          </button>`
        : nothing}
    </li>
  `;
}

/** The devices section of a person's panel. */
export function devicesBox(state: FacilityState, person: StaffMember): TemplateResult {
  const m = deviceText();
  const mayRevoke = person.userId !== state.me.userId;
  const status = state.deviceStatus;
  return html`
    <section class="admin-devices" aria-labelledby="admin-devices-title">
      <h3 id="admin-devices-title" tabindex="-1">${m.title}</h3>
      <p class="hint">${m.explain}</p>
      ${errorBox(status.problem?.() ?? null)} ${noticeBox(status.notice?.() ?? null)}
      ${person.devices.length === 0
        ? html`<p>${m.none}</p>`
        : html`<ul class="admin-device-list">
            ${person.devices.map((d) => item(state, person, d, mayRevoke))}
          </ul>`}
      ${mayRevoke ? nothing : html`<p class="hint">${m.selfNote}</p>`}
      <p class="hint">${adminText().devicesNote}</p>
    </section>
  `;
}
