// `#/admin`: the organisations this person administers (the server's list), and
// (system administrator, officers) registering a facility. `#/admin/ORG` opens one
// facility (facility.ts).
// People without an administering role get a clear "not permitted" and no requests.

import './admin.css';

import { html, nothing, type TemplateResult } from 'lit-html';

import { type Me } from '../api';
import { describeError } from '../http';
import { parseRoute, rerender, type View } from '../app';
import { errorBox, field, formText, noticeBox } from '../views/parts';
import { facilityView } from './facility';
import { createOrganisation } from './api';
import { adminText } from './messages';
import { kindName, ORG_KINDS, roleName } from './vocab';
import { adminLinkVisible, fetchOrganisations, mayCreate, regionalBodies, type KnownOrganisation } from './model';
import { selectField } from './parts';
import './emergency-alert'; // the live alert of emergency-account sign-ins, above every screen
import { withEmergencyTab } from './emergency-nav';
import { emergencyView } from './emergency-view';
import { accessView } from './access-view';
import { alertsView } from './alerts';

export { adminLinkVisible } from './model';

/** The "not permitted" screen: says who may use it and whom to ask. */
function notPermittedView(): View {
  const m = adminText();
  return {
    title: () => adminText().title,
    content: () => html`
      <p class="error admin-denied" role="alert">${adminText().notPermitted}</p>
      <p><a class="button secondary" href="#/">${m.backHome}</a></p>
    `,
  };
}

export function orgLabel(o: KnownOrganisation): string {
  return o.name === '' ? adminText().orgUnnamed(o.id) : o.name;
}

/** The organisations from the server, while they load, and when they could not be loaded. */
interface ListState {
  orgs: KnownOrganisation[] | null;
  loading: boolean;
  problem: (() => string) | null;
}

async function loadList(me: Me, list: ListState): Promise<void> {
  list.loading = true;
  list.problem = null;
  rerender();
  try {
    list.orgs = await fetchOrganisations(me);
  } catch (error) {
    list.problem = () => adminText().listFailed(describeError(error));
  }
  list.loading = false;
  rerender();
}

function orgItem(o: KnownOrganisation, all: readonly KnownOrganisation[]): TemplateResult {
  const m = adminText();
  const parent = o.parentId === null ? undefined : all.find((p) => p.id === o.parentId);
  const role = o.role === null ? null : o.role === 'system_admin' ? m.systemAdmin : roleName(o.role);
  return html`<li>
    <a class="button secondary admin-org-link" href="#/admin/${o.id}" aria-label=${m.openOrg(orgLabel(o))}>
      <span class="admin-org-name">${orgLabel(o)}</span>
      <span class="admin-org-kind">${kindName(o.kind)}</span>
      ${parent === undefined ? nothing : html`<span class="admin-org-kind">${m.partOf(orgLabel(parent))}</span>`}
      ${role === null ? nothing : html`<span class="admin-org-kind">${m.yourRole(role)}</span>`}
    </a>
  </li>`;
}

function orgList(me: Me, list: ListState): TemplateResult {
  const m = adminText();
  const orgs = list.orgs;
  let body: TemplateResult | typeof nothing;
  if (orgs === null) {
    body = list.problem === null ? html`<p role="status">${m.loadingList}</p>` : nothing;
  } else if (orgs.length === 0) {
    body = html`<p>${mayCreate(me) ? m.orgsNone : m.orgsNoneOther}</p>`;
  } else {
    body = html`<ul class="admin-org-list">
      ${orgs.map((o) => orgItem(o, orgs))}
    </ul>`;
  }
  return html`
    <section class="card admin-orgs" aria-labelledby="admin-orgs-title" aria-busy=${list.loading ? 'true' : 'false'}>
      <h2 id="admin-orgs-title">${m.orgsTitle}</h2>
      ${list.problem === null
        ? nothing
        : html`<div class="admin-retry">
            ${errorBox(list.problem())}
            <button type="button" class="secondary" ?disabled=${list.loading} @click=${() => void loadList(me, list)}>${m.retry}</button>
          </div>`}
      ${body}
      <p class="hint">${m.orgsFromRoles}</p>
    </section>
  `;
}

