// The inspection record (実地指導) in a real browser: a nurse writes a note and
// corrects it, records vitals, hands over with a checklist and sends a wound photo;
// the doctor writes a note; each reads the other's posts. The doctor opens 「記録を
// 印刷」 from the room, sees the month up to today, and prints to PDF (Chromium's
// Page.printToPDF, as the print dialog's "Save as PDF" does). In the PDF's text
// (pdftotext): the client's name, each author with their role in words, a vital
// value, the handover item, the corrected note's earlier text, who read what, page
// numbers; no button's words. The pages are A4 by the page's own CSS (pdfinfo) and
// the photo is in it as an image (pdfimages). No request made on the record screen
// carries anything that was written. A period without posts says so; a period that
// ends before it starts is refused; English on request.

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';

import { screenshots } from '../lib/browser.mjs';
import {
  assertNoPlaintext, bootstrapAdmin, careTeam, checkSmallScreen, entryWith, expectHeading, sendNote, unexpectedProblems,
} from '../lib/flows.mjs';
import { ARTIFACTS, ROOT } from '../lib/server.mjs';
import { browserAndServer } from '../lib/suite.mjs';

const PHOTO = join(ROOT, 'testdata', 'wound-12mp-exif-gps.jpg');

const env = browserAndServer('server-inspection-record.log');

/** The composer tab of a care form. */
const openTab = (page, id) => page.locator(`.composer-tabs button[data-tab="${id}"]`).click();

/** Waits until the author's own post (found by `has`) shows 既読 1/1. */
async function readByTheOther(page, hasSelector, text) {
  await page.waitForFunction(
    ([selector, wanted]) => [...document.querySelectorAll('li.entry:not(.outgoing)')].some((li) =>
      li.querySelector(selector) !== null && (wanted === null || li.textContent.includes(wanted)) &&
      li.querySelector('.read-count')?.textContent.trim() === '既読 1/1'),
    [hasSelector, text],
    { timeout: 30_000 },
  );
}

/** The PDF's text in one line per line, spaces squeezed (pdftotext keeps the reading order). */
function pdfText(file) {
  return execFileSync('pdftotext', ['-enc', 'UTF-8', file, '-'], { encoding: 'utf8' }).replace(/[ \t]+/g, ' ');
}

