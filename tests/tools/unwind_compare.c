// SPDX-License-Identifier: GPL-2.0-only
/*
 * Checks the BPF user-stack walker against an independent unwinder: for every record of a
 * `bpfprof record --debug-capture` file, libdw unwinds the same registers and stack bytes
 * (elfutils' .eh_frame/.debug_frame interpreter, as in eu-stack) and the two lists of PCs
 * are compared.
 *
 *   unwind_compare [--min-agree R] [--examples N] [-q] [-v] FILE PID...
 *
 * Prints a line per record (not with -q), the first N disagreements (default 5) with the
 * frames around the first difference symbolized (every frame with -v), and the totals.
 *
 * Run it while the PIDs still live: libdw finds their binaries through /proc/PID/maps.
 * Stack words come only from the captured bytes, never from the live process, whose stack
 * has moved on since the sample. Exit status 0 when the share of identical stacks (among
 * records where libdw found at least 2 frames) is at least R (default 0.95), 1 when it is
 * not or on failure, 2 for bad usage.
 */
#include <elfutils/libdwfl.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "stack_capture_file.h"

#define CAPTURE_HEADER_BYTES 16 /* magic, record size, zero */
#define MAX_PROCS 64

/* x86-64 DWARF register numbers (psABI figure 3.36). */
#define DWARF_RBP 6
#define DWARF_RSP 7
#define DWARF_RIP 16

/* One process's libdw session: its modules, and the record being unwound now. */
struct proc_unwinder {
	pid_t tgid;
	Dwfl *dwfl; /* owned; NULL when the process could not be reported */
	const struct prof_stack_capture *cur; /* borrowed from the mapped file, per record */
};

struct frames {
	__u64 pc[PROF_MAX_USER_DEPTH];
	bool activation[PROF_MAX_USER_DEPTH];
	unsigned int nr;
};

struct totals {
	unsigned long records, skipped, no_process, eligible, identical, identical_eligible;
	unsigned long bpf_deeper, libdw_deeper, differ;
	unsigned long first_mismatch[PROF_MAX_USER_DEPTH + 1];
	unsigned long bpf_end[PROF_UNWIND_NR_ENDS + 1];
	unsigned long bpf_frames, libdw_frames;
};

static const char *const end_names[] = {
	"complete", "no_table", "no_row", "bad_read", "depth", "unsupported", "bad_frame", "other",
};

/* Index in end_names and totals.bpf_end of a walker's end reason, which may be any byte. */
static unsigned int end_index(__u8 end)
{
	return end < PROF_UNWIND_NR_ENDS ? end : PROF_UNWIND_NR_ENDS;
}

static const Dwfl_Callbacks proc_callbacks = {
	.find_elf = dwfl_linux_proc_find_elf,
	.find_debuginfo = dwfl_standard_find_debuginfo,
};

/* Reads the word at @addr from the captured stack only: [sp, sp + stack_bytes). */
static bool capture_memory_read(Dwfl *dwfl, Dwarf_Addr addr, Dwarf_Word *result, void *arg)
{
	const struct prof_stack_capture *rec = ((struct proc_unwinder *)arg)->cur;

	(void)dwfl;
	if (addr < rec->sp || addr - rec->sp > rec->stack_bytes - sizeof(*result))
		return false;
	memcpy(result, rec->stack + (addr - rec->sp), sizeof(*result));
	return true;
}

/* The process has one thread for libdw: the one of the current record. */
static pid_t capture_next_thread(Dwfl *dwfl, void *arg, void **thread_argp)
{
	(void)dwfl;
	if (*thread_argp)
		return 0;
	*thread_argp = arg;
	return ((struct proc_unwinder *)arg)->cur->pid;
}

static bool capture_get_thread(Dwfl *dwfl, pid_t tid, void *arg, void **thread_argp)
{
	(void)dwfl;
	if ((__u32)tid != ((struct proc_unwinder *)arg)->cur->pid)
		return false;
	*thread_argp = arg;
	return true;
}

