// Headless Chromium (Debian's /usr/bin/chromium) through playwright-core.
// Usage: node explorer_pages.cjs BASE_URL SEARCHES_JSON SCREENSHOT_DIR
//   1. opens the overview in Japanese, checks that Japanese text is drawn with real glyphs (two
//      different kanji draw differently from each other and from a code point no font has, which
//      would all be the same "tofu" box without a CJK font), takes a full-page screenshot;
//   2. for each {query, lang} of SEARCHES_JSON: opens the overview in that language, types the query
//      into the search box, presses Enter and records where it lands (URL, <h1>, <html lang>);
//   3. screenshots the first Japanese page of each kind reached from the search
//      (explorer-<kind>-ja.png: serials, accounts, projects, batches, retirements, ...);
//   4. follows each link of the header's navigation (the list pages).
// Prints one JSON line: {glyphs, overview, searches: [...], shots: [...], sections: [...]}.
"use strict";
const fs = require("fs");
const path = require("path");
const { launch } = require("./headless.cjs");

function drawnGlyphs() {
  const family = getComputedStyle(document.querySelector("h1")).fontFamily;
  const draw = (text) => {
    const canvas = document.createElement("canvas");
    canvas.width = 160;
    canvas.height = 60;
    const ctx = canvas.getContext("2d");
    ctx.font = "40px " + family;
    ctx.fillText(text, 4, 46);
    const pixels = ctx.getImageData(0, 0, canvas.width, canvas.height).data;
    let inked = 0;
    for (let i = 3; i < pixels.length; i += 4) if (pixels[i] > 0) inked++;
    return { url: canvas.toDataURL(), inked };
  };
  const a = draw("振替");
  const b = draw("無効化");
  const missing = draw("\u{10FFFD}\u{10FFFD}");
  return {
    family,
    inked: a.inked > 0 && b.inked > 0,
    distinct: a.url !== b.url,
    notTofu: a.url !== missing.url && b.url !== missing.url,
    h1: document.querySelector("h1").textContent.trim(),
  };
}

async function main() {
  const [base, searchesJson, folder] = process.argv.slice(2);
  const searches = JSON.parse(searchesJson);
  fs.mkdirSync(folder, { recursive: true });
  const browser = await launch();
  try {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: "en-US" });
    const page = await context.newPage();
    await page.goto(base + "/?lang=ja", { waitUntil: "load" });
    await page.waitForFunction(() => document.getElementById("health").textContent.startsWith("ブロック"));
    const glyphs = await page.evaluate(drawnGlyphs);
    const overview = path.join(folder, "explorer-overview-ja.png");
    await page.screenshot({ path: overview, fullPage: true });

    const results = [];
    const shots = [];
    for (const { query, lang } of searches) {
      await page.goto(base + "/?lang=" + lang, { waitUntil: "load" });
      await page.fill("#search", query);
      const [response] = await Promise.all([
        page.waitForNavigation({ waitUntil: "load" }),
        page.press("#search", "Enter"),
      ]);
      const h1 = (await page.textContent("h1")).trim();
      const htmlLang = await page.getAttribute("html", "lang");
      results.push({ query, lang, url: page.url(), status: response ? response.status() : null, h1, htmlLang });
      // One screenshot per kind of page, in Japanese: explorer-<kind>-ja.png.
      const kind = new URL(page.url()).pathname.split("/")[1];
      const shot = path.join(folder, `explorer-${kind}-ja.png`);
      if (lang === "ja" && !shots.includes(shot)) {
        await page.screenshot({ path: shot, fullPage: true });
        shots.push(shot);
      }
    }
    // The list pages, from the header's navigation.
    await page.goto(base + "/?lang=ja", { waitUntil: "load" });
    const links = await page.$$eval("nav.sections a", (as) => as.map((a) => a.getAttribute("href")));
    const sections = [];
    for (const href of links) {
      await page.goto(base + "/?lang=ja", { waitUntil: "load" });
      const [response] = await Promise.all([
        page.waitForNavigation({ waitUntil: "load" }),
        page.click(`nav.sections a[href="${href}"]`),
      ]);
      sections.push({ href, url: page.url(), status: response ? response.status() : null, h1: (await page.textContent("h1")).trim() });
    }
    console.log(JSON.stringify({ glyphs, overview, searches: results, shots, sections }));
  } finally {
    await browser.close();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
