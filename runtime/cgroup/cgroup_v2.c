/* cgroup v2 backend: one hierarchy; controllers are handed down level by
 * level through cgroup.subtree_control. */
#include <errno.h>
#include <string.h>
#include <time.h>

#include "cgroup/cgroup_backend.h"

#define FREEZE_POLLS 50
#define FREEZE_POLL_NS (5L * 1000 * 1000)

/* The controllers berth enables for tasks, where the machine has them. */
static const char *const v2_controllers[] = { "cpu", "memory", "pids" };

static bool has_word(const char *list, const char *word)
{
	size_t len = strlen(word);

	for (const char *p = list; (p = strstr(p, word)); p += len)
		if ((p == list || p[-1] == ' ') && (p[len] == '\0' || p[len] == ' ' || p[len] == '\n'))
			return true;
	return false;
}

static int v2_discover(struct task_cgroup *tc, struct berr *err)
{
	struct cg_hier *h = &tc->hier[0];
	_cleanup_free_ char *available = NULL;

	h->mount = str_dup(cg_v2_mount(), err);
	if (!h->mount)
		return -1;
	tc->nhier = 1;
	available = cg_read(h->mount, "cgroup.controllers", err);
	if (!available)
		return -1;
	/* CPU time (cpu.stat) and freezing (cgroup.freeze) are core files. */
	h->ctrls = CG_CPUACCT | CG_FREEZER;
	for (size_t i = 0; i < ARRAY_SIZE(v2_controllers); i++)
		if (has_word(available, v2_controllers[i]))
			h->ctrls |= cg_controller_bit(v2_controllers[i]);
	return 0;
}

/* Lets dir's children use every controller berth wants that dir has. */
static int enable_for_children(const char *dir, unsigned ctrls, struct berr *err)
{
	_cleanup_free_ char *enabled = cg_read(dir, "cgroup.subtree_control", err);

	if (!enabled)
		return -1;
	for (size_t i = 0; i < ARRAY_SIZE(v2_controllers); i++) {
		const char *name = v2_controllers[i];

		if (!(ctrls & cg_controller_bit(name)) || has_word(enabled, name))
			continue;
		if (cg_writef(dir, "cgroup.subtree_control", err, "+%s", name) < 0)
			return -1;
	}
	return 0;
}

static int v2_prepare_parent(struct task_cgroup *tc, struct berr *err)
{
	struct cg_hier *h = &tc->hier[0];
	_cleanup_free_ char *parent = str_printf(err, "%s/%s", h->mount, tc->parent);

	if (!parent || enable_for_children(h->mount, h->ctrls, err) < 0)
		return -1;
	return enable_for_children(parent, h->ctrls, err);
}

/* The memory limit with swap off. Without swap accounting there is no
 * memory.swap.max, and no swap to limit. */
static int v2_memory_max(const char *dir, long mib, struct berr *err)
{
	if (cg_writef(dir, "memory.max", err, "%llu", cg_bytes(mib)) < 0)
		return -1;
	if (!cg_has_file(dir, "memory.swap.max"))
		return 0;
	return cg_write(dir, "memory.swap.max", "0", err);
}

static int v2_task_limits(struct task_cgroup *tc, const struct cgroup_limits *lim,
			  struct berr *err)
{
	struct cg_hier *h = &tc->hier[0];
	const char *dir = h->task_dir;

	if (lim->cpu_units > 0 &&
	    cg_writef(dir, "cpu.max", err, "%ld %ld", cg_cpu_quota_us(lim->cpu_units),
		      CG_CPU_PERIOD_US) < 0)
		return -1;
	if (lim->memory_mib > 0 && v2_memory_max(dir, lim->memory_mib, err) < 0)
		return -1;
	if (lim->pids_max >= 0 &&
	    cg_writef(dir, "pids.max", err, "%ld",
		      lim->pids_max ? lim->pids_max : CGROUP_PIDS_MAX_DEFAULT) < 0)
		return -1;
	/* The task directory holds no process, so it may hand controllers on. */
	return enable_for_children(dir, h->ctrls, err);
}

/* cpu.shares (2-262144) to cpu.weight (1-10000), as runc maps them. */
static long shares_to_weight(long shares)
{
	return 1 + ((shares - 2) * 9999) / 262142;
}

static int v2_container_limits(struct task_cgroup *tc, const char *container,
			       const struct cgroup_child_limits *lim, struct berr *err)
{
	_cleanup_free_ char *dir = cg_dir(&tc->hier[0], container, err);

	if (!dir)
		return -1;
	if (lim->cpu_units > 0 &&
	    cg_writef(dir, "cpu.weight", err, "%ld", shares_to_weight(cg_cpu_shares(lim->cpu_units))) < 0)
		return -1;
	if (lim->memory_mib > 0 && v2_memory_max(dir, lim->memory_mib, err) < 0)
		return -1;
	if (lim->memory_reservation_mib > 0 &&
	    cg_writef(dir, "memory.low", err, "%llu", cg_bytes(lim->memory_reservation_mib)) < 0)
		return -1;
	return 0;
}

/* cgroup.freeze (kernel 5.2+) settles asynchronously; cgroup.events says
 * "frozen 1" once it has. A task that does not settle is killed anyway. */
static int v2_freeze(struct task_cgroup *tc, bool frozen, struct berr *err)
{
	const struct timespec poll = { 0, FREEZE_POLL_NS };
	const char *dir = tc->hier[0].task_dir;

	if (!cg_has_file(dir, "cgroup.freeze"))
		return 1;
	if (cg_write(dir, "cgroup.freeze", frozen ? "1" : "0", err) < 0)
		return -1;
	for (int i = 0; frozen && i < FREEZE_POLLS; i++) {
		uint64_t done = 0;

		if (cg_read_key(dir, "cgroup.events", "frozen", &done, err) < 0)
			return -1;
		if (done)
			break;
		nanosleep(&poll, NULL);
	}
	return 0;
}

/* cgroup.kill (kernel 5.14+) kills the whole subtree, forks in flight too. */
static int v2_kill_all(struct task_cgroup *tc, struct berr *err)
{
	const char *dir = tc->hier[0].task_dir;

	if (!cg_has_file(dir, "cgroup.kill"))
		return 1;
	return cg_write(dir, "cgroup.kill", "1", err);
}

static int v2_stats(struct task_cgroup *tc, const char *container, struct cgroup_stats *st,
		    struct berr *err)
{
	_cleanup_free_ char *dir = cg_dir(&tc->hier[0], container, err);

	if (!dir)
		return -1;
	if (cg_read_key_or0(dir, "cpu.stat", "usage_usec", &st->cpu_usage_usec, err) < 0 ||
	    cg_read_u64_or0(dir, "memory.current", &st->memory_current, err) < 0 ||
	    cg_read_u64_or0(dir, "memory.peak", &st->memory_peak, err) < 0 ||
	    cg_read_u64_or0(dir, "pids.current", &st->pids_current, err) < 0 ||
	    cg_read_key_or0(dir, "memory.events", "oom_kill", &st->oom_kills, err) < 0)
		return -1;
	if (cg_has_file(dir, "memory.max"))
		return cg_read_u64(dir, "memory.max", &st->memory_max, err);
	return 0;
}

const struct cg_ops cg_v2_ops = {
	.discover = v2_discover,
	.prepare_parent = v2_prepare_parent,
	.task_limits = v2_task_limits,
	.container_limits = v2_container_limits,
	.freeze = v2_freeze,
	.kill_all = v2_kill_all,
	.stats = v2_stats,
};
