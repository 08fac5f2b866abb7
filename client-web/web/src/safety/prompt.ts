// The prompt "安否確認: 担当の利用者の状況を回答してください" where the care team meets
// it: pinned in the broadcast bar above every screen (until each of my rooms is
// answered), on the notice's card in the list, and in each affected room's screen
// (with that room's answer once given). Only for official, current checks with
// rooms of mine in them; an unverified notice, or a family member, gets nothing.

import { html, nothing, type TemplateResult } from 'lit-html';

import type { Notice } from '../engine/broadcasts';
import { safetyText, statusWords } from './messages';
import { waitingRooms } from './pending';
import { roomPrompt, unansweredCount } from './rules';
import { listing, myChecks, onACareTeam, officialCheck } from './state';

import './safety.css';

const screenOf = (broadcast: string, room?: string): string =>
  room === undefined ? `#/broadcasts/${broadcast}/safety` : `#/broadcasts/${broadcast}/safety/${room}`;

/** For the broadcast bar: one line per check with rooms still to answer. */
export function safetyStrip(): TemplateResult | typeof nothing {
  const m = safetyText();
  const open = myChecks()
    .map((c) => ({ id: c.notice.listed.id, count: unansweredCount(c.rooms, waitingRooms(c.notice.listed.id)) }))
    .filter((c) => c.count > 0 && !location.hash.startsWith(screenOf(c.id)));
  if (open.length === 0) return nothing;
  return html`${open.map(
    (c) => html`<section class="safety-prompt" data-broadcast=${c.id} aria-label=${m.title}>
      <p class="safety-prompt-text"><span aria-hidden="true">⚑</span> ${m.prompt} <span class="safety-count">${m.promptCount(c.count)}</span></p>
      <a class="button primary safety-prompt-link" href=${screenOf(c.id)}>${m.answerLink}</a>
    </section>`,
  )}`;
}

/** For a notice's card in the list: the prompt and the link, when the check is mine to answer. */
export function noticePrompt(notice: Notice): TemplateResult | typeof nothing {
  const id = notice.listed.id;
  if (officialCheck(id) === undefined || !onACareTeam()) return nothing;
  const list = listing(id)?.rooms ?? null;
  if (list === null || list.rooms.length === 0) return nothing;
  const m = safetyText();
  const count = unansweredCount(list, waitingRooms(id));
  return html`<div class="safety-prompt safety-prompt--card" data-broadcast=${id}>
    ${count > 0
      ? html`<p class="safety-prompt-text">${m.prompt} <span class="safety-count">${m.promptCount(count)}</span></p>`
      : nothing}
    <a class="button ${count > 0 ? 'primary' : 'secondary'} safety-prompt-link" href=${screenOf(id)}>${m.answerLink}</a>
  </div>`;
}

/** For a room's screen: each check this room is in, asking for an answer or showing it. */
export function roomSafetyPrompt(room: string): TemplateResult | typeof nothing {
  const m = safetyText();
  const parts = myChecks()
    .map((c) => ({ id: c.notice.listed.id, prompt: roomPrompt(c.rooms, room, waitingRooms(c.notice.listed.id)) }))
    .filter((p) => p.prompt !== null);
  if (parts.length === 0) return nothing;
  return html`${parts.map(({ id, prompt }) => {
    if (prompt === null) return nothing;
    const ask = prompt.kind === 'ask';
    const text = ask
      ? m.prompt
      : prompt.kind === 'waiting'
        ? `${m.title}: ${m.waitingShort}`
        : m.roomAnswered(statusWords(prompt.status, prompt.need));
    return html`<section class="safety-prompt safety-prompt--room" data-broadcast=${id} data-answered=${ask ? 'false' : 'true'}
      aria-label=${m.title}>
      <p class="safety-prompt-text">${ask ? html`<span aria-hidden="true">⚑</span> ` : nothing}${text}</p>
      <a class="button ${ask ? 'primary' : 'secondary'} safety-prompt-link" href=${screenOf(id, room)}>${ask ? m.answerLink : m.changeLink}</a>
    </section>`;
  })}`;
}
