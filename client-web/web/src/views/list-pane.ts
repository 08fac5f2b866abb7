// The room list beside the open room on a desktop (≥ 1024 px; style.css hides it on
// phones, where the list and the room stay one screen each). Same search and
// filters as the start screen; the open room is marked.

import { html, nothing, type TemplateResult } from 'lit-html';

import type { View } from '../app';
import { rooms, status, type RoomSummary } from '../engine';
import { roomText } from '../rooms-messages';
import { listText } from './list-messages';
import { searchableList } from './list-search';

function sideCard(openRoom: string, room: RoomSummary): TemplateResult {
  const m = roomText();
  const channel = room.channels[0] ?? 'family';
  const here = room.roomId === openRoom;
  return html`
    <li class="side-room" data-room=${room.roomId}>
      <a class="room-link" href=${`#/rooms/${room.roomId}/${channel}`} aria-current=${here ? 'page' : nothing}>
        <span class="room-name">${room.name ?? m.nameLoading}</span>
        <span class="room-marks">
          ${here ? html`<span class="badge current">${listText().current}</span>` : nothing}
          ${room.urgent ? html`<span class="badge urgent" data-urgent="true">${m.urgentMark}</span>` : nothing}
          ${room.unread > 0 ? html`<span class="badge unread" data-unread=${room.unread}>${m.unread(room.unread)}</span>` : nothing}
        </span>
      </a>
    </li>
  `;
}

/** `view` (a room) with the room list beside it on a desktop. */
export function besideRoomList(roomId: string, view: View): View {
  return {
    ...view,
    aside: () => {
      if (status().state !== 'ready') return html`<aside class="side-pane" aria-label=${listText().sideLabel}></aside>`;
      return html`
        <aside class="side-pane" aria-labelledby="side-heading">
          <h2 id="side-heading"><a href="#/">${listText().sideLabel}</a></h2>
          ${searchableList('side', rooms(), (room) => sideCard(roomId, room))}
        </aside>
      `;
    },
  };
}
