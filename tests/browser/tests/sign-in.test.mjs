// The first thing anyone does with Kizuna, in a real browser: open the bootstrap
// link, choose a password, register a passkey, arrive signed in; sign out; a wrong
// password gets the server's Japanese message; sign in again with password and
// passkey. Along the way: the CSP is in force and never violated, the session is
// an HttpOnly cookie the page cannot read, the local vault key comes from the
// passkey's PRF, and the page works at 320 px with large touch targets.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { addAuthenticator, launch, PHONE, recordProblems, recordRequests, screenshots } from '../lib/browser.mjs';
import { startServer } from '../lib/server.mjs';

const LOGIN = 'sato.hanako';
const NAME = '佐藤 花子';
const PASSWORD = 'Tq7#mVb2!pLx';
const CSP =
  "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; img-src 'self' blob: data:; " +
  "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

let server;
let browser;

before(async () => {
  server = await startServer();
  browser = await launch();
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

/** The heading every screen starts with. */
const heading = (page) => page.locator('h1');

async function expectHeading(page, text) {
  await page.waitForFunction((want) => document.querySelector('h1')?.textContent?.trim() === want, text, {
    timeout: 15_000,
  });
  assert.equal((await heading(page).textContent())?.trim(), text);
}

/** Every control is at least 44 px tall and the page does not scroll sideways at 320 px. */
async function checkSmallScreen(page, name) {
  await page.setViewportSize({ width: 320, height: 640 });
  const layout = await page.evaluate(() => ({
    scrollWidth: document.documentElement.scrollWidth,
    fontSize: parseFloat(getComputedStyle(document.body).fontSize),
    small: [...document.querySelectorAll('button, input, a.button')]
      .map((el) => ({ what: el.outerHTML.slice(0, 80), height: el.getBoundingClientRect().height }))
      .filter(({ height }) => height > 0 && height < 44),
    unlabelled: [...document.querySelectorAll('input')]
      .filter((input) => !input.labels || input.labels.length === 0)
      .map((input) => input.id),
  }));
  assert.ok(layout.scrollWidth <= 320, `${name}: scrolls sideways at 320 px (${layout.scrollWidth})`);
  assert.ok(layout.fontSize >= 18, `${name}: base font ${layout.fontSize}px`);
  assert.deepEqual(layout.small, [], `${name}: touch targets under 44 px`);
  assert.deepEqual(layout.unlabelled, [], `${name}: inputs without a label`);
  await page.setViewportSize(PHONE);
}

test('invitation → password → passkey → signed in; sign out; sign in again', async () => {
  assert.ok(server.bootstrapLink, 'the server printed no bootstrap link');
  const context = await browser.newContext({ viewport: PHONE, locale: 'ja-JP' });
  const page = await context.newPage();
  const authenticator = await addAuthenticator(page);
  const recorded = recordRequests(page);
  const problems = recordProblems(page);
  const answerOf = (path) => page.waitForResponse((r) => new URL(r.url()).pathname === path, { timeout: 30_000 });

  try {
    // The bootstrap link opens the client, served with the strict CSP.
    const opened = await page.goto(server.bootstrapLink);
    assert.equal(opened?.status(), 200);
    assert.equal(opened?.headers()['content-security-policy'], CSP);
    assert.equal(opened?.headers()['cache-control'], 'no-cache');
    await expectHeading(page, '招待リンクから登録');
    await page.getByText('最初の管理者として登録します。').waitFor();
    await checkSmallScreen(page, 'invitation');
    await screenshots(page, '01-invitation');

    // Step 1: login ID, name, password (twice).
    await page.getByLabel('ログインID').fill(LOGIN);
    await page.getByLabel('お名前（チームに表示されます）').fill(NAME);
    await page.getByLabel('パスワード', { exact: true }).fill(PASSWORD);
    await page.getByLabel('パスワード（確認のためもう一度）').fill(PASSWORD);
    await page.getByRole('button', { name: '次へ' }).click();

    // Step 2: the passkey (the virtual authenticator answers at once).
    const register = page.getByRole('button', { name: 'パスキーを登録する' });
    await register.waitFor();
    await screenshots(page, '02-passkey');
    await page.getByLabel('この端末の名前（例: 事業所のPC、私のスマホ）').fill('テスト端末');
    const registered = answerOf('/api/v1/invitations/register/finish');
    await register.click();
    const grant = await (await registered).json();

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
    await checkSmallScreen(page, 'sign-in');
    await screenshots(page, '05-sign-in');

    // A wrong password: the server's own Japanese message, which says what to do.
    await page.getByLabel('ログインID').fill(LOGIN);
    await page.getByLabel('パスワード', { exact: true }).fill('Wr0ng#Passw0rd');
    const finished = answerOf('/api/v1/auth/sign-in/finish');
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

    // After a reload the session holds but the vault key is gone until the passkey opens it.
    await page.reload();
    await expectHeading(page, 'ホーム');
    await page.locator('#vault-status[data-kind="locked"]').waitFor();
    await page.getByRole('button', { name: 'パスキーで開く' }).click();
    await page.locator('#vault-status[data-kind="prf"]').waitFor();

    // The used link now says so, in the server's words, and what to do.
    const inspected = answerOf('/api/v1/invitations/inspect');
    await page.goto(server.bootstrapLink);
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
    const origin = new URL(server.url).origin;
    for (const r of recorded.requests) {
      assert.ok(r.url.startsWith(`${origin}/`), `request to another origin: ${r.url}`);
      assert.ok(!(r.body ?? '').includes('"prf"'), `PRF data sent to the server: ${r.url}`);
    }
  } finally {
    recorded.save('requests-sign-in.json');
    await context.close();
  }
});
