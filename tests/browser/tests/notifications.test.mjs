// Content-free notifications in the browser: a push message delivered to the
// service worker (Chromium's `ServiceWorker.deliverPushMessage`, as the push
// service would after the server's RFC 8291 encryption) shows 「新しい至急の投稿が
// あります」 and nothing else — no name, no text — in the language the app last
// used, and a repeat for the same room replaces the earlier one. The settings
// screen (#/settings/notifications) says that notifications carry no names or text,
// explains clearly when this browser cannot register for push (a Playwright
// context is a private window, where Chromium refuses to subscribe), and keeps the e-mail and quiet-hours settings across a
// reload.

import assert from 'node:assert/strict';
import { test } from 'node:test';

import { screenshots } from '../lib/browser.mjs';
import { bootstrapAdmin, checkSmallScreen, expectHeading } from '../lib/flows.mjs';
import { api, unexpectedProblems } from '../lib/member-flows.mjs';
import { browserAndServer } from '../lib/suite.mjs';

// A mail server is configured (nothing listens there: no post is written, so no
// e-mail is ever sent), so the e-mail choices are offered.
const env = browserAndServer('server-notifications.log', {
  KIZUNA_SMTP_URL: 'smtp://127.0.0.1:9',
  KIZUNA_MAIL_FROM: 'Kizuna <kizuna@example.jp>',
});

let signedIn = null;

/** The one person of this file (the server's first administrator), signed in on a phone. */
async function person() {
  signedIn ??= await bootstrapAdmin(env.browser, env.server);
  return signedIn;
}

const ROOM = '3f2b8c1e-9a4d-4e6f-8b1a-2c3d4e5f6a7b';
const URGENT_JA = '新しい至急の投稿があります';
const URGENT_EN = 'There is a new urgent post';
// What Chromium logs when a private (Playwright) context asks to subscribe.
const INCOGNITO_PUSH = /does not support the Push API in incognito mode/;

/** The registration ID of the page's service worker, as DevTools knows it. */
async function workerRegistration(cdp, scope) {
  const found = new Promise((resolve) => {
    cdp.on('ServiceWorker.workerRegistrationUpdated', ({ registrations }) => {
      const mine = registrations.find((r) => r.scopeURL === scope && !r.isDeleted);
      if (mine !== undefined) resolve(mine.registrationId);
    });
  });
  await cdp.send('ServiceWorker.enable');
  return found;
}

/** The notifications the worker shows now (title, body, tag, link). */
function notifications(page) {
  return page.evaluate(async () =>
    (await (await navigator.serviceWorker.ready).getNotifications()).map((n) => ({
      title: n.title,
      body: n.body,
      tag: n.tag,
      url: n.data?.url ?? null,
    })),
  );
}

/** The notifications, once `ready(list)` holds (the worker shows them a moment after the push). */
async function shownNotifications(page, ready, timeout = 15_000) {
  const until = Date.now() + timeout;
  for (;;) {
    const shown = await notifications(page);
    if (ready(shown) || Date.now() > until) return shown;
    await new Promise((done) => setTimeout(done, 200));
  }
}

/** Waits until the app has handed the service worker `want` (kept in an IndexedDB database of its own). */
async function workerLanguage(page, want, timeout = 15_000) {
  const until = Date.now() + timeout;
  let stored = null;
  while (Date.now() < until) {
    stored = await page.evaluate(
      () =>
        new Promise((resolve) => {
          const open = indexedDB.open('kizuna-worker');
          // Not there yet: do not create it (the worker creates it with its store).
          open.onupgradeneeded = () => open.transaction.abort();
          open.onerror = () => resolve(null);
          open.onsuccess = () => {
            const db = open.result;
            if (!db.objectStoreNames.contains('settings')) {
              db.close();
              resolve(null);
              return;
            }
            const get = db.transaction('settings').objectStore('settings').get('language');
            get.onsuccess = () => {
              db.close();
              resolve(get.result ?? null);
            };
            get.onerror = () => resolve(null);
          };
        }),
    );
    if (stored === want) return;
    await new Promise((done) => setTimeout(done, 200));
  }
  assert.equal(stored, want, 'the service worker was not told the language');
}

