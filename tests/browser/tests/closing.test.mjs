// Closing a room (issue 16), in a real browser: the room's owner closes it from the
// members screen with a reason, after a confirmation; from then on the room stands
// apart in the room list under a folded 「終了したケア」, opens with a banner naming the
// date and the reason, has no composer, and still shows its earlier post. Another
// member (a second browser context) sees the same after a reload, and as a nurse
// who is not the owner was never offered the close control. The facility's
// administrator sets the retention period to 2 years, and it stays after a reload.

import assert from 'node:assert/strict';
import { test } from 'node:test';

import { screenshots } from '../lib/browser.mjs';
import {
  api, bootstrapAdmin, careTeam, checkSmallScreen, entryWith, expectHeading, marker, roomListReady, sendNote,
  unexpectedProblems,
} from '../lib/flows.mjs';
import { browserAndServer } from '../lib/suite.mjs';

const env = browserAndServer('server-closing.log');

/** Today as the page writes a closing date (the browser's own time zone and locale). */
const today = (page) =>
  page.evaluate(() => new Date().toLocaleDateString('ja-JP', { year: 'numeric', month: 'long', day: 'numeric' }));

/** The closed room's banner, read-only, with its earlier post still there. */
async function seesClosedRoom(page, note, banner) {
  const shown = page.locator('#closed-banner');
  await shown.waitFor({ timeout: 30_000 });
  assert.equal((await shown.textContent())?.trim(), banner);
  await entryWith(page, note).waitFor({ timeout: 30_000 });
  assert.equal(await page.locator('.composer').count(), 0, 'a composer in a closed room');
  assert.equal(await page.getByLabel('記録を書く').count(), 0, 'a note field in a closed room');
  assert.equal(await page.locator('#send-note').count(), 0, 'a send button in a closed room');
  // Nothing offers to correct or answer a post the server would refuse.
  assert.equal(await page.locator('button.amend, button.reply').count(), 0, 'correct/reply in a closed room');
}

/** The room list: the room is not among the open rooms, but in the folded 「終了したケア」. */
async function listedAsClosed(page, roomId, roomName) {
  await roomListReady(page);
  const group = page.locator('details#closed-rooms');
  await group.waitFor({ timeout: 30_000 });
  assert.equal((await group.locator('summary').textContent())?.trim(), '終了したケア (1)');
  assert.equal(await group.evaluate((d) => d.open), false, 'the closed group starts open');
  const card = group.locator(`.room-card[data-room="${roomId}"]`);
  assert.equal(await card.isVisible(), false, 'a closed room shows while its group is folded');
  assert.equal(await page.locator(`#room-results .room-card[data-room="${roomId}"]`).count(), 0, 'the closed room is among the open rooms');
  await group.locator('summary').click();
  await card.waitFor();
  assert.match((await card.textContent()) ?? '', new RegExp(roomName));
  return card;
}

