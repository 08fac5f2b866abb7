// Room members and invitations, in a real browser: a doctor opens a client's room,
// invites a family member by link (with a QR code), the family member registers
// with that link and appears in the list with only the family channel; the family
// member sees the list but no invite or remove controls, and the server refuses
// them; the doctor removes them after a confirmation, and from then on the room is
// closed to them. Phone and desktop screenshots, 320 px, 44 px targets, labels,
// no console errors.

import assert from 'node:assert/strict';
import { test } from 'node:test';

import { screenshots } from '../lib/browser.mjs';
import {
  createRoomUi, entryWith, marker, openRoom, registerPerson, roomListReady, sendNote,
} from '../lib/flows.mjs';
import { api, clinicWithDoctor, unexpectedProblems } from '../lib/member-flows.mjs';
import { browserAndServer } from '../lib/suite.mjs';
import { checkSmallScreen, expectHeading } from '../lib/ui.mjs';

const ROOM = '田中 様';
const FAMILY = '田中 花子';

const env = browserAndServer('server-members.log');

/** The member cards as a person reads them. */
async function memberCards(page) {
  return page.locator('li.member').evaluateAll((items) =>
    items.map((li) => ({
      name: li.querySelector('.member-name')?.textContent?.trim() ?? '',
      role: li.dataset.role,
      channels: li.dataset.channels,
      roleText: li.querySelector('.member-role')?.textContent?.trim() ?? '',
      channelText: li.querySelector('.member-channels')?.textContent?.trim() ?? '',
      devices: li.querySelector('.member-devices')?.textContent?.trim() ?? '',
      removable: li.querySelector('button') !== null,
    })),
  );
}

