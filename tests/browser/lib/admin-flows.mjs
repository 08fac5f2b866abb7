// Signing in through the sign-in screen as the administration test does it (the
// registration flow and the page checks are in flows.mjs and ui.mjs).

import { expectHeading } from './ui.mjs';

/** Signs in through the sign-in screen; returns the answer of sign-in/finish (or null if never sent). */
export async function signIn(page, baseUrl, login, password) {
  // A fresh load: the page forgets who it thought was signed in.
  await page.goto('about:blank');
  await page.goto(`${baseUrl}/#/sign-in`);
  await expectHeading(page, 'サインイン');
  await page.getByLabel('ログインID').fill(login);
  await page.getByLabel('パスワード', { exact: true }).fill(password);
  let finish = null;
  const listener = (r) => {
    if (new URL(r.url()).pathname === '/api/v1/auth/sign-in/finish') finish = r;
  };
  page.on('response', listener);
  await page.getByRole('button', { name: 'サインイン', exact: true }).click();
  await Promise.race([
    page.waitForFunction(() => location.hash !== '#/sign-in', null, { timeout: 20_000 }),
    page.getByRole('alert').waitFor({ timeout: 20_000 }),
  ]);
  page.off('response', listener);
  return finish;
}

/** The status of GET /api/v1/me in this page's session. */
export const meStatus = (page) => page.evaluate(async () => (await fetch('/api/v1/me')).status);
