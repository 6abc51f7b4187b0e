/* Layer extraction: turning tar entry names into directory fds beneath the
 * layer directory, safely.
 *
 * Names are cleaned lexically first (no absolute paths, no ".."), so every
 * path is a plain list of components below the layer root. Directories are
 * then opened relative to the layer root's fd, never by absolute path:
 * openat2(RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS) does the whole path in one
 * call where the kernel has it (5.6+); when that fails for any reason
 * (missing directories to create, a symlink or a non-directory in the way,
 * no openat2) a walk opens one component at a time with O_NOFOLLOW, which
 * creates what is missing and names what is wrong. Neither ever follows a
 * symlink, so a symlink stored by the layer (even one to "/" or "../..")
 * can be created but never written through. Final components are then
 * created with the *at() calls relative to their parent's fd. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#include "image/image_extract_private.h"
#include "image/image_store.h"

const char *xpath_quote(const char *raw, char *buf, size_t size)
{
	size_t n = 0, i;

	if (!raw)
		raw = "";
	/* Control characters could rewrite the user's terminal: print them as '?'. */
	for (i = 0; raw[i] && n + 4 < size; i++)
		buf[n++] = (unsigned char)raw[i] < 0x20 || raw[i] == 0x7f ? '?' : raw[i];
	if (raw[i] && size >= 4) {
		memcpy(buf + n, "...", 3);
		n += 3;
	}
	buf[n] = '\0';
	return buf;
}

int xpath_clean(const char *raw, char **out, struct berr *err)
{
	char *clean, *p;
	size_t len;

	if (!raw || !*raw)
		return berr_set(err, 0, "an entry without a name");
	len = strlen(raw);
	if (len >= PATH_MAX)
		return berr_set(err, ENAMETOOLONG, "name longer than %d bytes", PATH_MAX - 1);
	if (raw[0] == '/')
		return berr_set(err, 0, "absolute path (a layer's paths are relative to its root)");
	clean = malloc(len + 1);
	if (!clean)
		return berr_set(err, ENOMEM, "out of memory");
	p = clean;
	for (const char *s = raw; *s;) {
		size_t n = strcspn(s, "/");

		if (n == 2 && s[0] == '.' && s[1] == '.') {
			free(clean);
			return berr_set(err, 0, "path escapes the layer");
		}
		/* "./x", "a//b" and "a/./b" are common in real tars: skip the empty and "." parts. */
		if (n > 0 && !(n == 1 && s[0] == '.')) {
			if (p != clean)
				*p++ = '/';
			memcpy(p, s, n);
			p += n;
		}
		s += n + (s[n] == '/');
	}
	*p = '\0';
	*out = clean;
	return 0;
}

static bool have_openat2 = true; /* cleared once the kernel says ENOSYS */

/* The one-call form; -1 (errno set) whenever the walk must take over. */
static int open_beneath(int root, const char *rel)
{
	struct open_how how = {
		.flags = O_PATH | O_DIRECTORY | O_CLOEXEC,
		.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS,
	};
	long fd;

	if (!have_openat2) {
		errno = ENOSYS;
		return -1;
	}
	fd = syscall(SYS_openat2, root, rel, &how, sizeof(how));
	if (fd < 0 && errno == ENOSYS)
		have_openat2 = false;
	return (int)fd;
}

/* Open one component of a walk; shown is the path so far, for messages. */
static int walk_step(int dir_fd, const char *name, const char *shown, bool create,
		     struct berr *err)
{
	struct stat st;
	int fd = openat(dir_fd, name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

	if (fd >= 0)
		return fd;
	if (errno == ENOENT && !create)
		return berr_set(err, ENOENT, "\"%s\" does not exist in the layer", shown);
	if (errno == ENOENT) {
		if (mkdirat(dir_fd, name, 0755) < 0 && errno != EEXIST)
			return berr_sys(err, "create directory \"%s\"", shown);
		return walk_step(dir_fd, name, shown, false, err);
	}
	if (errno != ENOTDIR && errno != ELOOP)
		return berr_sys(err, "open directory \"%s\"", shown);
	if (fstatat(dir_fd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return berr_sys(err, "stat \"%s\"", shown);
	if (S_ISLNK(st.st_mode))
		return berr_set(err, ELOOP, "\"%s\" is a symlink: a layer may not write through symlinks",
				shown);
	if (!create || !whiteout_stat_is(&st))
		return berr_set(err, ENOTDIR, "\"%s\" is not a directory", shown);
	if (whiteout_to_opaque_dir(dir_fd, name, err) < 0)
		return -1;
	return walk_step(dir_fd, name, shown, false, err);
}

static int walk(struct extract *x, const char *rel, bool create, struct berr *err)
{
	_cleanup_free_ char *shown = str_dup(rel, err);
	_cleanup_close_ int cur = -1;

	if (!shown)
		return -1;
	cur = openat(x->root, ".", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (cur < 0)
		return berr_sys(err, "open the layer directory");
	for (char *p = shown; *p;) {
		size_t n = strcspn(p, "/");
		char saved = p[n];
		int next;

		/* Cut shown after this component: it is then both the path so
		 * far (for messages) and, from p, the component's name. */
		p[n] = '\0';
		next = walk_step(cur, p, shown, create, err);
		p[n] = saved;
		if (next < 0)
			return -1;
		close(cur);
		cur = next;
		p += n + (saved == '/');
	}
	return steal_fd(cur);
}

int xpath_open_dir(struct extract *x, const char *rel, bool create, struct berr *err)
{
	int fd;

	if (!*rel) {
		fd = openat(x->root, ".", O_PATH | O_DIRECTORY | O_CLOEXEC);
		return fd < 0 ? berr_sys(err, "open the layer directory") : fd;
	}
	fd = open_beneath(x->root, rel);
	return fd >= 0 ? fd : walk(x, rel, create, err);
}

int xpath_parent(struct extract *x, const char *rel, const char **name, struct berr *err)
{
	const char *slash = strrchr(rel, '/');
	size_t len = slash ? (size_t)(slash - rel) : 0;
	char *parent;
	int fd;

	*name = slash ? slash + 1 : rel;
	/* Tars list a directory's entries together: most lookups hit the
	 * cache. Entries only ever remove children of the current parent, so
	 * a cached directory is never removed under the cache. */
	if (x->parent_path && strlen(x->parent_path) == len && !memcmp(x->parent_path, rel, len))
		return x->parent_fd;
	parent = strndup(rel, len);
	if (!parent)
		return berr_set(err, ENOMEM, "out of memory");
	fd = xpath_open_dir(x, parent, true, err);
	if (fd < 0) {
		free(parent);
		return -1;
	}
	xpath_forget(x);
	x->parent_path = parent;
	x->parent_fd = fd;
	return fd;
}

void xpath_forget(struct extract *x)
{
	if (x->parent_fd >= 0)
		close(x->parent_fd);
	free(x->parent_path);
	x->parent_fd = -1;
	x->parent_path = NULL;
}

int xpath_make_room(int dir_fd, const char *name, bool keep_dir, bool *was_whiteout,
		    struct berr *err)
{
	struct stat st;

	if (was_whiteout)
		*was_whiteout = false;
	if (fstatat(dir_fd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return errno == ENOENT ? 0 : berr_sys(err, "stat the earlier entry");
	if (S_ISDIR(st.st_mode))
		return keep_dir ? 0 : store_remove_tree(dir_fd, name, NULL, err);
	if (was_whiteout)
		*was_whiteout = whiteout_stat_is(&st);
	if (unlinkat(dir_fd, name, 0) < 0)
		return berr_sys(err, "remove the earlier entry");
	return 0;
}
