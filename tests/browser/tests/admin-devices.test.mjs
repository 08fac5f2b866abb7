// A facility administrator revokes a nurse's device in a real browser: the nurse,
// registered through the UI, has her browser registered as a device by the
// encryption engine; the staff list counts it ("端末 1台"); the person panel lists it
// with its registration date; revoking asks first (cancelled once), then the device
// shows as revoked and the nurse's next request from that browser gets 401. A
// second, stale administrator page trying the same device is told the server's
// words. Screenshots of the person panel with devices, phone and desktop.

import assert from 'node:assert/strict';
import { test } from 'node:test';

import { recordProblems, screenshots } from '../lib/browser.mjs';
import { api, bootstrapAdmin, createOrganisation, inviteStaff, registerPerson } from '../lib/flows.mjs';
import { browserAndServer } from '../lib/suite.mjs';
import { answerOf, checkSmallScreen, expectHeading } from '../lib/ui.mjs';

const NURSE = { login: 'sato.kango', name: '佐藤 花' };
const FACILITY = '絆訪問看護ステーション 端末';

const env = browserAndServer('server-admin-devices.log');

const row = (page, login) => page.locator(`#admin-staff tr[data-login="${login}"]`);
const devicesSection = (page) => page.locator('#admin-person .admin-devices');

/** Only the refusals the test provokes (401 after the revoke, the stale 404) may appear. */
function unexpectedProblems(problems) {
  const csp = problems.filter((p) => /Content Security Policy|uncaught/i.test(p));
  assert.deepEqual(csp, [], 'CSP violations or uncaught errors');
  return problems.filter(
    (p) => !/Failed to load resource: the server responded with a status of 40[134]/.test(p) && !/WebSocket/i.test(p),
  );
}

/** Waits until the engine in `page` registered this browser as a device; returns the live ones. */
async function liveDevices(page) {
  for (let i = 0; i < 60; i += 1) {
    const devices = await api(page, 'GET', '/me/devices');
    const live = devices.filter((d) => d.revoked_at === null);
    if (live.length > 0) return live;
    await page.waitForTimeout(1_000);
  }
  assert.fail('the engine never registered the browser as a device');
}

/** Opens the facility's administration screen and the person's panel. */
async function openPanel(page, orgId, person) {
  await page.goto('about:blank');
  await page.goto(`${env.server.url}/#/admin/${orgId}`);
  await expectHeading(page, `${FACILITY} の管理`);
  await row(page, person.login).waitFor();
  await page.getByRole('button', { name: `${person.name} さんを管理` }).click();
  await page.getByRole('heading', { name: `${person.name} さん`, exact: true }).waitFor();
}

