// Debian's Chromium driven by playwright-core, for the console's browser tests
// (console.test.js) and its render benchmark (tests/bench/console_render.js): launching it,
// pages that record their errors, screenshots, and the console's address from the coordinator's
// log.
'use strict';

const fs = require('node:fs');
const path = require('node:path');

const { notInstalled, STARTUP_TIMEOUT_MS } = require('./group_processes');

let playwright;
try {
  playwright = require('playwright-core');
} catch (err) {
  throw notInstalled('playwright-core', err);
}

const REPO_ROOT = path.resolve(__dirname, '..', '..', '..');
const CHROMIUM = process.env.GROUPWIRE_CHROMIUM || '/usr/bin/chromium';
const ARTIFACTS = process.env.GROUPWIRE_ARTIFACTS ||
  path.join(REPO_ROOT, 'build', 'test-artifacts', 'console');

// The mark app.js sets once a page's table holds all its rows.
const RENDERED_MARK = 'groupwire:rendered';

// Headless; --no-sandbox as the tests may run as root or in a container without user namespaces.
function launchBrowser() {
  return playwright.chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
}

// A page (in a context of its own) that records uncaught errors and console errors: a
// Content-Security-Policy violation is reported as one.
async function openPage(browser) {
  const context = await browser.newContext({ viewport: { width: 1360, height: 900 } });
  const page = await context.newPage();
  const problems = [];
  page.on('pageerror', (err) => problems.push(`uncaught: ${err.message}`));
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(`console error: ${message.text()}`);
  });
  return { page, problems, close: () => context.close() };
}

// A full-page PNG named NAME.png in ARTIFACTS; returns its path.
async function screenshot(page, name) {
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  const file = path.join(ARTIFACTS, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}

// The console's URL ("http://HOST:PORT/") as the coordinator logs it.
async function consoleUrl(coordinator) {
  const [, url] = await coordinator.waitForLine(/console on (http:\/\/\S+\/)/, STARTUP_TIMEOUT_MS);
  return url;
}

module.exports = { launchBrowser, openPage, screenshot, consoleUrl, RENDERED_MARK, ARTIFACTS };
