// Access records in a real browser: a nurse of a visiting-nurse station creates a
// room, posts a note and a wound photo, and opens the room again (the server records
// the read of the log); the station's facility administrator opens 「アクセス記録」
// from the facility tabs, picks the nurse and sees a row naming her, her device,
// the action in words and the room; picking the room shows the same; the CSV button
// downloads a file with a UTF-8 BOM, the bilingual header and the nurse's name.
// The nurse, going to the same screen, is refused and sees no records.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';

import { screenshots } from '../lib/browser.mjs';
import {
  bootstrapAdmin,
  createOrganisation,
  createRoomUi,
  entryWith,
  expectHeading,
  inviteStaff,
  openRoom,
  registerPerson,
  roomListReady,
  sendNote,
} from '../lib/flows.mjs';
import { unexpectedProblems } from '../lib/member-flows.mjs';
import { ROOT } from '../lib/server.mjs';
import { browserAndServer } from '../lib/suite.mjs';
import { answerOf, checkSmallScreen } from '../lib/ui.mjs';

const PHOTO = join(ROOT, 'testdata', 'wound-12mp-exif-gps.jpg');
const HEADER = '日時 / When,氏名 / Person,端末 / Device,操作 / Action,部屋 / Room,チャンネル / Channel,範囲 / Range';
const NURSE = { login: 'nurse.access', name: '看護 花子', device: '花子の業務用スマホ' };
const CHIEF = { login: 'chief.access', name: '所長 鈴木', device: '事務所のPC' };
const ROOM = '山田 太郎 様';
// The device the records name: this browser as a messaging device (engine/device.ts
// names it), which the session is bound to — not the passkey's name typed at
// registration (NURSE.device).
const BROWSER_DEVICE = 'ブラウザ (Chrome)';

const env = browserAndServer('server-access-records.log');

const goHash = (page, hash) => page.evaluate((h) => (location.hash = h), hash);

/** The rows of the records table, as { action, cells } with the cells' text. */
async function rows(page) {
  return page.locator('#access-table tbody tr').evaluateAll((trs) =>
    trs.map((tr) => ({
      action: tr.getAttribute('data-action'),
      cells: [...tr.querySelectorAll('td')].map((td) => td.textContent.trim()),
    })),
  );
}

/** Asserts a room-read row naming the nurse, her device, the action in words and the room. */
function assertNurseRead(found, roomId, how) {
  const reads = found.filter((r) => r.action === 'room.read');
  assert.ok(reads.length > 0, `${how}: no room read listed: ${JSON.stringify(found)}`);
  const row = reads.find((r) => r.cells[1] === NURSE.name);
  assert.ok(row, `${how}: no read by ${NURSE.name}: ${JSON.stringify(reads)}`);
  const [when, , device, action, room] = row.cells;
  assert.match(when, /\d{4}\/\d{1,2}\/\d{1,2} \d{1,2}:\d{2}:\d{2}/, `${how}: time ${when}`);
  assert.equal(device, BROWSER_DEVICE, `${how}: device`);
  assert.equal(action, '記録を閲覧', `${how}: action`);
  assert.ok(room.includes(`部屋 ${roomId.slice(0, 8)}`), `${how}: room ${room}`);
  assert.ok(room.includes(`${NURSE.name} が`), `${how}: the room's maker in ${room}`);
}