/* rip, rsp and rbp as sampled; every other register stays undefined. */
static bool capture_set_initial_registers(Dwfl_Thread *thread, void *thread_arg)
{
	const struct prof_stack_capture *rec = ((struct proc_unwinder *)thread_arg)->cur;
	Dwarf_Word fp_sp[2] = { rec->bp, rec->sp };
	Dwarf_Word ip = rec->ip;

	if (!dwfl_thread_state_registers(thread, DWARF_RBP, 2, fp_sp) ||
	    !dwfl_thread_state_registers(thread, DWARF_RIP, 1, &ip))
		return false;
	dwfl_thread_state_register_pc(thread, ip);
	return true;
}

static const Dwfl_Thread_Callbacks capture_thread_callbacks = {
	.next_thread = capture_next_thread,
	.get_thread = capture_get_thread,
	.memory_read = capture_memory_read,
	.set_initial_registers = capture_set_initial_registers,
};

/*
 * Reports @u->tgid's modules and attaches the capture callbacks, once per process: the
 * modules and their CFI stay cached across records, dwfl_getthread_frames() restarts from
 * the current record's registers each time. Returns 0 or -errno.
 */
static int proc_unwinder__init(struct proc_unwinder *u, pid_t tgid)
{
	int err;

	u->tgid = tgid;
	u->cur = NULL;
	u->dwfl = dwfl_begin(&proc_callbacks);
	if (!u->dwfl)
		return -ENOMEM;
	dwfl_report_begin(u->dwfl);
	err = dwfl_linux_proc_report(u->dwfl, tgid);
	if (err) {
		err = err > 0 ? -err : -ESRCH;
		goto out_end;
	}
	if (dwfl_report_end(u->dwfl, NULL, NULL)) {
		err = -EINVAL;
		goto out_end;
	}
	if (!dwfl_attach_state(u->dwfl, NULL, tgid, &capture_thread_callbacks, u)) {
		fprintf(stderr, "unwind_compare: pid %d: dwfl_attach_state: %s\n", tgid,
			dwfl_errmsg(-1));
		err = -EINVAL;
		goto out_end;
	}
	return 0;

out_end:
	dwfl_end(u->dwfl);
	u->dwfl = NULL;
	return err;
}

static int collect_frame(Dwfl_Frame *state, void *arg)
{
	struct frames *f = arg;
	Dwarf_Addr pc;
	bool activation;

	if (!dwfl_frame_pc(state, &pc, &activation))
		return DWARF_CB_ABORT;
	f->pc[f->nr] = pc;
	f->activation[f->nr] = activation;
	return ++f->nr < PROF_MAX_USER_DEPTH ? DWARF_CB_OK : DWARF_CB_ABORT;
}

/*
 * libdw's frames for @rec, innermost first, as the walker stores them: the sampled PC, then
 * return addresses as found on the stack (dwfl_frame_pc() gives those unadjusted; only
 * isactivation says to subtract one before looking them up). An error ends the list.
 */
static void libdw_unwind(struct proc_unwinder *u, const struct prof_stack_capture *rec,
			 struct frames *out)
{
	out->nr = 0;
	u->cur = rec;
	dwfl_getthread_frames(u->dwfl, rec->pid, collect_frame, out);
	u->cur = NULL;
}

static void print_frame(Dwfl *dwfl, const char *who, unsigned int i, __u64 pc, bool activation)
{
	Dwfl_Module *mod = dwfl ? dwfl_addrmodule(dwfl, pc) : NULL;
	const char *name = NULL, *file = NULL, *slash;
	__u64 lookup = activation || !pc ? pc : pc - 1;

	if (mod) {
		name = dwfl_module_addrname(mod, lookup);
		dwfl_module_info(mod, NULL, NULL, NULL, NULL, NULL, &file, NULL);
	}
	slash = file ? strrchr(file, '/') : NULL;
	if (slash)
		file = slash + 1;
	printf("    %-5s #%-3u 0x%012" PRIx64 " %s (%s)\n", who, i, (uint64_t)pc, name ? name : "?",
	       file ? file : "?");
}

