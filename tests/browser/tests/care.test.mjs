// The care notebook in a real browser, between a doctor and a visiting nurse:
// the doctor sets the client's alert thresholds; the nurse records vitals through
// the form (a °F slip is caught at the field before anything is sent, then a fever
// above the doctor's threshold goes out as urgent); the doctor sees the vitals card
// live with the reading flagged in words; the nurse hands over to the next nurse
// with a checklist and the doctor takes it over; the nurse sends a 12 MP wound photo taken
// sideways with GPS in its EXIF, seeing the stripped, upright, resized preview
// first; the doctor opens the thumbnail, then the full image (1536×2048) in a
// dialog that Escape closes; the trend chart shows the readings, the threshold
// line and the flagged point. Screenshots at phone and desktop size.

import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';

import { DESKTOP, PHONE, screenshots } from '../lib/browser.mjs';
import { assertNoPlaintext, bootstrapAdmin, careTeam, checkSmallScreen, unexpectedProblems } from '../lib/flows.mjs';
import { ARTIFACTS, ROOT } from '../lib/server.mjs';
import { browserAndServer } from '../lib/suite.mjs';

const PHOTO = join(ROOT, 'testdata', 'wound-12mp-exif-gps.jpg');

const env = browserAndServer('server-care.log');

/** Like `screenshots`, but of the viewport only: a modal dialog sits in the viewport. */
async function viewportShots(page, name) {
  for (const [label, size] of [
    ['390x844', PHONE],
    ['1280x800', DESKTOP],
  ]) {
    await page.setViewportSize(size);
    await page.screenshot({ path: join(ARTIFACTS, `${name}-${label}.png`) });
  }
  await page.setViewportSize(PHONE);
}

/** The composer tab of a care form (the note composer is the room's own). */
async function openTab(page, id) {
  await page.locator(`.composer-tabs button[data-tab="${id}"]`).click();
}

/** Posts sent to the server's group log so far (POST /groups/{g}/messages). */
const postsSent = (recorded) =>
  recorded.requests.filter((r) => r.method === 'POST' && /\/api\/v1\/groups\/[^/]+\/messages$/.test(r.url)).length;