test('a push message shows a fixed sentence, no names or text', async () => {
  const { server } = env;
  const admin = await person();
  const { page, context } = admin;
  await context.grantPermissions(['notifications'], { origin: server.url });
  await page.evaluate(() => navigator.serviceWorker.ready);
  await workerLanguage(page, 'ja');

  const cdp = await context.newCDPSession(page);
  const registrationId = await workerRegistration(cdp, `${server.url}/`);
  const deliver = (payload) =>
    cdp.send('ServiceWorker.deliverPushMessage', { origin: server.url, registrationId, data: JSON.stringify(payload) });

  await deliver({ v: 1, kind: 'urgent', room: ROOM, count: 1 });
  let shown = await shownNotifications(page, (list) => list.length >= 1);
  assert.deepEqual(shown, [{ title: 'Kizuna', body: URGENT_JA, tag: `kizuna-urgent-${ROOM}`, url: `/#/rooms/${ROOM}/team` }]);

  // A payload with more in it than kind, room and count: the extra never shows.
  await deliver({ v: 1, kind: 'urgent', room: ROOM, count: 2, name: '管理 太郎', text: '血圧 180/110' });
  await deliver({ v: 1, kind: 'posts', room: ROOM, count: 3 });
  shown = await shownNotifications(page, (list) => list.some((n) => n.tag.startsWith('kizuna-posts-')));
  assert.equal(shown.length, 2, 'a repeat for the same room and kind replaces the earlier notification');
  const byTag = Object.fromEntries(shown.map((n) => [n.tag, n.body]));
  assert.deepEqual(byTag, { [`kizuna-urgent-${ROOM}`]: URGENT_JA, [`kizuna-posts-${ROOM}`]: '新しい投稿があります（3件）' });
  for (const n of shown) assert.doesNotMatch(`${n.title} ${n.body}`, /管理|太郎|血圧|180/);

  // After the switch to English, the worker words notifications in English.
  await page.getByRole('button', { name: 'Switch the language to English' }).click();
  await workerLanguage(page, 'en');
  await deliver({ v: 1, kind: 'urgent', room: ROOM, count: 1 });
  shown = await shownNotifications(page, (list) => list.some((n) => n.body === URGENT_EN));
  assert.equal(shown.find((n) => n.tag === `kizuna-urgent-${ROOM}`)?.body, URGENT_EN);

  // Back to Japanese for the next test.
  await page.getByRole('button', { name: '表示を日本語に切り替える' }).click();
  await workerLanguage(page, 'ja');
  assert.deepEqual(unexpectedProblems(admin.problems), []);
});

test('the settings screen: push explained, e-mail and quiet hours kept', async () => {
  const { server } = env;
  const me = await person();
  const { page } = me;
  await me.context.grantPermissions(['notifications'], { origin: server.url });

  await page.goto(`${server.url}/#/settings/notifications`);
  await expectHeading(page, '通知の設定');
  await page.locator('.notify-form').waitFor();
  assert.match((await page.locator('.notify-privacy').textContent()) ?? '', /名前.*内容.*書かれません/s);
  await screenshots(page, 'notifications-01-settings');
  await checkSmallScreen(page, 'notification settings');

  // This browser cannot reach a push service: the screen says so, in words.
  await page.getByRole('button', { name: 'この端末で通知を受け取る' }).click();
  const problem = page.locator('#push-problem');
  await problem.waitFor({ timeout: 30_000 });
  assert.equal(await problem.getAttribute('data-problem'), 'subscribe_failed');
  assert.match((await problem.textContent()) ?? '', /このブラウザは通知の登録ができませんでした/);
  await screenshots(page, 'notifications-02-push-failed');

  await page.getByLabel('至急の投稿だけ', { exact: true }).check();
  // E-mail on without an address: the screen asks for one and sends nothing.
  await page.getByLabel('まとめて送る（至急の投稿はすぐに送る）').check();
  let puts = 0;
  page.on('request', (r) => {
    if (r.method() === 'PUT' && new URL(r.url()).pathname === '/api/v1/me/notifications') puts += 1;
  });
  await page.getByRole('button', { name: '保存する' }).click();
  assert.match((await page.locator('#notify-invalid').textContent()) ?? '', /メールアドレスを入力してください/);
  assert.equal(puts, 0);
  await page.getByLabel('メールアドレス').fill('nurse@example.jp');
  await page.getByLabel('まとめて送る間隔').selectOption('180');
  await page.getByLabel('夜間など、通知しない時間帯を決める').check();
  await page.getByLabel('開始', { exact: true }).fill('21:30');
  await page.getByLabel('終了', { exact: true }).fill('06:15');
  await page.getByLabel('至急は夜間も通知する').uncheck();
  await page.getByRole('button', { name: '保存する' }).click();
  await page.locator('#notify-saved .notice').waitFor();
  assert.match((await page.locator('#notify-saved').textContent()) ?? '', /保存しました/);
  await screenshots(page, 'notifications-03-saved');

  await page.reload();
  await expectHeading(page, '通知の設定');
  await page.locator('.notify-form').waitFor();
  assert.equal(await page.locator('#push-urgent').isChecked(), true);
  assert.equal(await page.locator('#quiet-start').inputValue(), '21:30');
  assert.equal(await page.locator('#quiet-end').inputValue(), '06:15');
  assert.equal(await page.locator('#urgent-in-quiet').isChecked(), false);
  assert.equal(await page.locator('#email-digest').isChecked(), true);
  assert.equal(await page.locator('#email-address').inputValue(), 'nurse@example.jp');
  assert.equal(await page.locator('#digest-minutes').inputValue(), '180');
  const after = await api(page, 'GET', '/api/v1/me/notifications');
  assert.equal(after.body.push, 'urgent');
  assert.deepEqual(after.body.quiet_hours, { start: '21:30', end: '06:15' });
  assert.equal(after.body.urgent_in_quiet_hours, false);
  assert.equal(after.body.email, 'digest');
  assert.equal(after.body.email_address, 'nurse@example.jp');
  assert.equal(after.body.digest_minutes, 180);

  assert.deepEqual(unexpectedProblems(me.problems, [INCOGNITO_PUSH]), []);
});
