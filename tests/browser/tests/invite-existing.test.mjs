// A room invitation for someone who already has an account, in a real browser with
// real MLS: a nurse of a visiting-nurse station, signed in, opens the doctor's room
// invitation link and is offered 「参加する」 with who invites (the doctor's name),
// the care team and her role in words (not a registration form); she joins, lands
// in the room and reads the note the doctor wrote before she joined and the one
// written after. Opening the used link again leads her to the room, also in a fresh
// browser (another device, her passkey synced there, signed in there: the server
// says where her own used link led); a family member who registered with her link
// is led to the room too; someone else opening a used link is told it cannot be
// used and is offered the way home. Phone and desktop screenshots.

import assert from 'node:assert/strict';
import { test } from 'node:test';

import { signIn } from '../lib/admin-flows.mjs';
import { PHONE, recordProblems, screenshots } from '../lib/browser.mjs';
import {
  bootstrapAdmin, createOrganisation, createRoomUi, entryWith, expectHeading, inviteStaff, marker, PASSWORD, registerPerson,
  roomListReady, sendNote, unexpectedProblems,
} from '../lib/flows.mjs';
import { browserAndServer } from '../lib/suite.mjs';
import { checkSmallScreen } from '../lib/ui.mjs';

const ROOM = '佐藤 様';
const FAMILY = 'さとう はなこ';

const env = browserAndServer('server-invite-existing.log');

/** The owner makes a room invitation on the members screen; returns the link. */
async function invitationLink(page, roomId, name, roleLabel) {
  await page.goto(`${env.server.url}/#/rooms/${roomId}/members`);
  await expectHeading(page, `${ROOM} のメンバー`);
  await page.getByLabel('招待する方のお名前').fill(name);
  await page.getByLabel(roleLabel, { exact: true }).check();
  await page.getByRole('button', { name: '招待リンクを作る' }).click();
  await page.getByRole('heading', { name: `${name} さんへの招待リンクができました` }).waitFor();
  return page.getByLabel('招待リンク', { exact: true }).inputValue();
}

/**
 * `person` on another device: a fresh browser context (no storage of the first one)
 * whose passkey is theirs, as a synced passkey would be, signed in there with
 * login ID, password and that passkey.
 */
async function onAnotherDevice(person) {
  const context = await env.browser.newContext({ viewport: PHONE, locale: 'ja-JP', baseURL: env.server.url });
  const page = await context.newPage();
  const problems = recordProblems(page);
  const cdp = await context.newCDPSession(page);
  await cdp.send('WebAuthn.enable', { enableUI: false });
  const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
    options: {
      protocol: 'ctap2', transport: 'internal', hasResidentKey: true, hasUserVerification: true,
      isUserVerified: true, hasPrf: true, automaticPresenceSimulation: true,
    },
  });
  for (const credential of await person.authenticator.credentials()) {
    await cdp.send('WebAuthn.addCredential', { authenticatorId, credential });
  }
  const finish = await signIn(page, env.server.url, person.login, PASSWORD);
  assert.equal(finish?.status(), 200, `${person.login} could not sign in on another device`);
  await expectHeading(page, 'ホーム');
  return { context, page, problems };
}

/** Waits until this device is in the channel on screen (asking for news while it waits). */
async function joined(page) {
  for (let i = 0; i < 60 && (await page.locator('#not-joined').count()) > 0; i += 1) {
    if (i % 5 === 4 && (await page.locator('#room-refresh').isEnabled())) await page.locator('#room-refresh').click();
    await page.waitForTimeout(1_000);
  }
  await page.locator('#not-joined').waitFor({ state: 'detached', timeout: 5_000 });
  await page.locator('.composer').waitFor();
}

/** The doctor back in the room's team channel (their engine adds the newcomers' devices). */
async function doctorInRoom(doctor, roomId) {
  await doctor.page.goto(`${env.server.url}/#/rooms/${roomId}/team`);
  await expectHeading(doctor.page, ROOM);
  await doctor.page.locator('.composer').waitFor();
}

