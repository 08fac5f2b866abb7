// The vitals trend charts of one client: a small SVG chart per measurement over
// 7 or 30 days, the thresholds in force drawn and labelled, readings outside them
// drawn as diamonds (shape, not colour alone), and each chart's data as a table for
// screen readers and anyone who prefers numbers. The SVG scales by its viewBox, so
// it fits a 320 px screen; no inline styles (the CSP forbids them).

import { html, nothing, svg, type SVGTemplateResult, type TemplateResult } from 'lit-html';

import './care.css';
import { careText } from './messages';
import { dayLabel, measureName, shortTime, withUnit } from './format';
import { charts, type Chart, type Point, type Series } from './trends-data';
import { thresholdsForm } from './thresholds-form';
import type { NotebookView, SendPost } from './types';

const W = 320;
const H = 190;
const LEFT = 54;
const RIGHT = W - 10;
const TOP = 14;
const BOTTOM = H - 30;
const DAY = 24 * 60 * 60 * 1000;
const PAD = 10;

/** The least span of the y axis, so a flat series is not blown up. */
const MIN_SPAN: Record<string, number> = { temperature: 1.5, blood_pressure: 40, pulse: 30, spo2: 8, weight: 3 };

function round(value: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

/** One chart over [from, to] (also drawn by the inspection record, record/vitals.ts). */
export function chartSvg(chart: Chart, from: number, to: number, label: string): TemplateResult {
  const m = careText();
  const values: number[] = [];
  for (const s of chart.series) {
    for (const p of s.points) values.push(p.value);
    if (s.range?.min !== undefined) values.push(s.range.min);
    if (s.range?.max !== undefined) values.push(s.range.max);
  }
  const digits = chart.series[0]?.digits ?? 0;
  let lo = Math.min(...values);
  let hi = Math.max(...values);
  const span = Math.max(hi - lo, MIN_SPAN[chart.key] ?? 1);
  const middle = (hi + lo) / 2;
  lo = middle - span * 0.65;
  hi = middle + span * 0.65;
  // Points keep clear of the frame: a reading taken just now sits inside the right edge.
  const x = (at: number): number => LEFT + PAD + ((at - from) / (to - from)) * (RIGHT - LEFT - 2 * PAD);
  const y = (v: number): number => BOTTOM - ((v - lo) / (hi - lo)) * (BOTTOM - TOP);
  const ticks = [lo + (hi - lo) * 0.1, middle, hi - (hi - lo) * 0.1].map((v) => round(v, digits));
  const days = [from, from + (to - from) / 2, to];

  const marker = (p: Point, index: number, second: boolean): SVGTemplateResult => {
    const cx = x(p.at);
    const cy = y(p.value);
    if (p.outside) {
      const r = 7;
      return svg`<polygon class="care-pt care-pt--out" data-outside="true" data-index=${index}
        points=${`${cx},${cy - r} ${cx + r},${cy} ${cx},${cy + r} ${cx - r},${cy}`} />`;
    }
    return second
      ? svg`<rect class="care-pt care-pt--2" data-outside="false" x=${cx - 4} y=${cy - 4} width="8" height="8" />`
      : svg`<circle class="care-pt" data-outside="false" cx=${cx} cy=${cy} r="4.5" />`;
  };

  const thresholdLine = (s: Series, end: 'min' | 'max'): SVGTemplateResult | typeof nothing => {
    const value = s.range?.[end];
    if (value === undefined) return nothing;
    const ly = y(value);
    const which = chart.series.length > 1 ? `${measureName(s.measure)} ` : '';
    const text = `${which}${end === 'min' ? m.min : m.max} ${withUnit(value, s.unit)}`;
    return svg`<g class="care-threshold" data-threshold=${`${s.measure}-${end}`}>
      <line x1=${LEFT} x2=${RIGHT} y1=${ly} y2=${ly} stroke-dasharray="6 4" />
      <text x=${RIGHT - 3} y=${end === 'max' ? ly - 5 : ly + 15} text-anchor="end">${text}</text>
    </g>`;
  };

  return html`<svg class="care-chart" viewBox=${`0 0 ${W} ${H}`} role="img" aria-label=${label}
    preserveAspectRatio="xMidYMid meet" focusable="false">
    ${svg`
      <rect class="care-plot" x=${LEFT} y=${TOP} width=${RIGHT - LEFT} height=${BOTTOM - TOP} />
      ${ticks.map((v) => svg`<line class="care-grid-line" x1=${LEFT} x2=${RIGHT} y1=${y(v)} y2=${y(v)} />
        <text class="care-axis" x=${LEFT - 5} y=${y(v) + 5} text-anchor="end">${v.toFixed(digits)}</text>`)}
      ${days.map((d, i) => svg`<text class="care-axis" x=${x(d)} y=${H - 8}
        text-anchor=${i === 0 ? 'start' : i === 2 ? 'end' : 'middle'}>${dayLabel(d)}</text>`)}
      ${chart.series.map((s) => [thresholdLine(s, 'min'), thresholdLine(s, 'max')])}
      ${chart.series.map((s, si) => svg`
        <polyline class=${si === 0 ? 'care-line' : 'care-line care-line--2'}
          points=${s.points.map((p) => `${x(p.at)},${y(p.value)}`).join(' ')} />
        ${s.points.map((p, i) => marker(p, i, si === 1))}`)}
    `}
  </svg>`;
}

function table(chart: Chart, name: string): TemplateResult {
  const m = careText();
  const rows = chart.series
    .flatMap((s) => s.points.map((p) => ({ s, p })))
    .sort((a, b) => a.p.at - b.p.at);
  return html`<table class="care-table">
    <caption>${m.tableCaption(name)}</caption>
    <thead><tr><th scope="col">${m.when}</th><th scope="col">${m.value}</th><th scope="col">${m.status}</th></tr></thead>
    <tbody>
      ${rows.map(({ s, p }) => html`<tr data-outside=${p.outside ? 'true' : 'false'}>
        <td>${shortTime(p.at)}</td>
        <td>${chart.series.length > 1 ? `${measureName(s.measure)} ` : ''}${withUnit(p.value, s.unit)}</td>
        <td>${p.outside ? `◆ ${m.outside}` : m.inside}</td>
      </tr>`)}
    </tbody>
  </table>`;
}

export interface TrendsOptions {
  /** The team channel's notebook (readings and the thresholds in force). */
  notebook: () => NotebookView | null;
  rerender: () => void;
  /** Sends a thresholds post; absent (e.g. the family channel): no thresholds form. */
  send?: SendPost;
  /** The current time (tests may fix it). */
  now?: () => number;
}

export function trendsView(options: TrendsOptions): () => TemplateResult {
  const state = { days: 7, tables: new Set<string>(), editing: false };
  const form = options.send === undefined
    ? null
    : thresholdsForm({ send: options.send, thresholds: () => options.notebook()?.thresholds ?? null, rerender: options.rerender });

  const toggle = (key: string): void => {
    if (state.tables.has(key)) state.tables.delete(key);
    else state.tables.add(key);
    options.rerender();
  };

  const rangeButton = (days: number, label: string): TemplateResult => html`<button type="button"
    class=${state.days === days ? 'primary' : 'secondary'} aria-pressed=${state.days === days ? 'true' : 'false'}
    @click=${() => { state.days = days; options.rerender(); }}>${label}</button>`;

  return () => {
    const m = careText();
    const view = options.notebook();
    const to = (options.now ?? Date.now)();
    const from = to - state.days * DAY;
    const list = view === null ? [] : charts(view, from, to);
    return html`<section class="care-trends" aria-labelledby="care-trends-title">
      <h2 id="care-trends-title">${m.trendsTitle}</h2>
      <div class="care-range" role="group" aria-label=${m.range}>${rangeButton(7, m.days7)} ${rangeButton(30, m.days30)}</div>
      ${list.map((chart) => {
        const name = chart.key === 'blood_pressure' ? m.bloodPressure : measureName(chart.key);
        const count = Math.max(0, ...chart.series.map((s) => s.points.length));
        const outside = chart.series.reduce((n, s) => n + s.points.filter((p) => p.outside).length, 0);
        const latest = chart.series
          .map((s) => (s.points.length === 0 ? null : withUnit(s.points[s.points.length - 1]?.value ?? 0, s.unit)))
          .filter((v): v is string => v !== null)
          .join(' / ');
        const summary = `${m.chartSummary(name, count, latest)}${outside > 0 ? `。${m.chartOutside(outside)}` : ''}`;
        const open = state.tables.has(chart.key);
        return html`<section class="care-chart-box" data-chart=${chart.key} aria-labelledby=${`care-chart-${chart.key}`}>
          <h3 id=${`care-chart-${chart.key}`}>${name}</h3>
          ${count === 0
            ? html`<p class="care-meta">${m.noReadings}</p>`
            : html`<p class="care-meta">${summary}</p>
                ${chartSvg(chart, from, to, summary)}
                <button type="button" class="secondary care-table-toggle" aria-expanded=${open ? 'true' : 'false'}
                  aria-controls=${`care-table-${chart.key}`} @click=${() => toggle(chart.key)}>
                  ${open ? m.hideTable : m.showTable}
                </button>
                <div id=${`care-table-${chart.key}`} class=${open ? 'care-table-wrap' : 'care-table-wrap care-visually-hidden'}>
                  ${table(chart, name)}
                </div>`}
        </section>`;
      })}
      ${form === null
        ? nothing
        : html`<details class="care-thresholds-edit" ?open=${state.editing}
            @toggle=${(e: Event) => { state.editing = (e.currentTarget as HTMLDetailsElement).open; }}>
            <summary>${m.editThresholds}</summary>
            ${form()}
          </details>`}
    </section>`;
  };
}
