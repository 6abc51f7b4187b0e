/* cgroup: a task's cgroup and one child cgroup per container, with the
 * task's CPU, memory and pids limits, on cgroup v1 or v2.
 *
 * Layout, under a parent named by the caller ("berth"; tests use their own):
 *   v2:         <mount>/<parent>/<task id>/<container>
 *   v1, hybrid: <controller mount>/<parent>/<task id>/<container>, in each
 *               hierarchy carrying cpu, cpuacct, memory, pids or freezer
 *               (co-mounted ones such as "cpu,cpuacct" once), found in
 *               /proc/self/mountinfo.
 * The task's limits live on the task directory; processes live only in the
 * container leaves (v2's no-internal-processes rule; v1 follows suit).
 * Hybrid hosts use the v1 controllers: their cgroup2 mount has none.
 *
 * The mode comes from board_cgroup_mode() (enum cgroup_mode and
 * cgroup_mode_name() are the board module's), so the dependency is
 * cgroup -> board -> lib; board must never include this header.
 *
 * Every function fails with a message starting "cgroup: " that names the
 * file and the value, e.g.
 *   cgroup: write "256" to /sys/fs/cgroup/cpu/berth/abc/cpu.shares: Invalid argument
 * and leaves nothing half-created: a failed create removes what it made
 * (the parent, shared by all tasks, stays; see cgroup_parent_remove).
 * err->code is EINVAL for a bad name or limit, ENODEV when a limit needs a
 * controller this machine does not have, EEXIST / ENOENT for a task or
 * container that does / does not exist, else the failing call's errno. */
#ifndef BERTH_CGROUP_H
#define BERTH_CGROUP_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "board/board.h"
#include "lib/lib.h"

/* Names that may become a directory: 1-max_len of [A-Za-z0-9_.-], not
 * "." or "..", and not a control file's name ("tasks", "cgroup.procs", or
 * any "<controller>.<x>" such as "cpu.max"). Parents and task ids may be
 * CGROUP_ID_MAX long, container names as long as ECS allows. */
#define CGROUP_ID_MAX 64
#define CGROUP_CONTAINER_NAME_MAX 255
bool cgroup_name_valid(const char *name, size_t max_len);

/* The mode every call uses: the detected one, or v2 after cgroup_force_v2(). */
enum cgroup_mode cgroup_mode(void);

/* Use the cgroup2 hierarchy mounted at mount, whatever the detection says
 * (NULL: detect again). For tests on hybrid hosts, whose cgroup2 mount
 * (/sys/fs/cgroup/unified) has no controllers, so only tasks without
 * limits work there, and for machines that mount cgroup2 elsewhere.
 * Fails when mount is not a cgroup2 file system. Process-wide. */
int cgroup_force_v2(const char *mount, struct berr *err);

#define CGROUP_PIDS_MAX_DEFAULT 4096

/* A task's size. */
struct cgroup_limits {
	long cpu_units;  /* 1024 = 1 vCPU, a hard quota (v2 cpu.max, v1 cfs quota); 0 = none */
	long memory_mib; /* memory.max with swap off (v1 limit_in_bytes = memsw); 0 = none */
	long pids_max;   /* pids.max; 0 = CGROUP_PIDS_MAX_DEFAULT, -1 = none */
};

/* A container's share of its task. 0 leaves a field at the kernel default. */
struct cgroup_child_limits {
	long cpu_units;              /* relative weight: v1 cpu.shares, v2 cpu.weight (runc's mapping); 2-262144 */
	long memory_mib;             /* memory.max (v1 limit_in_bytes, and memsw) */
	long memory_reservation_mib; /* memory.low (v1 soft_limit_in_bytes) */
};

struct task_cgroup; /* opaque */

/* Creates the task's cgroup (and the parent if needed) with its limits.
 * Fails with EEXIST when the task's cgroup exists already. */
struct task_cgroup *cgroup_task_create(const char *parent, const char *task_id,
				       const struct cgroup_limits *lim, struct berr *err);
/* Re-opens an existing task cgroup (a monitor, or `berth stop` after a
 * restart); works on a half-removed one, so that destroy can finish it.
 * Fails with ENOENT when it exists in no hierarchy. */
struct task_cgroup *cgroup_task_open(const char *parent, const char *task_id, struct berr *err);
/* Frees the handle only; the cgroup stays. NULL is fine. */
void cgroup_task_free(struct task_cgroup *tc);
enum cgroup_mode cgroup_task_mode(const struct task_cgroup *tc);

int cgroup_container_create(struct task_cgroup *tc, const char *container,
			    const struct cgroup_child_limits *lim, struct berr *err);
/* Moves process pid (0: the caller) into the container's cgroup, in every
 * hierarchy. A pid moved half-way (a v1 write failing) must be killed. */
int cgroup_container_enter(struct task_cgroup *tc, const char *container, pid_t pid,
			   struct berr *err);
/* v2 only: an O_CLOEXEC directory fd for clone3(CLONE_INTO_CGROUP), which
 * starts the child inside with no window outside. EOPNOTSUPP on v1. */
int cgroup_container_fd(struct task_cgroup *tc, const char *container, struct berr *err);

/* SIGKILLs every process of the task, containers included, and waits
 * (bounded, about 3 s) until none is left. v2: cgroup.kill, else freeze,
 * kill each, thaw; v1: the same with the freezer, repeated until empty.
 * Fails with EBUSY, naming a pid, when processes outlive it. */
int cgroup_task_kill(struct task_cgroup *tc, struct berr *err);
/* Removes the containers' and the task's directories in every hierarchy
 * (not the parent), retrying briefly while the kernel still counts exiting
 * processes. Idempotent. Kill first: a cgroup with processes stays (EBUSY). */
int cgroup_task_destroy(struct task_cgroup *tc, struct berr *err);
/* Removes the parent in every hierarchy if no task is left under it; a
 * parent still in use stays and is no error. For tests and uninstall. */
int cgroup_parent_remove(const char *parent, struct berr *err);

#define CGROUP_UNLIMITED UINT64_MAX

/* Usage of a container, or of the whole task when container is NULL.
 * Values a controller does not provide here are 0 (memory_max: unlimited). */
struct cgroup_stats {
	uint64_t cpu_usage_usec; /* CPU time used, all CPUs, since creation */
	uint64_t memory_current; /* bytes charged now */
	uint64_t memory_peak;    /* highest memory_current (v2: kernel 5.19+) */
	uint64_t memory_max;     /* the limit in bytes, or CGROUP_UNLIMITED */
	uint64_t pids_current;   /* processes and threads */
	uint64_t oom_kills;      /* processes the OOM killer killed (v1: kernel 4.13+) */
};
int cgroup_stats(struct task_cgroup *tc, const char *container, struct cgroup_stats *st,
		 struct berr *err);
/* A process of the container was killed by the OOM killer (the container's
 * own limit or the task's). Unreadable stats count as no. */
bool cgroup_container_oom_killed(struct task_cgroup *tc, const char *container);

/* The directory of the task (container NULL) or of a container, in the
 * hierarchy carrying controller ("cpu", "cpuacct", "memory", "pids",
 * "freezer"; NULL: any). v2 has one directory for all. Heap string, or NULL
 * with ENODEV when no hierarchy carries the controller. */
char *cgroup_dir(struct task_cgroup *tc, const char *container, const char *controller,
		 struct berr *err);

#endif
