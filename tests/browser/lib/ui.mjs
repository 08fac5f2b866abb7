// Page-level checks every browser test uses: the screen's heading, the answer to an
// API path, and the 320 px / 18 px / 44 px / labelled-input check.

import assert from 'node:assert/strict';

import { PHONE } from './browser.mjs';

/** Waits until the screen's <h1> reads `text`, and asserts it does. */
export async function expectHeading(page, text, timeout = 30_000) {
  await page.waitForFunction((want) => document.querySelector('h1')?.textContent?.trim() === want, text, { timeout });
  assert.equal((await page.locator('h1').textContent())?.trim(), text);
}

/** Waits for the answer to an API path (start waiting before the action that sends it). */
export const answerOf = (page, path, timeout = 30_000) =>
  page.waitForResponse((r) => new URL(r.url()).pathname === path, { timeout });

/**
 * At 320 px: no sideways scrolling, 18 px base text, every control (buttons, inputs,
 * selects, textareas, button links, <summary>) at least 44 px tall, and every
 * input, select and textarea labelled.
 */
export async function checkSmallScreen(page, name) {
  await page.setViewportSize({ width: 320, height: 640 });
  const layout = await page.evaluate(() => ({
    scrollWidth: document.documentElement.scrollWidth,
    fontSize: parseFloat(getComputedStyle(document.body).fontSize),
    small: [...document.querySelectorAll('button, input, textarea, select, a.button, summary')]
      .map((el) => ({ what: el.outerHTML.slice(0, 80), height: el.getBoundingClientRect().height }))
      .filter(({ height }) => height > 0 && height < 44),
    unlabelled: [...document.querySelectorAll('input, textarea, select')]
      .filter((input) => !input.labels || input.labels.length === 0)
      .map((input) => input.id || input.outerHTML.slice(0, 60)),
  }));
  assert.ok(layout.scrollWidth <= 320, `${name}: scrolls sideways at 320 px (${layout.scrollWidth})`);
  assert.ok(layout.fontSize >= 18, `${name}: base font ${layout.fontSize}px`);
  assert.deepEqual(layout.small, [], `${name}: touch targets under 44 px`);
  assert.deepEqual(layout.unlabelled, [], `${name}: inputs without a label`);
  await page.setViewportSize(PHONE);
}
