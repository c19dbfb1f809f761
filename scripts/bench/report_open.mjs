// SPDX-License-Identifier: GPL-2.0-only
// How long a report takes to open in Chromium: from navigation to the page drawn and its
// script's API (window.bpfprofReport) in place, best of RUNS, and the JS heap it then holds.
// Usage: node report_open.mjs REPORT.html [RUNS]
import { createRequire } from "node:module";
import { fileURLToPath, pathToFileURL } from "node:url";
import path from "node:path";

const here = path.dirname(fileURLToPath(import.meta.url));
const require = createRequire(path.join(here, "../../tests/browser/package.json"));
const { chromium } = require("playwright-core");

const [report, runs = "3"] = process.argv.slice(2);
const browser = await chromium.launch({
	executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
	args: ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
		"--disable-component-update", "--disable-sync"],
});
let best = Infinity, heap = 0;
const errors = [];
for (let i = 0; i < +runs; i++) {
	const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
	page.on("pageerror", (e) => errors.push(String(e)));
	await page.goto(pathToFileURL(path.resolve(report)).href);
	await page.waitForFunction(() => window.bpfprofReport, null, { timeout: 60000 });
	// Two frames later the first drawing is on the screen.
	const ms = await page.evaluate(() => new Promise((done) =>
		requestAnimationFrame(() => requestAnimationFrame(() => done(performance.now())))));
	best = Math.min(best, ms);
	heap = await page.evaluate(() => performance.memory ? performance.memory.usedJSHeapSize : 0);
	await page.close();
}
await browser.close();
console.log(`open: ${(best / 1000).toFixed(3)} s (best of ${runs}), JS heap ${(heap / 1048576).toFixed(1)} MB` +
	(errors.length ? `; page errors: ${errors[0]}` : ""));
process.exit(errors.length ? 1 : 0);
