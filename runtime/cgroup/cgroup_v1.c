/* cgroup v1 (and hybrid) backend: one hierarchy per mounted controller
 * group, found in /proc/self/mountinfo. */
#include <errno.h>
#include <string.h>
#include <time.h>

#include "cgroup/cgroup_backend.h"

/* memory.limit_in_bytes reads as about 2^63 when unlimited. */
#define V1_UNLIMITED_FROM (1ULL << 62)
#define FREEZE_POLLS 50
#define FREEZE_POLL_NS (5L * 1000 * 1000)

static unsigned controllers_in(char *super_opts)
{
	unsigned bits = 0;
	char *save = NULL;

	for (char *o = strtok_r(super_opts, ",", &save); o; o = strtok_r(NULL, ",", &save))
		bits |= cg_controller_bit(o);
	return bits;
}

/* mountinfo escapes space, tab, newline and backslash as \ooo. */
static void unescape_octal(char *s)
{
	char *out = s;

	for (; *s; s++) {
		if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' && s[2] >= '0' && s[2] <= '7' &&
		    s[3] >= '0' && s[3] <= '7') {
			*out++ = (char)((s[1] - '0') * 64 + (s[2] - '0') * 8 + (s[3] - '0'));
			s += 3;
		} else {
			*out++ = *s;
		}
	}
	*out = '\0';
}

/* "36 30 0:33 / /sys/fs/cgroup/freezer rw,relatime - cgroup cgroup rw,freezer":
 * the mount point is the fifth field; after " - " come type, source, options. */
static unsigned parse_mount(char *line, char **mount)
{
	char *sep = strstr(line, " - ");
	char *save = NULL, *field = NULL, *type, *opts;

	if (!sep)
		return 0;
	*sep = '\0';
	type = strtok_r(sep + 3, " ", &save);
	strtok_r(NULL, " ", &save); /* source */
	opts = strtok_r(NULL, " \n", &save);
	if (!type || !opts || strcmp(type, "cgroup") != 0)
		return 0;
	save = NULL;
	field = strtok_r(line, " ", &save);
	for (int i = 0; field && i < 4; i++)
		field = strtok_r(NULL, " ", &save);
	if (!field)
		return 0;
	unescape_octal(field);
	*mount = field;
	return controllers_in(opts);
}

static int v1_discover(struct task_cgroup *tc, struct berr *err)
{
	_cleanup_fclose_ FILE *f = fopen("/proc/self/mountinfo", "re");
	_cleanup_free_ char *line = NULL;
	size_t cap = 0;
	unsigned found = 0;

	if (!f)
		return berr_sys(err, "cgroup: open /proc/self/mountinfo");
	while (getline(&line, &cap, f) > 0 && tc->nhier < CG_HIER_MAX) {
		char *mount = NULL;
		unsigned bits = parse_mount(line, &mount);

		/* The same hierarchy mounted twice: the first mount serves. */
		if (!bits || (bits & found))
			continue;
		tc->hier[tc->nhier].mount = str_dup(mount, err);
		if (!tc->hier[tc->nhier].mount)
			return -1;
		tc->hier[tc->nhier++].ctrls = bits;
		found |= bits;
	}
	if (tc->nhier == 0)
		return berr_set(err, ENODEV,
				"cgroup: no v1 hierarchy with cpu, memory, pids or freezer is mounted");
	return 0;
}

/* A task's memory limit covers its containers only with use_hierarchy,
 * which old kernels leave off (children inherit the parent's setting);
 * newer ones have it always on, or no file for it. */
static int v1_prepare_parent(struct task_cgroup *tc, struct berr *err)
{
	struct cg_hier *h = cg_hier_for(tc, CG_MEMORY);
	_cleanup_free_ char *dir = NULL;
	uint64_t on = 0;

	if (!h)
		return 0;
	dir = str_printf(err, "%s/%s", h->mount, tc->parent);
	if (!dir)
		return -1;
	if (!cg_has_file(dir, "memory.use_hierarchy"))
		return 0;
	if (cg_read_u64(dir, "memory.use_hierarchy", &on, err) < 0)
		return -1;
	return on == 1 ? 0 : cg_write(dir, "memory.use_hierarchy", "1", err);
}

/* The memory limit with swap off: memsw (memory + swap) equal to the limit,
 * set after it as the kernel wants memsw >= limit. Without swap accounting,
 * swappiness 0 keeps the cgroup's memory out of swap. */
static int v1_memory_max(const char *dir, long mib, struct berr *err)
{
	if (cg_writef(dir, "memory.limit_in_bytes", err, "%llu", cg_bytes(mib)) < 0)
		return -1;
	if (cg_has_file(dir, "memory.memsw.limit_in_bytes"))
		return cg_writef(dir, "memory.memsw.limit_in_bytes", err, "%llu", cg_bytes(mib));
	return cg_write(dir, "memory.swappiness", "0", err);
}

