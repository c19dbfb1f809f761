#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# Builds a test program and splits its debug information off the ways distributions do.
# Usage: build_variant.sh MODE PROGRAM DEBUG_ROOT COMPILER ARGS...
#   none           PROGRAM as compiled
#   build-id       debug file DEBUG_ROOT/.build-id/xx/rest.debug; PROGRAM stripped of
#                  every symbol
#   debuglink      debug file PROGRAM.debug beside it, named by .gnu_debuglink; PROGRAM
#                  stripped, without a build id
#   minidebuginfo  PROGRAM stripped; the function symbols not in .dynsym kept in an
#                  xz-compressed .gnu_debugdata (Fedora's recipe, see gdb's manual)
# Everything is made in a temporary folder and moved into place last, so that a failure
# leaves no half-made program behind.
set -eu
mode=$1
out=$2
root=$3
shift 3

name=$(basename "$out")
tmp=$(mktemp -d "$(dirname "$out")/.build.$name.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
prog=$tmp/$name
"$@" -o "$prog"

case $mode in
none) ;;
build-id)
	id=$(readelf -n "$prog" | awk '/Build ID/ { print $3 }')
	[ -n "$id" ] || { echo "$name: no build id" >&2; exit 1; }
	mkdir -p "$root/.build-id/$(echo "$id" | cut -c1-2)"
	objcopy --only-keep-debug "$prog" "$tmp/debug"
	strip --strip-all "$prog"
	mv "$tmp/debug" "$root/.build-id/$(echo "$id" | cut -c1-2)/$(echo "$id" | cut -c3-).debug"
	;;
debuglink)
	objcopy --only-keep-debug "$prog" "$prog.debug"
	strip --strip-all --remove-section=.note.gnu.build-id "$prog"
	# The link holds the file name and its CRC; objcopy reads the file to compute it.
	(cd "$tmp" && objcopy --add-gnu-debuglink="$name.debug" "$name")
	mv "$prog.debug" "$out.debug"
	;;
minidebuginfo)
	nm -D "$prog" --format=posix --defined-only | awk '{ print $1 }' | sort >"$tmp/dynsyms"
	nm "$prog" --format=posix --defined-only |
		awk '$2 == "T" || $2 == "t" || $2 == "D" { print $1 }' | sort >"$tmp/funcsyms"
	comm -13 "$tmp/dynsyms" "$tmp/funcsyms" >"$tmp/keep"
	objcopy --only-keep-debug "$prog" "$tmp/debug"
	objcopy -S --remove-section .gdb_index --remove-section .comment \
		--keep-symbols="$tmp/keep" "$tmp/debug" "$tmp/mini"
	strip --strip-all -R .comment "$prog"
	xz -f "$tmp/mini"
	objcopy --add-section .gnu_debugdata="$tmp/mini.xz" "$prog"
	;;
*)
	echo "unknown mode $mode" >&2
	exit 1
	;;
esac
mv "$prog" "$out"
