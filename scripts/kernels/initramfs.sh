# SPDX-License-Identifier: GPL-2.0-only
# shellcheck shell=bash
# The test guests' initramfs, for scripts/test-kernels.sh (sourced): a static busybox,
# scripts/kernels/init as /init, and the kernel's modules for 9p over virtio and overlayfs
# (built into some kernels, modules in Debian's), dependencies first.
# shellcheck disable=SC2015 # "a && b || { clean up; }" on purpose

INITRAMFS_MODULES=(virtio_pci 9pnet_virtio 9p overlay)

initramfs_unko() { # initramfs_unko FILE: a module file's contents, decompressed
	case $1 in
	*.xz) xz -dc "$1" ;;
	*.zst) zstd -qdc "$1" ;;
	*.gz) gzip -dc "$1" ;;
	*) cat "$1" ;;
	esac
}

# initramfs_order DIR TMP NAME...: appends to INITRAMFS_ORDER the module files of NAME under
# DIR, each after the modules it depends on (read from its .modinfo), each once. Names
# without a file are built into the kernel, or missing: init reports what does not work.
initramfs_order() {
	local dir=$1 tmp=$2 name file deps
	shift 2
	for name; do
		case " ${INITRAMFS_SEEN[*]} " in *" $name "*) continue ;; esac
		INITRAMFS_SEEN+=("$name")
		file=$(find "$dir" \( -name "$name.ko*" -o -name "${name//_/-}.ko*" \) -print -quit)
		[ -n "$file" ] || continue
		initramfs_unko "$file" >"$tmp/m.ko" &&
			objcopy -O binary -j .modinfo "$tmp/m.ko" "$tmp/m.info" || return 1
		deps=$(tr '\0' '\n' <"$tmp/m.info" | sed -n 's/^depends=//p')
		# shellcheck disable=SC2086 # a comma-separated list, split on purpose
		initramfs_order "$dir" "$tmp" ${deps//,/ } || return 1
		INITRAMFS_ORDER+=("$file")
	done
}

# initramfs_build KDIR VER INIT: builds KDIR/initramfs-HASH.cpio.gz for the kernel unpacked
# in KDIR (version VER) around the init script INIT, unless it exists; prints its path. The
# hash covers init, busybox and the module list, so that no change boots a stale initramfs.
initramfs_build() {
	local kdir=$1 ver=$2 init=$3 hash out tmp f i=0
	hash=$({ cat "$init" /bin/busybox; echo "${INITRAMFS_MODULES[*]}"; } | sha256sum | cut -c 1-16)
	out=$kdir/initramfs-$hash.cpio.gz
	if [ ! -s "$out" ]; then
		# Left by an interrupted build.
		rm -rf "$kdir"/initramfs.*/
		tmp=$(mktemp -d "$kdir/initramfs.XXXXXX") || return 1
		mkdir -p "$tmp/root/bin" "$tmp/root/m" && cp /bin/busybox "$tmp/root/bin/" &&
			cp "$init" "$tmp/root/init" && chmod 755 "$tmp/root/init" || { rm -rf "$tmp"; return 1; }
		INITRAMFS_SEEN=() INITRAMFS_ORDER=()
		initramfs_order "$kdir/lib/modules/$ver/kernel" "$tmp" "${INITRAMFS_MODULES[@]}" ||
			{ rm -rf "$tmp"; return 1; }
		# init loads them in the order of their names.
		for f in "${INITRAMFS_ORDER[@]}"; do
			i=$((i + 1))
			initramfs_unko "$f" >"$tmp/root/m/$(printf %02d "$i")-$(basename "${f%%.ko*}").ko" ||
				{ rm -rf "$tmp"; return 1; }
		done
		rm -f "$kdir"/initramfs-*.cpio.gz
		(cd "$tmp/root" && find . | cpio -o -H newc --quiet | gzip -1) >"$tmp/initramfs.cpio.gz" &&
			mv "$tmp/initramfs.cpio.gz" "$out" || { rm -rf "$tmp"; return 1; }
		rm -rf "$tmp"
	fi
	echo "$out"
}
