// A room's escalation time on its members screen, in a real browser: the doctor
// (the room's owner) sees the default of 30 minutes, sets 1 hour, and after a
// reload still sees 1 hour (the server keeps 60); the nurse sees the setting but
// no control to change it, and the server refuses her change (403) without
// changing anything; a delegate may change it (2 hours); the doctor turns it off,
// and the nurse sees it off. The panel speaks
// Japanese (English on request) and shows no raw code. Phone and desktop
// screenshots, 320 px, 44 px targets, labels, no console errors.

import assert from 'node:assert/strict';
import { test } from 'node:test';

import { screenshots } from '../lib/browser.mjs';
import {
  bootstrapAdmin, careTeam, checkSmallScreen, createOrganisation, expectHeading, inviteStaff, joinRoom, registerPerson,
} from '../lib/flows.mjs';
import { api, unexpectedProblems } from '../lib/member-flows.mjs';
import { browserAndServer } from '../lib/suite.mjs';

const env = browserAndServer('server-escalation.log');

const HEADING = '至急の投稿の再通知';
const LABEL = '再通知までの時間';
const OFFERED = ['再通知しない', '5分後', '10分後', '15分後', '30分後', '1時間後', '2時間後', '4時間後', '24時間後'];
const SAVED = '再通知の時間を保存しました。';
const READ_ONLY = '再通知の時間は、このルームのオーナーか招待担当の方が変えられます。';

/** The escalation panel, found as a person finds it: the region under its heading. */
const panelOf = (page) => page.getByRole('region', { name: HEADING });

/** Opens the room's members screen and waits until the panel has its setting. */
async function openMembers(page, roomId) {
  await page.goto(`${env.server.url}/#/rooms/${roomId}/members`);
  await page.locator('#members-heading').waitFor({ timeout: 60_000 });
  await page.locator('section.escalation[data-minutes]').waitFor();
}

/** The time the picker shows as chosen (its visible words) and its value. */
async function chosen(page) {
  const select = panelOf(page).getByLabel(LABEL);
  await select.waitFor();
  return select.evaluate((s) => ({ value: s.value, words: s.selectedOptions[0]?.textContent?.trim() ?? '' }));
}

/** Picks a time in the list, saves it and waits for the server's answer and the notice. */
async function saveTime(page, roomId, value) {
  const panel = panelOf(page);
  const save = panel.getByRole('button', { name: '保存する' });
  assert.equal(await save.isDisabled(), true, 'save is offered before anything changed');
  await panel.getByLabel(LABEL).selectOption(value);
  assert.equal(await save.isEnabled(), true, 'save is not offered after a change');
  const answered = page.waitForResponse(
    (r) => r.request().method() === 'PUT' && new URL(r.url()).pathname === `/api/v1/rooms/${roomId}/escalation`,
  );
  await save.click();
  assert.equal((await answered).status(), 200);
  await panel.getByText(SAVED).waitFor();
  assert.equal(await save.isDisabled(), true, 'save still offered once saved');
}

/** What the server keeps (asked from inside `page`, with its session). */
async function storedMinutes(page, roomId) {
  const answer = await api(page, 'GET', `/api/v1/rooms/${roomId}/escalation`);
  assert.equal(answer.status, 200, JSON.stringify(answer.body));
  return answer.body.minutes;
}

