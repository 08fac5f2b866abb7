// A link to a room's members screen, for the room view or a room card to show
// (everyone may see the list; invite and remove appear only for owner/delegates).

import { html, type TemplateResult } from 'lit-html';

import { lang } from '../i18n';

export function membersLink(roomId: string): TemplateResult {
  const label = lang() === 'ja' ? 'メンバーと招待' : 'Members and invitations';
  return html`<a class="button secondary members-link" href=${`#/rooms/${encodeURIComponent(roomId)}/members`}>${label}</a>`;
}
