// Drives chat.html in headless Chromium: two browser pages (alice, bob) and the Java framed
// client started by BrowserChatTest (java-bot) chat in one room through a running server.
// Usage: node chat-test.mjs HTTP_PORT SCREENSHOT_PATH
// Prints BROWSER-TEST-OK and exits 0 on success; any failure exits 1 with the reason.
import { chromium } from "playwright-core";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const [port, screenshot] = process.argv.slice(2);
if (!port || !screenshot) {
  console.error("usage: node chat-test.mjs HTTP_PORT SCREENSHOT_PATH");
  process.exit(2);
}
const base = `http://127.0.0.1:${port}/chat`;
const executablePath = process.env.CHROMIUM || "/usr/bin/chromium";
const profile = mkdtempSync(join(tmpdir(), "switchboard-chromium-"));
// Generous: on a loaded 2-core CI machine one step can take many seconds.
const timeout = 30000;

const context = await chromium.launchPersistentContext(profile, {
  executablePath,
  headless: true,
  viewport: { width: 1000, height: 640 },
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"],
});
context.setDefaultTimeout(timeout);

async function open(name) {
  const page = await context.newPage();
  page.on("pageerror", (e) => console.error(`[${name}] page error: ${e.message}`));
  page.on("console", (m) => { if (m.type() === "error") console.error(`[${name}] console: ${m.text()}`); });
  await page.goto(`${base}?name=${name}&room=lobby`);
  // Type the name like a person would (the query prefilled it) and join.
  await page.fill("#name", name);
  await page.click("#connect");
  await page.waitForSelector("#status.online");
  return page;
}

async function send(page, text) {
  await page.fill("#text", text);
  await page.press("#text", "Enter");
}

const sees = (page, text) => page.locator("#messages li", { hasText: text }).first().waitFor();
const member = (page, name) => page.locator("#members li", { hasText: name }).first().waitFor();

let ok = false;
try {
  const alice = await open("alice");
  const bob = await open("bob");
  await member(alice, "bob");
  await member(alice, "java-bot");
  await member(bob, "alice");
  await member(bob, "java-bot");

  await send(alice, "hello from alice");
  await sees(bob, "hello from alice");
  await sees(alice, "hello from alice"); // includeSelf: the sender sees its own message

  // BrowserChatTest's java-bot answers once it has seen alice's message.
  await sees(alice, "hello from java");
  await sees(bob, "hello from java");

  await send(bob, "hi from bob");
  await sees(alice, "hi from bob");
  await sees(alice, "bob");

  await alice.screenshot({ path: screenshot, fullPage: true });
  console.log(`screenshot ${screenshot}`);
  ok = true;
} catch (e) {
  console.error(`browser test failed: ${e.stack || e}`);
} finally {
  await context.close();
  rmSync(profile, { recursive: true, force: true });
}
if (ok) {
  console.log("BROWSER-TEST-OK");
}
process.exit(ok ? 0 : 1);
