// Issue 15, item 1: every post reaches every open page live, the room's creator
// included. A doctor creates a room through the UI and invites a nurse from the
// members screen; the nurse registers with the link and opens the room; later a
// care manager joins with an invitation of her own while the first two pages stay
// open, and later still a family member, who reads only the family channel (the
// others follow her there by its tab). No page is ever reloaded: each post must
// arrive over the live link within a second of the click on 送信, measured from the
// click to the entry showing on each other page; every figure is printed.

import assert from 'node:assert/strict';
import { test } from 'node:test';

import {
  bootstrapAdmin, createOrganisation, createRoomUi, entryWith, expectHeading, inviteStaff, marker, openRoom, registerPerson,
  roomListReady, unexpectedProblems,
} from '../lib/flows.mjs';
import { browserAndServer } from '../lib/suite.mjs';

const ROOM = '鈴木 様';
const LIVE_MS = 1_000;

const env = browserAndServer('server-live.log');

/**
 * The owner, in the room, opens the members screen through its link, makes an
 * invitation for `name` (a professional unless `roleLabel` says otherwise) and goes
 * back to the room through the screen's link (no reload). Returns the link.
 */
async function inviteFromRoom(owner, name, roleLabel = '専門職') {
  const page = owner.page;
  await page.locator('a.members-link').click();
  await expectHeading(page, `${ROOM} のメンバー`);
  await page.getByLabel('招待する方のお名前').fill(name);
  await page.getByLabel(roleLabel, { exact: true }).check();
  await page.getByRole('button', { name: '招待リンクを作る' }).click();
  await page.getByRole('heading', { name: `${name} さんへの招待リンクができました` }).waitFor();
  const link = await page.getByLabel('招待リンク', { exact: true }).inputValue();
  await page.getByRole('link', { name: 'ルームに戻る' }).click();
  await expectHeading(page, ROOM);
  await page.locator('.composer').waitFor();
  return link;
}

/** Opens the room's family channel by its tab (no reload); waits until this device is in it. */
async function toFamilyChannel(page, roomId) {
  await page.locator('.channel-tabs a[data-channel="family"]').click();
  await page.waitForURL(new RegExp(`#/rooms/${roomId}/family$`));
  await page.locator('#not-joined').waitFor({ state: 'detached', timeout: 60_000 });
  await page.locator('.composer').waitFor();
}

/** Marks the page's document: a reload or a navigation away would drop the mark. */
async function markDocument(page) {
  await page.evaluate(() => {
    window.kizunaLiveTest = true;
  });
}

/**
 * `sender` posts `text` (in the note box labelled `sender.composer`, the team
 * channel's by default); the entry is awaited on every other page from before the
 * click. Returns the milliseconds from the click to the entry showing on each
 * page (the sender's own: the server took it), printed as they are measured.
 */
async function postAndTime(sender, others, text) {
  const page = sender.page;
  await page.getByLabel(sender.composer ?? '記録を書く', { exact: true }).fill(text);
  await page.locator('.urgency input[value="normal"]').check();
  const send = page.locator('#send-note');
  await send.waitFor();
  const shown = (person) => entryWith(person.page, text).waitFor({ timeout: 30_000 }).then(() => Date.now());
  const arrivals = others.map(shown);
  const own = shown(sender);
  const clicked = Date.now();
  await send.click();
  const times = await Promise.all(arrivals);
  const figures = Object.fromEntries(others.map((person, i) => [person.label, times[i] - clicked]));
  const sent = (await own) - clicked;
  console.log(`live: ${sender.label} → ${others.map((p) => `${p.label} ${figures[p.label]} ms`).join(', ')} (own page ${sent} ms)`);
  return figures;
}