static int v1_task_limits(struct task_cgroup *tc, const struct cgroup_limits *lim,
			  struct berr *err)
{
	if (lim->cpu_units > 0) {
		const char *dir = cg_hier_for(tc, CG_CPU)->task_dir;

		if (cg_writef(dir, "cpu.cfs_period_us", err, "%ld", CG_CPU_PERIOD_US) < 0 ||
		    cg_writef(dir, "cpu.cfs_quota_us", err, "%ld", cg_cpu_quota_us(lim->cpu_units)) < 0)
			return -1;
	}
	if (lim->memory_mib > 0 &&
	    v1_memory_max(cg_hier_for(tc, CG_MEMORY)->task_dir, lim->memory_mib, err) < 0)
		return -1;
	if (lim->pids_max >= 0 &&
	    cg_writef(cg_hier_for(tc, CG_PIDS)->task_dir, "pids.max", err, "%ld",
		      lim->pids_max ? lim->pids_max : CGROUP_PIDS_MAX_DEFAULT) < 0)
		return -1;
	return 0;
}

static int v1_container_limits(struct task_cgroup *tc, const char *container,
			       const struct cgroup_child_limits *lim, struct berr *err)
{
	_cleanup_free_ char *cpu = NULL, *mem = NULL;

	if (lim->cpu_units > 0) {
		cpu = cg_dir(cg_hier_for(tc, CG_CPU), container, err);
		if (!cpu || cg_writef(cpu, "cpu.shares", err, "%ld", cg_cpu_shares(lim->cpu_units)) < 0)
			return -1;
	}
	if (lim->memory_mib == 0 && lim->memory_reservation_mib == 0)
		return 0;
	mem = cg_dir(cg_hier_for(tc, CG_MEMORY), container, err);
	if (!mem)
		return -1;
	if (lim->memory_mib > 0 && v1_memory_max(mem, lim->memory_mib, err) < 0)
		return -1;
	if (lim->memory_reservation_mib > 0 &&
	    cg_writef(mem, "memory.soft_limit_in_bytes", err, "%llu",
		      cg_bytes(lim->memory_reservation_mib)) < 0)
		return -1;
	return 0;
}

/* Freezing is asynchronous: FREEZING until every task has stopped. A task
 * stuck in the kernel may keep it there; the kill goes ahead regardless. */
static int v1_freeze(struct task_cgroup *tc, bool frozen, struct berr *err)
{
	const struct timespec poll = { 0, FREEZE_POLL_NS };
	struct cg_hier *h = cg_hier_for(tc, CG_FREEZER);

	if (!h)
		return 1;
	if (cg_write(h->task_dir, "freezer.state", frozen ? "FROZEN" : "THAWED", err) < 0)
		return -1;
	for (int i = 0; frozen && i < FREEZE_POLLS; i++) {
		_cleanup_free_ char *state = cg_read(h->task_dir, "freezer.state", err);

		if (!state)
			return -1;
		if (str_starts_with(state, "FROZEN"))
			break;
		nanosleep(&poll, NULL);
	}
	return 0;
}

static int v1_kill_all(struct task_cgroup *tc, struct berr *err)
{
	(void)tc;
	(void)err;
	return 1; /* v1 has no cgroup.kill */
}

static int sum_oom_kills(const char *dir, void *arg, struct berr *err)
{
	uint64_t *sum = arg, n;

	if (cg_read_key_or0(dir, "memory.oom_control", "oom_kill", &n, err) < 0)
		return -1;
	*sum += n;
	return 0;
}

static int v1_memory_stats(const char *dir, struct cgroup_stats *st, struct berr *err)
{
	if (cg_read_u64_or0(dir, "memory.usage_in_bytes", &st->memory_current, err) < 0 ||
	    cg_read_u64_or0(dir, "memory.max_usage_in_bytes", &st->memory_peak, err) < 0 ||
	    cg_read_u64(dir, "memory.limit_in_bytes", &st->memory_max, err) < 0)
		return -1;
	if (st->memory_max >= V1_UNLIMITED_FROM)
		st->memory_max = CGROUP_UNLIMITED;
	/* v1 counts OOM kills only where the victim was, not in its parents. */
	return cg_walk(dir, sum_oom_kills, &st->oom_kills, err);
}

static int v1_stats(struct task_cgroup *tc, const char *container, struct cgroup_stats *st,
		    struct berr *err)
{
	struct cg_hier *h;

	if ((h = cg_hier_for(tc, CG_CPUACCT))) {
		_cleanup_free_ char *dir = cg_dir(h, container, err);
		uint64_t ns;

		if (!dir || cg_read_u64(dir, "cpuacct.usage", &ns, err) < 0)
			return -1;
		st->cpu_usage_usec = ns / 1000;
	}
	if ((h = cg_hier_for(tc, CG_MEMORY))) {
		_cleanup_free_ char *dir = cg_dir(h, container, err);

		if (!dir || v1_memory_stats(dir, st, err) < 0)
			return -1;
	}
	if ((h = cg_hier_for(tc, CG_PIDS))) {
		_cleanup_free_ char *dir = cg_dir(h, container, err);

		if (!dir || cg_read_u64(dir, "pids.current", &st->pids_current, err) < 0)
			return -1;
	}
	return 0;
}

const struct cg_ops cg_v1_ops = {
	.discover = v1_discover,
	.prepare_parent = v1_prepare_parent,
	.task_limits = v1_task_limits,
	.container_limits = v1_container_limits,
	.freeze = v1_freeze,
	.kill_all = v1_kill_all,
	.stats = v1_stats,
};
