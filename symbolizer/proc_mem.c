// SPDX-License-Identifier: GPL-2.0-only
#include "proc_mem.h"

#include <sys/uio.h>

bool proc_mem__read(uint32_t pid, uint64_t addr, void *buf, size_t len)
{
	struct iovec local = { .iov_base = buf, .iov_len = len };
	struct iovec remote = { .iov_base = (void *)(uintptr_t)addr, .iov_len = len };

	return len == 0 || process_vm_readv(pid, &local, 1, &remote, 1, 0) == (ssize_t)len;
}