test('the owner closes a room; it is read-only for everyone; the facility keeps it 2 years', { timeout: 420_000 }, async () => {
  const admin = await bootstrapAdmin(env.browser, env.server);
  const { doctor, nurse, roomId, roomName } = await careTeam(env.browser, env.server, admin, 'c');
  const contexts = [admin.context, doctor.context, nurse.context];
  const membersUrl = `${env.server.url}/#/rooms/${roomId}/members`;
  const roomUrl = `${env.server.url}/#/rooms/${roomId}/team`;
  try {
    // A post before the room is closed; the nurse has it too.
    const note = marker('最後の訪問 穏やかに過ごされました');
    await sendNote(doctor.page, note);
    await entryWith(doctor.page, note).waitFor({ timeout: 30_000 });
    await entryWith(nurse.page, note).waitFor({ timeout: 30_000 });

    // The nurse (a member, not the owner) is offered no close control.
    await nurse.page.goto(membersUrl);
    await expectHeading(nurse.page, `${roomName} のメンバー`);
    await nurse.page.getByRole('heading', { name: 'メンバー（2人）' }).waitFor();
    await nurse.page.locator('#members-view-only').waitFor();
    assert.equal(await nurse.page.locator('#close-room, .close-room').count(), 0, 'the nurse is offered the close panel');
    assert.equal(await nurse.page.getByRole('button', { name: 'このケアを終了する' }).count(), 0);

    // The owner: the close panel, a reason, the confirmation (cancel once, then close).
    const page = doctor.page;
    await page.goto(membersUrl);
    await expectHeading(page, `${roomName} のメンバー`);
    await page.getByRole('heading', { name: 'このケアを終了する' }).waitFor();
    await page.getByLabel('逝去').check();
    const start = page.getByRole('button', { name: 'このケアを終了する' });
    await start.click();
    const confirm = page.getByRole('alertdialog', { name: 'このケアを終了しますか？' });
    await confirm.waitFor();
    assert.match((await confirm.textContent()) ?? '', /閲覧のみ.*保存期間（5年）/s);
    await checkSmallScreen(page, 'closing (confirm)');
    await screenshots(page, 'closing-01-confirm');
    await confirm.getByRole('button', { name: 'やめる' }).click();
    await confirm.waitFor({ state: 'hidden' });
    assert.equal(await page.getByLabel('逝去').isChecked(), true, 'the reason was lost on cancel');
    await start.click();
    const closed = page.waitForResponse((r) => r.url().endsWith(`/rooms/${roomId}/close`));
    await confirm.getByRole('button', { name: '終了する', exact: true }).click();
    assert.equal((await closed).status(), 200);
    await page.getByText('このケアを終了しました。ルームは閲覧のみになりました。').waitFor();
    const date = await today(page);
    const banner = `このケアは終了しています（${date}・逝去）。閲覧のみできます。`;
    assert.equal((await page.locator('#closed-banner').textContent())?.trim(), banner);
    assert.equal(await page.getByRole('button', { name: 'このケアを終了する' }).count(), 0, 'the close button stays');
    await screenshots(page, 'closing-02-closed');

    // The owner's room list: the room is under the folded 「終了したケア」; opened, it is read-only.
    await page.goto(`${env.server.url}/#/`);
    const card = await listedAsClosed(page, roomId, roomName);
    await checkSmallScreen(page, 'closing (room list)');
    await screenshots(page, 'closing-03-room-list');
    await card.locator('a').first().click();
    await expectHeading(page, roomName);
    await seesClosedRoom(page, note, banner);
    await checkSmallScreen(page, 'closing (closed room)');
    await screenshots(page, 'closing-04-room');

    // The nurse's own page, reloaded: closed there too.
    await nurse.page.goto(roomUrl);
    await nurse.page.reload();
    await expectHeading(nurse.page, roomName);
    await seesClosedRoom(nurse.page, note, banner);
    await screenshots(nurse.page, 'closing-05-nurse-room');
    await nurse.page.goto(`${env.server.url}/#/`);
    await listedAsClosed(nurse.page, roomId, roomName);

    // The server refuses the nurse closing it (not the owner; and it is closed already).
    const nurseBefore = nurse.problems.length; // the refusal below logs its own 403
    const refused = await nurse.page.evaluate(async (id) => {
      const answer = await fetch(`/api/v1/rooms/${id}/close`, {
        method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ reason: 'other' }),
      });
      return answer.status;
    }, roomId);
    assert.ok([403, 404, 409].includes(refused), `the nurse could close the room: ${refused}`);

    // The facility's administrator: retention 2 years, kept after a reload; the room listed as closed.
    const orgs = await api(admin.page, 'GET', '/organisations');
    const clinic = (Array.isArray(orgs) ? orgs : orgs.organisations ?? []).find((o) => o.name === '在宅クリニック c');
    assert.ok(clinic, `no clinic among ${JSON.stringify(orgs)}`);
    const apage = admin.page;
    await apage.goto(`${env.server.url}/#/admin/${clinic.id}`);
    await apage.getByRole('heading', { name: '記録の保存期間と保全' }).waitFor({ timeout: 30_000 });
    const years = apage.getByLabel('保存期間（終了後の年数）');
    assert.equal(await years.inputValue(), '5');
    const row = apage.locator(`tr[data-room="${roomId}"]`);
    assert.equal(await row.getAttribute('data-closed'), 'true');
    assert.match((await row.textContent()) ?? '', /終了 .*（逝去）/);
    await years.selectOption('2');
    const saved = apage.waitForResponse((r) => r.url().endsWith(`/organisations/${clinic.id}/retention`) && r.request().method() === 'PUT');
    await apage.getByRole('button', { name: '保存期間を変更' }).click();
    assert.equal((await saved).status(), 200);
    await apage.getByText('保存期間を2年にしました。').waitFor();
    await screenshots(apage, 'closing-06-retention');
    await apage.reload();
    await apage.getByRole('heading', { name: '記録の保存期間と保全' }).waitFor({ timeout: 30_000 });
    assert.equal(await apage.getByLabel('保存期間（終了後の年数）').inputValue(), '2');

    const nurseProblems = [
      ...nurse.problems.slice(0, nurseBefore),
      ...nurse.problems.slice(nurseBefore).filter((p) => !/status of 403/.test(p)),
    ];
    for (const [who, problems] of [['owner', doctor.problems], ['nurse', nurseProblems], ['admin', admin.problems]]) {
      assert.deepEqual(unexpectedProblems(problems), [], `console errors (${who})`);
    }
  } finally {
    for (const context of contexts) await context.close();
  }
});
