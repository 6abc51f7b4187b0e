/* Reading, writing, creating and removing cgroup files and directories. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "cgroup/cgroup_backend.h"

/* Control files are small; cgroup.procs of a busy cgroup is the largest. */
#define CG_READ_MAX (1 << 20)
#define CG_WALK_DEPTH 16
/* An rmdir right after the last process exited can still see it counted. */
#define CG_RMDIR_TRIES 100
#define CG_RMDIR_WAIT_NS (10L * 1000 * 1000)

int cg_write(const char *dir, const char *file, const char *value, struct berr *err)
{
	_cleanup_free_ char *path = str_printf(err, "%s/%s", dir, file);
	_cleanup_close_ int fd = -1;
	size_t len = strlen(value);
	ssize_t n;

	if (!path)
		return -1;
	log_debug("cgroup: %s <- %s", path, value);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return berr_sys(err, "cgroup: write \"%s\" to %s", value, path);
	n = write(fd, value, len);
	if (n < 0)
		return berr_sys(err, "cgroup: write \"%s\" to %s", value, path);
	if ((size_t)n != len)
		return berr_set(err, EIO, "cgroup: write \"%s\" to %s: short write", value, path);
	return 0;
}

int cg_writef(const char *dir, const char *file, struct berr *err, const char *fmt, ...)
{
	_cleanup_free_ char *value = NULL;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&value, fmt, ap);
	va_end(ap);
	if (n < 0)
		return berr_set(err, ENOMEM, "cgroup: out of memory");
	return cg_write(dir, file, value, err);
}

bool cg_has_file(const char *dir, const char *file)
{
	_cleanup_free_ char *path = str_printf(NULL, "%s/%s", dir, file);

	return path && fs_exists(path);
}

char *cg_read(const char *dir, const char *file, struct berr *err)
{
	_cleanup_free_ char *path = str_printf(err, "%s/%s", dir, file);
	char *text;

	if (!path)
		return NULL;
	text = fs_read_file(path, CG_READ_MAX, NULL, err);
	if (!text)
		berr_prefix(err, "cgroup: read");
	return text;
}

static int parse_u64(const char *s, uint64_t *out)
{
	char *end = NULL;

	if (str_starts_with(s, "max")) {
		*out = CGROUP_UNLIMITED;
		return 0;
	}
	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	*out = strtoull(s, &end, 10);
	if (errno || (*end != '\0' && *end != '\n' && *end != ' '))
		return -1;
	return 0;
}

int cg_read_u64(const char *dir, const char *file, uint64_t *out, struct berr *err)
{
	_cleanup_free_ char *text = cg_read(dir, file, err);

	if (!text)
		return -1;
	if (parse_u64(text, out) < 0)
		return berr_set(err, EINVAL, "cgroup: %s/%s: not a number: \"%.32s\"", dir, file, text);
	return 0;
}

int cg_read_key(const char *dir, const char *file, const char *key, uint64_t *out,
		struct berr *err)
{
	_cleanup_free_ char *text = cg_read(dir, file, err);
	size_t klen = strlen(key);

	if (!text)
		return -1;
	for (char *line = text, *next; line; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		if (strncmp(line, key, klen) != 0 || line[klen] != ' ')
			continue;
		if (parse_u64(line + klen + 1, out) < 0)
			return berr_set(err, EINVAL, "cgroup: %s/%s: %s is not a number", dir, file, key);
		return 0;
	}
	return berr_set(err, ENOENT, "cgroup: %s/%s: no \"%s\"", dir, file, key);
}

int cg_read_u64_or0(const char *dir, const char *file, uint64_t *out, struct berr *err)
{
	*out = 0;
	if (cg_read_u64(dir, file, out, err) == 0)
		return 0;
	*out = 0;
	return err->code == ENOENT ? 0 : -1;
}

int cg_read_key_or0(const char *dir, const char *file, const char *key, uint64_t *out,
		    struct berr *err)
{
	*out = 0;
	if (cg_read_key(dir, file, key, out, err) == 0)
		return 0;
	*out = 0;
	return err->code == ENOENT ? 0 : -1;
}

int cg_mkdir(const char *path, struct berr *err)
{
	if (mkdir(path, 0755) < 0)
		return berr_sys(err, "cgroup: mkdir %s", path);
	log_debug("cgroup: mkdir %s", path);
	return 0;
}

static int walk_at(const char *dir, cg_walk_fn fn, void *arg, int depth, struct berr *err)
{
	DIR *d;
	struct dirent *e;
	int rc = 0;

	if (depth > CG_WALK_DEPTH)
		return berr_set(err, ELOOP, "cgroup: %s: nested deeper than %d", dir, CG_WALK_DEPTH);
	d = opendir(dir);
	if (!d && errno == ENOENT)
		return 0; /* removed meanwhile: nothing left to visit */
	if (!d)
		return berr_sys(err, "cgroup: open %s", dir);
	while (rc == 0 && (errno = 0, e = readdir(d))) {
		_cleanup_free_ char *sub = NULL;

		if (e->d_type != DT_DIR || !strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		sub = str_printf(err, "%s/%s", dir, e->d_name);
		rc = sub ? walk_at(sub, fn, arg, depth + 1, err) : -1;
	}
	if (rc == 0 && errno)
		rc = berr_sys(err, "cgroup: read directory %s", dir);
	closedir(d);
	return rc < 0 ? rc : fn(dir, arg, err);
}

int cg_walk(const char *dir, cg_walk_fn fn, void *arg, struct berr *err)
{
	return walk_at(dir, fn, arg, 0, err);
}

static int rmdir_patiently(const char *dir, void *arg, struct berr *err)
{
	const struct timespec wait = { 0, CG_RMDIR_WAIT_NS };

	(void)arg;
	for (int i = 0; i < CG_RMDIR_TRIES; i++) {
		if (rmdir(dir) == 0 || errno == ENOENT) {
			log_debug("cgroup: rmdir %s", dir);
			return 0;
		}
		if (errno != EBUSY)
			break;
		nanosleep(&wait, NULL);
	}
	return berr_sys(err, "cgroup: rmdir %s", dir);
}

int cg_remove_tree(const char *path, struct berr *err)
{
	return cg_walk(path, rmdir_patiently, NULL, err);
}
