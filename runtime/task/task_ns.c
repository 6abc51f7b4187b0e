/* The namespaces a task's containers share.
 *
 * net, uts (hostname = task id) and, for ipcMode task, ipc: a short-lived
 * child unshares them, brings loopback up, and bind-mounts its namespace
 * files on <run>/tasks/<id>/ns/{net,uts,ipc}; the mounts keep the
 * namespaces alive with no process, and let later tools (networking,
 * exec, health checks) enter them by path.
 *
 * pid, for pidMode task: a pid namespace dies with its PID 1, so a tiny
 * pause process is PID 1 of the shared one (reaping the orphans reparented
 * to it), in the task's cgroup so that the final cgroup kill ends it.
 *
 * pidMode / ipcMode host: spawn keeps the host's (it reads the modes). */
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include "task/task_priv.h"

void task_ns_init(struct task_ns *ns)
{
	*ns = (struct task_ns){
		.fds = { .net_fd = -1, .ipc_fd = -1, .pid_fd = -1, .uts_fd = -1 },
	};
}

static char *ns_path(const struct paths *paths, const char *id, const char *name,
		     struct berr *err)
{
	return str_printf(err, "%s/tasks/%s/ns%s%s", paths->run, id, name ? "/" : "", name ? name : "");
}

/* ---- the holder child (net, uts, ipc) ----------------------------------- */

static int loopback_up(struct berr *err)
{
	struct ifreq ifr = { .ifr_name = "lo" };
	_cleanup_close_ int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return berr_sys(err, "socket");
	if (ioctl(fd, SIOCGIFFLAGS, &ifr) < 0)
		return berr_sys(err, "get the flags of lo");
	ifr.ifr_flags |= IFF_UP;
	if (ioctl(fd, SIOCSIFFLAGS, &ifr) < 0)
		return berr_sys(err, "bring lo up");
	return 0;
}

static int bind_ns(const struct paths *paths, const char *id, const char *name, struct berr *err)
{
	_cleanup_free_ char *target = ns_path(paths, id, name, err);
	char source[32];
	int fd;

	if (!target)
		return -1;
	fd = open(target, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0)
		return berr_sys(err, "create %s", target);
	close(fd);
	snprintf(source, sizeof(source), "/proc/self/ns/%s", name);
	if (mount(source, target, NULL, MS_BIND, NULL) < 0)
		return berr_sys(err, "bind %s on %s", source, target);
	return 0;
}

/* In the child: never returns. */
static void holder_main(const struct paths *paths, const char *id, bool net, bool ipc, int report)
{
	int flags = CLONE_NEWUTS | (net ? CLONE_NEWNET : 0) | (ipc ? CLONE_NEWIPC : 0);
	struct berr err = { 0 };
	int rc = -1;

	if (unshare(flags) < 0)
		berr_sys(&err, "unshare");
	else if (sethostname(id, strlen(id)) < 0)
		berr_sys(&err, "set the hostname");
	else if ((!net || loopback_up(&err) == 0) && bind_ns(paths, id, "uts", &err) == 0 &&
		 (!net || bind_ns(paths, id, "net", &err) == 0) &&
		 (!ipc || bind_ns(paths, id, "ipc", &err) == 0))
		rc = 0;
	if (rc < 0 && write(report, err.msg, strlen(err.msg)) < 0)
		_exit(2);
	_exit(rc < 0 ? 1 : 0);
}

static int run_holder(const struct paths *paths, const char *id, bool net, bool ipc,
		      struct berr *err)
{
	int p[2], status;
	char msg[sizeof(err->msg)];
	ssize_t n;
	pid_t pid;

	if (pipe2(p, O_CLOEXEC) < 0)
		return berr_sys(err, "pipe");
	pid = fork();
	if (pid == 0)
		holder_main(paths, id, net, ipc, p[1]);
	close(p[1]);
	if (pid < 0) {
		close(p[0]);
		return berr_sys(err, "fork");
	}
	while ((n = read(p[0], msg, sizeof(msg) - 1)) < 0 && errno == EINTR)
		;
	close(p[0]);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (n > 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		msg[n > 0 ? n : 0] = '\0';
		return berr_set(err, EIO, "%s", n > 0 ? msg : "the namespace holder failed");
	}
	return 0;
}

static int open_ns(const struct paths *paths, const char *id, const char *name, int *fd,
		   struct berr *err)
{
	_cleanup_free_ char *path = ns_path(paths, id, name, err);

	if (!path)
		return -1;
	*fd = open(path, O_RDONLY | O_CLOEXEC);
	return *fd < 0 ? berr_sys(err, "open %s", path) : 0;
}

/* ---- the pause process (pid) ------------------------------------------- */

static char pause_stack[16384] __attribute__((aligned(16)));

