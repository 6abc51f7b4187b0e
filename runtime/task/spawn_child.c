/* The container side of spawn_container, in the child clone() made: it
 * waits until the parent has put it in its cgroup, then
 *   joins the task's namespaces, makes its cgroup namespace,
 *   takes its stdio, opens the berth binary (initProcessEnabled),
 *   builds its file system and pivots into it (spawn_mounts.c),
 *   sets hostname and ulimits, resolves its user inside the image,
 *   cuts the capability bounding set, becomes the user, sets its
 *   capabilities and no_new_privs, enters the working directory,
 *   finds its program and execs it (or berth init, which runs it).
 * A failing step sends its error to the parent and the child exits. */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>

#include "task/spawn_child.h"

/* The kernel's struct sigaction (with sa_restorer on x86_64 and arm64
 * alike); all zero is SIG_DFL with an empty mask. */
struct kernel_sigaction {
	void *handler;
	unsigned long flags;
	void *restorer;
	uint64_t mask;
};

/* Ignored signals stay ignored across exec, and blocked ones blocked: the
 * program must not inherit berth's choices. The raw call because glibc
 * refuses to touch the two signals it keeps for itself (32 and 33), which
 * may have come to berth ignored too. */
static void reset_signals(void)
{
	static const struct kernel_sigaction dfl;
	sigset_t none;

	for (int sig = 1; sig < _NSIG; sig++)
		if (sig != SIGKILL && sig != SIGSTOP)
			syscall(SYS_rt_sigaction, sig, &dfl, NULL, sizeof(dfl.mask));
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
}

/* True once the parent says go; false when it went away first. */
static bool wait_for_go(int sock)
{
	char go;
	ssize_t n;

	do
		n = recv(sock, &go, 1, 0);
	while (n < 0 && errno == EINTR);
	return n == 1;
}

static int join_ns(int fd, int type, const char *name, struct berr *err)
{
	if (fd >= 0 && setns(fd, type) < 0)
		return berr_sys(err, "join the task's %s namespace", name);
	return 0;
}

static int enter_namespaces(struct spawn_child *c)
{
	const struct spawn_task_ns *ns = &c->spec->ns;

	if (join_ns(ns->net_fd, CLONE_NEWNET, "network", &c->err) < 0 ||
	    join_ns(ns->ipc_fd, CLONE_NEWIPC, "ipc", &c->err) < 0 ||
	    join_ns(ns->uts_fd, CLONE_NEWUTS, "uts", &c->err) < 0)
		return -1;
	/* Only now, inside the container's cgroup: it becomes the namespace's root. */
	if (unshare(CLONE_NEWCGROUP) < 0)
		return berr_sys(&c->err, "create the cgroup namespace");
	return 0;
}

/* The given fds (-1: /dev/null) become 0, 1 and 2, through copies above 2
 * so that any overlap between them and 0-2 is harmless. */
static int setup_stdio(struct spawn_child *c)
{
	const int given[3] = { c->spec->stdin_fd, c->spec->stdout_fd, c->spec->stderr_fd };
	int high[3];

	for (int i = 0; i < 3; i++) {
		_cleanup_close_ int null_fd = -1;

		if (given[i] < 0) {
			null_fd = open("/dev/null", (i == 0 ? O_RDONLY : O_WRONLY) | O_CLOEXEC);
			if (null_fd < 0)
				return berr_sys(&c->err, "open /dev/null");
		}
		high[i] = fcntl(given[i] < 0 ? null_fd : given[i], F_DUPFD_CLOEXEC, 3);
		if (high[i] < 0)
			return berr_sys(&c->err, "duplicate the container's stdio");
	}
	for (int i = 0; i < 3; i++)
		if (dup2(high[i], i) < 0)
			return berr_sys(&c->err, "set up the container's stdio");
	return 0;
}

/* Opened before pivot_root so that it can be exec'd from outside the
 * image: berth adds nothing to the container's files. */
static int open_berth_exe(struct spawn_child *c)
{
	const char *exe = c->spec->berth_exe ? c->spec->berth_exe : "/proc/self/exe";

	if (!c->spec->def->linux_params.init_process_enabled)
		return 0;
	c->exe_fd = open(exe, O_RDONLY | O_CLOEXEC);
	if (c->exe_fd < 0)
		return berr_sys(&c->err, "initProcessEnabled: open %s", exe);
	return 0;
}

/* A shared uts namespace has its hostname already (the lifecycle sets it). */
static int set_hostname(struct spawn_child *c)
{
	const char *name = c->spec->hostname;

	if (c->spec->ns.uts_fd >= 0 || !name)
		return 0;
	if (sethostname(name, strlen(name)) < 0)
		return berr_sys(&c->err, "set hostname %s", name);
	return 0;
}

