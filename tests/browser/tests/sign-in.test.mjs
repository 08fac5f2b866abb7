// The first thing anyone does with Kizuna, in a real browser: open the bootstrap
// link, choose a password, register a passkey, arrive signed in; sign out; a wrong
// password gets the server's Japanese message; sign in again with password and
// passkey. Along the way: the CSP is in force and never violated, the session is
// an HttpOnly cookie the page cannot read, the local vault key comes from the
// passkey's PRF, and the page works at 320 px with large touch targets.

import assert from 'node:assert/strict';
import { test } from 'node:test';

import { screenshots } from '../lib/browser.mjs';
import { newPerson, registerOnPage } from '../lib/flows.mjs';
import { browserAndServer } from '../lib/suite.mjs';
import { answerOf, checkSmallScreen, expectHeading } from '../lib/ui.mjs';

const LOGIN = 'sato.hanako';
const NAME = '佐藤 花子';
const PASSWORD = 'Tq7#mVb2!pLx';
const CSP =
  "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; img-src 'self' blob: data:; " +
  "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

const env = browserAndServer();

/** How many session wraps (vault.ts) this browser keeps. */
function sessionWraps(page) {
  return page.evaluate(
    () =>
      new Promise((done, fail) => {
        const open = indexedDB.open('kizuna');
        open.onerror = () => fail(open.error);
        open.onsuccess = () => {
          const db = open.result;
          if (!db.objectStoreNames.contains('session')) {
            db.close();
            done(0);
            return;
          }
          const count = db.transaction('session').objectStore('session').count();
          count.onsuccess = () => {
            db.close();
            done(count.result);
          };
        };
      }),
  );
}

