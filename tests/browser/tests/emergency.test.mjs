// Emergency (break-glass) accounts in a real browser (issue 14): a clinic's facility
// administrator prepares one on the 緊急用アカウント screen (enrolment link, QR, the
// sheet to print); it is enrolled through the link in a second browser with its own
// security key (virtual authenticator), which seals it: no session, a sealed message.
// Its sign-in is refused with the server's sealed message, and the administrator,
// on another screen, gets a live alert; one approval says a second administrator is
// needed. A broadcast officer of the clinic's association declares a disaster; now
// the account signs in, the alert comes again on every screen, the list says 使用中
// by the declaration, and the room it opens marks it in the member list. The
// administrator ends its use (its session ends: 再封印が必要) and reseals it after
// confirming password + passkey (the server keeps a confirmation fresh for 5 s
// here), which gives a new enrolment link.

import assert from 'node:assert/strict';
import { test } from 'node:test';

import { meStatus } from '../lib/admin-flows.mjs';
import { screenshots } from '../lib/browser.mjs';
import { api, bootstrapAdmin, createRoomUi, inviteStaff, newPerson, PASSWORD, registerOnPage, registerPerson } from '../lib/flows.mjs';
import { browserAndServer } from '../lib/suite.mjs';
import { answerOf, checkSmallScreen, expectHeading } from '../lib/ui.mjs';

const ASSOCIATION = 'みなみ県医師会';
const CLINIC = 'みなみ在宅クリニック';
const ADMIN = { login: 'office.minami', name: '南 事務長' };
const OFFICER = { login: 'bo.suzuki', name: '鈴木 防災' };
const LABEL = '緊急用1';
const ACCOUNT = `【緊急用】${LABEL}`;
const SHEET_PASSWORD = 'Kz9!safe-sheet-A';
const ALERT_TEXT = '緊急用アカウントがサインインしました（または試みました）— 確認してください';

const env = browserAndServer('server-emergency.log', { KIZUNA_REAUTH_MAX_AGE_SECS: '5' });

const goHash = (page, hash) => page.evaluate((h) => (location.hash = h), hash);
const accountRow = (page) => page.locator('#emergency-accounts tbody tr', { hasText: ACCOUNT });
/** The account's state, in words, waited for. */
const stateIs = (page, word) => accountRow(page).locator('.emergency-state', { hasText: word }).waitFor();
const liveAlert = (page) => page.locator('#emergency-alert-bar [role="alert"]');

/** Console lines other than the refusals this test provokes (403 sealed / reauth, 401 after the end). */
function unexpected(problems) {
  assert.deepEqual(problems.filter((p) => /Content Security Policy|uncaught/i.test(p)), [], 'CSP violations or uncaught errors');
  return problems.filter((p) => !/Failed to load resource: the server responded with a status of 40[13489]/.test(p));
}

/** Signs in through the sign-in screen; the answer of sign-in/finish. */
async function signIn(page, login, password) {
  await page.goto('about:blank');
  await page.goto(`${env.server.url}/#/sign-in`);
  await expectHeading(page, 'サインイン');
  await page.getByLabel('ログインID').fill(login);
  await page.getByLabel('パスワード', { exact: true }).fill(password);
  const finished = answerOf(page, '/api/v1/auth/sign-in/finish');
  await page.getByRole('button', { name: 'サインイン', exact: true }).click();
  return finished;
}

/** The facility administrator, registered in a page whose WebSocket frames are recorded from the start. */
async function facilityAdmin(system, clinicId) {
  const person = await newPerson(env.browser, { baseURL: env.server.url });
  const frames = [];
  person.page.on('websocket', (socket) => socket.on('framereceived', (frame) => frames.push(String(frame.payload))));
  await registerOnPage(person.page, await inviteStaff(system, clinicId, ADMIN.name, 'facility_admin'), ADMIN);
  const hello = () => frames.some((f) => f.includes('"hello"'));
  for (let i = 0; i < 60 && !hello(); i += 1) await person.page.waitForTimeout(500);
  assert.ok(hello(), 'the administrator’s live connection never opened');
  return { ...person, frames };
}

