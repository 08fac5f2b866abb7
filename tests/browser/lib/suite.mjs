// The setup every browser test file shares: one Chromium and one real kizuna-server
// (its log under target/browser-artifacts/<logName>) for all the file's tests.

import { after, before } from 'node:test';

import { launch } from './browser.mjs';
import { startServer } from './server.mjs';

/**
 * Registers the file's before/after hooks; returns { browser, server }, filled in
 * once `before` has run. `settings`: extra `KIZUNA_*` variables for the server.
 */
export function browserAndServer(logName = 'server.log', settings = {}) {
  const env = { browser: null, server: null };
  before(async () => {
    env.browser = await launch(); // creates the artefacts folder the server log goes to
    env.server = await startServer({ logName, env: settings });
  });
  after(async () => {
    await env.browser?.close();
    await env.server?.stop();
  });
  return env;
}
