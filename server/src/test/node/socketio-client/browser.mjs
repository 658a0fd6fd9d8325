// Opens page/index.html (served by the Switchboard server under test) in headless Chromium
// (Debian's /usr/bin/chromium, or $CHROMIUM) through playwright-core, waits for the page's
// checks, and prints them as JSON lines like interop.mjs. Usage: node browser.mjs PORT FRAMED_SESSION_ID
import { chromium } from 'playwright-core';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const [port, framed] = process.argv.slice(2);
const report = (line) => process.stdout.write(JSON.stringify(line) + '\n');
const profile = mkdtempSync(join(tmpdir(), 'sb-sio-chromium-'));
let context;
let failed = 0;
const watchdog = setTimeout(() => { report({ check: 'watchdog', ok: false, error: 'over 90 s' }); process.exit(3); }, 90_000);
try {
  context = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync'],
  });
  const page = await context.newPage();
  page.on('console', (m) => process.stdout.write(`console.${m.type()}: ${m.text()}\n`));
  page.on('pageerror', (e) => process.stdout.write(`pageerror: ${e}\n`));
  await page.goto(`http://127.0.0.1:${port}/index.html?framed=${framed}`, { timeout: 30_000 });
  await page.waitForFunction(() => window.done === true, null, { timeout: 60_000 });
  const checks = await page.evaluate(() => window.checks);
  for (const c of checks) {
    if (!c.ok) failed++;
    report(c);
  }
  report({ done: true, passed: checks.length - failed, failed });
} catch (e) {
  failed++;
  report({ check: 'browser/run', ok: false, error: String(e && e.stack || e) });
} finally {
  await context?.close().catch(() => {});
  rmSync(profile, { recursive: true, force: true });
  clearTimeout(watchdog);
}
process.exit(failed === 0 ? 0 : 1);
