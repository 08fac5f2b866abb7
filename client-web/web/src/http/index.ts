// The browser's HTTP client (client.ts wired to the page): the window's fetch, the
// password + passkey dialog of reauth.ts for `reauth_required`, and the words of
// i18n.ts for failures without the server's words. Also how a failure is told.

import { inBoth, lang, t } from '../i18n';
import { confirmIdentity } from '../reauth';
import { ApiError } from './error';
import { HttpClient } from './client';

export { seg, type Method } from './client';
export { ApiError, isCode, isNetwork, isNotFound, isReauthRequired, transient } from './error';

/** Every request of the UI goes through this client. */
export const http = new HttpClient({
  fetch: (url, init) => fetch(url, init),
  // Called at request time only: reauth.ts itself sends through this client.
  confirmIdentity: () => confirmIdentity(),
  words: { network: inBoth('networkError'), unexpected: inBoth('unexpected') },
});

/** Words for any failure, in the language in force, saying what to do next. */
export function describeError(error: unknown): string {
  if (error instanceof ApiError) return error.localized(lang());
  return t().unexpected;
}
