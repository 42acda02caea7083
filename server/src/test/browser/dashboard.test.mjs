// Drives the hub's own page in real headless Chromium (playwright-core, no bundled browser): loads the page,
// checks the startup timeline draws a bar for every step of /startup, connects with a token, subscribes,
// publishes through /api/publish and waits for the message in the DOM; then opens /startup.html
// (StartupReport.toHtml()) and checks it draws the same timeline loading nothing else; saves screenshots.
// Started by DashboardIT with BASE_URL, TOKEN, API_KEY, SCREENSHOT (and optionally CHROMIUM) in the environment.
// Exit codes: 0 passed, 1 an expectation failed, 3 the browser is missing.
import { existsSync } from 'node:fs';
import { chromium } from 'playwright-core';

const { BASE_URL, TOKEN, API_KEY, SCREENSHOT } = process.env;
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const TIMEOUT_MS = 20000;

if (!existsSync(CHROMIUM)) {
  console.error(`Chromium is missing at ${CHROMIUM}: install it (Debian/Ubuntu: apt-get install chromium;`
      + ' .ci/run does it) or set CHROMIUM to its path');
  process.exit(3);
}

function expect(condition, message) {
  if (!condition) throw new Error(message);
}

const browser = await chromium.launch({
  executablePath: CHROMIUM,
  headless: true,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--no-first-run'],
});
let exitCode = 0;
const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
const consoleErrors = [];
page.on('console', (m) => { if (m.type() === 'error') consoleErrors.push(m.text()); });
page.on('pageerror', (e) => consoleErrors.push(String(e)));
try {
  page.setDefaultTimeout(TIMEOUT_MS);
  const topic = 'room:browser';
  await page.goto(`${BASE_URL}/#token=${encodeURIComponent(TOKEN)}&key=${encodeURIComponent(API_KEY)}`
      + `&topic=${encodeURIComponent(topic)}`);

  // The timeline: one bar per step of the report, each with a positive width, and the critical path marked.
  const report = await (await fetch(`${BASE_URL}/startup`)).json();
  await page.waitForFunction((n) => document.querySelectorAll('#timeline .bar').length === n, report.steps.length);
  const bars = await page.$$eval('#timeline .bar', (gs) => gs.map((g) => ({
    step: g.dataset.step, status: g.dataset.status, critical: g.classList.contains('critical'),
    width: Number(g.querySelector('rect.body').getAttribute('width')) })));
  for (const step of report.steps) {
    const bar = bars.find((b) => b.step === step.name);
    expect(bar, `no bar for step ${step.name}; bars: ${JSON.stringify(bars)}`);
    expect(bar.width > 0, `bar of ${step.name} has no width`);
    expect(bar.status === step.status, `bar of ${step.name} says ${bar.status}, the report ${step.status}`);
  }
  expect(bars.some((b) => b.critical), 'no step is marked on the critical path');
  const arrows = await page.$$eval('#timeline path.dep', (ps) => ps.length);
  expect(arrows > 0, 'no dependency arrow drawn');

  // The demo client: connect, subscribe, publish through /api/publish, see the message.
  await page.click('#connect');
  await page.waitForFunction(() => document.getElementById('connection-state').textContent === 'connected');
  await page.click('#subscribe');
  await page.waitForFunction(() => [...document.querySelectorAll('#log li')]
      .some((li) => li.textContent.includes('"op":"subscribed"')));
  const nonce = `from the browser test ${Date.now()}`;
  await page.fill('#payload', JSON.stringify({ text: nonce }));
  await page.click('#publish-api');
  await page.waitForFunction((text) => [...document.querySelectorAll('#messages li.message')]
      .some((li) => li.textContent.includes(text)), nonce);

  // Live figures from /api/status: our connection counted, a leak verdict shown.
  await page.waitForFunction(() => Number(document.getElementById('fig-connections').textContent) >= 1);
  const leak = await page.textContent('#fig-leak');
  expect(/^(INSUFFICIENT_DATA|STABLE|GROWING|UNAVAILABLE)$/.test(leak), `leak verdict not shown: '${leak}'`);
  expect(consoleErrors.length === 0, `browser console errors: ${consoleErrors.join(' | ')}`);
  // StartupReport.toHtml(), served as /startup.html: one file, the same timeline, drawn with nothing else loaded.
  const file = await browser.newPage({ viewport: { width: 1200, height: 500 } });
  const requests = [];
  file.on('request', (r) => requests.push(r.url()));
  file.on('pageerror', (e) => consoleErrors.push(String(e)));
  await file.goto(`${BASE_URL}/startup.html`);
  await file.waitForFunction((n) => document.querySelectorAll('#timeline .bar').length === n, report.steps.length);
  const fileArrows = await file.$$eval('#timeline path.dep', (ps) => ps.length);
  expect(fileArrows === arrows, `startup.html draws ${fileArrows} arrows, the page ${arrows}`);
  expect(await file.$$eval('#timeline .bar.critical', (gs) => gs.length) > 0, 'startup.html marks no critical path');
  expect(requests.length === 1, `startup.html loaded more than itself: ${requests.join(', ')}`);
  if (SCREENSHOT) await file.screenshot({ path: SCREENSHOT.replace(/\.png$/, '-startup-html.png'), fullPage: true });
  await file.close();
  expect(consoleErrors.length === 0, `browser console errors: ${consoleErrors.join(' | ')}`);

  console.log(JSON.stringify({ bars: bars.length, steps: report.steps.length, arrows, message: nonce, leak }));
} catch (e) {
  console.error(`browser test failed: ${e.message}`);
  exitCode = 1;
} finally {
  if (SCREENSHOT) await page.screenshot({ path: SCREENSHOT, fullPage: true }).catch(() => {});
  await browser.close();
}
process.exit(exitCode);
