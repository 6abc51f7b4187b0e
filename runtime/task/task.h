/* task: run a validated task definition as Fargate would.
 * The lifecycle (records, monitor, stop, dependsOn, admission) lives in
 * task_*.c; the container process setup (namespaces, mounts, pivot_root,
 * capabilities, user, exec) in spawn_*.c behind spawn.h; `berth init`
 * (PID 1 in a container) in init.c.
 *
 * Processes. `berth run` in the foreground is itself the task's monitor;
 * `berth run --detach` forks a monitor (the same binary, its own session,
 * stdio on /dev/null) and returns once the task is RUNNING. A monitor is
 * one single-threaded poll() loop over its containers' output pipes, a
 * signalfd and a unix socket, <run>/tasks/<id>/monitor.sock, on which
 * `berth stop` asks it to stop the task (commands "status", "stop REASON").
 * A task whose monitor is gone (kill -9, crash, reboot) keeps its record
 * saying RUNNING; ps shows it as such with "monitor gone", and `berth stop`
 * or `rm -f` tear it down themselves, recording stoppedReason "Task
 * monitor exited unexpectedly".
 *
 * Records. <state>/tasks/<id>/task.json is the task as ECS DescribeTasks
 * shows it (task_describe's object) plus a "monitor" member {pid,
 * startTime} and each container's startedAt / stoppedAt; taskdef.json is
 * the task definition as given; <container>.log is a detached container's
 * output (stdout and stderr, appended as they come). Writes are atomic.
 *
 * Names and ids. A task id is 32 lowercase hex digits from getrandom, as
 * ECS's; its ARN is arn:aws:ecs:local:000000000000:task/default/<id> (no
 * region or account offline: "local", twelve zeros, cluster "default"), its
 * task definition's arn:aws:ecs:local:000000000000:task-definition/
 * <family>:<revision> (revision 1 when the file carries none). A TASK
 * argument is a full id, else a --name, else a unique id prefix.
 *
 * Resources of a task, all gone once it is STOPPED: the cgroup
 * berth/<id> (one child per container, and berth.pause for pidMode task),
 * root filesystems <state>/rootfs/<id>-<container index>, the namespaces
 * bind-mounted on <run>/tasks/<id>/ns/{net,uts,ipc}, task-scoped volumes
 * under <state>/tasks/<id>/volumes. Only the record stays until `rm`.
 *
 * Decisions where ECS leaves room:
 * - Start: containers start in dependsOn order as their conditions are met
 *   (START: the dependency was started; COMPLETE: it exited; SUCCESS: it
 *   exited 0). A SUCCESS dependency exiting non-zero, a container that
 *   cannot start, or a startTimeout passing with a condition unmet stops
 *   the task with TaskFailedToStart. dependsOn HEALTHY is refused before
 *   anything is created: health checks come later.
 * - The task is RUNNING once every container has started (or can no longer
 *   start); a detached run returns then, or with the error when it failed.
 * - Stop: a container gets SIGTERM once no running container depends on it
 *   (reverse dependency order, independent ones together), SIGKILL after
 *   its stopTimeout; then the task cgroup is killed so nothing survives.
 * - The exit code of a task is that of the first essential container to
 *   exit (128+signal when killed; 137 after an OOM kill).
 * - networkMode awsvpc and bridge get an isolated network namespace with
 *   loopback only until per-task networking exists (said in a warning);
 *   host keeps the host's. Every task has its own uts namespace, hostname
 *   = task id (a container's hostname gets one of its own); ipcMode task
 *   and pidMode task share one per task.
 * - Admission: the tasks not STOPPED (monitor gone or not) plus the new one
 *   must fit board_usable_cpu_units / board_usable_memory_mib. */
#ifndef BERTH_TASK_H
#define BERTH_TASK_H

#include <stdbool.h>
#include <stdint.h>

#include "board/board.h"
#include "lib/lib.h"
#include "taskdef/taskdef.h"

/* ECS lifecycle states, in order. Containers use PENDING, RUNNING, STOPPED. */
enum task_state {
	TASK_PROVISIONING,
	TASK_PENDING,
	TASK_ACTIVATING,
	TASK_RUNNING,
	TASK_DEACTIVATING,
	TASK_STOPPING,
	TASK_DEPROVISIONING,
	TASK_STOPPED,
};
const char *task_state_name(enum task_state state);

enum task_stop_code {
	TASK_STOP_NONE,
	TASK_STOP_FAILED_TO_START,      /* TaskFailedToStart */
	TASK_STOP_ESSENTIAL_EXITED,     /* EssentialContainerExited */
	TASK_STOP_USER_INITIATED,       /* UserInitiated */
};
const char *task_stop_code_name(enum task_stop_code code); /* "" for NONE */

#define TASK_ID_LEN 32
#define TASK_PIDS_LIMIT_DEFAULT 4096

struct task_run_opts {
	const char *name;        /* --name, or NULL */
	bool detach;             /* --detach: a monitor process owns the task */
	long pids_limit;         /* --pids-limit; 0: TASK_PIDS_LIMIT_DEFAULT */
	const cJSON *taskdef;    /* the definition td was parsed from, kept as taskdef.json */
};

/* Run the task. Foreground: returns when it stopped, with *exit_code the
 * first essential container's exit code. Detached: returns once the task
 * is RUNNING, *exit_code 0. Either way -1 with err ("CannotPullContainer
 * Error: ...") when it never got to run: *exit_code is then 125 (berth
 * could not start it), 126 (entry point not executable) or 127 (not
 * found), as docker run, and task_id names the STOPPED record when one was
 * made ("" when admission refused it). */
int task_run(const struct paths *paths, const struct board *board, const struct task_def *td,
	     const struct task_run_opts *opts, char task_id[TASK_ID_LEN + 1], int *exit_code,
	     struct berr *err);

/* Full id, --name, or unique id prefix -> full id. ENOENT when none
 * matches; an ambiguous prefix fails listing the matches. */
int task_find(const struct paths *paths, const char *arg, char task_id[TASK_ID_LEN + 1],
	      struct berr *err);
/* DescribeTasks-shaped task object. berth adds "name" (when --name was
 * given), each container's "essential", and "monitorGone": true while a
 * record not STOPPED outlives its monitor. */
cJSON *task_describe(const struct paths *paths, const char *task_id, struct berr *err);
/* Every task record (all = include STOPPED) as describe objects, newest first. */
cJSON *task_list(const struct paths *paths, bool all, struct berr *err);
/* Stops the task and returns once it is STOPPED; a STOPPED task is fine.
 * reason NULL: "Task stopped by user". */
int task_stop(const struct paths *paths, const char *task_id, const char *reason,
	      struct berr *err);
/* Removes a STOPPED task's record and logs; force stops a running one first,
 * else it is refused (EBUSY). */
int task_remove(const struct paths *paths, const char *task_id, bool force, struct berr *err);

/* `berth init`: PID 1 inside a container (initProcessEnabled). argv is the
 * command to run. Never returns. */
int task_init_main(int argc, char **argv);

#endif
