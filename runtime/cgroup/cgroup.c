/* The cgroup module's front: mode, names, task cgroups (create, open,
 * destroy); the backends do what differs between v1 and v2. */
#include <errno.h>
#include <linux/magic.h>
#include <string.h>
#include <sys/statfs.h>

#include "cgroup/cgroup_backend.h"

#define CG_V2_MOUNT "/sys/fs/cgroup"
#define CPU_UNITS_MAX (1024L * 1024)  /* 1024 vCPUs */

static char *forced_v2_mount; /* set by cgroup_force_v2() */

const char *cg_v2_mount(void)
{
	return forced_v2_mount ? forced_v2_mount : CG_V2_MOUNT;
}

enum cgroup_mode cgroup_mode(void)
{
	return forced_v2_mount ? CGROUP_MODE_V2 : board_cgroup_mode();
}

int cgroup_force_v2(const char *mount, struct berr *err)
{
	struct statfs st;
	char *copy;

	if (!mount) {
		free(steal_ptr(forced_v2_mount));
		return 0;
	}
	if (statfs(mount, &st) < 0)
		return berr_sys(err, "cgroup: %s", mount);
	if ((long)st.f_type != CGROUP2_SUPER_MAGIC)
		return berr_set(err, EINVAL, "cgroup: %s is not a cgroup2 file system", mount);
	copy = str_dup(mount, err);
	if (!copy)
		return -1;
	free(forced_v2_mount);
	forced_v2_mount = copy;
	return 0;
}

/* ---- names -------------------------------------------------------------- */

/* A name "<prefix>.<x>" with these prefixes could be a control file. */
static const char *const control_prefixes[] = {
	"cgroup", "cpu", "cpuacct", "cpuset", "memory", "pids", "io", "blkio", "freezer",
	"hugetlb", "rdma", "misc", "devices", "net_cls", "net_prio", "perf_event",
};
/* v1 control files without a dot. */
static const char *const control_files[] = { "tasks", "notify_on_release", "release_agent" };

static bool is_control_name(const char *name)
{
	const char *dot = strchr(name, '.');

	for (size_t i = 0; i < ARRAY_SIZE(control_files); i++)
		if (!strcmp(name, control_files[i]))
			return true;
	if (!dot)
		return false;
	for (size_t i = 0; i < ARRAY_SIZE(control_prefixes); i++)
		if (strlen(control_prefixes[i]) == (size_t)(dot - name) &&
		    !strncmp(name, control_prefixes[i], (size_t)(dot - name)))
			return true;
	return false;
}

