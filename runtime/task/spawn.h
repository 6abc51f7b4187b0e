/* Private to runtime/task/: the contract between the lifecycle code
 * (task_*.c, the parent side) and the container setup code (spawn_*.c,
 * the child side). */
#ifndef BERTH_TASK_SPAWN_H
#define BERTH_TASK_SPAWN_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "cgroup/cgroup.h"
#include "lib/lib.h"
#include "taskdef/taskdef.h"

/* Namespaces every container of a task shares, opened by the lifecycle
 * code from a holder it created (or -1: the container gets a new one, or
 * for net in networkMode host, the host's: see net_host). pidMode and
 * ipcMode host (td) keep the host's pid / ipc namespace when the fd is -1.
 * net, ipc and uts are joined by the child; pid is joined by the caller
 * for the one clone (setns(CLONE_NEWPID) only moves future children) and
 * left again, so the container is then the holder's child in that
 * namespace, not its PID 1. A joined uts namespace keeps its hostname:
 * spec->hostname is set only in a new one (uts_fd -1). */
struct spawn_task_ns {
	int net_fd;   /* networkMode awsvpc/bridge/none: the task's netns */
	bool net_host;/* networkMode host: stay in the host's netns */
	int ipc_fd;   /* ipcMode task: the task's ipc ns; -1 otherwise */
	int pid_fd;   /* pidMode task: the task's pid ns; -1 otherwise */
	int uts_fd;   /* the task's uts ns (hostname = task id); -1: new one */
};

/* Everything resolved for one container: no JSON, no image lookups left. */
struct spawn_spec {
	const char *task_id;
	const struct task_def *td;
	const struct container_def *def;
	const char *rootfs;          /* mounted root from image_rootfs_prepare */
	char **argv;                 /* entryPoint/command merged with the image's, NULL-terminated */
	char **envp;                 /* image Env, then environment, then environmentFiles, then secrets */
	const char *user;            /* "uid[:gid]" or "name[:group]" (resolved inside the rootfs), NULL = root */
	const char *workdir;         /* container's, else the image's, else "/" */
	const char *hostname;        /* the task id (uts) unless the container sets one; also $HOSTNAME */
	char **volume_sources;       /* host path per td->volumes[i] (scratch/named resolved by the caller);
				      * bound at each def->mounts[j].container_path (volumesFrom: the
				      * caller turns them into mounts; spawn reads def->mounts only) */
	struct spawn_task_ns ns;
	struct task_cgroup *cgroup;  /* the container's cgroup is cgroup_container_create'd already;
				      * NULL: stay in the caller's (tests) */
	int stdin_fd;                /* -1: /dev/null (for each of the three) */
	int stdout_fd;
	int stderr_fd;
	const char *berth_exe;       /* the berth binary, for initProcessEnabled (opened before
				      * pivot_root and exec'd by fd: nothing added to the image);
				      * NULL: /proc/self/exe, right when the caller is berth */
};

/* Exit codes when the container never got to run its program, as docker. */
enum { SPAWN_EXIT_SETUP = 125, SPAWN_EXIT_NOEXEC = 126, SPAWN_EXIT_NOTFOUND = 127 };

/* Start the container: returns its pid (a direct child of the caller, in
 * its cgroup, PID 1 of its pid namespace unless ns.pid_fd is given) once
 * its program was exec'd, or -1 with err in ECS words
 * ("CannotStartContainerError: exec /app/server: no such file or
 * directory") and *exit_code one of SPAWN_EXIT_*; a child that failed is
 * reaped before returning. With initProcessEnabled the pid is berth init's,
 * and the program (checked to exist before: same errors) is its child.
 * The child resets every signal disposition and the signal mask: the
 * caller's blocked or ignored signals are not the program's. */
pid_t spawn_container(const struct spawn_spec *spec, int *exit_code, struct berr *err);

#endif
