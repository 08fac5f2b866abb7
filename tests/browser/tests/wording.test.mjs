// Words, not codes: the main screens in Japanese and in English — the room list on
// the home screen, the invitation card of a signed-in nurse, the registration form
// of a new person (with a refused login ID), a room's members and a facility's staff
// list — show no role, kind or field codes (`doctor`, `professional`, `login_id`) and
// no developer text (the encryption engine's version). Screenshots of each.

import assert from 'node:assert/strict';
import { test } from 'node:test';

import { screenshots } from '../lib/browser.mjs';
import {
  bootstrapAdmin, createOrganisation, createRoomUi, expectHeading, inviteStaff, newPerson, PASSWORD, registerPerson,
  roomListReady,
} from '../lib/flows.mjs';
import { browserAndServer } from '../lib/suite.mjs';

const env = browserAndServer('server-wording.log');

/** Codes of the vocabularies and request fields that must never show in the Japanese UI. */
const CODES_JA =
  /\b(doctor|nurse|care_manager|helper|therapist|pharmacist|facility_admin|officer|owner|delegate|family|professional|volunteer|login_id|display_name|invalid_input|bootstrap_admin)\b/;
/** A snake_case token (`care_manager`, `login_id`): a code in the English UI. */
const SNAKE = /\b[a-z]+(?:_[a-z0-9]+)+\b/;
/** Text for developers, not for the people using the app. */
const DEVELOPER = /暗号エンジン|engine \d|\d+\.\d+\.\d+|undefined|null\b|NaN|\[object /i;

async function useLang(page, lang) {
  if ((await page.evaluate(() => document.documentElement.lang)) !== lang) await page.locator('.lang-switch').click();
  await page.waitForFunction((l) => document.documentElement.lang === l, lang);
}

/** Fails when the visible text of the page holds a code or developer text. */
async function checkWords(page, screen, lang) {
  // Let what loads after the first paint (room names, counts) arrive.
  await page.waitForTimeout(1_500);
  const text = await page.evaluate(() => document.body.innerText);
  const code = (lang === 'ja' ? CODES_JA : SNAKE).exec(text);
  assert.equal(code, null, `${screen} (${lang}) shows the code “${code?.[0]}”:\n${text}`);
  const developer = DEVELOPER.exec(text);
  assert.equal(developer, null, `${screen} (${lang}) shows developer text “${developer?.[0]}”:\n${text}`);
  await screenshots(page, `wording-${screen}-${lang}`);
}

test('no codes or developer text on the main screens, in Japanese and English', async () => {
  const admin = await bootstrapAdmin(env.browser, env.server);
  const contexts = [admin.context];
  try {
    const clinic = await createOrganisation(admin, 'あおば在宅クリニック', 'clinic');
    const station = await createOrganisation(admin, 'あおば訪問看護ステーション', 'nursing_station');
    const doctor = await registerPerson(env.browser, env.server, await inviteStaff(admin, clinic.id, '青葉 一郎', 'doctor'), {
      login: 'aoba.ichiro', name: '青葉 一郎',
    });
    contexts.push(doctor.context);
    const nurse = await registerPerson(env.browser, env.server, await inviteStaff(admin, station.id, '看護 花子', 'nurse'), {
      login: 'kango.hanako', name: '看護 花子',
    });
    contexts.push(nurse.context);
    const newcomer = await newPerson(env.browser, { baseURL: env.server.url });
    contexts.push(newcomer.context);

    const roomId = await createRoomUi(doctor.page, '青葉 様');
    const issued = await doctor.page.request.fetch(`/api/v1/rooms/${roomId}/invitations`, {
      method: 'POST', data: { role: 'professional' }, headers: { 'content-type': 'application/json' },
    });
    assert.equal(issued.status(), 200);
    const nurseLink = (await issued.json()).link;
    const staffLink = await inviteStaff(admin, clinic.id, 'Mary Jane', 'care_manager');

    for (const lang of ['ja', 'en']) {
      // The doctor's home screen with the room list.
      await doctor.page.goto(`${env.server.url}/#/`);
      await useLang(doctor.page, lang);
      await roomListReady(doctor.page);
      await doctor.page.locator('#core-status').waitFor();
      await checkWords(doctor.page, 'home', lang);

      // The room's members.
      await doctor.page.goto(`${env.server.url}/#/rooms/${roomId}/members`);
      await doctor.page.locator('li.member').first().waitFor();
      await checkWords(doctor.page, 'members', lang);

      // The signed-in nurse's invitation card (she does not join here).
      await nurse.page.goto(`${env.server.url}/#/`);
      await nurse.page.goto(nurseLink);
      await useLang(nurse.page, lang);
      await nurse.page.locator('#invite-join').waitFor();
      await checkWords(nurse.page, 'invitation-card', lang);

      // A new person's registration form, its suggested login ID, and a refused login ID.
      await newcomer.page.goto('about:blank'); // a fresh load of the same link
      await newcomer.page.goto(staffLink);
      await useLang(newcomer.page, lang);
      await newcomer.page.locator('#password_confirm').waitFor();
      const login = newcomer.page.locator('#login_id');
      assert.equal(await login.inputValue(), 'mary.jane', 'the login ID suggested from the name');
      await login.fill('X');
      await newcomer.page.locator('#password').fill(PASSWORD);
      await newcomer.page.locator('#password_confirm').fill(PASSWORD);
      await newcomer.page.locator('form button[type="submit"]').click();
      const alert = newcomer.page.getByRole('alert');
      await alert.waitFor();
      assert.match((await alert.textContent()) ?? '', lang === 'ja' ? /^ログインID：/ : /^Login ID: /);
      await checkWords(newcomer.page, 'new-account-error', lang);

      // The facility's staff list.
      await admin.page.goto(`${env.server.url}/#/admin/${clinic.id}`);
      await useLang(admin.page, lang);
      await admin.page.locator('#admin-staff').waitFor({ timeout: 30_000 });
      await checkWords(admin.page, 'staff-list', lang);
    }
    await useLang(doctor.page, 'ja');
    await expectHeading(doctor.page, '青葉 様 のメンバー');
  } finally {
    for (const context of contexts) await context.close();
  }
});