static void print_example(struct proc_unwinder *u, unsigned long idx,
			  const struct prof_stack_capture *rec, const struct frames *lib,
			  unsigned int common, bool all)
{
	unsigned int i, nb = rec->walked.nr;
	unsigned int from = common > 3 && !all ? common - 3 : 0;
	unsigned int to = all ? PROF_MAX_USER_DEPTH : common + 6;

	printf("  example: record %lu, tid %u, ip 0x%" PRIx64 " sp 0x%" PRIx64 " bp 0x%" PRIx64
	       ", %u stack bytes, walker end %s; frames from #%u:\n",
	       idx, rec->pid, (uint64_t)rec->ip, (uint64_t)rec->sp, (uint64_t)rec->bp,
	       rec->stack_bytes, end_names[end_index(rec->walked.end)], from);
	for (i = from; i < nb && i < to; i++)
		print_frame(u->dwfl, "bpf", i, rec->walked.ips[i], i == 0);
	for (i = from; i < lib->nr && i < to; i++)
		print_frame(u->dwfl, "libdw", i, lib->pc[i], lib->activation[i]);
}

static struct proc_unwinder *find_proc(struct proc_unwinder *procs, unsigned int nr, __u32 tgid)
{
	for (unsigned int i = 0; i < nr; i++)
		if ((__u32)procs[i].tgid == tgid)
			return &procs[i];
	return NULL;
}

/* Compares one record; returns the index of the first differing frame (the common prefix). */
static unsigned int compare_record(struct totals *t, const struct prof_stack_capture *rec,
				   const struct frames *lib, const char **verdict)
{
	unsigned int nb = rec->walked.nr, common = 0;

	while (common < nb && common < lib->nr && rec->walked.ips[common] == lib->pc[common])
		common++;
	t->bpf_frames += nb;
	t->libdw_frames += lib->nr;
	if (lib->nr >= 2)
		t->eligible++;
	if (common == nb && common == lib->nr) {
		t->identical++;
		if (lib->nr >= 2)
			t->identical_eligible++;
		*verdict = "identical";
	} else if (common == lib->nr) {
		t->bpf_deeper++;
		*verdict = "bpf deeper";
	} else if (common == nb) {
		t->libdw_deeper++;
		*verdict = "libdw deeper";
	} else {
		t->differ++;
		t->first_mismatch[common]++;
		*verdict = "differ";
	}
	return common;
}

