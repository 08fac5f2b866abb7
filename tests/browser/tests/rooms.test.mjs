// The heart of the product in two real browsers: a doctor and a nurse register
// through their invitation links, the doctor opens a client's room through the UI
// and invites the nurse; both open it; the doctor's note reaches the nurse live,
// the nurse's reply reaches the doctor live, "既読 1/1" appears under the doctor's
// note once the nurse has read it, and the doctor's correction shows on the nurse's
// screen with its history. A reload keeps everything (sealed IndexedDB, the same
// device). Nothing readable ever leaves either page: every request body and every
// WebSocket frame is checked for the marker text, as is, in hex and in base64.

import assert from 'node:assert/strict';
import { test } from 'node:test';

import { screenshots } from '../lib/browser.mjs';
import {
  api, assertNoPlaintext, bootstrapAdmin, careTeam, checkSmallScreen, entryWith, expectHeading, marker, sendNote, unexpectedProblems,
} from '../lib/flows.mjs';
import { browserAndServer } from '../lib/suite.mjs';

const env = browserAndServer('server-rooms.log');

test('doctor and nurse share a room end-to-end encrypted, live', { timeout: 300_000 }, async () => {
  const admin = await bootstrapAdmin(env.browser, env.server);
  const { doctor, nurse, roomId, roomName } = await careTeam(env.browser, env.server, admin);
  const note = marker('体温 37.2℃ 食事は半分');
  const reply = marker('了解しました 夕方に再訪');
  const corrected = marker('訂正 体温 37.4℃');
  const urgentNote = marker('呼吸が苦しそう すぐ連絡を');
  try {
    // The doctor writes; the nurse sees it without reloading.
    await sendNote(doctor.page, note, 'soon');
    await entryWith(doctor.page, note).waitFor({ timeout: 30_000 });
    const atNurse = entryWith(nurse.page, note);
    await atNurse.waitFor({ timeout: 30_000 });
    assert.equal(await atNurse.getAttribute('data-urgency'), 'soon');
    assert.match((await atNurse.locator('.author').textContent()) ?? '', /医師 一郎/);
    assert.equal(await atNurse.locator('.badge').textContent(), '本日中');

    // Read receipts: the nurse has the note on screen, so the doctor sees 既読 1/1.
    const receipt = entryWith(doctor.page, note).locator('.read-count');
    await doctor.page.waitForFunction(
      (text) => [...document.querySelectorAll('li.entry')].some((li) => li.textContent.includes(text) && li.querySelector('.read-count')?.textContent.trim() === '既読 1/1'),
      note,
      { timeout: 30_000 },
    );
    await receipt.click();
    await entryWith(doctor.page, note).locator('.receipts li', { hasText: '看護 花子' }).waitFor();

    // The nurse replies; the doctor sees the reply live, quoting the note.
    await atNurse.getByRole('button', { name: '返信する' }).click();
    await nurse.page.getByLabel('返信を書く').fill(reply);
    const sentAt = Date.now();
    await nurse.page.locator('#send-note').click();
    const replyAtDoctor = entryWith(doctor.page, reply);
    await replyAtDoctor.waitFor({ timeout: 30_000 });
    // The doctor created the room (and its channels) in this page, never reloaded:
    // the post arrives over the live link, not the 20-second refresh.
    const took = Date.now() - sentAt;
    assert.ok(took < 2_500, `the reply reached the room's creator after ${took} ms, not live`);
    assert.match((await replyAtDoctor.locator('.reply-quote').textContent()) ?? '', /観察メモ 体温/);

    // The doctor corrects the note; the nurse sees the correction and the history.
    await entryWith(doctor.page, note).getByRole('button', { name: '訂正する' }).click();
    await doctor.page.getByLabel('訂正した内容').fill(corrected);
    await doctor.page.locator('#send-note').click();
    const amended = entryWith(nurse.page, corrected);
    await amended.waitFor({ timeout: 30_000 });
    await amended.locator('.amended-mark', { hasText: '訂正あり' }).waitFor();
    await amended.locator('.history summary').click();
    await amended.locator('.history li', { hasText: note }).waitFor();
    assert.equal(await entryWith(nurse.page, note).count(), 0, 'the original is shown only in the history');

    await checkSmallScreen(doctor.page, 'room');
    await screenshots(doctor.page, 'rooms-01-room-doctor');
    await screenshots(nurse.page, 'rooms-02-room-nurse');

    // The room list: an urgent note from the nurse shows up live as unread and urgent.
    await doctor.page.goto(`${env.server.url}/#/`);
    const card = doctor.page.locator(`.room-card[data-room="${roomId}"]`);
    await card.waitFor();
    await sendNote(nurse.page, urgentNote, 'urgent');
    await card.locator('.badge.unread[data-unread="1"]').waitFor({ timeout: 30_000 });
    await card.locator('.badge.urgent', { hasText: '至急あり' }).waitFor();
    await checkSmallScreen(doctor.page, 'room list');
    await screenshots(doctor.page, 'rooms-03-room-list');
    await card.locator('a').click();
    await expectHeading(doctor.page, roomName);
    await entryWith(doctor.page, urgentNote).waitFor();
    await doctor.page.goto(`${env.server.url}/#/`);
    await card.waitFor();
    await doctor.page.waitForFunction((id) => !document.querySelector(`.room-card[data-room="${id}"] .badge`), roomId, { timeout: 15_000 });
    await doctor.page.goto(`${env.server.url}/#/rooms/${roomId}/team`);
    await expectHeading(doctor.page, roomName);

    // The family channel is a separate group: its tab opens it, empty so far.
    await doctor.page.locator('.channel-tabs a[data-channel="family"]').click();
    await doctor.page.waitForURL(new RegExp(`#/rooms/${roomId}/family$`));
    await doctor.page.locator('#no-posts').waitFor();
    await doctor.page.locator('.composer').waitFor();
    // In English on request.
    await doctor.page.getByRole('button', { name: 'Switch the language to English' }).click();
    await doctor.page.getByRole('button', { name: 'Send', exact: true }).waitFor();
    await doctor.page.getByText('No notes yet.').waitFor();
    await doctor.page.getByRole('button', { name: '表示を日本語に切り替える' }).click();
    await doctor.page.locator('.channel-tabs a[data-channel="team"]').click();
    await entryWith(doctor.page, urgentNote).waitFor();

    // A reload keeps everything: the session's wrap opens the vault (no passkey while
    // the session lives: vault.ts), posts come from the sealed cache, and no new
    // device is registered.
    const devicesBefore = (await api(doctor.page, 'GET', '/me/devices')).length;
    assert.equal(devicesBefore, 1, 'one device per browser');
    await doctor.page.reload();
    await expectHeading(doctor.page, roomName);
    await entryWith(doctor.page, corrected).waitFor({ timeout: 30_000 });
    await entryWith(doctor.page, reply).waitFor();
    await doctor.page.locator('.connection[data-live="open"]').waitFor({ timeout: 30_000 });
    const devicesAfter = await api(doctor.page, 'GET', '/me/devices');
    assert.equal(devicesAfter.length, 1, 'the reload registered another device');

    // Nothing readable left either page; no console errors, no CSP violations.
    const sockets = [...doctor.recorded.requests, ...nurse.recorded.requests].filter((r) => r.method === 'WS');
    assert.ok(sockets.length > 0, 'no WebSocket frames were recorded');
    const posted = [...doctor.recorded.requests, ...nurse.recorded.requests].filter((r) => /\/messages$/.test(r.url));
    assert.ok(posted.length >= 3, 'the posts were not seen leaving the pages');
    assertNoPlaintext(doctor.recorded, [note, reply, corrected, urgentNote]);
    assertNoPlaintext(nurse.recorded, [note, reply, corrected, urgentNote]);
    for (const person of [doctor, nurse, admin]) {
      assert.deepEqual(unexpectedProblems(person.problems), [], `${person.login}: console errors`);
    }
  } finally {
    doctor.recorded.save('requests-rooms-doctor.json');
    nurse.recorded.save('requests-rooms-nurse.json');
    await Promise.all([doctor.context.close(), nurse.context.close(), admin.context.close()]);
  }
});
