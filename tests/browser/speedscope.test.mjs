// SPDX-License-Identifier: GPL-2.0-only
// Loads bpfprof's speedscope files into the real speedscope (the npm package's built app) in
// headless Chromium, and checks what it shows against the folded stacks they were made from:
// the processes in its profile selector with their totals, which process it opens, and every
// frame of its Sandwich table (DOM, unlike the flame charts' canvas) with its self and total
// weight. Also that a big profile loads. Prints "N passed, N failed".
// Usage: node speedscope.test.mjs SMALL.folded SMALL.speedscope.json BIG.folded
//        BIG.speedscope.json SCREENSHOT.png
import { check, finish, launch } from "./harness.mjs";
import { createServer } from "node:http";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, extname, join, normalize } from "node:path";

const [smallFolded, smallJson, bigFolded, bigJson, screenshot] = process.argv.slice(2);

// What speedscope should show for folded stacks: per process (the first frame, no pid in
// folded input), its total and each frame's self and total weight, a frame counted once per
// stack as speedscope's StackListProfileBuilder does (src/lib/profile.ts).
function expected(path) {
	const procs = new Map();
	for (const line of readFileSync(path, "utf8").split("\n")) {
		const m = /^(.*) (\d+)$/.exec(line);
		if (!m) continue;
		const [comm, ...stack] = m[1].split(";");
		const weight = +m[2];
		if (!procs.has(comm)) procs.set(comm, { total: 0, frames: new Map() });
		const p = procs.get(comm);
		p.total += weight;
		const frame = (name) => {
			if (!p.frames.has(name)) p.frames.set(name, { self: 0, total: 0 });
			return p.frames.get(name);
		};
		for (const name of new Set(stack)) frame(name).total += weight;
		if (stack.length) frame(stack[stack.length - 1]).self += weight;
	}
	// Ordered as bpfprof writes them: by pid (0 here), then name.
	return [...procs.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

// The built app and the profiles, from one origin: speedscope fetches #profileURL=.
const app = join(dirname(createRequire(import.meta.url).resolve("speedscope/package.json")),
	"dist", "release");
const profiles = { "/profiles/small.speedscope.json": smallJson, "/profiles/big.speedscope.json": bigJson };
const types = { ".html": "text/html", ".js": "text/javascript", ".css": "text/css",
	".json": "application/json", ".wasm": "application/wasm", ".png": "image/png",
	".woff2": "font/woff2", ".ico": "image/x-icon", ".txt": "text/plain" };
const server = createServer((req, res) => {
	const path = decodeURIComponent(new URL(req.url, "http://x").pathname);
	const file = profiles[path] ?? (path.startsWith("/app/") && join(app, normalize(path.slice(5)).replace(/^(\.\.\/)+/, "")));
	try {
		const body = readFileSync(file);
		res.writeHead(200, { "Content-Type": types[extname(file)] ?? "application/octet-stream" });
		res.end(body);
	} catch {
		res.writeHead(404);
		res.end();
	}
});
await new Promise((ok) => server.listen(0, "127.0.0.1", ok));
const base = `http://127.0.0.1:${server.address().port}`;

const number = (text) => +text.split(" (")[0].replace(/,/g, "");

// The Sandwich table's rendered rows: [name, self, total]. The profile selector's rows
// are the ones with a title.
function sandwichRows(page) {
	return page.evaluate(() => [...document.querySelectorAll("tr")]
		.filter((tr) => !tr.hasAttribute("title") && !tr.closest("thead") && tr.cells.length === 3)
		.map((tr) => [tr.cells[2].textContent, tr.cells[1].textContent, tr.cells[0].textContent]));
}

function checkSandwich(rows, proc, label, all) {
	const [, p] = proc;
	check(`${label}: the Sandwich table shows frames`, rows.length > 0);
	if (all)
		check(`${label}: every frame is in the table`, rows.length === p.frames.size,
			`${rows.length} rows, ${p.frames.size} frames`);
	let bad = [];
	for (const [name, self, total] of rows) {
		const want = p.frames.get(name);
		if (!want || number(self) !== want.self || number(total) !== want.total)
			bad.push(`${JSON.stringify(name)} self ${self} total ${total}, want ${JSON.stringify(want)}`);
	}
	check(`${label}: names, self and total weights as in the stacks`, bad.length === 0, bad.slice(0, 5).join("; "));
	const maxSelf = Math.max(...[...p.frames.values()].map((f) => f.self));
	check(`${label}: sorted by self weight, the heaviest first`, rows.length && number(rows[0][1]) === maxSelf,
		`${rows[0]?.[1]} vs ${maxSelf}`);
}

// Opens @file in speedscope's Sandwich view; waits for the toolbar's "NAME (i/n)" (or "NAME").
async function open(browser, file, procs, errors) {
	const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
	page.on("pageerror", (e) => errors.push(String(e)));
	page.on("console", (m) => m.type() === "error" && errors.push(m.text()));
	await page.goto(`${base}/app/index.html#profileURL=${encodeURIComponent(`${base}/profiles/${file}`)}&view=sandwich`);
	const busiest = procs.reduce((best, p, i) => (p[1].total > procs[best][1].total ? i : best), 0);
	// speedscope's toolbar (src/views/toolbar.tsx) numbers the profiles only when there are several.
	const title = procs.length > 1 ? `${procs[busiest][0]} (${busiest + 1}/${procs.length})` : procs[0][0];
	// A lone profile's name is a bare text node in the toolbar: look for a line of the page.
	const shown = await page.waitForFunction((t) => document.body.innerText.split("\n").includes(t),
		title, { timeout: 120000 }).then(() => true, () => false);
	check(`${file}: opens the busiest process (activeProfileIndex): "${title}"`, shown,
		await page.locator("body").innerText());
	return { page, busiest };
}

const browser = await launch();
try {
	const errors = [];
	const small = expected(smallFolded);
	const { page, busiest } = await open(browser, "small.speedscope.json", small, errors);
	checkSandwich(await sandwichRows(page), small[busiest], small[busiest][0], true);

	// The profile selector lists every process with its total, in the file's order.
	await page.getByText(new RegExp(`^\\(\\d+/${small.length}\\)$`)).hover();
	const listed = await page.evaluate(() => [...document.querySelectorAll("tr[title]")]
		.filter((tr) => !tr.closest("thead"))
		.map((tr) => [tr.getAttribute("title"), tr.cells[2].textContent]));
	check("the profile selector lists the processes with their totals",
		JSON.stringify(listed.map(([n, w]) => [n, number(w)])) ===
		JSON.stringify(small.map(([n, p]) => [n, p.total])), JSON.stringify(listed));

	// Another process: the one with the hostile frame names.
	const other = busiest ? 0 : 1;
	await page.locator(`tr[title="${small[other][0]}"]`).click();
	await page.getByText(`${small[other][0]} (${other + 1}/${small.length})`, { exact: true }).waitFor();
	checkSandwich(await sandwichRows(page), small[other], small[other][0], true);
	await page.screenshot({ path: screenshot });

	// The flame charts draw on a canvas: they must at least come up without errors.
	await page.getByText("Left Heavy").click();
	await page.locator("canvas").first().waitFor();
	await page.getByText("Time Order").click();
	await page.waitForTimeout(500);
	check("no script errors (small)", errors.length === 0, errors.join("; "));
	await page.close();

	const big = expected(bigFolded);
	const start = Date.now();
	const opened = await open(browser, "big.speedscope.json", big, errors);
	console.log(`big profile (${big.reduce((n, [, p]) => n + p.frames.size, 0)} frames) shown in ${Date.now() - start} ms`);
	checkSandwich(await sandwichRows(opened.page), big[opened.busiest], "big", false);
	check("no script errors (big)", errors.length === 0, errors.join("; "));
} finally {
	await browser.close();
	server.close();
}
finish();
