// One client's room: channel tabs (team / family, those the person may use), the
// timeline (room-timeline.ts) and the composer. The note composer is built in; other
// composers and richer entry cards come from the registry in room-parts.ts.
//
// While the timeline is on screen it is marked read (PUT /groups/{g}/read) and the
// read positions of the others are fetched every few seconds (the server sends no
// notice when someone reads).

import { html, nothing, type TemplateResult } from 'lit-html';

import type { Me } from '../api';
import { rerender, type View } from '../app';
import type { ChannelName, NotebookEntry, PostEnvelope, Urgency } from '../wasm/kizuna_client_web';
import { discardPost, openChannel, post, refreshMembers, refreshRooms, rooms, type MemberRead } from '../engine';
import { lang } from '../i18n';
import { roomText } from '../rooms-messages';
import { errorBox, noticeBox, problemText } from './parts';
import { roomHooks, type ComposerContext } from './room-parts';
import { connectionLine, ensureEngine, gateView } from './rooms';
import { timeline } from './room-timeline';
import { membersLink } from '../members/link';

const READS_MS = 4_000;

type Mode = { kind: 'new' } | { kind: 'reply'; entry: NotebookEntry } | { kind: 'amend'; entry: NotebookEntry };

interface State {
  mode: Mode;
  tab: string;
  reads: MemberRead[] | null;
  problem: (() => string) | null;
  notice: (() => string) | null;
  bodyInvalid: boolean;
  marking: boolean;
  membersLoaded: boolean;
  refreshing: boolean;
}

