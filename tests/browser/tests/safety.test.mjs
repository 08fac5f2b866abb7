// A safety check (安否確認) in real browsers (issue 14): an association's broadcast
// officer signs a 緊急 notice that opens a safety check and includes families, on the
// officer's own device in the page. A nurse on a 390 px phone, owner of her client's
// room, gets the full-screen alert, acknowledges it, follows the prompt to the safety
// screen and answers 要支援 (医療) for her client with a note for the team. The server
// receives `{status, need}` only; the note arrives in the room's team channel as a
// card. The officer's dashboard counts needs_support 1 with the facility's name. The
// client's daughter, in the room as family, sees the notice but no prompt, and the
// team's note nowhere on her pages. Once the server alters the notice, nothing asks
// for an answer any more. The note is in neither the server's SQLite database nor its
// log. Screenshots in Japanese at 390 and 1280 px, 320 px checks,
// no console errors.

import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';

import { screenshots } from '../lib/browser.mjs';
import {
  api, assertNoPlaintext, bootstrapAdmin, createRoomUi, encodings, inviteStaff, openRoom, registerPerson, roomListReady,
} from '../lib/flows.mjs';
import { unexpectedProblems } from '../lib/member-flows.mjs';
import { officerDevice, officerSends, sql } from '../lib/officer.mjs';
import { browserAndServer } from '../lib/suite.mjs';
import { checkSmallScreen, expectHeading } from '../lib/ui.mjs';

const TITLE = '避難指示：みなみ川流域（安否確認）';
const AREA = 'みなみ市 みなみ川 流域';
const ROOM = '山田 花子 様';
const NOTE = '酸素ボンベ残り2時間';
const CLINIC = 'みなみ訪問看護ステーション';
const PROMPT = '安否確認: 担当の利用者の状況を回答してください';

const env = browserAndServer('server-safety.log');

/** Whether the page holds `text` anywhere: shown text, markup, attributes. */
async function pageHas(page, text) {
  const html = await page.content();
  const shown = await page.evaluate(() => document.body.innerText);
  return html.includes(text) || shown.includes(text);
}

/** Every readable form of `text` found in `bytes` (none is what we want). */
function readableIn(bytes, text) {
  const haystack = [bytes.toString('utf8'), bytes.toString('latin1')];
  return encodings(text).filter((form) => haystack.some((h) => h.includes(form)));
}