test('invitation → password → passkey → signed in; sign out; sign in again', async () => {
  assert.ok(env.server.bootstrapLink, 'the server printed no bootstrap link');
  const { context, page, authenticator, recorded, problems } = await newPerson(env.browser);

  try {
    // The bootstrap link opens the client, served with the strict CSP. Step 1:
    // login ID, name, password (twice); step 2: the passkey (the virtual
    // authenticator answers at once); then the start screen, vault opened by PRF.
    const { grant } = await registerOnPage(page, env.server.bootstrapLink, {
      login: LOGIN,
      name: NAME,
      password: PASSWORD,
      onForm: async (opened) => {
        assert.equal(opened?.status(), 200);
        assert.equal(opened?.headers()['content-security-policy'], CSP);
        assert.equal(opened?.headers()['cache-control'], 'no-cache');
        await page.getByText('最初の管理者として登録します。').waitFor();
        await checkSmallScreen(page, 'invitation');
        await screenshots(page, '01-invitation');
      },
      onPasskey: () => screenshots(page, '02-passkey'),
    });

    await expectHeading(page, 'ホーム');
    await page.getByText(`${NAME} さん、サインインしています。`).waitFor();
    assert.equal((await authenticator.credentials()).length, 1, 'one passkey on the authenticator');

    // The local vault key came from the passkey's PRF.
    await page.locator('#vault-status[data-kind="prf"]').waitFor();
    const record = await page.evaluate(
      () =>
        new Promise((done, fail) => {
          const open = indexedDB.open('kizuna');
          open.onerror = () => fail(open.error);
          open.onsuccess = () => {
            const get = open.result.transaction('vaults').objectStore('vaults').getAll();
            get.onsuccess = () => {
              open.result.close();
              done(get.result.map((r) => ({ kind: r.kind, deviceKey: r.deviceKey !== null })));
            };
          };
        }),
    );
    assert.deepEqual(record, [{ kind: 'prf', deviceKey: false }]);

    // The encryption core loaded (or, before its bindings exist, is reported missing).
    const core = await page.locator('#core-status').getAttribute('data-state');
    assert.notEqual(core, 'failed', 'the WebAssembly core failed to load');
    const wasmServed = recorded.requests.some((r) => r.url.endsWith('.wasm'));
    assert.equal(core === 'ready', wasmServed, `core ${core}, wasm fetched: ${wasmServed}`);

    // The session is an HttpOnly, SameSite=Strict cookie; the page keeps no token.
    const cookies = await context.cookies();
    const session = cookies.find((c) => c.name === 'kizuna_session');
    assert.ok(session, 'no session cookie');
    assert.equal(session.httpOnly, true);
    assert.equal(session.sameSite, 'Strict');
    const token = grant.token;
    assert.ok(token, 'register/finish gave no session');
    const stored = await page.evaluate(() => JSON.stringify({ ...localStorage, ...sessionStorage }) + document.cookie);
    assert.ok(!stored.includes(token), 'the session token is readable by scripts');

    await checkSmallScreen(page, 'home');
    await screenshots(page, '03-home');

    // English on request, and back.
    await page.getByRole('button', { name: 'Switch the language to English' }).click();
    await expectHeading(page, 'Home');
    assert.equal(await page.evaluate(() => document.documentElement.lang), 'en');
    await screenshots(page, '04-home-en');
    await page.getByRole('button', { name: '表示を日本語に切り替える' }).click();
    await expectHeading(page, 'ホーム');

    // Sign out: the session ends on the server too.
    await page.getByRole('button', { name: 'サインアウト' }).click();
    await expectHeading(page, 'サインイン');
    await page.getByText('サインアウトしました。').waitFor();
    const me = await page.evaluate(async () => (await fetch('/api/v1/me')).status);
    assert.equal(me, 401);
    // …and the vault key kept for the session is gone: the next start needs the passkey.
    assert.equal(await sessionWraps(page), 0, 'the session wrap outlived the sign-out');
    await checkSmallScreen(page, 'sign-in');
    await screenshots(page, '05-sign-in');

    // A wrong password: the server's own Japanese message, which says what to do.
    await page.getByLabel('ログインID').fill(LOGIN);
    await page.getByLabel('パスワード', { exact: true }).fill('Wr0ng#Passw0rd');
    const finished = answerOf(page, '/api/v1/auth/sign-in/finish');
    await page.getByRole('button', { name: 'サインイン', exact: true }).click();
    const refused = await finished;
    assert.equal(refused.status(), 401);
    const expected = (await refused.json()).error;
    const alert = page.getByRole('alert');
    await alert.waitFor();
    assert.equal(expected.code, 'sign_in_failed');
    assert.equal((await alert.textContent())?.trim(), expected.message_ja);
    assert.match(expected.message_ja, /パスワードを確認/);
    await screenshots(page, '06-sign-in-failed');

    // Sign in again, by keyboard alone: login ID, password, Enter; the passkey answers.
    await page.reload();
    await expectHeading(page, 'サインイン');
    assert.equal(await page.evaluate(() => document.activeElement?.id), 'view-title');
    await page.keyboard.press('Tab');
    assert.equal(await page.evaluate(() => document.activeElement?.id), 'login_id');
    await page.keyboard.type(LOGIN);
    await page.keyboard.press('Tab');
    assert.equal(await page.evaluate(() => document.activeElement?.id), 'password');
    await page.keyboard.type(PASSWORD);
    await page.keyboard.press('Enter');
    await expectHeading(page, 'ホーム');
    await page.locator('#vault-status[data-kind="prf"]').waitFor();

    // After a reload the session holds, and so does the vault: it opens from the key
    // wrapped for this session (vault.ts), without asking the passkey again.
    const signCount = (await authenticator.credentials())[0].signCount;
    await page.reload();
    await expectHeading(page, 'ホーム');
    await page.locator('#vault-status[data-kind="prf"]').waitFor();
    assert.equal(await page.getByRole('button', { name: 'パスキーで開く' }).count(), 0);
    assert.equal((await authenticator.credentials())[0].signCount, signCount, 'the passkey was asked on reload');

    // The used link now says so, in the server's words, and what to do.
    const inspected = answerOf(page, '/api/v1/invitations/inspect');
    await page.goto(env.server.bootstrapLink);
    const used = await inspected;
    assert.equal(used.status(), 404);
    const usedError = (await used.json()).error;
    assert.equal(usedError.code, 'invitation_invalid');
    const usedAlert = page.getByRole('alert');
    await usedAlert.waitFor();
    assert.equal((await usedAlert.textContent())?.trim(), usedError.message_ja);

    // Hashed assets are cached for a year; the CSP held all along.
    const asset = recorded.requests.find((r) => /\/assets\/.+\.js$/.test(r.url));
    assert.ok(asset, 'no script asset loaded');
    const assetAnswer = await page.request.get(asset.url);
    assert.equal(assetAnswer.headers()['cache-control'], 'public, max-age=31536000, immutable');
    assert.equal(assetAnswer.headers()['content-security-policy'], CSP);
    const violations = problems.filter((p) => /Content Security Policy|uncaught/i.test(p));
    assert.deepEqual(violations, []);
    const unexpected = problems.filter((p) => !/Failed to load resource: the server responded with a status of 40[14]/.test(p));
    assert.deepEqual(unexpected, [], 'console errors');

    // Every request stayed on the server's origin, and none carried the PRF output
    // or any client extension results.
    const origin = new URL(env.server.url).origin;
    for (const r of recorded.requests) {
      assert.ok(r.url.startsWith(`${origin}/`), `request to another origin: ${r.url}`);
      assert.ok(!(r.body ?? '').includes('"prf"'), `PRF data sent to the server: ${r.url}`);
    }
  } finally {
    recorded.save('requests-sign-in.json');
    await context.close();
  }
});