export function roomView(person: Me, roomId: string, channel: ChannelName): View {
  const hash = `#/rooms/${roomId}/${channel}`;
  const handle = openChannel(roomId, channel);
  const state: State = { mode: { kind: 'new' }, tab: 'note', reads: null, problem: null, notice: null, bodyInvalid: false, marking: false, membersLoaded: false, refreshing: false };
  const here = (): boolean => location.hash === hash;

  async function pollReads(): Promise<void> {
    if (!here() || !handle.joined()) return;
    try {
      const reads = await handle.reads();
      if (JSON.stringify(reads) !== JSON.stringify(state.reads)) {
        state.reads = reads;
        rerender();
      }
    } catch {
      // offline: the receipts stay as they were
    }
  }
  const timer = setInterval(() => {
    if (!here()) clearInterval(timer);
    else if (document.visibilityState === 'visible') void pollReads();
  }, READS_MS);

  function markRead(): void {
    if (state.marking || !here() || document.visibilityState !== 'visible' || !handle.joined()) return;
    state.marking = true;
    void handle
      .markRead()
      .catch(() => undefined)
      .finally(() => {
        state.marking = false;
      });
  }

  async function send(envelope: PostEnvelope, files?: Parameters<typeof post>[3]): Promise<void> {
    await post(roomId, channel, envelope, files);
    if (!navigator.onLine) state.notice = () => roomText().queued;
    rerender();
  }

  async function submitNote(event: Event): Promise<void> {
    event.preventDefault();
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
    try {
      await send(envelope);
      form.reset();
      state.mode = { kind: 'new' };
    } catch (error) {
      state.problem = () => problemText(error);
    }
    rerender();
  }

  async function doRefresh(): Promise<void> {
    if (state.refreshing) return;
    state.refreshing = true;
    state.problem = null;
    rerender();
    try {
      await refreshRooms();
      await pollReads();
    } catch (error) {
      state.problem = () => problemText(error);
    }
    state.refreshing = false;
    rerender();
  }

  /** Fills the form for the mode (amend: the current text and urgency) and focuses it. */
  function setMode(mode: Mode): void {
    state.mode = mode;
    state.tab = 'note';
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
      <fieldset class="urgency">
        <legend>${m.urgencyLabel}</legend>
        ${options.map(([value, label]) => html`
          <label class="urgency-option ${value}">
            <input type="radio" name="urgency" value=${value} ?checked=${value === current} /> <span>${label}</span>
          </label>`)}
      </fieldset>
    `;
  }

  function noteComposer(): TemplateResult {
    const m = roomText();
    const mode = state.mode;
    const label = mode.kind === 'amend' ? m.composerAmend : mode.kind === 'reply' ? m.composerReply : m.composerLabel;
    const banner =
      mode.kind === 'new'
        ? nothing
        : html`<div class="composer-mode" data-mode=${mode.kind}>
            <p>${mode.kind === 'amend' ? m.amending : m.replying(mode.entry.current.envelope.body.slice(0, 80))}</p>
            <button type="button" class="secondary" @click=${() => setMode({ kind: 'new' })}>${m.cancel}</button>
          </div>`;
    return html`
      <form class="composer" @submit=${submitNote} novalidate>
        ${banner}
        <div class="field">
          <label for="note-body">${label}</label>
          <textarea id="note-body" name="body" rows="4" aria-invalid=${state.bodyInvalid ? 'true' : 'false'}></textarea>
        </div>
        ${urgencyChoice('normal')}
        <button type="submit" class="primary" id="send-note">${m.send}</button>
      </form>
    `;
  }

  function composer(): TemplateResult {
    const m = roomText();
    const tabs = roomHooks.composerTabs.filter((t) => t.channels === undefined || t.channels.includes(channel));
    const ctx: ComposerContext = {
      roomId,
      channel,
      // The client's thresholds live in the team channel (null where it is not readable).
      thresholds: openChannel(roomId, 'team').notebook().thresholds,
      send,
      rerender,
    };
    const chosen = tabs.find((t) => t.id === state.tab);
    if (state.notice !== null && handle.outbox().length === 0) state.notice = null;
    return html`
      <section class="composer-area">
        ${tabs.length === 0
          ? nothing
          : html`<div class="composer-tabs">
              <button type="button" class="secondary" aria-pressed=${chosen === undefined ? 'true' : 'false'} @click=${() => { state.tab = 'note'; rerender(); }}>${m.composerNote}</button>
              ${tabs.map((t) => html`<button type="button" class="secondary" data-tab=${t.id} aria-pressed=${t.id === state.tab ? 'true' : 'false'}
                @click=${() => { state.tab = t.id; rerender(); }}>${t.label()}</button>`)}
            </div>`}
        ${chosen === undefined ? noteComposer() : chosen.render(ctx)}
        <div aria-live="polite">${noticeBox(state.notice?.() ?? null)}</div>
        ${errorBox(state.problem?.() ?? null)}
      </section>
    `;
  }

  function tabs(names: ChannelName[]): TemplateResult {
    const m = roomText();
    return html`
      <nav class="channel-tabs" aria-label=${m.channelsLabel}>
        ${names.map((c) => html`<a class="button ${c === channel ? 'primary' : 'secondary'}" href=${`#/rooms/${roomId}/${c}`}
          aria-current=${c === channel ? 'page' : 'false'} data-channel=${c}>${c === 'team' ? m.channelTeam : m.channelFamily}</a>`)}
      </nav>
    `;
  }

  function content(): TemplateResult {
    ensureEngine(person);
    const blocked = gateView(person);
    if (blocked !== null) return blocked;
    const m = roomText();
    const room = rooms().find((r) => r.roomId === roomId);
    if (!state.membersLoaded) {
      state.membersLoaded = true;
      void refreshMembers(roomId).catch(() => undefined);
      void pollReads();
    }
    if (room !== undefined && !room.channels.includes(channel)) {
      // Typed by hand, or an old link: family never have the team channel.
      return html`
        <p class="room-links"><a href="#/" class="back">${m.backToRooms}</a> ${membersLink(roomId)}</p>
        ${tabs(room.channels)}
        <p class="notice" id="channel-not-yours" role="alert">
          ${m.channelNotYours(channel === 'team' ? m.channelTeam : m.channelFamily)}
        </p>
      `;
    }
    const joined = handle.joined();
    if (joined) queueMicrotask(markRead);
    return html`
      <p class="room-links"><a href="#/" class="back">${m.backToRooms}</a> ${membersLink(roomId)}</p>
      ${room === undefined ? nothing : tabs(room.channels)}
      ${connectionLine()}
      ${handle.removed()
        ? html`<p class="notice" id="removed" role="status">${m.removedFromChannel}</p>`
        : joined ? nothing : html`<p class="notice" id="not-joined" role="status">${m.notJoined}</p>`}
      ${timeline(handle, {
        me: person.userId,
        reads: state.reads,
        amend: (entry) => setMode({ kind: 'amend', entry }),
        reply: (entry) => setMode({ kind: 'reply', entry }),
        discard: (postId) => void discardPost(postId),
      })}
      ${handle.problems().map((p) => html`<p class="notice entry-problem" role="status" data-reason=${p.reason} data-count=${p.count}>${lang() === 'ja' ? p.ja : p.en}</p>`)}
      ${roomHooks.sections.map((section) => section({ roomId, channel }))}
      ${handle.removed() ? nothing : composer()}
      <p class="room-refresh">
        <button type="button" class="secondary" id="room-refresh" ?disabled=${state.refreshing} @click=${doRefresh}>
          ${state.refreshing ? m.refreshing : m.refresh}
        </button>
      </p>
    `;
  }

  return {
    title: () => {
      const room = rooms().find((r) => r.roomId === roomId);
      if (room === undefined) return roomText().roomsTitle;
      return room.name ?? roomText().nameLoading;
    },
    content,
  };
}
