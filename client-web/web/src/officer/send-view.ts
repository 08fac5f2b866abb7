// `#/broadcasts/send`: a broadcast officer writes a regional notice (severity, headline,
// area, text, hours, safety check, families), sees the banner as recipients will,
// confirms a 緊急, and signs it on this device and sends it. Above the form, where
// this device stands on the organisation's roster, with what to do when it is not
// on it. Failures keep the draft and show the server's words.

import './officer.css';

import { html, nothing, type TemplateResult } from 'lit-html';

import type { Me } from '../api';
import type { View } from '../app';
import { severityTag } from '../broadcasts/parts';
import { lang } from '../i18n';
import { ensureEngine, gateView } from '../views/rooms';
import { imageField } from './image';
import { charCount, LIMITS, MAX_HOURS, SEVERITIES, type Draft, type DraftField, type DraftProblem } from './draft';
import { officerText } from './messages';
import { regionalAdminWithoutRole, sendingOrganisations, type RoleOrganisation } from './roles';
import { rosterFor } from './roster-state';
import { confirmPanel, preview, rosterSection } from './send-parts';
import { edit, fieldId, sendStateFor, shownProblems, submit, type SendState } from './send-state';

function problemText(p: DraftProblem): string {
  const m = officerText();
  const name = m.fieldName[p.field];
  switch (p.code) {
    case 'empty':
      return m.empty(name);
    case 'too_long':
      return m.tooLong(name, p.actual, p.limit);
    case 'one_line':
      return m.oneLine(name);
    case 'hours_range':
      return m.hoursRange(p.max);
  }
}

const value = (event: Event): string => (event.target as HTMLInputElement | HTMLTextAreaElement | HTMLSelectElement).value;

interface TextField {
  field: DraftField & ('title' | 'area' | 'body' | 'hours');
  label: string;
  hint: string;
  problems: DraftProblem[];
  multiline?: boolean;
}

function textField(draft: Draft, f: TextField): TemplateResult {
  const id = fieldId(f.field);
  const problem = f.problems.find((p) => p.field === f.field);
  const describedBy = `${id}-hint${problem === undefined ? '' : ` ${id}-error`}`;
  const input = (e: Event): void => {
    const patch: Partial<Draft> = {};
    patch[f.field] = value(e);
    edit(patch);
  };
  return html`
    <div class="field">
      <label for=${id}>${f.label}</label>
      <p class="hint" id="${id}-hint">${f.hint}</p>
      ${problem === undefined ? nothing : html`<p class="officer-field-error" id="${id}-error">${problemText(problem)}</p>`}
      ${f.multiline === true
        ? html`<textarea id=${id} name=${id} class="admin-textarea officer-body" rows="5" .value=${draft[f.field]}
            aria-describedby=${describedBy} aria-invalid=${problem === undefined ? 'false' : 'true'} @input=${input}></textarea>`
        : html`<input id=${id} name=${id} type="text" .value=${draft[f.field]} autocomplete="off"
            inputmode=${f.field === 'hours' ? 'numeric' : nothing} aria-describedby=${describedBy}
            aria-invalid=${problem === undefined ? 'false' : 'true'} @input=${input} />`}
    </div>
  `;
}

function orgField(draft: Draft, orgs: RoleOrganisation[]): TemplateResult {
  const m = officerText();
  const only = orgs[0];
  if (orgs.length === 1 && only !== undefined) {
    return html`<p class="officer-org" id="officer-org" tabindex="-1">${m.organisation}: <strong>${only.name === '' ? only.id : only.name}</strong></p>`;
  }
  return html`<div class="field">
    <label for="officer-org">${m.organisation}</label>
    <select id="officer-org" class="admin-select" @change=${(e: Event) => edit({ organisation: value(e) })}>
      ${orgs.map((o) => html`<option value=${o.id} ?selected=${o.id === draft.organisation}>${o.name === '' ? o.id : o.name}</option>`)}
    </select>
  </div>`;
}

function severityField(draft: Draft): TemplateResult {
  const m = officerText();
  return html`<fieldset class="officer-severity" aria-describedby="officer-severity-hint">
    <legend>${m.severity}</legend>
    <p class="hint" id="officer-severity-hint">${m.severityHint}</p>
    ${SEVERITIES.map((s) => html`<label class="officer-sev" data-severity=${s}>
      <input type="radio" name="officer-severity" id="officer-severity-${s}" value=${s} .checked=${draft.severity === s}
        @change=${() => edit({ severity: s })} />
      ${severityTag(s)}
    </label>`)}
  </fieldset>`;
}

