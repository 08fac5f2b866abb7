// The staff list (staff and the members of the facility's rooms): a table on wide
// screens, one card per person on narrow ones (admin.css), each with a "Manage"
// button that opens the person's panel (person.ts).

import { html, nothing, type TemplateResult } from 'lit-html';

import { formatTime, lang } from '../i18n';
import type { StaffMember } from './api';
import { adminText } from './messages';
import { roleName } from './vocab';
import { deviceCount } from './devices';
import type { FacilityState } from './state';

export function stateText(person: StaffMember): string {
  const m = adminText();
  switch (person.status) {
    case 'active':
      return m.stateActive;
    case 'suspended':
      return m.stateSuspended;
    case 'disabled':
      return m.stateDisabled;
    default:
      // A state a newer server knows: a word, never the code.
      return m.stateOther;
  }
}

export function rolesText(person: StaffMember): string {
  const names = [...person.roles, ...person.roomRoles].map(roleName);
  return names.join(lang() === 'ja' ? '、' : ', ');
}

function row(state: FacilityState, person: StaffMember, open: (userId: string) => void): TemplateResult {
  const m = adminText();
  const isMe = person.userId === state.me.userId;
  const selected = state.selected === person.userId;
  return html`
    <tr data-login=${person.loginId} class=${selected ? 'admin-row-selected' : ''}>
      <th scope="row" data-label=${m.colName}>
        ${person.displayName}${isMe ? html` <span class="admin-tag">${m.you}</span>` : nothing}
        ${person.relation === 'room_member' ? html` <span class="hint">${m.familyOf}</span>` : nothing}
      </th>
      <td data-label=${m.colLogin} class="admin-login">${person.loginId}</td>
      <td data-label=${m.colRoles}>${rolesText(person)}</td>
      <td data-label=${m.colState} class="admin-state-cell">
        <span class="admin-state admin-state-${person.status}">${stateText(person)}</span>
        ${person.locked ? html`<span class="admin-state admin-state-locked">${m.stateLocked}</span>` : nothing}
        <span class="admin-device-count">${deviceCount(person)}</span>
      </td>
      <td data-label=${m.colLast} class="admin-last">
        ${person.lastSignInAt === null ? m.never : formatTime(person.lastSignInAt)}
      </td>
      <td data-label=${m.colActions}>
        <button
          type="button"
          class="secondary admin-manage"
          aria-label=${m.manageLabel(person.displayName)}
          aria-expanded=${selected ? 'true' : 'false'}
          aria-controls="admin-person"
          @click=${() => open(person.userId)}
        >
          ${m.manage}
        </button>
      </td>
    </tr>
  `;
}

export function staffTable(state: FacilityState, open: (userId: string) => void, refresh: () => void): TemplateResult {
  const m = adminText();
  const staff = state.staff;
  let body: TemplateResult;
  if (staff === null) {
    body = html`<p role="status">${m.loadingList}</p>`;
  } else if (staff.length === 0) {
    body = html`<p>${m.staffEmpty}</p>`;
  } else {
    body = html`
      <table class="admin-table" id="admin-staff">
        <caption class="admin-sr">${m.staffTitle}</caption>
        <thead>
          <tr>
            <th scope="col">${m.colName}</th>
            <th scope="col">${m.colLogin}</th>
            <th scope="col">${m.colRoles}</th>
            <th scope="col">${m.colState}</th>
            <th scope="col">${m.colLast}</th>
            <th scope="col">${m.colActions}</th>
          </tr>
        </thead>
        <tbody>
          ${staff.map((person) => row(state, person, open))}
        </tbody>
      </table>
    `;
  }
  return html`
    <section class="card admin-section" aria-labelledby="admin-staff-title">
      <div class="admin-section-head">
        <h2 id="admin-staff-title">${m.staffTitle}</h2>
        <button type="button" class="secondary" ?disabled=${state.busy} @click=${refresh}>${m.refresh}</button>
      </div>
      ${body}
    </section>
  `;
}
