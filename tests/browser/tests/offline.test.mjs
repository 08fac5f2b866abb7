// Writing without a network: the nurse goes offline, writes a note, sees it
// "送信待ち" (waiting to send); when the network returns the post is sent — and the
// first answer is lost on the way back, so the client sends again with the same
// idempotency key — and the doctor sees it exactly once, as does the server's log.
// Then, offline again, a reload still opens the room from what the device keeps
// (service worker shell + sealed IndexedDB cache) after the passkey opens the vault;
// a note written then survives another reload and is sent when the network is back;
// a post the server refuses for good shows as failed until it is discarded.

import assert from 'node:assert/strict';
import { test } from 'node:test';

import { screenshots } from '../lib/browser.mjs';
import {
  api, assertNoPlaintext, bootstrapAdmin, careTeam, entryWith, expectHeading, marker, sendNote, unexpectedProblems,
} from '../lib/flows.mjs';
import { browserAndServer } from '../lib/suite.mjs';

const env = browserAndServer('server-offline.log');

/** Post entries in the room's team log, as the doctor's session fetches them. */
async function postsInLog(page, roomId) {
  const entries = await api(page, 'GET', `/groups/${encodeURIComponent(`${roomId}/team`)}/messages?after=0&limit=500`);
  return entries.filter((e) => e.kind === 'post').length;
}

