// What the broadcast and safety-check tests share: a broadcast officer's device made
// in their own page by the WebAssembly core (registered with the server, roster
// version 1 naming it), notices signed on it and sent, and SQL on the running
// server's SQLite database (as an operator, or an attacker, would).

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

/** Runs SQL on `server`'s SQLite database; returns stdout. */
export function sql(server, statements) {
  const db = join(server.dataDir, 'kizuna.db');
  const run = spawnSync('sqlite3', ['-cmd', '.timeout 10000', db, statements], { encoding: 'utf8' });
  assert.equal(run.status, 0, `sqlite3: ${run.stderr}`);
  return run.stdout.trim();
}

/**
 * In the officer's page: a device of their own (the core loaded by the page, a fresh
 * key registered with POST /devices, which this session then acts for) and roster
 * version 1 naming it. The device stays in the page for `officerSends`.
 */
export async function officerDevice(page, org) {
  await page.evaluate(
    async ({ org }) => {
      // The core's hashed file, as the page's own script names it.
      const index = await (await fetch('/')).text();
      const entry = /src="(\/assets\/index-[^"]+\.js)"/.exec(index)?.[1];
      const script = entry === undefined ? '' : await (await fetch(entry)).text();
      const name = /kizuna_client_web-[A-Za-z0-9_-]+\.js/.exec(script)?.[0];
      if (name === undefined) throw new Error('the core is not in the build');
      const url = `/assets/${name}`;
      const core = await import(url);
      await core.default();
      const post = async (path, body) => {
        const response = await fetch(`/api/v1${path}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(body),
        });
        const text = await response.text();
        if (!response.ok) throw new Error(`${path}: ${response.status} ${text}`);
        return text === '' ? null : JSON.parse(text);
      };
      const me = await (await fetch('/api/v1/me')).json();
      const key = new core.DeviceKey();
      const registered = await post('/devices', { name: 'officer phone', signature_key: key.signature_key });
      await post(`/devices/${registered.id}/session`, {});
      const device = core.Device.create(key, me.user_id, registered.id);
      const officer = device.officer();
      const now = Date.now();
      await post(
        `/organisations/${org}/roster`,
        device.sign_roster_change({ organisation: org, version: 1, previous: null, issued_at: now, signed_by: officer, officers: [officer] }),
      );
      window.kizunaTestOfficer = { device, officer, post };
    },
    { org },
  );
}

/**
 * Notices signed by the officer's device and sent; returns their IDs. Each notice:
 * { severity, title, area, body, safety_check?, include_families? } (both false
 * unless given).
 */
export async function officerSends(page, org, notices) {
  return page.evaluate(
    async ({ org, notices }) => {
      const { device, officer, post } = window.kizunaTestOfficer;
      const now = Date.now();
      const ids = [];
      for (const [i, n] of notices.entries()) {
        const id = crypto.randomUUID();
        const signed = device.sign_broadcast({
          id,
          organisation: org,
          signed_by: officer,
          severity: n.severity,
          title: n.title,
          area: n.area,
          body: n.body,
          issued_at: now + i,
          expires_at: now + 12 * 3_600_000,
          attachment: null,
          safety_check: n.safety_check ?? false,
          include_families: n.include_families ?? false,
        });
        await post(`/organisations/${org}/broadcasts`, signed);
        ids.push(id);
      }
      return ids;
    },
    { org, notices },
  );
}