static int pause_main(void *arg)
{
	sigset_t set;

	(void)arg;
	close_range(0, ~0U, 0);
	prctl(PR_SET_NAME, "berth-pause");
	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	sigprocmask(SIG_BLOCK, &set, NULL);
	for (;;) {
		sigwaitinfo(&set, NULL);
		while (waitpid(-1, NULL, WNOHANG) > 0)
			;
	}
	return 0;
}

static int start_pause(struct task_cgroup *cg, struct task_ns *ns, struct berr *err)
{
	const struct cgroup_child_limits none = { 0 };
	char path[64];

	if (cgroup_container_create(cg, TASK_PAUSE_CGROUP, &none, err) < 0)
		return -1;
	ns->pause_pid = clone(pause_main, pause_stack + sizeof(pause_stack), CLONE_NEWPID | SIGCHLD,
			      NULL);
	if (ns->pause_pid < 0)
		return berr_sys(err, "start the pid namespace's PID 1");
	if (cgroup_container_enter(cg, TASK_PAUSE_CGROUP, ns->pause_pid, err) < 0)
		return -1; /* the cgroup kill or task_ns_close ends it */
	snprintf(path, sizeof(path), "/proc/%d/ns/pid", (int)ns->pause_pid);
	ns->fds.pid_fd = open(path, O_RDONLY | O_CLOEXEC);
	return ns->fds.pid_fd < 0 ? berr_sys(err, "open %s", path) : 0;
}

/* ---- create, close, remove --------------------------------------------- */

static int open_all(const struct paths *paths, const char *id, const struct task_def *td,
		    struct task_ns *ns, struct berr *err)
{
	bool net = !ns->fds.net_host, ipc = td->ipc_mode == TASKDEF_IPC_TASK;

	if (open_ns(paths, id, "uts", &ns->fds.uts_fd, err) < 0 ||
	    (net && open_ns(paths, id, "net", &ns->fds.net_fd, err) < 0) ||
	    (ipc && open_ns(paths, id, "ipc", &ns->fds.ipc_fd, err) < 0))
		return -1;
	return 0;
}

int task_ns_create(const struct paths *paths, const char *id, const struct task_def *td,
		   struct task_cgroup *cg, struct task_ns *ns, struct berr *err)
{
	_cleanup_free_ char *dir = ns_path(paths, id, NULL, err);
	enum taskdef_network_mode mode = td->network_mode;

	ns->fds.net_host = mode == TASKDEF_NETWORK_HOST;
	if (mode == TASKDEF_NETWORK_AWSVPC || mode == TASKDEF_NETWORK_BRIDGE)
		log_warn("networkMode %s: per-task networking arrives later; the task has loopback only",
			 taskdef_network_mode_name(mode));
	if (!dir || fs_mkdir_p(dir, 0700, err) < 0 ||
	    run_holder(paths, id, !ns->fds.net_host, td->ipc_mode == TASKDEF_IPC_TASK, err) < 0 ||
	    open_all(paths, id, td, ns, err) < 0)
		return berr_prefix(err, "task namespaces");
	if (td->pid_mode == TASKDEF_PID_TASK && start_pause(cg, ns, err) < 0)
		return berr_prefix(err, "task pid namespace");
	return 0;
}

void task_ns_close(struct task_ns *ns)
{
	int *fds[] = { &ns->fds.net_fd, &ns->fds.ipc_fd, &ns->fds.pid_fd, &ns->fds.uts_fd };

	for (size_t i = 0; i < ARRAY_SIZE(fds); i++)
		if (*fds[i] >= 0) {
			close(*fds[i]);
			*fds[i] = -1;
		}
	if (ns->pause_pid > 0) {
		kill(ns->pause_pid, SIGKILL);
		while (waitpid(ns->pause_pid, NULL, 0) < 0 && errno == EINTR)
			;
		ns->pause_pid = 0;
	}
}

int task_ns_remove(const struct paths *paths, const char *id, struct berr *err)
{
	static const char *const names[] = { "net", "uts", "ipc" };
	_cleanup_free_ char *dir = ns_path(paths, id, NULL, err);

	if (!dir)
		return -1;
	for (size_t i = 0; i < ARRAY_SIZE(names); i++) {
		_cleanup_free_ char *path = ns_path(paths, id, names[i], err);

		if (!path)
			return -1;
		/* EINVAL: not mounted; ENOENT: never made. */
		if (umount2(path, MNT_DETACH | UMOUNT_NOFOLLOW) < 0 && errno != EINVAL && errno != ENOENT)
			return berr_sys(err, "unmount %s", path);
		if (unlink(path) < 0 && errno != ENOENT)
			return berr_sys(err, "remove %s", path);
	}
	if (rmdir(dir) < 0 && errno != ENOENT)
		return berr_sys(err, "remove %s", dir);
	return 0;
}
