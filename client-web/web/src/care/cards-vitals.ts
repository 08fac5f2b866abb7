// The vitals card: every reading with its unit, flags spelled out in words (not
// colour alone), the core's explanation of each flag, and the thresholds that were
// in force where the post sits in the log.

import { html, nothing, type TemplateResult } from 'lit-html';

import { careText, inLang } from './messages';
import { shortTime, thresholdLines, withUnit } from './format';
import type { Flag, NotebookEntry, Vitals } from './types';

interface Row {
  label: string;
  value: string;
  /** The core measurement names this row shows (flags are matched on them). */
  measures: string[];
  /** The field name, for tests and styling. */
  field: string;
}

export function vitalsRows(v: Vitals): Row[] {
  const m = careText();
  const rows: Row[] = [];
  const add = (field: string, label: string, value: string, measures: string[]): void => {
    rows.push({ field, label, value, measures });
  };
  if (v.temperature_c !== undefined) add('temperature_c', m.temperature, withUnit(v.temperature_c, '°C'), ['temperature']);
  if (v.blood_pressure !== undefined) {
    const { systolic_mmhg: s, diastolic_mmhg: d } = v.blood_pressure;
    add('blood_pressure', m.bloodPressure, `${s}/${d} mmHg`, ['systolic', 'diastolic']);
  }
  if (v.pulse_per_min !== undefined) add('pulse_per_min', m.pulse, withUnit(v.pulse_per_min, '/min'), ['pulse']);
  if (v.spo2_percent !== undefined) add('spo2_percent', m.spo2, withUnit(v.spo2_percent, '%'), ['spo2']);
  if (v.respiratory_rate_per_min !== undefined) {
    add('respiratory_rate_per_min', m.respiratory_rate, withUnit(v.respiratory_rate_per_min, '/min'), ['respiratory_rate']);
  }
  if (v.weight_kg !== undefined) add('weight_kg', m.weight, withUnit(v.weight_kg, 'kg'), ['weight']);
  if (v.blood_glucose_mg_dl !== undefined) {
    add('blood_glucose_mg_dl', m.blood_glucose, withUnit(v.blood_glucose_mg_dl, 'mg/dL'), ['blood_glucose']);
  }
  if (v.meal_intake !== undefined) {
    const meal = 'tenths' in v.meal_intake ? `${v.meal_intake.tenths}/10` : withUnit(v.meal_intake.percent, '%');
    add('meal_intake', m.meal_intake, meal, ['meal_intake']);
  }
  if (v.fluid_intake_ml !== undefined) add('fluid_intake_ml', m.fluid_intake, withUnit(v.fluid_intake_ml, 'mL'), ['fluid_intake']);
  if (v.excretion !== undefined) {
    const e = v.excretion;
    const parts = [
      e.urine_count === undefined ? null : `${m.urineCount} ${e.urine_count}`,
      e.stool_count === undefined ? null : `${m.stoolCount} ${e.stool_count}`,
      e.notes ?? null,
    ].filter((p): p is string => p !== null);
    add('excretion', m.excretion, parts.join(' / '), ['excretion']);
  }
  if (v.pain_0_10 !== undefined) add('pain_0_10', m.pain, `${v.pain_0_10}/10`, ['pain']);
  if (v.consciousness !== undefined) {
    const c = v.consciousness;
    add('consciousness', m.consciousness, c === 'alert' ? m.consciousnessAlert : m.jcs(c.jcs), ['consciousness']);
  }
  return rows;
}

function flagsFor(flags: Flag[], measures: string[]): Flag[] {
  return flags.filter((f) => measures.includes(f.measurement));
}

export function vitalsContent(entry: NotebookEntry, compactVitals: Vitals | null = null): TemplateResult {
  const m = careText();
  const v = compactVitals ?? entry.current.envelope.vitals;
  if (v === undefined) return html``;
  // Flags belong to the current version; an older version in the history shows plain values.
  const alert = compactVitals === null ? entry.alert : null;
  const outside = alert?.out_of_range ?? [];
  const unusual = alert?.unusual ?? [];
  const rows = vitalsRows(v);
  const lines = thresholdLines(entry.thresholds_in_force);
  return html`
    <p class="care-meta">${m.measuredAtShort(shortTime(v.measured_at))}</p>
    ${rows.length === 0
      ? html`<p>${m.emptyReadings}</p>`
      : html`<dl class="care-readings">
          ${rows.map((row) => {
            const out = flagsFor(outside, row.measures).length > 0;
            const odd = flagsFor(unusual, row.measures).length > 0;
            return html`<div class="care-reading" data-field=${row.field} data-flag=${out ? 'out_of_range' : odd ? 'unusual' : 'none'}>
              <dt>${row.label}</dt>
              <dd>
                <span class="care-value">${row.value}</span>
                ${out ? html`<span class="care-flag care-flag--out">▲ ${m.flagOutOfRange}</span>` : nothing}
                ${odd ? html`<span class="care-flag care-flag--odd">● ${m.flagUnusual}</span>` : nothing}
              </dd>
            </div>`;
          })}
        </dl>`}
    ${outside.length + unusual.length === 0
      ? nothing
      : html`<ul class="care-flag-notes">
          ${outside.map((f) => html`<li class="care-flag-note care-flag-note--out"><strong>${m.flagOutOfRange}:</strong> ${inLang(f)}</li>`)}
          ${unusual.map((f) => html`<li class="care-flag-note"><strong>${m.flagUnusual}:</strong> ${inLang(f)}</li>`)}
        </ul>`}
    ${alert?.shown_as_urgent === true ? html`<p class="care-urgent-note">${m.shownAsUrgent}</p>` : nothing}
    ${v.remarks === undefined ? nothing : html`<p class="care-remarks">${m.remarks}: ${v.remarks}</p>`}
    ${compactVitals !== null
      ? nothing
      : html`<details class="care-thresholds-in-force" ?open=${outside.length > 0}>
          <summary>${m.thresholdsInForce}</summary>
          ${lines.length === 0
            ? html`<p>${m.noThresholds}</p>`
            : html`<ul>${lines.map(([name, text]) => html`<li>${name}: ${text}</li>`)}</ul>`}
        </details>`}
  `;
}
