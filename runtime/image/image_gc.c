/* Garbage: leftovers of dead loads, and blobs and layers nothing uses. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>

#include "image/image_store.h"

/* ---- removing trees ---------------------------------------------------------- */

static int entry_is_dir(int fd, const struct dirent *e, uint64_t *size)
{
	struct stat s;

	*size = 0;
	if (e->d_type != DT_UNKNOWN && e->d_type != DT_REG)
		return e->d_type == DT_DIR;
	if (fstatat(fd, e->d_name, &s, AT_SYMLINK_NOFOLLOW) < 0)
		return errno == ENOENT ? 0 : -1;
	if (S_ISREG(s.st_mode))
		*size = (uint64_t)s.st_size;
	return S_ISDIR(s.st_mode);
}

/* Unlinks every non-directory in fd; *subdir gets the name of one
 * subdirectory (to descend into), or stays NULL when there is none. */
static int clear_files(int fd, char **subdir, uint64_t *freed, struct berr *err)
{
	DIR *d = fs_opendir_at(fd, ".");
	struct dirent *e;
	int rc = 0;

	if (!d)
		return berr_sys(err, "open directory");
	while (rc == 0 && (errno = 0, e = readdir(d))) {
		uint64_t size;
		int is_dir;

		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		is_dir = entry_is_dir(fd, e, &size);
		if (is_dir < 0)
			rc = berr_sys(err, "stat %s", e->d_name);
		else if (is_dir && !*subdir && !(*subdir = strdup(e->d_name)))
			rc = berr_set(err, ENOMEM, "out of memory");
		else if (!is_dir && unlinkat(fd, e->d_name, 0) < 0 && errno != ENOENT)
			rc = berr_sys(err, "remove %s", e->d_name);
		else if (!is_dir && freed)
			*freed += size;
	}
	if (rc == 0 && errno)
		rc = berr_sys(err, "read directory");
	closedir(d);
	return rc;
}

/* Opens name under dir_fd, then each of the first depth names of stack. */
static int open_nested(int dir_fd, const char *name, char **stack, size_t depth)
{
	int fd = openat(dir_fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

	for (size_t i = 0; fd >= 0 && i < depth; i++) {
		int next = openat(fd, stack[i], O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

		close(fd);
		fd = next;
	}
	return fd;
}

/* Depth-first with a stack of names and at most two open fds, so that a
 * hostile layer's thousands of nested directories cannot exhaust fds:
 * going back up reopens the parent from the top. */
static int remove_dir_tree(int dir_fd, const char *name, uint64_t *freed, struct berr *err)
{
	_cleanup_free_ char **stack = NULL;
	size_t depth = 0, cap = 0;
	int fd = open_nested(dir_fd, name, NULL, 0), rc = 0;

	while (rc == 0) {
		/* clear_files may have named a subdirectory before it failed */
		_cleanup_free_ char *sub = NULL;

		if (fd < 0) {
			rc = berr_sys(err, "open %s", name);
			break;
		}
		(void)fchmod(fd, 0700); /* a read-only directory of a layer must still empty */
		rc = clear_files(fd, &sub, freed, err);
		close(fd);
		fd = -1;
		if (rc < 0)
			break;
		if (sub) {
			if (depth == cap) {
				char **bigger = reallocarray(stack, cap * 2 + 16, sizeof(*stack));

				if (!bigger) {
					rc = berr_set(err, ENOMEM, "out of memory");
					break;
				}
				stack = bigger;
				cap = cap * 2 + 16;
			}
			stack[depth++] = steal_ptr(sub);
			fd = open_nested(dir_fd, name, stack, depth);
			continue;
		}
		if (depth == 0) {
			if (unlinkat(dir_fd, name, AT_REMOVEDIR) < 0 && errno != ENOENT)
				rc = berr_sys(err, "remove %s", name);
			break;
		}
		fd = open_nested(dir_fd, name, stack, depth - 1);
		if (fd >= 0 && unlinkat(fd, stack[depth - 1], AT_REMOVEDIR) < 0 && errno != ENOENT)
			rc = berr_sys(err, "remove %s", stack[depth - 1]);
		free(stack[--depth]);
	}
	if (fd >= 0)
		close(fd);
	while (depth > 0)
		free(stack[--depth]);
	return rc;
}

int store_remove_tree(int dir_fd, const char *name, uint64_t *freed, struct berr *err)
{
	struct stat s;

	if (fstatat(dir_fd, name, &s, AT_SYMLINK_NOFOLLOW) < 0)
		return errno == ENOENT ? 0 : berr_sys(err, "stat %s", name);
	if (S_ISDIR(s.st_mode))
		return remove_dir_tree(dir_fd, name, freed, err);
	if (unlinkat(dir_fd, name, 0) < 0 && errno != ENOENT)
		return berr_sys(err, "remove %s", name);
	if (freed && S_ISREG(s.st_mode))
		*freed += (uint64_t)s.st_size;
	return 0;
}

/* ---- staging leftovers ---------------------------------------------------------- */

/* A staging dir whose flock we can take belongs to a load that is gone. */
static int clean_one_staging(int staging_fd, const char *name, struct berr *err)
{
	_cleanup_close_ int fd = openat(staging_fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
							      O_CLOEXEC);

	if (fd >= 0 && flock(fd, LOCK_EX | LOCK_NB) < 0)
		return errno == EWOULDBLOCK ? 0 : berr_sys(err, "lock staging/%s", name);
	log_debug("removing staging/%s of a load that did not finish", name);
	return store_remove_tree(staging_fd, name, NULL, err);
}

static int remove_index_temps(struct store *st, struct berr *err)
{
	DIR *d = fs_opendir_at(st->dir_fd, ".");
	struct dirent *e;
	int rc = 0;

	if (!d)
		return berr_sys(err, "open %s", st->dir);
	while (rc == 0 && (e = readdir(d)))
		if (str_starts_with(e->d_name, "index.json.tmp.") &&
		    unlinkat(st->dir_fd, e->d_name, 0) < 0 && errno != ENOENT)
			rc = berr_sys(err, "remove %s/%s", st->dir, e->d_name);
	closedir(d);
	return rc;
}

int store_clean_staging(struct store *st, struct berr *err)
{
	_cleanup_close_ int fd = openat(st->dir_fd, "staging", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *d = fd >= 0 ? fs_opendir_at(fd, ".") : NULL;
	struct dirent *e;
	int rc = 0;

	if (!d)
		return berr_sys(err, "open %s/staging", st->dir);
	while (rc == 0 && (e = readdir(d)))
		if (e->d_name[0] != '.')
			rc = clean_one_staging(fd, e->d_name, err);
	closedir(d);
	if (rc < 0)
		return berr_prefix(err, "%s", st->dir);
	return remove_index_temps(st, err);
}
