// SPDX-License-Identifier: GPL-2.0-only
// The report's DATA (format "bpfprof-report" 1) and page, built in JavaScript the way the C
// writer does, for the browser test's generated inputs (the large one that times the page,
// one without times). Also the folded arithmetic the test checks the views against.
import { readFileSync } from "node:fs";

const KINDS = [["_[k]", 1], ["_[j]", 2], ["_[i]", 3], ["_[p]", 4]];

// rows: [{ sec, pid, stack: "comm;f1;f2_[k]", count }]; sec -1 for a sample without a time.
export function reportData(rows, { t0 = 0, seconds = 0, host = "test", value = "samples", base = null } = {}) {
	const strings = [""], stringId = new Map([["", 0]]);
	const sid = (s) => {
		let i = stringId.get(s);
		if (i === undefined) stringId.set(s, (i = strings.length)), strings.push(s);
		return i;
	};
	const frames = [], frameId = new Map(), nodes = [], nodeId = new Map();
	const processes = [], procId = new Map();
	const frame = (name) => {
		let kind = 0;
		for (const [suffix, k] of KINDS)
			if (name.endsWith(suffix)) name = name.slice(0, -suffix.length), kind = k;
		const key = kind + " " + name;
		let f = frameId.get(key);
		if (f === undefined) frameId.set(key, (f = frames.length / 3)), frames.push(sid(name), 0, kind);
		return f;
	};
	const table = (list) => {
		const out = [];
		for (const r of list) {
			const [comm, ...names] = r.stack.split(";");
			let node = -1;
			for (const name of names) {
				const f = frame(name), key = node + " " + f;
				let n = nodeId.get(key);
				if (n === undefined) nodeId.set(key, (n = nodes.length / 2)), nodes.push(node, f);
				node = n;
			}
			const pkey = r.pid + " " + comm;
			let p = procId.get(pkey);
			if (p === undefined) procId.set(pkey, (p = processes.length / 2)), processes.push(r.pid, sid(comm));
			out.push([node, p, r.sec, r.count]);
		}
		out.sort((a, b) => a[2] - b[2] || a[1] - b[1] || a[0] - b[0]);
		return out.flat();
	};
	const samples = table(rows);
	const total = rows.reduce((a, r) => a + r.count, 0);
	const iso = (t) => new Date(t * 1000).toISOString().replace(".000Z", "Z");
	const data = {
		format: "bpfprof-report", version: 1,
		meta: { title: `bpfprof report ${host}`, host, source: "generated", value, period_ns: 52631578, hz: 19 },
		summary: {
			start: iso(t0), end: iso(t0 + seconds), duration_s: seconds, samples: total,
			processes: new Set(rows.map((r) => r.pid)).size,
		},
		t0, seconds, strings, frames, nodes, processes, samples,
	};
	if (base)
		data.base = { label: base.label, total: base.rows.reduce((a, r) => a + r.count, 0), samples: table(base.rows) };
	return data;
}

// The page exactly as the contract lays it out.
export function reportHtml(data, sourceDir) {
	const json = JSON.stringify(data).replace(/<\//g, "<\\/").replace(/\u2028/g, "\\u2028").replace(/\u2029/g, "\\u2029");
	const title = data.meta.title.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
	const css = readFileSync(`${sourceDir}/output/formats/report/report.css`, "utf8");
	const js = readFileSync(`${sourceDir}/output/formats/report/report.js`, "utf8");
	return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<title>${title}</title><style>${css}</style></head>
<body><script type="application/json" id="bpfprof-data">${json}</script>
<script>${js}</script></body></html>
`;
}

/* ---- folded arithmetic: what the views must show, from a folded text ---- */
export function parseFolded(text) {
	return text.split("\n").filter((l) => l).map((l) => {
		const at = l.lastIndexOf(" ");
		return { frames: l.slice(0, at).split(";"), count: Number(l.slice(at + 1)) };
	});
}

const bytewise = (a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b));

export function foldedText(map) {
	return [...map.entries()].filter(([, c]) => c > 0).map(([s, c]) => `${s} ${c}`).sort(bytewise).join("\n") +
		(map.size ? "\n" : "");
}

// rows in seconds [a, b) (all rows with b undefined) merged per stack, as folded text.
export function foldedOf(rows, a, b) {
	const m = new Map();
	for (const r of rows) if (b === undefined || (r.sec >= a && r.sec < b)) m.set(r.stack, (m.get(r.stack) || 0) + r.count);
	return foldedText(m);
}

// Per function (the comm excluded): self, and total once per stack.
export function functionTotals(stacks) {
	const out = new Map();
	const get = (n) => out.get(n) || (out.set(n, { name: n, self: 0, total: 0 }), out.get(n));
	for (const { frames, count } of stacks) {
		const fns = frames.slice(1);
		if (fns.length) get(fns[fns.length - 1]).self += count;
		for (const n of new Set(fns)) get(n).total += count;
	}
	return out;
}

// The sandwich of FN: callers (fn first, then its callers out to the comm) and callees, at
// the outermost call of each stack.
export function sandwichOf(stacks, fn) {
	const callers = new Map(), callees = new Map();
	for (const { frames, count } of stacks) {
		const at = frames.indexOf(fn, 1);
		if (at < 0) continue;
		const up = [fn, ...frames.slice(0, at).reverse()].join(";");
		const down = [fn, ...frames.slice(at + 1)].join(";");
		callers.set(up, (callers.get(up) || 0) + count);
		callees.set(down, (callees.get(down) || 0) + count);
	}
	return { callers: foldedText(callers), callees: foldedText(callees) };
}