test('the inspection record prints every post, its author and role, vitals, handover, correction and readers to an A4 PDF', { timeout: 300_000 }, async () => {
  const admin = await bootstrapAdmin(env.browser, env.server);
  const { doctor, nurse, roomId, roomName } = await careTeam(env.browser, env.server, admin, 'rec');
  const earlier = '夕食は半分 record-earlier-7f3a';
  const corrected = '夕食は全部 record-corrected-7f3a';
  const item = '手すりのぐらつきを確認 record-item-7f3a';
  const caption = '右踵の発赤 record-caption-7f3a';
  const doctorNote = '往診で内服を変更 record-doctor-7f3a';
  try {
    // The nurse's note, then its correction (the original stays in the history).
    const page = nurse.page;
    await sendNote(page, earlier);
    await entryWith(page, earlier).waitFor({ timeout: 30_000 });
    await entryWith(page, earlier).getByRole('button', { name: '訂正する' }).click();
    await page.getByLabel('訂正した内容').fill(corrected);
    await page.locator('#send-note').click();
    await entryWith(page, corrected).waitFor({ timeout: 30_000 });

    // Vitals.
    await openTab(page, 'vitals');
    await page.getByRole('textbox', { name: '体温', exact: true }).fill('36.9');
    await page.getByLabel('脈拍', { exact: true }).fill('74');
    await page.locator('.care-vitals-form button[type="submit"]').click();
    await page.locator('.care-vitals-form .notice', { hasText: '送信しました。' }).waitFor({ timeout: 30_000 });

    // A handover with one checklist item.
    await openTab(page, 'handover');
    await page.getByLabel('申し送りの内容').fill('次回の訪問で確認してください。');
    await page.getByRole('button', { name: '項目を追加' }).click();
    await page.getByLabel('項目 1', { exact: true }).fill(item);
    await page.locator('.care-handover-form button[type="submit"]').click();
    await page.locator('.care-handover-form .notice', { hasText: '送信しました。' }).waitFor({ timeout: 30_000 });

    // A wound photo with its caption and site.
    await openTab(page, 'photo');
    await page.locator('#pf-file').setInputFiles(PHOTO);
    await page.locator('#pf-preview').waitFor({ timeout: 60_000 });
    await page.getByLabel('説明（例: 仙骨部の褥瘡）').fill(caption);
    await page.getByLabel('部位（任意）').fill('右踵');
    await page.locator('.care-photo-form button[type="submit"]').click();
    await page.locator('.care-photo-form .notice', { hasText: '送信しました。' }).waitFor({ timeout: 30_000 });

    // The doctor has it all on screen (so has read it), and writes a note the nurse reads.
    await doctor.page.locator('li.entry:not(.outgoing) .care-entry[data-kind="photo"]').waitFor({ timeout: 30_000 });
    await readByTheOther(page, '.care-entry[data-kind="photo"]', null);
    await sendNote(doctor.page, doctorNote);
    await entryWith(nurse.page, doctorNote).waitFor({ timeout: 30_000 });
    await readByTheOther(doctor.page, '.note-text', doctorNote);

    // The record, from the room's header.
    const start = doctor.recorded.requests.length;
    const record = doctor.page;
    await record.getByRole('link', { name: '記録を印刷' }).click();
    await record.waitForURL(new RegExp(`#/rooms/${roomId}/record$`));
    await expectHeading(record, `実地指導用の記録 — ${roomName}`);
    await record.locator('.record-sheet[data-ready="true"]').waitFor({ timeout: 30_000 });
    await record.waitForFunction(() => {
      const img = document.querySelector('img.record-photo');
      return img instanceof HTMLImageElement && img.complete && img.naturalWidth > 0;
    }, undefined, { timeout: 30_000 });
    assert.ok((await record.locator('img.record-photo').getAttribute('src')).startsWith('blob:'), 'decrypted here');
    const team = record.locator('.record-channel[data-channel="team"]');
    // The note (corrected), vitals, handover, photo and the doctor's note.
    assert.equal(await team.locator('.record-entry').count(), 5);
    assert.match(await record.locator('.record-period').innerText(), /〜/);
    await checkSmallScreen(record, 'record');
    await screenshots(record, 'inspection-record-01-screen');

    // Printed to PDF, the page's own @page size winning over the default (Letter).
    const file = join(ARTIFACTS, 'inspection-record.pdf');
    writeFileSync(file, await record.pdf({ preferCSSPageSize: true, printBackground: true }));
    const info = execFileSync('pdfinfo', [file], { encoding: 'utf8' });
    assert.match(info, /Page size:\s+59[45](\.\d+)? x 84[12](\.\d+)? pts \(A4\)/, info);
    const pages = Number(/Pages:\s+(\d+)/.exec(info)?.[1]);
    assert.ok(pages >= 1, info);
    const text = pdfText(file);
    writeFileSync(join(ARTIFACTS, 'inspection-record.txt'), text);
    const flat = text.replace(/\s+/g, '');
    const has = (wanted, what) => assert.ok(flat.includes(wanted.replace(/\s+/g, '')), `the PDF lacks ${what}: ${wanted}`);
    has(roomName, 'the client name');
    has('在宅クリニック rec', 'the facility');
    has('看護 花子 rec（専門職）', 'the nurse with her role');
    has('医師 一郎 rec（オーナー（ルームの作成者））', 'the doctor with his role');
    has('36.9 °C', 'a vital value');
    has('74/分', 'a vital value');
    has(item, 'the handover item');
    has(corrected, 'the corrected note');
    has(earlier, "the correction's earlier text");
    has('訂正の履歴', 'the correction history');
    has(caption, "the photo's caption");
    has('部位: 右踵', "the photo's site");
    has('既読: 医師 一郎 rec', 'the doctor as a reader');
    has('既読: 看護 花子 rec', 'the nurse as a reader');
    has(`1 / ${pages}`, 'the page numbers');
    for (const button of ['ルームに戻る', '開始日', 'PDF に保存', '本文へ移動', 'English', 'メンバーと招待']) {
      assert.ok(!flat.includes(button.replace(/\s+/g, '')), `the PDF shows a control: ${button}`);
    }
    assert.ok(!text.split('\n').some((line) => line.trim() === '印刷'), 'the PDF shows the print button');
    const images = execFileSync('pdfimages', ['-list', file], { encoding: 'utf8' });
    assert.ok(images.split('\n').slice(2).some((row) => row.trim() !== ''), `no image in the PDF:\n${images}`);

    // Nothing that was written left the doctor's page while on the record screen.
    const during = { requests: doctor.recorded.requests.slice(start) };
    assert.ok(during.requests.some((r) => /\/api\/v1\/blobs\//.test(r.url)), 'the photo came as ciphertext');
    assertNoPlaintext(during, [earlier, corrected, item, caption, doctorNote, '右踵']);
    assert.deepEqual(
      during.requests.filter((r) => r.method !== 'GET' && r.method !== 'WS' && !/\/read$/.test(r.url)).map((r) => `${r.method} ${r.url}`),
      [],
      'the record screen only reads',
    );

    // A period with nothing in it says so; an end before the start is refused.
    const tomorrow = new Date(Date.now() + 24 * 60 * 60 * 1000);
    const day = `${tomorrow.getFullYear()}-${String(tomorrow.getMonth() + 1).padStart(2, '0')}-${String(tomorrow.getDate()).padStart(2, '0')}`;
    await record.getByLabel('終了日').fill(day);
    await record.getByLabel('開始日').fill(day);
    await team.locator('.record-empty', { hasText: 'この期間の記録はありません。' }).waitFor();
    await record.getByLabel('開始日').fill(`${tomorrow.getFullYear() + 1}-01-01`);
    await record.locator('#record-range-error', { hasText: '終了日は開始日と同じ日か' }).waitFor();
    assert.equal(await record.getByLabel('開始日').getAttribute('aria-invalid'), 'true');

    // In English on request.
    await record.getByRole('button', { name: 'Switch the language to English' }).click();
    await record.getByRole('button', { name: 'Print', exact: true }).waitFor();
    await expectHeading(record, `Record for an on-site inspection — ${roomName}`);
    await record.getByRole('button', { name: '表示を日本語に切り替える' }).click();

    assert.deepEqual(unexpectedProblems(doctor.problems), [], 'doctor console errors');
  } finally {
    doctor.recorded.save('requests-inspection-record-doctor.json');
    await doctor.context.close();
    await nurse.context.close();
    await admin.context.close();
  }
});