test('a signed-in nurse joins with a room invitation; used links lead to the room', async () => {
  const admin = await bootstrapAdmin(env.browser, env.server);
  const contexts = [admin.context];
  try {
    const clinic = await createOrganisation(admin, 'みなと在宅クリニック', 'clinic');
    const station = await createOrganisation(admin, 'みなと訪問看護ステーション', 'nursing_station');
    const doctor = await registerPerson(env.browser, env.server, await inviteStaff(admin, clinic.id, '山田 一郎', 'doctor'), {
      login: 'yamada.doctor', name: '山田 一郎',
    });
    contexts.push(doctor.context);
    const nurse = await registerPerson(env.browser, env.server, await inviteStaff(admin, station.id, '看護 花子', 'nurse'), {
      login: 'kango.hanako', name: '看護 花子',
    });
    contexts.push(nurse.context);

    // The doctor opens the room and writes a note before anyone else is in it.
    const roomId = await createRoomUi(doctor.page, ROOM);
    const before = marker('参加前の記録');
    await sendNote(doctor.page, before);
    await entryWith(doctor.page, before).waitFor({ timeout: 30_000 });
    const link = await invitationLink(doctor.page, roomId, '看護 花子', '専門職');
    await doctorInRoom(doctor, roomId);

    // The nurse, signed in on her home screen, opens the link: a card to join, not a form.
    await roomListReady(nurse.page);
    await nurse.page.goto(link);
    await expectHeading(nurse.page, 'ケアチームへの招待');
    const card = nurse.page.locator('#invite-join');
    await card.locator('#invite-join-lead').waitFor();
    assert.equal((await card.locator('#invite-join-lead').textContent())?.trim(), '山田 一郎 さんからのケアチームへの招待です。');
    assert.equal((await card.locator('#invite-join-role').textContent())?.trim(), '役割: 専門職');
    assert.match((await card.locator('#invite-join-as').textContent()) ?? '', /看護 花子 さん（ログインID: kango\.hanako）/);
    assert.match((await card.locator('#invite-join-for').textContent()) ?? '', /看護 花子 さんあて/);
    assert.equal(await nurse.page.getByLabel('パスワード', { exact: true }).count(), 0, 'a registration form for a signed-in person');
    assert.doesNotMatch(await card.innerText(), /professional|doctor|nurse/);
    await nurse.page.getByRole('button', { name: '参加しない' }).waitFor();
    await checkSmallScreen(nurse.page, 'invitation (signed in)');
    await screenshots(nurse.page, 'invite-existing-01-card');

    // 参加する: she lands in the room's team channel and reads the note from before.
    const accepted = nurse.page.waitForResponse((r) => r.url().endsWith('/api/v1/invitations/accept'));
    await nurse.page.getByRole('button', { name: '参加する' }).click();
    assert.equal((await accepted).status(), 200);
    await nurse.page.waitForURL(new RegExp(`#/rooms/${roomId}/team$`), { timeout: 30_000 });
    await joined(nurse.page);
    await expectHeading(nurse.page, ROOM);
    await entryWith(nurse.page, before).waitFor({ timeout: 60_000 });

    // …and the note the doctor writes now.
    const after = marker('参加後の記録');
    await sendNote(doctor.page, after);
    await entryWith(doctor.page, after).waitFor({ timeout: 30_000 });
    await entryWith(nurse.page, after).waitFor({ timeout: 60_000 });
    await screenshots(nurse.page, 'invite-existing-02-in-room');

    // The used link again: straight to the room.
    await nurse.page.goto(`${env.server.url}/#/`);
    await roomListReady(nurse.page);
    await nurse.page.goto(link);
    await nurse.page.waitForURL(new RegExp(`#/rooms/${roomId}/team$`), { timeout: 30_000 });
    await expectHeading(nurse.page, ROOM);

    // …and on another device, where nothing of the first is remembered: the room too.
    const phone = await onAnotherDevice(nurse);
    contexts.push(phone.context);
    const inspected = phone.page.waitForResponse((r) => r.url().endsWith('/api/v1/invitations/inspect'));
    await phone.page.goto(link);
    assert.equal((await inspected).status(), 200, 'her own used link is not recognised on another device');
    await phone.page.waitForURL(new RegExp(`#/rooms/${roomId}/team$`), { timeout: 30_000 });
    await phone.page.locator('.composer').waitFor();
    assert.equal(await phone.page.locator('#invite-gone, #invite-join').count(), 0);
    await screenshots(phone.page, 'invite-existing-02b-used-link-other-device');

    // A family member registers with her own link; the form suggests a login ID from her name.
    const familyLink = await invitationLink(doctor.page, roomId, FAMILY, 'ご家族');
    await doctorInRoom(doctor, roomId);
    let suggested = '';
    const family = await registerPerson(env.browser, env.server, familyLink, {
      login: 'sato.hanako',
      onForm: async (opened) => {
        const page = opened.frame().page();
        await page.getByText(`${FAMILY} さんへの招待です。`).waitFor({ timeout: 15_000 });
        assert.equal((await page.locator('#invite-role').textContent())?.trim(), '役割: ご家族');
        await page.getByText('例: hanako.kango').waitFor();
        suggested = await page.getByLabel('ログインID').inputValue();
        await screenshots(page, 'invite-existing-03-new-account-form');
      },
    });
    contexts.push(family.context);
    assert.equal(suggested, 'satou.hanako', 'the login ID suggested from the name');

    // Signed in, she opens her used link again: her room (the family channel).
    await roomListReady(family.page);
    await family.page.goto(familyLink);
    await family.page.waitForURL(new RegExp(`#/rooms/${roomId}/family$`), { timeout: 30_000 });
    await expectHeading(family.page, ROOM);

    // The nurse opening the family member's used link: it cannot be used, and the way home.
    await nurse.page.goto(familyLink);
    await expectHeading(nurse.page, 'この招待リンクは使えません');
    const gone = nurse.page.locator('#invite-gone');
    assert.match((await gone.getByRole('alert').textContent()) ?? '', /このリンクは使えません/);
    await gone.getByText('あなたが参加しているルームは、ホームの一覧から開けます。').waitFor();
    await screenshots(nurse.page, 'invite-existing-04-used-by-someone-else');
    await nurse.page.getByRole('link', { name: 'ホームへ' }).click();
    await expectHeading(nurse.page, 'ホーム');

    for (const person of [doctor, nurse, { ...phone, login: 'kango.hanako (another device)' }, family]) {
      const violations = person.problems.filter((p) => /Content Security Policy|uncaught/i.test(p));
      assert.deepEqual(violations, [], `CSP or uncaught errors (${person.login})`);
      // 409: two devices settling the same membership change at once (the engine retries).
      assert.deepEqual(unexpectedProblems(person.problems), [], `console errors (${person.login})`);
    }
  } finally {
    for (const context of contexts) await context.close();
  }
});
