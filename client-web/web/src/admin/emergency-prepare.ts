// Preparing an emergency account (a label and the care role it acts in), and the
// enrolment link it gets — the same link box, copy button and QR code as a staff
// invitation (parts.ts) — with what to do next: print the login ID on a sheet, set
// the password through the link and write it on the sheet, register a security key,
// keep both in the safe. A resealed account gets the same box.

import { html, nothing, type TemplateResult } from 'lit-html';

import { rerender } from '../app';
import { describeError } from '../http';
import { errorBox, field, formText } from '../views/parts';
import { prepareEmergency } from './emergency-api';
import { EMERGENCY_ROLES, labelProblem } from './emergency-rules';
import { emergencyText } from './emergency-messages';
import type { EmergencyScreen, IssuedEnrolment } from './emergency-state';
import { copyLink, linkBox, selectField } from './parts';
import { roleName } from './vocab';

async function submit(screen: EmergencyScreen, event: SubmitEvent, reload: () => Promise<void>): Promise<void> {
  event.preventDefault();
  const form = event.currentTarget;
  if (screen.busy || !(form instanceof HTMLFormElement)) return;
  const f = screen.form;
  f.label = (formText(form, 'emergency_label') ?? '').trim();
  f.role = formText(form, 'emergency_role') ?? 'nurse';
  const wrong = labelProblem(f.label);
  if (wrong !== null) {
    f.problem = () => (wrong === 'empty' ? emergencyText().labelEmpty : emergencyText().labelLong);
    rerender();
    document.getElementById('emergency_label')?.focus();
    return;
  }
  screen.busy = true;
  f.problem = null;
  screen.issued = null;
  rerender();
  try {
    const prepared = await prepareEmergency(screen.orgId, f.label, f.role);
    const label = f.label;
    screen.issued = {
      kind: 'prepared',
      userId: prepared.userId,
      label,
      loginId: prepared.loginId,
      link: { issued: prepared.enrolment, name: `【緊急用】${label}`, copied: null },
    };
    f.label = '';
  } catch (error) {
    f.problem = () => describeError(error);
  }
  screen.busy = false;
  await reload();
  if (screen.issued !== null) form.reset();
  document.getElementById(screen.issued === null ? 'emergency_label' : 'emergency-link-title')?.focus();
}

export function prepareForm(screen: EmergencyScreen, reload: () => Promise<void>): TemplateResult {
  const m = emergencyText();
  const f = screen.form;
  return html`
    <section class="card admin-section" aria-labelledby="emergency-prepare-title">
      <h2 id="emergency-prepare-title">${m.prepareTitle}</h2>
      <form @submit=${(e: SubmitEvent) => void submit(screen, e, reload)} novalidate>
        ${field({ id: 'emergency_label', label: m.label, hint: m.labelHint, autocomplete: 'off', value: f.label, required: true, invalid: f.problem !== null })}
        ${selectField({
          id: 'emergency_role',
          label: m.role,
          value: f.role,
          options: EMERGENCY_ROLES.map((r) => ({ value: r, text: roleName(r) })),
        })}
        ${errorBox(f.problem?.() ?? null)}
        <button type="submit" class="primary" ?disabled=${screen.busy}>${m.prepare}</button>
      </form>
    </section>
  `;
}

/** The sheet to print: facility, name, login ID and a blank for the handwritten password. */
function sheet(screen: EmergencyScreen, issued: IssuedEnrolment): TemplateResult {
  const m = emergencyText();
  return html`
    <section class="emergency-sheet" aria-labelledby="emergency-sheet-title">
      <h3 id="emergency-sheet-title">${m.sheetTitle}</h3>
      <dl>
        <div><dt>${m.sheetFacility}</dt><dd>${screen.orgName ?? ''}</dd></div>
        <div><dt>${m.sheetLabel}</dt><dd>【緊急用】${issued.label}</dd></div>
        <div><dt>${m.sheetLogin}</dt><dd class="emergency-login" id="emergency-login">${issued.loginId}</dd></div>
        <div><dt>${m.sheetPassword}</dt><dd class="emergency-blank"></dd></div>
      </dl>
      <p class="hint">${m.sheetNote}</p>
    </section>
  `;
}

/** The enrolment link just issued, with the steps and the sheet (nothing when none). */
export function issuedBox(screen: EmergencyScreen): TemplateResult | typeof nothing {
  const issued = screen.issued;
  if (issued === null) return nothing;
  const m = emergencyText();
  const copy = async (): Promise<void> => {
    issued.link.copied = (await copyLink('emergency-link-url', issued.link.issued.link)) ? 'yes' : 'failed';
    rerender();
  };
  const heading = issued.kind === 'prepared' ? m.preparedTitle(issued.label) : m.resealTitle(issued.label);
  return html`
    <div class="emergency-issued">
      ${linkBox('emergency-link', heading, issued.link, () => void copy())}
      <section class="card emergency-steps" aria-labelledby="emergency-steps-title">
        <h3 id="emergency-steps-title">${m.stepsTitle}</h3>
        <ol>
          ${m.steps(issued.loginId).map((step) => html`<li>${step}</li>`)}
        </ol>
        ${sheet(screen, issued)}
        <button type="button" class="secondary emergency-print" @click=${() => window.print()}>${m.print}</button>
      </section>
    </div>
  `;
}
