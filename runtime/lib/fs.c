#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <string.h>
#include <sys/stat.h>

#include "lib.h"

char *fs_read_file(const char *path, size_t max_bytes, size_t *len, struct berr *err)
{
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
	_cleanup_free_ char *buf = NULL;
	size_t used = 0, cap = 4096;

	if (fd < 0)
		return berr_sys(err, "%s", path), NULL;
	buf = malloc(cap);
	if (!buf)
		return berr_set(err, ENOMEM, "%s: out of memory", path), NULL;
	for (;;) {
		ssize_t n;

		if (used + 1 >= cap) {
			char *bigger;

			if (cap > max_bytes)
				return berr_set(err, EFBIG, "%s: larger than %zu bytes", path, max_bytes), NULL;
			bigger = realloc(buf, cap * 2);
			if (!bigger)
				return berr_set(err, ENOMEM, "%s: out of memory", path), NULL;
			buf = bigger;
			cap *= 2;
		}
		n = read(fd, buf + used, cap - used - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return berr_sys(err, "read %s", path), NULL;
		if (n == 0)
			break;
		used += (size_t)n;
	}
	if (used > max_bytes)
		return berr_set(err, EFBIG, "%s: larger than %zu bytes", path, max_bytes), NULL;
	buf[used] = '\0';
	if (len)
		*len = used;
	return steal_ptr(buf);
}

static int fsync_parent_dir(const char *path, struct berr *err)
{
	_cleanup_free_ char *copy = str_dup(path, err);
	_cleanup_close_ int dfd = -1;

	if (!copy)
		return -1;
	dfd = open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return berr_sys(err, "open directory of %s", path);
	if (fsync(dfd) < 0)
		return berr_sys(err, "fsync directory of %s", path);
	return 0;
}

static int write_all(int fd, const void *data, size_t len)
{
	const char *p = data;

	while (len > 0) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int fs_write_atomic(const char *path, const void *data, size_t len, mode_t mode, struct berr *err)
{
	_cleanup_free_ char *tmp = str_printf(err, "%s.tmp.%ld", path, (long)getpid());
	_cleanup_close_ int fd = -1;

	if (!tmp)
		return -1;
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	if (fd < 0)
		return berr_sys(err, "create %s", tmp);
	if (write_all(fd, data, len) < 0 || fsync(fd) < 0) {
		berr_sys(err, "write %s", tmp);
		unlink(tmp);
		return -1;
	}
	if (rename(tmp, path) < 0) {
		berr_sys(err, "rename %s to %s", tmp, path);
		unlink(tmp);
		return -1;
	}
	return fsync_parent_dir(path, err);
}

int fs_mkdir_p(const char *path, mode_t mode, struct berr *err)
{
	_cleanup_free_ char *copy = str_dup(path, err);
	char *p;

	if (!copy)
		return -1;
	for (p = copy + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(copy, mode) < 0 && errno != EEXIST)
			return berr_sys(err, "mkdir %s", copy);
		*p = '/';
	}
	if (mkdir(copy, mode) < 0 && errno != EEXIST)
		return berr_sys(err, "mkdir %s", copy);
	return 0;
}

bool fs_exists(const char *path)
{
	return access(path, F_OK) == 0;
}

DIR *fs_opendir_at(int dir_fd, const char *name)
{
	int fd = openat(dir_fd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *d;
	int saved;

	if (fd < 0)
		return NULL;
	d = fdopendir(fd);
	if (d)
		return d;
	saved = errno; /* the caller reports fdopendir's error, not close's */
	close(fd);
	errno = saved;
	return NULL;
}