bool cgroup_name_valid(const char *name, size_t max_len)
{
	size_t len = name ? strlen(name) : 0;

	if (len == 0 || len > max_len || !strcmp(name, ".") || !strcmp(name, ".."))
		return false;
	if (strspn(name, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-") != len)
		return false;
	return !is_control_name(name);
}

static int check_name(const char *what, const char *name, size_t max_len, struct berr *err)
{
	if (cgroup_name_valid(name, max_len))
		return 0;
	return berr_set(err, EINVAL,
			"cgroup: invalid %s \"%.80s\" (valid: 1-%zu of A-Z a-z 0-9 _ . -, not a control file name)",
			what, name ? name : "", max_len);
}

int cg_check_container(const char *name, struct berr *err)
{
	return check_name("container name", name, CGROUP_CONTAINER_NAME_MAX, err);
}

static const struct {
	const char *name;
	unsigned bit;
} controller_bits[] = {
	{ "cpu", CG_CPU }, { "cpuacct", CG_CPUACCT }, { "memory", CG_MEMORY },
	{ "pids", CG_PIDS }, { "freezer", CG_FREEZER },
};

unsigned cg_controller_bit(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(controller_bits); i++)
		if (!strcmp(name, controller_bits[i].name))
			return controller_bits[i].bit;
	return 0;
}

/* ---- handles ------------------------------------------------------------ */

struct cg_hier *cg_hier_for(struct task_cgroup *tc, unsigned ctrl)
{
	for (size_t i = 0; i < tc->nhier; i++)
		if ((tc->hier[i].ctrls & ctrl) == ctrl)
			return &tc->hier[i];
	return NULL;
}

char *cg_dir(const struct cg_hier *h, const char *container, struct berr *err)
{
	if (!container)
		return str_dup(h->task_dir, err);
	return str_printf(err, "%s/%s", h->task_dir, container);
}

void cgroup_task_free(struct task_cgroup *tc)
{
	if (!tc)
		return;
	for (size_t i = 0; i < tc->nhier; i++) {
		free(tc->hier[i].mount);
		free(tc->hier[i].task_dir);
	}
	free(tc->parent);
	free(tc->id);
	free(tc);
}

static void cleanup_tcp(struct task_cgroup **tc)
{
	cgroup_task_free(*tc);
}
#define _cleanup_tc_ __attribute__((cleanup(cleanup_tcp)))

/* A handle with the hierarchies found; id NULL: only the parent is wanted. */
static struct task_cgroup *handle_new(const char *parent, const char *id, struct berr *err)
{
	_cleanup_tc_ struct task_cgroup *tc = NULL;

	if (check_name("cgroup parent", parent, CGROUP_ID_MAX, err) < 0 ||
	    (id && check_name("task id", id, CGROUP_ID_MAX, err) < 0))
		return NULL;
	tc = calloc(1, sizeof(*tc));
	if (!tc)
		return berr_set(err, ENOMEM, "cgroup: out of memory"), NULL;
	tc->mode = cgroup_mode();
	if (tc->mode == CGROUP_MODE_UNKNOWN)
		return berr_set(err, ENODEV, "cgroup: no cgroup file system at /sys/fs/cgroup"), NULL;
	tc->ops = tc->mode == CGROUP_MODE_V2 ? &cg_v2_ops : &cg_v1_ops;
	tc->parent = str_dup(parent, err);
	tc->id = str_dup(id ? id : "", err);
	if (!tc->parent || !tc->id || tc->ops->discover(tc, err) < 0)
		return NULL;
	for (size_t i = 0; id && i < tc->nhier; i++) {
		tc->hier[i].task_dir = str_printf(err, "%s/%s/%s", tc->hier[i].mount, parent, id);
		if (!tc->hier[i].task_dir)
			return NULL;
	}
	return steal_ptr(tc);
}

enum cgroup_mode cgroup_task_mode(const struct task_cgroup *tc)
{
	return tc->mode;
}

/* ---- limits checks ------------------------------------------------------ */

int cg_check_range(const char *what, long v, long min, long max, struct berr *err)
{
	if (v >= min && v <= max)
		return 0;
	return berr_set(err, EINVAL, "cgroup: %s %ld is out of range (valid: %ld-%ld)", what, v, min, max);
}

int cg_require(struct task_cgroup *tc, bool wanted, unsigned ctrl, const char *ctrl_name,
		   const char *what, struct berr *err)
{
	if (!wanted || cg_hier_for(tc, ctrl))
		return 0;
	return berr_set(err, ENODEV, "cgroup: %s needs the %s controller, which is not enabled here (cgroup %s)",
			what, ctrl_name, cgroup_mode_name(tc->mode));
}

static int check_task_limits(struct task_cgroup *tc, const struct cgroup_limits *lim,
			     struct berr *err)
{
	if (cg_check_range("task cpu units", lim->cpu_units, 0, CPU_UNITS_MAX, err) < 0 ||
	    cg_check_range("task memory MiB", lim->memory_mib, 0, CG_MEMORY_MIB_MAX, err) < 0 ||
	    cg_check_range("task pids", lim->pids_max, -1, 1L << 30, err) < 0)
		return -1;
	if (cg_require(tc, lim->cpu_units > 0, CG_CPU, "cpu", "a CPU limit", err) < 0 ||
	    cg_require(tc, lim->memory_mib > 0, CG_MEMORY, "memory", "a memory limit", err) < 0 ||
	    cg_require(tc, lim->pids_max >= 0, CG_PIDS, "pids", "a pids limit", err) < 0)
		return -1;
	return 0;
}

/* ---- create, open, destroy ---------------------------------------------- */

static int make_parents(struct task_cgroup *tc, struct berr *err)
{
	for (size_t i = 0; i < tc->nhier; i++) {
		_cleanup_free_ char *dir = str_printf(err, "%s/%s", tc->hier[i].mount, tc->parent);

		if (!dir)
			return -1;
		/* The shared parent usually exists: not an error, and no message
		 * may linger in err for a caller to misread. */
		if (cg_mkdir(dir, err) < 0) {
			if (err->code != EEXIST)
				return -1;
			berr_clear(err);
		}
	}
	return tc->ops->prepare_parent(tc, err);
}

/* Counts in *made the directories it created, for a rollback to remove
 * exactly those: never another task's. */
static int make_task_dirs(struct task_cgroup *tc, size_t *made, struct berr *err)
{
	for (*made = 0; *made < tc->nhier; (*made)++) {
		const char *dir = tc->hier[*made].task_dir;

		if (cg_mkdir(dir, err) == 0)
			continue;
		if (err->code == EEXIST)
			berr_set(err, EEXIST, "cgroup: task %s exists already (%s)", tc->id, dir);
		return -1;
	}
	return 0;
}

static void remove_task_dirs(struct task_cgroup *tc, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		struct berr ignored = { 0 };

		if (cg_remove_tree(tc->hier[i].task_dir, &ignored) < 0)
			log_debug("%s", ignored.msg);
	}
}