function check(id: string, label: string, checked: boolean, change: (on: boolean) => void): TemplateResult {
  return html`<div class="check">
    <input type="checkbox" id=${id} .checked=${checked} @change=${(e: Event) => change((e.target as HTMLInputElement).checked)} />
    <label for=${id}>${label}</label>
  </div>`;
}

function sendProblem(s: SendState): TemplateResult | typeof nothing {
  if (s.problem === null) return nothing;
  const m = officerText();
  return html`<div class="error officer-send-problem" role="alert" id="officer-send-problem" tabindex="-1">
    <p>${m.sendFailed}</p>
    <p>${lang() === 'ja' ? s.problem.words.ja : s.problem.words.en}</p>
    <p>${s.problem.offline ? m.sendFailedOffline : m.sendFailedNext}</p>
  </div>`;
}

function form(s: SendState, orgs: RoleOrganisation[]): TemplateResult {
  const m = officerText();
  const d = s.draft;
  const problems = shownProblems(s);
  const roster = rosterFor(d.organisation);
  const blocked = s.checked && roster.standing !== null && roster.standing.kind !== 'listed';
  return html`
    ${rosterSection(roster)}
    <form class="officer-form" novalidate @submit=${(e: Event) => { e.preventDefault(); submit(); }}>
      ${problems.length === 0 ? nothing : html`<p class="error" role="alert" id="officer-fix-first">${m.fixFirst(problems.length)}</p>`}
      ${orgField(d, orgs)} ${severityField(d)}
      ${textField(d, { field: 'title', label: m.title, hint: m.titleHint(charCount(d.title.trim()), LIMITS.title), problems })}
      ${textField(d, { field: 'area', label: m.area, hint: m.areaHint, problems })}
      ${textField(d, { field: 'body', label: m.body, hint: m.bodyHint(charCount(d.body.trim()), LIMITS.body), problems, multiline: true })}
      ${textField(d, { field: 'hours', label: m.hours, hint: m.hoursHint(MAX_HOURS), problems })}
      ${check('officer-safety', m.safetyCheck, d.safetyCheck, (on) => edit({ safetyCheck: on }))}
      ${check('officer-families', m.includeFamilies, d.includeFamilies, (on) => edit({ includeFamilies: on }))}
      ${imageField(s.userId, s.phase === 'sending')}
      ${preview(d)}
      ${blocked ? html`<p class="error" role="alert" id="officer-not-on-roster">${m.notOnRosterSend}</p>` : nothing}
      ${sendProblem(s)}
      <button type="submit" class=${d.severity === 'emergency' ? 'officer-danger' : 'primary'} id="officer-send" ?disabled=${s.phase === 'sending'}>
        ${s.phase === 'sending' ? m.sending : d.severity === 'emergency' ? m.review : m.send}
      </button>
    </form>
  `;
}

function noRole(me: Me): TemplateResult {
  const m = officerText();
  const admin = regionalAdminWithoutRole(me);
  return html`<p class="error" role="alert" id="officer-no-role">${m.noRole}</p>
    ${admin.length === 0 ? nothing : html`<p>${m.noRoleAdmin(admin.map((o) => o.name).join('、'))}</p>`}`;
}

function content(me: Me): TemplateResult {
  const m = officerText();
  const back = html`<p><a class="button secondary" href="#/broadcasts">${m.backToList}</a></p>`;
  const orgs = sendingOrganisations(me);
  if (orgs.length === 0) return html`${back}${noRole(me)}`;
  ensureEngine(me);
  const blocked = gateView(me);
  if (blocked !== null) return html`${back}${blocked}`;
  const s = sendStateFor(me);
  if (s.draft.severity === 'emergency' && s.phase !== 'edit') {
    return html`${confirmPanel(s.draft, s.phase === 'sending')}${sendProblem(s)}`;
  }
  return html`${back}${form(s, orgs)}`;
}

export function sendView(me: Me): View {
  return { title: () => officerText().sendTitle, content: () => content(me) };
}
