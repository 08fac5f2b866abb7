// A link from a room to its inspection record (#/rooms/{id}/record), for the room's
// header. Shown to the team (professionals); family and volunteers see only their
// channel and have no record to print for an inspection.

import { html, nothing, type TemplateResult } from 'lit-html';

import { rooms } from '../engine';
import { familyOnly } from '../members/role-names';
import { recordText } from './messages';

export function recordLink(roomId: string): TemplateResult | typeof nothing {
  const room = rooms().find((r) => r.roomId === roomId);
  if (room !== undefined && familyOnly(room.myRole)) return nothing;
  return html`<a class="button secondary record-link" href=${`#/rooms/${encodeURIComponent(roomId)}/record`}>${recordText().link}</a>`;
}
