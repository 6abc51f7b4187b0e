/* Private to runtime/cgroup/: the handle, the backend table, and the file
 * helpers both backends share. */
#ifndef BERTH_CGROUP_BACKEND_H
#define BERTH_CGROUP_BACKEND_H

#include "cgroup/cgroup.h"

/* Controllers berth uses, as bits. On v2, CG_CPUACCT (cpu.stat) and
 * CG_FREEZER (cgroup.freeze) are core files, always present. */
enum {
	CG_CPU = 1 << 0,
	CG_CPUACCT = 1 << 1,
	CG_MEMORY = 1 << 2,
	CG_PIDS = 1 << 3,
	CG_FREEZER = 1 << 4,
};
#define CG_HIER_MAX 5 /* one hierarchy per controller at most */
/* The bit of a controller named as the kernel does ("memory"), or 0. */
unsigned cg_controller_bit(const char *name);

struct cg_hier {
	char *mount;    /* where the hierarchy is mounted */
	char *task_dir; /* <mount>/<parent>/<task id> */
	unsigned ctrls; /* CG_* bits it carries */
};

struct cg_ops;

struct task_cgroup {
	const struct cg_ops *ops;
	enum cgroup_mode mode;
	char *parent;
	char *id;
	struct cg_hier hier[CG_HIER_MAX];
	size_t nhier;
};

/* What differs between v1 and v2. Each returns 0 or -1 with err filled. */
struct cg_ops {
	/* Fills tc->hier[].mount and .ctrls from what is mounted. */
	int (*discover)(struct task_cgroup *tc, struct berr *err);
	/* Readies the existing parent directories for tasks (v2: controllers
	 * in subtree_control; v1: memory.use_hierarchy). Idempotent. */
	int (*prepare_parent)(struct task_cgroup *tc, struct berr *err);
	int (*task_limits)(struct task_cgroup *tc, const struct cgroup_limits *lim,
			   struct berr *err);
	int (*container_limits)(struct task_cgroup *tc, const char *container,
				const struct cgroup_child_limits *lim, struct berr *err);
	/* Freezes (or thaws) the task subtree; returns 1 when this machine
	 * cannot freeze, so the caller kills without. */
	int (*freeze)(struct task_cgroup *tc, bool frozen, struct berr *err);
	/* Kills the task subtree in one step; returns 1 when unsupported. */
	int (*kill_all)(struct task_cgroup *tc, struct berr *err);
	/* Fills st for the task (container NULL) or an existing container. */
	int (*stats)(struct task_cgroup *tc, const char *container, struct cgroup_stats *st,
		     struct berr *err);
};

extern const struct cg_ops cg_v1_ops;
extern const struct cg_ops cg_v2_ops;

/* Where the v2 backend looks: /sys/fs/cgroup unless cgroup_force_v2(). */
const char *cg_v2_mount(void);

/* Limit arithmetic both backends share. */
#define CG_CPU_PERIOD_US 100000L
#define CG_CPU_QUOTA_MIN_US 1000L /* the kernel refuses less */
static inline long cg_cpu_quota_us(long units)
{
	long quota = units * CG_CPU_PERIOD_US / 1024;

	return quota < CG_CPU_QUOTA_MIN_US ? CG_CPU_QUOTA_MIN_US : quota;
}
/* cpu.shares: the container's cpu units, at least the kernel's minimum of 2. */
static inline long cg_cpu_shares(long units)
{
	return units < 2 ? 2 : units;
}
static inline unsigned long long cg_bytes(long mib)
{
	return (unsigned long long)mib << 20;
}

/* EINVAL naming the container unless it is a valid container name. */
int cg_check_container(const char *name, struct berr *err);
/* EINVAL naming what unless min <= v <= max. */
int cg_check_range(const char *what, long v, long min, long max, struct berr *err);
/* ENODEV naming what when it is wanted and no hierarchy carries ctrl. */
int cg_require(struct task_cgroup *tc, bool wanted, unsigned ctrl, const char *ctrl_name,
	       const char *what, struct berr *err);
#define CG_MEMORY_MIB_MAX (1L << 30) /* 1 PiB */

/* The hierarchy carrying ctrl, or NULL. */
struct cg_hier *cg_hier_for(struct task_cgroup *tc, unsigned ctrl);
/* <hier task dir>[/<container>] as a heap string. */
char *cg_dir(const struct cg_hier *h, const char *container, struct berr *err);

/* ---- file helpers (cgroup_fs.c) ----------------------------------------- */

/* Writes value to <dir>/<file> in one write(2), as cgroup files want. */
int cg_write(const char *dir, const char *file, const char *value, struct berr *err);
int cg_writef(const char *dir, const char *file, struct berr *err, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
bool cg_has_file(const char *dir, const char *file);
/* <dir>/<file> as a heap string; ENOENT in err->code when missing. */
char *cg_read(const char *dir, const char *file, struct berr *err);
/* A file holding one number, or "max" (CGROUP_UNLIMITED). */
int cg_read_u64(const char *dir, const char *file, uint64_t *out, struct berr *err);
/* The number after "<key> " in a file of "key value" lines (cpu.stat,
 * memory.events, memory.oom_control); ENOENT when the key is absent. */
int cg_read_key(const char *dir, const char *file, const char *key, uint64_t *out,
		struct berr *err);
/* The same, reading a missing file or key as 0 (a controller this cgroup
 * does not have); other errors fail. */
int cg_read_u64_or0(const char *dir, const char *file, uint64_t *out, struct berr *err);
int cg_read_key_or0(const char *dir, const char *file, const char *key, uint64_t *out,
		    struct berr *err);

int cg_mkdir(const char *path, struct berr *err);
/* Removes the directory tree at path bottom-up (cgroup directories hold
 * only control files, which go with their directory); ENOENT is success. */
int cg_remove_tree(const char *path, struct berr *err);
/* Calls fn on dir and every directory below it, children first. */
typedef int (*cg_walk_fn)(const char *dir, void *arg, struct berr *err);
int cg_walk(const char *dir, cg_walk_fn fn, void *arg, struct berr *err);

#endif
