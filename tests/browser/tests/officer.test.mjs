// The regional officer's screens in a real browser (issue 14): a broadcast officer of
// an association, on a device that is not yet on any roster, is told so in both
// languages and publishes the first roster from the send screen; writes a 緊急 with a
// safety check, sees the banner's preview and the full-screen confirmation; a send
// that fails offline keeps everything typed and goes through once online; the live
// dashboard shows 0 answered. A nurse of a clinic under the association answers 要支援
// (医療) for her client's room over the HTTP API: the officer's dashboard shows it
// without reloading (over the WebSocket, well before the 30 s refresh), with the
// clinic's name to call, and announces it; the CSV holds the clinic's totals; closing
// the check stops further answers. The list names the sender and links the dashboard.
// Phone and desktop screenshots in Japanese, 320 px, 44 px targets, no console errors.

import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { test } from 'node:test';

import { screenshots } from '../lib/browser.mjs';
import { api, bootstrapAdmin, createRoomUi, inviteStaff, registerPerson, roomListReady } from '../lib/flows.mjs';
import { unexpectedProblems } from '../lib/member-flows.mjs';
import { browserAndServer } from '../lib/suite.mjs';
import { checkSmallScreen, expectHeading } from '../lib/ui.mjs';

const TITLE = '避難指示：みなみ川 氾濫の恐れ';
const AREA = 'みなみ市 みなみ川 流域';
const BODY = '利用者の安否を確認し、避難が必要な方は△△小学校へ。';

const env = browserAndServer('server-officer.log');

/** A tile's figure on the dashboard. */
const tile = (page, status) => page.locator(`#officer-safety-totals .officer-tile[data-status="${status}"]`);

