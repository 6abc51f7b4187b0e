/* A container's file system, from inside its new mount namespace: the
 * rootfs with /proc, /sys, a minimal /dev, the user's tmpfs mounts and
 * volumes, the paths runc and crun mask or make read-only, then
 * pivot_root into it. Everything is mounted before pivot_root through fds
 * opened inside the rootfs (spawn_path.c), so host paths (/dev/null, volume
 * sources) are still reachable and image symlinks cannot lead outside. */
#include <errno.h>
#include <fcntl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#include "cgroup/cgroup.h"
#include "task/spawn_child.h"

#define PROC_FLAGS (MS_NOSUID | MS_NODEV | MS_NOEXEC)

/* Docker's default /dev/shm size, when sharedMemorySize is not given. */
#define SHM_DEFAULT_MIB 64

/* As runc's and crun's defaults. Files are covered with /dev/null,
 * directories with an empty read-only tmpfs. */
static const char *const masked_paths[] = {
	"/proc/acpi",	     "/proc/asound",	"/proc/kcore",	      "/proc/keys",
	"/proc/latency_stats", "/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug",
	"/proc/scsi",	     "/sys/firmware",	"/sys/devices/virtual/powercap",
};
static const char *const readonly_paths[] = {
	"/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger",
};

/* Bound from the host's /dev: device nodes stay the host's, and nothing
 * else of the host's /dev is visible. */
static const char *const dev_nodes[] = { "null", "zero", "full", "random", "urandom", "tty" };

static const struct {
	const char *name, *target;
} dev_links[] = {
	{ "ptmx", "pts/ptmx" },		     { "fd", "/proc/self/fd" },
	{ "stdin", "/proc/self/fd/0" },	     { "stdout", "/proc/self/fd/1" },
	{ "stderr", "/proc/self/fd/2" },
};

/* Mounts a fresh file system of type at path inside the rootfs. */
static int mount_fs(struct spawn_child *c, const char *path, const char *type,
		    unsigned long flags, const char *data)
{
	_cleanup_close_ int fd = spawn_mkdir_in_root(c->root_fd, path, &c->err);

	if (fd < 0)
		return -1;
	return spawn_mount_on(type, fd, type, flags, data, path, &c->err);
}

/* / becomes a slave so that nothing mounted here reaches the host (whose
 * / is shared under systemd); the rootfs is bound onto itself because
 * pivot_root needs a mount point. */
