/* Starting containers as their dependsOn conditions are met, and what a
 * container's exit means for its task. */
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/wait.h>

#include "task/task_priv.h"

#define OOM_CONTAINER_REASON "OutOfMemoryError: Container killed due to memory usage"

static pid_t spawn_one(struct task_monitor *m, size_t i, int *exit_code, struct berr *err)
{
	const struct container_def *def = &m->td->containers[i];
	struct task_proc *p = &m->procs[i];
	struct spawn_task_ns ns = m->ns.fds;
	char exe[40];
	int out_w, err_w;
	pid_t pid;

	/* A container's own hostname (bridge, host) needs its own uts namespace. */
	if (def->hostname)
		ns.uts_fd = -1;
	*exit_code = SPAWN_EXIT_SETUP;
	if (task_output_open(m, i, &out_w, &err_w, err) < 0)
		return -1;
	snprintf(exe, sizeof(exe), "/proc/self/fd/%d", m->exe_fd);
	pid = spawn_container(&(struct spawn_spec){
		.task_id = m->rec.id,
		.td = m->td,
		.def = def,
		.rootfs = p->rootfs,
		.argv = p->launch.argv,
		.envp = p->launch.envp,
		.user = p->launch.user,
		.workdir = p->launch.workdir,
		.hostname = def->hostname ? def->hostname : m->rec.id,
		.volume_sources = m->volumes,
		.ns = ns,
		.cgroup = m->cg,
		.stdin_fd = -1,
		.stdout_fd = out_w,
		.stderr_fd = err_w,
		.berth_exe = exe,
	}, exit_code, err);
	/* The container holds the write ends now: its exit is their end of file. */
	close(out_w);
	close(err_w);
	task_launch_free(&p->launch);
	return pid;
}

static void fail_start(struct task_monitor *m, size_t i, const struct berr *err, int exit_code)
{
	struct task_container *c = &m->rec.containers[i];

	c->status = TASK_STOPPED;
	snprintf(c->reason, sizeof(c->reason), "%s", err->msg);
	/* The first failure is the task's; later ones are its consequences. */
	if (m->rec.desired_status == TASK_RUNNING) {
		m->fail = *err;
		m->fail_exit = exit_code;
	}
	task_monitor_request_stop(m, TASK_STOP_FAILED_TO_START, err->msg);
}

/* "CannotStartContainerError: container b: exec ...": which container,
 * when the task has several; the ECS error name stays first. */
static void name_container(struct berr *err, const char *name)
{
	char *colon = strstr(err->msg, ": ");
	char rest[sizeof(err->msg)];
	size_t at;

	if (!colon)
		return;
	at = (size_t)(colon - err->msg) + 2;
	snprintf(rest, sizeof(rest), "%s", err->msg + at);
	snprintf(err->msg + at, sizeof(err->msg) - at, "container %s: %s", name, rest);
}

static void start_one(struct task_monitor *m, size_t i)
{
	struct task_container *c = &m->rec.containers[i];
	struct berr err = { 0 };
	int exit_code;
	pid_t pid = spawn_one(m, i, &exit_code, &err);

	if (pid < 0) {
		if (m->td->container_count > 1)
			name_container(&err, c->name);
		fail_start(m, i, &err, exit_code);
		return;
	}
	m->procs[i].pid = pid;
	c->status = TASK_RUNNING;
	c->started_at = task_now();
	log_debug("task %s: container %s started (pid %d)", m->rec.id, c->name, (int)pid);
}

static bool start_timed_out(const struct task_monitor *m, size_t i)
{
	int timeout = m->td->containers[i].start_timeout_s;

	return timeout > 0 && task_mono_ms() >= m->activated_ms + (int64_t)timeout * 1000;
}

/* Container i waits, starts, or can never start; false while it waits. */
static bool settle(struct task_monitor *m, size_t i)
{
	const char *name = m->td->containers[i].name;
	char why[256] = "";
	struct berr err = { 0 };

	switch (task_deps_check(m->td, &m->rec, i, why, sizeof(why))) {
	case DEP_READY:
		start_one(m, i);
		return true;
	case DEP_WAIT:
		if (!start_timed_out(m, i))
			return false;
		berr_set(&err, ETIMEDOUT, "CannotStartContainerError: container %s: waited startTimeout "
			 "%ds for %s", name, m->td->containers[i].start_timeout_s, why);
		break;
	case DEP_NEVER:
		berr_set(&err, ECANCELED, "CannotStartContainerError: container %s cannot start: %s",
			 name, why);
		break;
	}
	fail_start(m, i, &err, SPAWN_EXIT_SETUP);
	return true;
}

void task_start_ready(struct task_monitor *m)
{
	const struct task_def *td = m->td;
	bool waiting = false, changed = false;

	for (size_t k = 0; k < td->container_count && m->rec.desired_status == TASK_RUNNING; k++) {
		size_t i = td->start_order[k];

		if (m->rec.containers[i].status != TASK_PENDING)
			continue;
		if (settle(m, i))
			changed = true;
		else
			waiting = true;
	}
	if (!waiting && m->rec.desired_status == TASK_RUNNING && m->rec.last_status < TASK_RUNNING) {
		m->rec.last_status = TASK_RUNNING;
		m->rec.started_at = task_now();
		changed = true;
	}
	if (changed)
		record_save(m->paths, &m->rec);
	if (m->rec.last_status == TASK_RUNNING)
		task_report(m);
}

int64_t task_start_deadline(const struct task_monitor *m)
{
	int64_t next = INT64_MAX;

	for (size_t i = 0; i < m->td->container_count && m->rec.desired_status == TASK_RUNNING; i++) {
		int timeout = m->td->containers[i].start_timeout_s;

		if (m->rec.containers[i].status == TASK_PENDING && timeout > 0 &&
		    m->activated_ms + (int64_t)timeout * 1000 < next)
			next = m->activated_ms + (int64_t)timeout * 1000;
	}
	return next;
}

/* ---- exits -------------------------------------------------------------- */

static int exit_code_of(int status)
{
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

void task_container_exited(struct task_monitor *m, size_t i, int status)
{
	struct task_container *c = &m->rec.containers[i];
	int code = exit_code_of(status);
	/* 137 = SIGKILL, also when an init or shell reports its child's. */
	bool oom = code == 128 + SIGKILL && cgroup_container_oom_killed(m->cg, c->name);
	char reason[TASK_REASON_MAX];

	m->procs[i].pid = 0;
	c->status = TASK_STOPPED;
	c->has_exit_code = true;
	c->exit_code = code;
	c->stopped_at = task_now();
	if (oom)
		snprintf(c->reason, sizeof(c->reason), "%s", OOM_CONTAINER_REASON);
	log_debug("task %s: container %s exited with %d%s", m->rec.id, c->name, code,
		  oom ? " (OOM killed)" : "");
	if (c->essential && m->exit_code < 0)
		m->exit_code = code;
	if (c->essential) {
		if (oom)
			snprintf(reason, sizeof(reason), "OutOfMemoryError: container %s was killed for "
				 "using more memory than its limit", c->name);
		else
			snprintf(reason, sizeof(reason), "Essential container in task exited");
		task_monitor_request_stop(m, TASK_STOP_ESSENTIAL_EXITED, reason);
	}
	record_save(m->paths, &m->rec);
}
