// Timeline cards for the care notebook: one `renderEntry(entry, ctx)` for every
// content type (note, handover, vitals, photo, thresholds), with the urgency badge,
// the reply quote and the amendment history (original first). Plain data in,
// callbacks out: the room view owns fetching, sending and redrawing.

import { html, nothing, type TemplateResult } from 'lit-html';

import './care.css';
import { vitalsContent } from './cards-vitals';
import { lang } from '../i18n';
import { roleWords } from '../members/role-names';
import { careText } from './messages';
import { shortTime, thresholdLines, urgencyText } from './format';
import { photoContent } from './photo-view';
import { safetyContent } from '../safety/card';
import { safetyText } from '../safety/messages';
import type { CareContext, HandoverTarget, NotebookEntry, NotebookPost, PostEnvelope, Urgency } from './types';

export function urgencyBadge(urgency: Urgency): TemplateResult | typeof nothing {
  if (urgency === 'normal') return nothing;
  const mark = urgency === 'urgent' ? '‼' : '!';
  return html`<span class="care-urgency care-urgency--${urgency}" data-urgency=${urgency}>${mark} ${urgencyText(urgency)}</span>`;
}

function kindText(envelope: PostEnvelope): string {
  const m = careText();
  switch (envelope.content_type) {
    case 'vitals':
      return m.kindVitals;
    case 'handover':
    case 'handover_taken':
      return m.kindHandover;
    case 'photo':
      return m.kindPhoto;
    case 'thresholds':
      return m.kindThresholds;
    case 'note':
      return m.kindNote;
    case 'safety_answer':
      return safetyText().kind;
  }
}

export function targetText(to: HandoverTarget, ctx: CareContext): string {
  const m = careText();
  switch (to.kind) {
    case 'next_visitor':
      return m.toNextVisitor;
    case 'role':
      return m.toRole(m.roles[to.role] ?? roleWords(to.role, lang()));
    case 'person':
      return m.toPerson(ctx.nameOf(to.user));
  }
}

const busy = new Set<string>();

function handoverContent(entry: NotebookEntry, ctx: CareContext, post: NotebookPost, actions: boolean): TemplateResult {
  const m = careText();
  const handover = post.envelope.handover;
  if (handover === undefined) return html``;
  const items = handover.items ?? [];
  const taken = entry.taken_over;
  // The author hands over; someone else takes it over.
  const takeOver = actions && (entry.history[0]?.author ?? post.author) !== ctx.me ? ctx.takeOver : undefined;
  const click = async (): Promise<void> => {
    if (takeOver === undefined || busy.has(entry.post_id)) return;
    busy.add(entry.post_id);
    ctx.rerender();
    try {
      await takeOver(entry.post_id);
    } finally {
      busy.delete(entry.post_id);
      ctx.rerender();
    }
  };
  return html`
    <p class="care-handover-to"><strong>${m.handoverTo}:</strong> ${targetText(handover.to, ctx)}</p>
    ${post.envelope.body.trim() === '' ? nothing : html`<p class="care-body">${post.envelope.body}</p>`}
    ${items.length === 0
      ? nothing
      : html`<ul class="care-checklist">
          ${items.map(
            (item) => html`<li data-done=${item.done === true ? 'true' : 'false'}>
              <span class="care-check">${item.done === true ? `✓ ${m.itemDone}` : `□ ${m.itemTodo}`}</span>
              <span>${item.text}</span>
            </li>`,
          )}
        </ul>`}
    <div class="care-takeover" role="status">
      ${taken !== null
        ? html`<p class="care-taken">✓ ${m.takenOverBy(ctx.nameOf(taken.by), shortTime(taken.at))}</p>`
        : html`<p class="care-open">${m.notTakenOver}</p>
            ${takeOver === undefined
              ? nothing
              : html`<button type="button" class="primary care-takeover-button" ?disabled=${busy.has(entry.post_id)} @click=${click}>
                  ${m.takeOver}
                </button>`}`}
    </div>
  `;
}

function thresholdsContent(post: NotebookPost): TemplateResult {
  const m = careText();
  const lines = thresholdLines(post.envelope.thresholds ?? null);
  return html`
    ${lines.length === 0
      ? html`<p>${m.thresholdsCleared}</p>`
      : html`<ul class="care-threshold-list">${lines.map(([name, text]) => html`<li>${name}: ${text}</li>`)}</ul>`}
    ${post.envelope.body.trim() === '' ? nothing : html`<p class="care-body">${post.envelope.body}</p>`}
  `;
}

