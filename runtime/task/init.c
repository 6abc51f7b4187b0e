/* `berth init [--] CMD [ARG...]`: PID 1 of a container with
 * initProcessEnabled, like tini / docker-init. spawn execs it from the
 * host's berth binary, so nothing is added to the image. It
 *   - runs CMD as its only child (found with the environment's PATH;
 *     an exec failure is printed and gives 127 / 126, as docker),
 *   - forwards SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2 and
 *     SIGWINCH to that child (to the child only, as tini by default),
 *   - reaps every process that ends up as its child (orphans of the pid
 *     namespace; it is also a subreaper when not PID 1),
 *   - exits with the child's status: its exit code, or 128 + the signal
 *     that killed it (tini's convention).
 * Signals are taken synchronously with sigwaitinfo: no handler, no
 * allocation after the start, no threads, so its footprint stays flat. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>

#include "task/spawn_child.h"
#include "task/task.h"

static const int forwarded_signals[] = {
	SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGWINCH,
};

extern char **environ;

/* In the forked child: the command, or its failure on stderr. */
static _Noreturn void exec_command(char **argv, const sigset_t *mask)
{
	struct berr err = { 0 };
	int exit_code = SPAWN_EXIT_SETUP;
	char *path;

	sigprocmask(SIG_SETMASK, mask, NULL);
	path = spawn_find_program(argv[0], environ, &exit_code, &err);
	if (path) {
		execve(path, argv, environ);
		spawn_exec_error(argv[0], errno, &exit_code, &err);
	}
	fprintf(stderr, "berth: init: %s\n", err.msg);
	_exit(exit_code);
}

static int exit_status(int status)
{
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return WEXITSTATUS(status);
}

/* Reaps every child that has ended; true (with *status) once one was the command. */
static bool reap_children(pid_t command, int *status)
{
	bool done = false;
	pid_t pid;
	int st;

	while ((pid = waitpid(-1, &st, WNOHANG)) > 0) {
		if (pid == command) {
			*status = exit_status(st);
			done = true;
		}
	}
	return done;
}

static int supervise(pid_t command, const sigset_t *wanted)
{
	for (;;) {
		siginfo_t info;
		int status;
		int sig = sigwaitinfo(wanted, &info);

		if (sig < 0 && errno == EINTR)
			continue;
		if (sig < 0) {
			fprintf(stderr, "berth: init: sigwaitinfo: %s\n", strerror(errno));
			return SPAWN_EXIT_SETUP;
		}
		if (sig != SIGCHLD) {
			kill(command, sig); /* ESRCH: it is ending anyway */
			continue;
		}
		if (reap_children(command, &status))
			return status;
	}
}

int task_init_main(int argc, char **argv)
{
	sigset_t wanted, old;
	int first = 1;
	pid_t command;

	if (first < argc && strcmp(argv[first], "--") == 0)
		first++;
	if (first >= argc) {
		fprintf(stderr, "berth: init: no command given (usage: berth init [--] CMD [ARG...])\n");
		return 2;
	}
	/* Blocked before the fork, so that no signal or exit is missed. */
	sigemptyset(&wanted);
	sigaddset(&wanted, SIGCHLD);
	for (size_t i = 0; i < ARRAY_SIZE(forwarded_signals); i++)
		sigaddset(&wanted, forwarded_signals[i]);
	sigprocmask(SIG_BLOCK, &wanted, &old);
	/* The name shows in ps whatever the kernel made of the fd exec. */
	prctl(PR_SET_NAME, "berth-init", 0, 0, 0);
	if (getpid() != 1)
		prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
	command = fork();
	if (command < 0) {
		fprintf(stderr, "berth: init: fork: %s\n", strerror(errno));
		return SPAWN_EXIT_SETUP;
	}
	if (command == 0)
		exec_command(argv + first, &old);
	return supervise(command, &wanted);
}
