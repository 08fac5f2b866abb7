// The vitals form's fields and how their text becomes the core's `Vitals` JSON.
// Only what the browser cannot leave to the core is checked here (a number at all,
// a whole number where the JSON wants an integer, both blood pressures together);
// everything about the values themselves is the core's `validate_envelope`.

import { careText } from './messages';
import { asciiNumber } from './format';
import type { Vitals } from './types';

export interface NumberField {
  /** The core's JSON path: what `validate_envelope` names in `field`. */
  field: string;
  label: () => string;
  unit: () => string;
  integer: boolean;
}

const t = careText;

export const NUMBER_FIELDS: NumberField[] = [
  { field: 'temperature_c', label: () => t().temperature, unit: () => '°C', integer: false },
  { field: 'blood_pressure.systolic_mmhg', label: () => t().systolic, unit: () => 'mmHg', integer: true },
  { field: 'blood_pressure.diastolic_mmhg', label: () => t().diastolic, unit: () => 'mmHg', integer: true },
  { field: 'pulse_per_min', label: () => t().pulse, unit: () => t().perMin, integer: true },
  { field: 'spo2_percent', label: () => t().spo2, unit: () => '%', integer: true },
  { field: 'respiratory_rate_per_min', label: () => t().respiratory_rate, unit: () => t().perMin, integer: true },
  { field: 'weight_kg', label: () => t().weight, unit: () => 'kg', integer: false },
  { field: 'blood_glucose_mg_dl', label: () => t().blood_glucose, unit: () => 'mg/dL', integer: true },
  { field: 'meal_intake.percent', label: () => t().meal_intake, unit: () => '%', integer: true },
  { field: 'fluid_intake_ml', label: () => t().fluid_intake, unit: () => 'mL', integer: true },
  { field: 'excretion.urine_count', label: () => t().urineCount, unit: () => t().times, integer: true },
  { field: 'excretion.stool_count', label: () => t().stoolCount, unit: () => t().times, integer: true },
  { field: 'pain_0_10', label: () => t().pain, unit: () => '/10', integer: true },
];

export const JCS_SCORES = [1, 2, 3, 10, 20, 30, 100, 200, 300];

/** The element ID of the input for a core field path (`blood_pressure.systolic_mmhg` → `vf-blood_pressure-systolic_mmhg`). */
export function inputId(field: string): string {
  return `vf-${field.replace(/\./g, '-')}`;
}

/** The input that a core error's `field` points at (or null for the form as a whole). */
export function inputForField(field: string | undefined): string | null {
  if (field === undefined) return null;
  const path = field.replace(/^vitals\./, '');
  if (NUMBER_FIELDS.some((f) => f.field === path)) return inputId(path);
  if (path === 'meal_intake' || path.startsWith('meal_intake.')) return inputId('meal_intake.percent');
  if (path === 'excretion') return inputId('excretion.urine_count');
  if (path === 'excretion.notes') return inputId('excretion.notes');
  if (path.startsWith('consciousness')) return inputId('consciousness');
  if (path === 'remarks') return inputId('remarks');
  if (path === 'measured_at') return inputId('measured_at');
  if (path === 'blood_pressure') return inputId('blood_pressure.systolic_mmhg');
  return null;
}

export type Parsed = { ok: true; vitals: Vitals } | { ok: false; input: string; message: string };

function text(form: FormData, name: string): string {
  const value = form.get(name);
  return typeof value === 'string' ? value.trim() : '';
}

/** Reads the form into `Vitals` (empty fields left out), or the first field that is not a number. */
export function readVitals(form: FormData, now: number): Parsed {
  const m = careText();
  const numbers = new Map<string, number>();
  for (const f of NUMBER_FIELDS) {
    const raw = asciiNumber(text(form, inputId(f.field)));
    if (raw === '') continue;
    const value = Number(raw);
    if (!/^-?\d+(\.\d+)?$/.test(raw) || !Number.isFinite(value)) {
      return { ok: false, input: inputId(f.field), message: m.notANumber(f.label()) };
    }
    if (f.integer && !Number.isInteger(value)) {
      return { ok: false, input: inputId(f.field), message: m.notAWholeNumber(f.label()) };
    }
    numbers.set(f.field, value);
  }
  const at = text(form, inputId('measured_at'));
  const measured = at === '' ? now : new Date(at).getTime();
  const vitals: Vitals = { measured_at: Number.isFinite(measured) ? Math.round(measured) : now };
  const n = (field: string): number | undefined => numbers.get(field);
  const set = <K extends keyof Vitals>(key: K, value: Vitals[K] | undefined): void => {
    if (value !== undefined) vitals[key] = value;
  };
  set('temperature_c', n('temperature_c'));
  const systolic = n('blood_pressure.systolic_mmhg');
  const diastolic = n('blood_pressure.diastolic_mmhg');
  if ((systolic === undefined) !== (diastolic === undefined)) {
    const missing = systolic === undefined ? 'blood_pressure.systolic_mmhg' : 'blood_pressure.diastolic_mmhg';
    return { ok: false, input: inputId(missing), message: m.needBothBp };
  }
  if (systolic !== undefined && diastolic !== undefined) {
    vitals.blood_pressure = { systolic_mmhg: systolic, diastolic_mmhg: diastolic };
  }
  set('pulse_per_min', n('pulse_per_min'));
  set('spo2_percent', n('spo2_percent'));
  set('respiratory_rate_per_min', n('respiratory_rate_per_min'));
  set('weight_kg', n('weight_kg'));
  set('blood_glucose_mg_dl', n('blood_glucose_mg_dl'));
  const meal = n('meal_intake.percent');
  if (meal !== undefined) vitals.meal_intake = { percent: meal };
  set('fluid_intake_ml', n('fluid_intake_ml'));
  const urine = n('excretion.urine_count');
  const stool = n('excretion.stool_count');
  const notes = text(form, inputId('excretion.notes'));
  if (urine !== undefined || stool !== undefined || notes !== '') {
    vitals.excretion = {};
    if (urine !== undefined) vitals.excretion.urine_count = urine;
    if (stool !== undefined) vitals.excretion.stool_count = stool;
    if (notes !== '') vitals.excretion.notes = notes;
  }
  set('pain_0_10', n('pain_0_10'));
  const consciousness = text(form, inputId('consciousness'));
  if (consciousness === 'alert') vitals.consciousness = 'alert';
  else if (consciousness.startsWith('jcs:')) vitals.consciousness = { jcs: Number(consciousness.slice(4)) };
  const remarks = text(form, inputId('remarks'));
  if (remarks !== '') vitals.remarks = remarks;
  return { ok: true, vitals };
}
