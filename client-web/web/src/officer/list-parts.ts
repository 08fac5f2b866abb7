// What the officer's screens add to the list of notices (#/broadcasts): the sending
// organisation's name on each card, the link to a notice's receipts and safety check
// for people who follow its organisation, and the link to the send screen for
// broadcast officers. Each is nothing for everyone else.

import './officer.css';

import { html, nothing, type TemplateResult } from 'lit-html';

import { session } from '../app';
import type { Notice } from '../engine/broadcasts';
import { senderName } from './announce';
import { officerText } from './messages';
import { mayFollow, sendingOrganisations } from './roles';

/** 発信元: the organisation's name as the server lists it (not signed: the roster is what is checked). */
export function senderLine(notice: Notice): TemplateResult | typeof nothing {
  const name = senderName(notice.listed);
  return name === null ? nothing : html`<p class="broadcast-sender">${officerText().from(name)}</p>`;
}

/** The link to the live dashboard, for a notice the person's organisation sent. */
export function statusLink(notice: Notice): TemplateResult | typeof nothing {
  const me = session.me;
  if (me === null || !mayFollow(me, notice.listed.organisation)) return nothing;
  return html`<p><a class="button secondary broadcast-status-link" href="#/broadcasts/${notice.listed.id}/status">${officerText().statusLink}</a></p>`;
}

/** The link to the send screen, for broadcast officers. */
export function sendLink(): TemplateResult | typeof nothing {
  const me = session.me;
  if (me === null || sendingOrganisations(me).length === 0) return nothing;
  return html`<p><a class="button primary" id="broadcast-send-link" href="#/broadcasts/send">${officerText().sendLink}</a></p>`;
}
