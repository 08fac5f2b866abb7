// Regional broadcasts in a real browser (issue 14): an association's broadcast officer
// pins the roster and sends a 注意 and then a 緊急, each signed on the officer's own
// device by the WebAssembly core; a nurse in a clinic under the association, signed
// in and live, gets the 緊急 over the whole screen (the page behind it inert) until
// acknowledged, then the 注意 in the banner with its label, acknowledges that too,
// and finds both in the list as 公式, acknowledged. The officer's receipt totals show
// the acknowledgement. A 警戒 the server alters afterwards leaves the banner and is
// listed NOT VERIFIED in both languages; offline, the list says when it last synced. Phone and desktop
// screenshots, 320 px, 44 px targets, no console errors.

import assert from 'node:assert/strict';
import { test } from 'node:test';

import { screenshots } from '../lib/browser.mjs';
import { api, bootstrapAdmin, inviteStaff, registerPerson, roomListReady } from '../lib/flows.mjs';
import { unexpectedProblems } from '../lib/member-flows.mjs';
import { officerDevice, officerSends, sql } from '../lib/officer.mjs';
import { browserAndServer } from '../lib/suite.mjs';
import { checkSmallScreen, expectHeading } from '../lib/ui.mjs';

const CAUTION = '河川の水位が上昇しています';
const EMERGENCY = '避難指示：みなみ川流域';
const AREA = 'みなみ市 みなみ川 流域';

const env = browserAndServer('server-broadcast.log');

