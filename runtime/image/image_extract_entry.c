/* Layer extraction: creating one tar entry beneath the layer directory.
 *
 * Every entry is created relative to its parent's fd (image_extract_path.c)
 * and its metadata is applied through an fd or with AT_SYMLINK_NOFOLLOW, so
 * nothing is reached through a symlink. Later entries win, as in tar: a
 * file replaces whatever had its name, a directory replaces a non-directory.
 * OCI whiteouts are image_whiteout.c's. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>

#include "image/image_extract_private.h"

struct meta {
	uid_t uid;
	gid_t gid;
	mode_t perm;
	struct timespec times[2]; /* atime, mtime */
};

static int meta_read(struct archive_entry *e, struct meta *m, struct berr *err)
{
	la_int64_t uid = archive_entry_uid(e), gid = archive_entry_gid(e);

	/* (uid_t)-1 would mean "leave unchanged" to chown. */
	if (uid < 0 || uid >= UINT32_MAX || gid < 0 || gid >= UINT32_MAX)
		return berr_set(err, 0, "owner %lld:%lld is out of range", (long long)uid,
				(long long)gid);
	m->uid = (uid_t)uid;
	m->gid = (gid_t)gid;
	m->perm = archive_entry_perm(e) & 07777;
	m->times[1] = (struct timespec){ archive_entry_mtime(e), archive_entry_mtime_nsec(e) };
	m->times[0] = archive_entry_atime_is_set(e) ?
		(struct timespec){ archive_entry_atime(e), archive_entry_atime_nsec(e) } : m->times[1];
	return 0;
}

/* trusted.overlay.* would let a layer steer overlayfs (opaque, redirect,
 * metacopy): only whiteouts set those. The kernel refuses user.* on
 * anything but regular files and directories. */
static bool xattr_wanted(const char *key, bool file_or_dir)
{
	if (str_starts_with(key, "trusted.overlay."))
		return false;
	return file_or_dir || !str_starts_with(key, "user.");
}

/* Through fd when fd >= 0; else on dir_fd/name without following it: an
 * O_PATH fd takes no xattrs, so the name is reached through the proc link
 * of its parent's fd (a directory of this layer, already resolved safely). */
static int xattrs_apply(struct archive_entry *e, int fd, int dir_fd, const char *name,
			struct berr *err)
{
	const char *key;
	const void *value;
	size_t size;

	if (archive_entry_xattr_reset(e) == 0)
		return 0;
	while (archive_entry_xattr_next(e, &key, &value, &size) == ARCHIVE_OK) {
		char path[PATH_MAX];
		int r;

		if (!xattr_wanted(key, fd >= 0)) {
			log_debug("layer entry \"%s\": xattr %s skipped", name, key);
			continue;
		}
		if (fd >= 0) {
			r = fsetxattr(fd, key, value, size, 0);
		} else {
			snprintf(path, sizeof(path), "/proc/self/fd/%d/%s", dir_fd, name);
			r = lsetxattr(path, key, value, size, 0);
		}
		if (r < 0)
			return berr_sys(err, "set xattr %s", key);
	}
	return 0;
}

/* Order matters: chown clears setuid bits and file capabilities, so the
 * mode comes after it and the xattrs (security.capability) after both. */
static int meta_apply_fd(struct extract *x, struct archive_entry *e, int fd, const struct meta *m,
			 struct berr *err)
{
	if (x->restore_owner && fchown(fd, m->uid, m->gid) < 0)
		return berr_sys(err, "chown %u:%u", m->uid, m->gid);
	if (fchmod(fd, m->perm) < 0)
		return berr_sys(err, "chmod %o", m->perm);
	if (xattrs_apply(e, fd, -1, NULL, err) < 0)
		return -1;
	if (futimens(fd, m->times) < 0)
		return berr_sys(err, "set times");
	return 0;
}

/* For names that cannot be opened for metadata: symlinks, devices, fifos. */
static int meta_apply_at(struct extract *x, struct archive_entry *e, int dir_fd, const char *name,
			 const struct meta *m, bool is_symlink, struct berr *err)
{
	if (x->restore_owner && fchownat(dir_fd, name, m->uid, m->gid, AT_SYMLINK_NOFOLLOW) < 0)
		return berr_sys(err, "chown %u:%u", m->uid, m->gid);
	/* fchmodat follows symlinks; name is a node this entry just created. */
	if (!is_symlink && fchmodat(dir_fd, name, m->perm, 0) < 0)
		return berr_sys(err, "chmod %o", m->perm);
	if (xattrs_apply(e, -1, dir_fd, name, err) < 0)
		return -1;
	if (utimensat(dir_fd, name, m->times, AT_SYMLINK_NOFOLLOW) < 0)
		return berr_sys(err, "set times");
	return 0;
}