test('a nurse answers a safety check for her client; the association gets the status, the note stays with the team', async () => {
  const system = await bootstrapAdmin(env.browser, env.server);
  const association = await api(system.page, 'POST', '/organisations', { name: 'みなみ県医師会', kind: 'association' });
  const clinic = await api(system.page, 'POST', '/organisations', { name: CLINIC, kind: 'nursing_station', parent_id: association.id });
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
    // The nurse opens her client's room; the client's daughter joins it as family.
    const roomId = await createRoomUi(nurse.page, ROOM);
    const invitation = await api(nurse.page, 'POST', `/rooms/${roomId}/invitations`, { role: 'family' });
    const family = await registerPerson(env.browser, env.server, invitation.link, { login: 'yamada.family', name: '山田 ゆき' });
    contexts.push(family.context);
    await roomListReady(family.page);
    await openRoom(family.page, roomId, ROOM, 'family');

    // The officer signs a 緊急 that opens a safety check, for families too.
    await roomListReady(officer.page);
    await officerDevice(officer.page, association.id);
    const page = nurse.page;
    await page.goto(`${env.server.url}/#/`);
    await roomListReady(page);
    const [checkId] = await officerSends(officer.page, association.id, [
      { severity: 'emergency', title: TITLE, area: AREA, body: '担当の利用者の安否を回答してください。', safety_check: true, include_families: true },
    ]);

    // The nurse: the full screen until acknowledged, then the prompt pinned above every screen.
    const overlay = page.locator(`.broadcast-overlay[data-broadcast="${checkId}"]`);
    await overlay.waitFor({ timeout: 30_000 });
    assert.equal((await overlay.locator('.broadcast-title').innerText()).trim(), TITLE);
    await overlay.getByRole('button', { name: '確認しました' }).click();
    await overlay.waitFor({ state: 'detached', timeout: 10_000 });
    const strip = page.locator(`#broadcast-bar .safety-prompt[data-broadcast="${checkId}"]`);
    await strip.waitFor({ timeout: 30_000 });
    assert.match(await strip.innerText(), new RegExp(`${PROMPT}[\\s\\S]*未回答 1 件`));

    // …and in her client's room, the same prompt.
    await page.locator(`.room-card[data-room="${roomId}"] a`).click();
    await expectHeading(page, ROOM);
    const roomPrompt = page.locator(`main .safety-prompt--room[data-broadcast="${checkId}"]`);
    await roomPrompt.waitFor({ timeout: 30_000 });
    assert.match(await roomPrompt.innerText(), new RegExp(PROMPT));
    await screenshots(page, 'safety-01-room-prompt');

    // The safety screen: her room, its name opened on her device, not answered yet.
    await strip.getByRole('link', { name: '安否を回答' }).click();
    await expectHeading(page, '安否確認');
    const item = page.locator(`li.safety-room[data-room="${roomId}"]`);
    await item.waitFor({ timeout: 30_000 });
    assert.equal((await item.locator('.safety-room__name').innerText()).trim(), ROOM);
    assert.match(await item.locator('.safety-status').innerText(), /未回答/);
    assert.equal(await page.locator('li.safety-room').count(), 1);
    assert.equal(await strip.count(), 0, 'the pinned prompt stays on the safety screen itself');
    await checkSmallScreen(page, 'safety screen');
    await screenshots(page, 'safety-02-screen');

    // The form: 要支援, then the kind of support, and the note for the team.
    await item.getByRole('button', { name: '回答する' }).click();
    const form = item.locator('form.safety-form');
    await form.waitFor();
    assert.match(await form.locator('.safety-privacy').innerText(), /医師会には状況の区分だけが届きます。名前やメモはチームだけが読めます。/);
    await form.getByRole('button', { name: '回答を送る' }).click();
    await form.getByRole('alert').filter({ hasText: '状況を選んでください。' }).waitFor();
    await form.getByRole('radio', { name: '要支援' }).check();
    await form.getByRole('button', { name: '回答を送る' }).click();
    await form.getByRole('alert').filter({ hasText: '必要な支援の種類を選んでください。' }).waitFor();
    await form.getByRole('radio', { name: '医療' }).check();
    await form.getByLabel('チームへのメモ（任意）').fill(NOTE);
    await checkSmallScreen(page, 'safety form');
    // The privacy line and the buttons are below the fold on a phone: paint them first.
    await form.getByRole('button', { name: '回答を送る' }).scrollIntoViewIfNeeded();
    await form.getByText('医師会には状況の区分だけが届きます', { exact: false }).waitFor();
    await screenshots(page, 'safety-03-form');
    // The same split, said in English.
    await page.getByRole('button', { name: 'Switch the language to English' }).click();
    await expectHeading(page, 'Safety check');
    assert.match(await form.locator('.safety-privacy').innerText(), /The association receives only the status; names and notes stay with the team\./);
    await page.getByRole('button', { name: '表示を日本語に切り替える' }).click();
    await expectHeading(page, '安否確認');

    const put = page.waitForRequest((r) => r.method() === 'PUT' && r.url().endsWith(`/broadcasts/${checkId}/safety/rooms/${roomId}`));
    const answered = page.waitForResponse((r) => r.request().method() === 'PUT' && r.url().endsWith(`/safety/rooms/${roomId}`));
    await form.getByRole('button', { name: '回答を送る' }).click();
    assert.deepEqual(JSON.parse((await put).postData() ?? 'null'), { status: 'needs_support', need: 'medical' });
    assert.equal((await answered).status(), 204);
    await page.locator('#safety-done').filter({ hasText: '回答しました（要支援（医療））' }).waitFor();
    await item.locator('.safety-status[data-status="needs_support"]').filter({ hasText: '要支援（医療）' }).waitFor();

    // The room's team channel: the answer as a card, with the status in words and a symbol.
    await page.goto(`${env.server.url}/#/rooms/${roomId}/team`);
    await expectHeading(page, ROOM);
    const card = page.locator('li.entry:not(.outgoing) .safety-answer[data-status="needs_support"]');
    await card.waitFor({ timeout: 30_000 });
    const cardText = await card.innerText();
    assert.match(cardText, /要支援（医療）/);
    assert.match(cardText, new RegExp(NOTE));
    assert.match(cardText, new RegExp(`お知らせ: ${TITLE}`));
    assert.equal(await card.locator('.safety-status__icon').innerText(), '!');
    assert.match(await page.locator('li.entry .care-kind').first().innerText(), /安否確認の回答/);
    assert.match(await roomPrompt.innerText(), /安否確認: 回答済み（要支援（医療））/);
    await checkSmallScreen(page, 'safety card');
    await screenshots(page, 'safety-04-card');
    // Nothing the nurse's page sent carried the note readably.
    assertNoPlaintext(nurse.recorded, [NOTE]);

    // The association's dashboard: one 要支援, with the facility to call.
    const board = await api(officer.page, 'GET', `/organisations/${association.id}/broadcasts/${checkId}/safety`);
    assert.equal(board.totals.needs_support, 1, JSON.stringify(board));
    assert.equal(board.needs_support.length, 1);
    assert.equal(board.needs_support[0].facility_name, CLINIC);
    assert.equal(board.needs_support[0].need, 'medical');
    const perFacility = board.facilities.find((f) => f.facility === clinic.id);
    assert.equal(perFacility?.name, CLINIC);
    assert.equal(perFacility?.totals.needs_support, 1);
    assert.ok(!JSON.stringify(board).includes(NOTE) && !JSON.stringify(board).includes('山田'), 'the dashboard holds the note or the name');
    // …and on the officer's dashboard page: the facility to call, no name, no note.
    await officer.page.goto(`${env.server.url}/#/broadcasts/${checkId}/status`);
    const needing = officer.page.locator(`#officer-needs-list li[data-room="${roomId}"]`);
    await needing.waitFor({ timeout: 30_000 });
    assert.equal((await needing.locator('.officer-needs-facility').innerText()).trim(), CLINIC);
    assert.equal(await officer.page.locator('.officer-tile[data-status="needs_support"]').getAttribute('data-count'), '1');
    assert.equal(await pageHas(officer.page, NOTE), false);
    assert.equal(await pageHas(officer.page, ROOM), false);

    // The notice's card in the nurse's list links to the check, with nothing left to answer.
    await page.goto(`${env.server.url}/#/broadcasts`);
    await expectHeading(page, '地域のお知らせ');
    const listed = page.locator(`li.broadcast-card[data-broadcast="${checkId}"] .safety-prompt--card`);
    await listed.getByRole('link', { name: '安否を回答' }).waitFor({ timeout: 30_000 });
    assert.doesNotMatch(await listed.innerText(), /未回答/);
    assert.equal(await page.locator('#broadcast-bar .safety-prompt').count(), 0, 'the prompt stays after every room was answered');

    // The daughter: the notice reaches her, with no prompt, and the note nowhere.
    const fpage = family.page;
    const fOverlay = fpage.locator(`.broadcast-overlay[data-broadcast="${checkId}"]`);
    await fOverlay.waitFor({ timeout: 30_000 });
    await fOverlay.getByRole('button', { name: '確認しました' }).click();
    await fOverlay.waitFor({ state: 'detached', timeout: 10_000 });
    await fpage.goto(`${env.server.url}/#/broadcasts`);
    await expectHeading(fpage, '地域のお知らせ');
    const fCard = fpage.locator(`li.broadcast-card[data-broadcast="${checkId}"][data-standing="official"]`);
    await fCard.waitFor({ timeout: 30_000 });
    assert.match(await fCard.innerText(), /公式/);
    assert.equal(await fpage.locator('.safety-prompt').count(), 0, 'the family member is prompted');
    assert.equal(await pageHas(fpage, NOTE), false);
    await fpage.goto(`${env.server.url}/#/rooms/${roomId}/family`);
    await expectHeading(fpage, ROOM);
    await fpage.locator('.composer').waitFor();
    assert.equal(await fpage.locator('.safety-prompt').count(), 0);
    assert.equal(await pageHas(fpage, NOTE), false);
    // The team channel and the safety screen, typed by hand: nothing of the team's.
    await fpage.goto(`${env.server.url}/#/rooms/${roomId}/team`);
    await fpage.locator('#channel-not-yours').waitFor({ timeout: 30_000 });
    assert.equal(await pageHas(fpage, NOTE), false);
    await fpage.goto(`${env.server.url}/#/broadcasts/${checkId}/safety`);
    await expectHeading(fpage, '安否確認');
    await fpage.locator('#safety-no-rooms').waitFor({ timeout: 30_000 });
    assert.equal(await pageHas(fpage, NOTE), false);
    await screenshots(fpage, 'safety-05-family');

    // The server alters the notice afterwards: it no longer verifies, so nothing asks for
    // an answer, the safety screen only warns, and the card no longer names it.
    sql(env.server, `UPDATE broadcasts SET payload = CAST(REPLACE(CAST(payload AS TEXT), 'みなみ川', 'きた川') AS BLOB) WHERE id = '${checkId}';`);
    await page.goto(`${env.server.url}/#/broadcasts`);
    await expectHeading(page, '地域のお知らせ');
    await page.locator('#broadcasts-refresh').click();
    await page.locator(`li.broadcast-card[data-broadcast="${checkId}"][data-standing="unverified"]`).waitFor({ timeout: 30_000 });
    assert.equal(await page.locator('.safety-prompt').count(), 0, 'an unverified notice still prompts');
    await page.goto(`${env.server.url}/#/broadcasts/${checkId}/safety`);
    await expectHeading(page, '安否確認');
    await page.locator('#safety-not-official').waitFor();
    assert.match(await page.locator('#safety-not-official').innerText(), /回答せず[\s\S]*Do not answer it/);
    assert.equal(await page.locator('li.safety-room, form.safety-form').count(), 0);
    await page.goto(`${env.server.url}/#/rooms/${roomId}/team`);
    await expectHeading(page, ROOM);
    await card.waitFor({ timeout: 30_000 });
    assert.match(await card.innerText(), /公式のものと確認できません/);
    assert.equal(await card.locator('a').count(), 0);
    assert.equal(await page.locator('.safety-prompt').count(), 0);

    // What the server keeps: the coarse answer, and the note in neither its database nor its log.
    assert.equal(sql(env.server, `SELECT status || ',' || need FROM safety_answers WHERE room_id = '${roomId}';`), 'needs_support,medical');
    const dump = Buffer.from(sql(env.server, '.dump'), 'utf8');
    assert.deepEqual(readableIn(dump, NOTE), [], 'the database dump holds the note');
    for (const file of ['kizuna.db', 'kizuna.db-wal']) {
      const path = join(env.server.dataDir, file);
      if (existsSync(path)) assert.deepEqual(readableIn(readFileSync(path), NOTE), [], `${file} holds the note`);
    }
    assert.deepEqual(readableIn(readFileSync(env.server.logPath), NOTE), [], 'the server log holds the note');

    assert.deepEqual(unexpectedProblems(nurse.problems), [], 'nurse: console errors');
    assert.deepEqual(unexpectedProblems(family.problems), [], 'family: console errors');
    assert.deepEqual(unexpectedProblems(officer.problems), [], 'officer: console errors');
  } finally {
    for (const context of contexts) await context.close();
  }
});
