// SPDX-License-Identifier: GPL-2.0-only
// What the browser tests share: Debian's Chromium through playwright-core, and the checks'
// tally ("ok   WHAT" / "FAIL WHAT DETAIL" lines, then "N passed, N failed").
import { chromium } from "playwright-core";

let passed = 0, failed = 0;

export function check(what, ok, detail = "") {
	if (ok) {
		passed++;
		console.log(`ok   ${what}`);
	} else {
		failed++;
		console.log(`FAIL ${what} ${detail}`);
	}
}

// Headless Chromium ($CHROMIUM or /usr/bin/chromium) that reaches for nothing on its own.
export function launch() {
	return chromium.launch({
		executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
		args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
			"--disable-background-networking", "--disable-component-update", "--disable-sync"],
	});
}

// Prints the tally and exits: 1 when a check failed.
export function finish() {
	console.log(`${passed} passed, ${failed} failed`);
	process.exit(failed ? 1 : 0);
}