static void usage(void)
{
	fprintf(stderr,
		"usage: unwind_compare [--min-agree R] [--examples N] [-q] [-v] FILE PID...\n");
	exit(2);
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "min-agree", required_argument, NULL, 'a' },
		{ "examples", required_argument, NULL, 'e' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "verbose", no_argument, NULL, 'v' },
		{ 0 },
	};
	struct proc_unwinder procs[MAX_PROCS];
	unsigned int nr_procs = 0, i;
	unsigned long examples = 5, shown = 0, idx, nr_records;
	double min_agree = 0.95, ratio, started;
	struct totals t = { 0 };
	struct frames *lib;
	bool quiet = false, verbose = false;
	const unsigned char *map;
	struct timespec ts;
	struct stat st;
	__u32 rec_size;
	char *end;
	int opt, fd, ret = 1;

	while ((opt = getopt_long(argc, argv, "qv", longopts, NULL)) != -1) {
		switch (opt) {
		case 'a':
			min_agree = strtod(optarg, &end);
			if (*end || end == optarg || min_agree < 0 || min_agree > 1)
				usage();
			break;
		case 'e':
			examples = strtoul(optarg, &end, 10);
			if (*end || end == optarg)
				usage();
			break;
		case 'q':
			quiet = true;
			break;
		case 'v':
			verbose = true;
			break;
		default:
			usage();
		}
	}
	if (argc - optind < 2 || argc - optind - 1 > MAX_PROCS)
		usage();

	clock_gettime(CLOCK_MONOTONIC, &ts);
	started = ts.tv_sec + ts.tv_nsec * 1e-9;
	for (i = optind + 1; i < (unsigned int)argc; i++) {
		long pid = strtol(argv[i], &end, 10);

		if (*end || end == argv[i] || pid <= 0 || pid > INT32_MAX)
			usage();
		int err;

		if (find_proc(procs, nr_procs, pid))
			continue;
		err = proc_unwinder__init(&procs[nr_procs], pid);
		if (err)
			fprintf(stderr, "unwind_compare: pid %ld: cannot read its modules: %s\n",
				pid, strerror(-err));
		nr_procs++;
	}

	fd = open(argv[optind], O_RDONLY);
	if (fd < 0 || fstat(fd, &st)) {
		fprintf(stderr, "unwind_compare: %s: %s\n", argv[optind], strerror(errno));
		goto out_procs;
	}
	if (st.st_size < CAPTURE_HEADER_BYTES) {
		fprintf(stderr, "unwind_compare: %s: too short for a capture file\n", argv[optind]);
		goto out_close;
	}
	map = mmap(NULL, st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	if (map == MAP_FAILED) {
		fprintf(stderr, "unwind_compare: mmap %s: %s\n", argv[optind], strerror(errno));
		goto out_close;
	}
	memcpy(&rec_size, map + 8, sizeof(rec_size));
	if (memcmp(map, PROF_CAPTURE_MAGIC, 8) || rec_size != sizeof(struct prof_stack_capture)) {
		fprintf(stderr,
			"unwind_compare: %s: not a capture file of this build (record size %u, "
			"expected %zu)\n",
			argv[optind], rec_size, sizeof(struct prof_stack_capture));
		goto out_unmap;
	}
	nr_records = (st.st_size - CAPTURE_HEADER_BYTES) / rec_size;
	if ((st.st_size - CAPTURE_HEADER_BYTES) % rec_size)
		fprintf(stderr, "unwind_compare: %s: ignoring a truncated last record\n",
			argv[optind]);

	lib = malloc(sizeof(*lib));
	if (!lib)
		goto out_unmap;
	for (idx = 0; idx < nr_records; idx++) {
		const struct prof_stack_capture *rec = (const void *)(map + CAPTURE_HEADER_BYTES +
								      idx * rec_size);
		struct proc_unwinder *u = find_proc(procs, nr_procs, rec->tgid);
		const char *verdict;
		unsigned int common;

		if (!u)
			continue;
		t.records++;
		/* Sizes from the file bound every read: a bad record is skipped, not trusted. */
		if (rec->stack_bytes < sizeof(__u64) ||
		    rec->stack_bytes > PROF_CAPTURE_STACK_BYTES ||
		    rec->walked.nr > PROF_MAX_USER_DEPTH) {
			t.skipped++;
			continue;
		}
		if (!u->dwfl) {
			t.no_process++;
			continue;
		}
		t.bpf_end[end_index(rec->walked.end)]++;
		libdw_unwind(u, rec, lib);
		common = compare_record(&t, rec, lib, &verdict);
		if (!quiet)
			printf("record %lu tid %u: %s, bpf %u frames, libdw %u, common %u\n", idx,
			       rec->pid, verdict, rec->walked.nr, lib->nr, common);
		if (strcmp(verdict, "identical") && shown < examples) {
			shown++;
			print_example(u, idx, rec, lib, common, verbose);
		}
	}
	free(lib);

	clock_gettime(CLOCK_MONOTONIC, &ts);
	printf("records %lu (skipped as malformed %lu, process gone %lu), %.2f s\n", t.records,
	       t.skipped, t.no_process, ts.tv_sec + ts.tv_nsec * 1e-9 - started);
	printf("identical %lu, bpf deeper %lu, libdw deeper %lu, differ %lu\n", t.identical,
	       t.bpf_deeper, t.libdw_deeper, t.differ);
	printf("frames: bpf %lu, libdw %lu\n", t.bpf_frames, t.libdw_frames);
	printf("walker ends:");
	for (i = 0; i <= PROF_UNWIND_NR_ENDS; i++)
		if (t.bpf_end[i])
			printf(" %s %lu", end_names[i], t.bpf_end[i]);
	printf("\nfirst mismatch at frame:");
	for (i = 0; i <= PROF_MAX_USER_DEPTH; i++)
		if (t.first_mismatch[i])
			printf(" #%u: %lu", i, t.first_mismatch[i]);
	ratio = t.eligible ? (double)t.identical_eligible / t.eligible : 0;
	printf("\nagreement %.4f (%lu identical of %lu records where libdw found 2+ frames), "
	       "minimum %.4f\n",
	       ratio, t.identical_eligible, t.eligible, min_agree);
	ret = t.eligible && ratio >= min_agree ? 0 : 1;

out_unmap:
	munmap((void *)map, st.st_size);
out_close:
	if (fd >= 0)
		close(fd);
out_procs:
	for (i = 0; i < nr_procs; i++)
		dwfl_end(procs[i].dwfl);
	return ret;
}
