/* Stopping a task's containers: SIGTERM to a container's PID 1 once no
 * running container depends on it (reverse dependency order; containers
 * independent of each other are signalled together), SIGKILL when its
 * stopTimeout has passed. The cgroup kill at teardown ends the rest. */
#include <signal.h>
#include <stdint.h>

#include "task/task_priv.h"

static void signal_container(struct task_monitor *m, size_t i, int sig)
{
	struct task_proc *p = &m->procs[i];

	log_debug("task %s: container %s: %s", m->rec.id, m->td->containers[i].name,
		  sig == SIGKILL ? "SIGKILL" : "SIGTERM");
	/* ESRCH: it exited and waits to be reaped; nothing to do. */
	kill(p->pid, sig);
	if (sig == SIGKILL) {
		p->kill_sent = true;
	} else {
		p->term_sent = true;
		p->kill_at = task_mono_ms() + (int64_t)m->td->containers[i].stop_timeout_s * 1000;
	}
}

void task_stop_step(struct task_monitor *m)
{
	int64_t now = task_mono_ms();

	for (size_t i = 0; i < m->td->container_count; i++) {
		struct task_proc *p = &m->procs[i];

		if (p->pid <= 0 || p->kill_sent)
			continue;
		if (!p->term_sent && !task_deps_needed(m, i))
			signal_container(m, i, SIGTERM);
		else if (p->term_sent && now >= p->kill_at)
			signal_container(m, i, SIGKILL);
	}
}

int64_t task_stop_deadline(const struct task_monitor *m)
{
	int64_t next = INT64_MAX;

	for (size_t i = 0; i < m->td->container_count; i++) {
		const struct task_proc *p = &m->procs[i];

		if (p->pid > 0 && p->term_sent && !p->kill_sent && p->kill_at < next)
			next = p->kill_at;
	}
	return next;
}

void task_kill_all(struct task_monitor *m)
{
	for (size_t i = 0; i < m->td->container_count; i++)
		if (m->procs[i].pid > 0 && !m->procs[i].kill_sent)
			signal_container(m, i, SIGKILL);
}
