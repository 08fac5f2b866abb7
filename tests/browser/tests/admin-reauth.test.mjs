// A stale session asks to confirm it is you before acting on someone: the server
// here keeps a two-factor check fresh for 5 seconds only (KIZUNA_REAUTH_MAX_AGE_SECS),
// so when the administrator suspends a nurse later, the server answers
// `reauth_required`; the page asks for the password and the passkey in a dialog
// (Japanese), confirms them with the server and sends the suspension once more.
// Cancelling the dialog leaves the nurse as she was and says what is needed.

import assert from 'node:assert/strict';
import { test } from 'node:test';

import { screenshots } from '../lib/browser.mjs';
import { bootstrapAdmin, createOrganisation, expectHeading, inviteStaff, PASSWORD, registerPerson } from '../lib/flows.mjs';
import { browserAndServer } from '../lib/suite.mjs';

const FACILITY = '絆訪問看護ステーション';
const NURSE = { login: 'yamada.kango', name: '山田 花' };

const env = browserAndServer('server-admin-reauth.log', { KIZUNA_REAUTH_MAX_AGE_SECS: '5' });

const sleep = (ms) => new Promise((done) => setTimeout(done, ms));

test('a stale session confirms password + passkey in a dialog, then the action goes through once', async () => {
  const admin = await bootstrapAdmin(env.browser, env.server);
  const organisation = await createOrganisation(admin, FACILITY, 'nursing_station');
  const link = await inviteStaff(admin, organisation.id, NURSE.name, 'nurse');
  const nurse = await registerPerson(env.browser, env.server, link, NURSE);
  const page = admin.page;
  const calls = [];
  page.on('response', (r) => {
    const path = new URL(r.url()).pathname;
    if (path.startsWith('/api/v1/me/reauth') || path.endsWith('/actions')) calls.push(`${path.split('/').pop()} ${r.status()}`);
  });
  try {
    // Long enough for the sign-in's confirmation to go stale.
    await sleep(6_000);
    await page.goto(`${env.server.url}/#/admin/${organisation.id}`);
    await expectHeading(page, `${FACILITY} の管理`);
    const suspend = async () => {
      await page.getByRole('button', { name: `${NURSE.name} さんを管理` }).click();
      await page.getByRole('button', { name: '一時停止', exact: true }).click();
      await page.getByRole('dialog', { name: `${NURSE.name} さんを一時停止しますか？` }).getByRole('button', { name: '一時停止する' }).click();
      const dialog = page.getByRole('dialog', { name: '本人確認' });
      await dialog.waitFor();
      return dialog;
    };

    // Cancelled: nothing happens, and the page says what is needed.
    let dialog = await suspend();
    await dialog.getByText('パスワードを入力し、パスキー').waitFor();
    await screenshots(page, 'admin-reauth-01-dialog');
    await dialog.getByRole('button', { name: 'キャンセル' }).click();
    await page.getByRole('alert').filter({ hasText: 'この操作には本人確認が必要です' }).waitFor();
    assert.deepEqual(calls, ['actions 403']);
    assert.equal(await nurse.page.evaluate(async () => (await fetch('/api/v1/me')).status), 200, 'suspended without confirmation');

    // Confirmed with password + passkey: the suspension is sent once more and done.
    dialog = await suspend();
    await dialog.getByLabel('パスワード').fill(PASSWORD);
    await dialog.getByRole('button', { name: '確認する' }).click();
    await page.locator('.notice[role="status"]').filter({ hasText: `${NURSE.name} さんを一時停止しました。` }).waitFor();
    assert.equal(await dialog.count(), 0, 'the dialog stayed open');
    assert.deepEqual(calls, ['actions 403', 'actions 403', 'begin 200', 'finish 204', 'actions 204']);
    assert.equal(await nurse.page.evaluate(async () => (await fetch('/api/v1/me')).status), 401, 'the nurse was not suspended');
    const unexpected = admin.problems.filter((p) => !/status of 403/.test(p));
    assert.deepEqual(unexpected.filter((p) => /Content Security Policy|uncaught/i.test(p)), []);
  } finally {
    await admin.context.close();
    await nurse.context.close();
  }
});
