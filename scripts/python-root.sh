#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# scripts/python-root.sh [ROOT]: makes a minimal Debian 13 (trixie) root with python3.13 and
# libpython3.13-dev (headers, internal/ included) at ROOT (default
# /var/cache/bpfprof/trixie-python), for the CPython 3.13 tests. Idempotent: when ROOT is
# already complete it prints nothing and exits 0. Needs root.
#
# Built with mmdebstrap --variant=minbase (scripts/deps.sh test installs it), with the mirror
# of this host's own apt sources (their bookworm URIs, with the suite changed to trixie) and
# the host's apt options for proxies and Valid-Until. scripts/test.sh runs it.
# Extra packages (gcc, say): PYROOT_EXTRA=gcc scripts/python-root.sh.
# Use: chroot ROOT /usr/bin/python3.13 script.py (no /proc needed for plain scripts);
# headers: ROOT/usr/include/python3.13 and ROOT/usr/include/x86_64-linux-gnu/python3.13.
set -eu
R=${1:-/var/cache/bpfprof/trixie-python}
R=${R%/}
case $R in "" | / | /usr | /var | /tmp) echo "python-root: refusing ROOT='$R'" >&2; exit 1 ;; esac
STAMP=$R/.bpfprof-python-root
fail() { echo "python-root: $*" >&2; exit 1; }

complete() {
	[ -f "$STAMP" ] && [ -x "$R/usr/bin/python3.13" ] &&
		[ -f "$R/usr/include/python3.13/internal/pycore_frame.h" ]
}
complete && exit 0
[ "$(id -u)" = 0 ] || fail "needs root (mmdebstrap into a directory, chroot)"

command -v mmdebstrap >/dev/null || fail "no mmdebstrap: scripts/deps.sh test installs it"

# The host's mirrors: the URIs of its bookworm (main archive) and bookworm-security sources,
# in one-line (.list) or deb822 (.sources) form.
uris() { # uris SUITE-REGEX: URIs of host sources whose suites match
	local f
	for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
		[ -s "$f" ] || continue
		sed -E 's/\[[^]]*\]//' "$f" | awk -v re="$1" '$1 == "deb" && $3 ~ re { print $2 }'
	done
	for f in /etc/apt/sources.list.d/*.sources; do
		[ -s "$f" ] || continue
		awk -v re="$1" 'function flush() { if (u != "" && s ~ re) print u; u = s = "" }
			/^[[:space:]]*$/ { flush(); next } /^URIs:/ { u = $2 }
			/^Suites:/ { s = " " substr($0, 8) " " } END { flush() }' "$f"
	done
}
main=$(uris '(^|[[:space:]])bookworm([[:space:]]|$)' | head -n 1)
sec=$(uris 'bookworm-security' | head -n 1)
main=${main:-http://deb.debian.org/debian}
sec=${sec:-${main%/debian}/debian-security}
opts=()
for f in /etc/apt/apt.conf /etc/apt/apt.conf.d/*; do
	[ -f "$f" ] && grep -Eqi 'proxy|Check-Valid-Until' "$f" && opts+=("--aptopt=$f")
done

pkgs=python3.13,libpython3.13-dev${PYROOT_EXTRA:+,$PYROOT_EXTRA}
tmp=$R.tmp.$$
log=$R.log
trap 'rm -rf --one-file-system "$tmp"' EXIT
mkdir -p "$(dirname "$R")"
rm -rf --one-file-system "$tmp"
# Docs, man pages and locales are of no use to the tests: leave them out.
if ! mmdebstrap -q --variant=minbase --include="$pkgs" "${opts[@]}" \
	--dpkgopt='path-exclude=/usr/share/man/*' --dpkgopt='path-exclude=/usr/share/doc/*' \
	--dpkgopt='path-include=/usr/share/doc/*/copyright' \
	--dpkgopt='path-exclude=/usr/share/locale/*' --dpkgopt='path-exclude=/usr/share/info/*' \
	trixie "$tmp" "deb $main trixie main" "deb $main trixie-updates main" \
	"deb $sec trixie-security main" >"$log" 2>&1; then
	fail "mmdebstrap failed: $(grep -m1 -E '^E:|error' "$log" || tail -n 1 "$log") (log: $log)"
fi
chroot "$tmp" /usr/bin/python3.13 -c 'import sys' ||
	fail "python3.13 does not run in the new root"
touch "$tmp/.bpfprof-python-root"
rm -rf --one-file-system "$R"
mv "$tmp" "$R"
rm -f "$log"
echo "python-root: made $R ($(du -sh --one-file-system "$R" | cut -f1))"
