// Search within a room channel, on this device only: the words typed are matched
// against the notebook this device has decrypted (engine/search.ts) and never
// leave the page. Matching posts are marked in the timeline; the results list says
// how many were found (or that none were) and jumps to each.

import { html, nothing, type TemplateResult } from 'lit-html';

import { rerender } from '../app';
import { memberName, searchEntries, type SearchHit } from '../engine';
import type { NotebookView } from '../generated/types';
import { roomText } from '../rooms-messages';
import { when } from './room-timeline';
import type { RoomScreen } from './room-state';

const memo = new WeakMap<NotebookView, { query: string; hits: SearchHit[] }>();

function hitsOf(screen: RoomScreen): SearchHit[] {
  const view = screen.handle.notebook();
  const query = screen.state.query;
  const known = memo.get(view);
  if (known !== undefined && known.query === query) return known.hits;
  const hits = searchEntries(view.entries, query, (entry) => {
    const author = (entry.history[0] ?? entry.current).author;
    return [memberName(screen.roomId, author) ?? ''];
  });
  memo.set(view, { query, hits });
  return hits;
}

/** The entries the search found (null while there is no search). */
export function searchMatches(screen: RoomScreen): Set<string> | null {
  if (screen.state.query.trim() === '') return null;
  return new Set(hitsOf(screen).map((h) => h.postId));
}

function jump(postId: string): void {
  const entry = document.querySelector<HTMLElement>(`li.entry[data-post="${CSS.escape(postId)}"]`);
  if (entry === null) return;
  entry.scrollIntoView({ block: 'center' });
  entry.focus({ preventScroll: true });
}

function results(screen: RoomScreen): TemplateResult | typeof nothing {
  const m = roomText();
  const query = screen.state.query.trim();
  if (query === '') return nothing;
  const hits = hitsOf(screen);
  if (hits.length === 0) return html`<p class="search-none" id="search-none">${m.searchNone(query)}</p>`;
  return html`
    <p class="search-count" id="search-count">${m.searchFound(hits.length)}</p>
    <ol class="search-results">
      ${hits.map((hit) => {
        const entry = screen.handle.notebook().entries.find((e) => e.post_id === hit.postId);
        const author = entry === undefined ? '' : memberName(screen.roomId, (entry.history[0] ?? entry.current).author) ?? m.unknownAuthor;
        return html`<li>
          <button type="button" class="search-hit" data-post=${hit.postId} aria-label=${m.searchJump(author, when(hit.sentAt))}
            @click=${() => jump(hit.postId)}>
            <span class="search-hit-meta">${author} · ${when(hit.sentAt)}</span>
            <span class="search-hit-text">${hit.excerpt}</span>
          </button>
        </li>`;
      })}
    </ol>
  `;
}

export function roomSearch(screen: RoomScreen): TemplateResult {
  const m = roomText();
  const { state } = screen;
  const input = (event: Event): void => {
    state.query = (event.target as HTMLInputElement).value;
    rerender();
  };
  // Kept in the screen's state (not the element's), so a redraw never closes it.
  const toggle = (event: Event): void => {
    event.preventDefault();
    state.searchOpen = !state.searchOpen;
    rerender();
    if (state.searchOpen) document.getElementById('room-search-q')?.focus();
  };
  const clear = (): void => {
    state.query = '';
    rerender();
    document.getElementById('room-search-q')?.focus();
  };
  return html`
    <details class="room-search" .open=${state.searchOpen}>
      <summary @click=${toggle}>${m.searchOpen}</summary>
      <form role="search" @submit=${(event: Event) => event.preventDefault()}>
        <label for="room-search-q">${m.searchLabel}</label>
        <div class="search-row">
          <input type="search" id="room-search-q" autocomplete="off" enterkeyhint="search" .value=${state.query}
            aria-describedby="room-search-hint" @input=${input} />
          ${state.query === '' ? nothing : html`<button type="button" class="secondary" id="room-search-clear" @click=${clear}>${m.searchClear}</button>`}
        </div>
        <p class="hint" id="room-search-hint">${m.searchHint}</p>
      </form>
      <div class="search-answer" aria-live="polite">${results(screen)}</div>
    </details>
  `;
}
