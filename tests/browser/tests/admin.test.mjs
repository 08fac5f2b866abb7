// Facility administration in a real browser: the bootstrap administrator registers,
// creates a city and a facility under it and invites a nurse through the screens;
// the list of organisations comes from the server (a fresh browser with the same
// session, nothing on the device, names them; a failed load says why and retries);
// a facility administrator sees only her facility; the nurse registers
// in a second browser context; the administrator sees her with her last sign-in,
// suspends her (her session ends, sign-in is refused), reactivates her, and resets
// her sign-in after an identity check (recovery link, ledger row, CSV). The nurse
// gets "not permitted" on the administration screens and the server refuses her.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';

import { meStatus, signIn } from '../lib/admin-flows.mjs';
import { PHONE, recordProblems, screenshots } from '../lib/browser.mjs';
import { newPerson, registerOnPage } from '../lib/flows.mjs';
import { browserAndServer } from '../lib/suite.mjs';
import { answerOf, checkSmallScreen, expectHeading } from '../lib/ui.mjs';

const ADMIN = { login: 'kanri.taro', name: '管理 太郎', password: 'Ad7#mVb2!pLq' };
const NURSE = { login: 'yamada.kango', name: '山田 花', password: 'Ns4$kWq9!zRt' };
const CHIEF = { login: 'suzuki.kanri', name: '鈴木 所長', password: 'Ch8%nPq3!wYe' };
const FACILITY = '絆訪問看護ステーション';
const CITY = '絆市';
const NOTE = 'ビデオ通話で顔と保険証を照合した';

const env = browserAndServer('server-admin.log');

const goHash = (page, hash) => page.evaluate((h) => (location.hash = h), hash);
const row = (page, login) => page.locator(`#admin-staff tr[data-login="${login}"]`);
const notice = (page) => page.locator('.notice[role="status"]');

/** Only the refusals the test provokes may appear as console errors. */
function unexpectedProblems(problems) {
  const csp = problems.filter((p) => /Content Security Policy|uncaught/i.test(p));
  assert.deepEqual(csp, [], 'CSP violations or uncaught errors');
  return problems.filter((p) => !/Failed to load resource: the server responded with a status of 40[134]/.test(p));
}

