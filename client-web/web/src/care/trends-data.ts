// The readings of a notebook as time series for the trend charts: one series per
// measurement, points at the time the readings were taken, each marked when it is
// outside the thresholds (as flagged when posted, or outside those in force now,
// so a point beyond a drawn line is always marked).

import { MEASURES, type MeasureName } from './format';
import type { NotebookView, Range, Thresholds } from './types';

export interface Point {
  at: number;
  value: number;
  outside: boolean;
  post: string;
}

export interface Series {
  measure: MeasureName;
  unit: string;
  digits: number;
  points: Point[];
  range: Range | null;
}

export interface Chart {
  /** The chart's key: a measurement, or `blood_pressure` for both pressures. */
  key: string;
  series: Series[];
}

export const CHARTS: { key: string; measures: MeasureName[] }[] = [
  { key: 'temperature', measures: ['temperature'] },
  { key: 'blood_pressure', measures: ['systolic', 'diastolic'] },
  { key: 'pulse', measures: ['pulse'] },
  { key: 'spo2', measures: ['spo2'] },
  { key: 'weight', measures: ['weight'] },
];

function outsideOf(range: Range | null, value: number): boolean {
  if (range === null) return false;
  return (range.min !== undefined && value < range.min) || (range.max !== undefined && value > range.max);
}

/** The series of one measurement within [from, to]. */
export function series(view: NotebookView, measure: MeasureName, from: number, to: number): Series {
  const meta = MEASURES.find((m) => m.name === measure) ?? MEASURES[0];
  const thresholds: Thresholds | null = view.thresholds;
  const range = thresholds?.[meta.key] ?? null;
  const points: Point[] = [];
  for (const entry of view.entries) {
    const reading = entry.readings.find((r) => r.measurement === measure);
    if (reading === undefined) continue;
    const at = entry.current.envelope.vitals?.measured_at ?? entry.current.sent_at;
    if (at < from || at > to) continue;
    const flagged = entry.alert?.out_of_range.some((f) => f.measurement === measure) ?? false;
    points.push({ at, value: reading.value, outside: flagged || outsideOf(range, reading.value), post: entry.post_id });
  }
  points.sort((a, b) => a.at - b.at);
  return { measure, unit: meta.unit, digits: meta.digits, points, range };
}

export function charts(view: NotebookView, from: number, to: number): Chart[] {
  return CHARTS.map(({ key, measures }) => ({ key, series: measures.map((m) => series(view, m, from, to)) }));
}
