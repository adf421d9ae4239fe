// Headless Chromium (Debian's /usr/bin/chromium) through playwright-core: open the explorer, type a
// serial into the search box, press Enter, wait for the serial's page and take a screenshot.
// Usage: node explorer_search.cjs BASE_URL QUERY SCREENSHOT_PATH
// Prints one JSON line: {url, title, hint, rows}.
"use strict";
const { launch } = require("./headless.cjs");

async function main() {
  const [base, query, screenshot] = process.argv.slice(2);
  const browser = await launch();
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await page.goto(base + "/", { waitUntil: "load" });
    await page.fill("#search", query);
    await page.waitForFunction(() => document.getElementById("search-hint").textContent.length > 0);
    const hint = await page.textContent("#search-hint");
    await Promise.all([page.waitForURL("**/serials/**"), page.press("#search", "Enter")]);
    await page.waitForSelector("#serial-title");
    const title = (await page.textContent("#serial-title")).trim();
    const rows = await page.$$eval("#whereabouts tbody tr", (r) => r.length);
    await page.waitForFunction(() => document.getElementById("health").textContent.startsWith("block"));
    await page.screenshot({ path: screenshot, fullPage: true });
    console.log(JSON.stringify({ url: page.url(), title, hint, rows }));
  } finally {
    await browser.close();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
