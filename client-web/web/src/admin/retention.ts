// The facility administrator's retention setting (2–5 years) and each room's
// closure, deletion date and legal hold (GET/PUT /organisations/{org}/retention,
// PUT/DELETE /rooms/{room}/hold, POST /rooms/{room}/reopen). Rooms appear by a short
// ID: their names are sealed on members' devices and the administrator is not one.

import { html, nothing, type TemplateResult } from 'lit-html';

import { rerender } from '../app';
import { http } from '../http';
import { list, object, type Body } from '../http/answer';
import { errorBox, noticeBox, problemText } from '../views/parts';
import { retentionText } from './retention-messages';

interface Row {
  roomId: string;
  createdAt: number;
  closedAt: number | null;
  reason: string | null;
  deleteAfter: number | null;
  deletedAt: number | null;
  holdReason: string | null;
}

interface Retention {
  years: number;
  min: number;
  max: number;
  rooms: Row[];
}

/** One facility's retention panel. */
export interface RetentionState {
  orgId: string;
  loaded: Retention | null;
  /** Not the facility's administrator (or it failed): the panel stays away. */
  hidden: boolean;
  busy: boolean;
  problem: (() => string) | null;
  notice: (() => string) | null;
  holdText: Record<string, string>;
}

const num = (b: Body, k: string): number | null => (typeof b[k] === 'number' ? (b[k] as number) : null);
const str = (b: Body, k: string): string | null => (typeof b[k] === 'string' ? (b[k] as string) : null);

function parse(value: unknown): Retention {
  const body = object(value);
  return {
    years: num(body, 'years') ?? 5,
    min: num(body, 'min_years') ?? 2,
    max: num(body, 'max_years') ?? 5,
    rooms: list(body['rooms']).map((r) => ({
      roomId: str(r, 'room_id') ?? '',
      createdAt: num(r, 'created_at') ?? 0,
      closedAt: num(r, 'closed_at'),
      reason: str(r, 'closed_reason'),
      deleteAfter: num(r, 'delete_after'),
      deletedAt: num(r, 'deleted_at'),
      holdReason: str(r, 'hold_reason'),
    })),
  };
}

const path = (orgId: string): string => `/organisations/${encodeURIComponent(orgId)}/retention`;

export function newRetentionState(orgId: string): RetentionState {
  const state: RetentionState = { orgId, loaded: null, hidden: false, busy: false, problem: null, notice: null, holdText: {} };
  void load(state);
  return state;
}

async function load(state: RetentionState): Promise<void> {
  try {
    state.loaded = parse(await http.json<unknown>('GET', path(state.orgId)));
  } catch {
    state.hidden = true;
  }
  rerender();
}

async function act(state: RetentionState, work: () => Promise<unknown>, done?: () => string): Promise<void> {
  if (state.busy) return;
  state.busy = true;
  state.problem = null;
  state.notice = null;
  rerender();
  try {
    await work();
    state.notice = done ?? null;
    await load(state);
  } catch (error) {
    state.problem = () => problemText(error);
  }
  state.busy = false;
  rerender();
}

function setYears(state: RetentionState, event: Event): void {
  event.preventDefault();
  const years = Number(new FormData(event.currentTarget as HTMLFormElement).get('retention-years'));
  void act(state, () => http.json<unknown>('PUT', path(state.orgId), { years }), () => retentionText().saved(years));
}

function hold(state: RetentionState, roomId: string): void {
  const reason = (state.holdText[roomId] ?? '').trim();
  if (reason === '') {
    state.problem = () => retentionText().holdMissing;
    rerender();
    return;
  }
  void act(state, () => http.json<unknown>('PUT', `/rooms/${encodeURIComponent(roomId)}/hold`, { reason }));
}

function roomRow(state: RetentionState, row: Row): TemplateResult {
  const m = retentionText();
  const room = `/rooms/${encodeURIComponent(row.roomId)}`;
  const stateText =
    row.deletedAt !== null
      ? m.deleted(m.date(row.deletedAt))
      : row.closedAt !== null
        ? `${m.closedOn(m.date(row.closedAt), m.reasons[row.reason ?? 'other'] ?? '')} · ${m.deleteAfter(m.date(row.deleteAfter ?? 0))}`
        : m.open;
  const live = row.deletedAt === null;
  return html`
    <tr data-room=${row.roomId} data-closed=${row.closedAt !== null ? 'true' : 'false'} data-held=${row.holdReason !== null ? 'true' : 'false'}>
      <td><code>${row.roomId.slice(0, 8)}</code></td>
      <td>${m.date(row.createdAt)}</td>
      <td>${stateText}${row.holdReason !== null ? html`<br /><strong class="held">${m.held(row.holdReason)}</strong>` : nothing}</td>
      <td>
        ${!live
          ? nothing
          : row.holdReason !== null
            ? html`<button type="button" class="secondary" ?disabled=${state.busy}
                @click=${() => void act(state, () => http.json<unknown>('DELETE', `${room}/hold`))}>${m.lift}</button>`
            : html`<label>${m.holdReason}
                  <input type="text" class="hold-reason" maxlength="500" .value=${state.holdText[row.roomId] ?? ''}
                    @input=${(e: Event) => { state.holdText[row.roomId] = (e.currentTarget as HTMLInputElement).value; }} />
                </label>
                <button type="button" class="secondary hold" ?disabled=${state.busy} @click=${() => hold(state, row.roomId)}>${m.hold}</button>`}
        ${live && row.closedAt !== null
          ? html`<button type="button" class="secondary" ?disabled=${state.busy}
              @click=${() => void act(state, () => http.json<unknown>('POST', `${room}/reopen`, {}))}>${m.reopen}</button>`
          : nothing}
      </td>
    </tr>
  `;
}

/** The retention section of the facility screen (nothing for someone who may not see it). */
export function retentionSection(state: RetentionState): TemplateResult | typeof nothing {
  const loaded = state.loaded;
  if (state.hidden || loaded === null) return nothing;
  const m = retentionText();
  const choices = Array.from({ length: loaded.max - loaded.min + 1 }, (_, i) => loaded.min + i);
  return html`
    <section class="card admin-section retention" aria-labelledby="admin-retention-title">
      <h2 id="admin-retention-title">${m.heading}</h2>
      <p class="hint">${m.explain}</p>
      <form @submit=${(e: Event) => setYears(state, e)}>
        <label for="retention-years">${m.yearsLabel}</label>
        <select id="retention-years" name="retention-years" class="admin-select">
          ${choices.map((n) => html`<option value=${n} ?selected=${n === loaded.years}>${m.years(n)}</option>`)}
        </select>
        <button type="submit" class="secondary" ?disabled=${state.busy}>${m.save}</button>
      </form>
      ${noticeBox(state.notice?.() ?? null)} ${errorBox(state.problem?.() ?? null)}
      <h3>${m.roomsHeading}</h3>
      <table class="admin-table retention-rooms">
        <thead><tr><th>${m.room}</th><th>${m.opened}</th><th>${m.state}</th><th></th></tr></thead>
        <tbody>${loaded.rooms.map((row) => roomRow(state, row))}</tbody>
      </table>
    </section>
  `;
}
