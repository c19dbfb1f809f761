# SPDX-License-Identifier: GPL-2.0-only
# shellcheck shell=bash
# Debian kernels from Debian's archive, for scripts/test-kernels.sh (sourced). apt runs with a
# configuration of its own (sources, lists and package cache under $KCACHE/apt), so the
# host's apt state is neither read nor changed: the host may be any Debian release, and its
# pinning must not choose our kernels. The archive URL is the host's own (a mirror it can
# reach), or $BPFPROF_DEBIAN_MIRROR.
#
# Needs: KCACHE (the cache folder), die() (prints one line, exits).

# Suites the tested kernels come from; the archive keyring signs all three.
ARCHIVE_SUITES=(bullseye bookworm bookworm-backports)
ARCHIVE_KEYRING=/usr/share/keyrings/debian-archive-keyring.gpg
# Lists older than this are refreshed first: a newer kernel may have replaced ours.
ARCHIVE_LISTS_MAX_AGE_MIN=$((24 * 60))

archive_apt() { # archive_apt COMMAND ARGS...: apt-get or apt-cache with our configuration
	local cmd=$1
	shift
	"$cmd" -o "Dir::Etc::SourceList=$KCACHE/apt/sources.list" -o Dir::Etc::SourceParts=/dev/null \
		-o Dir::Etc::Preferences=/dev/null -o Dir::Etc::PreferencesParts=/dev/null \
		-o "Dir::State::Lists=$KCACHE/apt/lists" -o "Dir::State::Status=$KCACHE/apt/status" \
		-o "Dir::Cache=$KCACHE/apt/cache" -o APT::Architecture=amd64 -o APT::Architectures=amd64 \
		-o Acquire::Languages=none -o APT::Sandbox::User=root "$@"
}

archive_mirror() { # prints the archive URL: $BPFPROF_DEBIAN_MIRROR, else the host's first
	if [ -n "${BPFPROF_DEBIAN_MIRROR:-}" ]; then
		echo "$BPFPROF_DEBIAN_MIRROR"
		return
	fi
	# One-line and deb822 sources alike; the security archive holds no backports.
	cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources \
		2>/dev/null | sed 's/#.*//' | grep -v -e security -e '^\s*$' |
		grep -Eo -m 1 '(https?|file)://[^ ]+'
}

archive_update() { # archive_update: fresh package lists, or die saying why
	local url s
	url=$(archive_mirror)
	[ -n "$url" ] || die "no Debian archive URL in /etc/apt (set BPFPROF_DEBIAN_MIRROR, e.g. http://deb.debian.org/debian)"
	[ -r "$ARCHIVE_KEYRING" ] || die "no $ARCHIVE_KEYRING (apt-get install debian-archive-keyring)"
	mkdir -p "$KCACHE/apt/lists/partial" "$KCACHE/apt/cache/archives/partial" || die "cannot create $KCACHE/apt"
	: >>"$KCACHE/apt/status"
	for s in "${ARCHIVE_SUITES[@]}"; do
		echo "deb [signed-by=$ARCHIVE_KEYRING] $url $s main"
	done >"$KCACHE/apt/sources.list"
	echo "updating the package lists of ${ARCHIVE_SUITES[*]} from $url"
	archive_apt apt-get -qq update >"$KCACHE/apt/update.log" 2>&1 ||
		die "apt-get update from $url failed: $(grep -E '^(E|W):' "$KCACHE/apt/update.log" | head -n 1)"
	# apt-get update succeeds with a suite missing (a mirror without bullseye, say) and warns.
	grep -q '^W:.*\(Failed to fetch\|does not have a Release\)' "$KCACHE/apt/update.log" &&
		die "apt-get update from $url: $(grep -m 1 '^W:' "$KCACHE/apt/update.log")"
	touch "$KCACHE/apt/updated"
}

archive_lists_fresh() { # exits 0 when the lists exist and are younger than the limit
	[ -e "$KCACHE/apt/updated" ] &&
		[ -z "$(find "$KCACHE/apt/updated" -mmin +"$ARCHIVE_LISTS_MAX_AGE_MIN")" ]
}

archive_pick() { # archive_pick ERE: the newest package whose name matches (sort -V), or nothing
	archive_apt apt-cache search --names-only "$1" 2>/dev/null | cut -d ' ' -f 1 | sort -V | tail -n 1
}

archive_version() { # archive_version PKG: the version the lists offer
	archive_apt apt-cache show --no-all-versions "$1" 2>/dev/null | sed -n 's/^Version: //p' | head -n 1
}

# archive_unpack PKG: downloads PKG (unless its .deb of the listed version is cached) and
# unpacks it into $KCACHE/k/PKG-VERSION, then drops the .deb; prints that folder. Half-done
# work from an interrupted run is redone: files appear under their final names only when
# complete.
archive_unpack() {
	local pkg=$1 ver deb dir
	ver=$(archive_version "$pkg")
	[ -n "$ver" ] || return 1
	dir=$KCACHE/k/$pkg-${ver//[:~]/_}
	if [ ! -e "$dir/.complete" ]; then
		# The file name apt gives it: the epoch's colon is %3a.
		deb=$KCACHE/debs/${pkg}_${ver//:/%3a}_amd64.deb
		if [ ! -s "$deb" ]; then
			mkdir -p "$KCACHE/debs/partial" || return 1
			(cd "$KCACHE/debs/partial" && rm -f ./*.deb &&
				archive_apt apt-get -qq download "$pkg=$ver" >"$KCACHE/debs/download.log" 2>&1 &&
				mv ./*.deb "$deb") || return 1
		fi
		rm -rf "$dir" "$dir.tmp"
		mkdir -p "$KCACHE/k" || return 1
		if ! dpkg-deb -x "$deb" "$dir.tmp" 2>"$KCACHE/debs/unpack.log"; then
			# A damaged file: gone, so that the next run downloads it again.
			rm -rf "$deb" "$dir.tmp"
			return 1
		fi
		touch "$dir.tmp/.complete" && mv "$dir.tmp" "$dir" && rm -f "$deb" || return 1
	fi
	echo "$dir"
}

# archive_prune KEEP...: removes cached kernels other than KEEP (folders archive_unpack
# printed), and .debs an interrupted run left, so that the cache holds one kernel per series.
archive_prune() {
	local d keep
	for d in "$KCACHE"/k/*/; do
		d=${d%/}
		[ -d "$d" ] || continue
		for keep; do [ "$d" = "$keep" ] && continue 2; done
		rm -rf "$d"
	done
	rm -f "$KCACHE"/debs/*.deb
}
