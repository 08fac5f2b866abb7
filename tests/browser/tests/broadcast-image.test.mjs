// An evacuation map with a regional notice in a real browser (issue 14): a broadcast
// officer of an association attaches a 12 MP photo carrying EXIF and a GPS position
// on the send screen, sees it prepared on the device (upright, smaller, no location
// data) and sends; the first try's notice is lost on the way and the retry does not
// upload the image again. A nurse of a clinic under the association shows the image
// on the notice's card: decrypted, upright, without EXIF, and the server only ever
// held ciphertext. An image altered on the server is refused with the core's words
// in Japanese. Phone and desktop screenshots in Japanese.

import assert from 'node:assert/strict';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';

import { screenshots } from '../lib/browser.mjs';
import { api, bootstrapAdmin, inviteStaff, registerPerson, roomListReady } from '../lib/flows.mjs';
import { unexpectedProblems } from '../lib/member-flows.mjs';
import { ROOT } from '../lib/server.mjs';
import { browserAndServer } from '../lib/suite.mjs';
import { expectHeading } from '../lib/ui.mjs';

const PHOTO = join(ROOT, 'testdata', 'wound-12mp-exif-gps.jpg');
const TITLE = '避難所の地図：みなみ小学校';
const env = browserAndServer('server-broadcast-image.log');

/** Whether the bytes hold `text` (ASCII). */
const holds = (bytes, text) => Buffer.from(bytes).includes(Buffer.from(text, 'latin1'));

