// The room's composer, a bar kept at the bottom of the screen (sticky) so it is
// reachable without scrolling: the built-in note form (new, reply, amend; with
// urgency and a one-line explanation of 至急) and the tabs of the other composers
// registered in room-parts.ts (vitals, handover, photo), which open in the bar.
// In the family channel it speaks to whoever writes: a family member writes to
// the care team, the team writes for the family.

import { html, nothing, type TemplateResult } from 'lit-html';

import { rerender } from '../app';
import type { PostEnvelope, Urgency } from '../generated/types';
import { openChannel, rooms } from '../engine';
import { roomText } from '../rooms-messages';
import { errorBox, noticeBox, problemText } from './parts';
import { roomHooks, type ComposerContext } from './room-parts';
import { send, type Mode, type RoomScreen } from './room-state';

async function submitNote(screen: RoomScreen, event: Event): Promise<void> {
  event.preventDefault();
  const { state } = screen;
  const form = event.currentTarget as HTMLFormElement;
  const data = new FormData(form);
  const body = String(data.get('body') ?? '').trim();
  const urgency = String(data.get('urgency') ?? 'normal') as Urgency;
  if (body === '') {
    state.bodyInvalid = true;
    state.problem = () => roomText().bodyRequired;
    rerender();
    return;
  }
  const envelope: PostEnvelope = { version: 1, content_type: 'note', body, urgency };
  if (state.mode.kind === 'reply') envelope.reply_to = state.mode.entry.post_id;
  if (state.mode.kind === 'amend') envelope.amendment_of = state.mode.entry.post_id;
  state.problem = null;
  state.bodyInvalid = false;
  // Cleared at once, so what is typed next (a fast second note) is never wiped
  // when this one has been queued; put back if it could not be.
  const mode = state.mode;
  form.reset();
  state.mode = { kind: 'new' };
  try {
    await send(screen, envelope);
  } catch (error) {
    state.mode = mode;
    const box = form.querySelector<HTMLTextAreaElement>('#note-body');
    if (box !== null && box.value === '') box.value = body;
    state.problem = () => problemText(error);
  }
  rerender();
}

/** Fills the form for the mode (amend: the current text and urgency) and focuses it. */
export function setMode(screen: RoomScreen, mode: Mode): void {
  screen.state.mode = mode;
  screen.state.tab = 'note';
  rerender();
  const form = document.querySelector<HTMLFormElement>('form.composer');
  const body = form?.querySelector<HTMLTextAreaElement>('#note-body');
  if (form === null || form === undefined || body === null || body === undefined) return;
  form.reset();
  const urgency = mode.kind === 'amend' ? mode.entry.current.envelope.urgency ?? 'normal' : 'normal';
  body.value = mode.kind === 'amend' ? mode.entry.current.envelope.body : '';
  const radio = form.querySelector<HTMLInputElement>(`input[name="urgency"][value="${urgency}"]`);
  if (radio !== null) radio.checked = true;
  body.focus();
}

function urgencyChoice(current: Urgency): TemplateResult {
  const m = roomText();
  const options: [Urgency, string][] = [['normal', m.urgencyNormal], ['soon', m.urgencySoon], ['urgent', m.urgencyUrgent]];
  return html`
    <fieldset class="urgency" aria-describedby="urgency-help">
      <legend>${m.urgencyLabel}</legend>
      ${options.map(([value, label]) => html`
        <label class="urgency-option ${value}">
          <input type="radio" name="urgency" value=${value} ?checked=${value === current} /> <span>${label}</span>
        </label>`)}
    </fieldset>
    <p class="urgency-help" id="urgency-help">${m.urgencyHelp}</p>
  `;
}

/** What the note box says: the team's wording, or the family channel's. */
function noteLabel(screen: RoomScreen): string {
  const m = roomText();
  if (screen.channel === 'team') return m.composerLabel;
  const role = rooms().find((r) => r.roomId === screen.roomId)?.myRole;
  return role === 'family' ? m.composerFamily : m.composerToFamily;
}

/** Replying or amending: what and a way back to a new note. */
function modeBanner(screen: RoomScreen, mode: Mode): TemplateResult | typeof nothing {
  const m = roomText();
  if (mode.kind === 'new') return nothing;
  return html`<div class="composer-mode" data-mode=${mode.kind}>
    <p>${mode.kind === 'amend' ? m.amending : m.replying(mode.entry.current.envelope.body.slice(0, 80))}</p>
    <button type="button" class="secondary" @click=${() => setMode(screen, { kind: 'new' })}>${m.cancel}</button>
  </div>`;
}

function noteComposer(screen: RoomScreen): TemplateResult {
  const m = roomText();
  const mode = screen.state.mode;
  const label = mode.kind === 'amend' ? m.composerAmend : mode.kind === 'reply' ? m.composerReply : noteLabel(screen);
  return html`
    <form class="composer" @submit=${(event: Event) => submitNote(screen, event)} novalidate>
      ${modeBanner(screen, mode)}
      <label for="note-body" class="composer-label">${label}</label>
      <div class="composer-row">
        <textarea id="note-body" name="body" rows="2"
          aria-invalid=${screen.state.bodyInvalid ? 'true' : 'false'}></textarea>
        <button type="submit" class="primary" id="send-note">${m.send}</button>
      </div>
      ${urgencyChoice('normal')}
    </form>
  `;
}

/** The note tab and one per registered composer offered in this channel. */
function composerTabs(screen: RoomScreen, tabs: typeof roomHooks.composerTabs, noteChosen: boolean): TemplateResult | typeof nothing {
  const { state } = screen;
  if (tabs.length === 0) return nothing;
  const choose = (tab: string) => () => {
    state.tab = tab;
    rerender();
  };
  const noteName = screen.channel === 'team' ? roomText().composerNote : roomText().composerMessage;
  return html`<div class="composer-tabs">
    <button type="button" class="secondary" aria-pressed=${noteChosen ? 'true' : 'false'} @click=${choose('note')}>${noteName}</button>
    ${tabs.map((t) => html`<button type="button" class="secondary" data-tab=${t.id} aria-pressed=${t.id === state.tab ? 'true' : 'false'}
      @click=${choose(t.id)}>${t.label()}</button>`)}
  </div>`;
}

export function composer(screen: RoomScreen): TemplateResult {
  const { roomId, channel, state, handle } = screen;
  const tabs = roomHooks.composerTabs.filter((t) => t.channels === undefined || t.channels.includes(channel));
  const ctx: ComposerContext = {
    roomId,
    channel,
    // The client's thresholds live in the team channel (null where it is not readable).
    thresholds: openChannel(roomId, 'team').notebook().thresholds,
    send: (envelope, files) => send(screen, envelope, files),
    rerender,
  };
  const chosen = tabs.find((t) => t.id === state.tab);
  if (state.notice !== null && handle.outbox().length === 0) state.notice = null;
  return html`
    <section class="composer-area" aria-label=${roomText().composerArea} data-tab=${chosen?.id ?? 'note'}>
      ${composerTabs(screen, tabs, chosen === undefined)}
      ${chosen === undefined ? noteComposer(screen) : chosen.render(ctx)}
      <div aria-live="polite">${noticeBox(state.notice?.() ?? null)}</div>
      ${errorBox(state.problem?.() ?? null)}
    </section>
  `;
}
