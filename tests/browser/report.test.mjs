// SPDX-License-Identifier: GPL-2.0-only
// Opens `bpfprof report` pages in headless Chromium and uses them as a person would: drag
// across the timeline, hover, click, type a search, pick a function, compare two windows.
// The views are checked against `bpfprof flamegraph` of the same window and against sums
// over the known input. Prints "N passed, N failed" and the opening time of a large page.
// Usage: node report.test.mjs SOURCE_DIR WORK_DIR SCREENSHOT.png
// env: BPFPROF (the binary), STORE_FILL (tests/tools/store_fill)
import { check, finish, launch } from "./harness.mjs";
import { pathToFileURL } from "node:url";
import { execFileSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { reportData, reportHtml, parseFolded, foldedOf, functionTotals, sandwichOf } from "./report_data.mjs";

const [sourceDir, work, screenshot] = process.argv.slice(2);
const same = (what, got, want) => check(what, JSON.stringify(got) === JSON.stringify(want),
	`\n  got:  ${JSON.stringify(got)}\n  want: ${JSON.stringify(want)}`);
const near = (a, b) => Math.abs(a - b) < 1e-9;

/* ---- the known input: 30 seconds, 4 processes (two of them nginx), known stacks ---- */
const T0 = 1764928800; // 2025-12-05T10:00:00Z
const SECONDS = 30;
const STACKS = [
	[101, "nginx;main;ngx_worker;ngx_process_events;epoll_wait_[k]"],
	[101, "nginx;main;ngx_worker;ngx_http_handler;deflate"],
	[102, "nginx;main;ngx_worker;ngx_http_handler;memcpy"],
	[102, "nginx;main;ngx_worker;ngx_process_events;epoll_wait_[k]"],
	[201, "postgres;main;PostgresMain;exec_simple_query;ExecScan;memcpy"],
	[201, "postgres;main;PostgresMain;exec_simple_query;hash_search"],
	[301, "python3;main;_PyEval_EvalFrameDefault;run (handler.py)_[p];json_dumps_[j]"],
	[301, "python3;main;_PyEval_EvalFrameDefault;run (handler.py)_[p];_PyEval_EvalFrameDefault;encode_[p]"],
];
const rows = [];
for (let sec = 0; sec < SECONDS; sec++)
	STACKS.forEach(([pid, stack], i) => {
		let count = 1 + ((sec * 7 + i * 3) % 5);
		if (pid === 201 && sec >= 10 && sec < 20) count *= 4; // postgres is busy in the middle third
		if (sec === 25 && i === 7) return; // a second without that stack
		rows.push({ sec, pid, stack, count });
	});
const perSecond = Array.from({ length: SECONDS }, (_, s) => rows.filter((r) => r.sec === s).reduce((a, r) => a + r.count, 0));

const bpfprof = process.env.BPFPROF, storeFill = process.env.STORE_FILL;
const run = (cmd, args, input) => execFileSync(cmd, args, { input, stdio: ["pipe", "pipe", "inherit"] }).toString();
const store = `${work}/store`;
let page0;
if (bpfprof && storeFill) {
	run(storeFill, [store], rows.map((r) => `${T0 + r.sec} ${r.pid} ${r.stack} ${r.count}`).join("\n") + "\n");
	run(bpfprof, ["report", "--store", store, "--from", String(T0), "--to", String(T0 + SECONDS), "-o", `${work}/r.html`]);
	page0 = `${work}/r.html`;
	console.log("# the page from bpfprof report --store");
} else {
	writeFileSync(`${work}/r.html`, reportHtml(reportData(rows, { t0: T0, seconds: SECONDS, host: "test-host" }), sourceDir));
	page0 = `${work}/r.html`;
	console.log("# the page built by report_data.mjs (BPFPROF and STORE_FILL not set)");
}
// The folded text of seconds [a, b): bpfprof flamegraph on the store when there is one.
function expectedFolded(a, b) {
	const mine = foldedOf(rows, a, b);
	if (!(bpfprof && storeFill)) return mine;
	const out = `${work}/w${a}-${b}.folded`;
	run(bpfprof, ["flamegraph", "--store", store, "--from", String(T0 + a), "--to", String(T0 + b), "-o", out]);
	const theirs = readFileSync(out, "utf8");
	check(`bpfprof flamegraph of [${a}, ${b}) agrees with the input's sums`, theirs === mine, `\n${theirs}\n---\n${mine}`);
	return theirs;
}

const browser = await launch();

async function open(file, viewport = { width: 1400, height: 1000 }) {
	const page = await browser.newPage({ viewport });
	const errors = [];
	page.on("pageerror", (e) => errors.push(String(e)));
	page.on("console", (m) => m.type() === "error" && errors.push(m.text()));
	page.on("dialog", (d) => (errors.push("dialog: " + d.message()), d.dismiss()));
	page.on("request", (r) => !r.url().startsWith("file:") && !r.url().startsWith("data:") && errors.push("request " + r.url()));
	const t = Date.now();
	await page.goto(pathToFileURL(file).href);
	await page.waitForFunction(() => window.bpfprofReport, null, { timeout: 60000 });
	return { page, errors, ms: Date.now() - t };
}
const api = (page, expr, ...args) => page.evaluate(([e, a]) => new Function("r", "a", `return ${e}`)(window.bpfprofReport, a), [expr, args]);
const text = (page, sel) => page.locator(sel).textContent();

// The page point in the middle of timeline second S.
async function secondPoint(page, s) {
	const box = await page.locator("#timeline").boundingBox();
	return { x: box.x + ((s + 0.5) * box.width) / SECONDS, y: box.y + 60 };
}
async function drag(page, a, b) {
	const p = await secondPoint(page, a), q = await secondPoint(page, b - 1);
	await page.mouse.move(p.x, p.y);
	await page.mouse.down();
	await page.mouse.move((p.x + q.x) / 2, p.y, { steps: 3 });
	await page.mouse.move(q.x, q.y, { steps: 3 });
	await page.mouse.up();
}
async function frameBox(page, view, name) {
	const r = await api(page, "r.rectOf(a[0], a[1])", view, name);
	if (!r) throw new Error(`no box ${name} in ${view}`);
	return r;
}
async function hoverFrame(page, view, name) {
	const r = await frameBox(page, view, name);
	await page.mouse.move(r.x + Math.min(r.width / 2, 20), r.y + r.height / 2);
	return r;
}

try {
	const { page, errors } = await open(page0);
	const pct = (v) => (100 * v).toFixed(2) + "%";

	/* timeline */
	same("timeline totals per second are the input's", await api(page, "r.timelineTotals()"), perSecond);
	same("the legend groups by command", (await api(page, "r.timelineLegend()")).sort(), ["nginx", "postgres", "python3"]);
	await page.locator("#grouping").selectOption("process");
	same("by process: comm [pid]", (await api(page, "r.timelineLegend()")).sort(),
		["nginx [101]", "nginx [102]", "postgres [201]", "python3 [301]"]);
	same("regrouping keeps the totals", await api(page, "r.timelineTotals()"), perSecond);
	const p12 = await secondPoint(page, 12);
	await page.mouse.move(p12.x, p12.y);
	const tip = await text(page, "#timeline-tip");
	check("hovering a second shows its time and counts",
		tip.startsWith(`2025-12-05T10:00:12Z (second 12)\ntotal: ${perSecond[12]} samples\n`) &&
		tip.includes(`postgres [201]: ${rows.filter((r) => r.sec === 12 && r.pid === 201).reduce((a, r) => a + r.count, 0)} samples`), tip);
	check("the summary names the host and source", /Host:?\s*\S/.test(await text(page, "#summary")));

	/* drag a window: every view follows */
	const [A, B] = [8, 18];
	await drag(page, A, B);
	same("a drag selects whole seconds [a, b)", await api(page, "r.selection()"), [A, B]);
	check("the selection is written out", (await text(page, "#selection")).includes("2025-12-05T10:00:08Z .. 2025-12-05T10:00:18Z (10 s)"),
		await text(page, "#selection"));
	const folded = expectedFolded(A, B);
	same("the flame graph shows bpfprof flamegraph's folded stacks", await api(page, "r.folded()"), folded);
	const stacks = parseFolded(folded);
	const total = stacks.reduce((a, s) => a + s.count, 0);

	// Colours by kind as our SVG draws them (flamegraph.c palette_color), name for name.
	if (bpfprof) {
		run(bpfprof, ["flamegraph", "--store", store, "--from", String(T0 + A), "--to", String(T0 + B), "-o", `${work}/w.svg`]);
		const svgFill = new Map();
		for (const m of readFileSync(`${work}/w.svg`, "utf8").matchAll(/<title>(.*?) \(\d[^<]*<\/title><rect [^>]*fill="([^"]+)"/g))
			if (!svgFill.has(m[1])) svgFill.set(m[1], m[2]);
		const names = ["all", "nginx", "python3", "main", "ExecScan", "epoll_wait_[k]", "run (handler.py)_[p]", "json_dumps_[j]"];
		const mine = await Promise.all(names.map((n) => api(page, "r.colorOf('flame', a[0])", n)));
		same("frame colours are the SVG's", mine, names.map((n) => svgFill.get(n.replace(/_\[[kjip]\]$/, ""))));
	}
	await hoverFrame(page, "flame", "ExecScan");
	const execScan = stacks.filter((s) => s.frames.includes("ExecScan")).reduce((a, s) => a + s.count, 0);
	same("hovering a frame shows name, count, share", await text(page, "#details"),
		`ExecScan (${execScan} samples, ${pct(execScan / total)})`);
	check("and its tooltip", (await text(page, "#flame-tip")) === `ExecScan\n${execScan} samples, ${pct(execScan / total)} of the selection`,
		await text(page, "#flame-tip"));
	const canvasWidth = (await page.locator("#flame").boundingBox()).width;
	const before = await frameBox(page, "flame", "PostgresMain");
	await page.mouse.click(before.x + 5, before.y + 5);
	const zoomed = await frameBox(page, "flame", "PostgresMain");
	check("a click zooms the frame to the full width", Math.abs(zoomed.width - canvasWidth) < 1, JSON.stringify(zoomed));
	check("the zoom hides the other processes", !(await api(page, "r.rectOf('flame', 'ngx_worker')")));
	await page.locator("#reset-zoom").click();
	check("Reset zoom restores it", Math.abs((await frameBox(page, "flame", "PostgresMain")).width - before.width) < 0.01);
	const upright = await frameBox(page, "flame", "main");
	await page.locator("#icicle").check();
	const icicle = await frameBox(page, "flame", "main");
	check("the icicle puts the root at the top", icicle.y < upright.y && (await frameBox(page, "flame", "all")).y < icicle.y);
	await page.locator("#icicle").uncheck();

	/* search */
	await page.locator("#search").fill("");
	await page.locator("#search").pressSequentially("^memcpy$");
	const memcpy = stacks.filter((s) => s.frames.includes("memcpy")).reduce((a, s) => a + s.count, 0);
	same("the search shows the matched share", await text(page, "#matched"), `Matched: ${(100 * memcpy / total).toFixed(1)}%`);
	same("matches are highlighted", await api(page, "r.colorOf('flame', 'memcpy')"), "rgb(230,0,230)");
	check("non-matches keep their colour", (await api(page, "r.colorOf('flame', 'ExecScan')")) !== "rgb(230,0,230)");
	const nested = stacks.filter((s) => s.frames.includes("ngx_http_handler") || s.frames.includes("deflate")).reduce((a, s) => a + s.count, 0);
	await page.locator("#search").fill("^(ngx_http_handler|deflate)$");
	same("nested matches count once", await text(page, "#matched"), `Matched: ${(100 * nested / total).toFixed(1)}%`);
	await page.locator("#search").fill("(");
	check("a bad regex is marked, not thrown", (await page.locator("#search").getAttribute("class")).includes("bad"));
	await page.locator("#search").fill("memcpy");

	/* the functions table */
	await page.locator("#tab-table").click();
	const want = [...functionTotals(stacks).values()];
	same("the search filters the table", (await api(page, "r.table()")).map((r) => r.name), ["memcpy"]);
	await page.locator("#search").fill("");
	const byTotal = (x, y) => y.total - x.total || Buffer.compare(Buffer.from(x.name), Buffer.from(y.name));
	same("the table holds the folded file's totals, recursion once", await api(page, "r.table()"), want.sort(byTotal));
	const first = want[0];
	same("the first row as displayed", await page.locator("#functions tbody tr").first().locator("td").allTextContents(),
		[first.name, `${first.self} samples`, pct(first.self / total), `${first.total} samples`, pct(first.total / total)]);
	await page.locator("#functions th", { hasText: /^Function$/ }).click();
	same("a click on a header sorts by it", (await api(page, "r.table()")).map((r) => r.name),
		want.map((r) => r.name).sort((x, y) => Buffer.compare(Buffer.from(x), Buffer.from(y))));
	await page.locator("#functions th", { hasText: /^Self$/ }).click();
	const selfs = (await api(page, "r.table()")).map((r) => r.self);
	check("and by self, descending", selfs.every((v, i) => i === 0 || selfs[i - 1] >= v), JSON.stringify(selfs));

	/* sandwich, picked from the table */
	await page.locator("#functions td", { hasText: /^_PyEval_EvalFrameDefault$/ }).click();
	const sw = await api(page, "r.sandwich()");
	const swWant = sandwichOf(stacks, "_PyEval_EvalFrameDefault");
	same("the sandwich's callers", sw.callers, swWant.callers);
	same("the sandwich's callees", sw.callees, swWant.callees);
	const py = want.find((r) => r.name === "_PyEval_EvalFrameDefault");
	check("the sandwich names its function", (await text(page, "#sandwich-title")).startsWith(`_PyEval_EvalFrameDefault: total ${py.total} samples`),
		await text(page, "#sandwich-title"));
	const callerBox = await hoverFrame(page, "callers", "python3");
	check("callers sit above the function", callerBox.y < (await frameBox(page, "callers", "_PyEval_EvalFrameDefault")).y);
	check("hovering a caller shows it", (await text(page, "#callers-tip")).startsWith("python3\n"));
	// ... and from the flame graph: a right click.
	await page.locator("#tab-flame").click();
	const hs = await frameBox(page, "flame", "hash_search");
	await page.mouse.click(hs.x + 3, hs.y + 5, { button: "right" });
	same("a right click on a frame opens its sandwich", (await api(page, "r.sandwich()")).callers,
		sandwichOf(stacks, "hash_search").callers);
	await page.locator("#tab-flame").click();
	const dd = await frameBox(page, "flame", "deflate");
	await page.mouse.click(dd.x + 3, dd.y + 5);
	await page.locator("#open-sandwich").click();
	same("so does Sandwich after a click on it", (await api(page, "r.sandwich()")).callees, sandwichOf(stacks, "deflate").callees);
	await page.locator("#tab-flame").click();
	check("the zoom stays on deflate", (await api(page, "r.rectOf('flame', 'PostgresMain')")) === null);
	const again = await frameBox(page, "flame", "deflate");
	await page.mouse.dblclick(again.x + 3, again.y + 5);
	check("a double click shows the whole graph again", (await api(page, "r.rectOf('flame', 'PostgresMain')")) !== null);

	/* compare two windows */
	await drag(page, 0, 10);
	await page.locator("#set-baseline").click();
	await drag(page, 10, 20);
	const baseStacks = parseFolded(expectedFolded(0, 10)), newStacks = parseFolded(expectedFolded(10, 20));
	const bt = functionTotals(baseStacks), nt = functionTotals(newStacks);
	const bsum = baseStacks.reduce((a, s) => a + s.count, 0), nsum = newStacks.reduce((a, s) => a + s.count, 0);
	const changes = await api(page, "r.changes()");
	const hash = changes.find((c) => c.name === "hash_search");
	check("compare: the change of a function's share", hash && near(hash.base, bt.get("hash_search").total / bsum) &&
		near(hash.now, nt.get("hash_search").total / nsum) && near(hash.delta, hash.now - hash.base), JSON.stringify(hash));
	const deltas = changes.map((c) => Math.abs(c.delta));
	check("the biggest changes first", deltas.every((v, i) => i === 0 || deltas[i - 1] >= v));
	check("compare covers every function", changes.length === new Set([...bt.keys(), ...nt.keys()]).size);
	const rowText = await page.locator("#changes tbody tr", { hasText: /^hash_search/ }).first().locator("td").allTextContents();
	same("the change row as displayed", rowText, ["hash_search", pct(hash.base), pct(hash.now), `+${(100 * hash.delta).toFixed(2)} pts`]);
	check("a grown frame is red", /^rgb\(255,/.test(await api(page, "r.colorOf('diff', 'hash_search')")));
	check("a shrunk frame is blue", /,255\)$/.test(await api(page, "r.colorOf('diff', 'ngx_worker')")));
	await hoverFrame(page, "diff", "PostgresMain");
	check("the diff's tooltip gives the baseline share", (await text(page, "#diff-tip")).includes("baseline "));

	/* clearing */
	const p3 = await secondPoint(page, 3);
	await page.mouse.dblclick(p3.x, p3.y);
	same("a double click clears the selection", await api(page, "r.selection()"), null);
	await drag(page, 4, 6);
	await page.locator("#clear-selection").click();
	same("so does the button", await api(page, "r.selection()"), null);
	same("the whole window again", await api(page, "r.folded()"), expectedFolded(0, SECONDS));
	check("no script errors, no requests", errors.length === 0, errors.join("; "));
	await page.close();

	/* no times (folded files), hostile names, a baseline file */
	const hostile = "<img src=x onerror=alert(1)>", closer = "</script><script>alert(2)</script>\u2028x";
	const untimed = [{ sec: -1, pid: 7, stack: `${hostile};main;a`, count: 3 }, { sec: -1, pid: 7, stack: `${hostile};main;${closer}`, count: 1 }];
	const baseRows = [{ sec: -1, pid: 7, stack: `${hostile};main;a`, count: 1 }];
	if (bpfprof) {
		const folded = (list) => list.map((r) => `${r.stack} ${r.count}\n`).join("");
		writeFileSync(`${work}/new.folded`, folded(untimed));
		writeFileSync(`${work}/base.folded`, folded(baseRows));
		run(bpfprof, ["report", `${work}/new.folded`, "--base", `${work}/base.folded`, "-o", `${work}/untimed.html`]);
	} else
		writeFileSync(`${work}/untimed.html`, reportHtml(reportData(untimed, { seconds: 0, base: { label: "base.folded", rows: baseRows } }), sourceDir));
	const u = await open(`${work}/untimed.html`);
	check("without times the timeline says so", (await text(u.page, "#no-time")).includes("No time information"));
	same("untimed samples are in the views", await api(u.page, "r.folded()"), foldedOf(untimed));
	check("names are text, not markup", (await u.page.locator("img").count()) === 0 && (await u.page.locator("script").count()) === 2);
	await u.page.locator("#compare-base").click();
	const bc = await api(u.page, "r.changes()");
	check("compare against the baseline file", bc.length === 3 && near(bc.find((c) => c.name === "a").delta, -0.25) &&
		near(bc.find((c) => c.name === closer).delta, 0.25),
		JSON.stringify(bc));
	check("no script errors on the untimed page", u.errors.length === 0, u.errors.join("; "));
	await u.page.close();

	/* damaged data: bad references, a stack deeper than a canvas, another format */
	const deep = [{ sec: 0, pid: 9, stack: ["deep", ...Array.from({ length: 2000 }, (_, i) => "f" + i)].join(";"), count: 2 }];
	const damaged = reportData(deep, { t0: T0, seconds: 1 });
	damaged.samples.push(99999, 0, 0, 1, 0, 42, 0, 1, 0, 0, 5, 1); // no such node, process, second
	damaged.nodes.push(12345, 0);
	writeFileSync(`${work}/damaged.html`, reportHtml(damaged, sourceDir));
	const d = await open(`${work}/damaged.html`);
	check("damaged rows are counted in the summary", (await text(d.page, "#summary")).includes("Data problems1 bad node references, 3 bad sample rows"),
		await text(d.page, "#summary"));
	same("the flame graph says what it could not draw", await d.page.locator(".note", { hasText: "deeper" }).first().textContent(),
		"2 samples in frames deeper than 800 levels, not drawn");
	same("the rest is drawn", await api(d.page, "r.total()"), 2);
	check("no script errors on the damaged page", d.errors.length === 0, d.errors.join("; "));
	await d.page.close();
	writeFileSync(`${work}/other.html`, reportHtml({ ...damaged, version: 2 }, sourceDir));
	const v = await open(`${work}/other.html`);
	same("another version is refused in one line", await text(v.page, ".fatal"), "bpfprof report: the embedded data is not format bpfprof-report version 1");
	await v.page.close();

	/* off-CPU time: counts are nanoseconds and show as times */
	const waits = [{ sec: 0, pid: 5, stack: "app;main;wait;schedule_[k]", count: 250e6 }, { sec: 1, pid: 5, stack: "app;main;read_[k]", count: 1.5e9 }];
	writeFileSync(`${work}/offcpu.html`, reportHtml(reportData(waits, { t0: T0, seconds: 2, value: "off_cpu" }), sourceDir));
	const o = await open(`${work}/offcpu.html`);
	await hoverFrame(o.page, "flame", "wait");
	same("off-CPU values show as times", await text(o.page, "#details"), "wait (250 ms, 14.29%)");
	check("and in the summary", (await text(o.page, "#summary")).includes("1.75 s"), await text(o.page, "#summary"));
	check("no script errors on the off-CPU page", o.errors.length === 0, o.errors.join("; "));
	await o.page.close();

	/* a large page: 1 hour at 19 Hz on 2 CPUs, a few thousand stacks of depth ~30 */
	const big = [];
	let seed = 1;
	const rand = (n) => ((seed = (seed * 1103515245 + 12345) % 2147483648) % n);
	const comms = ["java", "postgres", "nginx", "python3", "node", "redis-server", "containerd", "kworker/0:1"];
	const shapes = Array.from({ length: 3000 }, (_, i) => {
		const c = i % comms.length, depth = 20 + rand(20);
		const f = [comms[c]];
		for (let d = 0; d < depth; d++) f.push(`${comms[c]}_fn_${d}_${rand(d < 10 ? 3 : 12)}${d === depth - 1 && i % 3 === 0 ? "_[k]" : ""}`);
		return { pid: 1000 + c * 10 + (i % 4), stack: f.join(";") };
	});
	for (let sec = 0; sec < 3600; sec++)
		for (let k = 0; k < 38; k++) {
			const s = shapes[rand(shapes.length)];
			big.push({ sec, pid: s.pid, stack: s.stack, count: 1 });
		}
	const bigFile = `${work}/big.html`;
	if (bpfprof && storeFill) {
		run(storeFill, [`${work}/bigstore`], big.map((r) => `${T0 + r.sec} ${r.pid} ${r.stack} ${r.count}`).join("\n") + "\n");
		run(bpfprof, ["report", "--store", `${work}/bigstore`, "--from", String(T0), "--to", String(T0 + 3600), "-o", bigFile]);
	} else
		writeFileSync(bigFile, reportHtml(reportData(big, { t0: T0, seconds: 3600 }), sourceDir));
	const b = await open(bigFile);
	const loadMs = await api(b.page, "r.loadMs");
	const rowsIn = await api(b.page, "r.rows");
	const size = readFileSync(bigFile).length;
	same("the large page holds every sample", await api(b.page, "r.total()"), big.length);
	const dragMs = await b.page.evaluate(() => {
		const t = performance.now();
		window.bpfprofReport.select(600, 1800);
		return performance.now() - t;
	});
	same("a selection of it", await api(b.page, "r.total()"), 1200 * 38);
	console.log(`# large page (${big.length} samples, 3000 stacks, 1 hour): ${rowsIn} rows, ${(size / 1e6).toFixed(1)} MB; ` +
		`script ${loadMs.toFixed(0)} ms, navigation to ready ${b.ms} ms; a new selection ${dragMs.toFixed(0)} ms`);
	check("no script errors on the large page", b.errors.length === 0, b.errors.join("; "));
	await b.page.close();

	if (screenshot) {
		const s = await open(process.env.SCREENSHOT_PAGE || page0, { width: 1400, height: 1000 });
		await s.page.screenshot({ path: screenshot });
		await s.page.close();
	}
} catch (e) {
	check("the test runs to its end", false, e.stack);
} finally {
	await browser.close();
}
finish();
