/* A task's root filesystem where overlayfs is missing: the layers copied in
 * order into one directory, applying what overlayfs would: a 0/0 character
 * device (whiteout) removes the lower entry, an opaque directory
 * (trusted.overlay.opaque=y) replaces the lower directory instead of
 * merging with it. Ownership, modes, times and the xattrs of files and
 * directories (security.capability) are kept; hardlinks become separate
 * copies; xattrs of symlinks and device nodes are not copied.
 *
 * Everything is reached through directory fds and O_NOFOLLOW: the layers
 * were extracted safely, and the copy never follows a symlink either. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>

#include "image/image_layer.h"
#include "image/image_store.h"

#define COPY_CHUNK (1 << 20)

static bool is_whiteout(const struct stat *st)
{
	return S_ISCHR(st->st_mode) && st->st_rdev == makedev(0, 0);
}

static bool is_opaque(int fd)
{
	char v;

	return fgetxattr(fd, "trusted.overlay.opaque", &v, 1) == 1 && v == 'y';
}

static int copy_xattrs(int src, int dst, struct berr *err)
{
	_cleanup_free_ char *names = NULL;
	ssize_t len = flistxattr(src, NULL, 0);

	if (len <= 0)
		return len < 0 && errno != ENOTSUP ? berr_sys(err, "list xattrs") : 0;
	names = malloc((size_t)len);
	if (!names)
		return berr_set(err, ENOMEM, "out of memory");
	len = flistxattr(src, names, (size_t)len);
	if (len < 0)
		return berr_sys(err, "list xattrs");
	for (char *k = names; k < names + len; k += strlen(k) + 1) {
		char value[XATTR_SIZE_MAX];
		ssize_t n;

		if (str_starts_with(k, "trusted.overlay."))
			continue;
		n = fgetxattr(src, k, value, sizeof(value));
		if (n < 0 || fsetxattr(dst, k, value, (size_t)n, 0) < 0)
			return berr_sys(err, "copy xattr %s", k);
	}
	return 0;
}

/* Owner, then mode (chown clears setuid), then xattrs (chown clears
 * security.capability). Times are the caller's: a directory's come last. */
static int copy_meta_fd(int src, int dst, const struct stat *st, struct berr *err)
{
	if (fchown(dst, st->st_uid, st->st_gid) < 0)
		return berr_sys(err, "chown");
	if (fchmod(dst, st->st_mode & 07777) < 0)
		return berr_sys(err, "chmod");
	return copy_xattrs(src, dst, err);
}

static int copy_data(int src, int dst, struct berr *err)
{
	_cleanup_free_ char *buf = NULL;

	for (;;) {
		ssize_t n = copy_file_range(src, NULL, dst, NULL, COPY_CHUNK, 0);

		if (n == 0)
			return 0;
		if (n > 0)
			continue;
		if (errno != EXDEV && errno != ENOSYS && errno != EINVAL && errno != EOPNOTSUPP)
			return berr_sys(err, "copy");
		break;
	}
	/* Where copy_file_range cannot: plain reads and writes. */
	buf = malloc(COPY_CHUNK);
	if (!buf)
		return berr_set(err, ENOMEM, "out of memory");
	for (;;) {
		ssize_t n = read(src, buf, COPY_CHUNK);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return berr_sys(err, "read");
		if (n == 0)
			return 0;
		for (ssize_t done = 0; done < n;) {
			ssize_t w = write(dst, buf + done, (size_t)(n - done));

			if (w < 0 && errno != EINTR)
				return berr_sys(err, "write");
			done += w > 0 ? w : 0;
		}
	}
}

