/* Killing every process of a task, so nothing it started survives a stop. */
#include <errno.h>
#include <signal.h>
#include <time.h>

#include "cgroup/cgroup_backend.h"

#define POLL_MS 5
/* After cgroup.kill, processes normally vanish within milliseconds. */
#define KILL_ALL_WAIT_MS 500
/* Each round catches processes forked while the last one ran. */
#define KILL_ROUNDS 10
#define ROUND_WAIT_MS 250

struct scan {
	int sig;    /* sent to every process found; 0 only looks */
	pid_t seen; /* a process found, or 0 */
};

static int scan_dir(const char *dir, void *arg, struct berr *err)
{
	struct scan *s = arg;
	_cleanup_free_ char *procs = cg_read(dir, "cgroup.procs", err);

	if (!procs)
		return err->code == ENOENT ? 0 : -1; /* the directory went meanwhile */
	for (char *p = procs, *end; *p; p = end) {
		long pid = strtol(p, &end, 10);

		if (end == p)
			break;
		if (pid <= 0)
			continue;
		s->seen = (pid_t)pid;
		if (s->sig && kill((pid_t)pid, s->sig) < 0 && errno != ESRCH)
			return berr_sys(err, "cgroup: kill %ld (in %s)", pid, dir);
	}
	return 0;
}

/* Visits every cgroup of the task in every hierarchy: a process moved
 * half-way into a v1 task may sit in only some of them. */
static int scan_task(struct task_cgroup *tc, int sig, pid_t *seen, struct berr *err)
{
	struct scan s = { .sig = sig };

	for (size_t i = 0; i < tc->nhier; i++)
		if (cg_walk(tc->hier[i].task_dir, scan_dir, &s, err) < 0)
			return -1;
	*seen = s.seen;
	return 0;
}

/* 0 when no process is left within wait_ms; 1 when one is (in *left). */
static int wait_empty(struct task_cgroup *tc, int wait_ms, pid_t *left, struct berr *err)
{
	const struct timespec poll = { 0, POLL_MS * 1000L * 1000 };

	for (int waited = 0;; waited += POLL_MS) {
		if (scan_task(tc, 0, left, err) < 0)
			return -1;
		if (*left == 0)
			return 0;
		if (waited >= wait_ms)
			return 1;
		nanosleep(&poll, NULL);
	}
}

/* Frozen processes cannot fork while their siblings are being killed; a
 * machine without a freezer gets the kill without it, and more rounds. */
static int kill_round(struct task_cgroup *tc, struct berr *err)
{
	struct berr freeze_err = { 0 };
	int frozen = tc->ops->freeze(tc, true, &freeze_err);
	pid_t seen;

	if (frozen < 0)
		log_debug("%s (killing without freezing)", freeze_err.msg);
	if (scan_task(tc, SIGKILL, &seen, err) < 0)
		return -1;
	/* Killed processes die only once thawed (v1). */
	if (frozen == 0 && tc->ops->freeze(tc, false, err) < 0)
		return -1;
	return 0;
}

int cgroup_task_kill(struct task_cgroup *tc, struct berr *err)
{
	struct berr kill_all_err = { 0 };
	pid_t left = 0;
	int rc = tc->ops->kill_all(tc, &kill_all_err);

	if (rc < 0)
		log_debug("%s (killing one by one)", kill_all_err.msg);
	rc = wait_empty(tc, rc == 0 ? KILL_ALL_WAIT_MS : 0, &left, err);
	for (int round = 0; rc > 0 && round < KILL_ROUNDS; round++) {
		log_debug("cgroup: task %s: kill round %d", tc->id, round + 1);
		if (kill_round(tc, err) < 0)
			return -1;
		rc = wait_empty(tc, ROUND_WAIT_MS, &left, err);
	}
	if (rc > 0)
		return berr_set(err, EBUSY, "cgroup: task %s: process %d is still alive after SIGKILL",
				tc->id, (int)left);
	return rc;
}