test('creator, invitee and late joiner get every post live, without a reload', { timeout: 300_000 }, async () => {
  const admin = await bootstrapAdmin(env.browser, env.server);
  const contexts = [admin.context];
  const measured = [];
  try {
    const clinic = await createOrganisation(admin, 'みなと在宅クリニック', 'clinic');
    const doctorLink = await inviteStaff(admin, clinic.id, '山田 一郎', 'doctor');
    const doctor = await registerPerson(env.browser, env.server, doctorLink, { login: 'yamada.doctor', name: '山田 一郎' });
    contexts.push(doctor.context);
    doctor.label = 'doctor (creator)';
    await markDocument(doctor.page);

    // The doctor creates the room and invites the nurse from the members screen.
    const roomId = await createRoomUi(doctor.page, ROOM);
    const nurseLink = await inviteFromRoom(doctor, '看護 花子');

    // The nurse registers with the link (a new account) and opens the room.
    const nurse = await registerPerson(env.browser, env.server, nurseLink, { login: 'kango.hanako', name: '看護 花子' });
    contexts.push(nurse.context);
    nurse.label = 'nurse (invitee)';
    await roomListReady(nurse.page);
    await openRoom(nurse.page, roomId, ROOM);
    await markDocument(nurse.page);

    // Before anyone else joins: the creator's post reaches the nurse, her reply the creator.
    measured.push([`${doctor.label} → nurse (before)`, await postAndTime(doctor, [nurse], marker('訪問前の申し送り'))]);
    measured.push([`${nurse.label} → doctor (before)`, await postAndTime(nurse, [doctor], marker('了解しました'))]);

    // Later, a care manager is invited the same way while both pages stay open.
    const managerLink = await inviteFromRoom(doctor, 'ケア 真理');
    const manager = await registerPerson(env.browser, env.server, managerLink, { login: 'care.mari', name: 'ケア 真理' });
    contexts.push(manager.context);
    manager.label = 'care manager (late joiner)';
    await roomListReady(manager.page);
    await openRoom(manager.page, roomId, ROOM);
    await markDocument(manager.page);

    // Each of the three writes; each post shows on the other two pages.
    const everyone = [doctor, nurse, manager];
    for (const round of ['1', '2']) {
      for (const sender of everyone) {
        const others = everyone.filter((p) => p !== sender);
        measured.push([`${sender.label} → others (round ${round})`, await postAndTime(sender, others, marker(`${sender.label} ${round}`))]);
      }
    }

    // Later still, a family member joins; she reads only the family channel, where
    // the other three follow her (switching tabs, not reloading) and everyone writes.
    const familyLink = await inviteFromRoom(doctor, '鈴木 花子', 'ご家族');
    const family = await registerPerson(env.browser, env.server, familyLink, { login: 'suzuki.hanako', name: '鈴木 花子' });
    contexts.push(family.context);
    family.label = 'family (late joiner)';
    await roomListReady(family.page);
    await openRoom(family.page, roomId, ROOM, 'family');
    await markDocument(family.page);
    for (const person of everyone) {
      await toFamilyChannel(person.page, roomId);
      person.composer = 'ご家族に向けて記録を書く';
    }
    family.composer = 'ケアチームへの連絡・質問を書く';
    const inFamily = [...everyone, family];
    for (const sender of [doctor, family, nurse, manager, family]) {
      const others = inFamily.filter((p) => p !== sender);
      measured.push([`${sender.label} → others (family channel)`, await postAndTime(sender, others, marker(`${sender.label} ご家族へ`))]);
    }

    const slow = measured.flatMap(([post, figures]) =>
      Object.entries(figures).filter(([, ms]) => ms >= LIVE_MS).map(([who, ms]) => `${post}: ${who} after ${ms} ms`));
    assert.deepEqual(slow, [], `posts not live (over ${LIVE_MS} ms)`);

    // Nobody's page was reloaded (the same document all along) or left the room.
    for (const person of inFamily) {
      assert.equal(await person.page.evaluate(() => window.kizunaLiveTest), true, `${person.label}'s page was reloaded`);
      assert.match(person.page.url(), new RegExp(`#/rooms/${roomId}/family$`), `${person.label} left the room`);
      await person.page.locator('.connection[data-live="open"]').waitFor({ timeout: 5_000 });
      assert.deepEqual(unexpectedProblems(person.problems), [], `${person.label}: console errors`);
    }
  } finally {
    for (const context of contexts) await context.close();
  }
});
