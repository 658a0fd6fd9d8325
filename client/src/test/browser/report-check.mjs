// Opens a load-test HTML report (switchboard-client load --html) in headless Chromium, checks
// that it is self-contained and that its charts drew, and writes a full-page screenshot.
// Usage: node report-check.mjs REPORT_HTML SCREENSHOT_PNG PLAYWRIGHT_DIR
// PLAYWRIGHT_DIR holds node_modules/playwright-core (server/src/test/browser: one npm install
// for both browser tests). Prints REPORT-FACTS {json} and REPORT-TEST-OK; any failure exits 1.
import { createRequire } from "node:module";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";

const [report, screenshot, playwrightDir] = process.argv.slice(2);
if (!report || !screenshot || !playwrightDir) {
  console.error("usage: node report-check.mjs REPORT_HTML SCREENSHOT_PNG PLAYWRIGHT_DIR");
  process.exit(2);
}
const require = createRequire(join(resolve(playwrightDir), "package.json"));
const { chromium } = require("playwright-core");
const executablePath = process.env.CHROMIUM || "/usr/bin/chromium";

const browser = await chromium.launch({
  executablePath,
  headless: true,
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"],
});
const problems = [];
let ok = false;
try {
  const page = await browser.newPage({ viewport: { width: 1120, height: 900 } });
  page.setDefaultTimeout(15000);
  const external = [];
  await page.route("**/*", (route) => {
    const url = route.request().url();
    if (url.startsWith("file:") || url.startsWith("data:")) {
      return route.continue();
    }
    external.push(url);
    return route.abort();
  });
  page.on("console", (m) => { if (m.type() === "error" || m.type() === "warning") problems.push(`console ${m.type()}: ${m.text()}`); });
  page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
  await page.goto(pathToFileURL(resolve(report)).href, { waitUntil: "load" });

  const facts = await page.evaluate(() => {
    const charts = [...document.querySelectorAll("svg.chart")].map((svg) => {
      const box = svg.getBoundingClientRect();
      return {
        id: svg.id,
        width: Math.round(box.width),
        height: Math.round(box.height),
        series: [...svg.querySelectorAll("path.series")].map((p) => ({
          name: p.dataset.series,
          length: Math.round(p.getTotalLength()),
          points: (p.getAttribute("d").match(/[ML]/g) || []).length,
        })),
        ticks: svg.querySelectorAll("text.tick").length,
      };
    });
    return {
      title: document.title,
      verdict: document.querySelector("#verdict")?.innerText ?? null,
      cards: document.querySelectorAll(".card").length,
      checkRows: document.querySelectorAll("table.checks tbody tr").length,
      failedChecks: document.querySelectorAll("table.checks tr.fail").length,
      stageSections: document.querySelectorAll("section.stage").length,
      scripts: document.querySelectorAll("script").length,
      externalRefs: [...document.querySelectorAll("[src],[href]")]
        .map((e) => e.getAttribute("src") || e.getAttribute("href"))
        .filter((u) => !u.startsWith("#")),
      charts,
      overflowX: document.documentElement.scrollWidth > document.documentElement.clientWidth,
    };
  });
  if (external.length) problems.push(`fetched external resources: ${external.join(", ")}`);
  if (facts.externalRefs.length) problems.push(`references outside the page: ${facts.externalRefs.join(", ")}`);
  if (facts.charts.length < 3) problems.push(`expected at least 3 charts, found ${facts.charts.length}`);
  for (const c of facts.charts) {
    if (c.width < 300 || c.height < 150) problems.push(`chart ${c.id} is ${c.width}x${c.height}`);
    if (!c.series.some((s) => s.length > 50 && s.points >= 2)) problems.push(`chart ${c.id} drew no line`);
    if (c.ticks < 4) problems.push(`chart ${c.id} has ${c.ticks} tick labels`);
  }
  if (!facts.verdict) problems.push("no verdict");
  if (facts.overflowX) problems.push("the page scrolls sideways at 1120px");
  console.log("REPORT-FACTS " + JSON.stringify(facts));
  await page.screenshot({ path: screenshot, fullPage: true });
  console.log(`screenshot ${screenshot}`);
  ok = problems.length === 0;
} catch (e) {
  problems.push(`report check failed: ${e.stack || e}`);
} finally {
  await browser.close();
}
for (const p of problems) console.error(p);
if (ok) {
  console.log("REPORT-TEST-OK");
  process.exit(0);
}
process.exit(1);
