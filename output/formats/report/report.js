// SPDX-License-Identifier: GPL-2.0-only
// bpfprof report: builds the whole page from the embedded DATA (format "bpfprof-report" 1,
// see the writer in output/formats/report_writer.c). Every string in DATA comes from the
// profiled processes, so it only ever reaches the page through textContent or fillText.
// Aggregates live in typed arrays: one pass over the sample rows per selection.
"use strict";
(function () {
	const started = performance.now();
	const SUFFIX = ["", "_[k]", "_[j]", "_[i]", "_[p]"];
	const TOP_GROUPS = 8;
	const FRAME_HEIGHT = 17;
	const MIN_BOX = 0.5; // px: narrower boxes and their children are not drawn
	const MAX_ROWS = 800; // levels drawn: a canvas stops drawing past 32767 px (at 2x)
	const MAX_SECONDS = 31 * 86400; // a timeline of a month: 9 groups of doubles per second
	const TABLE_ROWS = 500;
	const MATCH_RGB = "rgb(230,0,230)";
	const GROUP_COLORS = ["#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948",
		"#b07aa1", "#ff9da7", "#9c9c9c"];

	/* ---- DOM helpers: text only, never markup from DATA ---- */
	function el(tag, attrs, ...children) {
		const e = document.createElement(tag);
		for (const [k, v] of Object.entries(attrs || {})) {
			if (k === "class") e.className = v;
			else if (k.startsWith("on")) e.addEventListener(k.slice(2), v);
			else e.setAttribute(k, v);
		}
		for (const c of children)
			if (c !== null && c !== undefined)
				e.appendChild(typeof c === "string" ? document.createTextNode(c) : c);
		return e;
	}

	function fail(message) {
		document.body.appendChild(el("p", { class: "fatal" }, "bpfprof report: " + message));
		window.bpfprofReport = { error: message };
	}

	let D;
	try {
		D = JSON.parse(document.getElementById("bpfprof-data").textContent);
	} catch (e) {
		fail("the embedded data does not parse: " + e.message);
		return;
	}
	if (!D || D.format !== "bpfprof-report" || D.version !== 1) {
		fail("the embedded data is not format bpfprof-report version 1");
		return;
	}

	/* ---- the tables of DATA, checked: bad references count as problems, never throw ---- */
	const problems = [];
	const arr = (a) => (Array.isArray(a) ? a : []);
	const S = arr(D.strings);
	const str = (i) => (Number.isInteger(i) && i >= 0 && i < S.length && typeof S[i] === "string" ? S[i] : "");
	const meta = D.meta || {};
	const summary = D.summary || {};
	const isTime = meta.value === "off_cpu" || meta.value === "wall";
	let seconds = Number.isInteger(D.seconds) && D.seconds > 0 ? D.seconds : 0;
	if (seconds > MAX_SECONDS) {
		problems.push("a timeline of " + seconds + " s cut to " + MAX_SECONDS + " s");
		seconds = MAX_SECONDS;
	}
	const t0 = Number.isFinite(D.t0) ? D.t0 : 0;

	// Functions: one per name as shown (with its kind's suffix), as in folded output.
	const fnName = [], fnRaw = [], fnKind = [];
	const fnIndex = new Map();
	const framesIn = arr(D.frames);
	const nFrames = Math.floor(framesIn.length / 3);
	const fnOfFrame = new Int32Array(nFrames);
	for (let f = 0; f < nFrames; f++) {
		let kind = framesIn[3 * f + 2];
		if (!(kind >= 0 && kind < SUFFIX.length)) kind = 0;
		const raw = str(framesIn[3 * f]);
		const name = raw + SUFFIX[kind];
		let id = fnIndex.get(name);
		if (id === undefined) {
			id = fnName.length;
			fnIndex.set(name, id);
			fnName.push(name);
			fnRaw.push(raw);
			fnKind.push(kind);
		}
		fnOfFrame[f] = id;
	}
	const nodesIn = arr(D.nodes);
	const nNodes = Math.floor(nodesIn.length / 2);
	const nodeParent = new Int32Array(nNodes), nodeFn = new Int32Array(nNodes);
	let badNodes = 0;
	for (let n = 0; n < nNodes; n++) {
		let p = nodesIn[2 * n], f = nodesIn[2 * n + 1];
		if (!(Number.isInteger(p) && p >= -1 && p < n)) p = -1, badNodes++;
		nodeParent[n] = p;
		nodeFn[n] = Number.isInteger(f) && f >= 0 && f < nFrames ? fnOfFrame[f] : -1;
		if (nodeFn[n] < 0) badNodes++;
	}
	if (badNodes) problems.push(badNodes + " bad node references");

	const procIn = arr(D.processes);
	const nProcs = Math.floor(procIn.length / 2);
	const procPid = new Int32Array(nProcs), procComm = new Int32Array(nProcs);
	const commName = [], commIndex = new Map();
	for (let p = 0; p < nProcs; p++) {
		procPid[p] = procIn[2 * p] | 0;
		const name = str(procIn[2 * p + 1]);
		let c = commIndex.get(name);
		if (c === undefined) commIndex.set(name, (c = commName.length)), commName.push(name);
		procComm[p] = c;
	}

	/*
	 * The display tree: root "all", then one node per comm, then frames root first, merged by
	 * shown name. Keys: -1 the root, -2 - c comm c, f >= 0 function f. Nodes are created after
	 * their parents, so totals add up in one backward loop.
	 */
	const KEY_SPACE = fnName.length + commName.length + 2;
	const keyLabel = (k) => (k >= 0 ? fnName[k] : k === -1 ? "all" : commName[-2 - k]);

	class Tree {
		constructor(rootKey) {
			this.parent = [-1];
			this.key = [rootKey];
			this.depth = [0];
			this.index = new Map();
		}
		get size() {
			return this.key.length;
		}
		child(p, key) {
			const k = p * KEY_SPACE + key + commName.length + 2;
			let c = this.index.get(k);
			if (c === undefined) {
				c = this.key.length;
				this.index.set(k, c);
				this.parent.push(p);
				this.key.push(key);
				this.depth.push(this.depth[p] + 1);
			}
			return c;
		}
		path(keys, from, to, step) {
			let n = 0;
			for (let i = from; i !== to; i += step) n = this.child(n, keys[i]);
			return n;
		}
		// Children lists sorted by name (as flamegraph.pl and our SVG), and the deepest level.
		finish() {
			const n = this.size;
			this.parent = Int32Array.from(this.parent);
			this.key = Int32Array.from(this.key);
			this.depth = Int32Array.from(this.depth);
			const count = new Int32Array(n + 1);
			for (let i = 1; i < n; i++) count[this.parent[i] + 1]++;
			for (let i = 0; i < n; i++) count[i + 1] += count[i];
			this.childStart = count;
			this.childList = new Int32Array(Math.max(n - 1, 0));
			const fill = count.slice(0, n);
			for (let i = 1; i < n; i++) this.childList[fill[this.parent[i]]++] = i;
			for (let i = 0; i < n; i++) {
				const a = count[i], b = count[i + 1];
				if (b - a > 1) {
					const part = Array.from(this.childList.subarray(a, b));
					part.sort((x, y) => compareBytes(keyLabel(this.key[x]), keyLabel(this.key[y])));
					this.childList.set(part, a);
				}
			}
			this.index = null;
			return this;
		}
		label(i) {
			return keyLabel(this.key[i]);
		}
		totals(self) {
			const t = Float64Array.from(self);
			for (let i = t.length - 1; i > 0; i--) t[this.parent[i]] += t[i];
			return t;
		}
		pathLabels(i) {
			const out = [];
			for (; i > 0; i = this.parent[i]) out.push(this.label(i));
			return out.reverse();
		}
		// Folded text of the stacks with a count, root excluded unless it is a function.
		folded(self, withRoot) {
			const lines = [];
			for (let i = 0; i < self.length; i++) {
				if (!(self[i] > 0)) continue;
				const p = this.pathLabels(i);
				if (withRoot) p.unshift(this.label(0));
				if (p.length) lines.push(p.join(";") + " " + self[i]);
			}
			return sortBytes(lines).join("\n") + (lines.length ? "\n" : "");
		}
	}

	// Bytewise (UTF-8) order: UTF-16 order differs from it for surrogates against U+E000..FFFF.
	function compareBytes(a, b) {
		const n = Math.min(a.length, b.length);
		for (let i = 0; i < n; i++) {
			let x = a.charCodeAt(i), y = b.charCodeAt(i);
			if (x === y) continue;
			if (x >= 0xd800 && x <= 0xdfff) x += 0x2000;
			else if (x >= 0xe000) x -= 0x800;
			if (y >= 0xd800 && y <= 0xdfff) y += 0x2000;
			else if (y >= 0xe000) y -= 0x800;
			return x - y;
		}
		return a.length - b.length;
	}
	const sortBytes = (lines) => lines.sort(compareBytes);

	const tree = new Tree(-1);
	// (data node, comm) -> display node, memoised so shared prefixes are walked once.
	const leafMemo = new Map();
	const walk = [];
	function displayNode(node, comm) {
		const nComm = commName.length;
		let n = node, at = -1;
		walk.length = 0;
		while (n >= 0) {
			const m = leafMemo.get(n * nComm + comm);
			if (m !== undefined) {
				at = m;
				break;
			}
			walk.push(n);
			n = nodeParent[n];
		}
		if (at < 0) at = tree.child(0, -2 - comm);
		for (let i = walk.length - 1; i >= 0; i--) {
			const d = walk[i];
			if (nodeFn[d] >= 0) at = tree.child(at, nodeFn[d]);
			leafMemo.set(d * nComm + comm, at);
		}
		return at;
	}

	// Sample rows -> (display leaf, process, second, count) in typed arrays.
	function readSamples(rows, what) {
		const n = Math.floor(rows.length / 4);
		const leaf = new Int32Array(n), proc = new Int32Array(n), sec = new Int32Array(n);
		const count = new Float64Array(n);
		let bad = 0, kept = 0;
		for (let i = 0; i < n; i++) {
			const node = rows[4 * i], p = rows[4 * i + 1], s = rows[4 * i + 2], c = rows[4 * i + 3];
			if (!(Number.isInteger(node) && node >= -1 && node < nNodes && Number.isInteger(p) && p >= 0 &&
				p < nProcs && Number.isInteger(s) && s >= -1 && (s < seconds || s === -1) && c > 0)) {
				bad++;
				continue;
			}
			leaf[kept] = node < 0 ? tree.child(0, -2 - procComm[p]) : displayNode(node, procComm[p]);
			proc[kept] = p;
			sec[kept] = s;
			count[kept++] = c;
		}
		if (bad) problems.push(bad + " bad " + what + " rows");
		return { n: kept, leaf, proc, sec, count };
	}
	const rows = readSamples(arr(D.samples), "sample");
	const base = D.base && typeof D.base === "object" ? D.base : null;
	const baseRows = base ? readSamples(arr(base.samples), "baseline") : null;
	tree.finish();
	leafMemo.clear();

	/* ---- formatting ---- */
	const unit = isTime ? "" : " samples";
	function fmtTime(ns) {
		if (ns < 1e3) return Math.round(ns) + " ns";
		const g = (v) => Number(v.toPrecision(3)).toString();
		if (ns < 1e6) return g(ns / 1e3) + " us";
		if (ns < 1e9) return g(ns / 1e6) + " ms";
		return g(ns / 1e9) + " s";
	}
	const fmtCount = (v) => (isTime ? fmtTime(v) : Math.round(v).toLocaleString("en-US") + unit);
	const fmtShare = (v) => (100 * v).toFixed(2) + "%";
	const iso = (unix) => new Date(unix * 1000).toISOString().replace(".000Z", "Z");
	const clock = (unix) => iso(unix).slice(11, 19);

	/* ---- colours: output/formats/flamegraph.c palette_of_kind, palette_color, name_hash ---- */
	const M64 = (1n << 64n) - 1n;
	const rotl = (h, r) => ((h << BigInt(r)) | (h >> BigInt(64 - r))) & M64;
	function hashU64(h, v) {
		h ^= (v * 0x9e3779b97f4a7c15n) & M64;
		h = rotl(h, 31);
		return (h * 0xbf58476d1ce4e5b9n) & M64;
	}
	function nameHash0(name) {
		// output/base/hash_table.h: hash__bytes over the UTF-8 bytes, then hash__final.
		const b = new TextEncoder().encode(name);
		let h = hashU64(0x243f6a8885a308d3n, BigInt(b.length));
		for (let i = 0; i < b.length; i += 8) {
			let w = 0n;
			for (let j = Math.min(7, b.length - 1 - i); j >= 0; j--) w = (w << 8n) | BigInt(b[i + j]);
			h = hashU64(h, w);
		}
		h ^= h >> 33n;
		h = (h * 0xff51afd7ed558ccdn) & M64;
		h ^= h >> 33n;
		h = (h * 0xc4ceb9fe1a85ec53n) & M64;
		h ^= h >> 33n;
		return Number(h & 0x1fffffn) / 0x200000;
	}
	const kindColor = [
		(v) => [200 + 55 * v, 50 + 80 * v, 50 + 80 * v], // user: red
		(v) => [190 + 65 * v, 90 + 65 * v, 0], // kernel: orange
		(v) => [50 + 60 * v, 200 + 55 * v, 50 + 60 * v], // jit: green
		(v) => [50 + 60 * v, 165 + 55 * v, 165 + 55 * v], // inline: aqua
		(v) => [80 + 60 * v, 80 + 60 * v, 205 + 50 * v], // python: blue
	];
	const yellow = (v) => [175 + 55 * v, 175 + 55 * v, 50 + 20 * v]; // process names
	const rgb = (c) => `rgb(${c[0] | 0},${c[1] | 0},${c[2] | 0})`;
	const colorCache = new Map();
	function keyColor(k) {
		let c = colorCache.get(k);
		if (c === undefined) {
			if (k === -1) c = "rgb(250,250,220)";
			else if (k < -1) c = rgb(yellow(nameHash0(commName[-2 - k])));
			else c = rgb(kindColor[fnKind[k]](nameHash0(fnRaw[k])));
			colorCache.set(k, c);
		}
		return c;
	}
	// flamegraph.c diff_color: red grew, blue shrank, by the change in new samples.
	function diffColor(delta, maxDelta) {
		const s = maxDelta > 0 ? delta / maxDelta : 0;
		const fade = 255 - Math.trunc(210 * Math.abs(s));
		return s >= 0 ? `rgb(255,${fade},${fade})` : `rgb(${fade},${fade},255)`;
	}

	/* ---- state ---- */
	const state = {
		selection: null, // [a, b) in timeline seconds
		grouping: "comm",
		search: null, // RegExp
		sandwich: -1, // function id
		baseline: null, // { label, self, total }
		tab: "flame",
	};

	// One pass over the rows: self counts per display node for the selection.
	function selfCounts(r, sel) {
		const self = new Float64Array(tree.size);
		for (let i = 0; i < r.n; i++) {
			const s = r.sec[i];
			if (sel ? s >= sel[0] && s < sel[1] : true) self[r.leaf[i]] += r.count[i];
		}
		return self;
	}

	// Per function: self, and total counted once per stack (recursion).
	function functionTotals(self) {
		const nFn = fnName.length;
		const fself = new Float64Array(nFn), ftotal = new Float64Array(nFn);
		const seen = new Int32Array(nFn).fill(-1);
		for (let i = 1; i < self.length; i++) {
			const c = self[i];
			if (!(c > 0)) continue;
			if (tree.key[i] >= 0) fself[tree.key[i]] += c;
			for (let m = i; m > 0; m = tree.parent[m]) {
				const k = tree.key[m];
				if (k >= 0 && seen[k] !== i) seen[k] = i, ftotal[k] += c;
			}
		}
		return { self: fself, total: ftotal };
	}

	let agg = null; // the selection's { self, total } per display node, grand total, fnTotals
	function aggregate() {
		const self = selfCounts(rows, state.selection);
		const total = tree.totals(self);
		agg = { self, total, grand: total[0], fnTotals: null };
	}
	function fnTotals() {
		if (!agg.fnTotals) agg.fnTotals = functionTotals(agg.self);
		return agg.fnTotals;
	}

	/* ---- search ---- */
	let matchCache = null;
	function keyMatches(k) {
		if (!state.search) return false;
		if (!matchCache) matchCache = new Map();
		let m = matchCache.get(k);
		if (m === undefined) {
			state.search.lastIndex = 0;
			m = state.search.test(keyLabel(k));
			matchCache.set(k, m);
		}
		return m;
	}
	// Share of the selection under matched frames, nested matches counted once.
	function matchedShare() {
		if (!state.search || !(agg.grand > 0)) return 0;
		let sum = 0;
		const stack = [0];
		while (stack.length) {
			const n = stack.pop();
			if (!(agg.total[n] > 0)) continue;
			if (n > 0 && keyMatches(tree.key[n])) {
				sum += agg.total[n];
				continue;
			}
			for (let j = tree.childStart[n]; j < tree.childStart[n + 1]; j++) stack.push(tree.childList[j]);
		}
		return sum / agg.grand;
	}

	/* ---- page skeleton ---- */
	document.title = typeof meta.title === "string" && meta.title ? meta.title : "bpfprof report";
	const root = el("div", { id: "report" });
	document.body.appendChild(root);
	root.appendChild(el("h1", {}, document.title));

	// Summary panel.
	function summaryPanel() {
		const dl = el("dl", { id: "summary" });
		const add = (k, v) => v !== undefined && v !== null && v !== "" && dl.append(el("div", {}, el("dt", {}, k), el("dd", {}, String(v))));
		add("Host", meta.host || "unknown");
		if (summary.start || summary.end) add("Window", (summary.start || "?") + " .. " + (summary.end || "?"));
		if (Number.isFinite(summary.duration_s)) add("Duration", fmtTime(summary.duration_s * 1e9));
		add("Value", isTime ? (meta.value === "wall" ? "wall time (ns)" : "off-CPU time (ns)") : "CPU samples");
		if (meta.hz > 0) add("Frequency", meta.hz + " Hz");
		if (Number.isFinite(summary.samples)) {
			let s = fmtCount(summary.samples);
			if (!isTime && meta.period_ns > 0) s += " (about " + fmtTime(summary.samples * meta.period_ns) + " of CPU)";
			add(isTime ? "Total" : "Samples", s);
		}
		if (Number.isFinite(summary.processes)) add("Processes", summary.processes);
		if (summary.losses && typeof summary.losses === "object") {
			const parts = Object.entries(summary.losses).filter(([, v]) => v > 0).map(([k, v]) => k.replace(/_/g, " ") + ": " + v);
			add("Losses", parts.length ? parts.join(", ") : "none");
		}
		if (Number.isFinite(summary.stacks_complete)) add("Complete stacks", fmtShare(summary.stacks_complete) + " of samples");
		if (Number.isFinite(summary.unnamed_frames))
			add("Unnamed frames", summary.unnamed_frames + " frames in " +
				(Number.isFinite(summary.unnamed_samples) ? fmtCount(summary.unnamed_samples) : "?"));
		add("Source", meta.source);
		if (problems.length) add("Data problems", problems.join(", "));
		return el("section", { class: "panel" }, el("h2", {}, "Summary"), dl);
	}
	root.appendChild(summaryPanel());

	/* ---- timeline ---- */
	const timeline = {
		canvas: el("canvas", { id: "timeline", height: "150" }),
		legend: el("div", { id: "legend" }),
		tip: el("div", { id: "timeline-tip", class: "tip hidden" }),
		groups: null, // { labels, perSecond Float64Array(seconds * G), totals }
		totals: new Float64Array(seconds),
		drag: null,
	};
	const selLabel = el("span", { id: "selection" });
	const clearBtn = el("button", { id: "clear-selection", type: "button", onclick: () => setSelection(null) }, "Clear selection");
	const groupSel = el("select", { id: "grouping", onchange: (e) => { state.grouping = e.target.value; buildGroups(); drawTimeline(); } },
		el("option", { value: "comm" }, "by command"), el("option", { value: "process" }, "by process"));
	root.appendChild(el("section", { class: "panel", id: "timeline-panel" },
		el("h2", {}, "Timeline ", el("small", {}, isTime ? "time per second" : "samples per second")),
		el("div", { class: "bar" }, groupSel, " ", selLabel, " ", clearBtn),
		seconds ? el("div", { class: "timeline-box" }, timeline.canvas, timeline.tip) :
			el("p", { id: "no-time" }, "No time information: the samples carry no timestamps."),
		seconds ? timeline.legend : null));

	function buildGroups() {
		const byKey = new Map(), labels = [], gTotal = [];
		const gOf = new Int32Array(nProcs);
		for (let p = 0; p < nProcs; p++) {
			const k = state.grouping === "comm" ? "c" + procComm[p] : "p" + procPid[p] + " " + procComm[p];
			let g = byKey.get(k);
			if (g === undefined) {
				byKey.set(k, (g = labels.length));
				labels.push(state.grouping === "comm" ? commName[procComm[p]] : commName[procComm[p]] + " [" + procPid[p] + "]");
				gTotal.push(0);
			}
			gOf[p] = g;
		}
		for (let i = 0; i < rows.n; i++) if (rows.sec[i] >= 0) gTotal[gOf[rows.proc[i]]] += rows.count[i];
		const order = gTotal.map((t, g) => g).filter((g) => gTotal[g] > 0)
			.sort((a, b) => gTotal[b] - gTotal[a] || compareBytes(labels[a], labels[b]));
		const top = order.slice(0, TOP_GROUPS);
		const slot = new Int32Array(labels.length).fill(TOP_GROUPS);
		top.forEach((g, i) => (slot[g] = i));
		const G = TOP_GROUPS + 1;
		const per = new Float64Array(seconds * G);
		const totals = new Float64Array(seconds);
		for (let i = 0; i < rows.n; i++) {
			const s = rows.sec[i];
			if (s < 0) continue;
			per[s * G + slot[gOf[rows.proc[i]]]] += rows.count[i];
			totals[s] += rows.count[i];
		}
		const slotLabels = top.map((g) => labels[g]);
		const slotTotals = top.map((g) => gTotal[g]);
		if (order.length > TOP_GROUPS) {
			slotLabels.push("other");
			slotTotals.push(order.slice(TOP_GROUPS).reduce((a, g) => a + gTotal[g], 0));
		}
		timeline.groups = { labels: slotLabels, totals: slotTotals, per, G };
		timeline.totals = totals;
		timeline.legend.replaceChildren(...slotLabels.map((l, i) =>
			el("span", { class: "legend-item" }, el("i", { style: "background:" + GROUP_COLORS[i === TOP_GROUPS ? 8 : i] }),
				l + " (" + fmtCount(slotTotals[i]) + ")")));
	}

	// Sizes canvas @c to @w x @h CSS pixels at the screen's density; returns its context.
	function sizeCanvas(c, w, h) {
		const dpr = window.devicePixelRatio || 1;
		c.style.width = w + "px";
		c.style.height = h + "px";
		c.width = Math.round(w * dpr);
		c.height = Math.round(h * dpr);
		const ctx = c.getContext("2d");
		ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
		return ctx;
	}

	const PLOT_H = 126;
	function drawTimeline() {
		if (!seconds) return;
		const c = timeline.canvas;
		const w = c.parentNode.clientWidth || 800, h = 150;
		const ctx = sizeCanvas(c, w, h);
		ctx.clearRect(0, 0, w, h);
		const { per, G } = timeline.groups;
		const sw = w / seconds;
		// More seconds than pixels: a bar per pixel column, the mean of its seconds.
		const cols = Math.min(seconds, Math.max(1, Math.floor(w))), cw = w / cols;
		const bars = new Float64Array(cols * G), perCol = new Float64Array(cols);
		for (let s = 0; s < seconds; s++) {
			const col = Math.floor((s * cols) / seconds);
			perCol[col]++;
			for (let g = 0; g < G; g++) bars[col * G + g] += per[s * G + g];
		}
		let max = 0;
		for (let col = 0; col < cols; col++) {
			let sum = 0;
			for (let g = 0; g < G; g++) sum += bars[col * G + g] /= perCol[col];
			max = Math.max(max, sum);
		}
		max = max || 1;
		for (let col = 0; col < cols; col++) {
			let y = PLOT_H;
			for (let g = 0; g < G; g++) {
				const v = bars[col * G + g];
				if (!v) continue;
				const bh = (v / max) * (PLOT_H - 4);
				ctx.fillStyle = GROUP_COLORS[g];
				ctx.fillRect(col * cw, y - bh, Math.max(cw - (cw > 3 ? 1 : 0), 1), bh);
				y -= bh;
			}
		}
		ctx.fillStyle = "#555";
		ctx.fillRect(0, PLOT_H, w, 1);
		ctx.font = "11px sans-serif";
		const ticks = Math.max(2, Math.min(10, Math.floor(w / 120)));
		for (let i = 0; i <= ticks; i++) {
			const s = Math.round((i * seconds) / ticks);
			const x = s * sw;
			ctx.fillRect(x, PLOT_H, 1, 4);
			ctx.textAlign = i === 0 ? "left" : i === ticks ? "right" : "center";
			ctx.fillText(clock(t0 + s), x, PLOT_H + 16);
		}
		ctx.textAlign = "right";
		ctx.fillText(fmtCount(max) + (cols < seconds ? " /s (mean of " + (seconds / cols).toFixed(1) + " s)" : " /s"), w - 2, 11);
		const sel = timeline.drag ? dragRange() : state.selection;
		if (sel) {
			ctx.fillStyle = "rgba(30,90,200,0.18)";
			ctx.fillRect(sel[0] * sw, 0, (sel[1] - sel[0]) * sw, PLOT_H);
			ctx.fillStyle = "rgba(30,90,200,0.8)";
			ctx.fillRect(sel[0] * sw, 0, 1, PLOT_H);
			ctx.fillRect(sel[1] * sw - 1, 0, 1, PLOT_H);
		}
	}

	function secondAt(ev) {
		const r = timeline.canvas.getBoundingClientRect();
		const s = Math.floor(((ev.clientX - r.left) / r.width) * seconds);
		return Math.max(0, Math.min(seconds - 1, s));
	}
	function dragRange() {
		const a = timeline.drag.from, b = timeline.drag.to;
		return [Math.min(a, b), Math.max(a, b) + 1];
	}
	if (seconds) {
		const c = timeline.canvas;
		c.addEventListener("mousedown", (ev) => {
			if (ev.button !== 0) return;
			ev.preventDefault();
			timeline.drag = { from: secondAt(ev), to: secondAt(ev), x: ev.clientX };
		});
		window.addEventListener("mousemove", (ev) => {
			if (!timeline.drag) return;
			timeline.drag.to = secondAt(ev);
			drawTimeline();
		});
		window.addEventListener("mouseup", (ev) => {
			if (!timeline.drag) return;
			const moved = Math.abs(ev.clientX - timeline.drag.x) > 2;
			timeline.drag.to = secondAt(ev);
			const range = dragRange();
			timeline.drag = null;
			if (moved) setSelection(range);
			else drawTimeline();
		});
		c.addEventListener("dblclick", () => setSelection(null));
		c.addEventListener("mousemove", (ev) => {
			const s = secondAt(ev);
			const { per, G, labels } = timeline.groups;
			const lines = [iso(t0 + s) + " (second " + s + ")", "total: " + fmtCount(timeline.totals[s])];
			const parts = [];
			for (let g = 0; g < G; g++) if (per[s * G + g]) parts.push([per[s * G + g], labels[g]]);
			parts.sort((x, y) => y[0] - x[0]);
			for (const [v, l] of parts) lines.push(l + ": " + fmtCount(v));
			showTip(timeline.tip, lines.join("\n"), ev, c.parentNode);
		});
		c.addEventListener("mouseleave", () => timeline.tip.classList.add("hidden"));
	}

	function showTip(tip, text, ev, box) {
		tip.textContent = text;
		tip.classList.remove("hidden");
		const r = box.getBoundingClientRect();
		let x = ev.clientX - r.left + 14, y = ev.clientY - r.top + 14;
		if (x + tip.offsetWidth > r.width) x = Math.max(0, ev.clientX - r.left - tip.offsetWidth - 8);
		tip.style.left = x + "px";
		tip.style.top = y + "px";
	}

	function selectionText() {
		if (!seconds) return "All samples";
		const s = state.selection;
		if (!s) return "Selection: the whole window (" + seconds + " s); drag across the timeline to narrow it";
		return "Selection: " + iso(t0 + s[0]) + " .. " + iso(t0 + s[1]) + " (" + (s[1] - s[0]) + " s)";
	}

	/* ---- toolbar: search, baseline ---- */
	const searchBox = el("input", { id: "search", type: "search", placeholder: "search (regex)", spellcheck: "false" });
	const matchedLabel = el("span", { id: "matched" });
	const baselineBtn = el("button", { id: "set-baseline", type: "button", onclick: () => setBaseline() }, "Set selection as baseline");
	const baseFileBtn = baseRows ? el("button", { id: "compare-base", type: "button", onclick: () => setBaseFile() },
		"Compare with " + (typeof base.label === "string" && base.label ? base.label : "the baseline file")) : null;
	searchBox.addEventListener("input", () => {
		const text = searchBox.value;
		state.search = null;
		searchBox.classList.remove("bad");
		searchBox.title = "";
		if (text) {
			try {
				state.search = new RegExp(text);
			} catch (e) {
				searchBox.classList.add("bad");
				searchBox.title = e.message;
			}
		}
		matchCache = null;
		renderViews();
	});
	const icicleBox = el("input", { type: "checkbox", id: "icicle" });
	root.appendChild(el("div", { class: "bar toolbar" }, searchBox, " ", matchedLabel, " ", baselineBtn, " ", baseFileBtn, " ",
		el("label", {}, icicleBox, " icicle (root at top)")));

	/* ---- tabs ---- */
	const tabs = {};
	const tabBar = el("div", { class: "tabs", role: "tablist" });
	const tabBox = el("section", { class: "panel views" });
	function addTab(id, title) {
		const button = el("button", { type: "button", id: "tab-" + id, role: "tab", onclick: () => showTab(id) }, title);
		const pane = el("div", { id: "view-" + id, class: "view hidden" });
		tabs[id] = { button, pane };
		tabBar.appendChild(button);
		tabBox.appendChild(pane);
		return pane;
	}
	root.appendChild(tabBar);
	root.appendChild(tabBox);
	function markTab() {
		for (const [k, t] of Object.entries(tabs)) {
			t.pane.classList.toggle("hidden", k !== state.tab);
			t.button.classList.toggle("active", k === state.tab);
		}
	}
	function showTab(id) {
		state.tab = id;
		markTab();
		renderViews();
	}

	/* ---- flame graph views (canvas) ---- */
	class FlameView {
		// opts: { id, upward: root at the bottom, color(node), describe(node) }
		constructor(parent, opts) {
			this.opts = opts;
			this.upward = opts.upward !== false;
			this.canvas = el("canvas", { id: opts.id, class: "flame" });
			this.tip = el("div", { class: "tip hidden", id: opts.id + "-tip" });
			this.box = el("div", { class: "flame-box" }, this.canvas, this.tip);
			this.note = el("p", { class: "note" });
			parent.append(this.box, this.note);
			this.zoom = 0;
			this.boxes = [];
			this.canvas.addEventListener("mousemove", (ev) => this.hover(ev));
			this.canvas.addEventListener("mouseleave", () => {
				this.tip.classList.add("hidden");
				if (opts.onhover) opts.onhover(-1);
			});
			this.canvas.addEventListener("click", (ev) => {
				const n = this.at(ev);
				this.zoom = n < 0 ? this.zoom : n;
				this.draw();
				if (opts.onzoom) opts.onzoom(this.zoom);
			});
			this.canvas.addEventListener("dblclick", () => {
				this.zoom = 0;
				this.draw();
			});
			this.canvas.addEventListener("contextmenu", (ev) => {
				const n = this.at(ev);
				if (n > 0 && opts.onpick && this.tree.key[n] >= 0) {
					ev.preventDefault();
					opts.onpick(this.tree.key[n]);
				}
			});
		}
		set(tree, total) {
			this.tree = tree;
			this.total = total;
			if (!(this.zoom < total.length && total[this.zoom] > 0)) this.zoom = 0;
		}
		draw() {
			const t = this.tree, total = this.total;
			const w = this.box.clientWidth || 800;
			this.boxes = [];
			if (!t || !(total[0] > 0)) {
				this.paint(w, 1);
				return;
			}
			// The zoomed node's ancestors span the width, its subtree scales to it.
			const chain = [];
			for (let n = this.zoom; n >= 0; n = t.parent[n]) chain.push(n);
			for (const n of chain) this.boxes.push([n, 0, w]);
			let deepest = t.depth[this.zoom], cut = 0;
			const stack = [[this.zoom, 0, w]];
			while (stack.length) {
				const [n, x, bw] = stack.pop();
				const tn = total[n];
				let cx = x;
				for (let j = t.childStart[n]; j < t.childStart[n + 1]; j++) {
					const c = t.childList[j];
					const cw = (bw * total[c]) / tn;
					if (!(total[c] > 0)) continue;
					if (t.depth[c] >= MAX_ROWS) cut += total[c];
					else if (cw >= MIN_BOX) {
						this.boxes.push([c, cx, cw]);
						if (t.depth[c] > deepest) deepest = t.depth[c];
						stack.push([c, cx, cw]);
					}
					cx += cw;
				}
			}
			this.note.textContent = cut ? fmtCount(cut) + " in frames deeper than " + MAX_ROWS + " levels, not drawn" : "";
			this.paint(w, deepest + 1);
		}
		rowY(depth) {
			return this.upward ? (this.rows - 1 - depth) * FRAME_HEIGHT : depth * FRAME_HEIGHT;
		}
		paint(w, rows) {
			this.rows = rows;
			const ctx = sizeCanvas(this.canvas, w, rows * FRAME_HEIGHT);
			ctx.font = "12px monospace";
			const charW = ctx.measureText("M").width || 7;
			const t = this.tree;
			if (!this.boxes.length) {
				ctx.fillStyle = "#666";
				ctx.fillText("no samples", 8, 12);
				return;
			}
			for (const [n, x, bw] of this.boxes) {
				const y = this.rowY(t.depth[n]);
				ctx.fillStyle = this.opts.color(n);
				ctx.fillRect(x, y, Math.max(bw - 0.5, 0.5), FRAME_HEIGHT - 1);
				if (bw < 3 * charW) continue;
				let name = t.label(n);
				const fit = Math.floor((bw - 6) / charW);
				if (name.length > fit) name = name.slice(0, Math.max(fit - 2, 0)) + "..";
				ctx.fillStyle = "#000";
				ctx.fillText(name, x + 3, y + 12);
			}
		}
		at(ev) {
			const r = this.canvas.getBoundingClientRect();
			const x = ev.clientX - r.left, y = ev.clientY - r.top;
			for (const [n, bx, bw] of this.boxes) {
				const by = this.rowY(this.tree.depth[n]);
				if (x >= bx && x < bx + bw && y >= by && y < by + FRAME_HEIGHT) return n;
			}
			return -1;
		}
		hover(ev) {
			const n = this.at(ev);
			if (n < 0) {
				this.tip.classList.add("hidden");
				return;
			}
			showTip(this.tip, this.opts.describe(n), ev, this.box);
			if (this.opts.onhover) this.opts.onhover(n);
		}
		// The first drawn box named NAME: where a person would aim (page pixels), its colour.
		find(name) {
			return this.boxes.find(([n]) => this.tree.label(n) === name);
		}
		rectOf(name) {
			const b = this.find(name), r = this.canvas.getBoundingClientRect();
			return b ? { x: r.left + b[1] + window.scrollX, y: r.top + this.rowY(this.tree.depth[b[0]]) + window.scrollY,
				width: b[2], height: FRAME_HEIGHT - 1 } : null;
		}
		colorOf(name) {
			const b = this.find(name);
			return b ? this.opts.color(b[0]) : null;
		}
	}

	function describe(label, count, grand, extra) {
		return label + "\n" + fmtCount(count) + ", " + fmtShare(grand > 0 ? count / grand : 0) + " of the selection" + (extra || "");
	}

	// Flame graph tab.
	const flamePane = addTab("flame", "Flame graph");
	const detail = el("div", { id: "details", class: "details" }, " ");
	const resetBtn = el("button", { type: "button", id: "reset-zoom", onclick: () => { flame.zoom = 0; flame.draw(); } }, "Reset zoom");
	const sandwichBtn = el("button", { type: "button", id: "open-sandwich", disabled: "" }, "Sandwich");
	flamePane.appendChild(el("div", { class: "bar" }, resetBtn, " ", sandwichBtn,
		el("small", {}, " click: zoom; double click: whole graph; right click: sandwich")));
	flamePane.appendChild(detail);
	let flameFocus = -1; // function of the last clicked frame
	const flame = new FlameView(flamePane, {
		id: "flame",
		color: (n) => (state.search && n > 0 && keyMatches(tree.key[n]) ? MATCH_RGB : keyColor(tree.key[n])),
		describe: (n) => describe(tree.label(n), agg.total[n], agg.grand),
		onhover: (n) => (detail.textContent = n < 0 ? " " : tree.label(n) + " (" + fmtCount(agg.total[n]) + ", " + fmtShare(agg.total[n] / agg.grand) + ")"),
		onzoom: (n) => {
			flameFocus = n > 0 && tree.key[n] >= 0 ? tree.key[n] : -1;
			sandwichBtn.disabled = flameFocus < 0;
			sandwichBtn.textContent = flameFocus < 0 ? "Sandwich" : "Sandwich of " + fnName[flameFocus];
		},
		onpick: (f) => openSandwich(f),
	});
	sandwichBtn.addEventListener("click", () => flameFocus >= 0 && openSandwich(flameFocus));

	/* ---- sortable tables ---- */
	class Table {
		// columns: [{ title, value(row), text(row), numeric }]
		constructor(parent, id, columns, sortBy, onrow) {
			this.columns = columns;
			this.sortBy = sortBy;
			this.desc = true;
			this.onrow = onrow;
			this.note = el("p", { class: "note" });
			this.thead = el("tr");
			this.tbody = el("tbody");
			this.table = el("table", { id, class: "data" }, el("thead", {}, this.thead), this.tbody);
			parent.append(this.table, this.note);
			this.shown = [];
			columns.forEach((c, i) => {
				const th = el("th", { class: c.numeric ? "num" : "" }, c.title);
				th.addEventListener("click", () => {
					if (this.sortBy === i) this.desc = !this.desc;
					else this.sortBy = i, this.desc = !!c.numeric;
					this.render(this.rows || []);
				});
				this.thead.appendChild(th);
			});
		}
		render(rows) {
			this.rows = rows;
			const c = this.columns[this.sortBy];
			const sign = this.desc ? -1 : 1;
			rows.sort((a, b) => {
				const x = c.value(a), y = c.value(b);
				const d = c.numeric ? x - y : compareBytes(x, y);
				return d ? sign * d : compareBytes(a.name, b.name);
			});
			this.shown = rows.slice(0, TABLE_ROWS);
			[...this.thead.children].forEach((th, i) => th.setAttribute("aria-sort", i === this.sortBy ? (this.desc ? "descending" : "ascending") : "none"));
			this.tbody.replaceChildren(...this.shown.map((r) => {
				const tr = el("tr");
				this.columns.forEach((col) => tr.appendChild(el("td", { class: col.numeric ? "num" : "" }, col.text(r))));
				if (this.onrow) tr.addEventListener("click", () => this.onrow(r));
				return tr;
			}));
			this.note.textContent = rows.length > TABLE_ROWS ? "the first " + TABLE_ROWS + " of " + rows.length + " rows" : rows.length + " rows";
		}
	}

	const tablePane = addTab("table", "Functions");
	tablePane.appendChild(el("p", { class: "note" }, "Total counts a function once per stack; click a row for its sandwich."));
	const shareOf = (v) => (agg.grand > 0 ? v / agg.grand : 0);
	const fnTable = new Table(tablePane, "functions", [
		{ title: "Function", value: (r) => r.name, text: (r) => r.name },
		{ title: "Self", numeric: true, value: (r) => r.self, text: (r) => fmtCount(r.self) },
		{ title: "Self %", numeric: true, value: (r) => r.self, text: (r) => fmtShare(shareOf(r.self)) },
		{ title: "Total", numeric: true, value: (r) => r.total, text: (r) => fmtCount(r.total) },
		{ title: "Total %", numeric: true, value: (r) => r.total, text: (r) => fmtShare(shareOf(r.total)) },
	], 3, (r) => openSandwich(r.fn));

	function tableRows() {
		const ft = fnTotals(), out = [];
		for (let f = 0; f < fnName.length; f++)
			if (ft.total[f] > 0 && (!state.search || keyMatches(f)))
				out.push({ fn: f, name: fnName[f], self: ft.self[f], total: ft.total[f] });
		return out;
	}

	/* ---- sandwich ---- */
	const sandPane = addTab("sandwich", "Sandwich");
	const sandTitle = el("p", { id: "sandwich-title" }, "Pick a function: a row of the Functions table, or right click a frame.");
	const sandDetail = el("div", { id: "sandwich-details", class: "details" }, " ");
	sandPane.append(sandTitle, el("h3", {}, "Callers"));
	let sand = null; // { callers: {tree, self, total}, callees }
	const sandView = (id, upward, which) => new FlameView(sandPane, {
		id, upward,
		color: (n) => keyColor(sand[which].tree.key[n]),
		describe: (n) => describe(sand[which].tree.label(n), sand[which].total[n], agg.grand),
		onhover: (n) => (sandDetail.textContent = n < 0 ? " " : sand[which].tree.label(n) + " (" + fmtCount(sand[which].total[n]) + ")"),
	});
	const callersView = sandView("callers", true, "callers");
	sandPane.append(el("h3", {}, "Callees"));
	const calleesView = sandView("callees", false, "callees");
	sandPane.append(sandDetail);

	// Each stack holding the function counts once, at its outermost call.
	function buildSandwich(f) {
		const callers = new Tree(f), callees = new Tree(f);
		const cs = [], ce = [];
		const keys = [];
		for (let i = 1; i < agg.self.length; i++) {
			const c = agg.self[i];
			if (!(c > 0)) continue;
			keys.length = 0;
			for (let m = i; m > 0; m = tree.parent[m]) keys.push(tree.key[m]);
			keys.reverse();
			const at = keys.indexOf(f);
			if (at < 0) continue;
			const a = callers.path(keys, at - 1, -1, -1), b = callees.path(keys, at + 1, keys.length, 1);
			cs[a] = (cs[a] || 0) + c;
			ce[b] = (ce[b] || 0) + c;
		}
		const side = (t, s) => {
			t.finish();
			const self = new Float64Array(t.size);
			s.forEach((v, i) => (self[i] = v || 0));
			return { tree: t, self, total: t.totals(self) };
		};
		return { fn: f, callers: side(callers, cs), callees: side(callees, ce) };
	}
	function openSandwich(f) {
		state.sandwich = f;
		showTab("sandwich");
	}
	function renderSandwich() {
		if (state.sandwich < 0) return;
		sand = buildSandwich(state.sandwich);
		const t = fnTotals();
		sandTitle.textContent = fnName[state.sandwich] + ": total " + fmtCount(t.total[state.sandwich]) + " (" +
			fmtShare(shareOf(t.total[state.sandwich])) + "), self " + fmtCount(t.self[state.sandwich]) +
			" (" + fmtShare(shareOf(t.self[state.sandwich])) + ")";
		callersView.set(sand.callers.tree, sand.callers.total);
		calleesView.set(sand.callees.tree, sand.callees.total);
		callersView.draw();
		calleesView.draw();
	}

	/* ---- compare ---- */
	const cmpPane = addTab("compare", "Compare");
	const cmpTitle = el("p", { id: "compare-title" }, "Set a baseline (the current selection, or the baseline file), then select another window.");
	const cmpDetail = el("div", { id: "compare-details", class: "details" }, " ");
	const cmpTableBox = el("div", { class: "scroll" });
	cmpPane.append(cmpTitle, cmpTableBox, el("p", { class: "note" }, "Widths from the selection; red grew, blue shrank (change of share)."), cmpDetail);
	let cmp = null; // { delta (new samples), baseShare per display node, max |delta|, fnRows }
	const diffFlame = new FlameView(cmpPane, {
		id: "diff",
		color: (n) => diffColor(cmp.delta[n], cmp.max),
		describe: (n) => describe(tree.label(n), agg.total[n], agg.grand,
			"\nbaseline " + fmtShare(cmp.baseShare[n]) + ", change " + signed(100 * (agg.total[n] / agg.grand - cmp.baseShare[n])) + " points"),
		onhover: (n) => (cmpDetail.textContent = n < 0 ? " " : tree.label(n) + " (" + fmtCount(agg.total[n]) + ")"),
	});
	const signed = (v) => (v > 0 ? "+" : v < 0 ? "-" : "") + Math.abs(v).toFixed(2);
	const cmpTable = new Table(cmpTableBox, "changes", [
		{ title: "Function", value: (r) => r.name, text: (r) => r.name },
		{ title: "Baseline", numeric: true, value: (r) => r.base, text: (r) => fmtShare(r.base) },
		{ title: "Selection", numeric: true, value: (r) => r.now, text: (r) => fmtShare(r.now) },
		{ title: "Change", numeric: true, value: (r) => Math.abs(r.delta), text: (r) => signed(100 * r.delta) + " pts" },
	], 3);

	function setBaseline() {
		state.baseline = {
			label: seconds && state.selection ? iso(t0 + state.selection[0]) + " .. " + iso(t0 + state.selection[1]) :
				"the whole window",
			self: agg.self,
		};
		finishBaseline();
	}
	function setBaseFile() {
		state.baseline = { label: baseFileBtn.textContent.replace(/^Compare with /, ""), self: selfCounts(baseRows, null) };
		finishBaseline();
	}
	function finishBaseline() {
		const b = state.baseline;
		b.total = tree.totals(b.self);
		b.fn = functionTotals(b.self);
		showTab("compare");
	}
	function renderCompare() {
		const b = state.baseline;
		if (!b) return;
		const grand = agg.grand, bgrand = b.total[0];
		const scale = bgrand > 0 ? grand / bgrand : 0;
		const n = tree.size;
		const delta = new Float64Array(n), baseShare = new Float64Array(n);
		let max = 0;
		for (let i = 0; i < n; i++) {
			if (!(agg.total[i] > 0)) continue; // as the SVG diff: only what the selection holds is drawn
			delta[i] = agg.total[i] - b.total[i] * scale;
			baseShare[i] = bgrand > 0 ? b.total[i] / bgrand : 0;
			if (Math.abs(delta[i]) > max) max = Math.abs(delta[i]);
		}
		const ft = fnTotals(), fnRows = [];
		for (let f = 0; f < fnName.length; f++) {
			const was = bgrand > 0 ? b.fn.total[f] / bgrand : 0, now = grand > 0 ? ft.total[f] / grand : 0;
			if ((was > 0 || now > 0) && (!state.search || keyMatches(f)))
				fnRows.push({ fn: f, name: fnName[f], base: was, now, delta: now - was });
		}
		cmp = { delta, baseShare, max, fnRows };
		cmpTitle.textContent = "Baseline: " + b.label + " (" + fmtCount(bgrand) + "); selection: " +
			(state.selection ? iso(t0 + state.selection[0]) + " .. " + iso(t0 + state.selection[1]) : "the whole window") +
			" (" + fmtCount(grand) + ")";
		diffFlame.set(tree, agg.total);
		diffFlame.draw();
		cmpTable.render(fnRows);
	}

	/* ---- wiring ---- */
	icicleBox.addEventListener("change", () => {
		flame.upward = diffFlame.upward = !icicleBox.checked;
		renderViews();
	});
	function renderViews() {
		matchedLabel.textContent = state.search ? "Matched: " + (100 * matchedShare()).toFixed(1) + "%" : "";
		if (state.tab === "flame") {
			flame.set(tree, agg.total);
			flame.draw();
		} else if (state.tab === "table") fnTable.render(tableRows());
		else if (state.tab === "sandwich") renderSandwich();
		else if (state.tab === "compare") renderCompare();
	}
	function setSelection(sel) {
		if (sel && !(sel[1] > sel[0])) sel = null;
		state.selection = sel;
		selLabel.textContent = selectionText();
		clearBtn.disabled = !sel;
		aggregate();
		drawTimeline();
		renderViews();
	}
	let resizeTimer = 0;
	window.addEventListener("resize", () => {
		clearTimeout(resizeTimer);
		resizeTimer = setTimeout(() => {
			drawTimeline();
			renderViews();
		}, 100);
	});

	if (seconds) buildGroups();
	markTab();
	setSelection(null);

	/* ---- the test API: what the views show, and where a person would aim ---- */
	const views = { flame, callers: callersView, callees: calleesView, diff: diffFlame };
	window.bpfprofReport = {
		loadMs: performance.now() - started,
		rows: rows.n,
		total: () => agg.grand,
		selection: () => (state.selection ? state.selection.slice() : null),
		select: (a, b) => setSelection([a, b]),
		t0,
		seconds,
		folded: () => tree.folded(agg.self),
		timelineTotals: () => Array.from(timeline.totals),
		timelineLegend: () => (timeline.groups ? timeline.groups.labels.slice() : []),
		matched: () => matchedShare(),
		table: () => fnTable.shown.map((r) => ({ name: r.name, self: r.self, total: r.total })),
		sandwich: () => (sand ? { fn: fnName[sand.fn], callers: sand.callers.tree.folded(sand.callers.self, true),
			callees: sand.callees.tree.folded(sand.callees.self, true) } : null),
		changes: () => cmpTable.shown.map((r) => ({ name: r.name, base: r.base, now: r.now, delta: r.delta })),
		rectOf: (view, name) => views[view].rectOf(name),
		colorOf: (view, name) => views[view].colorOf(name),
		problems: () => problems.slice(),
	};
})();
