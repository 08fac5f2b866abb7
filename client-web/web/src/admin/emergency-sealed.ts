// What the enrolment link shows once an emergency account's password and security
// key are registered: the server sealed the account and gave no session, so the
// page says so and what to do with the sheet and the key — it does not sign in.

import { html } from 'lit-html';

import type { View } from '../app';
import { emergencyText } from './emergency-messages';

export function sealedView(): View {
  return {
    title: () => emergencyText().sealedTitle,
    content: () => {
      const m = emergencyText();
      return html`
        <div class="card emergency-sealed" id="emergency-sealed" role="status">
          <p>${m.sealedBody}</p>
        </div>
        <p><a class="button secondary" href="#/sign-in">${m.sealedDone}</a></p>
      `;
    },
  };
}
