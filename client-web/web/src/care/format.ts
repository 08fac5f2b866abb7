// How care values read: units, numbers, ranges, times and who posted.

import { lang } from '../i18n';
import { careText } from './messages';
import type { Range, Thresholds, Urgency } from './types';

/** The charted / thresholded measurements: core name, threshold key, unit. */
export const MEASURES = [
  { name: 'temperature', key: 'temperature_c', unit: '°C', digits: 1 },
  { name: 'systolic', key: 'systolic_mmhg', unit: 'mmHg', digits: 0 },
  { name: 'diastolic', key: 'diastolic_mmhg', unit: 'mmHg', digits: 0 },
  { name: 'pulse', key: 'pulse_per_min', unit: '/min', digits: 0 },
  { name: 'spo2', key: 'spo2_percent', unit: '%', digits: 0 },
  { name: 'respiratory_rate', key: 'respiratory_rate_per_min', unit: '/min', digits: 0 },
  { name: 'weight', key: 'weight_kg', unit: 'kg', digits: 1 },
  { name: 'blood_glucose', key: 'blood_glucose_mg_dl', unit: 'mg/dL', digits: 0 },
] as const;

export type MeasureName = (typeof MEASURES)[number]['name'];
export type ThresholdKey = keyof Thresholds;

/** A measurement's name in the language in force (the core's snake_case names). */
export function measureName(name: string): string {
  const m = careText() as unknown as Record<string, unknown>;
  const found = m[name];
  return typeof found === 'string' ? found : name;
}

/** A unit as people here write it ("/min" is "/分" in Japanese). */
export function unitText(unit: string): string {
  if (unit === '/min') return careText().perMin;
  return unit;
}

/** A number with its unit: `38.4 °C`, `72 /分`. */
export function withUnit(value: number, unit: string): string {
  const shown = Number.isInteger(value) ? String(value) : String(Math.round(value * 10) / 10);
  const u = unitText(unit);
  return u === '' ? shown : u.startsWith('/') || u === '%' ? `${shown}${u}` : `${shown} ${u}`;
}

export function rangeText(range: Range | undefined, unit: string): string | null {
  if (range === undefined) return null;
  const m = careText();
  const { min, max } = range;
  if (min !== undefined && max !== undefined) return m.rangeBoth(withUnit(min, unit), withUnit(max, unit));
  if (min !== undefined) return m.rangeMin(withUnit(min, unit));
  if (max !== undefined) return m.rangeMax(withUnit(max, unit));
  return null;
}

/** The thresholds set, as `[name, "35–37.5 °C"]` lines in the core's order. */
export function thresholdLines(thresholds: Thresholds | null): [string, string][] {
  if (thresholds === null) return [];
  const lines: [string, string][] = [];
  for (const measure of MEASURES) {
    const text = rangeText(thresholds[measure.key], measure.unit);
    if (text !== null) lines.push([measureName(measure.name), text]);
  }
  return lines;
}

const locale = (): string => (lang() === 'ja' ? 'ja-JP' : 'en-GB');

/** A post's time, short: "11月26日 14:05" / "26 Nov, 14:05". */
export function shortTime(millis: number): string {
  const date = new Date(millis);
  if (Number.isNaN(date.getTime())) return '';
  return new Intl.DateTimeFormat(locale(), {
    month: 'short',
    day: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
  }).format(date);
}

/** A day on a chart axis: "11/26" / "26/11". */
export function dayLabel(millis: number): string {
  return new Intl.DateTimeFormat(locale(), { month: 'numeric', day: 'numeric' }).format(new Date(millis));
}

/** The value for a `<input type="datetime-local">` (local time, minutes). */
export function localInputValue(millis: number): string {
  const d = new Date(millis);
  const pad = (n: number): string => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

export function urgencyText(urgency: Urgency): string {
  const m = careText();
  return urgency === 'urgent' ? m.urgencyUrgent : urgency === 'soon' ? m.urgencySoon : m.urgencyNormal;
}

/** File sizes: "312 KB", "1.4 MB". */
export function sizeText(bytes: number): string {
  if (bytes < 1024 * 1024) return `${Math.max(1, Math.round(bytes / 1024))} KB`;
  return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
}

/** Full-width digits and punctuation (a Japanese IME's "３６．５") as ASCII. */
export function asciiNumber(text: string): string {
  return text
    .trim()
    .replace(/[０-９]/g, (c) => String.fromCharCode(c.charCodeAt(0) - 0xfee0))
    .replace(/[．。]/g, '.')
    .replace(/[－ー−]/g, '-')
    .replace(/，/g, ',');
}
