/* Everything a task made, gone: its processes and cgroup, its root
 * filesystems, namespaces, task-scoped volumes and run directory. Works
 * from the id alone (a monitor that died left no handles), is idempotent,
 * and goes through every step even when one fails, reporting the first
 * failure: the record then stays not STOPPED, so a retry finishes. */
#include <errno.h>

#include "image/image.h"
#include "task/task_priv.h"

static void keep_first(int *rc, struct berr *first, const struct berr *e)
{
	if (*rc == 0)
		*first = *e;
	*rc = -1;
}

static void teardown_cgroup(const char *id, struct task_cgroup *cg, int *rc, struct berr *err)
{
	struct task_cgroup *own = NULL;
	struct berr e = { 0 };

	if (!cg) {
		own = cgroup_task_open(TASK_CGROUP_PARENT, id, &e);
		if (!own) {
			if (e.code != ENOENT)
				keep_first(rc, err, &e);
			return;
		}
		cg = own;
	}
	/* Kill first: a cgroup with processes cannot be removed. */
	if (cgroup_task_kill(cg, &e) < 0 || cgroup_task_destroy(cg, &e) < 0)
		keep_first(rc, err, &e);
	cgroup_task_free(own);
}

static void teardown_dirs(const struct paths *paths, const char *id, int *rc, struct berr *err)
{
	_cleanup_free_ char *volumes = NULL, *run = NULL;
	struct berr e = { 0 };

	volumes = str_printf(&e, "%s/tasks/%s/volumes", paths->state, id);
	run = task_run_dir(paths, id, &e);
	if (!volumes || !run) {
		keep_first(rc, err, &e);
		return;
	}
	if (task_remove_tree(volumes, &e) < 0)
		keep_first(rc, err, &e);
	/* After the namespaces: a mount left there stops this removal. */
	if (task_remove_tree(run, &e) < 0)
		keep_first(rc, err, &e);
}

int task_teardown(const struct paths *paths, const char *id, size_t container_count,
		  struct task_cgroup *cg, struct berr *err)
{
	struct berr e = { 0 };
	int rc = 0;

	teardown_cgroup(id, cg, &rc, err);
	for (size_t i = 0; i < container_count; i++) {
		char rootfs_id[TASK_ID_LEN + 24];

		task_rootfs_id(id, i, rootfs_id);
		if (image_rootfs_release(paths, rootfs_id, &e) < 0)
			keep_first(&rc, err, &e);
	}
	if (task_ns_remove(paths, id, &e) < 0)
		keep_first(&rc, err, &e);
	teardown_dirs(paths, id, &rc, err);
	return rc < 0 ? berr_prefix(err, "task %s: clean up", id) : 0;
}
