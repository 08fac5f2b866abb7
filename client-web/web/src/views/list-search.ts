// The room list's search box and filter chips (至急あり / 未読あり), and the cards
// they leave: shared by the start screen (rooms.ts) and the desktop side pane
// (list-pane.ts). Matching happens here, on names this device opened; the query
// is kept in memory only and never sent anywhere.

import { html, nothing, type TemplateResult } from 'lit-html';

import './list.css';
import { rerender } from '../app';
import type { RoomSummary } from '../engine';
import { filterRooms, isNarrowed, NO_QUERY, type ListQuery } from './list-filter';
import { listText } from './list-messages';

let query: ListQuery = { ...NO_QUERY };

/** Forgets the search (sign-out). */
export function resetSearch(): void {
  query = { ...NO_QUERY };
}

function typed(event: Event): void {
  // Wait for the end of an IME composition (kana → kanji) before filtering.
  if ((event as InputEvent).isComposing) return;
  query = { ...query, text: (event.currentTarget as HTMLInputElement).value };
  rerender();
}

function toggle(which: 'urgent' | 'unread'): void {
  query = { ...query, [which]: !query[which] };
  rerender();
}

function clearAll(prefix: string): void {
  query = { ...NO_QUERY };
  rerender();
  document.getElementById(`${prefix}-search`)?.focus();
}

/**
 * The search box, the chips, and the rooms that match (drawn by `card`), or what
 * to do when none does. `prefix` keeps element IDs apart (`room` on the start
 * screen, `side` in the desktop pane).
 */
export function searchableList(
  prefix: string,
  mine: RoomSummary[],
  card: (room: RoomSummary) => TemplateResult,
): TemplateResult {
  const m = listText();
  const shown = filterRooms(mine, query);
  const narrowed = isNarrowed(query);
  return html`
    <div class="list-finder" role="search">
      <div class="field">
        <label for=${`${prefix}-search`}>${m.searchLabel}</label>
        <p class="hint" id=${`${prefix}-search-hint`}>${m.searchHint}</p>
        <input id=${`${prefix}-search`} type="search" autocomplete="off" enterkeyhint="search"
          aria-describedby=${`${prefix}-search-hint`} aria-controls=${`${prefix}-results`}
          .value=${query.text} @input=${typed} @compositionend=${typed} />
      </div>
      <div class="chips" role="group" aria-label=${m.filtersLabel}>
        <button type="button" class="chip urgent" data-filter="urgent" aria-pressed=${query.urgent ? 'true' : 'false'}
          @click=${() => toggle('urgent')}>${m.filterUrgent}</button>
        <button type="button" class="chip" data-filter="unread" aria-pressed=${query.unread ? 'true' : 'false'}
          @click=${() => toggle('unread')}>${m.filterUnread}</button>
      </div>
      <p class="list-count" id=${`${prefix}-count`} role="status" aria-live="polite">
        ${narrowed ? m.shown(shown.length, mine.length) : nothing}
      </p>
    </div>
    ${shown.length === 0
      ? html`<div class="no-match" id=${`${prefix}-no-match`}>
          <p>${m.noMatch(query.text.trim())}</p>
          <button type="button" class="secondary" id=${`${prefix}-clear`} @click=${() => clearAll(prefix)}>${m.clear}</button>
        </div>`
      : html`<ul class="room-list" id=${`${prefix}-results`}>${shown.map(card)}</ul>`}
  `;
}
