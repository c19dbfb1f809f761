// SPDX-License-Identifier: GPL-2.0-only
// Interaction for bpfprof flame graphs: details on hover, click to zoom, reset zoom,
// regex search (Ctrl-F or the Search button) with the matched share, case toggle.
// The writer declares before this script: fg_xpad, fg_width, fg_inverted, fg_fontsize.
"use strict";
var fg_frames, fg_details, fg_unzoom, fg_matched, fg_search, fg_ignorecase;
var fg_searching = null, fg_case_insensitive = false, fg_zoomed = null;

function fg_init() {
	fg_details = document.getElementById("details").firstChild;
	fg_unzoom = document.getElementById("unzoom");
	fg_matched = document.getElementById("matched");
	fg_search = document.getElementById("search");
	fg_ignorecase = document.getElementById("ignorecase");
	fg_frames = Array.prototype.slice.call(document.querySelectorAll("#frames > g"));
	fg_frames.forEach(function (g) {
		var r = g.querySelector("rect");
		g.fg_x = +r.getAttribute("x");
		g.fg_w = +r.getAttribute("width");
		g.fg_y = +r.getAttribute("y");
		g.fg_name = fg_name_of(g);
		g.fg_fill = r.getAttribute("fill");
		g.addEventListener("click", function () { fg_zoom(g); });
		g.addEventListener("mouseover", function () {
			fg_details.nodeValue = "Function: " + g.querySelector("title").textContent;
		});
		g.addEventListener("mouseout", function () { fg_details.nodeValue = " "; });
	});
	fg_unzoom.addEventListener("click", fg_reset_zoom);
	fg_search.addEventListener("click", function () { fg_searching ? fg_reset_search() : fg_prompt(); });
	fg_ignorecase.addEventListener("click", fg_toggle_case);
	window.addEventListener("keydown", function (e) {
		if ((e.ctrlKey || e.metaKey) && (e.key === "f" || e.key === "F")) {
			e.preventDefault();
			fg_prompt();
		} else if (e.key === "Escape") {
			fg_reset_search();
		}
	});
}

// The frame's name: its title without the " (N samples, P%)" tail.
function fg_name_of(g) {
	var t = g.querySelector("title").textContent;
	var i = t.lastIndexOf(" (");
	return i < 0 ? t : t.substring(0, i);
}

// Depth grows away from the root: upwards in a flame graph, downwards in an icicle graph.
function fg_depth(g) {
	return fg_inverted ? g.fg_y : -g.fg_y;
}

function fg_place(g, x, w) {
	var r = g.querySelector("rect"), t = g.querySelector("text");
	r.setAttribute("x", x.toFixed(1));
	r.setAttribute("width", w.toFixed(1));
	t.setAttribute("x", (x + 3).toFixed(1));
	fg_label(g, t, w);
}

// Fits the name into @w pixels, cutting it with ".." when it is too long, as the writer
// does: never between the two halves (UTF-16 surrogates) of a character beyond U+FFFF.
function fg_label(g, t, w) {
	var fit = Math.floor((w - 6) / (fg_fontsize * 0.59));
	var name = g.fg_name, cut = fit - 2, c;
	if (fit < 3) {
		t.textContent = "";
	} else if (name.length <= fit) {
		t.textContent = name;
	} else {
		c = name.charCodeAt(cut - 1);
		if (c >= 0xd800 && c <= 0xdbff)
			cut--;
		t.textContent = name.substring(0, cut) + "..";
	}
}

function fg_zoom(node) {
	var x = node.fg_x, w = node.fg_w, d = fg_depth(node), eps = 0.0001;
	var ratio = (fg_width - 2 * fg_xpad) / w;
	fg_zoomed = node;
	fg_unzoom.classList.remove("hide");
	fg_frames.forEach(function (g) {
		var gd = fg_depth(g);
		g.classList.remove("hide", "parent");
		if (gd <= d && g.fg_x <= x + eps && g.fg_x + g.fg_w >= x + w - eps) {
			// The node and its ancestors span the whole width.
			if (g !== node)
				g.classList.add("parent");
			fg_place(g, fg_xpad, fg_width - 2 * fg_xpad);
		} else if (gd > d && g.fg_x >= x - eps && g.fg_x + g.fg_w <= x + w + eps) {
			fg_place(g, fg_xpad + (g.fg_x - x) * ratio, g.fg_w * ratio);
		} else {
			g.classList.add("hide");
		}
	});
	if (fg_searching)
		fg_run_search(fg_searching);
}

function fg_reset_zoom() {
	fg_zoomed = null;
	fg_unzoom.classList.add("hide");
	fg_frames.forEach(function (g) {
		g.classList.remove("hide", "parent");
		fg_place(g, g.fg_x, g.fg_w);
	});
	if (fg_searching)
		fg_run_search(fg_searching);
}

function fg_prompt() {
	var term = window.prompt("Search for (regular expression):", fg_searching || "");
	if (term)
		fg_run_search(term);
}

function fg_toggle_case() {
	fg_case_insensitive = !fg_case_insensitive;
	fg_ignorecase.classList.toggle("show", fg_case_insensitive);
	if (fg_searching)
		fg_run_search(fg_searching);
}

// Highlights matching frames and shows their share of the view, counting nested matches once.
function fg_run_search(term) {
	var re, spans = [], covered = 0, end = -1, x0, x1;
	try {
		re = new RegExp(term, fg_case_insensitive ? "i" : "");
	} catch (e) {
		fg_matched.firstChild.nodeValue = "bad regex";
		return;
	}
	fg_searching = term;
	x0 = fg_zoomed ? fg_zoomed.fg_x : fg_xpad;
	x1 = fg_zoomed ? fg_zoomed.fg_x + fg_zoomed.fg_w : fg_width - fg_xpad;
	fg_frames.forEach(function (g) {
		var r = g.querySelector("rect");
		if (!re.test(g.fg_name)) {
			r.setAttribute("fill", g.fg_fill);
			return;
		}
		r.setAttribute("fill", "rgb(230,0,230)");
		if (!g.classList.contains("hide") && !g.classList.contains("parent"))
			spans.push([g.fg_x, g.fg_x + g.fg_w]);
	});
	spans.sort(function (a, b) { return a[0] - b[0] || b[1] - a[1]; });
	spans.forEach(function (s) {
		if (s[0] >= end) {
			covered += s[1] - s[0];
			end = s[1];
		} else if (s[1] > end) {
			covered += s[1] - end;
			end = s[1];
		}
	});
	fg_search.classList.add("show");
	fg_search.firstChild.nodeValue = "Reset Search";
	fg_matched.classList.remove("hide");
	fg_matched.firstChild.nodeValue = "Matched: " + (100 * covered / (x1 - x0)).toFixed(1) + "%";
}

function fg_reset_search() {
	fg_searching = null;
	fg_frames.forEach(function (g) {
		g.querySelector("rect").setAttribute("fill", g.fg_fill);
	});
	fg_search.classList.remove("show");
	fg_search.firstChild.nodeValue = "Search";
	fg_matched.classList.add("hide");
}
