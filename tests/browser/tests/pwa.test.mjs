// Kizuna as an installable app: the manifest is linked and valid (name, start URL,
// standalone, theme colour of the style sheet, 192/512 and maskable icons that
// really are PNGs of those sizes); the server gives /sw.js, the manifest and the
// icons the right types, uncached; the service worker registers, controls the page
// and keeps this build's shell (never the API); the online/offline banner follows
// the connection; a new release is offered ("新しい版があります") and taken on
// reload, with the old cache gone; and with the network and the server gone, a
// reload still shows the app with a clear "オフラインです".

import assert from 'node:assert/strict';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, test } from 'node:test';

// The server serves a copy of the build, so this test can publish a "new release".
// (lib/server.mjs reads KIZUNA_TEST_WEB_DIR when loaded: everything that imports it
// is loaded after the variable is set.)
const BUILT = process.env.KIZUNA_TEST_WEB_DIR ?? resolve(import.meta.dirname, '../../../client-web/web/dist');
const WEB = mkdtempSync(join(tmpdir(), 'kizuna-pwa-web-'));
cpSync(BUILT, WEB, { recursive: true });
process.env.KIZUNA_TEST_WEB_DIR = WEB;
const { browserAndServer } = await import('../lib/suite.mjs');
const { PHONE, recordProblems, screenshots } = await import('../lib/browser.mjs');
const { unexpectedProblems } = await import('../lib/member-flows.mjs');
const { checkSmallScreen } = await import('../lib/ui.mjs');

const OFFLINE_NOISE = [/ERR_INTERNET_DISCONNECTED/, /ERR_CONNECTION_REFUSED/, /ERR_FAILED/];

before(() => {
  assert.ok(existsSync(join(WEB, 'sw.js')), `no sw.js in ${BUILT}: build the client first`);
});

const env = browserAndServer('server-pwa.log');

// After the server has stopped (after-hooks run in the order they were added).
after(() => {
  rmSync(WEB, { recursive: true, force: true });
});

function pngSize(bytes) {
  assert.deepEqual([...bytes.subarray(1, 4)], [0x50, 0x4e, 0x47], 'not a PNG');
  return `${bytes.readUInt32BE(16)}x${bytes.readUInt32BE(20)}`;
}

async function get(path) {
  const response = await fetch(`${env.server.url}${path}`, { headers: { accept: '*/*' } });
  return { response, bytes: Buffer.from(await response.arrayBuffer()) };
}

const swVersion = (text) => /"version":"([0-9a-f]+)"/.exec(text)?.[1];

