// Headless Chromium (Debian's /usr/bin/chromium) through playwright-core.
// Usage: node explorer_aef.cjs BASE_URL LANG PARTY DOWNLOAD_DIR
//   1. opens the public reports page in LANG and follows its link to Japan's AEF tables;
//   2. picks PARTY in the page's form and submits it;
//   3. screenshots the page (aef-<party>-<lang>.png) and downloads the actions CSV, the holdings
//      CSV and the XLSX workbook by clicking their links.
// Prints one JSON line: {first, url, h1, lang, actions, holdings, downloads: {id: path}}.
"use strict";
const fs = require("fs");
const path = require("path");
const { launch } = require("./headless.cjs");

async function main() {
  const [base, lang, party, folder] = process.argv.slice(2);
  fs.mkdirSync(folder, { recursive: true });
  const browser = await launch();
  try {
    const context = await browser.newContext({
      viewport: { width: 1400, height: 900 }, locale: "en-US", acceptDownloads: true,
    });
    const page = await context.newPage();
    await page.goto(base + "/reports?lang=" + lang, { waitUntil: "load" });
    await Promise.all([page.waitForNavigation({ waitUntil: "load" }), page.click("#aef-link")]);
    const first = page.url();
    await page.selectOption("select[name=party]", party);
    await Promise.all([
      page.waitForNavigation({ waitUntil: "load" }),
      page.click("form.filters button[type=submit]"),
    ]);
    await page.screenshot({ path: path.join(folder, `aef-${party}-${lang}.png`), fullPage: true });
    const downloads = {};
    for (const id of ["aef-actions-csv", "aef-holdings-csv", "aef-xlsx"]) {
      const [download] = await Promise.all([page.waitForEvent("download"), page.click("#" + id)]);
      const target = path.join(folder, download.suggestedFilename());
      await download.saveAs(target);
      downloads[id] = target;
    }
    console.log(JSON.stringify({
      first,
      url: page.url(),
      h1: (await page.textContent("h1")).trim(),
      lang: await page.getAttribute("html", "lang"),
      actions: await page.locator("#aef-actions tr.aef-action").count(),
      holdings: await page.locator("#aef-holdings tr.aef-holding").count(),
      downloads,
    }));
  } finally {
    await browser.close();
  }
}

main().catch((error) => {
  console.error(error && error.stack ? error.stack : String(error));
  process.exit(1);
});
