// One channel's posts in the record, grouped by day, oldest first: each with its
// author, the author's role in words and the time; the content as the care cards
// draw it (vitals, handover items and whether taken over, thresholds, safety
// answers), photos as decrypted images with site and caption; a correction's every
// earlier version with who wrote it and when; who has read it and who not.

import { html, nothing, type TemplateResult } from 'lit-html';

import type { ChannelName, NotebookEntry, NotebookPost, NotebookView, PhotoContent } from '../generated/types';
import { formatTime, lang } from '../i18n';
import { renderEntryBody } from '../care/cards';
import { vitalsRows } from '../care/cards-vitals';
import { careText } from '../care/messages';
import { urgencyText } from '../care/format';
import { byDay, earlierVersions, notReadBy, original, readersOf, type ReadPosition } from './model';
import { recordText } from './messages';
import { photoOf } from './photos';

/** What drawing a channel's entries needs from the screen. */
export interface RecordContext {
  roomId: string;
  channel: ChannelName;
  view: NotebookView;
  /** The channel's read positions, or null when they could not be fetched. */
  reads: ReadPosition[] | null;
  /** A member's name. */
  nameOf: (user: string) => string;
  /** A member's name with their role in words. */
  who: (user: string) => string;
  rerender: () => void;
}

/** A local calendar day, long: 2026年11月3日(火) / Tue, 3 November 2026. */
export function dayText(millis: number): string {
  return new Intl.DateTimeFormat(lang() === 'ja' ? 'ja-JP' : 'en-GB', {
    year: 'numeric', month: 'long', day: 'numeric', weekday: 'short',
  }).format(new Date(millis));
}

function photoFigure(ctx: RecordContext, photo: PhotoContent, caption: string): TemplateResult {
  const m = recordText();
  const shown = photoOf(ctx.roomId, ctx.channel, photo.image, ctx.rerender);
  const picture = shown.state === 'ready'
    ? html`<img class="record-photo" src=${shown.url} alt=${caption.trim() === '' ? careText().kindPhoto : caption}
        width=${photo.width} height=${photo.height} />`
    : html`<p class=${shown.state === 'failed' ? 'error' : 'record-meta'}>${shown.state === 'failed' ? m.photoFailed : m.photoLoading}</p>`;
  return html`<figure class="record-figure" data-photo=${shown.state}>
    ${picture}
    <figcaption>
      ${caption.trim() === '' ? nothing : html`<span class="care-body">${caption}</span>`}
      ${photo.body_site === undefined ? nothing : html`<span class="care-site">${careText().bodySite}: ${photo.body_site}</span>`}
    </figcaption>
  </figure>`;
}

function body(ctx: RecordContext, entry: NotebookEntry): TemplateResult {
  const envelope = entry.current.envelope;
  if (envelope.content_type === 'photo' && envelope.photo !== undefined) {
    return html`<p class="care-kind">${careText().kindPhoto}</p>${photoFigure(ctx, envelope.photo, envelope.body)}`;
  }
  // The care cards, without their actions: no take-over button, no thumbnails to open.
  return renderEntryBody(entry, { me: '', nameOf: ctx.nameOf, loadAttachment: () => Promise.reject(new Error('not here')), rerender: ctx.rerender });
}

/** What an earlier version said, as text (its vitals as `label value` pairs). */
function versionText(version: NotebookPost): string {
  const envelope = version.envelope;
  const parts: string[] = [];
  if (envelope.vitals !== undefined) parts.push(vitalsRows(envelope.vitals).map((r) => `${r.label} ${r.value}`).join(' / '));
  if (envelope.handover?.items !== undefined) parts.push(envelope.handover.items.map((i) => `□ ${i.text}`).join(' '));
  if (envelope.photo?.body_site !== undefined) parts.push(`${careText().bodySite}: ${envelope.photo.body_site}`);
  if (envelope.body.trim() !== '') parts.push(envelope.body);
  return parts.join(' — ');
}

