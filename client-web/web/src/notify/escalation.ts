// A room's escalation time (GET/PUT /rooms/{room}/escalation): when some of the
// team have not read an urgent post after this many minutes, they are notified
// again (and its author is told how many have not read it). A panel for the
// room's screens: the owner and delegates choose the time, everyone else sees it.
// The server refuses others (403) all the same.
//
// Use: keep `newEscalationState(roomId)` in the screen's state and put
// `escalationPanel(state.escalation, canManage)` in its template; the panel loads
// the setting the first time it is drawn and calls `rerender()` itself.

import { html, nothing, type TemplateResult } from 'lit-html';

import { rerender } from '../app';
import { ApiError } from '../http';
import { errorBox, noticeBox, problemText } from '../views/parts';
import { loadEscalation, saveEscalation } from './api';
import { notifyText } from './messages';

import './notify.css';

/** The times offered (minutes); the server takes 5..1440 or none. */
export const ESCALATION_MINUTES: readonly number[] = [5, 10, 15, 30, 60, 120, 240, 1440];

export interface EscalationState {
  roomId: string;
  /** Whether the first load has been started. */
  started: boolean;
  /** The saved time (null: off); undefined until loaded. */
  minutes: number | null | undefined;
  /** The time chosen in the list, not yet saved. */
  chosen: number | null;
  /** The server does not show this room's setting to this person (or has none): no panel. */
  hidden: boolean;
  saving: boolean;
  problem: (() => string) | null;
  notice: (() => string) | null;
}

export function newEscalationState(roomId: string): EscalationState {
  return { roomId, started: false, minutes: undefined, chosen: null, hidden: false, saving: false, problem: null, notice: null };
}

async function load(state: EscalationState): Promise<void> {
  try {
    state.minutes = await loadEscalation(state.roomId);
    state.chosen = state.minutes;
  } catch (error) {
    if (error instanceof ApiError && (error.status === 403 || error.status === 404)) state.hidden = true;
    else state.problem = () => problemText(error);
  }
  rerender();
}

async function save(state: EscalationState): Promise<void> {
  if (state.saving) return;
  state.saving = true;
  state.problem = null;
  state.notice = null;
  rerender();
  try {
    state.minutes = await saveEscalation(state.roomId, state.chosen);
    state.chosen = state.minutes;
    state.notice = () => notifyText().escalationSaved;
  } catch (error) {
    state.problem = () => problemText(error);
  }
  state.saving = false;
  rerender();
}

/** The words for a time (or off). */
export function escalationWords(minutes: number | null): string {
  const m = notifyText();
  return minutes === null ? m.escalationOff : m.escalationAfter(minutes);
}

function options(current: number | null): number[] {
  if (current === null || ESCALATION_MINUTES.includes(current)) return [...ESCALATION_MINUTES];
  return [...ESCALATION_MINUTES, current].sort((a, b) => a - b);
}

function picker(state: EscalationState): TemplateResult {
  const m = notifyText();
  const id = `escalation-${state.roomId}`;
  const pick = (event: Event): void => {
    const value = (event.target as HTMLSelectElement).value;
    state.chosen = value === 'off' ? null : Number(value);
    state.notice = null;
    rerender();
  };
  return html`
    <div class="field">
      <label for=${id}>${m.escalationLabel}</label>
      <select id=${id} class="notify-select escalation-select" @change=${pick}>
        <option value="off" ?selected=${state.chosen === null}>${m.escalationOff}</option>
        ${options(state.chosen).map(
          (minutes) =>
            html`<option value=${String(minutes)} ?selected=${minutes === state.chosen}>${m.escalationAfter(minutes)}</option>`,
        )}
      </select>
    </div>
    <button type="button" class="primary escalation-save" ?disabled=${state.saving || state.chosen === state.minutes}
      @click=${() => void save(state)}>
      ${state.saving ? notifyText().saving : notifyText().save}
    </button>
  `;
}

/** The escalation panel of a room; `canManage`: the person is its owner or a delegate. */
export function escalationPanel(state: EscalationState, canManage: boolean): TemplateResult | typeof nothing {
  if (!state.started) {
    state.started = true;
    void load(state);
  }
  if (state.hidden) return nothing;
  const m = notifyText();
  const headingId = `escalation-heading-${state.roomId}`;
  return html`
    <section class="notify-section escalation" aria-labelledby=${headingId}
      data-minutes=${state.minutes === undefined ? nothing : (state.minutes ?? 'off')}>
      <h2 id=${headingId}>${m.escalationHeading}</h2>
      <p class="hint">${m.escalationExplain}</p>
      ${state.minutes === undefined
        ? state.problem === null
          ? html`<p role="status" class="hint">${m.loading}</p>`
          : nothing
        : canManage
          ? picker(state)
          : html`<p class="escalation-current">${m.escalationCurrent(escalationWords(state.minutes))}</p>
              <p class="hint">${m.escalationReadOnly}</p>`}
      ${errorBox(state.problem?.() ?? null)} ${noticeBox(state.notice?.() ?? null)}
    </section>
  `;
}
