// What the browser does with a log it cannot take at face value, acting as a hostile
// (or outdated) server and as an operator restoring a backup, straight on the test
// server's SQLite database:
//
// * a replayed post (an earlier post's exact bytes stored again under a new seq; the
//   server refuses that now, so the row is copied in the database) is shown once,
//   and the room says, in Japanese and English, that a copy was not shown — for the
//   reader and for the author's own browser, and again after a reload; a tampered
//   copy (one byte changed) is not shown either, and the room says so;
// * a restored database (later log rows gone, the seq counter back, a new log
//   generation) is noticed without a reload: the browser says the server was
//   restored, reads the channel again and shows the new post that reused a seq.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { after, test } from 'node:test';

import { screenshots } from '../lib/browser.mjs';
import { bootstrapAdmin, careTeam, entryWith, expectHeading, marker, sendNote, unexpectedProblems } from '../lib/flows.mjs';
import { browserAndServer } from '../lib/suite.mjs';

const env = browserAndServer('server-replay-restore.log');

const REPLAYED_JA = '同じ投稿が再送されたため、2回目は表示していません。';
const REPLAYED_EN = 'A post was sent again; the copy is not shown.';
const RESTORED_JA = 'サーバーがバックアップから復元されました';
const RESTORED_EN = 'The server was restored from a backup';

/** Runs SQL on the running server's SQLite database (as an operator or attacker would); returns stdout. */
function sql(statements) {
  const db = join(env.server.dataDir, 'kizuna.db');
  const run = spawnSync('sqlite3', ['-cmd', '.timeout 10000', db, statements], { encoding: 'utf8' });
  assert.equal(run.status, 0, `sqlite3: ${run.stderr}`);
  return run.stdout.trim();
}

/** The last seq handed out in the group's log. */
function lastSeq(group) {
  return Number(sql(`SELECT next_seq - 1 FROM groups WHERE id = '${group}';`));
}

/** The room's notice about refused posts of one kind ('replayed' | 'unreadable'). */
function refusalNotice(page, reason) {
  return page.locator(`.entry-problem[data-reason="${reason}"]`);
}

async function inEnglish(page, check) {
  await page.getByRole('button', { name: 'Switch the language to English' }).click();
  try {
    await check();
  } finally {
    await page.getByRole('button', { name: '表示を日本語に切り替える' }).click();
  }
}

let team = null;
let admin = null;

/** The doctor and nurse both tests use (made by the first test that runs). */
async function careTeamOnce() {
  if (team === null) {
    admin = await bootstrapAdmin(env.browser, env.server);
    team = await careTeam(env.browser, env.server, admin);
  }
  return team;
}

after(async () => {
  await Promise.all([team?.doctor.context.close(), team?.nurse.context.close(), admin?.context.close()]);
});

