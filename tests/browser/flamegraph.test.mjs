// SPDX-License-Identifier: GPL-2.0-only
// Opens a bpfprof flame graph in headless Chromium and uses it as a person would: hover,
// click to zoom, reset, search with a regex, toggle case. Prints "N passed, N failed".
// Usage: node flamegraph.test.mjs GRAPH.svg SCREENSHOT.png
import { check, finish, launch } from "./harness.mjs";
import { pathToFileURL } from "node:url";

const [graph, screenshot] = process.argv.slice(2);

// The <g> of the frame whose title starts with NAME followed by " (".
function frame(page, name) {
	return page.locator("#frames > g").filter({
		has: page.locator("title", { hasText: new RegExp(`^${name} \\(`) }),
	}).first();
}

async function rect(g) {
	const r = g.locator("rect");
	return { x: +(await r.getAttribute("x")), width: +(await r.getAttribute("width")) };
}

async function classes(g) {
	return (await g.getAttribute("class")) || "";
}

const browser = await launch();
try {
	const page = await browser.newPage({ viewport: { width: 1200, height: 600 } });
	const errors = [];
	page.on("pageerror", (e) => errors.push(String(e)));
	await page.goto(pathToFileURL(graph).href);

	const width = +(await page.locator("svg").getAttribute("width"));
	const full = width - 2 * 10;
	const heavy = frame(page, "heavy"), light = frame(page, "light"), spin = frame(page, "spin");
	const before = await rect(heavy);
	check("heavy spans 3/4 of its parent", Math.abs(before.width - (await rect(spin)).width * 0.75) < 1.5,
		JSON.stringify(before));

	await heavy.hover();
	const details = await page.locator("#details").textContent();
	check("hover shows the frame in the details line", /^Function: heavy \(75 samples, 62\.50%\)/.test(details), details);

	await heavy.click();
	const zoomed = await rect(heavy);
	check("a click zooms the frame to the full width", Math.abs(zoomed.width - full) < 1 && Math.abs(zoomed.x - 10) < 1,
		JSON.stringify(zoomed));
	check("its parent stays, faded", (await classes(spin)).includes("parent"));
	check("its sibling is hidden", (await classes(light)).includes("hide"));
	const leaf = await rect(frame(page, "heavy_leaf"));
	check("its child is scaled with it", Math.abs(leaf.width - full) < 1, JSON.stringify(leaf));
	check("Reset Zoom shows", !(await classes(page.locator("#unzoom"))).includes("hide"));

	await page.locator("#unzoom").click();
	const reset = await rect(heavy);
	check("Reset Zoom restores the layout", Math.abs(reset.width - before.width) < 0.2 && Math.abs(reset.x - before.x) < 0.2,
		JSON.stringify(reset));
	check("the sibling is back", !(await classes(light)).includes("hide"));

	// Ctrl-F asks for a regex; the leaves hold 100 of 120 samples.
	page.once("dialog", (d) => d.accept("_leaf$"));
	await page.keyboard.press("Control+f");
	const matched = await page.locator("#matched").textContent();
	check("search shows the matched share", matched === "Matched: 83.3%", matched);
	const fill = await frame(page, "light_leaf").locator("rect").getAttribute("fill");
	check("matches are highlighted", fill === "rgb(230,0,230)", fill);
	check("non-matches keep their colour", (await spin.locator("rect").getAttribute("fill")) !== "rgb(230,0,230)");

	// Nested matches count once: "spin" holds both leaves.
	page.once("dialog", (d) => d.accept("^(spin|heavy_leaf)$"));
	await page.locator("#search").click(); // resets the search
	await page.locator("#search").click(); // asks again
	const nested = await page.locator("#matched").textContent();
	check("nested matches count once", nested === "Matched: 83.3%", nested);

	// Case: "HEAVY" matches nothing until the case toggle is on.
	await page.locator("#search").click();
	page.once("dialog", (d) => d.accept("HEAVY"));
	await page.locator("#search").click();
	check("search is case-sensitive by default", (await page.locator("#matched").textContent()) === "Matched: 0.0%");
	await page.locator("#ignorecase").click();
	const ic = await page.locator("#matched").textContent();
	check("the case toggle makes it case-insensitive", ic === "Matched: 62.5%", ic);

	// A search inside a zoomed frame reports the share of the view.
	await spin.click();
	const inView = await page.locator("#matched").textContent();
	check("the matched share follows the zoom", inView === "Matched: 75.0%", inView);

	await page.screenshot({ path: screenshot });
	check("no script errors", errors.length === 0, errors.join("; "));
} finally {
	await browser.close();
}
finish();
