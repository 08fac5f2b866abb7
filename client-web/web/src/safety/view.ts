// `#/broadcasts/{id}/safety[/{room}]`: the safety check of one official notice, from
// the care team's side. My rooms in it (the server lists room IDs; each name is
// opened on this device), each with its current answer or 未回答, and the answer
// form for one of them at a time (opened at once for `{room}`). A notice that is
// not an official, current check gets no form, only the warning, in both languages.

import { html, nothing, type TemplateResult } from 'lit-html';

import type { Me } from '../api';
import { rerender, type View } from '../app';
import { rooms } from '../engine';
import { broadcastState } from '../engine/broadcasts';
import { formatTime, lang } from '../i18n';
import { roomText } from '../rooms-messages';
import { severityTag } from '../broadcasts/parts';
import { ensureEngine, gateView } from '../views/rooms';
import { statusTag } from './card';
import { answerForm, newForm, type FormState } from './form';
import { safetyBoth, safetyText, statusWords } from './messages';
import { refusedLater, waitingRooms } from './pending';
import { isAnswered, type SafetyRoom, type SafetyRooms } from './rules';
import { listing, officialCheck, refreshListing } from './state';

interface Screen {
  broadcast: string;
  /** The room whose form is open. */
  open: string | null;
  forms: Map<string, FormState>;
  /** What the last answer did (worded when drawn). */
  done: (() => string) | null;
}

function nameOf(room: string): string {
  return rooms().find((r) => r.roomId === room)?.name ?? roomText().nameLoading;
}

function openForm(screen: Screen, room: SafetyRoom): void {
  screen.open = room.room;
  screen.done = null;
  screen.forms.set(room.room, newForm(room.status, room.need));
  rerender();
  document.getElementById(`sf-${room.room}-title`)?.focus();
}

function formFor(screen: Screen, room: SafetyRoom, form: FormState): TemplateResult {
  return answerForm(form, {
    broadcast: screen.broadcast,
    room: room.room,
    name: nameOf(room.room),
    redraw: rerender,
    done: (text) => {
      screen.open = null;
      screen.done = text;
      rerender();
      document.getElementById('safety-done')?.focus();
    },
    cancel: () => {
      screen.open = null;
      rerender();
    },
  });
}

function roomItem(screen: Screen, list: SafetyRooms, room: SafetyRoom, waiting: ReadonlySet<string>): TemplateResult {
  const m = safetyText();
  const form = screen.open === room.room ? screen.forms.get(room.room) : undefined;
  const answered = isAnswered(room, waiting);
  const status = waiting.has(room.room)
    ? statusTag(null, m.waitingShort)
    : room.status === null
      ? statusTag(null, m.unanswered)
      : statusTag(room.status, statusWords(room.status, room.need));
  return html`<li class="safety-room" data-room=${room.room} data-status=${room.status ?? 'unanswered'}>
    ${form !== undefined
      ? formFor(screen, room, form)
      : html`<p class="safety-room__name">${nameOf(room.room)}</p>
          <p class="safety-room__status">${status}
            ${room.answered_at === null ? nothing : html`<span class="care-meta">${m.answeredAt(formatTime(room.answered_at))}</span>`}</p>
          ${list.open
            ? html`<button type="button" class=${answered ? 'secondary safety-answer-button' : 'primary safety-answer-button'}
                @click=${() => openForm(screen, room)}>${answered ? m.change : m.answer}</button>`
            : nothing}`}
  </li>`;
}

function notOfficial(): TemplateResult {
  return html`<div class="error" role="alert" id="safety-not-official">
    <p lang="ja">${safetyBoth.ja.notOfficial}</p>
    <p lang="en">${safetyBoth.en.notOfficial}</p>
  </div>`;
}

function roomsPart(screen: Screen): TemplateResult {
  const m = safetyText();
  const entry = listing(screen.broadcast);
  const list = entry?.rooms ?? null;
  const problem = entry?.problem ?? null;
  if (list === null && problem !== null) return html`<p class="error" role="alert">${lang() === 'ja' ? problem.ja : problem.en}</p>`;
  if (list === null) return html`<p role="status">${m.loading}</p>`;
  // The form of a room named in the address opens once the list is known.
  if (screen.open !== null && !screen.forms.has(screen.open)) {
    const named = list.rooms.find((r) => r.room === screen.open);
    if (named !== undefined && list.open) screen.forms.set(named.room, newForm(named.status, named.need));
    else screen.open = null;
  }
  const waiting = waitingRooms(screen.broadcast);
  return html`
    <p class="safety-state" data-open=${list.open ? 'true' : 'false'}>${list.open ? m.open : m.closed}</p>
    ${refusedLater(screen.broadcast).map((r) => html`<p class="error" role="alert">${nameOf(r.room)}: ${m.failed(lang() === 'ja' ? r.words.ja : r.words.en)}</p>`)}
    <section aria-labelledby="safety-rooms-heading">
      <h2 id="safety-rooms-heading">${m.myRooms}</h2>
      ${list.rooms.length === 0
        ? html`<p id="safety-no-rooms">${m.noRooms}</p>`
        : html`<p class="safety-prompt-text safety-lead">${m.prompt}</p>
            <p class="hint">${m.roomsHint}</p>
            <ul class="safety-rooms">${list.rooms.map((r) => roomItem(screen, list, r, waiting))}</ul>`}
    </section>
  `;
}

function content(person: Me, screen: Screen): TemplateResult {
  ensureEngine(person);
  const blocked = gateView(person);
  if (blocked !== null) return blocked;
  const m = safetyText();
  const state = broadcastState();
  const back = html`<p><a class="button secondary" href="#/broadcasts">${m.backToNotices}</a></p>`;
  if (state === null) return html`${back}<p role="status">${m.loading}</p>`;
  const notice = officialCheck(screen.broadcast);
  if (notice === undefined) {
    const known = state.notices.some((n) => n.listed.id === screen.broadcast);
    return html`${back}${!known && (state.refreshing || state.fetchedAt === null) ? html`<p role="status">${m.loading}</p>` : notOfficial()}`;
  }
  const signed = notice.view.broadcast;
  return html`
    ${back}
    <section class="card safety-notice" data-broadcast=${screen.broadcast}>
      <p class="broadcast-kicker">${severityTag(signed?.severity ?? null)}</p>
      <p class="broadcast-title">${signed?.title ?? ''}</p>
    </section>
    ${screen.done === null ? nothing : html`<p class="notice" role="status" id="safety-done" tabindex="-1">${screen.done()}</p>`}
    ${roomsPart(screen)}
  `;
}

/** The safety screen of check `broadcast`; `room` opens that client's form. */
export function safetyView(person: Me, broadcast: string, room: string | null): View {
  const screen: Screen = { broadcast, open: room, forms: new Map(), done: null };
  void refreshListing(broadcast);
  return {
    title: () => safetyText().title,
    content: () => content(person, screen),
  };
}