test('owner invites family by link + QR, family sees the list only, owner removes them', async () => {
  const { admin, doctor } = await clinicWithDoctor(env.browser, env.server, {
    doctorContext: { permissions: ['clipboard-read', 'clipboard-write'] },
  });
  const contexts = [admin.context, doctor.context];
  const problems = doctor.problems;
  try {
    // The doctor opens the room through the UI (its team and family channels are made then).
    const roomId = await createRoomUi(doctor.page, ROOM);
    const membersUrl = `${env.server.url}/#/rooms/${roomId}/members`;

    // The owner's screen: themself as owner with both channels, the invite form.
    const page = doctor.page;
    await page.goto(membersUrl);
    await expectHeading(page, `${ROOM} のメンバー`);
    await page.getByRole('heading', { name: 'メンバー（1人）' }).waitFor();
    let cards = await memberCards(page);
    assert.equal(cards.length, 1);
    assert.equal(cards[0].name, '山田 一郎（あなた）');
    assert.equal(cards[0].role, 'owner');
    assert.equal(cards[0].channelText, 'チーム・家族');
    assert.ok(cards[0].devices !== '', 'no device count');
    assert.equal(cards[0].removable, false, 'the owner can be removed');
    await page.getByRole('heading', { name: 'メンバーを招待' }).waitFor();
    await checkSmallScreen(page, 'members (owner)');
    await screenshots(page, 'members-01-owner');

    // A name is needed before a link is made.
    await page.getByRole('button', { name: '招待リンクを作る' }).click();
    await page.getByRole('alert').filter({ hasText: 'お名前を入力してください。' }).waitFor();

    // Invite the daughter as family: a one-time link, its expiry, a QR code.
    await page.getByLabel('招待する方のお名前').fill(FAMILY);
    await page.getByLabel('ご家族', { exact: true }).check();
    const issuedAnswer = page.waitForResponse((r) => r.url().endsWith(`/rooms/${roomId}/invitations`));
    await page.getByRole('button', { name: '招待リンクを作る' }).click();
    const issued = await (await issuedAnswer).json();
    await page.getByRole('heading', { name: `${FAMILY} さんへの招待リンクができました` }).waitFor();
    const link = await page.getByLabel('招待リンク', { exact: true }).inputValue();
    assert.equal(link, issued.link);
    assert.match(link, /^http:\/\/localhost:\d+\/#\/invite\/\S+$/);
    assert.match((await page.locator('#invite-expires').textContent()) ?? '', /^有効期限: .*\d/);
    const qr = page.getByRole('img', { name: `${FAMILY} さんへの招待リンクのQRコード` });
    await qr.waitFor();
    const modules = await qr.evaluate((svg) => ({
      tag: svg.tagName.toLowerCase(),
      dark: Number(svg.getAttribute('data-modules')),
      squares: (svg.querySelector('path')?.getAttribute('d') ?? '').split('M').length - 1,
      side: svg.getBoundingClientRect().width,
    }));
    assert.equal(modules.tag, 'svg');
    assert.ok(modules.dark > 200, `only ${modules.dark} dark modules`);
    assert.equal(modules.squares, modules.dark);
    assert.ok(modules.side >= 150, `QR code drawn ${modules.side}px wide`);
    await page.getByRole('button', { name: 'リンクをコピー' }).click();
    await page.getByText('リンクをコピーしました。').waitFor();
    assert.equal(await page.evaluate(() => navigator.clipboard.readText()), link);
    await checkSmallScreen(page, 'members (invitation)');
    await screenshots(page, 'members-02-invitation');

    // What the server keeps of the room and the invitation: no name in clear.
    const listed = await api(page, 'GET', '/api/v1/rooms');
    assert.equal(listed.status, 200);
    const stored = listed.body.find((r) => r.id === roomId);
    assert.ok(stored.sealed_state, 'the room has a sealed state');
    assert.ok(!JSON.stringify(listed.body).includes('田中'), `the room list holds the name: ${JSON.stringify(listed.body)}`);
    const inspected = await api(page, 'POST', '/api/v1/invitations/inspect', { token: link.split('#/invite/')[1] });
    assert.equal(inspected.body.invitee_name, null);
    assert.ok(inspected.body.sealed_invitee_name, 'the invitee name is sealed');
    assert.ok(!JSON.stringify(inspected.body).includes('田中'));

    // The daughter registers with the link in her own browser; her browser opens the
    // sealed name with the link and shows who the invitation is for.
    const family = await registerPerson(env.browser, env.server, link, {
      login: 'tanaka.hanako',
      name: FAMILY,
      onForm: async (opened) => {
        await opened.frame().page().getByText(`${FAMILY} さんへの招待です。`).waitFor({ timeout: 15_000 });
      },
    });
    contexts.push(family.context);
    const familyProblems = family.problems;

    // She is in the list as family, with the family channel only; no controls for her.
    await family.page.goto(membersUrl);
    await expectHeading(family.page, `${ROOM} のメンバー`);
    await family.page.getByRole('heading', { name: 'メンバー（2人）' }).waitFor();
    cards = await memberCards(family.page);
    const herself = cards.find((c) => c.name.startsWith(FAMILY));
    assert.ok(herself, JSON.stringify(cards));
    assert.equal(herself.role, 'family');
    assert.equal(herself.channels, 'family');
    assert.equal(herself.channelText, '家族');
    assert.deepEqual(cards.map((c) => c.removable), [false, false], 'family sees remove buttons');
    assert.equal(await family.page.getByRole('heading', { name: 'メンバーを招待' }).count(), 0);
    assert.equal(await family.page.getByRole('button', { name: /外す/ }).count(), 0);
    await family.page.locator('#members-view-only').waitFor();
    await checkSmallScreen(family.page, 'members (family)');
    await screenshots(family.page, 'members-03-family');

    // …and the server refuses her an invitation of her own.
    const refused = await api(family.page, 'POST', `/api/v1/rooms/${roomId}/invitations`, {
      role: 'family',
    });
    assert.ok([403, 404].includes(refused.status), `family invited: ${refused.status}`);

    await familySeesOnlyFamily({ doctor, family, roomId });

    // The owner sees her as family (family channel only) and removes her.
    await page.reload();
    await page.getByRole('heading', { name: 'メンバー（2人）' }).waitFor();
    cards = await memberCards(page);
    const daughter = cards.find((c) => c.name === FAMILY);
    assert.ok(daughter, JSON.stringify(cards));
    assert.equal(daughter.roleText, 'ご家族');
    assert.equal(daughter.channelText, '家族');
    assert.equal(daughter.removable, true);
    await page.getByRole('button', { name: `${FAMILY} さんを外す` }).click();
    const dialog = page.getByRole('dialog', { name: `${FAMILY} さんをこのルームから外しますか？` });
    await dialog.waitFor();
    assert.match((await dialog.textContent()) ?? '', /すぐに/);
    await checkSmallScreen(page, 'members (confirm removal)');
    await screenshots(page, 'members-04-confirm-removal');

    // Cancelling keeps her; confirming removes her.
    await dialog.getByRole('button', { name: 'やめる' }).click();
    await dialog.waitFor({ state: 'hidden' });
    assert.equal((await memberCards(page)).length, 2);
    await page.getByRole('button', { name: `${FAMILY} さんを外す` }).click();
    const removed = page.waitForResponse((r) => r.request().method() === 'DELETE');
    await dialog.getByRole('button', { name: '外す', exact: true }).click();
    assert.equal((await removed).status(), 204);
    await page.getByText(`${FAMILY} さんをこのルームから外しました。`).waitFor();
    await page.getByRole('heading', { name: 'メンバー（1人）' }).waitFor();
    cards = await memberCards(page);
    assert.deepEqual(cards.map((c) => c.role), ['owner']);
    await screenshots(page, 'members-05-removed');

    // From now on the room is closed to her.
    const list = await api(family.page, 'GET', `/api/v1/rooms/${roomId}/members`);
    assert.equal(list.status, 404);
    const again = await api(family.page, 'POST', `/api/v1/rooms/${roomId}/invitations`, {
      role: 'family',
    });
    assert.equal(again.status, 404);
    const rooms = await api(family.page, 'GET', '/api/v1/rooms');
    assert.deepEqual(rooms.body, []);
    await family.page.reload();
    await family.page.getByRole('alert').waitFor();

    // English too. (This page was reloaded: the room's name is sealed and shows only
    // once the device's vault is unlocked again, so only the heading's words are checked.)
    await page.getByRole('button', { name: 'Switch the language to English' }).click();
    await page.waitForFunction(() => document.querySelector('h1')?.textContent?.trim().startsWith('Members of '));
    await page.getByRole('heading', { name: 'Invite someone' }).waitFor();
    await page.getByRole('button', { name: '表示を日本語に切り替える' }).click();

    const violations = [...problems, ...familyProblems].filter((p) => /Content Security Policy|uncaught/i.test(p));
    assert.deepEqual(violations, []);
    assert.deepEqual(unexpectedProblems(problems), [], 'console errors (owner)');
    assert.deepEqual(unexpectedProblems(familyProblems), [], 'console errors (family)');
  } finally {
    for (const context of contexts) await context.close();
  }
});

/** True if the page shows or holds `text` (or its UUID part) anywhere: text, markup, attributes. */
async function pageHas(page, text) {
  const id = text.split(' ').at(-1);
  const html = await page.content();
  const shown = await page.evaluate(() => document.body.innerText);
  return [html, shown].some((where) => where.includes(text) || where.includes(id));
}

/**
 * A family context sees only the family channel: with the family member in the room,
 * the doctor writes one note in the team channel and one in the family channel; the
 * family member has the family tab only, the family note, and the team note nowhere,
 * not even on the team channel's address typed by hand.
 */
async function familySeesOnlyFamily({ doctor, family, roomId }) {
  const teamNote = marker('チームだけの申し送り');
  const familyNote = marker('ご家族への連絡');
  const roomUrl = (channel) => `${env.server.url}/#/rooms/${roomId}/${channel}`;

  // She opens the room from her room list; the doctor's device adds hers to the family channel.
  await family.page.goto(`${env.server.url}/#/`);
  await roomListReady(family.page);
  await openRoom(family.page, roomId, ROOM, 'family');

  // The doctor writes in the team channel, then in the family channel.
  await doctor.page.goto(roomUrl('team'));
  await expectHeading(doctor.page, ROOM);
  await doctor.page.locator('.composer').waitFor();
  await sendNote(doctor.page, teamNote);
  await entryWith(doctor.page, teamNote).waitFor({ timeout: 30_000 });
  await doctor.page.locator('.channel-tabs a[data-channel="family"]').click();
  await doctor.page.waitForURL(new RegExp(`#/rooms/${roomId}/family$`));
  await doctor.page.locator('.composer').waitFor();
  await sendNote(doctor.page, familyNote);
  await entryWith(doctor.page, familyNote).waitFor({ timeout: 30_000 });

  // She sees the family note; only the family tab exists; the team note is nowhere.
  const page = family.page;
  await entryWith(page, familyNote).waitFor({ timeout: 30_000 });
  const tabs = await page.locator('.channel-tabs a').evaluateAll((links) => links.map((a) => a.dataset.channel));
  assert.deepEqual(tabs, ['family'], 'the family member is offered other channels');
  assert.equal(await page.locator('a[href$="/team"]').count(), 0, 'a link to the team channel');
  assert.equal(await pageHas(page, teamNote), false, 'the team note is in the family member\'s page');
  await checkSmallScreen(page, 'room (family)');
  await screenshots(page, 'members-03b-family-room');

  // The team channel's address typed by hand: a clear refusal, no posts, no composer,
  // still only the family tab.
  await page.goto(roomUrl('team'));
  await page.waitForURL(new RegExp(`#/rooms/${roomId}/team$`));
  await expectHeading(page, ROOM);
  const message = page.locator('#channel-not-yours');
  await message.waitFor();
  assert.equal(
    (await message.textContent())?.trim(),
    'このルームの「チーム」チャンネルはあなたの役割では見られません。見られるチャンネルを上のタブから選んでください。',
  );
  await page.waitForTimeout(3_000); // time for anything that would arrive to arrive
  assert.equal(await page.locator('li.entry').count(), 0, 'posts shown on the team channel');
  assert.equal(await page.locator('form textarea, .composer-tabs').count(), 0, 'a composer on the team channel');
  assert.deepEqual(
    await page.locator('.channel-tabs a').evaluateAll((links) => links.map((a) => a.dataset.channel)),
    ['family'],
  );
  assert.equal(await pageHas(page, teamNote), false, 'the team note is shown on the typed-in team address');
  assert.equal(await pageHas(page, familyNote), false, 'the family note is shown as a team post');
  await screenshots(page, 'members-03c-family-team-address');

  // Both back on the members screen, where the test goes on.
  for (const person of [doctor, family]) {
    await person.page.goto(`${env.server.url}/#/rooms/${roomId}/members`);
    await expectHeading(person.page, `${ROOM} のメンバー`);
  }
}
