// Debian's Chromium driven by playwright-core (no browser download), with
// Chromium's virtual WebAuthn authenticator standing in for a phone's passkey.

import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { chromium } from 'playwright-core';

import { ARTIFACTS } from './server.mjs';

export const PHONE = { width: 390, height: 844 };
export const DESKTOP = { width: 1280, height: 800 };

export async function launch() {
  mkdirSync(ARTIFACTS, { recursive: true });
  return chromium.launch({
    executablePath: process.env.KIZUNA_CHROMIUM ?? '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
}

/**
 * A passkey on this page: CTAP2, built in, discoverable, user-verifying, with the
 * PRF extension (hmac-secret), as a current phone or laptop has. It belongs to the
 * page and survives navigations of it.
 */
export async function addAuthenticator(page) {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('WebAuthn.enable', { enableUI: false });
  const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
    options: {
      protocol: 'ctap2',
      transport: 'internal',
      hasResidentKey: true,
      hasUserVerification: true,
      isUserVerified: true,
      hasPrf: true,
      automaticPresenceSimulation: true,
    },
  });
  return {
    async credentials() {
      const { credentials } = await cdp.send('WebAuthn.getCredentials', { authenticatorId });
      return credentials;
    },
  };
}

/** Records every request the page makes, with its body, for plaintext checks. */
export function recordRequests(page) {
  const requests = [];
  page.on('request', (request) => {
    requests.push({
      method: request.method(),
      url: request.url(),
      resourceType: request.resourceType(),
      body: request.postData() ?? null,
    });
  });
  page.on('websocket', (socket) => {
    socket.on('framesent', (frame) => {
      requests.push({ method: 'WS', url: socket.url(), resourceType: 'websocket', body: String(frame.payload) });
    });
  });
  return {
    requests,
    save(name) {
      writeFileSync(join(ARTIFACTS, name), `${JSON.stringify(requests, null, 2)}\n`);
    },
  };
}

/** Console errors and Content-Security-Policy violations the page reported. */
export function recordProblems(page) {
  const problems = [];
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(message.text());
  });
  page.on('pageerror', (error) => problems.push(`uncaught: ${error.message}`));
  return problems;
}

/** Saves the page at phone and desktop size, then returns to `restore`. */
export async function screenshots(page, name, restore = PHONE) {
  for (const [label, size] of [
    ['390x844', PHONE],
    ['1280x800', DESKTOP],
  ]) {
    await page.setViewportSize(size);
    // Let the page lay out and paint at the new size before the capture (else text
    // below the fold can come out blank).
    await page.evaluate(() => new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done))));
    await page.screenshot({ path: join(ARTIFACTS, `${name}-${label}.png`), fullPage: true });
  }
  await page.setViewportSize(restore);
}
