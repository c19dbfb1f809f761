#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# `bpfprof report`: the data a report embeds against what was stored (per second, per window,
# equal to `flamegraph --store` of the same window), a comparison file, the errors; then, as
# root, `record -o x.html` timed to the second and equal to the folded output of the same run.
# What the page does with the data: tests/browser/report.test.mjs.
. "$(dirname "$0")/lib.sh"

data() { python3 "$TOOLS/report_data.py" "$@" || fail "report_data.py $*"; }

# 40 seconds of three processes, intervals of 10 s; per second: web 1..5, db 3, and cron in
# seconds 12..15 only.
T=1796464800
for s in $(seq 0 39); do
	echo "$((T + s)) 100 web;main;serve;parse $((s % 5 + 1))"
	echo "$((T + s)) 200 db;main;query;ksys_read_[k] 3"
	[ "$s" -ge 12 ] && [ "$s" -lt 16 ] && echo "$((T + s)) 300 cron;main;<module>_[p];work_[p] 7"
done >"$WORK/lines"
"$TEST_TOOL_DIR/store_fill" "$WORK/store" 10 <"$WORK/lines" || fail "store_fill failed"

"$BPFPROF" report --store "$WORK/store" --from $T --to $((T + 40)) -o "$WORK/r.html" ||
	fail "report --store exited $?"
data "$WORK/r.html" seconds >"$WORK/seconds"
awk -v T=$T '{ t[$1 - T] += $NF } END { for (s = 0; s < 40; s++) print s, t[s] }' \
	<(awk '{ print $1, $NF }' "$WORK/lines") >"$WORK/want"
diff "$WORK/want" "$WORK/seconds" >/dev/null || fail "per-second totals differ: $(diff "$WORK/want" "$WORK/seconds" | head -n 4)"
ok "the timeline's 40 seconds hold what was stored ($(awk '{ s += $2 } END { print s }' "$WORK/seconds") samples)"

# Any sub-window of the data equals flamegraph --store of the same window.
for w in "0 40" "12 16" "9 21" "39 40"; do
	set -- $w
	"$BPFPROF" flamegraph --store "$WORK/store" --from $((T + $1)) --to $((T + $2)) \
		-o "$WORK/w.folded" 2>/dev/null || fail "flamegraph --store $w exited $?"
	data "$WORK/r.html" folded "$1" "$2" >"$WORK/r.folded"
	cmp -s "$WORK/w.folded" "$WORK/r.folded" ||
		fail "seconds [$1, $2) differ from flamegraph --store: $(diff "$WORK/w.folded" "$WORK/r.folded" | head -n 4)"
done
ok "four windows of the report equal flamegraph --store of the same windows"

data "$WORK/r.html" json >"$WORK/r.json"
python3 - "$WORK/r.json" <<'PY' || fail "summary/meta wrong"
import json, sys
d = json.load(open(sys.argv[1]))
m, s = d["meta"], d["summary"]
assert m["host"] == "store-fill" and m["hz"] == 19 and m["value"] == "samples", m
assert m["source"].startswith("store "), m
assert s["start"] == "2026-12-05T10:00:00Z" and s["end"] == "2026-12-05T10:00:40Z", s
assert s["processes"] == 3 and s["stacks_complete"] == 1.0 and "losses" not in s, s
assert d["t0"] == 1796464800 and d["seconds"] == 40, (d["t0"], d["seconds"])
PY
ok "meta and summary: host, 19 Hz, window, 3 processes, no losses claimed for a store"

# A filter and a narrower window: the timeline spans the window only.
"$BPFPROF" report --store "$WORK/store" --from $((T + 10)) --to $((T + 20)) --comm cron \
	-o "$WORK/cron.html" || fail "report --comm exited $?"
[ "$(data "$WORK/cron.html" seconds | awk '$2 { printf "%s,", $1 }')" = "2,3,4,5," ] ||
	fail "cron's seconds: $(data "$WORK/cron.html" seconds | tr '\n' ' ')"
ok "--comm cron in [10, 20): seconds 2..5 of the window, 7 samples each"

# Files, and a base to compare with.
printf '%s\n' "app;main;a 6" "app;main;b 4" >"$WORK/new.folded"
printf '%s\n' "app;main;a 2" "app;main;c 8" >"$WORK/old.folded"
"$BPFPROF" report "$WORK/new.folded" --base "$WORK/old.folded" -o "$WORK/cmp.html" ||
	fail "report with --base exited $?"
[ "$(data "$WORK/cmp.html" base | tr '\n' ' ')" = "app;main;a 2 app;main;c 8 " ] ||
	fail "base: $(data "$WORK/cmp.html" base)"
[ "$(data "$WORK/cmp.html" folded | tr '\n' ' ')" = "app;main;a 6 app;main;b 4 " ] ||
	fail "new: $(data "$WORK/cmp.html" folded)"
