// One room channel's timeline, drawn as a conversation: oldest at the top, newest
// at the bottom, a separator at each new day (今日 / 昨日 / 12月3日(木)), my own
// posts on the right with a tint and 「自分」, the others' with name, role and
// time. Each entry has its urgency, the quoted original of a reply, the amendment
// history, read receipts under my own posts (既読 n/m and who), on an urgent post
// who has not read it yet, and the posts still in the outbox. Entries matching the
// in-room search are marked.

import { html, nothing, type TemplateResult } from 'lit-html';

import type { NotebookEntry, NotebookView, Urgency } from '../generated/types';
import { fetchAttachment, memberName, type ChannelHandle, type MemberRead, type Outgoing } from '../engine';
import { lang } from '../i18n';
import { roleName, roomText } from '../rooms-messages';
import { rerender } from '../app';
import { roomHooks, type EntryContext } from './room-parts';
import { withDays } from './room-days';

export interface TimelineActions {
  me: string;
  reads: MemberRead[] | null;
  /** Entries found by the in-room search (null: no search). */
  matches: Set<string> | null;
  amend: (entry: NotebookEntry) => void;
  reply: (entry: NotebookEntry) => void;
  discard: (postId: string) => void;
  /** A closed room: posts are read, never corrected or answered. */
  readOnly: boolean;
}

export function when(ms: number): string {
  return new Intl.DateTimeFormat(lang() === 'ja' ? 'ja-JP' : 'en-GB', {
    month: 'numeric',
    day: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
  }).format(new Date(ms));
}

/** Hours and minutes only: the day is on the separator above. */
export function clock(ms: number): string {
  return new Intl.DateTimeFormat(lang() === 'ja' ? 'ja-JP' : 'en-GB', { hour: '2-digit', minute: '2-digit' }).format(new Date(ms));
}

export function urgencyText(urgency: Urgency): string {
  const m = roomText();
  return urgency === 'urgent' ? m.urgencyUrgent : urgency === 'soon' ? m.urgencySoon : m.urgencyNormal;
}

function badge(urgency: Urgency): TemplateResult | typeof nothing {
  if (urgency === 'normal') return nothing;
  return html`<span class="badge ${urgency}" data-urgency=${urgency}>${urgencyText(urgency)}</span>`;
}

function nameOf(roomId: string, me: string, user: string): string {
  const name = memberName(roomId, user) ?? roomText().unknownAuthor;
  return user === me ? roomText().you(name) : name;
}

function short(text: string): string {
  return text.length > 120 ? `${text.slice(0, 120)}…` : text;
}

function quote(view: NotebookView, entry: NotebookEntry): TemplateResult | typeof nothing {
  const target = entry.current.envelope.reply_to;
  if (target === undefined || target === null) return nothing;
  const original = view.entries.find((e) => e.post_id === target || e.history.some((h) => h.post_id === target));
  const m = roomText();
  return html`<blockquote class="reply-quote" data-reply-to=${target}>
    <span class="quote-label">${m.replyTo}</span> ${original === undefined ? m.unknownOriginal : short(original.current.envelope.body)}
  </blockquote>`;
}

function body(handle: ChannelHandle, me: string, entry: NotebookEntry): TemplateResult {
  const ctx: EntryContext = {
    roomId: handle.roomId,
    channel: handle.channel,
    entry,
    authorName: (user) => nameOf(handle.roomId, me, user),
    fetchAttachment: (ref) => fetchAttachment(handle.roomId, handle.channel, ref),
    rerender,
  };
  for (const renderer of roomHooks.entryRenderers) {
    const drawn = renderer(ctx);
    if (drawn !== null) return drawn;
  }
  return html`<p class="note-text">${entry.current.envelope.body}</p>`;
}

function history(entry: NotebookEntry): TemplateResult | typeof nothing {
  if (!entry.amended) return nothing;
  const m = roomText();
  const earlier = entry.history.filter((h) => h.seq !== entry.current.seq);
  return html`
    <p class="amended-mark">${m.amended}</p>
    <details class="history">
      <summary>${m.history}</summary>
      <ol>
        ${earlier.map((h) => html`<li><p class="version-when">${m.version(when(h.sent_at))}</p><p class="note-text">${h.envelope.body}</p></li>`)}
      </ol>
    </details>
  `;
}

function receipts(actions: TimelineActions, entry: NotebookEntry): TemplateResult | typeof nothing {
  if (actions.reads === null) return nothing;
  const m = roomText();
  const others = actions.reads.filter((r) => r.user_id !== actions.me);
  const readers = others.filter((r) => r.seq >= entry.current.seq);
  return html`
    <details class="receipts" data-read=${readers.length} data-of=${others.length}>
      <summary class="read-count">${m.readBy(readers.length, others.length)}</summary>
      ${readers.length === 0
        ? html`<p>${m.nobodyRead}</p>`
        : html`<p>${m.whoRead}:</p><ul>${readers.map((r) => html`<li>${r.display_name}</li>`)}</ul>`}
    </details>
  `;
}