static int copy_file(int src_dir, int dst_dir, const char *name, const struct stat *st,
		     struct berr *err)
{
	_cleanup_close_ int src = openat(src_dir, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	_cleanup_close_ int dst = -1;

	if (src < 0)
		return berr_sys(err, "open");
	dst = openat(dst_dir, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (dst < 0)
		return berr_sys(err, "create");
	if (copy_data(src, dst, err) < 0 || copy_meta_fd(src, dst, st, err) < 0)
		return -1;
	if (futimens(dst, (struct timespec[2]){ st->st_atim, st->st_mtim }) < 0)
		return berr_sys(err, "set times");
	return 0;
}

static int copy_special(int src_dir, int dst_dir, const char *name, const struct stat *st,
			struct berr *err)
{
	if (S_ISLNK(st->st_mode)) {
		_cleanup_free_ char *target = malloc((size_t)st->st_size + 1);
		ssize_t n;

		if (!target)
			return berr_set(err, ENOMEM, "out of memory");
		n = readlinkat(src_dir, name, target, (size_t)st->st_size + 1);
		if (n < 0 || n > st->st_size)
			return berr_sys(err, "read symlink");
		target[n] = '\0';
		if (symlinkat(target, dst_dir, name) < 0)
			return berr_sys(err, "create symlink");
	} else {
		if (mknodat(dst_dir, name, st->st_mode, st->st_rdev) < 0)
			return berr_sys(err, "create node");
		/* mknod's mode went through the umask. */
		if (fchmodat(dst_dir, name, st->st_mode & 07777, 0) < 0)
			return berr_sys(err, "chmod");
	}
	if (fchownat(dst_dir, name, st->st_uid, st->st_gid, AT_SYMLINK_NOFOLLOW) < 0)
		return berr_sys(err, "chown");
	if (utimensat(dst_dir, name, (struct timespec[2]){ st->st_atim, st->st_mtim },
		      AT_SYMLINK_NOFOLLOW) < 0)
		return berr_sys(err, "set times");
	return 0;
}

static int copy_tree(int src_dir, int dst_dir, const char *rel, struct berr *err);

/* This layer's directory, ready to be filled: a lower directory of the
 * same name is merged into, unless this one is opaque: then it replaces it. */
static int dir_start(int src_dir, int dst_dir, const char *name, int *src, int *dst,
		     struct berr *err)
{
	struct stat old;

	*src = openat(src_dir, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (*src < 0)
		return berr_sys(err, "open");
	if (fstatat(dst_dir, name, &old, AT_SYMLINK_NOFOLLOW) == 0 &&
	    (!S_ISDIR(old.st_mode) || is_opaque(*src)) &&
	    store_remove_tree(dst_dir, name, NULL, err) < 0)
		return -1;
	if (mkdirat(dst_dir, name, 0700) < 0 && errno != EEXIST)
		return berr_sys(err, "create directory");
	*dst = openat(dst_dir, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (*dst < 0)
		return berr_sys(err, "open the copy");
	return 0;
}

static int copy_dir(int src_dir, int dst_dir, const char *name, const struct stat *st,
		    const char *rel, struct berr *err)
{
	_cleanup_close_ int src = -1, dst = -1;

	if (dir_start(src_dir, dst_dir, name, &src, &dst, err) < 0 ||
	    copy_meta_fd(src, dst, st, err) < 0)
		return berr_prefix(err, "%s", rel);
	if (copy_tree(src, dst, rel, err) < 0)
		return -1;
	/* The directory's time, once its content stopped changing it. */
	if (futimens(dst, (struct timespec[2]){ st->st_atim, st->st_mtim }) < 0)
		return berr_sys(err, "%s: set times", rel);
	return 0;
}

static int copy_leaf(int src_dir, int dst_dir, const char *name, const struct stat *st,
		     struct berr *err)
{
	/* Whatever a lower layer had under this name goes, directory or not. */
	if (store_remove_tree(dst_dir, name, NULL, err) < 0)
		return -1;
	if (is_whiteout(st))
		return 0;
	if (S_ISREG(st->st_mode))
		return copy_file(src_dir, dst_dir, name, st, err);
	return copy_special(src_dir, dst_dir, name, st, err);
}

static int copy_entry(int src_dir, int dst_dir, const char *name, const char *dir_rel,
		      struct berr *err)
{
	_cleanup_free_ char *rel = str_printf(err, "%s%s%s", dir_rel, *dir_rel ? "/" : "", name);
	struct stat st;

	if (!rel)
		return -1;
	if (fstatat(src_dir, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return berr_sys(err, "%s: stat", rel);
	if (S_ISDIR(st.st_mode))
		return copy_dir(src_dir, dst_dir, name, &st, rel, err);
	if (copy_leaf(src_dir, dst_dir, name, &st, err) < 0)
		return berr_prefix(err, "%s", rel);
	return 0;
}

/* rel: src_dir's path in its layer, for messages. */
static int copy_tree(int src_dir, int dst_dir, const char *rel, struct berr *err)
{
	DIR *d = fs_opendir_at(src_dir, ".");
	struct dirent *de;
	int r = 0;

	if (!d)
		return berr_sys(err, "%s: read directory", *rel ? rel : ".");
	while (r == 0 && (errno = 0, de = readdir(d))) {
		if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0)
			r = copy_entry(src_dir, dst_dir, de->d_name, rel, err);
	}
	if (r == 0 && errno)
		r = berr_sys(err, "%s: read directory", *rel ? rel : ".");
	closedir(d);
	return r;
}

static int copy_layers(const char *merged, char *const *layer_dirs, size_t count,
		       struct berr *err)
{
	_cleanup_close_ int dst = open(merged, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

	if (dst < 0)
		return berr_sys(err, "open %s", merged);
	for (size_t i = 0; i < count; i++) {
		_cleanup_close_ int src = open(layer_dirs[i], O_RDONLY | O_DIRECTORY | O_CLOEXEC);

		if (src < 0)
			return berr_sys(err, "open %s", layer_dirs[i]);
		if (copy_tree(src, dst, "", err) < 0)
			return berr_prefix(err, "copy layer %s", layer_dirs[i]);
	}
	return 0;
}

int rootfs_compose_copy(const char *task_dir, char *const *layer_dirs, size_t count,
			const struct image_rootfs_opts *opts, struct berr *err)
{
	_cleanup_free_ char *merged = str_printf(err, "%s/merged", task_dir);

	if (!merged)
		return -1;
	if (mkdir(merged, 0755) < 0 && errno != EEXIST)
		return berr_sys(err, "mkdir %s", merged);
	if (copy_layers(merged, layer_dirs, count, err) < 0)
		return -1;
	/* A mount point like the overlay (the task pivots into it), nodev as
	 * the overlay is. */
	if (mount(merged, merged, NULL, MS_BIND, NULL) < 0)
		return berr_sys(err, "bind-mount %s", merged);
	if (mount(NULL, merged, NULL,
		  MS_BIND | MS_REMOUNT | MS_NODEV | (opts->readonly ? MS_RDONLY : 0), NULL) < 0)
		return berr_sys(err, "remount %s nodev", merged);
	return 0;
}
