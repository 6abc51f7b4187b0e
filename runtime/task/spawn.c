/* spawn_container, the parent side: clone into new namespaces, put the
 * child in its cgroup, tell it to go, and learn whether its program was
 * exec'd. The child holds one end of a close-on-exec socketpair: a
 * successful exec closes it (EOF here), a failing step sends a
 * spawn_report first. A socketpair rather than pipes because send() can
 * say MSG_NOSIGNAL: a child that died is an error here, never a SIGPIPE.
 *
 * The child waits for "go" before doing anything, so it is inside its
 * cgroup (v1 and v2 alike, entered by pid) before it runs any of its
 * setup, and creates its cgroup namespace only then, rooted at its own
 * cgroup. */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "task/spawn_child.h"

/* The namespaces the child gets new at clone; the task's shared ones
 * (spec->ns) are joined by the child (net, ipc, uts) or for it (pid). */
static unsigned long clone_flags(const struct spawn_spec *s)
{
	unsigned long flags = CLONE_NEWNS | SIGCHLD;

	if (s->ns.uts_fd < 0)
		flags |= CLONE_NEWUTS;
	if (s->ns.ipc_fd < 0 && s->td->ipc_mode != TASKDEF_IPC_HOST)
		flags |= CLONE_NEWIPC;
	if (s->ns.pid_fd < 0 && s->td->pid_mode != TASKDEF_PID_HOST)
		flags |= CLONE_NEWPID;
	if (s->ns.net_fd < 0 && !s->ns.net_host)
		flags |= CLONE_NEWNET;
	return flags;
}

/* clone(2) used like fork: no new stack, the child returns here with 0.
 * The raw syscall because glibc has no fork that takes namespace flags;
 * the arguments after flags differ in order between architectures, but
 * all are 0. The child must not use glibc's raise()/abort() (its cached
 * thread id is the parent's); it only execs or _exits. */
static pid_t clone_raw(unsigned long flags, struct berr *err)
{
	pid_t pid = (pid_t)syscall(SYS_clone, flags, NULL, NULL, NULL, NULL);

	if (pid < 0)
		return berr_sys(err, "clone");
	return pid;
}

/* pidMode task: setns(CLONE_NEWPID) only places future children, so berth
 * joins the task's pid namespace for the one clone and then goes back to
 * its own. The container is then not PID 1 (the task's holder is). */
static pid_t clone_in_task_pid_ns(const struct spawn_spec *s, struct berr *err)
{
	_cleanup_close_ int own = open("/proc/self/ns/pid", O_RDONLY | O_CLOEXEC);
	pid_t pid;

	if (own < 0)
		return berr_sys(err, "open /proc/self/ns/pid");
	if (setns(s->ns.pid_fd, CLONE_NEWPID) < 0)
		return berr_sys(err, "join the task's pid namespace");
	pid = clone_raw(clone_flags(s), err);
	if (pid == 0)
		return 0;
	if (setns(own, CLONE_NEWPID) < 0) {
		berr_sys(err, "return to berth's own pid namespace");
		if (pid > 0)
			kill(pid, SIGKILL);
		return -1;
	}
	return pid;
}

static void reap(pid_t pid)
{
	while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
		;
}

/* Places the child, lets it go, reads its report: 0 once it exec'd. */
static int start_child(const struct spawn_spec *s, pid_t pid, int sock, int *exit_code,
		       struct berr *err)
{
	struct spawn_report report;
	ssize_t n;

	if (s->cgroup && cgroup_container_enter(s->cgroup, s->def->name, pid, err) < 0)
		return -1;
	if (send(sock, "g", 1, MSG_NOSIGNAL) < 0)
		return berr_sys(err, "start the container process");
	do
		n = recv(sock, &report, sizeof(report), 0);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return berr_sys(err, "read the container's setup result");
	if (n == 0)
		return 0;
	if ((size_t)n != sizeof(report))
		return berr_set(err, EPROTO, "the container process sent a short report");
	report.msg[sizeof(report.msg) - 1] = '\0';
	*exit_code = report.exit_code;
	return berr_set(err, report.errnum, "%s", report.msg);
}

pid_t spawn_container(const struct spawn_spec *spec, int *exit_code, struct berr *err)
{
	int sv[2];
	pid_t pid;
	int rc;

	*exit_code = SPAWN_EXIT_SETUP;
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
		return berr_sys(err, "CannotStartContainerError: socketpair");
	pid = spec->ns.pid_fd >= 0 ? clone_in_task_pid_ns(spec, err)
				   : clone_raw(clone_flags(spec), err);
	if (pid == 0) {
		close(sv[0]);
		spawn_child_main(spec, sv[1]);
	}
	close(sv[1]);
	rc = pid < 0 ? -1 : start_child(spec, pid, sv[0], exit_code, err);
	close(sv[0]);
	if (rc == 0)
		return pid;
	if (pid > 0) {
		kill(pid, SIGKILL);
		reap(pid);
	}
	return berr_prefix(err, "CannotStartContainerError");
}