/** On an urgent post: plainly, who of the channel has not read it yet (the author aside). */
function notReadYet(actions: TimelineActions, entry: NotebookEntry, author: string): TemplateResult | typeof nothing {
  if (entry.effective_urgency !== 'urgent') return nothing;
  const m = roomText();
  if (actions.reads === null) return html`<p class="not-read-yet" data-unread="unknown">${m.readsUnknown}</p>`;
  const waiting = actions.reads.filter((r) => r.user_id !== author && r.seq < entry.current.seq);
  if (waiting.length === 0) return html`<p class="not-read-yet all-read" data-unread="0">${m.allHaveRead}</p>`;
  return html`
    <div class="not-read-yet" data-unread=${waiting.length} role="group" aria-label=${m.notReadBy(waiting.length)}>
      <p class="not-read-title">${m.notReadBy(waiting.length)}</p>
      <ul>${waiting.map((r) => html`<li>${r.user_id === actions.me ? roomText().you(r.display_name) : r.display_name}</li>`)}</ul>
    </div>
  `;
}

function roleOf(handle: ChannelHandle, user: string): string | null {
  const member = handle.members().find((mem) => mem.user_id === user);
  return member === undefined ? null : roleName(member.role);
}

function entryItem(handle: ChannelHandle, view: NotebookView, actions: TimelineActions, entry: NotebookEntry): TemplateResult {
  const m = roomText();
  const mine = entry.current.author === actions.me;
  const original = entry.history[0] ?? entry.current;
  const role = mine ? null : roleOf(handle, original.author);
  const matched = actions.matches?.has(entry.post_id) ?? false;
  return html`
    <li class="entry ${matched ? 'match' : ''}" data-post=${entry.post_id} data-urgency=${entry.effective_urgency}
      data-mine=${mine ? 'true' : 'false'} tabindex="-1">
      <article>
        <header class="entry-head">
          ${mine
            ? html`<span class="author self">${m.self}</span>`
            : html`<span class="author">${nameOf(handle.roomId, actions.me, original.author)}</span>
                ${role === null ? nothing : html`<span class="author-role">${role}</span>`}`}
          <time datetime=${new Date(original.sent_at).toISOString()} title=${when(original.sent_at)}>${clock(original.sent_at)}</time>
          ${badge(entry.effective_urgency)}
        </header>
        ${quote(view, entry)}
        <div class="entry-body">${body(handle, actions.me, entry)}</div>
        ${history(entry)}
        ${notReadYet(actions, entry, original.author)}
        <div class="entry-foot">
          ${mine ? receipts(actions, entry) : nothing}
          ${actions.readOnly
            ? nothing
            : html`<div class="entry-actions">
                ${mine && entry.current.envelope.content_type === 'note'
                  ? html`<button type="button" class="secondary amend" @click=${() => actions.amend(entry)}>${m.amend}</button>`
                  : nothing}
                <button type="button" class="secondary reply" @click=${() => actions.reply(entry)}>${m.reply}</button>
              </div>`}
        </div>
      </article>
    </li>
  `;
}

function outgoingItem(item: Outgoing, actions: TimelineActions): TemplateResult {
  const m = roomText();
  const state = item.state === 'failed' ? m.failed : item.state === 'sending' ? m.sending : m.waiting;
  const why = item.error === null ? null : lang() === 'ja' ? item.error.ja : item.error.en;
  return html`
    <li class="entry outgoing" data-outbox=${item.postId} data-state=${item.state} data-mine="true">
      <article>
        <header class="entry-head">
          <span class="author self">${m.self}</span>
          <span class="send-state">${state}</span>
          ${badge(item.envelope.urgency ?? 'normal')}
        </header>
        <p class="note-text">${item.envelope.body}</p>
        ${why === null ? nothing : html`<p class="error">${why}</p>`}
        ${item.state === 'failed'
          ? html`<button type="button" class="secondary discard" @click=${() => actions.discard(item.postId)}>${m.discard}</button>`
          : nothing}
      </article>
    </li>
  `;
}

export function timeline(handle: ChannelHandle, actions: TimelineActions): TemplateResult {
  const m = roomText();
  const view = handle.notebook();
  const waiting = handle.outbox();
  if (view.entries.length === 0 && waiting.length === 0) return html`<p id="no-posts">${m.noPosts}</p>`;
  const days = withDays(view.entries, (e) => (e.history[0] ?? e.current).sent_at, Date.now(), lang(), { today: m.today, yesterday: m.yesterday });
  return html`
    <ol class="timeline" aria-label=${m.timeline}>
      ${days.map(({ item, day }) => html`
        ${day === null ? nothing : html`<li class="day-separator"><span>${day}</span></li>`}
        ${entryItem(handle, view, actions, item)}`)}
      ${waiting.map((item) => outgoingItem(item, actions))}
    </ol>
  `;
}