test('a facility administrator sees who read a room, by person and by room, and downloads the CSV; a nurse is refused', async () => {
  const admin = await bootstrapAdmin(env.browser, env.server);
  const station = await createOrganisation(admin, '絆訪問看護ステーション', 'nursing_station');
  const nurse = await registerPerson(env.browser, env.server, await inviteStaff(admin, station.id, NURSE.name, 'nurse'), NURSE);
  const chief = await registerPerson(
    env.browser,
    env.server,
    await inviteStaff(admin, station.id, CHIEF.name, 'facility_admin'),
    CHIEF,
  );
  try {
    // The nurse creates a room, posts a note and a wound photo.
    const roomId = await createRoomUi(nurse.page, ROOM);
    await nurse.page.locator('.composer').waitFor();
    const note = '訪問時、表情良好。';
    await sendNote(nurse.page, note);
    await entryWith(nurse.page, note).waitFor({ timeout: 30_000 });
    await nurse.page.locator('.composer-tabs button[data-tab="photo"]').click();
    await nurse.page.locator('#pf-file').setInputFiles(PHOTO);
    await nurse.page.locator('#pf-preview').waitFor({ timeout: 60_000 });
    await nurse.page.getByLabel('説明（例: 仙骨部の褥瘡）').fill('仙骨部の褥瘡');
    await nurse.page.locator('.care-photo-form button[type="submit"]').click();
    await nurse.page.locator('.care-photo-form .notice', { hasText: '送信しました。' }).waitFor({ timeout: 30_000 });

    // She opens the room again from a fresh load: her device reads the log.
    await nurse.page.goto(`${env.server.url}/#/`);
    await roomListReady(nurse.page);
    const read = answerOf(nurse.page, `/api/v1/groups/${roomId}/messages`).catch(() => null);
    await openRoom(nurse.page, roomId, ROOM);
    await entryWith(nurse.page, note).waitFor({ timeout: 30_000 });
    await nurse.page.locator('.care-entry[data-kind="photo"] .care-thumb img').waitFor({ timeout: 30_000 });
    await read;

    // The facility administrator opens the facility and its 「アクセス記録」 tab.
    const page = chief.page;
    await goHash(page, `#/admin/${station.id}`);
    await expectHeading(page, '絆訪問看護ステーション の管理');
    await page.locator('#admin-tab-access').click();
    await page.waitForFunction((id) => location.hash === `#/admin/${id}/access`, station.id);
    await page.locator('#access-title').waitFor();
    assert.equal(await page.locator('#admin-tab-access').getAttribute('aria-current'), 'page');
    await page.locator('#access-table').waitFor({ timeout: 30_000 });

    // By person: the nurse.
    const picker = page.getByLabel('職員', { exact: true });
    const staffOffered = await picker.locator('option').allTextContents();
    assert.ok(staffOffered.includes(NURSE.name), `staff offered: ${staffOffered}`);
    await picker.selectOption({ label: NURSE.name });
    const byPerson = answerOf(page, `/api/v1/organisations/${station.id}/access`);
    await page.locator('#access-show').click();
    const personAnswer = await byPerson;
    assert.equal(personAnswer.status(), 200);
    assert.match(personAnswer.url(), new RegExp(`person=${nurse.userId}`));
    await page.waitForFunction(() => document.querySelector('section[aria-busy="false"] #access-table') !== null);
    const personRows = await rows(page);
    assertNurseRead(personRows, roomId, 'by person');
    assert.ok(personRows.every((r) => r.cells[1] === NURSE.name), 'only the nurse listed');
    const downloads = personRows.filter((r) => r.action === 'blob.download');
    assert.ok(downloads.length > 0, 'the photo fetched by her device is listed');
    for (const d of downloads) {
      assert.equal(d.cells[3], '写真・ファイルを取得');
      assert.match(d.cells[5], /^ファイル [0-9a-f]{8}$/);
    }
    await checkSmallScreen(page, 'access records by person');
    await screenshots(page, 'access-01-by-person');

    // By room: the same read.
    await page.locator('#access-mode-room').click();
    assert.equal(await page.locator('#access-mode-room').getAttribute('aria-pressed'), 'true');
    const roomPicker = page.getByLabel('部屋', { exact: true });
    const roomOption = roomPicker.locator('option', { hasText: roomId.slice(0, 8) });
    assert.equal(await roomOption.count(), 1, 'the room is offered by its ID and maker');
    await roomPicker.selectOption(await roomOption.getAttribute('value'));
    const byRoom = answerOf(page, `/api/v1/organisations/${station.id}/access`);
    await page.locator('#access-show').click();
    const roomAnswer = await byRoom;
    assert.equal(roomAnswer.status(), 200);
    assert.match(roomAnswer.url(), new RegExp(`room=${roomId}`));
    await page.waitForFunction(() => document.querySelector('section[aria-busy="false"] #access-table') !== null);
    const roomRows = await rows(page);
    assertNurseRead(roomRows, roomId, 'by room');
    assert.ok(roomRows.every((r) => r.cells[4].includes(roomId.slice(0, 8))), 'only the room listed');
    await screenshots(page, 'access-02-by-room');

    // The CSV: a real download, UTF-8 with a BOM, the bilingual header, the nurse's name.
    const downloading = page.waitForEvent('download', { timeout: 30_000 });
    await page.locator('#access-csv').click();
    const download = await downloading;
    assert.match(download.suggestedFilename(), /^access-records-.+\.csv$/);
    const bytes = readFileSync(await download.path());
    assert.deepEqual([...bytes.subarray(0, 3)], [0xef, 0xbb, 0xbf], 'starts with a UTF-8 BOM');
    const csv = bytes.subarray(3).toString('utf8');
    assert.equal(csv.split('\r\n')[0], HEADER);
    assert.ok(csv.includes(`"${NURSE.name}"`), 'the nurse is named');
    assert.ok(csv.includes(`"${BROWSER_DEVICE}"`), 'her device is named');
    assert.ok(csv.includes('記録を閲覧 / Read the record'), 'the read in words');
    assert.ok(csv.includes(roomId), 'the room');
    await page.locator('.notice', { hasText: 'CSV をダウンロードしました。' }).waitFor();

    // The nurse goes to the same screen: refused, no records, no facility tabs.
    await goHash(nurse.page, `#/admin/${station.id}/access`);
    await nurse.page.locator('#access-title').waitFor();
    const refusal = nurse.page.locator('#access-title ~ [role="alert"], section [role="alert"]').first();
    await refusal.waitFor({ timeout: 30_000 });
    assert.ok((await refusal.innerText()).trim().length > 0, 'the refusal is in words');
    assert.equal(await nurse.page.locator('#access-table').count(), 0, 'no records shown to the nurse');
    assert.doesNotMatch(await nurse.page.locator('#access-title').locator('..').innerText(), /読み込み中/, 'not "loading" forever');
    assert.equal(await nurse.page.locator('#admin-tab-access').count(), 0, 'no facility tabs for the nurse');
    const direct = await nurse.page.evaluate(async (org) => (await fetch(`/api/v1/organisations/${org}/access`)).status, station.id);
    assert.equal(direct, 403);
    const csvDirect = await nurse.page.evaluate(async (org) => (await fetch(`/api/v1/organisations/${org}/access.csv`)).status, station.id);
    assert.equal(csvDirect, 403);
    await screenshots(nurse.page, 'access-03-nurse-refused');

    assert.deepEqual(unexpectedProblems(chief.problems), [], 'administrator console errors');
    assert.deepEqual(unexpectedProblems(nurse.problems), [], 'nurse console errors');
  } finally {
    await nurse.context.close();
    await chief.context.close();
    await admin.context.close();
  }
});