[ "$(data "$WORK/cmp.html" seconds | wc -l)" = 0 ] || fail "files without times have a timeline"
ok "report FILE --base FILE: both profiles, no timeline"

# Errors: one line, non-zero, no file left behind.
expect_error() { # CODE WHAT CMD...
	local code=$1 what=$2
	shift 2
	rm -f "$WORK/bad.html"
	"$@" >"$WORK/out" 2>"$WORK/err"
	local got=$?
	[ "$got" = "$code" ] || fail "$what: exit $got, want $code ($(head -n 2 "$WORK/err"))"
	[ "$(wc -l <"$WORK/err")" = 1 ] || fail "$what: want one line, got: $(cat "$WORK/err")"
	[ ! -e "$WORK/bad.html" ] || fail "$what: left $WORK/bad.html"
	echo "ok  $what: $(cat "$WORK/err")"
}
expect_error 2 "report as svg" "$BPFPROF" report "$WORK/new.folded" -o "$WORK/bad.svg"
expect_error 1 "no such store" "$BPFPROF" report --store "$WORK/nothing" -o "$WORK/bad.html"
expect_error 1 "empty window" "$BPFPROF" report --store "$WORK/store" --from $((T + 100)) --to $((T + 200)) -o "$WORK/bad.html"
expect_error 1 "missing base" "$BPFPROF" report "$WORK/new.folded" --base "$WORK/none.folded" -o "$WORK/bad.html"
printf 'not a profile\n' >"$WORK/junk.folded"
expect_error 1 "corrupt input" "$BPFPROF" report "$WORK/junk.folded" -o "$WORK/bad.html"
expect_error 2 "files and a store" "$BPFPROF" report "$WORK/new.folded" --store "$WORK/store" -o "$WORK/bad.html"

# record -o x.html: timed to the second, the same samples as the folded output of the run.
if [ "$(id -u)" != 0 ]; then
	echo "not root: record -o x.html is left to the root run"
	exit 0
fi
need_bpf
"$BPFPROF" record -d 7 -o "$WORK/rec.html" -o "$WORK/rec.folded" 2>"$WORK/rec.err" ||
	fail "record exited $?: $(tail -n 2 "$WORK/rec.err")"
data "$WORK/rec.html" folded >"$WORK/rec_html.folded"
cmp -s "$WORK/rec.folded" "$WORK/rec_html.folded" ||
	fail "record's report and folded output differ: $(diff "$WORK/rec.folded" "$WORK/rec_html.folded" | head -n 4)"
seconds=$(data "$WORK/rec.html" seconds | wc -l)
busy=$(data "$WORK/rec.html" seconds | awk '$2 > 0' | wc -l)
[ "$seconds" -ge 7 ] && [ "$seconds" -le 9 ] && [ "$busy" -ge 6 ] ||
	fail "a 7 s recording has $seconds seconds on its timeline, $busy with samples"
data "$WORK/rec.html" json | python3 -c '
import json, sys
d = json.load(sys.stdin)
assert d["meta"]["source"] == "record" and d["meta"]["hz"] > 0, d["meta"]
assert set(d["summary"]["losses"]) == {"counts_map_full", "kernel_stack_map_collision", "user_stack_map_full", "stack_walk_error"}, d["summary"]
' || fail "record's report lacks its losses or frequency"
grep -q "outputs written .* s after sampling ended" "$WORK/rec.err" || fail "no output timing in the summary"
ok "record -o x.html: $(awk '{ s += $NF } END { print s }' "$WORK/rec.folded") samples over $seconds seconds, equal to -o x.folded; $(grep "outputs written" "$WORK/rec.err")"

# The agent's intervals carry the sampler's losses: a report of its store shows them.
bg "$BPFPROF" agent --interval 1 --store "$WORK/agent-store" --log-file "$WORK/agent.log"
agent=$!
for _ in $(seq 300); do [ "$(ls "$WORK/agent-store" 2>/dev/null | grep -c 'pb.zst$')" -ge 2 ] && break; sleep 0.1; done
stop_agent "$agent"
"$BPFPROF" report --store "$WORK/agent-store" -o "$WORK/agent.html" || fail "report of the agent's store exited $?"
data "$WORK/agent.html" json | python3 -c '
import json, sys
d = json.load(sys.stdin)
assert set(d["summary"].get("losses", {})) == {"counts_map_full", "kernel_stack_map_collision", "user_stack_map_full", "stack_walk_error"}, d["summary"]
assert d["meta"]["host"] and d["seconds"] >= 1, d["meta"]
' || fail "the agent's store gives no losses in a report"
ok "a report of the agent's store: losses by cause from its intervals, $(data "$WORK/agent.html" seconds | wc -l) seconds"
