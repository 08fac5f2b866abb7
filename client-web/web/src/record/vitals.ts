// The record's vitals: one table of every reading in the period (a row per vitals
// post, a column per measurement anyone took, the one who recorded it) and the trend
// charts of the care module (care/trends.ts) drawn over the record's period; then
// each member's last read position per channel.

import { html, nothing, type TemplateResult } from 'lit-html';

import type { NotebookEntry, NotebookView } from '../generated/types';
import { formatTime } from '../i18n';
import { vitalsRows } from '../care/cards-vitals';
import { careText } from '../care/messages';
import { measureName, withUnit } from '../care/format';
import { chartSvg } from '../care/trends';
import { charts } from '../care/trends-data';
import { columnsOf, measuredAt, original, type ReadPosition } from './model';
import { recordText } from './messages';
import type { Range } from './range';

/** Every vitals post of the period as a table. */
export function vitalsTable(entries: NotebookEntry[], who: (user: string) => string): TemplateResult {
  const m = recordText();
  if (entries.length === 0) return html`<p class="record-empty">${m.noVitals}</p>`;
  const rows = entries.map((entry) => ({ entry, cells: vitalsRows(entry.current.envelope.vitals ?? { measured_at: 0 }) }));
  const columns = columnsOf(rows.map((r) => r.cells));
  return html`<div class="record-scroll"><table class="record-table record-vitals">
    <caption>${m.vitalsCaption(entries.length)}</caption>
    <thead><tr>
      <th scope="col">${m.measuredAt}</th>
      ${columns.map((c) => html`<th scope="col" data-field=${c.field}>${c.label}</th>`)}
      <th scope="col">${m.recordedBy}</th>
    </tr></thead>
    <tbody>
      ${rows.map(({ entry, cells }) => {
        const flagged = new Set((entry.alert?.out_of_range ?? []).map((f) => f.measurement));
        return html`<tr data-post=${entry.post_id}>
          <th scope="row">${formatTime(measuredAt(entry))}</th>
          ${columns.map((c) => {
            const cell = cells.find((x) => x.field === c.field);
            const out = cell !== undefined && cell.measures.some((name) => flagged.has(name));
            return html`<td data-field=${c.field}>${cell?.value ?? ''}${out ? html` <span class="care-flag care-flag--out">▲ ${careText().flagOutOfRange}</span>` : nothing}</td>`;
          })}
          <td>${who(original(entry).author)}</td>
        </tr>`;
      })}
    </tbody>
  </table></div>`;
}

/** The care module's trend charts over the record's period (charts with readings only). */
export function vitalsCharts(view: NotebookView, range: Range): TemplateResult | typeof nothing {
  const c = careText();
  const drawn = charts(view, range.from, range.to).filter((chart) => chart.series.some((s) => s.points.length > 0));
  if (drawn.length === 0) return nothing;
  return html`<section class="record-charts" aria-labelledby="record-charts-title">
    <h3 id="record-charts-title">${recordText().trendsTitle}</h3>
    ${drawn.map((chart) => {
      const name = chart.key === 'blood_pressure' ? c.bloodPressure : measureName(chart.key);
      const count = Math.max(...chart.series.map((s) => s.points.length));
      const latest = chart.series
        .map((s) => s.points.at(-1))
        .map((p, i) => (p === undefined ? null : withUnit(p.value, chart.series[i]?.unit ?? '')))
        .filter((v): v is string => v !== null)
        .join(' / ');
      const summary = c.chartSummary(name, count, latest);
      return html`<figure class="record-chart" data-chart=${chart.key}>
        <figcaption>${name} — ${summary}</figcaption>
        ${chartSvg(chart, range.from, range.to, summary)}
      </figure>`;
    })}
  </section>`;
}

/** Each member's last read position in a channel, as a table. */
export function readsTable(
  channelName: string,
  reads: ReadPosition[] | null,
  entries: NotebookEntry[],
  role: (user: string) => string,
): TemplateResult {
  const m = recordText();
  if (reads === null) return html`<p class="record-meta">${channelName}: ${m.readsUnknown}</p>`;
  const upTo = (seq: number): string => {
    const last = entries.filter((e) => original(e).seq <= seq).at(-1);
    return seq === 0 || last === undefined ? m.neverRead : m.upToEntry(formatTime(original(last).sent_at));
  };
  return html`<div class="record-scroll"><table class="record-table record-read-table">
    <caption>${m.readsCaption(channelName)}</caption>
    <thead><tr><th scope="col">${m.member}</th><th scope="col">${m.role}</th><th scope="col">${m.readUpTo}</th><th scope="col">${m.lastRead}</th></tr></thead>
    <tbody>
      ${reads.map((r) => html`<tr data-user=${r.user_id}>
        <th scope="row">${r.display_name}</th>
        <td>${role(r.user_id)}</td>
        <td>${upTo(r.seq)}</td>
        <td>${r.read_at === null ? '—' : formatTime(r.read_at)}</td>
      </tr>`)}
    </tbody>
  </table></div>`;
}