static int open_rootfs(struct spawn_child *c)
{
	const char *rootfs = c->spec->rootfs;

	if (mount(NULL, "/", NULL, MS_REC | MS_SLAVE, NULL) < 0)
		return berr_sys(&c->err, "make / a slave mount");
	if (mount(rootfs, rootfs, NULL, MS_BIND | MS_REC, NULL) < 0)
		return berr_sys(&c->err, "bind the root filesystem %s", rootfs);
	c->root_fd = open(rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (c->root_fd < 0)
		return berr_sys(&c->err, "open the root filesystem %s", rootfs);
	return 0;
}

/* On cgroup v2, the container's own cgroup (the root of its cgroup
 * namespace) read-only at /sys/fs/cgroup, where runtimes such as the JVM
 * and Go look for their limits. */
static int mount_cgroup2(struct spawn_child *c)
{
	_cleanup_close_ int fd = -1;

	if (cgroup_mode() != CGROUP_MODE_V2)
		return 0;
	fd = spawn_open_in_root(c->root_fd, "/sys/fs/cgroup", O_PATH | O_DIRECTORY, &c->err);
	if (fd < 0)
		return errno == ENOENT ? 0 : -1;
	return spawn_mount_on("cgroup2", fd, "cgroup2", PROC_FLAGS | MS_RDONLY, NULL,
			      "/sys/fs/cgroup", &c->err);
}

/* A new sysfs shows the container's network namespace (or the host's in
 * networkMode host); as root in the initial user namespace it mounts in
 * both cases. */
static int mount_sys(struct spawn_child *c)
{
	if (mount_fs(c, "/sys", "sysfs", PROC_FLAGS | MS_RDONLY, NULL) < 0)
		return -1;
	return mount_cgroup2(c);
}

static int bind_dev_node(struct spawn_child *c, int dev_fd, const char *name)
{
	_cleanup_close_ int fd = -1;
	_cleanup_free_ char *host = str_printf(&c->err, "/dev/%s", name);

	if (!host)
		return -1;
	fd = openat(dev_fd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0666);
	if (fd < 0)
		return berr_sys(&c->err, "create %s in the container", host);
	return spawn_bind_on(host, fd, 0, host, &c->err);
}

/* Mounts type on a new directory name of the container's /dev. */
static int mount_in_dev(struct spawn_child *c, int dev_fd, const char *name, const char *type,
			unsigned long flags, const char *data)
{
	_cleanup_close_ int fd = -1;
	_cleanup_free_ char *what = str_printf(&c->err, "/dev/%s", name);

	if (!what)
		return -1;
	if (mkdirat(dev_fd, name, 0755) < 0)
		return berr_sys(&c->err, "mkdir %s", what);
	fd = openat(dev_fd, name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return berr_sys(&c->err, "open %s", what);
	return spawn_mount_on(type, fd, type, flags, data, what, &c->err);
}

/* /dev/shm: docker's rules for ipcMode: the host's in host mode, none in
 * none mode, else a tmpfs of sharedMemorySize MiB. */
static int mount_shm(struct spawn_child *c, int dev_fd)
{
	const struct spawn_spec *s = c->spec;
	long mib = s->def->linux_params.shared_memory_mib ? s->def->linux_params.shared_memory_mib
							   : SHM_DEFAULT_MIB;
	_cleanup_free_ char *data = NULL;
	_cleanup_close_ int fd = -1;

	if (s->td->ipc_mode == TASKDEF_IPC_NONE)
		return 0;
	if (s->td->ipc_mode != TASKDEF_IPC_HOST) {
		data = str_printf(&c->err, "mode=1777,size=%ldm", mib);
		return data ? mount_in_dev(c, dev_fd, "shm", "tmpfs", PROC_FLAGS, data) : -1;
	}
	if (mkdirat(dev_fd, "shm", 0755) < 0)
		return berr_sys(&c->err, "mkdir /dev/shm");
	fd = openat(dev_fd, "shm", O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return berr_sys(&c->err, "open /dev/shm");
	return spawn_bind_on("/dev/shm", fd, MS_REC, "/dev/shm", &c->err);
}

static int populate_dev(struct spawn_child *c, int dev_fd)
{
	for (size_t i = 0; i < ARRAY_SIZE(dev_nodes); i++)
		if (bind_dev_node(c, dev_fd, dev_nodes[i]) < 0)
			return -1;
	if (mount_in_dev(c, dev_fd, "pts", "devpts", MS_NOSUID | MS_NOEXEC,
			 "newinstance,ptmxmode=0666,mode=0620,gid=5") < 0)
		return -1;
	if (mount_shm(c, dev_fd) < 0)
		return -1;
	/* A kernel without POSIX message queues has no mqueue file system. */
	if (mount_in_dev(c, dev_fd, "mqueue", "mqueue", PROC_FLAGS, NULL) < 0 &&
	    c->err.code != ENODEV)
		return -1;
	for (size_t i = 0; i < ARRAY_SIZE(dev_links); i++)
		if (symlinkat(dev_links[i].target, dev_fd, dev_links[i].name) < 0)
			return berr_sys(&c->err, "symlink /dev/%s", dev_links[i].name);
	return 0;
}

static int mount_dev(struct spawn_child *c)
{
	_cleanup_close_ int dev_fd = -1;

	if (mount_fs(c, "/dev", "tmpfs", MS_NOSUID | MS_STRICTATIME, "mode=755,size=65536k") < 0)
		return -1;
	/* Opened again: now the new tmpfs, empty, so plain *at() calls are safe in it. */
	dev_fd = spawn_open_in_root(c->root_fd, "/dev", O_PATH | O_DIRECTORY, &c->err);
	if (dev_fd < 0)
		return -1;
	return populate_dev(c, dev_fd);
}

static int mask_path(struct spawn_child *c, const char *path)
{
	_cleanup_close_ int fd = spawn_open_in_root(c->root_fd, path, O_PATH | O_NOFOLLOW, &c->err);
	struct stat st;

	if (fd < 0)
		return errno == ENOENT ? 0 : -1;
	if (fstat(fd, &st) < 0)
		return berr_sys(&c->err, "mask %s: stat", path);
	if (S_ISDIR(st.st_mode))
		return spawn_mount_on("tmpfs", fd, "tmpfs", MS_RDONLY | PROC_FLAGS, NULL, path,
				      &c->err);
	return spawn_bind_on("/dev/null", fd, 0, path, &c->err);
}

/* Bound onto itself, then the bind made read-only. */
static int readonly_path(struct spawn_child *c, const char *path)
{
	_cleanup_close_ int fd = spawn_open_in_root(c->root_fd, path, O_PATH | O_NOFOLLOW, &c->err);
	_cleanup_close_ int bound = -1;
	char self[32], top[32];

	if (fd < 0)
		return errno == ENOENT ? 0 : -1;
	if (spawn_bind_on(spawn_fd_path(fd, self), fd, MS_REC, path, &c->err) < 0)
		return -1;
	bound = spawn_open_in_root(c->root_fd, path, O_PATH | O_NOFOLLOW, &c->err);
	if (bound < 0)
		return -1;
	return spawn_remount_ro(spawn_fd_path(bound, top), PROC_FLAGS, path, &c->err);
}

static int protect_paths(struct spawn_child *c)
{
	for (size_t i = 0; i < ARRAY_SIZE(masked_paths); i++)
		if (mask_path(c, masked_paths[i]) < 0)
			return -1;
	for (size_t i = 0; i < ARRAY_SIZE(readonly_paths); i++)
		if (readonly_path(c, readonly_paths[i]) < 0)
			return -1;
	return 0;
}

/* Made as docker does when missing (owned by root), before the root can
 * turn read-only. */
static int make_workdir(struct spawn_child *c)
{
	_cleanup_close_ int fd = -1;

	if (!c->spec->workdir)
		return 0;
	fd = spawn_mkdir_in_root(c->root_fd, c->spec->workdir, &c->err);
	return fd < 0 ? berr_prefix(&c->err, "working directory") : 0;
}

/* pivot_root(".", ".") stacks the old root on the new one; unmounting "."
 * then drops the old root, with no directory needed for it. */
static int pivot(struct spawn_child *c)
{
	if (fchdir(c->root_fd) < 0)
		return berr_sys(&c->err, "chdir to the root filesystem");
	if (syscall(SYS_pivot_root, ".", ".") < 0)
		return berr_sys(&c->err, "pivot_root");
	if (umount2(".", MNT_DETACH) < 0)
		return berr_sys(&c->err, "unmount the host's root");
	if (chdir("/") < 0)
		return berr_sys(&c->err, "chdir /");
	return 0;
}

int spawn_setup_rootfs(struct spawn_child *c)
{
	if (open_rootfs(c) < 0)
		return -1;
	if (mount_fs(c, "/proc", "proc", PROC_FLAGS, NULL) < 0 || mount_sys(c) < 0 ||
	    mount_dev(c) < 0)
		return -1;
	if (spawn_mount_tmpfs(c) < 0 || spawn_mount_volumes(c) < 0)
		return -1;
	if (protect_paths(c) < 0 || make_workdir(c) < 0 || pivot(c) < 0)
		return -1;
	if (c->spec->def->readonly_root_filesystem)
		return spawn_remount_ro("/", 0, "/", &c->err);
	return 0;
}
