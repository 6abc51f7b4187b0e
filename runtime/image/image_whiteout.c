/* Layer extraction: OCI whiteouts into overlayfs whiteouts.
 *
 * A ".wh.NAME" entry becomes what overlayfs reads as a whiteout, a 0/0
 * character device NAME; ".wh..wh..opq" becomes the opaque xattr on its
 * directory. Whiteouts only hide lower layers (OCI image spec,
 * "Whiteouts"), so within one layer:
 *  - ".wh.NAME" where this layer already has NAME: a file keeps hiding the
 *    lower one by itself, nothing to do; a directory is marked opaque, so
 *    the lower directory's content stays hidden but this layer's shows;
 *  - NAME after ".wh.NAME": a file replaces the whiteout device, a
 *    directory replaces it and is marked opaque (same result as above);
 *  - ".wh..wh..opq" marks its directory opaque wherever it appears, and
 *    never removes this layer's own content of that directory;
 *  - other ".wh..wh." names (aufs metadata) are skipped. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>

#include "image/image_extract_private.h"

#define WHITEOUT_PREFIX ".wh."
#define WHITEOUT_META_PREFIX ".wh..wh."
#define WHITEOUT_OPAQUE ".wh..wh..opq"
#define OVERLAY_OPAQUE_XATTR "trusted.overlay.opaque"

bool whiteout_name(const char *name)
{
	return str_starts_with(name, WHITEOUT_PREFIX);
}

bool whiteout_stat_is(const struct stat *st)
{
	return S_ISCHR(st->st_mode) && st->st_rdev == makedev(0, 0);
}

int whiteout_set_opaque(int dir_fd, const char *name, struct berr *err)
{
	_cleanup_close_ int fd = openat(dir_fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

	if (fd < 0)
		return berr_sys(err, "open directory \"%s\"", name);
	if (fsetxattr(fd, OVERLAY_OPAQUE_XATTR, "y", 1, 0) < 0)
		return berr_sys(err, "mark \"%s\" opaque (%s)", name, OVERLAY_OPAQUE_XATTR);
	return 0;
}

int whiteout_to_opaque_dir(int dir_fd, const char *name, struct berr *err)
{
	if (unlinkat(dir_fd, name, 0) < 0)
		return berr_sys(err, "remove whiteout \"%s\"", name);
	if (mkdirat(dir_fd, name, 0755) < 0)
		return berr_sys(err, "create directory \"%s\"", name);
	return whiteout_set_opaque(dir_fd, name, err);
}

int whiteout_extract(int dir_fd, const char *name, struct berr *err)
{
	const char *hidden = name + strlen(WHITEOUT_PREFIX);
	struct stat st;

	if (!strcmp(name, WHITEOUT_OPAQUE))
		return whiteout_set_opaque(dir_fd, ".", err);
	if (str_starts_with(name, WHITEOUT_META_PREFIX)) {
		log_debug("layer entry \"%s\": aufs metadata skipped", name);
		return 0;
	}
	if (!strcmp(hidden, ".."))
		return berr_set(err, 0, "whiteout escapes the layer");
	if (!*hidden || !strcmp(hidden, "."))
		return berr_set(err, 0, "whiteout without a name");
	if (fstatat(dir_fd, hidden, &st, AT_SYMLINK_NOFOLLOW) == 0)
		return S_ISDIR(st.st_mode) ? whiteout_set_opaque(dir_fd, hidden, err) : 0;
	if (errno != ENOENT)
		return berr_sys(err, "stat \"%s\"", hidden);
	if (mknodat(dir_fd, hidden, S_IFCHR, makedev(0, 0)) < 0)
		return berr_sys(err, "create the overlay whiteout \"%s\"", hidden);
	return 0;
}
