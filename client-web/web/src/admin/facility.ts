// `#/admin/ORG`: one facility — invite staff (one-time link, copy, QR), the staff
// list with last sign-in, a person's panel (actions, roles, reset), and the reset
// ledger. A person the server refuses (wrong role) sees why and nothing else.

import { html, nothing, type TemplateResult } from 'lit-html';

import { type Me } from '../api';
import { ApiError, describeError } from '../http';
import { rerender, type View } from '../app';
import { errorBox, field, formText, noticeBox } from '../views/parts';
import { inviteStaff, listStaff, resetLedger } from './api';
import { fetchOrganisations, fromRoles } from './model';
import { ledgerSection } from './ledger';
import { adminText } from './messages';
import { ORG_ROLES, roleName } from './vocab';
import { copyLink, linkBox, selectField } from './parts';
import { confirmDialog, personPanel } from './person';
import { deviceConfirmDialog } from './devices';
import { staffTable } from './staff';
import { fittingRoles, newFacilityState, type FacilityState } from './state';
import { newRetentionState, retentionSection } from './retention';

async function load(state: FacilityState): Promise<void> {
  try {
    const [staff, ledger] = await Promise.all([listStaff(state.orgId), resetLedger(state.orgId)]);
    state.staff = staff;
    state.ledger = ledger;
    state.denied = null;
  } catch (error) {
    if (error instanceof ApiError && (error.status === 403 || error.status === 404)) {
      state.denied = () => describeError(error);
    } else {
      state.problem = () => describeError(error);
    }
  }
  rerender();
}

/** Its name and kind, from the server's list of organisations this person may administer. */
async function loadName(state: FacilityState): Promise<void> {
  state.orgLoading = true;
  state.orgProblem = null;
  rerender();
  try {
    const found = (await fetchOrganisations(state.me)).find((o) => o.id === state.orgId);
    if (found !== undefined) {
      state.orgName = found.name;
      state.orgKind = found.kind;
    }
  } catch (error) {
    state.orgProblem = () => adminText().listFailed(describeError(error));
  }
  state.orgLoading = false;
  rerender();
}

/** The list could not be fetched: the server's words and a retry (the rest of the page still works). */
function nameProblem(state: FacilityState): TemplateResult | typeof nothing {
  if (state.orgProblem === null) return nothing;
  return html`<div class="admin-retry">
    ${errorBox(state.orgProblem())}
    <button type="button" class="secondary" ?disabled=${state.orgLoading} @click=${() => void loadName(state)}>${adminText().retry}</button>
  </div>`;
}

function inviteForm(state: FacilityState): TemplateResult {
  const m = adminText();
  const invite = state.invite;
  async function submit(event: SubmitEvent): Promise<void> {
    event.preventDefault();
    const form = event.currentTarget;
    if (state.busy || !(form instanceof HTMLFormElement)) return;
    const name = (formText(form, 'invitee_name') ?? '').trim();
    invite.role = formText(form, 'invitee_role') ?? 'nurse';
    invite.link = null;
    if (name === '') {
      invite.problem = () => adminText().nameRequired;
      rerender();
      return;
    }
    state.busy = true;
    invite.problem = null;
    rerender();
    try {
      const issued = await inviteStaff(state.orgId, name, invite.role);
      invite.link = { issued, name, copied: null };
      form.reset();
    } catch (error) {
      invite.problem = () => describeError(error);
    }
    state.busy = false;
    rerender();
    if (invite.link !== null) document.getElementById('admin-invite-link-title')?.focus();
  }
  const copy = async (): Promise<void> => {
    const link = invite.link;
    if (link === null) return;
    link.copied = (await copyLink('admin-invite-link-url', link.issued.link)) ? 'yes' : 'failed';
    rerender();
  };
  return html`
    <section class="card admin-section" aria-labelledby="admin-invite-title">
      <h2 id="admin-invite-title">${m.inviteTitle}</h2>
      <form @submit=${submit} novalidate>
        ${field({ id: 'invitee_name', label: m.inviteeName, hint: m.inviteeNameHint, autocomplete: 'off', required: true, invalid: invite.problem !== null })}
        ${selectField({
          id: 'invitee_role',
          label: m.role,
          value: invite.role,
          options: fittingRoles(state, ORG_ROLES).map((r) => ({ value: r, text: roleName(r) })),
        })}
        ${errorBox(invite.problem?.() ?? null)}
        <button type="submit" class="primary" ?disabled=${state.busy}>${m.invite}</button>
      </form>
      ${invite.link === null
        ? nothing
        : linkBox('admin-invite-link', m.linkFor(invite.link.name), invite.link, () => void copy())}
    </section>
  `;
}

export function facilityView(me: Me, orgId: string): View {
  const known = fromRoles(me, orgId);
  const state = newFacilityState(me, orgId, known.name, known.kind);
  const reload = (): Promise<void> => load(state);
  const retention = newRetentionState(orgId);
  void reload();
  void loadName(state);

  const open = (userId: string): void => {
    const changed = state.selected !== userId;
    state.selected = userId;
    if (changed) {
      state.reset = { link: null, problem: null, method: 'in_person_photo_id', note: '' };
      state.problem = null;
      state.notice = null;
      state.deviceStatus = { notice: null, problem: null };
    }
    rerender();
    const panel = document.getElementById('admin-person-title');
    panel?.scrollIntoView({ block: 'start' });
    panel?.focus();
  };
  const close = (): void => {
    const was = state.selected;
    state.selected = null;
    rerender();
    const row = state.staff?.find((s) => s.userId === was);
    if (row !== undefined) document.querySelector<HTMLElement>(`tr[data-login="${CSS.escape(row.loginId)}"] .admin-manage`)?.focus();
  };
  const refresh = (): void => void reload();

  return {
    title: () => {
      const m = adminText();
      if (state.orgName !== null) return m.facilityTitle(state.orgName);
      // Not listed (yet): the generic title while loading, then by its ID.
      return state.orgLoading ? m.title : m.facilityTitle(m.orgUnnamed(state.orgId));
    },
    content: () => {
      const m = adminText();
      if (state.denied !== null) {
        return html`
          <p class="error admin-denied" role="alert">${m.notPermitted}</p>
          <p class="admin-server-says">${state.denied()}</p>
          <p><a class="button secondary" href="#/">${m.backHome}</a></p>
        `;
      }
      return html`
        <div class="admin-wide">
          <p><a class="button secondary" href="#/admin">${m.backAdmin}</a></p>
          ${nameProblem(state)}
          ${state.selected === null ? html`${errorBox(state.problem?.() ?? null)} ${noticeBox(state.notice?.() ?? null)}` : nothing}
          ${inviteForm(state)} ${staffTable(state, open, refresh)} ${personPanel(state, reload, close)} ${ledgerSection(state)}
          ${retentionSection(retention)}
          ${confirmDialog(state, reload)} ${deviceConfirmDialog(state, reload)}
        </div>
      `;
    },
  };
}