test('an officer publishes the first roster, sends a 緊急 with a safety check and follows the answers live', async () => {
  const system = await bootstrapAdmin(env.browser, env.server);
  const association = await api(system.page, 'POST', '/organisations', { name: 'みなみ県医師会', kind: 'association' });
  const clinic = await api(system.page, 'POST', '/organisations', { name: 'みなみ診療所', kind: 'clinic', parent_id: association.id });
  const office = await registerPerson(env.browser, env.server, await inviteStaff(system, association.id, '伊藤 事務', 'officer'), {
    login: 'office.ito',
    name: '伊藤 事務',
  });
  const officer = await registerPerson(
    env.browser,
    env.server,
    await inviteStaff(office, association.id, '田中 防災', 'broadcast_officer'),
    { login: 'bo.tanaka', name: '田中 防災' },
  );
  const nurse = await registerPerson(env.browser, env.server, await inviteStaff(system, clinic.id, '佐藤 看護', 'nurse'), {
    login: 'nurse.sato',
    name: '佐藤 看護',
  });
  const contexts = [system.context, office.context, officer.context, nurse.context];
  try {
    const roomId = await createRoomUi(nurse.page, '山田 花子 様');
    const page = officer.page;
    await roomListReady(page);

    // From the list of notices to the send screen: no roster yet, said in both languages.
    await page.locator('#broadcasts-link').click();
    await expectHeading(page, '地域のお知らせ');
    await page.locator('#broadcast-send-link').click();
    await expectHeading(page, 'お知らせを送信');
    const standing = page.locator('#officer-roster-status');
    await standing.waitFor({ timeout: 30_000 });
    assert.equal(await standing.getAttribute('data-standing'), 'none');
    const noRoster = await standing.innerText();
    assert.match(noRoster, /担当者名簿がありません/);
    assert.match(noRoster, /no officer roster yet/);
    // This device's officer line, as `kizuna broadcast whoami` prints it.
    await page.locator('.officer-whoami summary').click();
    assert.match(await page.locator('#officer-line').innerText(), /^[0-9a-f-]{36}:[0-9a-f-]{36}:[0-9a-f]{64}$/);
    await screenshots(page, 'officer-no-roster');
    await page.locator('.officer-whoami summary').click();

    // Publish the first roster with this device: now it may send.
    await page.locator('#officer-publish-roster').click();
    await page.locator('#officer-roster-status[data-standing="listed"]').waitFor({ timeout: 30_000 });
    assert.match(await page.locator('#officer-roster-published').innerText(), /名簿を公開しました。照合用の指紋: [0-9a-f]{4}( [0-9a-f]{4}){3,}/);
    const roster = await api(page, 'GET', `/organisations/${association.id}/roster`);
    assert.equal(roster.changes.length, 1);

    // Write the 緊急 with a safety check; the preview shows the banner and the full screen.
    await page.locator('#officer-severity-emergency').check();
    await page.getByLabel('見出し（1行）').fill(TITLE);
    await page.getByLabel('対象地域（言葉で）').fill(AREA);
    await page.getByLabel('本文（何をしてほしいか）').fill(BODY);
    await page.locator('#officer-safety').check();
    assert.equal(await page.getByLabel('有効時間（時間）').inputValue(), '24');
    const preview = page.locator('#officer-preview');
    assert.equal((await preview.locator('.officer-preview-banner .broadcast-title').innerText()).trim(), TITLE);
    assert.match(await preview.locator('.officer-preview-banner .severity-tag').innerText(), /緊急/);
    assert.match(await preview.innerText(), new RegExp(`対象地域: ${AREA}`));
    assert.match(await preview.locator('.officer-preview-full').innerText(), /緊急のお知らせ/);
    assert.match(await preview.innerText(), /安否確認あり/);
    await screenshots(page, 'officer-send');
    await checkSmallScreen(page, 'officer send');

    // A 緊急 asks once more before it takes everyone's screen.
    await page.locator('#officer-send').click();
    await expectHeading(page, 'お知らせを送信');
    const confirm = page.locator('.officer-confirm');
    await confirm.waitFor();
    assert.equal((await page.locator('#officer-confirm-heading').innerText()).trim(), '緊急のお知らせを送信しますか？');
    assert.equal(await page.evaluate(() => document.activeElement?.id), 'officer-confirm-heading');
    await screenshots(page, 'officer-confirm');
    await checkSmallScreen(page, 'officer confirm');

    // Offline, the send fails: the words say what to do, and nothing typed is lost.
    await officer.context.setOffline(true);
    await page.locator('#officer-confirm-send').click();
    const problem = page.locator('#officer-send-problem');
    await problem.waitFor({ timeout: 30_000 });
    assert.match(await problem.innerText(), /送信できませんでした。入力した内容はそのまま残っています。/);
    assert.match(await problem.innerText(), /通信が戻ったら/);
    assert.equal(await page.getByLabel('見出し（1行）').inputValue(), TITLE);
    assert.equal(await page.getByLabel('本文（何をしてほしいか）').inputValue(), BODY);
    assert.equal(await page.locator('#officer-safety').isChecked(), true);
    assert.equal(await page.locator('#officer-severity-emergency').isChecked(), true);
    await officer.context.setOffline(false);

    // Online again: review, confirm, sent; the dashboard opens with nothing answered yet.
    await page.locator('#officer-send').click();
    // Before each frame is painted: is the officer's own 緊急 over their screen?
    await page.evaluate(() => {
      window.kizunaOwnOverlayFrames = 0;
      const frame = () => {
        if (document.querySelector('.broadcast-overlay') !== null) window.kizunaOwnOverlayFrames += 1;
        requestAnimationFrame(frame);
      };
      requestAnimationFrame(frame);
    });
    const sent = page.waitForResponse((r) => r.url().endsWith(`/organisations/${association.id}/broadcasts`) && r.request().method() === 'POST');
    await page.locator('#officer-confirm-send').click();
    assert.equal((await sent).status(), 201);
    await page.waitForURL(/#\/broadcasts\/[0-9a-f-]{36}\/status$/, { timeout: 30_000 });
    const broadcastId = /#\/broadcasts\/([0-9a-f-]{36})\/status$/.exec(page.url())[1];
    await expectHeading(page, '届いた状況・安否確認');
    await page.locator('#officer-check-state[data-open="true"]').waitFor({ timeout: 30_000 });
    assert.match(await page.locator('.officer-answered').innerText(), /回答 0 \/ 1 室/);
    assert.equal(await tile(page, 'needs_support').getAttribute('data-count'), '0');
    assert.equal(await tile(page, 'unanswered').getAttribute('data-count'), '1');
    assert.equal(await page.locator('#officer-needs-none').count(), 1);
    const clinicReceipts = page.locator(`.officer-org-receipts[data-org="${clinic.id}"]`);
    await clinicReceipts.waitFor();
    assert.match(await clinicReceipts.innerText(), /みなみ診療所/);
    await page.locator('#officer-notice-title').waitFor({ timeout: 30_000 });
    assert.equal((await page.locator('#officer-notice-title').innerText()).trim(), TITLE);
    await screenshots(page, 'officer-dashboard');
    await checkSmallScreen(page, 'officer dashboard');

    // The nurse's screen reader is told of the 緊急 at once (role="alert"), and only once:
    // redrawing the banner leaves the live region untouched.
    const told = nurse.page.locator('#broadcast-announce-alert[role="alert"]');
    await nurse.page.waitForFunction((title) => document.getElementById('broadcast-announce-alert')?.textContent?.includes(title), TITLE, { timeout: 30_000 });
    assert.match(await told.textContent(), /緊急: 避難指示：みなみ川 氾濫の恐れ — 対象地域: みなみ市 みなみ川 流域/);
    assert.equal((await nurse.page.locator('#broadcast-announce-polite').textContent()).trim(), '');
    const mutations = await nurse.page.evaluate(async () => {
      let seen = 0;
      const watch = new MutationObserver((records) => { seen += records.length; });
      watch.observe(document.getElementById('broadcast-announcer'), { subtree: true, childList: true, characterData: true });
      window.dispatchEvent(new HashChangeEvent('hashchange')); // the banner draws again
      await new Promise((done) => setTimeout(done, 500));
      watch.disconnect();
      return seen;
    });
    assert.equal(mutations, 0, 'the banner announced the same notice again on a redraw');

    // The nurse answers 要支援 (医療) for her client's room: the dashboard follows live.
    const answeredAt = Date.now();
    await api(nurse.page, 'PUT', `/broadcasts/${broadcastId}/safety/rooms/${roomId}`, { status: 'needs_support', need: 'medical' });
    await page.locator('#officer-safety-totals .officer-tile[data-status="needs_support"][data-count="1"]').waitFor({ timeout: 15_000 });
    assert.ok(Date.now() - answeredAt < 15_000, 'the dashboard waited for its 30 s refresh instead of the live notice');
    assert.equal(await tile(page, 'unanswered').getAttribute('data-count'), '0');
    assert.match(await page.locator('.officer-answered').innerText(), /回答 1 \/ 1 室/);
    const needs = page.locator(`#officer-needs-list li[data-room="${roomId}"]`);
    assert.match(await needs.innerText(), /みなみ診療所[\s\S]*医療/);
    const alert = page.locator('#officer-needs-alert[role="alert"]');
    await alert.locator('p').waitFor({ timeout: 5_000 });
    assert.match(await alert.innerText(), /新しい要支援: みなみ診療所（医療）/);
    assert.equal(await page.locator('#officer-safety-totals').getAttribute('aria-live'), 'polite');
    // The officer's own 緊急 never covers their screen: they read it as they signed it.
    assert.equal(await page.evaluate(() => window.kizunaOwnOverlayFrames), 0, 'the officer’s own 緊急 was painted over their screen');
    assert.equal(await page.evaluate(() => document.getElementById('app').inert), false);
    await screenshots(page, 'officer-dashboard-needs');
    // The same in English.
    await page.getByRole('button', { name: 'Switch the language to English' }).click();
    await expectHeading(page, 'Receipts and safety check');
    assert.match(await tile(page, 'needs_support').innerText(), /Needs support\s+1/);
    assert.match(await needs.innerText(), /みなみ診療所[\s\S]*Medical/);
    await page.getByRole('button', { name: '表示を日本語に切り替える' }).click();
    await expectHeading(page, '届いた状況・安否確認');

    // The CSV: the clinic's totals, as a normal download with the session cookie.
    const [download] = await Promise.all([page.waitForEvent('download'), page.locator('#officer-csv').click()]);
    const csv = await readFile(await download.path(), 'utf8');
    assert.equal(csv, 'facility,safe,needs_support,unreachable,evacuated,unanswered\r\nみなみ診療所,0,1,0,0,0\r\n');

    // The list names the sender and leads back to the dashboard.
    await page.locator('a[href="#/broadcasts"]').first().click();
    await expectHeading(page, '地域のお知らせ');
    const card = page.locator(`li.broadcast-card[data-broadcast="${broadcastId}"]`);
    await card.waitFor({ timeout: 30_000 });
    assert.match(await card.innerText(), /発信元: みなみ県医師会/);
    await card.locator('.broadcast-status-link').click();
    await expectHeading(page, '届いた状況・安否確認');

    // Closing the check, after a confirmation: later answers are refused.
    await page.locator('#officer-close').click();
    await page.locator('#officer-close-yes').click();
    await page.locator('#officer-check-state[data-open="false"]').waitFor({ timeout: 15_000 });
    assert.match(await page.locator('#officer-check-state').innerText(), /^終了/);
    await assert.rejects(
      api(nurse.page, 'PUT', `/broadcasts/${broadcastId}/safety/rooms/${roomId}`, { status: 'safe' }),
      /409 .*safety_check_closed/,
    );

    const offline = /ERR_INTERNET_DISCONNECTED|net::ERR_FAILED|WebSocket connection/;
    assert.deepEqual(unexpectedProblems(officer.problems, [offline]), [], 'officer: console errors');
    assert.deepEqual(unexpectedProblems(nurse.problems), [], 'nurse: console errors');
  } finally {
    for (const context of contexts) await context.close();
  }
});
