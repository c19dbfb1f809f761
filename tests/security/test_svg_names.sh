#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Any process may name itself anything (prctl(PR_SET_NAME) takes bytes): a name that is not
# UTF-8, or holds what XML forbids, must not break root's whole-host flame graph. Every SVG
# must parse as XML at every width, each frame titled with its name (bytes that are not
# UTF-8 as U+FFFD), each label that name or a prefix of it cut between characters.
. "$(dirname "$0")/lib.sh"
cd "$WORK" || fail "no $WORK"

# The checker: SVG files as arguments; the names the frames may have on stdin, one per line,
# as bytes. Prints what is wrong and exits 1, or prints a summary.
cat >check_svg.py <<'EOF'
import math, sys, xml.etree.ElementTree as ET

NS = "{http://www.w3.org/2000/svg}"

def sanitized(raw):
    """The name as the writer must show it: each byte outside a valid sequence, and each
    character XML 1.0 forbids, as U+FFFD."""
    out, i = [], 0
    while i < len(raw):
        for n in (1, 2, 3, 4):
            try:
                c = raw[i:i + n].decode("utf-8")
            except UnicodeDecodeError:
                continue
            break
        else:
            c, n = "\ufffd", 1
        if ord(c) < 0x20 or c in "\ufffe\uffff":
            c = "\ufffd"
        out.append(c)
        i += n
    return "".join(out)

def units(s):  # the script's String.length
    return sum(2 if ord(c) > 0xffff else 1 for c in s)

names = {sanitized(line.rstrip(b"\n")) for line in sys.stdin.buffer}
names.add("all")
bad, frames, cut = [], 0, 0
for path in sys.argv[1:]:
    try:
        root = ET.parse(path).getroot()
    except ET.ParseError as e:
        bad.append(f"{path}: not XML: {e}")
        continue
    for g in root.iter(NS + "g"):
        title, rect, text = g.find(NS + "title"), g.find(NS + "rect"), g.find(NS + "text")
        if title is None or rect is None:
            continue
        frames += 1
        name = title.text[:title.text.rindex(" (")]
        if name not in names:
            bad.append(f"{path}: a frame titled {name!r}")
        label = text.text or ""
        fit = math.floor((float(rect.get("width")) - 6) / (12 * 0.59))
        if label == name or not label:
            continue
        cut += 1
        prefix = label[:-2]
        if not label.endswith("..") or not name.startswith(prefix):
            bad.append(f"{path}: label {label!r} of {name!r}")
        elif units(prefix) > fit - 2 or units(name[:len(prefix) + 1]) <= fit - 2:
            bad.append(f"{path}: label {label!r} of {name!r} not cut at {fit} units")
if bad:
    print("\n".join(bad[:10]))
    sys.exit(1)
print(f"{len(sys.argv) - 1} graphs, {frames} frames, {cut} labels cut")
EOF

# Frame names with 2-, 3- and 4-byte characters, bytes that are not UTF-8 (stray, cut,
# overlong, surrogate), characters XML forbids, and markup.
python3 - <<'EOF'
names = [
    b"caf\xc3\xa9_\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e_function",
    b"fire_\xf0\x9f\x94\xa5\xf0\x9f\x94\xa5\xf0\x9f\x94\xa5_handler",
    b"cut\xc3(", b"\xe6\x97stray", b"\xed\xa0\x80surrogate", b"\xc0\xafoverlong",
    b"\xef\xbf\xbe_fffe", b"tab\tend", b"<&>\"'markup]]>",
    b"\xc3\xa9" * 150, b"\xf0\x9f\x98\x80" * 80, b"\xe2\x82\xac" * 90 + b"\xff",
    b"x\xff" * 60, b"plain_ascii_name_that_is_long_enough_to_be_cut_" * 3,
]
comms = [b"!\xff", b"ok", b"\xe2\x9c\x93chk", b"\xf0\x9f\x90\x8d"]
with open("in.folded", "wb") as f, open("names", "wb") as n:
    for c, comm in enumerate(comms):
        n.write(comm + b"\n")
        for i, name in enumerate(names):
            f.write(comm + b";" + name + b";" + names[(i + 3) % len(names)] +
                    b" %d\n" % ((i + 1) * (c + 2) * 7))
    for name in names:
        n.write(name + b"\n")
EOF

widths=$(seq 100 37 2400)
for w in $widths; do
	"$BPFPROF" flamegraph in.folded --width "$w" -o "w$w.svg" || fail "flamegraph --width $w failed"
	"$BPFPROF" flamegraph in.folded --width "$w" --inverted --reverse -o "r$w.svg" ||
		fail "flamegraph --width $w --inverted --reverse failed"
done
python3 check_svg.py w*.svg r*.svg <names >check.out || fail "$(cat check.out)"
ok "names that are not UTF-8: $(cat check.out)"

"$BPFPROF" diff in.folded in.folded -o diff.svg || fail "diff failed"
"$BPFPROF" flamegraph in.folded --title $'\xff<title>\x01' --subtitle $'sub\xc3' -o title.svg ||
	fail "flamegraph --title failed"
python3 check_svg.py diff.svg title.svg <names >check.out || fail "$(cat check.out)"
ok "a differential graph, a title and a subtitle that are not UTF-8: $(cat check.out)"

# The case as reported: a process that names itself "!\xff", recorded by root.
need_bpf
bg python3 -c 'import ctypes
ctypes.CDLL(None).prctl(15, b"!\xff", 0, 0, 0)
while True: pass'
pid=$!
for _ in $(seq 100); do [ "$(LC_ALL=C cat "/proc/$pid/comm")" = $'!\xff' ] && break; sleep 0.1; done
# LC_ALL=C: /proc/PID/stat holds the name, which is not text in a UTF-8 locale.
LC_ALL=C record_cpu 0.5 "$pid" -q -p "$pid" -o rec.svg -o rec.folded || fail "record failed"
# Folded output too writes U+FFFD for the byte that is not UTF-8.
LC_ALL=C grep -q $'^!\xef\xbf\xbd;' rec.folded ||
	fail "the process named \"!\\xff\" was not sampled: $(head -c 200 rec.folded | od -c | head -n 4)"
printf '!\xff\n' >rec.names
sed 's/ [0-9]*$//' rec.folded | tr ';' '\n' | sed 's/_\[[kijp]\]$//' >>rec.names
python3 check_svg.py rec.svg <rec.names >check.out || fail "$(cat check.out)"
ok "a process named \"!\\xff\", recorded: $(cat check.out)"
