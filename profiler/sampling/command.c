// SPDX-License-Identifier: GPL-2.0-only
#include "command.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "log.h"

struct command {
	pid_t pid;
	char *const *argv;
	int go_fd;    /* write end: one byte lets the child exec */
	int error_fd; /* read end: the child's errno if exec fails, EOF when it succeeds */
	bool released;
	bool exited;
	int status;
};

static void __attribute__((noreturn)) child_main(char *const *argv, int go_fd, int error_fd)
{
	const char *slash = strrchr(argv[0], '/');
	char go;
	int err;

	/*
	 * Its exec is the command's first work (and undoing this copy of bpfprof's memory the
	 * most of it): sampled under the command's name, not bpfprof's, as perf's "perf-exec".
	 */
	prctl(PR_SET_NAME, slash ? slash + 1 : argv[0]);
	if (read(go_fd, &go, 1) != 1)
		_exit(127); /* the parent gave up */
	close(go_fd);
	execvp(argv[0], argv);
	err = errno;
	if (write(error_fd, &err, sizeof(err)) < 0)
		_exit(127);
	_exit(127);
}

int command__spawn(char *const *argv, struct command **out)
{
	int go[2], error[2], err;
	struct command *cmd;

	cmd = calloc(1, sizeof(*cmd));
	if (!cmd)
		return -ENOMEM;
	if (pipe2(go, O_CLOEXEC)) {
		err = -errno;
		goto out_free;
	}
	if (pipe2(error, O_CLOEXEC)) {
		err = -errno;
		goto out_close_go;
	}
	cmd->pid = fork();
	if (cmd->pid < 0) {
		err = -errno;
		goto out_close_error;
	}
	if (cmd->pid == 0) {
		close(go[1]);
		close(error[0]);
		child_main(argv, go[0], error[1]);
	}
	close(go[0]);
	close(error[1]);
	cmd->argv = argv;
	cmd->go_fd = go[1];
	cmd->error_fd = error[0];
	*out = cmd;
	return 0;

out_close_error:
	close(error[0]);
	close(error[1]);
out_close_go:
	close(go[0]);
	close(go[1]);
out_free:
	free(cmd);
	return err;
}

pid_t command__pid(const struct command *cmd)
{
	return cmd->pid;
}

int command__release(struct command *cmd)
{
	int child_errno = 0;
	ssize_t n;

	cmd->released = true;
	if (write(cmd->go_fd, "g", 1) != 1)
		return -errno;
	close(cmd->go_fd);
	cmd->go_fd = -1;
	do
		n = read(cmd->error_fd, &child_errno, sizeof(child_errno));
	while (n < 0 && errno == EINTR);
	close(cmd->error_fd);
	cmd->error_fd = -1;
	if (n != sizeof(child_errno))
		return 0;
	pr_err("cannot run '%s': %s\n", cmd->argv[0], strerror(child_errno));
	return -child_errno;
}

bool command__exited(struct command *cmd)
{
	if (!cmd->exited && waitpid(cmd->pid, &cmd->status, WNOHANG) == cmd->pid)
		cmd->exited = true;
	return cmd->exited;
}

int command__status(const struct command *cmd)
{
	return cmd->status;
}

void command__free(struct command *cmd)
{
	if (!cmd)
		return;
	if (cmd->go_fd >= 0)
		close(cmd->go_fd);
	if (cmd->error_fd >= 0)
		close(cmd->error_fd);
	if (!cmd->released && !cmd->exited) {
		kill(cmd->pid, SIGKILL);
		waitpid(cmd->pid, NULL, 0);
	} else {
		command__exited(cmd); /* reaps a child whose exec failed */
	}
	free(cmd);
}
