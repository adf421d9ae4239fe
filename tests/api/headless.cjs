// Debian's Chromium (/usr/bin/chromium) started headless through playwright-core: the one browser
// every explorer script drives.
"use strict";
const { chromium } = require("playwright-core");

function launch() {
  return chromium.launch({
    executablePath: "/usr/bin/chromium",
    headless: true,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
  });
}

module.exports = { launch };