struct task_cgroup *cgroup_task_create(const char *parent, const char *task_id,
				       const struct cgroup_limits *lim, struct berr *err)
{
	_cleanup_tc_ struct task_cgroup *tc = handle_new(parent, task_id, err);
	size_t made = 0;

	if (!tc || check_task_limits(tc, lim, err) < 0 || make_parents(tc, err) < 0)
		return NULL;
	if (make_task_dirs(tc, &made, err) < 0 || tc->ops->task_limits(tc, lim, err) < 0) {
		remove_task_dirs(tc, made);
		return NULL;
	}
	return steal_ptr(tc);
}

struct task_cgroup *cgroup_task_open(const char *parent, const char *task_id, struct berr *err)
{
	_cleanup_tc_ struct task_cgroup *tc = handle_new(parent, task_id, err);

	if (!tc)
		return NULL;
	for (size_t i = 0; i < tc->nhier; i++)
		if (fs_exists(tc->hier[i].task_dir))
			return steal_ptr(tc);
	berr_set(err, ENOENT, "cgroup: no cgroup for task %s under %s", task_id, parent);
	return NULL;
}

int cgroup_task_destroy(struct task_cgroup *tc, struct berr *err)
{
	int rc = 0;

	for (size_t i = 0; i < tc->nhier; i++) {
		struct berr one = { 0 };

		/* Each hierarchy is tried, whatever the others did. */
		if (cg_remove_tree(tc->hier[i].task_dir, &one) < 0 && rc == 0) {
			*err = one;
			rc = -1;
		}
	}
	return rc;
}

int cgroup_parent_remove(const char *parent, struct berr *err)
{
	_cleanup_tc_ struct task_cgroup *tc = handle_new(parent, NULL, err);

	if (!tc)
		return -1;
	for (size_t i = 0; i < tc->nhier; i++) {
		_cleanup_free_ char *dir = str_printf(err, "%s/%s", tc->hier[i].mount, parent);

		if (!dir)
			return -1;
		if (rmdir(dir) < 0 && errno != ENOENT && errno != EBUSY && errno != ENOTEMPTY)
			return berr_sys(err, "cgroup: rmdir %s", dir);
	}
	return 0;
}
