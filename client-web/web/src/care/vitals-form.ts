// The vitals composer: large inputs with their units, checked by the core
// (`validate_envelope`, exactly as receivers will) before anything is sent. An
// impossible value is shown next to its input, which gets focus; unusual values
// ask "send as it is?"; values outside the client's thresholds go out as urgent.

import { html, nothing, type TemplateResult } from 'lit-html';

import './care.css';
import { careCore, coreError } from './core';
import { careText, inLang } from './messages';
import { localInputValue } from './format';
import { inputForField, inputId, JCS_SCORES, NUMBER_FIELDS, readVitals, type NumberField } from './vitals-fields';
import type { Flag, PostEnvelope, SendPost, Thresholds } from './types';

export interface VitalsFormOptions {
  send: SendPost;
  /** The client's thresholds in force (the team notebook's `thresholds`). */
  thresholds: () => Thresholds | null;
  rerender: () => void;
}

interface Confirm {
  envelope: PostEnvelope;
  unusual: Flag[];
  outOfRange: Flag[];
}

interface State {
  errors: Map<string, string>;
  problem: string | null;
  confirm: Confirm | null;
  busy: boolean;
  notice: string | null;
}

/** A vitals composer; call the result to draw it. */
export function vitalsForm(options: VitalsFormOptions): () => TemplateResult {
  const state: State = {
    errors: new Map(),
    problem: null,
    confirm: null,
    busy: false,
    notice: null,
  };
  let formElement: HTMLFormElement | null = null;

  function fail(input: string | null, message: string): void {
    state.errors = new Map(input === null ? [] : [[input, message]]);
    state.problem = input === null ? message : careText().formHasErrors;
    state.confirm = null;
    options.rerender();
    if (input !== null) document.getElementById(input)?.focus();
  }

  async function deliver(envelope: PostEnvelope): Promise<void> {
    const m = careText();
    state.busy = true;
    state.confirm = null;
    state.notice = m.sending;
    options.rerender();
    try {
      await options.send(envelope);
      state.notice = m.sent;
      formElement?.reset();
    } catch (error) {
      state.notice = null;
      state.problem = m.sendFailed(inLang(coreError(error)));
    }
    state.busy = false;
    options.rerender();
  }

  async function submit(event: SubmitEvent): Promise<void> {
    event.preventDefault();
    if (state.busy) return;
    formElement = event.currentTarget as HTMLFormElement;
    state.notice = null;
    const parsed = readVitals(new FormData(formElement), Date.now());
    if (!parsed.ok) {
      fail(parsed.input, parsed.message);
      return;
    }
    const core = await careCore();
    if (core === null) {
      fail(null, careText().coreNotReady);
      return;
    }
    const envelope: PostEnvelope = { version: 1, content_type: 'vitals', body: '', vitals: parsed.vitals };
    const thresholds = options.thresholds();
    const result = core.validate_envelope(
      JSON.stringify(envelope),
      thresholds === null ? null : JSON.stringify(thresholds),
    );
    if (!result.ok) {
      fail(inputForField(result.field), inLang(result));
      return;
    }
    state.errors = new Map();
    state.problem = null;
    if (result.out_of_range.length > 0) envelope.urgency = 'urgent';
    if (result.unusual.length + result.out_of_range.length > 0) {
      state.confirm = { envelope, unusual: result.unusual, outOfRange: result.out_of_range };
      options.rerender();
      document.getElementById('vf-confirm-title')?.focus();
      return;
    }
    await deliver(envelope);
  }

  function edited(): void {
    if (state.confirm !== null || state.notice !== null) {
      state.confirm = null;
      state.notice = null;
      options.rerender();
    }
  }

  function numberInput(f: NumberField): TemplateResult {
    const id = inputId(f.field);
    const error = state.errors.get(id);
    const described = error === undefined ? `${id}-unit` : `${id}-error ${id}-unit`;
    return html`<div class=${error === undefined ? 'care-field care-field--number' : 'care-field care-field--number care-field--invalid'}>
      <label for=${id}>${f.label()}</label>
      <div class="care-input-unit">
        <input id=${id} name=${id} type="text" inputmode=${f.integer ? 'numeric' : 'decimal'} autocomplete="off"
          enterkeyhint="next" aria-invalid=${error === undefined ? 'false' : 'true'} aria-describedby=${described} />
        <span class="care-unit" id=${`${id}-unit`}>${f.unit()}</span>
      </div>
      ${error === undefined ? nothing : html`<p class="care-field-error" id=${`${id}-error`}>${error}</p>`}
    </div>`;
  }

  function otherInput(field: string, label: string, control: (id: string, invalid: boolean, described: string | typeof nothing) => TemplateResult): TemplateResult {
    const id = inputId(field);
    const error = state.errors.get(id);
    return html`<div class="care-field care-field--wide">
      <label for=${id}>${label}</label>
      ${control(id, error !== undefined, error === undefined ? nothing : `${id}-error`)}
      ${error === undefined ? nothing : html`<p class="care-field-error" id=${`${id}-error`}>${error}</p>`}
    </div>`;
  }

  function confirmPanel(confirm: Confirm): TemplateResult {
    const m = careText();
    const urgent = confirm.outOfRange.length > 0;
    return html`<section class="care-confirm ${urgent ? 'care-confirm--urgent' : ''}" aria-labelledby="vf-confirm-title">
      <h3 id="vf-confirm-title" tabindex="-1">${urgent ? m.outOfRangeTitle : m.unusualTitle}</h3>
      <ul>
        ${confirm.outOfRange.map((f) => html`<li><strong>${m.flagOutOfRange}:</strong> ${inLang(f)}</li>`)}
        ${confirm.unusual.map((f) => html`<li><strong>${m.flagUnusual}:</strong> ${inLang(f)}</li>`)}
      </ul>
      <div class="care-actions">
        <button type="button" class="primary" @click=${() => void deliver(confirm.envelope)}>${m.confirmSend}</button>
        <button type="button" class="secondary" @click=${() => { state.confirm = null; options.rerender(); }}>${m.backToEdit}</button>
      </div>
    </section>`;
  }

  // The measurement time defaults to now: the value attribute follows the clock, and
  // shows only while the person has not changed the field (or after a reset).
  return () => {
    const m = careText();
    return html`<form class="care-form care-vitals-form" novalidate @submit=${submit} @input=${edited} aria-labelledby="vf-title">
      <h2 id="vf-title">${m.vitalsTitle}</h2>
      <p class="hint">${m.vitalsHint}</p>
      ${otherInput('measured_at', m.measuredAt, (id, invalid, described) => html`<input id=${id} name=${id}
        type="datetime-local" value=${localInputValue(Date.now())} aria-invalid=${invalid ? 'true' : 'false'} aria-describedby=${described} />`)}
      <div class="care-grid">${NUMBER_FIELDS.map(numberInput)}</div>
      ${otherInput('excretion.notes', m.excretionNotes, (id, invalid, described) => html`<input id=${id} name=${id}
        type="text" autocomplete="off" aria-invalid=${invalid ? 'true' : 'false'} aria-describedby=${described} />`)}
      ${otherInput('consciousness', m.consciousness, (id, invalid, described) => html`<select id=${id} name=${id}
        aria-invalid=${invalid ? 'true' : 'false'} aria-describedby=${described}>
          <option value="">${m.consciousnessNone}</option>
          <option value="alert">${m.consciousnessAlert}</option>
          ${JCS_SCORES.map((s) => html`<option value=${`jcs:${s}`}>${m.jcs(s)}</option>`)}
        </select>`)}
      ${otherInput('remarks', m.remarks, (id, invalid, described) => html`<textarea id=${id} name=${id} rows="2"
        aria-invalid=${invalid ? 'true' : 'false'} aria-describedby=${described}></textarea>`)}
      <div class="care-live" aria-live="polite">
        ${state.problem === null ? nothing : html`<p class="error" role="alert">${state.problem}</p>`}
        ${state.notice === null ? nothing : html`<p class="notice">${state.notice}</p>`}
      </div>
      ${state.confirm === null ? nothing : confirmPanel(state.confirm)}
      <button type="submit" class="primary" ?disabled=${state.busy || state.confirm !== null}>${m.send}</button>
    </form>`;
  };
}
