/* Private to spawn_*.c and init.c: the steps a cloned child takes to
 * become a container. Each step fills err and returns -1 on failure; the
 * child then reports err through its socket and exits with exit_code. */
#ifndef BERTH_TASK_SPAWN_CHILD_H
#define BERTH_TASK_SPAWN_CHILD_H

#include <stdint.h>

#include "task/spawn.h"

/* One child's state while it sets itself up. */
struct spawn_child {
	const struct spawn_spec *spec;
	int root_fd;   /* O_PATH: the rootfs, bind-mounted onto itself */
	int exe_fd;    /* the berth binary for initProcessEnabled, else -1 */
	int exit_code; /* what the child exits with when a step fails: SPAWN_EXIT_* */
	struct berr err;
};

/* What a child that could not exec sends back: one message on its socket. */
struct spawn_report {
	int exit_code;
	int errnum;
	char msg[sizeof(((struct berr *)0)->msg)];
};

/* Runs in the child right after clone: waits for "go" on sock, sets up,
 * execs; sends a spawn_report when a step fails. Never returns. */
_Noreturn void spawn_child_main(const struct spawn_spec *spec, int sock);

/* ---- spawn_path.c: paths inside the rootfs, never leaving it ------------ */

/* Opens path (absolute or not: always inside root_fd) with every symlink
 * resolved as if root_fd were "/" (openat2 RESOLVE_IN_ROOT). flags as for
 * open; O_CLOEXEC is added. Fails with errno set and err "resolve PATH". */
int spawn_open_in_root(int root_fd, const char *path, int flags, struct berr *err);
/* The O_PATH directory path inside root_fd, made (0755, mkdir -p) where missing. */
int spawn_mkdir_in_root(int root_fd, const char *path, struct berr *err);
/* The O_PATH file path inside root_fd, made empty (0644) with its
 * parents where missing: a target for binding a file over. */
int spawn_mkfile_in_root(int root_fd, const char *path, struct berr *err);
/* "/proc/self/fd/N": a path for mount(2) to reach what fd names. */
const char *spawn_fd_path(int fd, char buf[32]);
/* mount(2) onto what target_fd names; err "mount WHAT: <error>". */
int spawn_mount_on(const char *source, int target_fd, const char *type, unsigned long flags,
		   const char *data, const char *what, struct berr *err);
/* Bind-mounts source over target_fd; recursive when MS_REC is in flags. */
int spawn_bind_on(const char *source, int target_fd, unsigned long flags, const char *what,
		  struct berr *err);
/* Makes the mount at path read-only, keeping its nosuid, nodev, noexec
 * and atime flags, adding extra ones (MS_NOSUID ...). */
int spawn_remount_ro(const char *path, unsigned long extra, const char *what, struct berr *err);

/* ---- spawn_mounts.c, spawn_volumes.c: the container's file system ------- */

/* Everything from the host's / to the container's: the rootfs bound onto
 * itself, /proc, /sys, /dev, tmpfs mounts, volumes, masked and read-only
 * paths, the working directory, pivot_root, then a read-only root when
 * readonlyRootFilesystem. Leaves the cwd at the new "/". */
int spawn_setup_rootfs(struct spawn_child *c);
/* linuxParameters.tmpfs and mountPoints, under c->root_fd. */
int spawn_mount_tmpfs(struct spawn_child *c);
int spawn_mount_volumes(struct spawn_child *c);

/* ---- spawn_user.c: users from the container's /etc/passwd and /etc/group */

struct spawn_user {
	char *name;    /* from passwd, NULL for a uid without an entry */
	uid_t uid;
	gid_t gid;
	gid_t *groups; /* supplementary */
	size_t group_count;
	char *home;    /* passwd's, else "/" */
};
/* Resolves "uid", "uid:gid", "name", "name:group" (NULL: root) against the
 * current root's /etc/passwd and /etc/group, as docker does. */
int spawn_user_resolve(const char *spec, struct spawn_user *user, struct berr *err);
void spawn_user_clear(struct spawn_user *user);

/* ---- spawn_caps.c -------------------------------------------------------- */

/* The container's capabilities as a bit mask: docker's default set, with
 * cap_add / cap_drop applied the way docker applies them. */
uint64_t spawn_caps_wanted(const struct container_def *def);
/* Drops every capability outside caps from the bounding set, so that no
 * exec can regain one. Needs CAP_SETPCAP: call before changing user. */
int spawn_caps_bound(uint64_t caps, struct berr *err);
/* Effective and permitted = caps, inheritable and ambient empty. */
int spawn_caps_set(uint64_t caps, struct berr *err);

/* ---- spawn_exec.c ------------------------------------------------------- */

/* ulimits, with nofile 65535 by default as on Fargate. */
int spawn_set_rlimits(const struct container_def *def, struct berr *err);
/* spec->envp plus PATH, HOSTNAME and HOME where the task did not set them. */
char **spawn_build_env(const struct spawn_spec *spec, const struct spawn_user *user,
		       struct berr *err);
/* The file argv0 names, found with envp's PATH as execvp would, checked
 * to be an executable file. Fails with *exit_code SPAWN_EXIT_NOTFOUND or
 * SPAWN_EXIT_NOEXEC and err "exec NAME: no such file or directory". */
char *spawn_find_program(const char *argv0, char *const envp[], int *exit_code, struct berr *err);
/* execve's error as the same words and exit code. */
void spawn_exec_error(const char *name, int errnum, int *exit_code, struct berr *err);
/* Marks every fd from 3 up close-on-exec: the program sees only 0, 1, 2. */
int spawn_cloexec_from(int lowest, struct berr *err);

#endif
