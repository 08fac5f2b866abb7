// Starts the real `kizuna-server` binary (debug build) on a free port with SQLite in
// a temporary directory, serving the built web client, the way tests/src/process.rs
// does for the Rust suites: wait for the "Kizuna: http://…" line and pick up the
// bootstrap link printed on the first start.

import { spawn, spawnSync } from 'node:child_process';
import { createWriteStream, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';

export const ROOT = resolve(import.meta.dirname, '../../..');
export const ARTIFACTS = join(ROOT, 'target', 'browser-artifacts');
// KIZUNA_TEST_WEB_DIR: a client built elsewhere (e.g. `vite build --outDir`), so
// several people can test their own build side by side.
const WEB_DIR = process.env.KIZUNA_TEST_WEB_DIR ?? join(ROOT, 'client-web', 'web', 'dist');

function freePort() {
  return new Promise((done, fail) => {
    const probe = createServer();
    probe.once('error', fail);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address();
      probe.close(() => done(port));
    });
  });
}

function serverBinary() {
  const binary = join(process.env.CARGO_TARGET_DIR ?? join(ROOT, 'target'), 'debug', 'kizuna-server');
  if (!existsSync(binary)) {
    const built = spawnSync('cargo', ['build', '--locked', '-p', 'kizuna-server', '--bin', 'kizuna-server'], {
      cwd: ROOT,
      stdio: 'inherit',
    });
    if (built.status !== 0 || !existsSync(binary)) throw new Error(`could not build ${binary}`);
  }
  return binary;
}

/**
 * A running server: `url` (http://localhost:PORT, the WebAuthn origin), the
 * bootstrap link, the log file, and `stop()`. `env`: extra `KIZUNA_*` settings.
 */
export async function startServer({ logName = 'server.log', env = {} } = {}) {
  if (!existsSync(join(WEB_DIR, 'index.html'))) {
    throw new Error('the web client is not built: run ops/build-web.sh first');
  }
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'kizuna-browser-'));
  const url = `http://localhost:${port}`;
  const logPath = join(ARTIFACTS, logName);
  const log = createWriteStream(logPath);
  const child = spawn(serverBinary(), [], {
    cwd: dir,
    env: {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      KIZUNA_LISTEN: `127.0.0.1:${port}`,
      KIZUNA_PUBLIC_URL: url,
      KIZUNA_DATA_DIR: join(dir, 'data'),
      KIZUNA_WEB_DIR: WEB_DIR,
      KIZUNA_WORKERS: '2',
      RUST_LOG: 'info',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stderr.pipe(log);
  const lines = createInterface({ input: child.stdout });
  let bootstrapLink = null;
  const ready = new Promise((done, fail) => {
    const timer = setTimeout(() => fail(new Error('kizuna-server did not start within 60 s')), 60_000);
    child.once('exit', (code) => {
      clearTimeout(timer);
      fail(new Error(`kizuna-server exited (${code}) before listening; see ${logPath}`));
    });
    lines.on('line', (line) => {
      log.write(`${line}\n`);
      const link = /(http:\/\/\S+#\/invite\/\S+)/.exec(line);
      if (link) bootstrapLink = link[1];
      if (line.startsWith('Kizuna: http://')) {
        clearTimeout(timer);
        done();
      }
    });
  });
  await ready;
  return {
    url,
    bootstrapLink,
    logPath,
    /** The data directory (SQLite database `kizuna.db`), for tests that act as the operator. */
    dataDir: join(dir, 'data'),
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((done) => child.once('exit', done));
        child.kill('SIGTERM');
        await Promise.race([exited, new Promise((done) => setTimeout(done, 10_000))]);
        if (child.exitCode === null) child.kill('SIGKILL');
      }
      log.end();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
