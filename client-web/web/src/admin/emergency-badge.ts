// Marking emergency (break-glass) accounts in a room's member list: a badge in words
// (not colour alone), from the server's `emergency: true` on the member — not from
// the 【緊急用】 name, which anyone could choose.

import { html, nothing, type TemplateResult } from 'lit-html';

import { http } from '../http';
import { emergencyText } from './emergency-messages';

import './emergency.css';

/** The user IDs of the room's members that are emergency accounts. */
export async function emergencyMembers(roomId: string): Promise<Set<string>> {
  const members = await http.json<unknown>('GET', `/rooms/${encodeURIComponent(roomId)}/members`);
  const ids = new Set<string>();
  if (!Array.isArray(members)) return ids;
  for (const member of members as unknown[]) {
    if (typeof member !== 'object' || member === null) continue;
    const m = member as Record<string, unknown>;
    if (m['emergency'] === true && typeof m['user_id'] === 'string') ids.add(m['user_id']);
  }
  return ids;
}

/** The badge, for an emergency account (nothing for anyone else). */
export function emergencyBadge(emergency: boolean): TemplateResult | typeof nothing {
  if (!emergency) return nothing;
  return html`<span class="member-emergency"><span aria-hidden="true">⚠ </span>${emergencyText().badge}</span>`;
}
