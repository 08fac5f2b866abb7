// Flows several browser tests share: registering through an invitation link in the
// UI (the one implementation: link → password → passkey, in a new browser context
// or a given page), the first administrator, the facilities and staff invitations
// over the HTTP API (as the administrator),
// a room with a doctor and a nurse both in its team channel, and the checks that
// nothing readable ever left the page.

import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';

import { addAuthenticator, PHONE, recordProblems, recordRequests } from './browser.mjs';
import { answerOf, expectHeading } from './ui.mjs';

export { answerOf, checkSmallScreen, expectHeading } from './ui.mjs';

export const PASSWORD = 'Tq7#mVb2!pLx';

/** A JSON API call with the context's session cookie; throws with the server's words. */
export async function api(page, method, path, body) {
  const response = await page.request.fetch(`/api/v1${path}`, {
    method,
    data: body === undefined ? undefined : body,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
  });
  const text = await response.text();
  if (!response.ok()) throw new Error(`${method} ${path}: ${response.status()} ${text}`);
  return text === '' ? null : JSON.parse(text);
}

/**
 * A new browser context (phone size, Japanese; `baseURL` for `page.request`) with a
 * virtual passkey, its console problems and requests recorded.
 */
export async function newPerson(browser, { baseURL, contextOptions = {} } = {}) {
  const context = await browser.newContext({
    viewport: PHONE,
    locale: 'ja-JP',
    ...(baseURL === undefined ? {} : { baseURL }),
    ...contextOptions,
  });
  const page = await context.newPage();
  const authenticator = await addAuthenticator(page);
  const problems = recordProblems(page);
  const recorded = recordRequests(page);
  return { context, page, authenticator, problems, recorded };
}

/**
 * Registers through a one-time link in `page` (which has a virtual passkey): login ID,
 * name (unless left out), password twice, "次へ", the device name, the passkey.
 * `onForm(opened)` runs once the form is shown (`opened`: the answer to the page
 * load), `onPasskey()` once the passkey step is. Asserts the server took it and
 * the person arrived signed in on the start screen (#/, "ホーム") with the vault
 * opened by the passkey's PRF. Returns { answer, grant } of register/finish.
 */
export async function registerOnPage(page, link, options) {
  const { login, name, password = PASSWORD, device = 'テスト端末', onForm, onPasskey } = options;
  const opened = await page.goto(link);
  await expectHeading(page, '招待リンクから登録');
  await onForm?.(opened);
  await page.getByLabel('ログインID').fill(login);
  if (name !== undefined) await page.getByLabel('お名前（チームに表示されます）').fill(name);
  await page.getByLabel('パスワード', { exact: true }).fill(password);
  await page.getByLabel('パスワード（確認のためもう一度）').fill(password);
  await page.getByRole('button', { name: '次へ' }).click();
  const register = page.getByRole('button', { name: 'パスキーを登録する' });
  await register.waitFor();
  await onPasskey?.();
  await page.getByLabel('この端末の名前（例: 事業所のPC、私のスマホ）').fill(device);
  const finished = answerOf(page, '/api/v1/invitations/register/finish');
  await register.click();
  const answer = await finished;
  assert.equal(answer.status(), 200, `registration of ${login} refused`);
  const grant = await answer.json();
  await page.waitForFunction(() => location.hash === '#/' || location.hash === '', null, { timeout: 20_000 });
  await expectHeading(page, 'ホーム');
  await page.locator('#vault-status[data-kind="prf"]').waitFor();
  return { answer, grant };
}

/**
 * A new browser context (see newPerson) whose person registers through `link`
 * (see registerOnPage). Returns the person: { context, page, authenticator,
 * problems, recorded, login, name, userId }.
 */
export async function registerPerson(browser, server, link, { contextOptions, ...options }) {
  const person = await newPerson(browser, { baseURL: server.url, contextOptions });
  const { grant } = await registerOnPage(person.page, link, options);
  return { ...person, login: options.login, name: options.name, userId: grant.user_id };
}

/** The first administrator, registered through the bootstrap link. */
export async function bootstrapAdmin(browser, server) {
  assert.ok(server.bootstrapLink, 'the server printed no bootstrap link');
  return registerPerson(browser, server, server.bootstrapLink, { login: 'admin.kanri', name: '管理 太郎' });
}

/** A facility (as the administrator, over the API). */
export async function createOrganisation(admin, name, kind) {
  return api(admin.page, 'POST', '/organisations', { name, kind });
}

/** A staff invitation link (as the administrator, over the API). */
export async function inviteStaff(admin, orgId, name, role) {
  const issued = await api(admin.page, 'POST', `/organisations/${orgId}/invitations`, { invitee_name: name, role });
  return issued.link;
}

/** Waits until the room list shows (the engine started: device registered, synced). */
export async function roomListReady(page) {
  await page.locator('#rooms-heading').waitFor({ timeout: 60_000 });
}