/** The panel's visible words are Japanese and carry no code, number-only value or placeholder. */
async function assertJapaneseWords(page, who) {
  const words = await panelOf(page).innerText();
  assert.match(words, /再通知/, `${who}: ${words}`);
  assert.doesNotMatch(
    words,
    /[A-Za-z_]{2,}|\bnull\b|undefined|NaN|\[object|\{|\}|minutes|escalation|owner|delegate|professional/,
    `${who}: the panel shows a raw code: ${words}`,
  );
  const options = await panelOf(page).locator('option').allTextContents();
  for (const option of options) assert.doesNotMatch(option, /[A-Za-z_]/, `${who}: an option reads ${option}`);
}

const TITLE = 'the owner and a delegate set the escalation time; a nurse sees it read-only and is refused';

test(TITLE, { timeout: 600_000 }, async () => {
  const admin = await bootstrapAdmin(env.browser, env.server);
  const { doctor, nurse, roomId, roomName } = await careTeam(env.browser, env.server, admin, 'esc');
  let delegate = null;
  try {
    // The doctor's members screen: the default, 30 minutes, offered in a labelled list.
    const page = doctor.page;
    await openMembers(page, roomId);
    await expectHeading(page, `${roomName} のメンバー`);
    const panel = panelOf(page);
    await panel.getByRole('heading', { name: HEADING, level: 2 }).waitFor();
    assert.deepEqual(await chosen(page), { value: '30', words: '30分後' });
    assert.equal(await panel.getAttribute('data-minutes'), '30');
    assert.deepEqual(await panel.locator('option').allTextContents().then((t) => t.map((s) => s.trim())), OFFERED);
    assert.equal(await storedMinutes(page, roomId), 30);
    await assertJapaneseWords(page, 'doctor (default)');
    await checkSmallScreen(page, 'escalation (owner)');
    await screenshots(page, 'escalation-01-owner-default');

    // 1 hour, saved; after a reload the screen and the server both say 1 hour.
    await saveTime(page, roomId, '60');
    await screenshots(page, 'escalation-02-owner-saved');
    await page.reload();
    await page.locator('#members-heading').waitFor({ timeout: 60_000 });
    await panel.getByLabel(LABEL).waitFor();
    assert.deepEqual(await chosen(page), { value: '60', words: '1時間後' });
    assert.equal(await panel.getAttribute('data-minutes'), '60');
    assert.equal(await storedMinutes(page, roomId), 60);

    // The nurse (a professional in the room) sees 1 hour, with no control to change it.
    const nursePage = nurse.page;
    await openMembers(nursePage, roomId);
    const nursePanel = panelOf(nursePage);
    await nursePanel.locator('.escalation-current').waitFor();
    assert.equal((await nursePanel.locator('.escalation-current').textContent()).trim(), '現在の設定: 1時間後');
    await nursePanel.getByText(READ_ONLY).waitFor();
    assert.equal(await nursePanel.getByLabel(LABEL).count(), 0, 'the nurse is offered the list of times');
    assert.equal(await nursePanel.locator('select, input, button').count(), 0, 'the nurse is offered a control');
    await assertJapaneseWords(nursePage, 'nurse');
    await checkSmallScreen(nursePage, 'escalation (nurse)');
    await screenshots(nursePage, 'escalation-03-nurse-read-only');

    // The server refuses her a change, and nothing changes.
    const refused = await api(nursePage, 'PUT', `/api/v1/rooms/${roomId}/escalation`, { minutes: 5 });
    assert.equal(refused.status, 403, JSON.stringify(refused.body));
    const off = await api(nursePage, 'PUT', `/api/v1/rooms/${roomId}/escalation`, { minutes: null });
    assert.equal(off.status, 403, JSON.stringify(off.body));
    assert.equal(await storedMinutes(page, roomId), 60);
    assert.equal(await storedMinutes(nursePage, roomId), 60);

    // A delegate (a nurse who may also invite) may change it: 2 hours.
    const station = await createOrganisation(admin, '訪問看護ステーション esc 2', 'nursing_station');
    const delegateLink = await inviteStaff(admin, station.id, '招待 次郎 esc', 'nurse');
    delegate = await registerPerson(env.browser, env.server, delegateLink, {
      login: 'delegate.esc',
      name: '招待 次郎 esc',
    });
    await joinRoom(doctor, delegate, roomId, 'delegate');
    await openMembers(delegate.page, roomId);
    assert.deepEqual(await chosen(delegate.page), { value: '60', words: '1時間後' });
    await saveTime(delegate.page, roomId, '120');
    assert.equal(await storedMinutes(page, roomId), 120);
    await screenshots(delegate.page, 'escalation-04-delegate-saved');

    // The doctor sees the delegate's 2 hours, turns it off; it stays off after a reload.
    await page.reload();
    await page.locator('#members-heading').waitFor({ timeout: 60_000 });
    await panel.getByLabel(LABEL).waitFor();
    assert.deepEqual(await chosen(page), { value: '120', words: '2時間後' });
    await saveTime(page, roomId, 'off');
    assert.deepEqual(await chosen(page), { value: 'off', words: '再通知しない' });
    assert.equal(await storedMinutes(page, roomId), null);
    await page.reload();
    await page.locator('#members-heading').waitFor({ timeout: 60_000 });
    await panel.getByLabel(LABEL).waitFor();
    assert.deepEqual(await chosen(page), { value: 'off', words: '再通知しない' });
    assert.equal(await panel.getAttribute('data-minutes'), 'off');
    await assertJapaneseWords(page, 'doctor (off)');
    await screenshots(page, 'escalation-05-owner-off');

    // …and the nurse sees it off.
    await nursePage.reload();
    await nursePage.locator('#members-heading').waitFor({ timeout: 60_000 });
    await nursePanel.locator('.escalation-current').waitFor();
    assert.equal((await nursePanel.locator('.escalation-current').textContent()).trim(), '現在の設定: 再通知しない');
    await screenshots(nursePage, 'escalation-06-nurse-off');

    // English on request.
    await page.getByRole('button', { name: 'Switch the language to English' }).click();
    const english = page.getByRole('region', { name: 'Notify again about unread urgent posts' });
    await english.getByLabel('Notify again after').waitFor();
    const englishWords = await english.locator('select').evaluate((s) => s.selectedOptions[0].textContent.trim());
    assert.equal(englishWords, 'Do not notify again');
    await page.getByRole('button', { name: '表示を日本語に切り替える' }).click();
    await panel.getByLabel(LABEL).waitFor();

    for (const person of [doctor, nurse, delegate]) {
      assert.deepEqual(unexpectedProblems(person.problems), [], `${person.login}: console errors`);
    }
  } finally {
    await Promise.all([doctor, nurse, delegate, admin].map((person) => person?.context.close()));
  }
});