test('administrator revokes a nurse’s device: counted, listed, confirmed, revoked, her session ends', async () => {
  const admin = await bootstrapAdmin(env.browser, env.server);
  const others = [];
  try {
    const facility = await createOrganisation(admin, FACILITY, 'nursing_station');
    const link = await inviteStaff(admin, facility.id, NURSE.name, 'nurse');
    const nurse = await registerPerson(env.browser, env.server, link, NURSE);
    others.push(nurse.context);

    // Her browser started the engine on the start screen, which registered it as a device.
    await nurse.page.goto(`${env.server.url}/#/`);
    const live = await liveDevices(nurse.page);
    assert.equal(live.length, 1, 'her browser registered more than one device');
    const [device] = live;
    assert.equal((await nurse.page.request.get('/api/v1/me')).status(), 200);

    // The staff list counts it; her panel lists it, in use, with when it was registered.
    await openPanel(admin.page, facility.id, NURSE);
    await row(admin.page, NURSE.login).getByText('端末 1台', { exact: true }).waitFor();
    const section = devicesSection(admin.page);
    await section.getByRole('heading', { name: '端末' }).waitFor();
    const item = section.locator(`li[data-device-id="${device.id}"]`);
    await item.getByText(device.name, { exact: true }).waitFor();
    await item.getByText(/^登録: \d{4}年\d{1,2}月\d{1,2}日/).waitFor();
    await item.getByText('使用中').waitFor();
    await checkSmallScreen(admin.page, 'person panel with devices');
    await section.scrollIntoViewIfNeeded();
    await screenshots(admin.page, 'admin-devices-01-panel');

    // A second administrator page, opened now, will be stale once the device is revoked.
    const stale = await admin.context.newPage();
    const staleProblems = recordProblems(stale);
    await openPanel(stale, facility.id, NURSE);
    await devicesSection(stale).locator(`li[data-device-id="${device.id}"]`).getByText('使用中').waitFor();

    // Revoking asks first, in plain words; cancelled once, nothing changes.
    const revokeButton = item.getByRole('button', { name: /^この端末を停止/ });
    await revokeButton.click();
    const dialog = admin.page.getByRole('dialog', { name: `${NURSE.name} さんの「${device.name}」を停止しますか？` });
    await dialog.waitFor();
    await dialog.getByText(/紛失・盗難・使わなくなった端末を停止します。その端末ではすぐにサインアウトされ、以後の投稿は届きません。本人は別の端末で引き続き使えます。/).waitFor();
    await checkSmallScreen(admin.page, 'revoke dialog');
    await screenshots(admin.page, 'admin-devices-02-confirm');
    await dialog.getByRole('button', { name: 'やめる' }).click();
    await dialog.waitFor({ state: 'detached' });
    assert.equal(await revokeButton.evaluate((b) => b === document.activeElement), true, 'focus did not return to the button');
    assert.equal((await nurse.page.request.get('/api/v1/me')).status(), 200, 'cancelling revoked the device');

    // Confirmed: the server revokes it, the list is fetched again and shows it revoked.
    await revokeButton.click();
    await dialog.waitFor();
    const revokePath = `/api/v1/organisations/${facility.id}/staff/${nurse.userId}/devices/${device.id}/revoke`;
    const revoked = answerOf(admin.page, revokePath);
    await dialog.getByRole('button', { name: '停止する' }).click();
    assert.equal((await revoked).status(), 204);
    await section.locator('.notice[role="status"]').filter({ hasText: `${NURSE.name} さんの「${device.name}」を停止しました。` }).waitFor();
    await item.getByText(/^停止済み（\d{4}年\d{1,2}月\d{1,2}日.*）$/).waitFor();
    assert.equal(await item.getByText('使用中').count(), 0);
    assert.equal(await item.getByRole('button').count(), 0, 'a revoked device still offers revoking');
    await row(admin.page, NURSE.login).getByText('端末 0台（停止済み 1台）', { exact: true }).waitFor();
    await checkSmallScreen(admin.page, 'person panel, device revoked');
    await section.scrollIntoViewIfNeeded();
    await screenshots(admin.page, 'admin-devices-03-revoked');

    // Her browser is signed out at once: its next request is refused.
    assert.equal((await nurse.page.request.get('/api/v1/me')).status(), 401, 'the revoked device still has a session');

    // The stale page tries the same device: the server's words, and the list refreshed.
    const staleItem = devicesSection(stale).locator(`li[data-device-id="${device.id}"]`);
    await staleItem.getByRole('button', { name: /^この端末を停止/ }).click();
    const refused = answerOf(stale, revokePath);
    await stale.getByRole('dialog').getByRole('button', { name: '停止する' }).click();
    const answer = await refused;
    assert.equal(answer.status(), 404);
    const words = (await answer.json()).error.message_ja;
    await devicesSection(stale).getByRole('alert').filter({ hasText: `端末を停止できませんでした。${words}` }).waitFor();
    await staleItem.getByText(/^停止済み/).waitFor();

    // English too.
    await admin.page.getByRole('button', { name: 'Switch the language to English' }).click();
    await item.getByText(/^Revoked \d/).waitFor();
    await item.getByText(/^Registered \d/).waitFor();
    await row(admin.page, NURSE.login).getByText('0 devices (1 revoked)', { exact: true }).waitFor();
    await section.scrollIntoViewIfNeeded();
    await screenshots(admin.page, 'admin-devices-04-english');

    assert.deepEqual(unexpectedProblems(admin.problems), [], 'console errors (administrator)');
    assert.deepEqual(unexpectedProblems(staleProblems), [], 'console errors (stale administrator page)');
  } finally {
    for (const context of others) await context.close();
    await admin.context.close();
  }
});