/** The content of one version of a post. `compact`: in the history list (no actions). */
function content(entry: NotebookEntry, post: NotebookPost, ctx: CareContext, compact: boolean): TemplateResult {
  const envelope = post.envelope;
  switch (envelope.content_type) {
    case 'vitals':
      return html`${vitalsContent(entry, compact ? (envelope.vitals ?? null) : null)}
        ${envelope.body.trim() === '' ? nothing : html`<p class="care-body">${envelope.body}</p>`}`;
    case 'handover':
      return handoverContent(entry, ctx, post, !compact);
    case 'photo':
      return envelope.photo === undefined
        ? html``
        : compact
          ? html`<p class="care-body">${envelope.body}</p>`
          : photoContent(envelope.photo, envelope.body, ctx);
    case 'thresholds':
      return thresholdsContent(post);
    case 'safety_answer':
      return safetyContent(envelope);
    case 'note':
    case 'handover_taken':
      return html`<p class="care-body">${envelope.body}</p>`;
  }
}

function replyQuote(envelope: PostEnvelope, ctx: CareContext): TemplateResult | typeof nothing {
  const target = envelope.reply_to;
  if (target === undefined || target === null) return nothing;
  const m = careText();
  const quoted = ctx.entryOf?.(target);
  if (quoted === undefined) return html`<blockquote class="care-quote"><p>${m.replyTo}: ${m.replyMissing}</p></blockquote>`;
  const body = quoted.current.envelope.body.trim();
  const excerpt = body === '' ? kindText(quoted.current.envelope) : body.length > 80 ? `${body.slice(0, 80)}…` : body;
  return html`<blockquote class="care-quote">
    <p class="care-meta">${m.replyTo}: ${ctx.nameOf(quoted.current.author)} · ${shortTime(quoted.current.sent_at)}</p>
    <p>${excerpt}</p>
  </blockquote>`;
}

function history(entry: NotebookEntry, ctx: CareContext): TemplateResult | typeof nothing {
  if (!entry.amended) return nothing;
  const m = careText();
  return html`<details class="care-history">
    <summary>${m.history(entry.history.length)}</summary>
    <ol>
      ${entry.history.map(
        (version, index) => html`<li>
          <p class="care-meta">
            ${index === 0 ? m.original : m.version(index + 1)} · ${ctx.nameOf(version.author)} · ${shortTime(version.sent_at)}
          </p>
          ${content(entry, version, ctx, true)}
        </li>`,
      )}
    </ol>
  </details>`;
}

/**
 * The body of a timeline entry, for a timeline that draws the author, time,
 * urgency, reply quote and history around it itself (the room view's hook).
 */
export function renderEntryBody(entry: NotebookEntry, ctx: CareContext): TemplateResult {
  const post = entry.current;
  return html`<div class="care-entry care-card--${post.envelope.content_type}" data-kind=${post.envelope.content_type}>
    <p class="care-kind">${kindText(post.envelope)}</p>
    ${content(entry, post, ctx, false)}
  </div>`;
}

/** A card for any notebook entry, as the timeline shows it. */
export function renderEntry(entry: NotebookEntry, ctx: CareContext): TemplateResult {
  const m = careText();
  const post = entry.current;
  const envelope = post.envelope;
  const titleId = `care-${entry.post_id}`;
  return html`
    <article
      class="care-card care-card--${envelope.content_type} care-card--${entry.effective_urgency}"
      data-post=${entry.post_id}
      data-kind=${envelope.content_type}
      data-urgency=${entry.effective_urgency}
      aria-labelledby=${titleId}
    >
      <header class="care-card__head">
        <span class="care-kind" id=${titleId}>${kindText(envelope)}</span>
        ${urgencyBadge(entry.effective_urgency)}
        ${entry.amended ? html`<span class="care-amended">${m.amended}</span>` : nothing}
        <span class="care-meta">${m.postedBy(ctx.nameOf(entry.history[0]?.author ?? post.author), shortTime(entry.history[0]?.sent_at ?? post.sent_at))}</span>
      </header>
      ${replyQuote(envelope, ctx)}
      ${content(entry, post, ctx, false)}
      ${history(entry, ctx)}
    </article>
  `;
}

/** The envelope of a take-over of handover `handoverPostId` (an optional note). */
export function takeOverEnvelope(handoverPostId: string, note = ''): PostEnvelope {
  return { version: 1, content_type: 'handover_taken', body: note, taken_over: handoverPostId };
}