/** The doctor creates a room through the UI; returns its ID (the page is in the room). */
export async function createRoomUi(page, name) {
  await roomListReady(page);
  await page.locator('details.create-room summary').click();
  await page.getByLabel('ご利用者の名前（ルーム名）').fill(name);
  await page.getByRole('button', { name: '作成する' }).click();
  await page.waitForURL(/#\/rooms\/[0-9a-f-]{36}\/team$/, { timeout: 30_000 });
  await expectHeading(page, name);
  return /#\/rooms\/([0-9a-f-]{36})\//.exec(page.url())[1];
}

/** Invites `person` into the room (as its owner, over the API) and has them accept. */
export async function joinRoom(owner, person, roomId, role = 'professional') {
  const issued = await api(owner.page, 'POST', `/rooms/${roomId}/invitations`, { role });
  const token = issued.link.split('#/invite/')[1];
  await api(person.page, 'POST', '/invitations/accept', { token });
}

/** Opens a room channel from the room list and waits until this device is in it. */
export async function openRoom(page, roomId, roomName, channel = 'team') {
  const link = page.locator(`.room-card[data-room="${roomId}"] a`);
  for (let i = 0; i < 30 && !(await link.isVisible()); i += 1) {
    if (await page.locator('#refresh').isEnabled()) await page.locator('#refresh').click();
    await page.waitForTimeout(1_000);
  }
  await link.click();
  await expectHeading(page, roomName);
  if (channel !== 'team') await page.locator(`.channel-tabs a[data-channel="${channel}"]`).click();
  await page.waitForURL(new RegExp(`#/rooms/${roomId}/${channel}$`));
  await page.locator('#not-joined').waitFor({ state: 'detached', timeout: 60_000 });
  await page.locator('.composer').waitFor();
}

/** Writes and sends a note through the composer. */
export async function sendNote(page, text, urgency = 'normal') {
  await page.getByLabel('記録を書く').fill(text);
  await page.locator(`.urgency input[value="${urgency}"]`).check();
  await page.locator('#send-note').click();
}

/** The timeline entry (a sent post) showing `text`. */
export function entryWith(page, text) {
  return page.locator('li.entry:not(.outgoing)', { has: page.locator('.entry-body .note-text', { hasText: text }) });
}

/**
 * A doctor and a nurse, registered through the UI, with a room the doctor created
 * and both in its team channel (their devices added by the engine). `tag` keeps
 * login IDs apart when one server hosts several scenarios.
 */
export async function careTeam(browser, server, admin, tag = 'a') {
  const clinic = await createOrganisation(admin, `在宅クリニック ${tag}`, 'clinic');
  const station = await createOrganisation(admin, `訪問看護ステーション ${tag}`, 'nursing_station');
  const doctorLink = await inviteStaff(admin, clinic.id, `医師 一郎 ${tag}`, 'doctor');
  const nurseLink = await inviteStaff(admin, station.id, `看護 花子 ${tag}`, 'nurse');
  const doctor = await registerPerson(browser, server, doctorLink, { login: `doctor.${tag}`, name: `医師 一郎 ${tag}` });
  const nurse = await registerPerson(browser, server, nurseLink, { login: `nurse.${tag}`, name: `看護 花子 ${tag}` });
  const roomName = `山田 花子 様 ${tag}`;
  const roomId = await createRoomUi(doctor.page, roomName);
  await joinRoom(doctor, nurse, roomId);
  await roomListReady(nurse.page);
  await openRoom(nurse.page, roomId, roomName);
  await doctor.page.locator('.composer').waitFor();
  return { doctor, nurse, roomId, roomName };
}

/** A marker text: Japanese, ASCII and a UUID, to look for in everything sent. */
export function marker(label) {
  return `観察メモ ${label} marker ${randomUUID()}`;
}

/** Every way the marker could travel readably: as is, hex, base64 (all alignments). */
export function encodings(text) {
  const bytes = Buffer.from(text, 'utf8');
  const forms = [text, bytes.toString('hex'), bytes.toString('hex').toUpperCase(), encodeURIComponent(text)];
  for (let shift = 0; shift < 3; shift += 1) {
    const encoded = Buffer.concat([Buffer.alloc(shift), bytes]).toString('base64');
    const core = encoded.slice(shift === 0 ? 0 : 4, -4);
    forms.push(core, core.replaceAll('+', '-').replaceAll('/', '_'));
  }
  // JSON escapes non-ASCII as \uXXXX only if asked; check the ASCII UUID part too.
  forms.push(text.split(' ').at(-1));
  return forms;
}

/** Asserts no recorded request body or WebSocket frame carries any marker readably. */
export function assertNoPlaintext(recorded, markers) {
  for (const request of recorded.requests) {
    const body = request.body ?? '';
    for (const text of markers) {
      for (const form of encodings(text)) {
        assert.ok(!body.includes(form), `${request.method} ${request.url} carries the marker (${form.slice(0, 24)}…)`);
      }
    }
  }
}

/** Console errors other than the HTTP answers the app expects (404 for a missing group, 401). */
export function unexpectedProblems(problems) {
  return problems.filter((p) => !/Failed to load resource: the server responded with a status of 40[149]/.test(p));
}
