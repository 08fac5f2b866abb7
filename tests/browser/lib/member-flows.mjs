// What the members and PWA tests add to flows.mjs: calling the API from inside a
// signed-in page as { status, body } (same origin, the HttpOnly session cookie
// travels by itself; refusals are answers to assert on, not exceptions), a clinic
// with a doctor, and the console lines those tests expect.

import assert from 'node:assert/strict';

import { bootstrapAdmin, createOrganisation, inviteStaff, registerPerson } from './flows.mjs';

/** `fetch` from inside the page: { status, body } (body parsed as JSON when it is). */
export async function api(page, method, path, body) {
  return page.evaluate(
    async ({ method, path, body }) => {
      const init = { method, headers: { accept: 'application/json' } };
      if (body !== undefined) {
        init.headers['content-type'] = 'application/json';
        init.body = JSON.stringify(body);
      }
      const response = await fetch(path, init);
      const text = await response.text();
      let parsed = null;
      try {
        parsed = text === '' ? null : JSON.parse(text);
      } catch {
        parsed = text;
      }
      return { status: response.status, body: parsed };
    },
    { method, path, body },
  );
}

/**
 * The bootstrap administrator registers, opens a clinic and invites a doctor, who
 * registers in a context of their own. Returns { admin, doctor, orgId }.
 */
export async function clinicWithDoctor(browser, server, { doctorContext = {} } = {}) {
  const admin = await bootstrapAdmin(browser, server);
  const org = await createOrganisation(admin, 'みなと在宅クリニック', 'clinic');
  const link = await inviteStaff(admin, org.id, '山田 一郎', 'doctor');
  const doctor = await registerPerson(browser, server, link, {
    login: 'yamada.doctor',
    name: '山田 一郎',
    contextOptions: doctorContext,
  });
  assert.ok(doctor.userId, 'register/finish named no user');
  return { admin, doctor, orgId: org.id };
}

/** Console lines that are the expected answers of refused or offline requests. */
export function unexpectedProblems(problems, allowed = []) {
  const expected = [/Failed to load resource: the server responded with a status of 40[134]/, ...allowed];
  return problems.filter((p) => !expected.some((re) => re.test(p)));
}