test('administrator: facility, invitation, staff list, suspend, reactivate, reset, ledger; a nurse is refused', async () => {
  assert.ok(env.server.bootstrapLink, 'the server printed no bootstrap link');
  const { context: adminContext, page: admin, problems: adminProblems } = await newPerson(env.browser);
  await adminContext.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: env.server.url });
  const { context: nurseContext, page: nurse, problems: nurseProblems } = await newPerson(env.browser);

  try {
    // The bootstrap administrator registers through the UI and opens administration.
    await registerOnPage(admin, env.server.bootstrapLink, ADMIN);
    await goHash(admin, '#/admin');
    await expectHeading(admin, '管理');
    await admin.getByText('まだありません。下のフォームで事業所を登録してください。').waitFor();
    await checkSmallScreen(admin, 'admin home');

    // Register a city, then a facility under it (the city is offered by its name from the list).
    const city = await register(admin, CITY, 'city');
    await admin.getByRole('link', { name: `${CITY} を開く` }).waitFor();
    await admin.getByLabel('所属する医師会・市区町村（任意）').selectOption({ label: CITY });
    const organisation = await register(admin, FACILITY, 'nursing_station');
    assert.equal(organisation.kind, 'nursing_station');
    assert.equal(organisation.parent_id, city.id);
    const facilityEntry = admin.getByRole('link', { name: `${FACILITY} を開く` });
    await facilityEntry.getByText(`所属: ${CITY}`).waitFor();
    await facilityEntry.getByText('あなたの役割: システム管理者').waitFor();
    await screenshots(admin, 'admin-01-facilities');

    // Nothing about organisations is kept on this device.
    const stored = await admin.evaluate(() => Object.keys(localStorage).filter((k) => k.includes('admin') || k.includes('org')));
    assert.deepEqual(stored, [], 'organisations remembered in localStorage');

    // The list comes from the server: a fresh browser (same session, empty storage) names both.
    await fromServer(adminContext, organisation, city);

    await facilityEntry.click();
    await expectHeading(admin, `${FACILITY} の管理`);
    assert.equal(await admin.evaluate(() => location.hash), `#/admin/${organisation.id}`);

    // Invite a nurse: a one-time link with its expiry, a copy button and a QR code.
    await admin.getByLabel('お名前', { exact: true }).fill(NURSE.name);
    await admin.getByLabel('役割').selectOption('nurse');
    const invited = answerOf(admin, `/api/v1/organisations/${organisation.id}/invitations`);
    await admin.getByRole('button', { name: '招待リンクを作る' }).click();
    const issued = await (await invited).json();
    await admin.getByRole('heading', { name: `${NURSE.name} さんへの招待リンク` }).waitFor();
    const link = await admin.getByLabel('リンク（この人だけに渡してください）').inputValue();
    assert.equal(link, issued.link);
    assert.match(link, /#\/invite\//);
    await admin.getByText(/^有効期限: .+一度使うと無効になります。$/).waitFor();
    await admin.getByRole('img', { name: `${NURSE.name} さん用のリンクのQRコード` }).waitFor();
    await admin.getByRole('button', { name: 'コピー' }).click();
    await admin.getByText('コピーしました。').waitFor();
    assert.equal(await admin.evaluate(() => navigator.clipboard.readText()), link);
    await checkSmallScreen(admin, 'invitation link');
    await screenshots(admin, 'admin-02-invitation');

    // The nurse registers with that link in her own browser.
    await registerOnPage(nurse, link, { login: NURSE.login, password: NURSE.password });
    assert.equal(await meStatus(nurse), 200);

    // The administrator sees her: staff, nurse, active, with her last sign-in (registering signs her in).
    await admin.getByRole('button', { name: '最新にする' }).click();
    const nurseRow = row(admin, NURSE.login);
    await nurseRow.waitFor();
    await nurseRow.getByText('看護師').waitFor();
    await nurseRow.getByText('利用中').waitFor();
    await nurseRow.getByText(NURSE.name).waitFor();
    const lastSignIn = (await nurseRow.locator('.admin-last').textContent()).trim();
    assert.match(lastSignIn, /\d{4}年\d{1,2}月\d{1,2}日/, `last sign-in shown as ${lastSignIn}`);
    await checkSmallScreen(admin, 'staff list');
    await screenshots(admin, 'admin-03-staff-list');

    // A facility administrator, invited the same way, administers this facility from her roles.
    await admin.getByLabel('お名前', { exact: true }).fill(CHIEF.name);
    await admin.getByLabel('役割').selectOption('facility_admin');
    assert.equal(await admin.locator('#invitee_role option[value="officer"]').count(), 0, 'officer offered in a facility');
    await admin.getByRole('button', { name: '招待リンクを作る' }).click();
    await admin.getByRole('heading', { name: `${CHIEF.name} さんへの招待リンク` }).waitFor();
    const chiefLink = await admin.getByLabel('リンク（この人だけに渡してください）').inputValue();
    const { context: chiefContext, page: chief, problems: chiefProblems } = await newPerson(env.browser);
    try {
      await registerOnPage(chief, chiefLink, { login: CHIEF.login, password: CHIEF.password });
      // She may administer her facility only: the server lists it alone, and so does the screen.
      const listed = await chief.evaluate(async () => (await fetch('/api/v1/organisations')).json());
      assert.deepEqual(listed, [{ id: organisation.id, name: FACILITY, kind: 'nursing_station', parent_id: city.id }]);
      await goHash(chief, '#/admin');
      await expectHeading(chief, '管理');
      const entry = chief.getByRole('link', { name: `${FACILITY} を開く` });
      await entry.getByText('あなたの役割: 事業所の管理者').waitFor();
      assert.equal(await chief.locator('.admin-org-list li').count(), 1, 'a facility administrator sees other organisations');
      assert.equal(await chief.getByRole('link', { name: `${CITY} を開く` }).count(), 0);
      assert.equal(await chief.getByRole('button', { name: '登録する' }).count(), 0, 'a facility administrator offered to register facilities');
      await entry.click();
      await row(chief, NURSE.login).getByText('利用中').waitFor();
      await row(chief, CHIEF.login).getByText('あなた').waitFor();
      assert.deepEqual(unexpectedProblems(chiefProblems), [], 'console errors (facility administrator)');
    } finally {
      await chiefContext.close();
    }

    // Suspend, after a confirmation that says what happens.
    await admin.getByRole('button', { name: `${NURSE.name} さんを管理` }).click();
    await admin.getByRole('heading', { name: `${NURSE.name} さん`, exact: true }).waitFor();
    await admin.getByRole('button', { name: '一時停止', exact: true }).click();
    const dialog = admin.getByRole('dialog', { name: `${NURSE.name} さんを一時停止しますか？` });
    await dialog.waitFor();
    await dialog.getByText(/すぐにサインアウト/).waitFor();
    await screenshots(admin, 'admin-04-confirm-suspend');
    const suspended = answerOf(admin, `/api/v1/organisations/${organisation.id}/staff/${issuedUserId(await staffOf(admin, organisation.id), NURSE.login)}/actions`);
    await dialog.getByRole('button', { name: '一時停止する' }).click();
    assert.equal((await suspended).status(), 204);
    await notice(admin).filter({ hasText: `${NURSE.name} さんを一時停止しました。` }).waitFor();
    await row(admin, NURSE.login).getByText('一時停止中').waitFor();

    // Her session ended at once; her sign-in is refused and she is told what to check.
    assert.equal(await meStatus(nurse), 401, 'a suspended nurse still has a session');
    const signedOutList = await nurse.evaluate(async () => (await fetch('/api/v1/organisations')).status);
    assert.equal(signedOutList, 401, 'the list of organisations answered someone signed out');
    const refusedSignIn = await signIn(nurse, env.server.url, NURSE.login, NURSE.password);
    const told = (await nurse.getByRole('alert').textContent()).trim();
    // Sign-in/begin answers a suspended account exactly as an active one (so nobody
    // can watch its state): her passkey is offered, and the server refuses at the end
    // in its own words, saying what to check.
    assert.notEqual(refusedSignIn, null, 'the passkey was not offered: begin gave the suspension away');
    assert.equal(refusedSignIn.status(), 401);
    assert.equal(told, (await refusedSignIn.json()).error.message_ja);
    assert.equal(await meStatus(nurse), 401, 'a suspended nurse signed in');

    // Disabling asks first and says it is permanent; cancelled here.
    await admin.getByRole('button', { name: '無効にする（退職）' }).click();
    const disable = admin.getByRole('dialog', { name: `${NURSE.name} さんのアカウントを無効にしますか？` });
    await disable.getByText(/取り消せません/).waitFor();
    await disable.getByText(/二度とサインインできません/).waitFor();
    await disable.getByRole('button', { name: 'やめる' }).click();
    await disable.waitFor({ state: 'detached' });

    // Reactivate: she can sign in again.
    await admin.getByRole('button', { name: '再開' }).click();
    await notice(admin).filter({ hasText: `${NURSE.name} さんを再開しました。` }).waitFor();
    await row(admin, NURSE.login).getByText('利用中').waitFor();
    const again = await signIn(nurse, env.server.url, NURSE.login, NURSE.password);
    assert.equal(again?.status(), 200, 'the reactivated nurse could not sign in');
    assert.equal(await meStatus(nurse), 200);

    // The nurse is not an administrator: her list is empty, the screen says so, and the server refuses her.
    const nurseList = await nurse.evaluate(async () => {
      const answer = await fetch('/api/v1/organisations');
      return { status: answer.status, body: await answer.json() };
    });
    assert.deepEqual(nurseList, { status: 200, body: [] }, 'a nurse was listed organisations');
    await goHash(nurse, '#/admin');
    await expectHeading(nurse, '管理');
    await nurse.getByRole('alert').filter({ hasText: 'この画面は事業所の管理者とシステム管理者だけが使えます。' }).waitFor();
    await checkSmallScreen(nurse, 'not permitted');
    await screenshots(nurse, 'admin-05-not-permitted');
    const refusedList = answerOf(nurse, `/api/v1/organisations/${organisation.id}/staff`);
    await goHash(nurse, `#/admin/${organisation.id}`);
    const refused = await refusedList;
    assert.equal(refused.status(), 403);
    const refusal = (await refused.json()).error;
    await nurse.getByText(refusal.message_ja).waitFor();
    await nurse.getByRole('alert').filter({ hasText: 'この画面は事業所の管理者' }).waitFor();
    const tried = await nurse.evaluate(async (org) => {
      const post = (path, body) =>
        fetch(path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
      return [
        (await fetch(`/api/v1/organisations/${org}/reset-ledger?format=csv`)).status,
        (await post(`/api/v1/organisations/${org}/invitations`, { invitee_name: 'x', role: 'doctor' })).status,
        (await post('/api/v1/organisations', { name: 'x', kind: 'clinic' })).status,
      ];
    }, organisation.id);
    assert.deepEqual(tried, [403, 403, 403], 'the server let a nurse administer');

    // Reset after an identity check: the note is required, then a recovery link and a ledger row.
    const reset = admin.getByRole('button', { name: 'リセットしてリンクを作る' });
    await admin.getByLabel('本人確認の方法').selectOption('video_call');
    await reset.click();
    await admin.getByRole('alert').filter({ hasText: '確認した内容を3文字以上で書いてください。' }).waitFor();
    await admin.getByText(`確認した人: ${ADMIN.name}（あなた）`).waitFor();
    await admin.getByLabel('確認した内容のメモ（必須）').fill(NOTE);
    const resetAnswer = answerOf(admin, `/api/v1/organisations/${organisation.id}/staff/${issuedUserId(await staffOf(admin, organisation.id), NURSE.login)}/reset`);
    await reset.click();
    const recovery = await (await resetAnswer).json();
    await admin.getByRole('heading', { name: `${NURSE.name} さんの再登録リンク` }).waitFor();
    assert.equal(await admin.locator('#admin-recovery-url').inputValue(), recovery.link);
    const ledgerRow = admin.locator('#admin-ledger tbody tr', { hasText: NOTE });
    await ledgerRow.waitFor();
    await ledgerRow.getByText(NURSE.name).waitFor();
    await ledgerRow.getByText('ビデオ通話で確認').waitFor();
    await ledgerRow.getByText(ADMIN.name).waitFor();
    assert.equal(await meStatus(nurse), 401, 'the reset did not end her session');
    await checkSmallScreen(admin, 'reset');
    await admin.locator('#admin-person').scrollIntoViewIfNeeded();
    await screenshots(admin, 'admin-06-reset');

    // The ledger as CSV, downloaded.
    const downloading = admin.waitForEvent('download');
    await admin.getByRole('button', { name: 'CSV をダウンロード' }).click();
    const download = await downloading;
    assert.match(download.suggestedFilename(), /^reset-ledger-.+\.csv$/);
    const csv = readFileSync(await download.path(), 'utf8');
    const lines = csv.trim().split('\n');
    assert.equal(lines[0], 'at,user_id,performed_by,verification_method,verification_note,invitation_id');
    assert.equal(lines.length, 2);
    assert.ok(lines[1].includes(`"${NOTE}"`) && lines[1].includes('"video_call"'), lines[1]);
    await admin.getByText('CSV をダウンロードしました。').waitFor();

    // English works too.
    await admin.getByRole('button', { name: 'Switch the language to English' }).click();
    await expectHeading(admin, `Administering ${FACILITY}`);
    await admin.getByRole('heading', { name: 'Reset ledger' }).waitFor();
    await screenshots(admin, 'admin-07-english');

    assert.deepEqual(unexpectedProblems(adminProblems), [], 'console errors (administrator)');
    assert.deepEqual(unexpectedProblems(nurseProblems), [], 'console errors (nurse)');
  } finally {
    await adminContext.close();
    await nurseContext.close();
  }
});