test('a 緊急 takes the screen until acknowledged, a 注意 stays in the banner, both are listed as official', async () => {
  const system = await bootstrapAdmin(env.browser, env.server);
  const association = await api(system.page, 'POST', '/organisations', { name: 'みなみ県医師会', kind: 'association' });
  const clinic = await api(system.page, 'POST', '/organisations', {
    name: 'みなみ診療所',
    kind: 'clinic',
    parent_id: association.id,
  });
  const office = await registerPerson(env.browser, env.server, await inviteStaff(system, association.id, '伊藤 事務', 'officer'), {
    login: 'office.ito',
    name: '伊藤 事務',
  });
  const officer = await registerPerson(
    env.browser,
    env.server,
    await inviteStaff(office, association.id, '鈴木 防災', 'broadcast_officer'),
    { login: 'bo.suzuki', name: '鈴木 防災' },
  );
  const nurse = await registerPerson(env.browser, env.server, await inviteStaff(system, clinic.id, '佐藤 看護', 'nurse'), {
    login: 'nurse.sato',
    name: '佐藤 看護',
  });
  const contexts = [system.context, office.context, officer.context, nurse.context];
  try {
    await roomListReady(officer.page);
    await roomListReady(nurse.page);
    const page = nurse.page;
    // Nothing yet: no banner.
    assert.equal(await page.locator('.broadcast-banner').count(), 0);

    await officerDevice(officer.page, association.id);
    const [cautionId, emergencyId] = await officerSends(officer.page, association.id, [
      { severity: 'caution', title: CAUTION, area: AREA, body: '今後の情報に注意してください。' },
      { severity: 'emergency', title: EMERGENCY, area: AREA, body: '利用者の避難状況を確認してください。' },
    ]);

    // Live: the 緊急 takes the whole screen, with its label, title and area; the page behind is inert.
    const overlay = page.locator('.broadcast-overlay[role="alertdialog"]');
    await overlay.waitFor({ timeout: 30_000 });
    assert.equal(await overlay.getAttribute('data-broadcast'), emergencyId);
    assert.match(await overlay.locator('.severity-tag').innerText(), /緊急/);
    assert.equal((await overlay.locator('.broadcast-title').innerText()).trim(), EMERGENCY);
    assert.match(await overlay.innerText(), new RegExp(`対象地域: ${AREA}`));
    assert.equal(await page.evaluate(() => document.getElementById('app').inert), true);
    await screenshots(page, 'broadcast-emergency');
    await checkSmallScreen(page, 'broadcast emergency');

    await overlay.getByRole('button', { name: '確認しました' }).click();
    await overlay.waitFor({ state: 'detached', timeout: 10_000 });
    assert.equal(await page.evaluate(() => document.getElementById('app').inert), false);

    // The 注意 is in the banner (not full screen), with its words, not colour alone.
    const banner = page.locator('.broadcast-banner');
    await banner.waitFor();
    assert.equal(await banner.getAttribute('data-broadcast'), cautionId);
    assert.match(await banner.locator('.severity-tag').innerText(), /注意/);
    assert.equal((await banner.locator('.broadcast-title').innerText()).trim(), CAUTION);
    await screenshots(page, 'broadcast-banner');
    await checkSmallScreen(page, 'broadcast banner');
    await banner.getByRole('button', { name: '確認しました' }).click();
    await banner.waitFor({ state: 'detached', timeout: 10_000 });

    // The list, from the room list's header: both official and acknowledged.
    await page.locator('#broadcasts-link').click();
    await expectHeading(page, '地域のお知らせ');
    const cards = page.locator('li.broadcast-card');
    await cards.nth(1).waitFor();
    const listed = await cards.evaluateAll((items) =>
      items.map((li) => ({
        id: li.dataset.broadcast,
        standing: li.dataset.standing,
        text: li.innerText,
      })),
    );
    assert.deepEqual(listed.map((c) => c.id), [emergencyId, cautionId]);
    for (const card of listed) {
      assert.equal(card.standing, 'official');
      assert.match(card.text, /公式/);
      assert.match(card.text, /確認済み/);
    }
    // The roster this device pinned on first sight, with its fingerprint to compare.
    await page.locator('details.broadcast-pins summary').click();
    assert.match(await page.locator('.broadcast-fingerprint').first().innerText(), /^[0-9a-f]{4}( [0-9a-f]{4}){3,}$/);
    await screenshots(page, 'broadcast-list');
    await checkSmallScreen(page, 'broadcast list');
    // The same in English.
    await page.getByRole('button', { name: 'Switch the language to English' }).click();
    await expectHeading(page, 'Regional notices');
    assert.match(await cards.first().innerText(), /Official[\s\S]*Emergency[\s\S]*Acknowledged/i);
    await page.getByRole('button', { name: '表示を日本語に切り替える' }).click();
    await expectHeading(page, '地域のお知らせ');

    // The officer sees the acknowledgement counted for the clinic.
    const totals = await api(officer.page, 'GET', `/organisations/${association.id}/broadcasts/${emergencyId}/receipts`);
    const forClinic = totals.organisations.find((o) => o.organisation === clinic.id);
    assert.ok(forClinic, JSON.stringify(totals));
    assert.equal(forClinic.acknowledged, 1);

    // A 警戒 in the banner; the server then alters it (another river): after the next
    // fetch it is NOT VERIFIED in the list, in both languages, and gone from the banner.
    const [warningId] = await officerSends(officer.page, association.id, [
      { severity: 'warning', title: '土砂災害警戒：みなみ川上流', area: AREA, body: '上流の訪問は控えてください。' },
    ]);
    await banner.waitFor({ timeout: 30_000 });
    assert.equal(await banner.getAttribute('data-broadcast'), warningId);
    assert.match(await banner.locator('.severity-tag').innerText(), /警戒/);
    sql(env.server, `UPDATE broadcasts SET payload = CAST(REPLACE(CAST(payload AS TEXT), 'みなみ川', 'きた川') AS BLOB) WHERE id = '${warningId}';`);
    await page.locator('#broadcasts-refresh').click();
    const altered = page.locator(`li.broadcast-card[data-broadcast="${warningId}"][data-standing="unverified"]`);
    await altered.waitFor({ timeout: 30_000 });
    const alteredText = await altered.innerText();
    assert.match(alteredText, /未確認 NOT VERIFIED/);
    assert.match(alteredText, /公式のものと確認できません/);
    assert.match(alteredText, /could not be confirmed as official/);
    assert.doesNotMatch(alteredText, /確認しました/);
    assert.equal(await page.locator('.broadcast-banner').count(), 0);
    await screenshots(page, 'broadcast-unverified');

    // Offline: the list says when it last synced.
    await nurse.context.setOffline(true);
    await page.evaluate(() => window.dispatchEvent(new Event('offline')));
    await page.evaluate(() => {
      location.hash = '#/';
    });
    await roomListReady(page);
    await page.locator('#broadcasts-link').click();
    await expectHeading(page, '地域のお知らせ');
    await page.locator('#broadcast-last-synced').waitFor();
    assert.match(await page.locator('#broadcast-last-synced').innerText(), /^最終同期: /);
    assert.equal(await page.locator('li.broadcast-card').count(), 3);
    assert.equal(await page.locator('li.broadcast-card[data-standing="unverified"]').count(), 1);
    await nurse.context.setOffline(false);

    // Offline, failed fetches and the socket are the test's doing; nothing else.
    const offline = /ERR_INTERNET_DISCONNECTED|ERR_CONNECTION_RESET|net::ERR_FAILED|WebSocket connection/;
    assert.deepEqual(unexpectedProblems(nurse.problems, [offline]), [], 'nurse: console errors');
    assert.deepEqual(unexpectedProblems(officer.problems), [], 'officer: console errors');
  } finally {
    for (const context of contexts) await context.close();
  }
});
