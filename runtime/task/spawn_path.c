/* Paths inside a container's rootfs, resolved so that a hostile image
 * cannot point a mount outside of it: /proc as a symlink to /etc on the
 * host, or ../../ in a symlink, all stay inside (openat2 RESOLVE_IN_ROOT
 * treats the rootfs as "/"). Mounts then go onto the opened fd through
 * /proc/self/fd/N, so no path is walked twice. */
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>

#include "task/spawn_child.h"

int spawn_open_in_root(int root_fd, const char *path, int flags, struct berr *err)
{
	struct open_how how = {
		.flags = (uint64_t)(flags | O_CLOEXEC),
		.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
	};
	int fd = (int)syscall(SYS_openat2, root_fd, path, &how, sizeof(how));

	if (fd < 0 && errno == ENOSYS)
		return berr_set(err, ENOSYS, "resolve %s: the kernel lacks openat2 (Linux 5.6 or later is needed)", path);
	if (fd < 0)
		return berr_sys(err, "resolve %s", path);
	return fd;
}

/* Splits "/a/b/c/" into "/a/b" and "c" (both into buf); false for "/". */
static bool split_last(const char *path, char *buf, size_t size, const char **parent,
		       const char **base)
{
	size_t len = strlen(path);
	char *slash;

	while (len > 0 && path[len - 1] == '/')
		len--;
	if (len == 0 || len >= size)
		return false;
	memcpy(buf, path, len);
	buf[len] = '\0';
	slash = strrchr(buf, '/');
	if (!slash) {
		*parent = "/";
		*base = buf;
		return true;
	}
	*slash = '\0';
	*parent = buf[0] ? buf : "/";
	*base = slash + 1;
	return true;
}

int spawn_mkdir_in_root(int root_fd, const char *path, struct berr *err)
{
	_cleanup_close_ int parent_fd = -1;
	char buf[4096];
	const char *parent, *base;
	int fd = spawn_open_in_root(root_fd, path, O_PATH | O_DIRECTORY, err);

	if (fd >= 0 || errno != ENOENT)
		return fd;
	if (!split_last(path, buf, sizeof(buf), &parent, &base))
		return berr_set(err, EINVAL, "mkdir %s: not a usable path", path);
	parent_fd = spawn_mkdir_in_root(root_fd, parent, err);
	if (parent_fd < 0)
		return -1;
	/* EEXIST with path still missing: base is a symlink leading nowhere. */
	if (mkdirat(parent_fd, base, 0755) < 0 && errno != EEXIST)
		return berr_sys(err, "mkdir %s", path);
	fd = spawn_open_in_root(root_fd, path, O_PATH | O_DIRECTORY, err);
	if (fd < 0 && errno == ENOENT)
		return berr_set(err, ENOENT, "mkdir %s: a symlink to a path missing from the image", path);
	return fd;
}

int spawn_mkfile_in_root(int root_fd, const char *path, struct berr *err)
{
	_cleanup_close_ int parent_fd = -1, made = -1;
	char buf[4096];
	const char *parent, *base;
	int fd = spawn_open_in_root(root_fd, path, O_PATH, err);

	if (fd >= 0 || errno != ENOENT)
		return fd;
	if (!split_last(path, buf, sizeof(buf), &parent, &base))
		return berr_set(err, EINVAL, "create %s: not a usable path", path);
	parent_fd = spawn_mkdir_in_root(root_fd, parent, err);
	if (parent_fd < 0)
		return -1;
	/* O_NOFOLLOW | O_EXCL: a dangling symlink is refused, never followed. */
	made = openat(parent_fd, base, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (made < 0)
		return berr_sys(err, "create %s", path);
	return spawn_open_in_root(root_fd, path, O_PATH, err);
}

const char *spawn_fd_path(int fd, char buf[32])
{
	snprintf(buf, 32, "/proc/self/fd/%d", fd);
	return buf;
}

int spawn_mount_on(const char *source, int target_fd, const char *type, unsigned long flags,
		   const char *data, const char *what, struct berr *err)
{
	char target[32];

	if (mount(source, spawn_fd_path(target_fd, target), type, flags, data) < 0)
		return berr_sys(err, "mount %s", what);
	return 0;
}

int spawn_bind_on(const char *source, int target_fd, unsigned long flags, const char *what,
		  struct berr *err)
{
	return spawn_mount_on(source, target_fd, NULL, MS_BIND | flags, NULL, what, err);
}

/* The per-mount flags a bind remount would otherwise reset. */
static unsigned long mount_flags_of(const struct statvfs *st)
{
	static const struct {
		unsigned long st, ms;
	} map[] = {
		{ ST_NOSUID, MS_NOSUID },	{ ST_NODEV, MS_NODEV },
		{ ST_NOEXEC, MS_NOEXEC },	{ ST_NOATIME, MS_NOATIME },
		{ ST_NODIRATIME, MS_NODIRATIME }, { ST_RELATIME, MS_RELATIME },
	};
	unsigned long flags = 0;

	for (size_t i = 0; i < ARRAY_SIZE(map); i++)
		if (st->f_flag & map[i].st)
			flags |= map[i].ms;
	return flags;
}

int spawn_remount_ro(const char *path, unsigned long extra, const char *what, struct berr *err)
{
	struct statvfs st;
	unsigned long flags = MS_REMOUNT | MS_BIND | MS_RDONLY | extra;

	if (statvfs(path, &st) < 0)
		return berr_sys(err, "remount %s read-only: statvfs", what);
	if (mount(NULL, path, NULL, flags | mount_flags_of(&st), NULL) < 0)
		return berr_sys(err, "remount %s read-only", what);
	return 0;
}
