// SPDX-License-Identifier: GPL-2.0-only
#include "privileges.h"

#include <errno.h>
#include <linux/capability.h>
#include <stdbool.h>
#include <stdio.h>
#include <sys/syscall.h>
#include <unistd.h>

#define KERNEL_BTF "/sys/kernel/btf/vmlinux"

/* Newer than some libc headers. */
#ifndef CAP_PERFMON
#define CAP_PERFMON 38
#endif
#ifndef CAP_BPF
#define CAP_BPF 39
#endif

static bool has_capability(const struct __user_cap_data_struct *caps, int cap)
{
	return caps[cap / 32].effective & (1u << (cap % 32));
}

static bool can_sample(void)
{
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct caps[_LINUX_CAPABILITY_U32S_3] = { 0 };

	if (syscall(SYS_capget, &hdr, caps))
		return geteuid() == 0;
	if (has_capability(caps, CAP_SYS_ADMIN))
		return true;
	return has_capability(caps, CAP_BPF) && has_capability(caps, CAP_PERFMON);
}

int privileges__check_sampling(char *err, size_t errlen)
{
	if (!can_sample()) {
		snprintf(err, errlen,
			 "sampling needs root (or the capabilities CAP_BPF, CAP_PERFMON and "
			 "CAP_SYS_PTRACE): run it with sudo");
		return -EPERM;
	}
	if (access(KERNEL_BTF, R_OK)) {
		snprintf(err, errlen,
			 "this kernel has no BTF (%s is missing): bpfprof needs a kernel built "
			 "with CONFIG_DEBUG_INFO_BTF=y",
			 KERNEL_BTF);
		return -ENOENT;
	}
	return 0;
}