/** Registers an organisation through the form; returns the server's answer. */
async function register(page, name, kind) {
  await page.getByLabel('名前', { exact: true }).fill(name);
  await page.getByLabel('種類').selectOption(kind);
  const created = page.waitForResponse(
    (r) => new URL(r.url()).pathname === '/api/v1/organisations' && r.request().method() === 'POST',
  );
  await page.getByRole('button', { name: '登録する' }).click();
  const answer = await created;
  assert.equal(answer.status(), 200, `registering ${name} refused`);
  await notice(page).filter({ hasText: `「${name}」を登録しました。` }).waitFor();
  return answer.json();
}

/**
 * The administrator's session in a new browser context (no storage of the first):
 * a failed load shows the server's words and a retry; then the list names the
 * facility and its city, and the facility page is titled by its name.
 */
async function fromServer(context, organisation, city) {
  const fresh = await env.browser.newContext({ viewport: PHONE, locale: 'ja-JP' });
  try {
    await fresh.addCookies(await context.cookies());
    const page = await fresh.newPage();
    const problems = recordProblems(page);
    const outage = { code: 'unavailable', message: 'The server is busy. Try again shortly.', message_ja: 'サーバーが混み合っています。少し待ってからもう一度お試しください。' };
    let failed = 0;
    await page.route('**/api/v1/organisations', async (route) => {
      if (route.request().method() === 'GET' && failed === 0) {
        failed += 1;
        await route.fulfill({ status: 503, contentType: 'application/json', body: JSON.stringify({ error: outage }) });
      } else {
        await route.continue();
      }
    });
    await page.goto(`${env.server.url}/#/admin`);
    await expectHeading(page, '管理');
    assert.equal(await page.evaluate(() => localStorage.length), 0, 'the fresh browser has stored data');
    const alert = page.getByRole('alert').filter({ hasText: '事業所の一覧を読み込めませんでした。' });
    await alert.filter({ hasText: outage.message_ja }).waitFor();
    await checkSmallScreen(page, 'list failed');
    await screenshots(page, 'admin-01b-list-failed');
    const listed = answerOf(page, '/api/v1/organisations');
    await page.getByRole('button', { name: 'もう一度読み込む' }).click();
    assert.equal((await listed).status(), 200);
    await alert.waitFor({ state: 'detached' });
    await page.getByRole('link', { name: `${FACILITY} を開く` }).getByText(`所属: ${CITY}`).waitFor();
    await page.getByRole('link', { name: `${CITY} を開く` }).waitFor();
    assert.equal(failed, 1);
    // A facility opened directly (no list seen before on this page) is titled by its name.
    await page.goto('about:blank');
    await page.goto(`${env.server.url}/#/admin/${organisation.id}`);
    await expectHeading(page, `${FACILITY} の管理`);
    assert.equal(await page.locator('#invitee_role option[value="officer"]').count(), 0, 'officer offered in a facility');
    await page.goto(`${env.server.url}/#/admin/${city.id}`);
    await expectHeading(page, `${CITY} の管理`);
    await page.locator('#invitee_role option[value="officer"]').waitFor({ state: 'attached' });
    const unexpected = problems.filter((p) => !/status of 503/.test(p));
    assert.deepEqual(unexpectedProblems(unexpected), [], 'console errors (fresh browser)');
  } finally {
    await fresh.close();
  }
}

/** The staff list as the administrator's session sees it. */
function staffOf(page, org) {
  return page.evaluate(async (id) => (await fetch(`/api/v1/organisations/${id}/staff`)).json(), org);
}

function issuedUserId(staff, login) {
  const found = staff.find((s) => s.login_id === login);
  assert.ok(found, `${login} is not in the staff list`);
  return found.user_id;
}
