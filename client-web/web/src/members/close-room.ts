// Closing a room (issue 16): which of my rooms are closed (from GET /rooms), the
// banner a closed room shows instead of its composer, and the owner's or a
// delegate's 「このケアを終了する」 panel with its confirmation. The server refuses
// every write to a closed room (`room_closed`); this only says so up front.

import { html, nothing, type TemplateResult } from 'lit-html';

import { rerender } from '../app';
import { http } from '../http';
import { list, object, type Body } from '../http/answer';
import { errorBox, noticeBox, problemText } from '../views/parts';
import { closeText, CLOSE_REASONS, type CloseReason } from './close-room-messages';

/** A room's closure as the room list gives it. */
export interface Closure {
  closedAt: number;
  reason: string;
}

const closures = new Map<string, Closure>();
const years = new Map<string, number>();
let fetched = false;
let fetching = false;

function read(body: Body): void {
  const id = body['id'];
  if (typeof id !== 'string') return;
  const at = body['closed_at'];
  const reason = body['closed_reason'];
  if (typeof at === 'number') closures.set(id, { closedAt: at, reason: typeof reason === 'string' ? reason : 'other' });
  else closures.delete(id);
  const kept = body['retention_years'];
  if (typeof kept === 'number') years.set(id, kept);
}

/** Fetches which of my rooms are closed (again). */
export async function refreshClosures(): Promise<void> {
  if (fetching) return;
  fetching = true;
  try {
    const rooms = list(await http.json<unknown>('GET', '/rooms'));
    closures.clear();
    rooms.forEach(read);
    fetched = true;
  } catch {
    // The list stays as it was; the server still refuses writes to a closed room.
  }
  fetching = false;
  rerender();
}

/** Fetches the closures once per page load (the room list and room call this). */
export function ensureClosures(): void {
  if (!fetched && !fetching) void refreshClosures();
}

/** The room's closure, if it is closed. */
export function closureOf(roomId: string): Closure | null {
  return closures.get(roomId) ?? null;
}

/** The banner of a closed room: when, why, read-only. */
export function closedBanner(roomId: string): TemplateResult | typeof nothing {
  ensureClosures();
  const closure = closureOf(roomId);
  if (closure === null) return nothing;
  const m = closeText();
  return html`<p class="notice closed-banner" id="closed-banner" role="status">
    ${m.banner(m.date(closure.closedAt), m.reasons[closure.reason] ?? closure.reason)}
  </p>`;
}

/** The close panel's state, one per members screen. */
export interface CloseState {
  reason: CloseReason;
  confirming: boolean;
  busy: boolean;
  problem: (() => string) | null;
  notice: (() => string) | null;
}

export function newCloseState(): CloseState {
  return { reason: 'moved', confirming: false, busy: false, problem: null, notice: null };
}

async function close(roomId: string, state: CloseState): Promise<void> {
  if (state.busy) return;
  state.busy = true;
  state.problem = null;
  rerender();
  try {
    read({ ...object(await http.json<unknown>('POST', `/rooms/${encodeURIComponent(roomId)}/close`, { reason: state.reason })), id: roomId });
    state.notice = () => closeText().closed;
    state.confirming = false;
  } catch (error) {
    state.problem = () => problemText(error);
  }
  state.busy = false;
  rerender();
}

/** 「このケアを終了する」 for the room's owner and delegates (nothing once closed). */
export function closePanel(roomId: string, state: CloseState, canManage: boolean): TemplateResult | typeof nothing {
  const m = closeText();
  if (closureOf(roomId) !== null) return html`${noticeBox(state.notice?.() ?? null)} ${closedBanner(roomId)}`;
  if (!canManage) return nothing;
  const kept = years.get(roomId) ?? 5;
  return html`
    <section class="card close-room" aria-labelledby="close-room-heading">
      <h2 id="close-room-heading">${m.closeHeading}</h2>
      <p class="hint">${m.closeExplain}</p>
      <fieldset class="roles">
        <legend>${m.reasonQuestion}</legend>
        ${CLOSE_REASONS.map(
          (reason) => html`<div class="role-choice">
            <input type="radio" id=${`close-reason-${reason}`} name="close-reason" value=${reason} .checked=${state.reason === reason}
              @change=${() => { state.reason = reason; rerender(); }} />
            <div class="role-text"><label for=${`close-reason-${reason}`}>${m.reasons[reason]}</label></div>
          </div>`,
        )}
      </fieldset>
      ${state.confirming
        ? html`<div class="confirm-close" role="alertdialog" aria-labelledby="close-confirm-title" aria-describedby="close-confirm-explain">
            <h3 id="close-confirm-title">${m.confirmTitle}</h3>
            <p id="close-confirm-explain">${m.confirmExplain(kept)}</p>
            <button type="button" class="danger" id="close-confirm" ?disabled=${state.busy} @click=${() => void close(roomId, state)}>
              ${state.busy ? m.closing : m.confirmClose}
            </button>
            <button type="button" class="secondary" ?disabled=${state.busy} @click=${() => { state.confirming = false; rerender(); }}>
              ${m.cancel}
            </button>
          </div>`
        : html`<button type="button" class="secondary danger" id="close-room" @click=${() => { state.confirming = true; rerender(); }}>
            ${m.closeButton}
          </button>`}
      ${errorBox(state.problem?.() ?? null)}
    </section>
  `;
}
