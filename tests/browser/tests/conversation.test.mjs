// Inside a room, as a conversation (Kizuna issue 15): a doctor, a nurse and a
// family member. The nurse's own posts are on the right marked 「自分」, the
// doctor's on the left with name and role, under a 「今日」 separator; in a room of
// 30 posts the send button is on a 390×844 screen without scrolling (even scrolled
// to the top); the ご家族 tab shows an unread mark when the family writes while the
// nurse is in チーム and clears once she opened it; the family's composer speaks to
// the care team and explains 至急; an urgent handover shows who has not read it
// yet, until they have; the in-room search finds a post (Japanese, and Latin in
// any case), jumps to it, says 「見つかりません」 when nothing matches, and what was
// searched for never leaves the page.

import assert from 'node:assert/strict';
import { test } from 'node:test';

import { PHONE, screenshots } from '../lib/browser.mjs';
import {
  api, assertNoPlaintext, bootstrapAdmin, careTeam, checkSmallScreen, entryWith, expectHeading, marker, openRoom,
  registerPerson, roomListReady, sendNote, unexpectedProblems,
} from '../lib/flows.mjs';
import { browserAndServer } from '../lib/suite.mjs';

const env = browserAndServer('server-conversation.log');

/** Whether `locator` lies inside the viewport as it is now (no scrolling). */
async function inViewport(page, locator) {
  const box = await locator.boundingBox();
  const size = page.viewportSize();
  return box !== null && box.y >= 0 && box.x >= 0 && box.y + box.height <= size.height && box.x + box.width <= size.width;
}

