// The room list's 「終了したケア / Closed」 part: closed rooms, apart from the others
// and folded away (they are read-only; see members/close-room.ts).

import { html, nothing, type TemplateResult } from 'lit-html';

import type { RoomSummary } from '../engine';
import { closeText } from '../members/close-room-messages';

/** The closed rooms, collapsed under their own heading (nothing when there are none). */
export function closedRooms(
  closed: RoomSummary[],
  card: (room: RoomSummary) => TemplateResult,
): TemplateResult | typeof nothing {
  if (closed.length === 0) return nothing;
  return html`
    <details class="closed-rooms" id="closed-rooms">
      <summary>${closeText().closedHeading} (${closed.length})</summary>
      <ul class="room-list closed">${closed.map(card)}</ul>
    </details>
  `;
}