function history(ctx: RecordContext, entry: NotebookEntry): TemplateResult | typeof nothing {
  const earlier = earlierVersions(entry);
  if (earlier.length === 0) return nothing;
  const m = recordText();
  const label = (index: number): string => (index === 0 ? m.originalVersion : m.versionN(index + 1));
  return html`<section class="record-history" aria-label=${m.historyTitle}>
    <h4>${m.historyTitle}</h4>
    <ol>
      ${earlier.map((version, index) => html`<li data-version=${index + 1}>
        <p class="record-meta">${m.versionBy(label(index), ctx.who(version.author), formatTime(version.sent_at))}</p>
        <p class="record-earlier">${versionText(version)}</p>
      </li>`)}
      <li data-version="current">
        <p class="record-meta">${m.versionBy(m.currentVersion(entry.history.length), ctx.who(entry.current.author), formatTime(entry.current.sent_at))}</p>
      </li>
    </ol>
  </section>`;
}

function names(list: ReadPosition[]): string {
  const m = recordText();
  return list.length === 0 ? m.nobody : list.map((r) => r.display_name).join(m.listSeparator);
}

function reads(ctx: RecordContext, entry: NotebookEntry): TemplateResult {
  const m = recordText();
  if (ctx.reads === null) return html`<p class="record-reads record-meta">${m.readsUnknown}</p>`;
  const readers = readersOf(entry, ctx.reads);
  const waiting = notReadBy(entry, ctx.reads);
  return html`<p class="record-reads record-meta" data-read=${readers.length} data-unread=${waiting.length}>
    <span>${m.readBy}: ${names(readers)}</span>
    ${waiting.length === 0 ? nothing : html`<span class="record-unread">${m.notRead}: ${names(waiting)}</span>`}
  </p>`;
}

function replyLine(ctx: RecordContext, entry: NotebookEntry): TemplateResult | typeof nothing {
  const target = entry.current.envelope.reply_to;
  if (target === undefined || target === null) return nothing;
  const quoted = ctx.view.entries.find((e) => e.post_id === target || e.history.some((h) => h.post_id === target));
  if (quoted === undefined) return nothing;
  const text = quoted.current.envelope.body.trim();
  const excerpt = `${ctx.nameOf(original(quoted).author)} ${formatTime(original(quoted).sent_at)} ${text.length > 60 ? `${text.slice(0, 60)}…` : text}`;
  return html`<p class="record-meta record-reply">${recordText().replyTo(excerpt)}</p>`;
}

function entryItem(ctx: RecordContext, entry: NotebookEntry): TemplateResult {
  const m = recordText();
  const first = original(entry);
  const urgency = entry.effective_urgency;
  return html`<li class="record-entry" data-post=${entry.post_id} data-kind=${entry.current.envelope.content_type} data-urgency=${urgency}>
    <p class="record-entry-head">
      <time datetime=${new Date(first.sent_at).toISOString()}>${formatTime(first.sent_at)}</time>
      <span class="record-author">${ctx.who(first.author)}</span>
      ${urgency === 'normal' ? nothing : html`<span class="record-urgency">【${urgencyText(urgency)}】</span>`}
      ${entry.amended ? html`<span class="record-corrected">【${m.corrected}】</span>` : nothing}
    </p>
    ${replyLine(ctx, entry)}
    <div class="record-entry-body">${body(ctx, entry)}</div>
    ${history(ctx, entry)}
    ${reads(ctx, entry)}
  </li>`;
}

/** The channel's entries in the record, under a heading per day. */
export function entryList(ctx: RecordContext, entries: NotebookEntry[]): TemplateResult {
  const m = recordText();
  if (entries.length === 0) return html`<p class="record-empty">${m.noEntries}</p>`;
  return html`${byDay(entries, (e) => original(e).sent_at).map(({ items }) => html`
    <section class="record-day">
      <h3>${dayText(original(items[0] as NotebookEntry).sent_at)}</h3>
      <ol class="record-entries">${items.map((entry) => entryItem(ctx, entry))}</ol>
    </section>`)}`;
}