test('vitals with a field error and a threshold alert, a handover, a wound photo, and the trend chart', async () => {
  const admin = await bootstrapAdmin(env.browser, env.server);
  const { doctor, nurse } = await careTeam(env.browser, env.server, admin, 'care');
  try {
    // The doctor sets the client's thresholds: temperature at most 37.5 °C.
    await doctor.page.getByRole('button', { name: '経過グラフを見る' }).click();
    await doctor.page.locator('.care-thresholds-edit summary').click();
    await doctor.page.getByLabel('体温 上限').fill('37.5');
    await doctor.page.getByLabel('理由（任意、例: 主治医の指示）').fill('主治医の指示');
    await doctor.page.getByRole('button', { name: 'しきい値を送信' }).click();
    const thresholdsCard = (page) => page.locator('.entry-body .care-entry[data-kind="thresholds"]');
    await thresholdsCard(doctor.page).waitFor({ timeout: 30_000 });
    await thresholdsCard(nurse.page).waitFor({ timeout: 30_000 });
    assert.match(await thresholdsCard(nurse.page).innerText(), /体温: 37\.5 °C 以下/);

    // The nurse opens the vitals form.
    const page = nurse.page;
    await openTab(page, 'vitals');
    const temperature = page.getByRole('textbox', { name: '体温', exact: true });
    await temperature.waitFor();
    await checkSmallScreen(page, 'vitals form');
    await screenshots(page, 'care-01-vitals-form');

    // 98.6 (°F by habit): the core refuses it, the form says so at the field and focuses it.
    const before = postsSent(nurse.recorded);
    const entriesBefore = await page.locator('li.entry').count();
    await temperature.fill('98.6');
    await page.getByLabel('脈拍', { exact: true }).fill('92');
    await page.locator('.care-vitals-form button[type="submit"]').click();
    const error = page.locator('#vf-temperature_c-error');
    await error.waitFor();
    assert.match(await error.innerText(), /98\.6 °C はありえない値です.*華氏/);
    assert.equal(await temperature.getAttribute('aria-invalid'), 'true');
    assert.match((await temperature.getAttribute('aria-describedby')) ?? '', /vf-temperature_c-error/);
    assert.equal(await page.evaluate(() => document.activeElement?.id), 'vf-temperature_c');
    await screenshots(page, 'care-02-vitals-field-error');
    await page.waitForTimeout(1_000);
    assert.equal(postsSent(nurse.recorded), before, 'a refused form sent nothing');
    assert.equal(await page.locator('li.entry').count(), entriesBefore, 'nothing was queued');

    // A fever above the doctor's threshold: confirmed, then sent as urgent.
    await temperature.fill('38.4');
    await page.getByLabel('血圧（上）', { exact: true }).fill('128');
    await page.getByLabel('血圧（下）', { exact: true }).fill('76');
    await page.getByLabel('SpO2', { exact: true }).fill('96');
    await page.locator('.care-vitals-form button[type="submit"]').click();
    const confirm = page.locator('.care-confirm');
    await confirm.waitFor();
    assert.match(await confirm.innerText(), /しきい値を外れた値があります。至急として送られます。/);
    assert.match(await confirm.innerText(), /体温 38\.4 °C は設定された上限（37\.5 °C）を超えています/);
    assert.equal(await temperature.getAttribute('aria-invalid'), 'false');
    await page.getByRole('button', { name: 'この内容で送る' }).click();
    await page.locator('.care-vitals-form .notice', { hasText: '送信しました。' }).waitFor();

    // The doctor sees it live: an urgent vitals card with the fever flagged in words.
    const vitalsEntry = doctor.page.locator('li.entry:not(.outgoing)', {
      has: doctor.page.locator('.care-entry[data-kind="vitals"]'),
    });
    await vitalsEntry.waitFor({ timeout: 30_000 });
    assert.equal(await vitalsEntry.getAttribute('data-urgency'), 'urgent');
    const fever = vitalsEntry.locator('.care-reading[data-field="temperature_c"]');
    assert.equal(await fever.getAttribute('data-flag'), 'out_of_range');
    assert.match(await fever.innerText(), /38\.4 °C[\s\S]*しきい値外/);
    assert.match(await vitalsEntry.locator('.care-reading[data-field="blood_pressure"]').innerText(), /128\/76 mmHg/);
    assert.match(await vitalsEntry.locator('.care-reading[data-field="pulse_per_min"]').innerText(), /92\/分/);
    assert.match(await vitalsEntry.innerText(), /至急として表示しています/);

    // A handover to the next nurse with a checklist; the doctor takes it over.
    await openTab(page, 'handover');
    await page.getByLabel('職種を指定').check();
    await page.getByLabel('職種', { exact: true }).selectOption('nurse');
    await page.getByLabel('申し送りの内容').fill('夕方に再検温をお願いします。');
    await page.getByRole('button', { name: '項目を追加' }).click();
    await page.getByLabel('項目 1', { exact: true }).fill('体温を測る');
    await page.getByRole('button', { name: '項目を追加' }).click();
    await page.getByLabel('項目 2', { exact: true }).fill('解熱剤の内服を確認');
    await page.locator('.care-item').nth(1).getByLabel('済み').check();
    await page.getByRole('button', { name: '項目 1 を削除' }).waitFor();
    await page.locator('.care-handover-form button[type="submit"]').click();
    await page.locator('.care-handover-form .notice', { hasText: '送信しました。' }).waitFor();
    const handover = (p) => p.locator('li.entry:not(.outgoing) .care-entry[data-kind="handover"]');
    await handover(doctor.page).waitFor({ timeout: 30_000 });
    const card = await handover(doctor.page).innerText();
    assert.match(card, /宛先: 次の看護師/);
    assert.match(card, /□ 未\s+体温を測る/);
    assert.match(card, /✓ 済\s+解熱剤の内服を確認/);
    assert.match(card, /まだ誰も引き継いでいません/);
    assert.equal(await handover(page).getByRole('button', { name: '引き継ぎを受ける' }).count(), 0, 'not offered to its author');
    await handover(doctor.page).getByRole('button', { name: '引き継ぎを受ける' }).click();
    await handover(doctor.page).locator('.care-taken', { hasText: '引き継ぎました' }).waitFor({ timeout: 30_000 });
    await handover(page).locator('.care-taken', { hasText: /医師 一郎 care さんが引き継ぎました/ }).waitFor({ timeout: 30_000 });
    assert.equal(await handover(page).getByRole('button', { name: '引き継ぎを受ける' }).count(), 0);

    // The nurse sends the wound photo: the preview is what will be sent (upright, smaller).
    await openTab(page, 'photo');
    // A file that is not a photo is refused on the device with the core's words.
    await page.locator('#pf-file').setInputFiles({ name: 'wound.jpg', mimeType: 'image/jpeg', buffer: Buffer.from('not a photo') });
    await page.locator('.care-photo-form [role="alert"]', { hasText: 'このファイルは写真ではありません' }).waitFor({ timeout: 30_000 });
    assert.equal(await page.locator('.care-photo-form button[type="submit"]').isDisabled(), true);
    await page.locator('#pf-file').setInputFiles(PHOTO);
    const preview = page.locator('#pf-preview');
    await preview.waitFor({ timeout: 60_000 });
    await page.waitForFunction(() => document.querySelector('#pf-preview')?.complete === true);
    const shown = await preview.evaluate((img) => ({ w: img.naturalWidth, h: img.naturalHeight }));
    assert.deepEqual(shown, { w: 1536, h: 2048 }, 'upright (taller than wide) and resized');
    assert.match(await page.locator('#pf-preview-info').innerText(), /1536×2048 ピクセル、\d+ KB/);
    await page.getByLabel('説明（例: 仙骨部の褥瘡）').fill('仙骨部の褥瘡');
    await page.getByLabel('部位（任意）').fill('仙骨部');
    await checkSmallScreen(page, 'photo composer');
    await screenshots(page, 'care-03-photo-preview');
    await page.locator('.care-photo-form button[type="submit"]').click();
    await page.locator('.care-photo-form .notice', { hasText: '送信しました。' }).waitFor({ timeout: 30_000 });

    // The doctor sees the thumbnail, then opens the full image.
    const thumb = doctor.page.locator('.care-entry[data-kind="photo"] .care-thumb');
    await thumb.waitFor({ timeout: 30_000 });
    await doctor.page.waitForFunction(
      () => (document.querySelector('.care-entry[data-kind="photo"] .care-thumb img')?.naturalWidth ?? 0) > 0,
    );
    const small = await thumb.locator('img').evaluate((img) => ({ w: img.naturalWidth, h: img.naturalHeight }));
    assert.ok(small.h > small.w && small.h <= 320, `thumbnail ${small.w}×${small.h}`);
    assert.ok((await thumb.locator('img').getAttribute('src')).startsWith('blob:'));
    await thumb.click();
    const dialog = doctor.page.locator('#care-photo-dialog');
    await doctor.page.waitForFunction(() => {
      const img = document.querySelector('#care-photo-dialog .care-full');
      return img instanceof HTMLImageElement && img.complete && img.naturalWidth > 0;
    }, undefined, { timeout: 30_000 });
    const full = await dialog.locator('.care-full').evaluate((img) => ({ w: img.naturalWidth, h: img.naturalHeight }));
    assert.deepEqual(full, { w: 1536, h: 2048 });
    assert.equal(await dialog.evaluate((d) => d.open), true);
    assert.equal(await doctor.page.evaluate(() => document.activeElement?.className), 'secondary care-dialog__close');
    await viewportShots(doctor.page, 'care-04-photo-dialog');
    await doctor.page.keyboard.press('Escape');
    await doctor.page.waitForFunction(() => document.querySelector('#care-photo-dialog')?.open === false);
    assert.match((await doctor.page.evaluate(() => document.activeElement?.className)) ?? '', /care-thumb/);
    // By keyboard: Enter on the focused thumbnail opens it, the close button shuts it.
    await doctor.page.keyboard.press('Enter');
    await doctor.page.waitForFunction(() => document.querySelector('#care-photo-dialog')?.open === true);
    await dialog.getByRole('button', { name: '閉じる' }).click();
    await doctor.page.waitForFunction(() => document.querySelector('#care-photo-dialog')?.open === false);

    // The timeline with the cards, as the doctor sees it.
    await screenshots(doctor.page, 'care-05-timeline');

    // The trend chart: the fever as a flagged point, the threshold line labelled.
    const chart = doctor.page.locator('.care-chart-box[data-chart="temperature"]');
    await chart.waitFor();
    assert.equal(await chart.locator('svg [data-outside="true"]').count(), 1, 'the fever is marked');
    assert.match(await chart.locator('[data-threshold="temperature-max"] text').textContent(), /上限 37\.5 °C/);
    assert.match(await chart.locator('svg').getAttribute('aria-label'), /体温: 1 件、最新 38\.4 °C/);
    const bp = doctor.page.locator('.care-chart-box[data-chart="blood_pressure"]');
    assert.equal(await bp.locator('.care-pt').count(), 2, 'systolic and diastolic points');
    await chart.getByRole('button', { name: '表で見る' }).click();
    assert.match(await chart.locator('table').innerText(), /38\.4 °C\s+◆ しきい値外/);
    await doctor.page.getByRole('button', { name: '30日間' }).click();
    assert.equal(await chart.locator('svg [data-outside="true"]').count(), 1);
    await checkSmallScreen(doctor.page, 'trends');
    await chart.scrollIntoViewIfNeeded();
    await screenshots(doctor.page, 'care-06-trends');

    // The nurse's own timeline shows the same cards (her posts included).
    assert.equal(await page.locator('.care-entry[data-kind="vitals"] .care-reading[data-flag="out_of_range"]').count(), 1);

    // What was typed and photographed left the devices only encrypted (EXIF included).
    const said = ['夕方に再検温をお願いします。', '解熱剤の内服を確認', '仙骨部の褥瘡', '主治医の指示', 'KizunaTestCam', 'patient home'];
    assertNoPlaintext(nurse.recorded, said);
    assertNoPlaintext(doctor.recorded, said);

    assert.deepEqual(unexpectedProblems(nurse.problems), [], 'nurse console errors');
    assert.deepEqual(unexpectedProblems(doctor.problems), [], 'doctor console errors');
  } finally {
    nurse.recorded.save('requests-care-nurse.json');
    await doctor.context.close();
    await nurse.context.close();
    await admin.context.close();
  }
});
