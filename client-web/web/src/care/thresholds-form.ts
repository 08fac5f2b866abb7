// The thresholds composer: the team sets, per client, the values outside which a
// vitals record is shown as urgent ("SpO2 below 92: call the doctor"). The latest
// thresholds post is in force from then on; an empty form clears them.

import { html, nothing, type TemplateResult } from 'lit-html';

import { careCore, coreError } from './core';
import { careText, inLang } from './messages';
import { asciiNumber, MEASURES, measureName, unitText } from './format';
import type { PostEnvelope, Range, SendPost, Thresholds } from './types';

export interface ThresholdsFormOptions {
  send: SendPost;
  thresholds: () => Thresholds | null;
  rerender: () => void;
}

const id = (key: string, end: 'min' | 'max'): string => `tf-${key}-${end}`;

export function thresholdsForm(options: ThresholdsFormOptions): () => TemplateResult {
  const state = {
    errors: new Map<string, string>(),
    problem: null as string | null,
    notice: null as string | null,
    busy: false,
  };

  function fail(input: string | null, message: string): void {
    state.errors = new Map(input === null ? [] : [[input, message]]);
    state.problem = message;
    state.notice = null;
    options.rerender();
    if (input !== null) document.getElementById(input)?.focus();
  }

  async function submit(event: SubmitEvent): Promise<void> {
    event.preventDefault();
    if (state.busy) return;
    const m = careText();
    const data = new FormData(event.currentTarget as HTMLFormElement);
    const thresholds: Thresholds = {};
    for (const measure of MEASURES) {
      const range: Range = {};
      for (const end of ['min', 'max'] as const) {
        const raw = asciiNumber(String(data.get(id(measure.key, end)) ?? ''));
        if (raw === '') continue;
        const value = Number(raw);
        if (!/^-?\d+(\.\d+)?$/.test(raw)) return fail(id(measure.key, end), m.notANumber(measureName(measure.name)));
        if (measure.digits === 0 && !Number.isInteger(value)) {
          return fail(id(measure.key, end), m.notAWholeNumber(measureName(measure.name)));
        }
        range[end] = value;
      }
      if (range.min !== undefined || range.max !== undefined) thresholds[measure.key] = range;
    }
    const reason = String(data.get('tf-reason') ?? '').trim();
    const envelope: PostEnvelope = { version: 1, content_type: 'thresholds', body: reason, thresholds };
    const core = await careCore();
    if (core === null) return fail(null, m.coreNotReady);
    const checked = core.validate_envelope(JSON.stringify(envelope), null);
    if (!checked.ok) {
      const key = checked.field?.replace(/^thresholds\./, '') ?? '';
      const input = MEASURES.some((x) => x.key === key) ? id(key, 'min') : null;
      return fail(input, inLang(checked));
    }
    state.busy = true;
    state.errors = new Map();
    state.problem = null;
    state.notice = m.sending;
    options.rerender();
    try {
      await options.send(envelope);
      state.notice = m.sent;
    } catch (error) {
      state.notice = null;
      state.problem = m.sendFailed(inLang(coreError(error)));
    }
    state.busy = false;
    options.rerender();
  }

  return () => {
    const m = careText();
    const current = options.thresholds();
    const input = (key: keyof Thresholds, end: 'min' | 'max', label: string, digits: number): TemplateResult => {
      const name = id(key, end);
      const error = state.errors.get(name);
      const value = current?.[key]?.[end];
      return html`<div class="care-field care-field--number">
        <label for=${name}>${label}</label>
        <input id=${name} name=${name} type="text" inputmode=${digits === 0 ? 'numeric' : 'decimal'} autocomplete="off"
          value=${value === undefined ? '' : String(value)} aria-invalid=${error === undefined ? 'false' : 'true'}
          aria-describedby=${error === undefined ? nothing : `${name}-error`} />
        ${error === undefined ? nothing : html`<p class="care-field-error" id=${`${name}-error`}>${error}</p>`}
      </div>`;
    };
    return html`<form class="care-form care-thresholds-form" novalidate @submit=${submit} aria-labelledby="tf-title">
      <h2 id="tf-title">${m.thresholdsTitle}</h2>
      <p class="hint">${m.thresholdsHint}</p>
      ${MEASURES.map((measure) => {
        const name = measureName(measure.name);
        const unit = unitText(measure.unit);
        return html`<fieldset class="care-fieldset care-threshold-row">
          <legend>${m.nameWithUnit(name, unit)}</legend>
          <div class="care-grid">
            ${input(measure.key, 'min', `${name} ${m.min}`, measure.digits)}
            ${input(measure.key, 'max', `${name} ${m.max}`, measure.digits)}
          </div>
        </fieldset>`;
      })}
      <div class="care-field care-field--wide">
        <label for="tf-reason">${m.thresholdsReason}</label>
        <input id="tf-reason" name="tf-reason" type="text" autocomplete="off" />
      </div>
      <div class="care-live" aria-live="polite">
        ${state.problem === null ? nothing : html`<p class="error" role="alert">${state.problem}</p>`}
        ${state.notice === null ? nothing : html`<p class="notice">${state.notice}</p>`}
      </div>
      <button type="submit" class="primary" ?disabled=${state.busy}>${m.saveThresholds}</button>
    </form>`;
  };
}
