// The answer form for one client: 無事 / 要支援 (医療・避難・物資・その他) / 連絡取れず /
// 避難済み (where to), an optional note for the team, and, above the button, what goes
// where: the association gets the status only, the team reads the rest.

import { html, nothing, type TemplateResult } from 'lit-html';

import type { SafetyNeed, SafetyStatus, WebError } from '../generated/types';
import { lang } from '../i18n';
import { draftFrom, NEEDS, STATUSES, type Draft, type DraftProblem } from './answer';
import { safetyText, STATUS_ICON, statusWords } from './messages';
import { sendAnswer } from './send';

export interface FormState {
  draft: Draft;
  busy: boolean;
  problem: DraftProblem | null;
  refused: WebError | null;
}

/** A fresh form, starting from the room's current answer (if any). */
export function newForm(status: SafetyStatus | null, need: SafetyNeed | null): FormState {
  return { draft: draftFrom(status, need), busy: false, problem: null, refused: null };
}

export interface FormOptions {
  broadcast: string;
  room: string;
  name: string;
  redraw: () => void;
  /** After the answer went (or waits to go): what to tell the person (worded when drawn). */
  done: (text: () => string) => void;
  cancel: () => void;
}

async function submit(event: SubmitEvent, state: FormState, options: FormOptions): Promise<void> {
  event.preventDefault();
  if (state.busy) return;
  state.busy = true;
  state.problem = null;
  state.refused = null;
  options.redraw();
  const outcome = await sendAnswer(options.broadcast, options.room, state.draft);
  state.busy = false;
  const status = state.draft.status;
  const need = status === 'needs_support' ? state.draft.need : null;
  if (outcome.kind === 'problem') state.problem = outcome.problem;
  else if (outcome.kind === 'refused') state.refused = outcome.words;
  else if (status !== null) {
    const sent = outcome.kind === 'sent';
    options.done(() => (sent ? safetyText().sent(statusWords(status, need)) : safetyText().waiting));
    return;
  }
  options.redraw();
  document.getElementById(`sf-${options.room}-problem`)?.focus();
}

function choice(id: string, name: string, checked: boolean, label: TemplateResult | string, pick: () => void, status?: SafetyStatus): TemplateResult {
  return html`<div class="check safety-choice" data-status=${status ?? nothing}>
    <input type="radio" id=${id} name=${name} .checked=${checked} @change=${pick} />
    <label for=${id}>${label}</label>
  </div>`;
}

/** The form for one room (its state lives with the screen). */
export function answerForm(state: FormState, options: FormOptions): TemplateResult {
  const m = safetyText();
  const { draft } = state;
  const base = `sf-${options.room}`;
  const set = (change: Partial<Draft>): void => {
    Object.assign(draft, change);
    state.problem = null;
    options.redraw();
  };
  const problem = state.problem === null ? null : m.problems[state.problem];
  const refused = state.refused === null ? null : lang() === 'ja' ? state.refused.ja : state.refused.en;
  return html`<form class="safety-form" novalidate aria-labelledby=${`${base}-title`} @submit=${(e: SubmitEvent) => submit(e, state, options)}>
    <h3 id=${`${base}-title`} tabindex="-1">${m.formTitle(options.name)}</h3>
    <fieldset class="safety-fieldset" aria-invalid=${state.problem === 'status' ? 'true' : 'false'}>
      <legend>${m.statusLegend}</legend>
      ${STATUSES.map((s) => choice(`${base}-status-${s}`, `${base}-status`, draft.status === s,
        html`<span class="safety-choice__icon" aria-hidden="true">${STATUS_ICON[s]}</span> ${m.status[s]}`, () => set({ status: s }), s))}
    </fieldset>
    ${draft.status !== 'needs_support'
      ? nothing
      : html`<fieldset class="safety-fieldset" aria-invalid=${state.problem === 'need' ? 'true' : 'false'}>
          <legend>${m.needLegend}</legend>
          ${NEEDS.map((n) => choice(`${base}-need-${n}`, `${base}-need`, draft.need === n, m.need[n], () => set({ need: n })))}
        </fieldset>`}
    ${draft.status !== 'evacuated'
      ? nothing
      : html`<div class="field">
          <label for=${`${base}-place`}>${m.place}</label>
          <p class="hint" id=${`${base}-place-hint`}>${m.placeHint}</p>
          <input type="text" id=${`${base}-place`} autocomplete="off" aria-describedby=${`${base}-place-hint`}
            aria-invalid=${state.problem === 'placeTooLong' || state.problem === 'placeLines' ? 'true' : 'false'}
            .value=${draft.place} @input=${(e: Event) => { draft.place = (e.target as HTMLInputElement).value; }} />
        </div>`}
    <div class="field">
      <label for=${`${base}-note`}>${m.note}</label>
      <p class="hint" id=${`${base}-note-hint`}>${m.noteHint}</p>
      <textarea id=${`${base}-note`} rows="3" aria-describedby=${`${base}-note-hint`} .value=${draft.note}
        @input=${(e: Event) => { draft.note = (e.target as HTMLTextAreaElement).value; }}></textarea>
    </div>
    <p class="safety-privacy" role="note">${m.privacy}</p>
    <div class="safety-live" aria-live="polite" id=${`${base}-problem`} tabindex="-1">
      ${problem === null ? nothing : html`<p class="error" role="alert">${problem}</p>`}
      ${refused === null ? nothing : html`<p class="error" role="alert">${m.failed(refused)}</p>`}
    </div>
    <div class="safety-form__actions">
      <button type="submit" class="primary safety-send" ?disabled=${state.busy}>${state.busy ? m.sending : m.send}</button>
      <button type="button" class="secondary" ?disabled=${state.busy} @click=${options.cancel}>${m.cancel}</button>
    </div>
  </form>`;
}