test('emergency account: prepared, sealed, refused and alerted, admitted in a disaster, ended, resealed', async () => {
  const system = await bootstrapAdmin(env.browser, env.server);
  const association = await api(system.page, 'POST', '/organisations', { name: ASSOCIATION, kind: 'association' });
  const clinic = await api(system.page, 'POST', '/organisations', { name: CLINIC, kind: 'clinic', parent_id: association.id });
  const admin = await facilityAdmin(system, clinic.id);
  const officerLink = await inviteStaff(system, association.id, OFFICER.name, 'broadcast_officer');
  const officer = await registerPerson(env.browser, env.server, officerLink, OFFICER);
  const emergency = await newPerson(env.browser, { baseURL: env.server.url });
  const page = admin.page;
  try {
    // The facility's screens: staff, and next to it the emergency accounts.
    await goHash(page, `#/admin/${clinic.id}`);
    await expectHeading(page, `${CLINIC} の管理`);
    await page.getByRole('navigation', { name: '事業所の管理' }).getByRole('link', { name: '緊急用アカウント' }).click();
    await expectHeading(page, `${CLINIC} の緊急用アカウント`);
    assert.equal(await page.evaluate(() => location.hash), `#/admin/${clinic.id}/emergency`);
    await page.getByText('まだありません。下のフォームで準備してください。').waitFor();
    await page.getByText('すべての管理者に通知され、記録（監査ログ）に残ります').waitFor();

    // Prepare one: a nurse's account, with its link, QR, steps and the sheet.
    await page.getByLabel('名前（例: 緊急用1）').fill(LABEL);
    await page.getByLabel('役割（ケアでの職種）').selectOption('nurse');
    const prepared = answerOf(page, `/api/v1/organisations/${clinic.id}/emergency-accounts`);
    await page.getByRole('button', { name: '準備する（登録リンクを作る）' }).click();
    const answer = await prepared;
    assert.equal(answer.status(), 201);
    const { login_id: loginId, user_id: accountId, enrolment } = await answer.json();
    await page.getByRole('heading', { name: `${ACCOUNT} の登録リンク` }).waitFor();
    assert.equal(await page.getByLabel('リンク（この人だけに渡してください）').inputValue(), enrolment.link);
    await page.getByRole('img', { name: `${ACCOUNT} さん用のリンクのQRコード` }).waitFor();
    await page.getByText(`ログインID「${loginId}」を印刷し`).waitFor();
    await page.getByText('用紙とセキュリティキーを一緒に金庫に保管してください。').waitFor();
    assert.equal((await page.locator('#emergency-login').textContent()).trim(), loginId);
    await stateIs(page, '登録待ち');
    await accountRow(page).locator('.emergency-admission', { hasText: '使えません（登録待ち）' }).waitFor();
    await checkSmallScreen(page, 'prepared emergency account');
    await screenshots(page, 'emergency-02-prepared');

    // Enrolled through the link in another browser with its own security key: sealed, no session.
    await emergency.page.goto(enrolment.link);
    await expectHeading(emergency.page, '招待リンクから登録');
    await emergency.page.getByLabel('パスワード', { exact: true }).fill(SHEET_PASSWORD);
    await emergency.page.getByLabel('パスワード（確認のためもう一度）').fill(SHEET_PASSWORD);
    await emergency.page.getByRole('button', { name: '次へ' }).click();
    await emergency.page.getByLabel('この端末の名前（例: 事業所のPC、私のスマホ）').fill('金庫のキー');
    const finished = answerOf(emergency.page, '/api/v1/invitations/register/finish');
    await emergency.page.getByRole('button', { name: 'パスキーを登録する' }).click();
    assert.deepEqual(await (await finished).json(), { user_id: accountId, sealed: true });
    await expectHeading(emergency.page, '緊急用アカウントを封印しました');
    await emergency.page.getByText('パスワード用紙とセキュリティキーを金庫に保管してください。').waitFor();
    assert.equal(await meStatus(emergency.page), 401, 'enrolling an emergency account signed it in');
    await screenshots(emergency.page, 'emergency-04-sealed-enrolment');

    // The administrator sees it sealed; one approval is not enough.
    await page.getByRole('button', { name: '最新にする' }).click();
    await stateIs(page, '封印中');
    await accountRow(page).locator('.emergency-admission', { hasText: '使えません（封印中）' }).waitFor();
    // Its one-time link is spent: it is no longer offered.
    assert.equal(await page.getByRole('heading', { name: `${ACCOUNT} の登録リンク` }).count(), 0, 'the spent link is still shown');
    await page.getByRole('button', { name: `${ACCOUNT} の使用を承認する` }).click();
    await page.getByText(`${ACCOUNT}: 承認 1/2 — もう1人、別の管理者が承認する必要があります（1時間以内）。`).waitFor();
    await accountRow(page).getByText(`承認済み（1/2）: ${ADMIN.name}`).waitFor();
    assert.ok(await page.getByRole('button', { name: `${ACCOUNT} の使用を承認する` }).isDisabled(), 'the same administrator may approve twice');
    await checkSmallScreen(page, 'emergency accounts');
    await screenshots(page, 'emergency-01-accounts');

    // Outside a disaster its sign-in is refused with the server's words, and the
    // administrator — now on the staff screen — is alerted live.
    await page.getByRole('link', { name: 'スタッフと招待' }).click();
    await expectHeading(page, `${CLINIC} の管理`);
    const refused = await signIn(emergency.page, loginId, SHEET_PASSWORD);
    assert.equal(refused.status(), 403);
    await emergency.page.getByRole('alert').filter({ hasText: 'この緊急用アカウントは封印されています。' }).waitFor();
    await screenshots(emergency.page, 'emergency-06-sign-in-refused');
    await liveAlert(page).getByText(ALERT_TEXT).waitFor({ timeout: 15_000 });
    await liveAlert(page).getByText(`アカウント: ${ACCOUNT}`).waitFor();
    await liveAlert(page).getByRole('button', { name: '確認した（閉じる）' }).click();
    assert.equal(await liveAlert(page).count(), 0, 'the alert stayed after it was dismissed');

    // A broadcast officer of the association declares a disaster over the clinic.
    const declared = await officer.page.request.post(`/api/v1/organisations/${association.id}/disaster`);
    assert.equal(declared.status(), 201, await declared.text());
    await goHash(page, `#/admin/${clinic.id}/emergency`);
    await expectHeading(page, `${CLINIC} の緊急用アカウント`);
    await page.locator('#emergency-disaster').getByText('災害宣言中（所属する医師会・市区町村）').waitFor();

    // Now it signs in; the alert comes again, stays on every screen, and the list
    // (reloaded by the alert) says 使用中 by the declaration.
    await goHash(page, '#/');
    await expectHeading(page, 'ホーム');
    assert.equal((await signIn(emergency.page, loginId, SHEET_PASSWORD)).status(), 200);
    await expectHeading(emergency.page, 'ホーム');
    await liveAlert(page).getByText(ALERT_TEXT).waitFor({ timeout: 15_000 });
    assert.equal(admin.frames.filter((f) => f.includes('"emergency_sign_in"') && f.includes(accountId)).length, 2);
    await liveAlert(page).getByRole('link', { name: '緊急用アカウントを確認する' }).click();
    await expectHeading(page, `${CLINIC} の緊急用アカウント`);
    await stateIs(page, '使用中');
    await accountRow(page).locator('.emergency-admission', { hasText: '災害宣言中（所属する医師会・市区町村）' }).waitFor();
    assert.equal(await liveAlert(page).count(), 1, 'the alert went away without being dismissed');
    await checkSmallScreen(page, 'live alert');
    await screenshots(page, 'emergency-03-alert');

    // In a room it opens, the member list marks it as an emergency account, in words.
    const roomId = await createRoomUi(emergency.page, '避難所 田中 様');
    await goHash(emergency.page, `#/rooms/${roomId}/members`);
    const me = emergency.page.locator(`.member[data-user="${accountId}"]`);
    await me.locator('.member-emergency').getByText('緊急用アカウント').waitFor();
    await me.getByText(ACCOUNT).waitFor();
    await screenshots(emergency.page, 'emergency-05-member-badge');

    // The administrator ends its use (after a confirmation): its session ends.
    await liveAlert(page).getByRole('button', { name: '確認した（閉じる）' }).click();
    await page.getByRole('button', { name: `${ACCOUNT} の使用を今すぐ終了` }).click();
    const dialog = page.getByRole('dialog', { name: `${ACCOUNT} の使用を今すぐ終了しますか？` });
    await dialog.getByText('再封印（新しいパスワード用紙とセキュリティキー）が必要になります').waitFor();
    await dialog.getByRole('button', { name: '終了する' }).click();
    await page.locator('.notice[role="status"]').filter({ hasText: `${ACCOUNT} の使用を終了しました。` }).waitFor();
    await stateIs(page, '再封印が必要');
    assert.equal(await meStatus(emergency.page), 401, 'the emergency account is still signed in');

    // Resealing asks for password + passkey (the confirmation is stale), then gives a new link.
    await page.getByRole('button', { name: `${ACCOUNT} を再封印する` }).click();
    const confirm = page.getByRole('dialog', { name: '本人確認' });
    await confirm.getByLabel('パスワード').fill(PASSWORD);
    await confirm.getByRole('button', { name: '確認する' }).click();
    await page.getByRole('heading', { name: `${ACCOUNT} の再登録リンク` }).waitFor();
    const newLink = await page.getByLabel('リンク（この人だけに渡してください）').inputValue();
    assert.match(newLink, /#\/invite\//);
    assert.notEqual(newLink, enrolment.link);
    await stateIs(page, '登録待ち');

    assert.deepEqual(unexpected(admin.problems), [], 'administrator: console errors');
    assert.deepEqual(unexpected(emergency.problems), [], 'emergency account: console errors');
  } finally {
    for (const context of [system.context, admin.context, officer.context, emergency.context]) await context.close();
  }
});
