// The way to the notification settings from another screen (the home screen).

import { html, type TemplateResult } from 'lit-html';

import { notifyText } from './messages';

export function notificationSettingsLink(): TemplateResult {
  return html`<p><a class="button secondary notify-link" href="#/settings/notifications">${notifyText().homeLink}</a></p>`;
}