test('manifest, service worker, updates and offline start', async () => {
  // What the server sends: the worker as JavaScript, the manifest as a manifest,
  // both revalidated every time, so a release is seen at once.
  const { response: sw, bytes: swBytes } = await get('/sw.js');
  assert.equal(sw.status, 200);
  assert.equal(sw.headers.get('content-type'), 'text/javascript; charset=utf-8');
  assert.equal(sw.headers.get('cache-control'), 'no-cache');
  const version = swVersion(swBytes.toString());
  assert.ok(version, 'sw.js carries no build version');
  const { response: manifestAnswer, bytes: manifestBytes } = await get('/manifest.webmanifest');
  assert.equal(manifestAnswer.status, 200);
  assert.equal(manifestAnswer.headers.get('content-type'), 'application/manifest+json');
  assert.equal(manifestAnswer.headers.get('cache-control'), 'no-cache');

  const manifest = JSON.parse(manifestBytes.toString());
  assert.equal(manifest.name, '絆 Kizuna');
  assert.ok(manifest.short_name && manifest.short_name.length <= 12, 'short_name');
  assert.equal(manifest.start_url, '/');
  assert.equal(manifest.scope, '/');
  assert.equal(manifest.display, 'standalone');
  const sizes = { any: new Set(), maskable: new Set() };
  for (const icon of manifest.icons) {
    const { response, bytes } = await get(icon.src);
    assert.equal(response.status, 200, icon.src);
    assert.equal(response.headers.get('content-type'), icon.type, icon.src);
    assert.equal(response.headers.get('cache-control'), 'no-cache', icon.src);
    if (icon.type === 'image/png') {
      assert.equal(pngSize(bytes), icon.sizes, icon.src);
      for (const purpose of (icon.purpose ?? 'any').split(' ')) sizes[purpose].add(icon.sizes);
    } else {
      assert.equal(icon.type, 'image/svg+xml');
      assert.match(bytes.toString(), /^<svg /);
    }
  }
  for (const size of ['192x192', '512x512']) {
    assert.ok(sizes.any.has(size), `no ${size} icon`);
    assert.ok(sizes.maskable.has(size), `no maskable ${size} icon`);
  }

  const context = await env.browser.newContext({ viewport: PHONE, locale: 'ja-JP' });
  const page = await context.newPage();
  const problems = recordProblems(page);
  const apiFromWorker = [];
  page.on('response', (r) => {
    if (new URL(r.url()).pathname.startsWith('/api/') && r.fromServiceWorker()) apiFromWorker.push(r.url());
  });
  try {
    await page.goto(`${env.server.url}/`);
    await page.waitForFunction(() => document.querySelector('h1')?.textContent?.trim() === 'サインイン');

    // The page links the manifest and says the same theme colour as the style sheet.
    const head = await page.evaluate(() => ({
      manifest: document.querySelector('link[rel="manifest"]')?.getAttribute('href'),
      theme: document.querySelector('meta[name="theme-color"]')?.getAttribute('content'),
      brand: getComputedStyle(document.documentElement).getPropertyValue('--brand').trim(),
      icon: document.querySelector('link[rel="apple-touch-icon"]')?.getAttribute('href'),
    }));
    assert.equal(head.manifest, '/manifest.webmanifest');
    assert.equal(head.theme, manifest.theme_color);
    assert.equal(head.brand, manifest.theme_color);
    assert.equal((await get(head.icon)).response.status, 200);

    // The worker installs with scope /, and controls the page after a reload.
    const registered = await page.evaluate(async () => {
      const registration = await navigator.serviceWorker.ready;
      return { scope: registration.scope, script: registration.active?.scriptURL };
    });
    assert.equal(registered.scope, `${env.server.url}/`);
    assert.equal(registered.script, `${env.server.url}/sw.js`);
    await page.reload();
    await page.waitForFunction(() => document.querySelector('h1')?.textContent?.trim() === 'サインイン');
    assert.equal(await page.evaluate(() => navigator.serviceWorker.controller?.scriptURL), `${env.server.url}/sw.js`);

    // It keeps this build's shell: `/`, every script and style the page loads, and
    // nothing from the API.
    const cached = await page.evaluate(async () => {
      const names = await caches.keys();
      const entries = {};
      for (const name of names) {
        entries[name] = (await (await caches.open(name)).keys()).map((r) => new URL(r.url).pathname);
      }
      return entries;
    });
    assert.deepEqual(Object.keys(cached), [`kizuna-shell-${version}`]);
    const shell = cached[`kizuna-shell-${version}`];
    const loaded = await page.evaluate(() =>
      [...document.querySelectorAll('script[src], link[rel="stylesheet"]')].map((el) => new URL(el.src ?? el.href).pathname),
    );
    for (const path of ['/', '/manifest.webmanifest', ...loaded]) assert.ok(shell.includes(path), `${path} not cached`);
    assert.ok(shell.every((path) => !path.startsWith('/api')), `API answers cached: ${shell}`);

    // The banner follows the connection.
    await context.setOffline(true);
    const offline = page.locator('#pwa-bar .offline-banner');
    await offline.waitFor();
    assert.match((await offline.textContent()) ?? '', /オフラインです/);
    await checkSmallScreen(page, 'offline banner');
    await screenshots(page, 'pwa-01-offline-banner');
    await context.setOffline(false);
    await page.getByText('オンラインに戻りました。').waitFor();
    assert.equal(await offline.count(), 0);

    // A new release: its worker waits, the page offers it, a reload takes it and
    // the old build's cache is gone.
    const next = `${version.slice(0, -4)}beef`;
    writeFileSync(join(WEB, 'sw.js'), readFileSync(join(WEB, 'sw.js'), 'utf8').replace(version, next));
    await page.evaluate(async () => (await navigator.serviceWorker.getRegistration())?.update());
    const prompt = page.locator('.update-prompt');
    await prompt.waitFor({ timeout: 20_000 });
    assert.match((await prompt.textContent()) ?? '', /新しい版があります/);
    await checkSmallScreen(page, 'update prompt');
    await screenshots(page, 'pwa-02-update');
    const reloaded = page.waitForEvent('framenavigated', { timeout: 20_000 });
    await prompt.getByRole('button', { name: '再読み込み' }).click();
    await reloaded;
    await page.waitForFunction(() => document.querySelector('h1')?.textContent?.trim() === 'サインイン');
    assert.equal(await page.locator('.update-prompt').count(), 0);
    await page.waitForFunction(
      async (want) => JSON.stringify(await caches.keys()) === JSON.stringify([want]),
      `kizuna-shell-${next}`,
      { timeout: 10_000 },
    );

    // No network and no server: a reload still opens the app, saying it is offline.
    await context.setOffline(true);
    await env.server.stop();
    const answer = await page.reload();
    assert.ok(answer?.fromServiceWorker(), 'the page did not come from the service worker');
    await page.waitForFunction(() => (document.querySelector('h1')?.textContent?.trim() ?? '') !== '');
    assert.ok(await page.locator('#app h1').isVisible());
    await page.locator('#pwa-bar .offline-banner').waitFor();
    assert.match((await page.locator('#pwa-bar').textContent()) ?? '', /オフラインです/);
    await checkSmallScreen(page, 'offline start');
    await screenshots(page, 'pwa-03-offline-start');

    assert.deepEqual(apiFromWorker, [], 'API answers went through the service worker');
    const violations = problems.filter((p) => /Content Security Policy|uncaught/i.test(p));
    assert.deepEqual(violations, []);
    assert.deepEqual(unexpectedProblems(problems, OFFLINE_NOISE), [], 'console errors');
  } finally {
    await context.close();
  }
});
