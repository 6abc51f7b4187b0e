/* A task's containers: creating, entering, stats, paths. */
#include <errno.h>
#include <fcntl.h>

#include "cgroup/cgroup_backend.h"

#define SHARES_MAX 262144L /* the kernel's cpu.shares maximum */

static int check_child_limits(struct task_cgroup *tc, const struct cgroup_child_limits *lim,
			      struct berr *err)
{
	bool memory = lim->memory_mib > 0 || lim->memory_reservation_mib > 0;

	if (cg_check_range("container cpu units", lim->cpu_units, 0, SHARES_MAX, err) < 0 ||
	    cg_check_range("container memory MiB", lim->memory_mib, 0, CG_MEMORY_MIB_MAX, err) < 0 ||
	    cg_check_range("container memoryReservation MiB", lim->memory_reservation_mib, 0,
			CG_MEMORY_MIB_MAX, err) < 0)
		return -1;
	if (cg_require(tc, lim->cpu_units > 0, CG_CPU, "cpu", "a container CPU share", err) < 0 ||
	    cg_require(tc, memory, CG_MEMORY, "memory", "a container memory limit", err) < 0)
		return -1;
	return 0;
}

int cgroup_container_create(struct task_cgroup *tc, const char *container,
			    const struct cgroup_child_limits *lim, struct berr *err)
{
	size_t made = 0;

	if (cg_check_container(container, err) < 0 || check_child_limits(tc, lim, err) < 0)
		return -1;
	for (; made < tc->nhier; made++) {
		_cleanup_free_ char *dir = cg_dir(&tc->hier[made], container, err);

		if (!dir || cg_mkdir(dir, err) < 0)
			break;
	}
	if (made == tc->nhier && tc->ops->container_limits(tc, container, lim, err) == 0)
		return 0;
	while (made-- > 0) {
		_cleanup_free_ char *dir = cg_dir(&tc->hier[made], container, NULL);
		struct berr ignored = { 0 };

		if (dir && cg_remove_tree(dir, &ignored) < 0)
			log_debug("%s", ignored.msg);
	}
	return -1;
}

int cgroup_container_enter(struct task_cgroup *tc, const char *container, pid_t pid,
			   struct berr *err)
{
	if (cg_check_container(container, err) < 0)
		return -1;
	for (size_t i = 0; i < tc->nhier; i++) {
		_cleanup_free_ char *dir = cg_dir(&tc->hier[i], container, err);

		if (!dir || cg_writef(dir, "cgroup.procs", err, "%d", (int)pid) < 0)
			return -1;
	}
	return 0;
}

int cgroup_container_fd(struct task_cgroup *tc, const char *container, struct berr *err)
{
	_cleanup_free_ char *dir = NULL;
	int fd;

	if (cg_check_container(container, err) < 0)
		return -1;
	if (tc->mode != CGROUP_MODE_V2)
		return berr_set(err, EOPNOTSUPP, "cgroup: starting a process inside a cgroup needs cgroup v2 (this is %s)",
				cgroup_mode_name(tc->mode));
	dir = cg_dir(&tc->hier[0], container, err);
	if (!dir)
		return -1;
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return berr_sys(err, "cgroup: open %s", dir);
	return fd;
}

/* ---- stats -------------------------------------------------------------- */

int cgroup_stats(struct task_cgroup *tc, const char *container, struct cgroup_stats *st,
		 struct berr *err)
{
	_cleanup_free_ char *dir = NULL;

	/* Filled before anything can fail, so st is never left undefined. */
	*st = (struct cgroup_stats){ .memory_max = CGROUP_UNLIMITED };
	if (container && cg_check_container(container, err) < 0)
		return -1;
	dir = cg_dir(&tc->hier[0], container, err);
	if (!dir)
		return -1;
	if (!fs_exists(dir))
		return berr_set(err, ENOENT, "cgroup: %s does not exist", dir);
	return tc->ops->stats(tc, container, st, err);
}

bool cgroup_container_oom_killed(struct task_cgroup *tc, const char *container)
{
	struct cgroup_stats st;
	struct berr err = { 0 };

	if (cgroup_stats(tc, container, &st, &err) < 0) {
		log_debug("%s", err.msg);
		return false;
	}
	return st.oom_kills > 0;
}

char *cgroup_dir(struct task_cgroup *tc, const char *container, const char *controller,
		 struct berr *err)
{
	unsigned bit = controller ? cg_controller_bit(controller) : 0;
	struct cg_hier *h;

	if (container && cg_check_container(container, err) < 0)
		return NULL;
	if (controller && !bit)
		return berr_set(err, EINVAL, "cgroup: unknown controller \"%s\"", controller), NULL;
	h = cg_hier_for(tc, bit);
	if (!h)
		return berr_set(err, ENODEV, "cgroup: no hierarchy carries the %s controller", controller), NULL;
	return cg_dir(h, container, err);
}