static int become_user(struct spawn_child *c, const struct spawn_user *u, uint64_t caps)
{
	if (setgroups(u->group_count, u->groups) < 0)
		return berr_sys(&c->err, "set supplementary groups");
	if (setresgid(u->gid, u->gid, u->gid) < 0)
		return berr_sys(&c->err, "set group id %u", (unsigned)u->gid);
	if (setresuid(u->uid, u->uid, u->uid) < 0)
		return berr_sys(&c->err, "set user id %u", (unsigned)u->uid);
	/* As docker: a non-root user has the bounding set only, nothing effective. */
	if (spawn_caps_set(u->uid == 0 ? caps : 0, &c->err) < 0)
		return -1;
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return berr_sys(&c->err, "set no_new_privs");
	return 0;
}

/* berth init as PID 1, from the fd opened before pivot_root; it runs the
 * command as its child. */
static void exec_init(struct spawn_child *c, char **env)
{
	char **argv = c->spec->argv;
	size_t n = 0;
	char **init_argv;

	while (argv[n])
		n++;
	init_argv = calloc(n + 4, sizeof(*init_argv));
	if (!init_argv) {
		berr_set(&c->err, ENOMEM, "initProcessEnabled: out of memory");
		return;
	}
	init_argv[0] = "berth";
	init_argv[1] = "init";
	init_argv[2] = "--";
	memcpy(init_argv + 3, argv, n * sizeof(*argv));
	execveat(c->exe_fd, "", init_argv, env, AT_EMPTY_PATH);
	berr_sys(&c->err, "initProcessEnabled: exec berth init");
}

/* The program is looked up even when berth init will run it, so that a
 * missing one fails the start the same way with or without init. */
static void exec_program(struct spawn_child *c, char **env)
{
	char **argv = c->spec->argv;
	_cleanup_free_ char *path = NULL;

	if (!argv || !argv[0] || !argv[0][0]) {
		berr_set(&c->err, EINVAL, "no command specified");
		return;
	}
	path = spawn_find_program(argv[0], env, &c->exit_code, &c->err);
	if (!path || spawn_cloexec_from(3, &c->err) < 0)
		return;
	if (c->exe_fd >= 0) {
		exec_init(c, env);
		return;
	}
	execve(path, argv, env);
	spawn_exec_error(argv[0], errno, &c->exit_code, &c->err);
}

/* Returns only when a step failed, with c->err and c->exit_code set. */
static void setup_and_exec(struct spawn_child *c)
{
	const struct spawn_spec *spec = c->spec;
	uint64_t caps = spawn_caps_wanted(spec->def);
	struct spawn_user user;
	char **env;

	if (enter_namespaces(c) < 0 || setup_stdio(c) < 0 || open_berth_exe(c) < 0)
		return;
	if (spawn_setup_rootfs(c) < 0 || set_hostname(c) < 0 ||
	    spawn_set_rlimits(spec->def, &c->err) < 0)
		return;
	if (spawn_user_resolve(spec->user, &user, &c->err) < 0)
		return;
	env = spawn_build_env(spec, &user, &c->err);
	if (!env || spawn_caps_bound(caps, &c->err) < 0 || become_user(c, &user, caps) < 0)
		return;
	if (spec->workdir && chdir(spec->workdir) < 0) {
		berr_sys(&c->err, "chdir to working directory %s", spec->workdir);
		return;
	}
	exec_program(c, env);
}

_Noreturn void spawn_child_main(const struct spawn_spec *spec, int sock)
{
	struct spawn_child c = {
		.spec = spec, .root_fd = -1, .exe_fd = -1, .exit_code = SPAWN_EXIT_SETUP,
	};
	struct spawn_report report = { 0 };

	reset_signals();
	/* Its own session: a Ctrl-C on berth's terminal goes to berth, which
	 * stops the task gracefully, not straight to the container. */
	if (setsid() < 0)
		_exit(SPAWN_EXIT_SETUP);
	if (!wait_for_go(sock))
		_exit(SPAWN_EXIT_SETUP);
	setup_and_exec(&c);
	report.exit_code = c.exit_code;
	report.errnum = c.err.code;
	memcpy(report.msg, c.err.msg, sizeof(report.msg));
	/* Nothing to do when this fails: the parent then sees EOF and our exit code. */
	(void)!send(sock, &report, sizeof(report), MSG_NOSIGNAL);
	_exit(c.exit_code);
}
