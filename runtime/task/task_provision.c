/* Everything before the first container starts: the monitor's socket, the
 * images and what each container runs, the cgroups, the shared namespaces,
 * the volumes and the root filesystems. A failure leaves err in ECS words
 * (CannotPullContainerError, ResourceInitializationError,
 * CannotCreateContainerError); task_teardown removes whatever was made. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>

#include "image/image.h"
#include "task/task_priv.h"

static int pull_images(struct task_monitor *m, struct berr *err)
{
	struct task_record *rec = &m->rec;

	rec->pull_started_at = task_now();
	for (size_t i = 0; i < m->td->container_count; i++) {
		const struct container_def *def = &m->td->containers[i];
		struct image_info info;

		if (def->health.kind != TASKDEF_HEALTH_NONE)
			log_warn("container %s: its healthCheck is not run yet (healthStatus stays UNKNOWN)",
				 def->name);
		if (image_resolve(m->paths, def->image, &info, NULL, 0, err) < 0)
			return berr_prefix(err, "CannotPullContainerError");
		rec->containers[i].image_digest = strdup(info.digest);
		image_info_clear(&info);
		if (!rec->containers[i].image_digest)
			return berr_set(err, ENOMEM, "out of memory");
		if (task_resolve_launch(m->paths, def, &m->procs[i].launch, err) < 0)
			return -1;
	}
	rec->pull_stopped_at = task_now();
	return 0;
}

static int make_cgroups(struct task_monitor *m, long pids_limit, struct berr *err)
{
	const struct task_def *td = m->td;
	const struct cgroup_limits lim = {
		.cpu_units = td->cpu, .memory_mib = td->memory_mib, .pids_max = pids_limit,
	};

	m->cg = cgroup_task_create(TASK_CGROUP_PARENT, m->rec.id, &lim, err);
	if (!m->cg)
		return -1;
	for (size_t i = 0; i < td->container_count; i++) {
		const struct container_def *def = &td->containers[i];
		const struct cgroup_child_limits child = {
			.cpu_units = def->cpu,
			.memory_mib = def->memory_mib,
			.memory_reservation_mib = def->memory_reservation_mib,
		};

		if (cgroup_container_create(m->cg, def->name, &child, err) < 0)
			return berr_prefix(err, "container %s", def->name);
	}
	return 0;
}

static int make_rootfs(struct task_monitor *m, struct berr *err)
{
	for (size_t i = 0; i < m->td->container_count; i++) {
		const struct container_def *def = &m->td->containers[i];
		const struct image_rootfs_opts opts = {
			.readonly = def->readonly_root_filesystem,
			.size_bytes = (uint64_t)m->td->ephemeral_storage_gib << 30,
		};
		char id[TASK_ID_LEN + 24];

		task_rootfs_id(m->rec.id, i, id);
		if (image_rootfs_prepare(m->paths, def->image, id, &opts, &m->procs[i].rootfs, err) < 0)
			return berr_prefix(err, "CannotCreateContainerError: container %s", def->name);
	}
	return 0;
}

/* The berth binary stays reachable through this fd even if it is replaced
 * on disk while the task runs; initProcessEnabled execs it from there. */
static int open_self(struct task_monitor *m, struct berr *err)
{
	m->exe_fd = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
	return m->exe_fd < 0 ? berr_sys(err, "open /proc/self/exe") : 0;
}

static int make_resources(struct task_monitor *m, long pids_limit, struct berr *err)
{
	if (make_cgroups(m, pids_limit, err) < 0 ||
	    task_ns_create(m->paths, m->rec.id, m->td, m->cg, &m->ns, err) < 0)
		return -1;
	m->volumes = task_resolve_volumes(m->paths, m->rec.id, m->td, err);
	if (!m->volumes)
		return -1;
	return open_self(m, err);
}

int task_provision(struct task_monitor *m, long pids_limit, struct berr *err)
{
	if (task_sock_listen(m, err) < 0)
		return berr_prefix(err, "ResourceInitializationError: the task's monitor socket");
	if (pull_images(m, err) < 0)
		return -1;
	if (make_resources(m, pids_limit, err) < 0)
		return berr_prefix(err, "ResourceInitializationError");
	m->rec.last_status = TASK_PENDING;
	record_save(m->paths, &m->rec);
	if (make_rootfs(m, err) < 0)
		return -1;
	m->rec.last_status = TASK_ACTIVATING;
	record_save(m->paths, &m->rec);
	return 0;
}
