// One room channel's timeline: each notebook entry with author, time, urgency, the
// quoted original of a reply, the amendment history, read receipts under my own
// posts (既読 n/m and who), and the posts still in the outbox.

import { html, nothing, type TemplateResult } from 'lit-html';

import type { NotebookEntry, NotebookView, Urgency } from '../generated/types';
import { fetchAttachment, memberName, type ChannelHandle, type MemberRead, type Outgoing } from '../engine';
import { lang } from '../i18n';
import { roomText } from '../rooms-messages';
import { rerender } from '../app';
import { roomHooks, type EntryContext } from './room-parts';

export interface TimelineActions {
  me: string;
  reads: MemberRead[] | null;
  amend: (entry: NotebookEntry) => void;
  reply: (entry: NotebookEntry) => void;
  discard: (postId: string) => void;
}

export function when(ms: number): string {
  return new Intl.DateTimeFormat(lang() === 'ja' ? 'ja-JP' : 'en-GB', {
    month: 'numeric',
    day: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
  }).format(new Date(ms));
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

function entryItem(handle: ChannelHandle, view: NotebookView, actions: TimelineActions, entry: NotebookEntry): TemplateResult {
  const m = roomText();
  const mine = entry.current.author === actions.me;
  const original = entry.history[0] ?? entry.current;
  return html`
    <li class="entry" data-post=${entry.post_id} data-urgency=${entry.effective_urgency} data-mine=${mine ? 'true' : 'false'}>
      <article>
        <header class="entry-head">
          <span class="author">${nameOf(handle.roomId, actions.me, original.author)}</span>
          <time datetime=${new Date(entry.current.sent_at).toISOString()}>${when(original.sent_at)}</time>
          ${badge(entry.effective_urgency)}
        </header>
        ${quote(view, entry)}
        <div class="entry-body">${body(handle, actions.me, entry)}</div>
        ${history(entry)}
        ${mine ? receipts(actions, entry) : nothing}
        <div class="entry-actions">
          ${mine && entry.current.envelope.content_type === 'note'
            ? html`<button type="button" class="secondary amend" @click=${() => actions.amend(entry)}>${m.amend}</button>`
            : nothing}
          <button type="button" class="secondary reply" @click=${() => actions.reply(entry)}>${m.reply}</button>
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
    <li class="entry outgoing" data-outbox=${item.postId} data-state=${item.state}>
      <article>
        <header class="entry-head">
          <span class="author">${nameOf(item.roomId, actions.me, actions.me)}</span>
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
  return html`
    <ol class="timeline" aria-label=${m.timeline}>
      ${view.entries.map((entry) => entryItem(handle, view, actions, entry))}
      ${waiting.map((item) => outgoingItem(item, actions))}
    </ol>
  `;
}