static int pwrite_all(int fd, const char *buf, size_t size, off_t off)
{
	while (size > 0) {
		ssize_t n = pwrite(fd, buf, size, off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		buf += n;
		off += n;
		size -= (size_t)n;
	}
	return 0;
}

/* Data blocks come with their offsets: a sparse file's holes stay holes. */
static int file_write_data(struct extract *x, struct archive_entry *e, int fd, struct berr *err)
{
	la_int64_t end = 0;

	for (;;) {
		const void *buf;
		size_t size;
		la_int64_t off;
		int r = archive_read_data_block(x->inner, &buf, &size, &off);

		if (r == ARCHIVE_EOF)
			break;
		if (r < ARCHIVE_WARN)
			return extract_read_error(x, err);
		if (pwrite_all(fd, buf, size, off) < 0)
			return berr_sys(err, "write");
		end = off + (la_int64_t)size;
	}
	if (archive_entry_size_is_set(e) && archive_entry_size(e) > end &&
	    ftruncate(fd, archive_entry_size(e)) < 0)
		return berr_sys(err, "extend to %lld bytes", (long long)archive_entry_size(e));
	return 0;
}

static int file_extract(struct extract *x, struct archive_entry *e, int dir_fd, const char *name,
			const struct meta *m, struct berr *err)
{
	const int flags = O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC;
	_cleanup_close_ int fd = -1;

	/* A sparse file costs little in the stream but much to copy. */
	if (archive_entry_size(e) > 0 && (uint64_t)archive_entry_size(e) > x->max_bytes)
		return berr_set(err, EFBIG, "a file of %lld bytes exceeds the %llu-byte layer limit",
				(long long)archive_entry_size(e), (unsigned long long)x->max_bytes);
	fd = openat(dir_fd, name, flags, 0600);
	if (fd < 0 && errno == EEXIST) {
		if (xpath_make_room(dir_fd, name, false, NULL, err) < 0)
			return -1;
		fd = openat(dir_fd, name, flags, 0600);
	}
	if (fd < 0)
		return berr_sys(err, "create");
	if (file_write_data(x, e, fd, err) < 0)
		return -1;
	return meta_apply_fd(x, e, fd, m, err);
}

static int defer_dir_meta(struct extract *x, const char *rel, const struct meta *m,
			  struct berr *err)
{
	struct dir_meta *d;

	if (x->ndirs == x->dirs_cap) {
		size_t cap = x->dirs_cap ? 2 * x->dirs_cap : 256;
		struct dir_meta *bigger = realloc(x->dirs, cap * sizeof(*bigger));

		if (!bigger)
			return berr_set(err, ENOMEM, "out of memory");
		x->dirs = bigger;
		x->dirs_cap = cap;
	}
	d = &x->dirs[x->ndirs];
	d->path = str_dup(rel, err);
	if (!d->path)
		return -1;
	d->perm = m->perm;
	memcpy(d->times, m->times, sizeof(d->times));
	x->ndirs++;
	return 0;
}

/* rel "" is the layer root itself ("./" in many tars). */
static int dir_extract(struct extract *x, struct archive_entry *e, int dir_fd, const char *name,
		       const char *rel, const struct meta *m, struct berr *err)
{
	_cleanup_close_ int fd = -1;
	bool was_whiteout = false;

	if (mkdirat(dir_fd, name, 0700) < 0) {
		if (errno != EEXIST)
			return berr_sys(err, "create directory");
		if (xpath_make_room(dir_fd, name, true, &was_whiteout, err) < 0)
			return -1;
		if (mkdirat(dir_fd, name, 0700) < 0 && errno != EEXIST)
			return berr_sys(err, "create directory");
	}
	if (was_whiteout && whiteout_set_opaque(dir_fd, name, err) < 0)
		return -1;
	fd = openat(dir_fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return berr_sys(err, "open directory");
	if (x->restore_owner && fchown(fd, m->uid, m->gid) < 0)
		return berr_sys(err, "chown %u:%u", m->uid, m->gid);
	if (xattrs_apply(e, fd, -1, NULL, err) < 0)
		return -1;
	return defer_dir_meta(x, rel, m, err);
}

static int symlink_extract(struct extract *x, struct archive_entry *e, int dir_fd,
			   const char *name, const struct meta *m, struct berr *err)
{
	/* Stored verbatim: an absolute or "../.." target is fine to create,
	 * it is never followed while extracting. */
	const char *target = archive_entry_symlink(e);

	if (!target || !*target)
		return berr_set(err, 0, "symlink without a target");
	if (symlinkat(target, dir_fd, name) < 0) {
		if (errno != EEXIST)
			return berr_sys(err, "create symlink");
		if (xpath_make_room(dir_fd, name, false, NULL, err) < 0)
			return -1;
		if (symlinkat(target, dir_fd, name) < 0)
			return berr_sys(err, "create symlink");
	}
	return meta_apply_at(x, e, dir_fd, name, m, true, err);
}

static int node_extract(struct extract *x, struct archive_entry *e, int dir_fd, const char *name,
			const struct meta *m, struct berr *err)
{
	mode_t type = archive_entry_filetype(e);
	dev_t dev = type == AE_IFIFO ? 0 : archive_entry_rdev(e);

	if (mknodat(dir_fd, name, type | 0600, dev) < 0) {
		if (errno != EEXIST)
			return berr_sys(err, "create node");
		if (xpath_make_room(dir_fd, name, false, NULL, err) < 0)
			return -1;
		if (mknodat(dir_fd, name, type | 0600, dev) < 0)
			return berr_sys(err, "create node");
	}
	return meta_apply_at(x, e, dir_fd, name, m, false, err);
}

/* The target must be an entry of this layer, reached without symlinks. */
static int link_extract(struct extract *x, struct archive_entry *e, int dir_fd, const char *rel,
			const char *name, struct berr *err)
{
	_cleanup_free_ char *target = NULL;
	_cleanup_close_ int target_dir = -1;
	const char *raw = archive_entry_hardlink(e), *slash, *target_name;
	char q[256];
	int r;

	if (xpath_clean(raw, &target, err) < 0)
		return berr_prefix(err, "hardlink target \"%s\"", xpath_quote(raw, q, sizeof(q)));
	if (!*target)
		return berr_set(err, 0, "hardlink to the layer root");
	if (!strcmp(target, rel))
		return 0;
	slash = strrchr(target, '/');
	target_name = slash ? slash + 1 : target;
	if (slash)
		target[slash - target] = '\0';
	target_dir = xpath_open_dir(x, slash ? target : "", false, err);
	if (target_dir < 0)
		return berr_prefix(err, "hardlink target \"%s\"", xpath_quote(raw, q, sizeof(q)));
	r = linkat(target_dir, target_name, dir_fd, name, 0);
	if (r < 0 && errno == EEXIST) {
		if (xpath_make_room(dir_fd, name, false, NULL, err) < 0)
			return -1;
		r = linkat(target_dir, target_name, dir_fd, name, 0);
	}
	if (r == 0)
		return 0;
	if (errno == ENOENT)
		return berr_set(err, ENOENT, "hardlink target \"%s\" is not in this layer",
				xpath_quote(raw, q, sizeof(q)));
	return berr_sys(err, "hardlink to \"%s\"", xpath_quote(raw, q, sizeof(q)));
}

static int entry_create(struct extract *x, struct archive_entry *e, const char *raw,
			struct berr *err)
{
	_cleanup_free_ char *rel = NULL;
	const char *name;
	mode_t type = archive_entry_filetype(e);
	struct meta m = { 0 };
	int dir_fd;

	if (xpath_clean(raw, &rel, err) < 0 || meta_read(e, &m, err) < 0)
		return -1;
	if (!*rel) {
		if (type != AE_IFDIR || archive_entry_hardlink(e))
			return berr_set(err, 0, "the layer root can only be a directory");
		return dir_extract(x, e, x->root, ".", "", &m, err);
	}
	dir_fd = xpath_parent(x, rel, &name, err);
	if (dir_fd < 0)
		return -1;
	if (whiteout_name(name))
		return whiteout_extract(dir_fd, name, err);
	if (archive_entry_hardlink(e))
		return link_extract(x, e, dir_fd, rel, name, err);
	switch (type) {
	case AE_IFREG:
		return file_extract(x, e, dir_fd, name, &m, err);
	case AE_IFDIR:
		return dir_extract(x, e, dir_fd, name, rel, &m, err);
	case AE_IFLNK:
		return symlink_extract(x, e, dir_fd, name, &m, err);
	case AE_IFCHR:
	case AE_IFBLK:
	case AE_IFIFO:
		return node_extract(x, e, dir_fd, name, &m, err);
	default:
		return berr_set(err, 0, "unsupported file type 0%o", (unsigned)type);
	}
}

int entry_extract(struct extract *x, struct archive_entry *e, struct berr *err)
{
	const char *raw = archive_entry_pathname(e);
	char q[256];

	if (entry_create(x, e, raw, err) < 0)
		return berr_prefix(err, "entry \"%s\"", xpath_quote(raw, q, sizeof(q)));
	return 0;
}

/* A directory that a later entry replaced or removed is skipped. */
static int dir_meta_apply(struct extract *x, const struct dir_meta *d, struct berr *err)
{
	_cleanup_close_ int path_fd = xpath_open_dir(x, d->path, false, err);
	_cleanup_close_ int fd = -1;

	if (path_fd < 0 && (err->code == ENOENT || err->code == ENOTDIR || err->code == ELOOP)) {
		berr_clear(err);
		return 0;
	}
	if (path_fd < 0)
		return -1;
	fd = openat(path_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return berr_sys(err, "open directory");
	if (fchmod(fd, d->perm) < 0)
		return berr_sys(err, "chmod %o", d->perm);
	if (futimens(fd, d->times) < 0)
		return berr_sys(err, "set times");
	return 0;
}

int entry_finish_dirs(struct extract *x, struct berr *err)
{
	char q[256];

	for (size_t i = 0; i < x->ndirs; i++) {
		if (dir_meta_apply(x, &x->dirs[i], err) < 0)
			return berr_prefix(err, "entry \"%s\"", xpath_quote(x->dirs[i].path, q, sizeof(q)));
	}
	return 0;
}