test('a room reads as a conversation: own posts, days, composer, tabs, urgency, search', { timeout: 900_000 }, async () => {
  const admin = await bootstrapAdmin(env.browser, env.server);
  const { doctor, nurse, roomId, roomName } = await careTeam(env.browser, env.server, admin, 'conv');
  const invitation = await api(doctor.page, 'POST', `/rooms/${roomId}/invitations`, { role: 'family' });
  const family = await registerPerson(env.browser, env.server, invitation.link, { login: 'family.conv', name: '田中 家族' });
  const doctorNote = marker('体温 36.8℃ 食欲あり SpO2-Check');
  const nurseNote = marker('清拭を行いました');
  const familyQuestion = marker('父の薬はいつ変わりますか');
  const handoverText = marker('夜間に呼吸が苦しそう');
  const searched = ['食欲あり 体温', 'spo2-CHECK'];
  try {
    await roomListReady(family.page);
    await openRoom(family.page, roomId, roomName, 'family');

    // Two people post; on the nurse's screen her post is hers, the doctor's his.
    await sendNote(doctor.page, doctorNote);
    await entryWith(nurse.page, doctorNote).waitFor({ timeout: 30_000 });
    await sendNote(nurse.page, nurseNote);
    const mine = entryWith(nurse.page, nurseNote);
    await mine.waitFor({ timeout: 30_000 });
    const theirs = entryWith(nurse.page, doctorNote);
    assert.equal(await mine.getAttribute('data-mine'), 'true');
    assert.equal((await mine.locator('.author').textContent()).trim(), '自分');
    assert.equal(await theirs.getAttribute('data-mine'), 'false');
    assert.match(await theirs.locator('.author').textContent(), /医師 一郎 conv/);
    assert.equal((await theirs.locator('.author-role').textContent()).trim(), 'オーナー');
    assert.match(await theirs.locator('time').textContent(), /^\d{2}:\d{2}$/);
    const [ownBox, otherBox] = [await mine.boundingBox(), await theirs.boundingBox()];
    assert.ok(ownBox.x > otherBox.x + 20, `own post not on the right (${ownBox.x} vs ${otherBox.x})`);
    const tints = await Promise.all([mine, theirs].map((l) => l.evaluate((el) => getComputedStyle(el).backgroundColor)));
    assert.notEqual(tints[0], tints[1], 'own post has the same background as the others');
    // A day separator above today's posts.
    assert.equal((await nurse.page.locator('.timeline .day-separator').first().textContent()).trim(), '今日');

    // The family writes while the nurse is in チーム: the ご家族 tab shows it.
    const familyTab = nurse.page.locator('.channel-tabs a[data-channel="family"]');
    assert.equal(await familyTab.locator('.tab-unread').count(), 0, 'an unread mark before anything was written');
    const familyBox = family.page.getByLabel('ケアチームへの連絡・質問を書く');
    await familyBox.waitFor();
    assert.equal(await family.page.getByLabel('記録を書く').count(), 0, 'the family is offered the team\'s wording');
    await family.page.getByText('至急: すぐに対応が必要なとき。チーム全員に通知されます。').waitFor();
    await familyBox.fill(familyQuestion);
    await checkSmallScreen(family.page, 'room (family composer)');
    await screenshots(family.page, 'conversation-03-family-composer');
    await family.page.locator('#send-note').click();
    await entryWith(family.page, familyQuestion).waitFor({ timeout: 30_000 });
    await familyTab.locator('.tab-unread').waitFor({ timeout: 30_000 });
    assert.equal((await familyTab.locator('.tab-unread').textContent()).trim(), '1');
    assert.match(await familyTab.innerText(), /ご家族/);
    assert.equal(await familyTab.locator('.visually-hidden').textContent(), '未読 1件');
    assert.equal(await nurse.page.locator('.channel-tabs a[data-channel="team"] .tab-unread').count(), 0);
    await screenshots(nurse.page, 'conversation-04-unread-tab');
    // Opening ご家族 shows the question; back in チーム the mark is gone.
    await familyTab.click();
    await entryWith(nurse.page, familyQuestion).waitFor({ timeout: 60_000 });
    await nurse.page.locator('.channel-tabs a[data-channel="team"]').click();
    await entryWith(nurse.page, nurseNote).waitFor();
    // Long enough for the read positions to be fetched again (every 4 s).
    await nurse.page.waitForTimeout(5_000);
    await familyTab.waitFor();
    assert.equal(await familyTab.locator('.tab-unread').count(), 0, 'the ご家族 mark stayed after reading');

    // An urgent handover while the doctor is away from the room: who has not read it.
    await doctor.page.goto(`${env.server.url}/#/`);
    await roomListReady(doctor.page);
    await nurse.page.locator('.composer-tabs button[data-tab="handover"]').click();
    await nurse.page.locator('#hf-body').fill(handoverText);
    await nurse.page.locator('.care-handover-form').getByText('至急: すぐに対応が必要なとき。チーム全員に通知されます。').waitFor();
    await nurse.page.locator('#hf-urgency-urgent').check();
    await nurse.page.locator('.care-handover-form button[type="submit"]').click();
    await nurse.page.locator('.care-handover-form .notice', { hasText: '送信しました。' }).waitFor({ timeout: 30_000 });
    const handover = nurse.page.locator('li.entry:not(.outgoing)', { has: nurse.page.getByText(handoverText) });
    await handover.waitFor({ timeout: 30_000 });
    assert.equal(await handover.getAttribute('data-urgency'), 'urgent');
    assert.equal((await handover.locator('.badge').textContent()).trim(), '至急');
    const waiting = handover.locator('.not-read-yet[data-unread="1"]');
    await waiting.waitFor({ timeout: 30_000 });
    assert.match(await waiting.innerText(), /まだ読んでいない人（1人）\s*医師 一郎 conv/);
    await screenshots(nurse.page, 'conversation-01-urgent-unread');
    // The doctor opens the room: the list empties.
    await doctor.page.goto(`${env.server.url}/#/rooms/${roomId}/team`);
    await expectHeading(doctor.page, roomName);
    const atDoctor = doctor.page.locator('li.entry', { has: doctor.page.getByText(handoverText) });
    await atDoctor.waitFor({ timeout: 30_000 });
    assert.equal(await atDoctor.getAttribute('data-urgency'), 'urgent');
    await handover.locator('.not-read-yet.all-read', { hasText: '全員が読みました' }).waitFor({ timeout: 30_000 });

    // 30 posts: the send button is on the phone screen at once, and stays there
    // when the timeline is scrolled to the top.
    await nurse.page.locator('.composer-tabs button', { hasText: '記録' }).first().click();
    const total = await nurse.page.locator('li.entry').count();
    for (let i = total; i < 30; i += 1) {
      await sendNote(nurse.page, `経過 ${i + 1} 特記事項なし`);
      // The box empties as soon as the note is queued, ready for the next.
      await nurse.page.waitForFunction(() => document.querySelector('#note-body')?.value === '');
    }
    await nurse.page.waitForFunction(() => document.querySelectorAll('li.entry:not(.outgoing)').length >= 30, null, { timeout: 240_000 });
    await nurse.page.goto(`${env.server.url}/#/`);
    await roomListReady(nurse.page);
    await nurse.page.goto(`${env.server.url}/#/rooms/${roomId}/team`);
    await expectHeading(nurse.page, roomName);
    await nurse.page.waitForFunction(() => document.querySelectorAll('li.entry').length >= 30, null, { timeout: 60_000 });
    await nurse.page.waitForTimeout(500);
    const send = nurse.page.locator('#send-note');
    const height = await nurse.page.evaluate(() => document.documentElement.scrollHeight);
    assert.ok(height > PHONE.height * 3, `the room is only ${height}px tall`);
    assert.ok(await inViewport(nurse.page, send), 'the send button is not on the screen on opening');
    assert.ok(await inViewport(nurse.page, entryWith(nurse.page, '経過 30 特記事項なし')), 'the newest post is not in view on opening');
    await nurse.page.evaluate(() => window.scrollTo(0, 0));
    assert.ok(await inViewport(nurse.page, send), 'the send button scrolled away');

    // Search within the room, on this device only.
    await nurse.page.locator('.room-search summary').click();
    const query = nurse.page.getByLabel('探す言葉');
    await query.fill(searched[0]);
    await nurse.page.locator('#search-count', { hasText: '1件見つかりました' }).waitFor();
    assert.equal(await nurse.page.locator('li.entry.match').count(), 1);
    await query.fill(searched[1]);
    await nurse.page.locator('#search-count', { hasText: '1件見つかりました' }).waitFor();
    await nurse.page.locator('.search-hit').first().click();
    const focused = await nurse.page.evaluate(() => document.activeElement?.getAttribute('data-post'));
    assert.equal(focused, await theirs.getAttribute('data-post'), 'the result did not lead to the post');
    assert.ok(await inViewport(nurse.page, theirs), 'the found post is not in view');
    await checkSmallScreen(nurse.page, 'room (search)');
    await screenshots(nurse.page, 'conversation-02-search');
    await query.fill('ありえない言葉');
    await nurse.page.locator('#search-none', { hasText: '見つかりません' }).waitFor();
    assert.equal(await nurse.page.locator('li.entry.match').count(), 0);

    // Nothing readable left any page, the search words included.
    assertNoPlaintext(nurse.recorded, [doctorNote, nurseNote, handoverText, familyQuestion, ...searched, 'ありえない言葉']);
    assertNoPlaintext(family.recorded, [familyQuestion]);
    assertNoPlaintext(doctor.recorded, [doctorNote]);
    for (const person of [doctor, nurse, family, admin]) {
      assert.deepEqual(unexpectedProblems(person.problems), [], `${person.login}: console errors`);
    }
  } finally {
    await Promise.all([doctor.context.close(), nurse.context.close(), family.context.close(), admin.context.close()]);
  }
});