test('an officer attaches an evacuation map; a nurse sees it, checked, without location data', async () => {
  const system = await bootstrapAdmin(env.browser, env.server);
  const association = await api(system.page, 'POST', '/organisations', { name: 'みなみ県医師会', kind: 'association' });
  const clinic = await api(system.page, 'POST', '/organisations', { name: 'みなみ診療所', kind: 'clinic', parent_id: association.id });
  const office = await registerPerson(env.browser, env.server, await inviteStaff(system, association.id, '伊藤 事務', 'officer'), { login: 'office.ito', name: '伊藤 事務' });
  const officer = await registerPerson(env.browser, env.server, await inviteStaff(office, association.id, '田中 防災', 'broadcast_officer'), { login: 'bo.tanaka', name: '田中 防災' });
  const nurse = await registerPerson(env.browser, env.server, await inviteStaff(system, clinic.id, '佐藤 看護', 'nurse'), { login: 'nurse.sato', name: '佐藤 看護' });
  const contexts = [system.context, office.context, officer.context, nurse.context];
  try {
    const page = officer.page;
    await roomListReady(page);
    await page.locator('#broadcasts-link').click();
    await page.locator('#broadcast-send-link').click();
    await expectHeading(page, 'お知らせを送信');
    await page.locator('#officer-publish-roster').click();
    await page.locator('#officer-roster-status[data-standing="listed"]').waitFor({ timeout: 30_000 });

    await page.getByLabel('見出し（1行）').fill(TITLE);
    await page.getByLabel('対象地域（言葉で）').fill('みなみ市 全域');
    await page.getByLabel('本文（何をしてほしいか）').fill('地図の赤い道を通って避難してください。');
    // The field says location data is removed here; the preview is what will be sent.
    assert.match(await page.locator('#officer-image-hint').innerText(), /位置情報（EXIF・GPS）.*この端末で取り除き/);
    await page.getByLabel('避難地図などの画像を添付（任意）').setInputFiles(PHOTO);
    await page.waitForFunction(() => (document.getElementById('officer-image-preview')?.naturalWidth ?? 0) > 0, null, { timeout: 60_000 });
    const preview = await page.locator('#officer-image-preview').evaluate((img) => ({ w: img.naturalWidth, h: img.naturalHeight }));
    assert.ok(preview.h > preview.w && preview.h < 4000, `the preview is upright and smaller: ${JSON.stringify(preview)}`);
    assert.match(await page.locator('#officer-image-info').innerText(), /送信される画像: \d+×\d+、.*（位置情報なし）/);
    await screenshots(page, 'broadcast-image-send');

    // The first notice is lost on the way: the retry signs the same image, uploaded once.
    const puts = [];
    page.on('request', (r) => { if (r.method() === 'PUT' && r.url().includes('/broadcast-images/')) puts.push(r.url()); });
    let lose = true;
    await page.route('**/api/v1/organisations/*/broadcasts', (route) => {
      if (lose && route.request().method() === 'POST') {
        lose = false;
        return route.abort('failed');
      }
      return route.continue();
    });
    await page.locator('#officer-send').click();
    await page.locator('#officer-send-problem').waitFor({ timeout: 60_000 });
    assert.equal(puts.length, 1);
    assert.equal(await page.locator('#officer-image-preview').count(), 1, 'the image stays attached after a failure');
    const sent = page.waitForResponse((r) => r.url().endsWith(`/organisations/${association.id}/broadcasts`) && r.request().method() === 'POST');
    await page.locator('#officer-send').click();
    assert.equal((await sent).status(), 201);
    await page.waitForURL(/#\/broadcasts\/[0-9a-f-]{36}\/status$/, { timeout: 30_000 });
    const broadcastId = /#\/broadcasts\/([0-9a-f-]{36})\/status$/.exec(page.url())[1];
    assert.equal(puts.length, 1, 'the retry uploaded the image again');
    const blobId = /broadcast-images\/([0-9a-f-]{36})$/.exec(puts[0])[1];

    // The server holds ciphertext only: no JPEG metadata in the stored file.
    const found = (await readdir(env.server.dataDir, { recursive: true })).filter((f) => f.endsWith(blobId));
    assert.equal(found.length, 1, `the blob file under ${env.server.dataDir}`);
    const stored = join(env.server.dataDir, found[0]);
    const ciphertext = await readFile(stored);
    assert.ok(ciphertext.length > 1000);
    assert.ok(!holds(ciphertext, 'Exif') && !holds(ciphertext, 'KizunaTestCam'), 'the stored image is readable');

    // The nurse opens the notice and shows the image.
    const n = nurse.page;
    await roomListReady(n);
    await n.evaluate(() => { location.hash = '#/broadcasts'; });
    await expectHeading(n, '地域のお知らせ');
    const card = n.locator(`li.broadcast-card[data-broadcast="${broadcastId}"]`);
    await card.waitFor({ timeout: 30_000 });
    const show = card.locator('.broadcast-image-show');
    assert.match(await show.innerText(), /地図・画像を表示（\d+ KB）/);
    // The decrypted bytes, as handed to URL.createObjectURL (the CSP keeps fetch off blob: URLs).
    await n.evaluate(() => {
      const create = URL.createObjectURL.bind(URL);
      URL.createObjectURL = (blob) => { window.kizunaLastBlob = blob; return create(blob); };
    });
    await show.click();
    const img = card.locator('img.broadcast-image-img');
    await img.waitFor({ timeout: 30_000 });
    await n.waitForFunction((id) => (document.querySelector(`li[data-broadcast="${id}"] img.broadcast-image-img`)?.naturalWidth ?? 0) > 0, broadcastId, { timeout: 30_000 });
    assert.equal(await img.getAttribute('alt'), `「${TITLE}」の添付画像`);
    const seen = await img.evaluate(async (el) => {
      const bytes = new Uint8Array(await window.kizunaLastBlob.arrayBuffer());
      return { w: el.naturalWidth, h: el.naturalHeight, src: el.src, text: new TextDecoder('latin1').decode(bytes) };
    });
    assert.ok(seen.src.startsWith('blob:'));
    assert.ok(seen.text.startsWith('\xff\xd8\xff'), 'the decrypted image is a JPEG');
    assert.deepEqual({ w: seen.w, h: seen.h }, preview, 'the nurse sees the image the officer previewed');
    for (const mark of ['Exif', 'GPS', 'KizunaTestCam', 'patient home']) assert.ok(!seen.text.includes(mark), `the image carries ${mark}`);
    await n.evaluate(() => window.scrollTo(0, 0));
    await screenshots(n, 'broadcast-image-notice');

    // Altered on the server: refused with the core's words, in Japanese; no picture.
    const altered = Buffer.from(ciphertext);
    altered[altered.length - 40] ^= 0xff;
    await writeFile(stored, altered);
    await n.evaluate(() => { location.hash = '#/'; });
    await roomListReady(n);
    await n.evaluate(() => { location.hash = '#/broadcasts'; });
    await card.waitFor({ timeout: 30_000 });
    await card.locator('.broadcast-image-show').click();
    const failed = card.locator('.broadcast-image-failed[role="alert"]');
    await failed.waitFor({ timeout: 30_000 });
    assert.match(await failed.innerText(), /^画像を表示できませんでした。 .*[ぁ-んァ-ン一-龥]/);
    assert.equal(await card.locator('img.broadcast-image-img').count(), 0);

    const lost = /ERR_FAILED|Failed to load resource/;
    assert.deepEqual(unexpectedProblems(officer.problems, [lost]), [], 'officer: console errors');
    assert.deepEqual(unexpectedProblems(nurse.problems, [/status of 4\d\d|Failed to load resource/]), [], 'nurse: console errors');
  } finally {
    for (const context of contexts) await context.close();
  }
});
