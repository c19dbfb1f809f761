// SPDX-License-Identifier: GPL-2.0-only
/*
 * libbpf's calls on map descriptors, answered by the BPF harness's maps (bpf_harness.h):
 * these definitions take the place of libbpf's in the test program, so that user space
 * written for the kernel's maps (the unwind loader) fills the harness's. A descriptor of
 * no harness map fails with EBADF. As libbpf does, they return -errno and set errno.
 * Per-CPU maps have one CPU: a lookup gives one value.
 */
#include <bpf/bpf.h>
#include <errno.h>
#include <string.h>

#include "bpf_harness_internal.h"
#include "harness_map.h"

static int result(int err)
{
	if (err)
		errno = -err;
	return err;
}

int bpf_map_lookup_elem(int fd, const void *key, void *value)
{
	struct harness_map *map = bpf_harness__map_of_fd(fd);
	const void *found;

	if (!map)
		return result(-EBADF);
	found = harness_map__lookup(map, key);
	if (!found)
		return result(-ENOENT);
	memcpy(value, found, harness_map__value_size(map));
	return 0;
}

int bpf_map_update_elem(int fd, const void *key, const void *value, __u64 flags)
{
	struct harness_map *map = bpf_harness__map_of_fd(fd);

	return result(map ? harness_map__update(map, key, value, flags) : -EBADF);
}

int bpf_map_delete_elem(int fd, const void *key)
{
	struct harness_map *map = bpf_harness__map_of_fd(fd);

	return result(map ? harness_map__delete(map, key) : -EBADF);
}

/* *@count: entries to update, and on return those updated. */
int bpf_map_update_batch(int fd, const void *keys, const void *values, __u32 *count,
			 const struct bpf_map_batch_opts *opts)
{
	struct harness_map *map = bpf_harness__map_of_fd(fd);
	__u64 flags = opts ? opts->elem_flags : BPF_ANY;
	const char *key = keys, *value = values;
	int err = 0;
	__u32 i;

	if (!map)
		return result(-EBADF);
	for (i = 0; i < *count && !err; i++) {
		err = harness_map__update(map, key, value, flags);
		key += harness_map__key_size(map);
		value += harness_map__value_size(map);
	}
	*count = err ? i - 1 : i;
	return result(err);
}