interface CreateState {
  busy: boolean;
  problem: (() => string) | null;
  notice: (() => string) | null;
  kind: string;
}

function createForm(me: Me, state: CreateState, list: ListState): TemplateResult {
  const m = adminText();
  async function submit(event: SubmitEvent): Promise<void> {
    event.preventDefault();
    const form = event.currentTarget;
    if (state.busy || !(form instanceof HTMLFormElement)) return;
    const name = (formText(form, 'org_name') ?? '').trim();
    const kind = formText(form, 'org_kind') ?? 'clinic';
    const parent = formText(form, 'org_parent') ?? '';
    state.kind = kind;
    if (name === '') {
      state.problem = () => adminText().nameRequired;
      rerender();
      return;
    }
    state.busy = true;
    state.problem = null;
    state.notice = null;
    rerender();
    try {
      const created = await createOrganisation(name, kind, parent === '' ? null : parent);
      form.reset();
      state.notice = () => adminText().created(created.name);
    } catch (error) {
      state.problem = () => describeError(error);
    }
    state.busy = false;
    rerender();
    // The server's list now holds it (and names it as the server stored it).
    if (state.notice !== null) await loadList(me, list);
  }
  const parents = regionalBodies(list.orgs ?? []);
  return html`
    <section class="card" aria-labelledby="admin-create-title">
      <h2 id="admin-create-title">${m.createTitle}</h2>
      <form @submit=${submit} novalidate>
        ${field({ id: 'org_name', label: m.orgName, hint: m.orgNameHint, autocomplete: 'organization', required: true, invalid: state.problem !== null })}
        ${selectField({
          id: 'org_kind',
          label: m.orgKind,
          value: state.kind,
          options: ORG_KINDS.map((k) => ({ value: k, text: kindName(k) })),
        })}
        ${parents.length === 0 && me.isSystemAdmin
          ? nothing
          : selectField({
              id: 'org_parent',
              label: m.orgParent,
              options: [
                ...(me.isSystemAdmin ? [{ value: '', text: m.orgParentNone }] : []),
                ...parents.map((p) => ({ value: p.id, text: orgLabel(p) })),
              ],
            })}
        ${errorBox(state.problem?.() ?? null)}
        <button type="submit" class="primary" ?disabled=${state.busy}>${m.create}</button>
      </form>
      ${noticeBox(state.notice?.() ?? null)}
    </section>
  `;
}

/** `#/admin` (orgId null) or `#/admin/ORG`. */
export function adminView(me: Me, orgId: string | null): View {
  // One facility: the server decides (a wrong role gets its refusal, worded on screen).
  if (orgId !== null) {
    const route = parseRoute(location.hash);
    if (route.name === 'admin' && route.section === 'emergency') return emergencyView(me, orgId);
    if (route.name === 'admin' && route.section === 'access') return accessView(me, orgId);
    if (route.name === 'admin' && route.section === 'alerts') return alertsView(me, orgId);
    return withEmergencyTab(facilityView(me, orgId), me, orgId);
  }
  // No administering role in `/me`: no requests, just who may use this and whom to ask.
  if (!adminLinkVisible(me)) return notPermittedView();
  const state: CreateState = { busy: false, problem: null, notice: null, kind: 'nursing_station' };
  const list: ListState = { orgs: null, loading: false, problem: null };
  void loadList(me, list);
  return {
    title: () => adminText().title,
    content: () => html`
      <div class="admin-wide">
        ${orgList(me, list)}
        ${mayCreate(me) && list.orgs !== null ? createForm(me, state, list) : nothing}
        <p><a class="button secondary" href="#/">${adminText().backHome}</a></p>
      </div>
    `,
  };
}