test('a note written offline is sent once when the network returns', { timeout: 300_000 }, async () => {
  const admin = await bootstrapAdmin(env.browser, env.server);
  const { doctor, nurse, roomId, roomName } = await careTeam(env.browser, env.server, admin, 'off');
  const first = marker('訪問前の連絡');
  const offlineNote = marker('電波なしで記録');
  const keptNote = marker('再読み込みしても残る');
  const refusedNote = marker('受け付けられない記録');
  try {
    // A first post, so both sides are known to be live.
    await sendNote(doctor.page, first);
    await entryWith(nurse.page, first).waitFor({ timeout: 30_000 });
    const before = await postsInLog(doctor.page, roomId);

    // Offline: the note is kept and shown as waiting.
    await nurse.context.setOffline(true);
    await nurse.page.locator('.connection[data-live="offline"]').waitFor();
    await sendNote(nurse.page, offlineNote, 'urgent');
    const waiting = nurse.page.locator('li.entry.outgoing', { hasText: offlineNote });
    await waiting.waitFor();
    assert.equal(await waiting.getAttribute('data-state'), 'waiting');
    await waiting.locator('.send-state', { hasText: '送信待ち' }).waitFor();
    await nurse.page.waitForTimeout(1_500);
    assert.equal(await waiting.getAttribute('data-state'), 'waiting', 'still waiting while offline');
    await screenshots(nurse.page, 'offline-01-waiting');

    // Back online, but the server's first answer to the post is lost: the client
    // cannot know it was stored and sends it again (same idempotency key).
    let swallowed = 0;
    await nurse.page.route('**/api/v1/groups/*/messages', async (route) => {
      const request = route.request();
      if (request.method() === 'POST' && swallowed === 0 && (request.postData() ?? '').includes('"kind":"post"')) {
        swallowed += 1;
        await route.fetch();
        await route.abort('connectionreset');
        return;
      }
      await route.continue();
    });
    await nurse.context.setOffline(false);
    await entryWith(nurse.page, offlineNote).waitFor({ timeout: 60_000 });
    await waiting.waitFor({ state: 'detached' });
    assert.equal(swallowed, 1, 'the lost answer was not exercised');
    await nurse.page.unroute('**/api/v1/groups/*/messages');

    // The doctor sees it once, live; the log holds it once.
    const atDoctor = entryWith(doctor.page, offlineNote);
    await atDoctor.waitFor({ timeout: 30_000 });
    assert.equal(await atDoctor.getAttribute('data-urgency'), 'urgent');
    await doctor.page.waitForTimeout(2_000);
    assert.equal(await entryWith(doctor.page, offlineNote).count(), 1, 'shown more than once');
    assert.equal(await postsInLog(doctor.page, roomId), before + 1, 'stored more than once');

    // Offline again, reload: the service worker serves the shell, the passkey opens
    // the vault (offline the session cannot be checked, so its wrap is not used),
    // and the room shows what this device keeps.
    await nurse.page.goto(`${env.server.url}/#/rooms/${roomId}/team`);
    await nurse.page.evaluate(() => navigator.serviceWorker?.ready);
    await nurse.context.setOffline(true);
    await nurse.page.reload();
    await nurse.page.getByRole('button', { name: 'パスキーで開く' }).click();
    await expectHeading(nurse.page, roomName);
    await entryWith(nurse.page, offlineNote).waitFor({ timeout: 30_000 });
    await entryWith(nurse.page, first).waitFor();
    // (After a reload Chromium's emulated offline mode may still report
    // navigator.onLine; either way the page says it is not connected.)
    await nurse.page.locator('.connection[data-live="offline"], .connection[data-live="closed"]').waitFor();
    await screenshots(nurse.page, 'offline-02-reload-offline');

    // Written offline, then the page is reloaded (still offline): the note is still
    // waiting, and it goes out once the network is back.
    await sendNote(nurse.page, keptNote);
    await nurse.page.locator('li.entry.outgoing[data-state="waiting"]', { hasText: keptNote }).waitFor();
    await nurse.page.reload();
    await nurse.page.getByRole('button', { name: 'パスキーで開く' }).click();
    await nurse.page.locator('li.entry.outgoing[data-state="waiting"]', { hasText: keptNote }).waitFor();
    await nurse.context.setOffline(false);
    await entryWith(nurse.page, keptNote).waitFor({ timeout: 60_000 });
    await entryWith(doctor.page, keptNote).waitFor({ timeout: 30_000 });
    assert.equal(await postsInLog(doctor.page, roomId), before + 2, 'the kept note was not stored exactly once');

    // A post the server refuses for good is shown as failed, in the server's words,
    // and stays until the person discards it.
    await nurse.page.route('**/api/v1/groups/*/messages', async (route) => {
      if (route.request().method() === 'POST' && (route.request().postData() ?? '').includes('"kind":"post"')) {
        await route.fulfill({
          status: 422,
          contentType: 'application/json',
          body: JSON.stringify({ error: { code: 'invalid_input', message: 'Refused for the test.', message_ja: 'テストのため受け付けませんでした。' } }),
        });
        return;
      }
      await route.continue();
    });
    await sendNote(nurse.page, refusedNote);
    const failed = nurse.page.locator('li.entry.outgoing[data-state="failed"]', { hasText: refusedNote });
    await failed.waitFor({ timeout: 30_000 });
    await failed.getByText('テストのため受け付けませんでした。').waitFor();
    await screenshots(nurse.page, 'offline-03-failed');
    // Online again: the live session's wrap opens the vault, no passkey (vault.ts).
    await nurse.page.reload();
    await failed.waitFor();
    await failed.getByRole('button', { name: 'この記録を破棄する' }).click();
    await failed.waitFor({ state: 'detached' });
    await nurse.page.unroute('**/api/v1/groups/*/messages');
    assert.equal(await postsInLog(doctor.page, roomId), before + 2, 'the refused note reached the log');

    assertNoPlaintext(nurse.recorded, [first, offlineNote, keptNote, refusedNote]);
    assertNoPlaintext(doctor.recorded, [first, offlineNote, keptNote]);
    for (const person of [doctor, admin]) {
      assert.deepEqual(unexpectedProblems(person.problems), [], `${person.login}: console errors`);
    }
    // Offline, the nurse's page reports failed fetches (net::ERR_INTERNET_DISCONNECTED),
    // the aborted answer and the refusal (422): those are the test's doing; nothing else.
    const nurseProblems = unexpectedProblems(nurse.problems).filter(
      (p) => !/ERR_INTERNET_DISCONNECTED|ERR_CONNECTION_RESET|net::ERR_FAILED|WebSocket connection|status of 422/.test(p),
    );
    assert.deepEqual(nurseProblems, [], 'nurse: console errors');
  } finally {
    nurse.recorded.save('requests-offline-nurse.json');
    await Promise.all([doctor.context.close(), nurse.context.close(), admin.context.close()]);
  }
});