test('a replayed post is shown once and the room says a copy was not shown', { timeout: 300_000 }, async () => {
  const { doctor, nurse, roomId, roomName } = await careTeamOnce();
  const group = `${roomId}/team`;
  const visit = marker('訪問済み 血圧 128/76');
  await sendNote(doctor.page, visit);
  await entryWith(nurse.page, visit).waitFor({ timeout: 30_000 });
  assert.equal(await refusalNotice(nurse.page, 'replayed').count(), 0, 'nothing to report before the replay');

  // The same bytes stored again under a new seq, bypassing the server's refusal
  // (no post ID in the row, as a server from before the check would have stored).
  const replaySeq = Number(sql(`
    BEGIN IMMEDIATE;
    INSERT INTO group_log (group_id, seq, kind, sender_device, epoch, body, idempotency_key, created_at, urgency, post_id)
      SELECT group_id, (SELECT next_seq FROM groups WHERE id = '${group}'), kind, sender_device, epoch, body, NULL, created_at, urgency, NULL
      FROM group_log WHERE group_id = '${group}' AND kind = 'post' ORDER BY seq DESC LIMIT 1;
    UPDATE groups SET next_seq = next_seq + 1 WHERE id = '${group}';
    COMMIT;
    SELECT next_seq - 1 FROM groups WHERE id = '${group}';`));
  assert.equal(Number(sql(`SELECT count(*) FROM group_log WHERE group_id = '${group}' AND seq = ${replaySeq} AND kind = 'post';`)), 1);

  // The nurse's browser reads it (no live frame comes for a row written in the
  // database): the post stays once, and the room says why nothing new appeared.
  await nurse.page.locator('#room-refresh').click();
  const notice = refusalNotice(nurse.page, 'replayed');
  await notice.waitFor({ timeout: 30_000 });
  assert.equal((await notice.textContent())?.trim(), REPLAYED_JA);
  assert.equal(await entryWith(nurse.page, visit).count(), 1, 'the replayed post is shown once');
  assert.doesNotMatch((await notice.textContent()) ?? '', /post_replayed|#\d/, 'no raw codes');
  await inEnglish(nurse.page, async () => {
    await nurse.page.locator('.entry-problem[data-reason="replayed"]', { hasText: REPLAYED_EN }).waitFor();
  });
  await screenshots(nurse.page, 'replay-01-notice-nurse');

  // The author's own browser drops the copy too.
  await doctor.page.locator('#room-refresh').click();
  await refusalNotice(doctor.page, 'replayed').waitFor({ timeout: 30_000 });
  assert.equal(await entryWith(doctor.page, visit).count(), 1);

  // The channel goes on past the refused entry: the next note arrives live.
  const next = marker('夕方 体温 36.8℃');
  await sendNote(doctor.page, next);
  await entryWith(nurse.page, next).waitFor({ timeout: 30_000 });
  assert.equal(await refusalNotice(nurse.page, 'unreadable').count(), 0, 'the replay is not called damaged');

  // A tampered copy (one byte of the sealed post changed) is not shown either, and
  // the room says a post could not be checked.
  const [hex, sender, epoch] = sql(`SELECT hex(body), sender_device, epoch FROM group_log
    WHERE group_id = '${group}' AND kind = 'post' ORDER BY seq DESC LIMIT 1;`).split('|');
  const tampered = hex.slice(0, -2) + (hex.slice(-2) === 'FF' ? '00' : 'FF');
  sql(`
    BEGIN IMMEDIATE;
    INSERT INTO group_log (group_id, seq, kind, sender_device, epoch, body, created_at)
      SELECT '${group}', next_seq, 'post', '${sender}', ${epoch}, X'${tampered}', 0 FROM groups WHERE id = '${group}';
    UPDATE groups SET next_seq = next_seq + 1 WHERE id = '${group}';
    COMMIT;`);
  await nurse.page.locator('#room-refresh').click();
  const unreadable = refusalNotice(nurse.page, 'unreadable');
  await unreadable.waitFor({ timeout: 30_000 });
  assert.match((await unreadable.textContent()) ?? '', /確認できない投稿が1件/);
  assert.equal(await entryWith(nurse.page, next).count(), 1);
  await inEnglish(nurse.page, async () => {
    await nurse.page.locator('.entry-problem[data-reason="unreadable"]', { hasText: 'A post could not be opened or checked' }).waitFor();
  });

  // Told again after a reload (kept in the sealed cache), and still shown once.
  await nurse.page.reload(); // the live session's wrap opens the vault (no passkey)
  await expectHeading(nurse.page, roomName);
  await entryWith(nurse.page, next).waitFor({ timeout: 30_000 });
  await refusalNotice(nurse.page, 'replayed').waitFor({ timeout: 30_000 });
  assert.equal(await refusalNotice(nurse.page, 'replayed').count(), 1);
  assert.equal(await refusalNotice(nurse.page, 'unreadable').count(), 1);
  assert.equal(await entryWith(nurse.page, visit).count(), 1);
  assert.equal(await entryWith(nurse.page, next).count(), 1);
  await nurse.page.locator('.connection[data-live="open"]').waitFor({ timeout: 30_000 });
});

test('after a restore the browser says so and gets the post that reused a seq', { timeout: 300_000 }, async () => {
  const { doctor, nurse, roomId } = await careTeamOnce();
  const group = `${roomId}/team`;
  const kept = marker('服薬 確認済み');
  await sendNote(doctor.page, kept);
  await entryWith(nurse.page, kept).waitFor({ timeout: 30_000 });
  const backupSeq = lastSeq(group);
  const lost = marker('復元で失われる記録');
  await sendNote(doctor.page, lost);
  await entryWith(nurse.page, lost).waitFor({ timeout: 30_000 });
  assert.ok(lastSeq(group) > backupSeq);
  // Both have marked it read (so no browser marks a position the restore removes).
  const end = lastSeq(group);
  for (let i = 0; i < 100; i += 1) {
    const marked = Number(sql(`SELECT count(*) FROM read_positions WHERE group_id = '${group}' AND seq >= ${end}
      AND user_id IN ('${doctor.userId}', '${nurse.userId}');`));
    if (marked === 2) break;
    await nurse.page.waitForTimeout(200);
  }
  await nurse.page.getByText(RESTORED_JA).waitFor({ state: 'detached' });

  // The operator restores the backup taken at `backupSeq` and starts a new log
  // generation (what `kizuna-ops new-generation` writes).
  const before = sql(`SELECT value FROM server_settings WHERE key = 'log_generation';`);
  assert.match(before, /^[0-9a-f]{32}$/);
  const generation = randomBytes(16).toString('hex');
  sql(`
    BEGIN IMMEDIATE;
    DELETE FROM group_log WHERE group_id = '${group}' AND seq > ${backupSeq};
    UPDATE groups SET next_seq = ${backupSeq + 1} WHERE id = '${group}';
    UPDATE read_positions SET seq = min(seq, ${backupSeq}) WHERE group_id = '${group}';
    UPDATE server_settings SET value = '${generation}' WHERE key = 'log_generation';
    COMMIT;`);

  // The doctor's browser notices at its next page of the log (the page header).
  await doctor.page.locator('#room-refresh').click();
  await doctor.page.getByText(RESTORED_JA).waitFor({ timeout: 30_000 });
  await entryWith(doctor.page, lost).waitFor({ state: 'detached', timeout: 30_000 });

  // A new post takes a seq the nurse's browser has already seen.
  const fresh = marker('復元後の記録 訪問予定 14時');
  await sendNote(doctor.page, fresh);
  await entryWith(doctor.page, fresh).waitFor({ timeout: 30_000 });
  assert.equal(Number(sql(`SELECT seq FROM group_log WHERE group_id = '${group}' AND kind = 'post' ORDER BY seq DESC LIMIT 1;`)), backupSeq + 1, 'the restored log reused a seq');

  // The nurse's browser, without a reload: told, reads the log again, gets the post.
  await entryWith(nurse.page, fresh).waitFor({ timeout: 30_000 });
  await nurse.page.getByText(RESTORED_JA).waitFor({ timeout: 30_000 });
  await entryWith(nurse.page, kept).waitFor();
  assert.equal(await entryWith(nurse.page, lost).count(), 0, 'the post the restore lost is not shown as if it were on the server');
  // What verifies comes back; the replay from before is still shown once and reported.
  assert.equal(await refusalNotice(nurse.page, 'replayed').count(), 1);
  await inEnglish(nurse.page, async () => {
    await nurse.page.getByText(RESTORED_EN).waitFor();
  });
  await screenshots(nurse.page, 'restore-01-notice-nurse');

  // Told once: after a reload the generation is known and the posts are there.
  await nurse.page.reload(); // the live session's wrap opens the vault (no passkey)
  await entryWith(nurse.page, fresh).waitFor({ timeout: 30_000 });
  await nurse.page.locator('.connection[data-live="open"]').waitFor({ timeout: 30_000 });
  assert.equal(await nurse.page.getByText(RESTORED_JA).count(), 0, 'the restore is announced once');

  for (const person of [team.doctor, team.nurse, admin]) {
    assert.deepEqual(unexpectedProblems(person.problems), [], `${person.login}: console errors`);
  }
});
