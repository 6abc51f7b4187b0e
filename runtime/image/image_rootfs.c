/* A task's root filesystem: an overlay of the image's extracted layers.
 *
 *   <state>/rootfs/<task>/image    manifest digest and reference: image rm
 *                                  and prune see the image is in use
 *   <state>/rootfs/<task>/l/<i>    symlinks to the layer dirs (i = 0 bottom)
 *   <state>/rootfs/<task>/empty    an empty bottom layer
 *   <state>/rootfs/<task>/rw       tmpfs, size = the ephemeral storage limit
 *   <state>/rootfs/<task>/rw/upper, rw/work
 *   <state>/rootfs/<task>/merged   the overlay: the task's root
 *
 * The overlay's mount options name the layers through the short l/<i>
 * links, relative to the task directory (mount resolves relative paths
 * against the caller's working directory), so even hundreds of layers fit
 * the one-page limit on mount data, on any kernel (the newer fsconfig
 * "lowerdir+" would need 6.8). The empty bottom layer lets a read-only
 * rootfs be a lower-only overlay even for a one-layer image (overlayfs
 * wants two lower dirs without an upper one).
 *
 * The writable layer lives on a tmpfs: its size= option is the limit, and
 * writing past it fails with ENOSPC. tmpfs only caps, it reserves nothing,
 * but what a task writes there takes RAM (charged to the task's memory
 * cgroup): on a board the default is Fargate's 20 GiB only where half the
 * RAM is larger, else half the RAM (tmpfs's own default). */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysinfo.h>

#include "image/image.h"
#include "image/image_layer.h"
#include "image/image_store.h"

#define ROOTFS_SIZE_DEFAULT (20ull << 30) /* Fargate's default ephemeral storage */
#define MOUNT_DATA_MAX 4096               /* the kernel copies one page of options */
#define TASK_ID_MAX 128

static uint64_t default_size(void)
{
	struct sysinfo si;
	uint64_t half;

	if (sysinfo(&si) < 0)
		return ROOTFS_SIZE_DEFAULT;
	half = (uint64_t)si.totalram * si.mem_unit / 2;
	return half < ROOTFS_SIZE_DEFAULT ? half : ROOTFS_SIZE_DEFAULT;
}

/* Mount with dir as the working directory, so data may name paths
 * relative to it; the caller's working directory is restored. berth does
 * this from one thread only. */
static int mount_in(const char *dir, const char *type, const char *target, unsigned long flags,
		    const char *data, struct berr *err)
{
	_cleanup_close_ int cwd = open(".", O_PATH | O_DIRECTORY | O_CLOEXEC);
	int r, saved;

	if (cwd < 0)
		return berr_sys(err, "open the working directory");
	if (chdir(dir) < 0)
		return berr_sys(err, "chdir %s", dir);
	r = mount(type, target, type, flags, data);
	saved = errno;
	if (fchdir(cwd) < 0)
		return berr_sys(err, "return to the working directory");
	errno = saved;
	return r < 0 ? berr_sys(err, "mount %s on %s/%s", type, dir, target) : 0;
}

static int mkdir_in(const char *dir, const char *name, mode_t mode, struct berr *err)
{
	_cleanup_free_ char *path = str_printf(err, "%s/%s", dir, name);

	if (!path)
		return -1;
	if (mkdir(path, mode) < 0 && errno != EEXIST)
		return berr_sys(err, "mkdir %s", path);
	return 0;
}

static int link_layers(const char *task_dir, char *const *layer_dirs, size_t count,
		       struct berr *err)
{
	_cleanup_free_ char *l = str_printf(err, "%s/l", task_dir);
	_cleanup_close_ int dir_fd = -1;

	if (!l || mkdir_in(task_dir, "l", 0700, err) < 0)
		return -1;
	dir_fd = open(l, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (dir_fd < 0)
		return berr_sys(err, "open %s", l);
	for (size_t i = 0; i < count; i++) {
		char name[24];

		snprintf(name, sizeof(name), "%zu", i);
		if (symlinkat(layer_dirs[i], dir_fd, name) < 0)
			return berr_sys(err, "link %s/%s to %s", l, name, layer_dirs[i]);
	}
	return 0;
}

/* "lowerdir=l/<top>:...:l/0:empty[,upperdir=rw/upper,workdir=rw/work]" */
static char *overlay_options(size_t count, bool readonly, struct berr *err)
{
	char *data = malloc(MOUNT_DATA_MAX);
	size_t used;

	if (!data)
		return berr_set(err, ENOMEM, "out of memory"), NULL;
	used = (size_t)snprintf(data, MOUNT_DATA_MAX, "lowerdir=");
	for (size_t i = count; i-- > 0 && used < MOUNT_DATA_MAX;)
		used += (size_t)snprintf(data + used, MOUNT_DATA_MAX - used, "l/%zu:", i);
	if (used < MOUNT_DATA_MAX)
		used += (size_t)snprintf(data + used, MOUNT_DATA_MAX - used, "empty%s",
					 readonly ? "" : ",upperdir=rw/upper,workdir=rw/work");
	if (used >= MOUNT_DATA_MAX) {
		free(data);
		return berr_set(err, E2BIG, "%zu layers are too many for one overlay mount", count), NULL;
	}
	return data;
}

static int mount_upper(const char *task_dir, uint64_t size, struct berr *err)
{
	_cleanup_free_ char *rw = str_printf(err, "%s/rw", task_dir);
	char data[64];

	if (!rw || mkdir_in(task_dir, "rw", 0700, err) < 0)
		return -1;
	snprintf(data, sizeof(data), "size=%llu,mode=0700", (unsigned long long)size);
	if (mount("tmpfs", rw, "tmpfs", MS_NOSUID | MS_NODEV, data) < 0)
		return berr_sys(err, "mount tmpfs (%s) on %s", data, rw);
	if (mkdir_in(rw, "upper", 0755, err) < 0 || mkdir_in(rw, "work", 0700, err) < 0)
		return -1;
	return 0;
}

static int compose_overlay(const char *task_dir, char *const *layer_dirs, size_t count,
			   const struct image_rootfs_opts *opts, struct berr *err)
{
	_cleanup_free_ char *data = overlay_options(count, opts->readonly, err);
	uint64_t size = opts->size_bytes ? opts->size_bytes : default_size();

	if (!data || link_layers(task_dir, layer_dirs, count, err) < 0 ||
	    mkdir_in(task_dir, "empty", 0755, err) < 0 || mkdir_in(task_dir, "merged", 0755, err) < 0)
		return -1;
	if (!opts->readonly && mount_upper(task_dir, size, err) < 0)
		return -1;
	/* nodev: device nodes that come in image layers must not open host
	 * devices; the container's /dev is a separate mount of chosen nodes. */
	return mount_in(task_dir, "overlay", "merged", MS_NODEV | (opts->readonly ? MS_RDONLY : 0),
			data, err);
}

static int unmount_in(const char *task_dir, const char *name, struct berr *err)
{
	_cleanup_free_ char *path = str_printf(err, "%s/%s", task_dir, name);

	if (!path)
		return -1;
	/* EINVAL: not a mount point; ENOENT: never made. */
	if (umount2(path, MNT_DETACH | UMOUNT_NOFOLLOW) < 0 && errno != EINVAL && errno != ENOENT)
		return berr_sys(err, "unmount %s", path);
	return 0;
}

int rootfs_compose(const char *task_dir, char *const *layer_dirs, size_t count,
		   const struct image_rootfs_opts *opts, struct berr *err)
{
	if (compose_overlay(task_dir, layer_dirs, count, opts, err) == 0)
		return 0;
	if (err->code != ENODEV)
		return -1;
	log_warn("overlayfs is not available (%s): copying the image into the task's root "
		 "filesystem instead (slower, uses disk, and the size limit is not enforced)", err->msg);
	berr_clear(err);
	/* The copy lives on the state disk: the tmpfs made for the upper dir goes. */
	if (unmount_in(task_dir, "rw", err) < 0)
		return -1;
	return rootfs_compose_copy(task_dir, layer_dirs, count, opts, err);
}

/* The tree removal must not reach into a mount that did not go away. */
static int check_unmounted(int task_fd, const char *task_dir, const char *name, struct berr *err)
{
	struct stat top, st;

	if (fstat(task_fd, &top) < 0)
		return berr_sys(err, "stat %s", task_dir);
	if (fstatat(task_fd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return errno == ENOENT ? 0 : berr_sys(err, "stat %s/%s", task_dir, name);
	if (st.st_dev != top.st_dev)
		return berr_set(err, EBUSY, "%s/%s is still mounted", task_dir, name);
	return 0;
}

int rootfs_teardown(const char *task_dir, struct berr *err)
{
	_cleanup_free_ char *parent = str_dup(task_dir, err);
	_cleanup_close_ int parent_fd = -1, task_fd = -1;
	char *base;

	if (!parent)
		return -1;
	if (unmount_in(task_dir, "merged", err) < 0 || unmount_in(task_dir, "rw", err) < 0)
		return -1;
	base = strrchr(parent, '/');
	if (!base || !base[1])
		return berr_set(err, EINVAL, "%s: not a task directory", task_dir);
	*base++ = '\0';
	parent_fd = open(*parent ? parent : "/", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (parent_fd < 0)
		return errno == ENOENT ? 0 : berr_sys(err, "open %s", parent);
	task_fd = openat(parent_fd, base, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (task_fd < 0)
		return errno == ENOENT ? 0 : berr_sys(err, "open %s", task_dir);
	if (check_unmounted(task_fd, task_dir, "merged", err) < 0 ||
	    check_unmounted(task_fd, task_dir, "rw", err) < 0)
		return -1;
	return store_remove_tree(parent_fd, base, NULL, err);
}

/* ---- image_rootfs_prepare / release ------------------------------------ */

/* A task id becomes a path component. */
static int task_id_check(const char *task_id, struct berr *err)
{
	size_t n = strlen(task_id);
	bool ok = n > 0 && n <= TASK_ID_MAX && task_id[0] != '.';

	for (size_t i = 0; ok && i < n; i++)
		ok = isalnum((unsigned char)task_id[i]) || strchr("._-", task_id[i]);
	if (!ok)
		return berr_set(err, 0, "task id \"%.140s\" is not valid (1 to %d of A-Z a-z 0-9 . _ -, "
				"not starting with a dot)", task_id, TASK_ID_MAX);
	return 0;
}

struct layer_dirs {
	char **dirs;
	size_t count;
};

static void layer_dirs_free(struct layer_dirs *l)
{
	for (size_t i = 0; i < l->count; i++)
		free(l->dirs[i]);
	free(l->dirs);
}

/* The dirs of c's layers, bottom first, each checked to be in the store. */
static int layer_dirs_fill(struct store *st, const struct image_info *info,
			   const struct store_content *c, struct layer_dirs *out, struct berr *err)
{
	out->dirs = calloc(c->nlayers ? c->nlayers : 1, sizeof(*out->dirs));
	if (!out->dirs)
		return berr_set(err, ENOMEM, "out of memory");
	for (size_t i = 0; i < c->nlayers; i++) {
		struct stat s;
		char *dir = store_layer_path(st, c->layers[i].diff_id, err);

		if (!dir)
			return -1;
		out->dirs[out->count++] = dir;
		if (stat(dir, &s) < 0 || !S_ISDIR(s.st_mode))
			return berr_set(err, ENOENT, "image %s: layer %s is missing from the store "
					"(load the image again)", info->ref ? info->ref : info->digest,
					c->layers[i].diff_id);
	}
	return 0;
}

static int image_layer_dirs(struct store *st, const struct image_info *info,
			    struct layer_dirs *out, struct berr *err)
{
	struct store_content c = { 0 };
	int r;

	if (store_content_read(st, info->digest, &c, err) < 0)
		return -1;
	r = layer_dirs_fill(st, info, &c, out, err);
	store_content_free(&c);
	return r;
}

/* Line one the manifest digest, line two the reference: the store's own
 * form of it when it has one (it cannot hold a newline). */
static int record_image(const char *task_dir, const struct image_info *info, const char *ref,
			struct berr *err)
{
	_cleanup_free_ char *path = str_printf(err, "%s/image", task_dir);
	_cleanup_free_ char *text = str_printf(err, "%s\n%s\n", info->digest,
					       info->ref ? info->ref : ref);

	if (!path || !text)
		return -1;
	return fs_write_atomic(path, text, strlen(text), 0600, err);
}

static int make_task_dir(const struct paths *paths, const char *task_dir, struct berr *err)
{
	_cleanup_free_ char *rootfs_dir = str_printf(err, "%s/rootfs", paths->state);

	if (!rootfs_dir || fs_mkdir_p(rootfs_dir, 0700, err) < 0)
		return -1;
	if (mkdir(task_dir, 0700) < 0)
		return errno == EEXIST ? berr_set(err, EEXIST, "it has a root filesystem already")
				       : berr_sys(err, "mkdir %s", task_dir);
	return 0;
}

/* Under the store's shared lock, so the image cannot go while this looks:
 * from the moment the task's image record exists, image rm and prune see
 * the image in use and leave its layers alone. */
static int claim_locked(const struct paths *paths, struct store *st, const struct image_info *info,
			const char *ref, const char *task_dir, struct layer_dirs *layers,
			struct berr *err)
{
	struct berr ignored;

	if (store_lock(st, false, err) < 0 || image_layer_dirs(st, info, layers, err) < 0 ||
	    make_task_dir(paths, task_dir, err) < 0)
		return -1;
	if (record_image(task_dir, info, ref, err) < 0) {
		rootfs_teardown(task_dir, &ignored);
		return -1;
	}
	return 0;
}

static int claim_image(const struct paths *paths, const char *ref, const char *task_dir,
		       struct layer_dirs *layers, struct berr *err)
{
	struct image_info info = { 0 };
	struct store st;
	int r;

	if (image_resolve(paths, ref, &info, NULL, 0, err) < 0)
		return -1;
	r = store_open(paths, &st, err);
	if (r == 0) {
		r = claim_locked(paths, &st, &info, ref, task_dir, layers, err);
		store_close(&st);
	}
	image_info_clear(&info);
	return r;
}

int image_rootfs_prepare(const struct paths *paths, const char *ref, const char *task_id,
			 const struct image_rootfs_opts *opts, char **rootfs, struct berr *err)
{
	__attribute__((cleanup(layer_dirs_free))) struct layer_dirs layers = { 0 };
	_cleanup_free_ char *task_dir = NULL;
	struct berr ignored;

	if (task_id_check(task_id, err) < 0)
		return -1;
	task_dir = str_printf(err, "%s/rootfs/%s", paths->state, task_id);
	if (!task_dir)
		return -1;
	if (claim_image(paths, ref, task_dir, &layers, err) < 0)
		return berr_prefix(err, "task %s", task_id);
	*rootfs = str_printf(err, "%s/merged", task_dir);
	if (!*rootfs || rootfs_compose(task_dir, layers.dirs, layers.count, opts, err) < 0) {
		free(*rootfs);
		*rootfs = NULL;
		rootfs_teardown(task_dir, &ignored);
		return berr_prefix(err, "task %s: root filesystem", task_id);
	}
	return 0;
}

int image_rootfs_release(const struct paths *paths, const char *task_id, struct berr *err)
{
	_cleanup_free_ char *task_dir = NULL;

	if (task_id_check(task_id, err) < 0)
		return -1;
	task_dir = str_printf(err, "%s/rootfs/%s", paths->state, task_id);
	if (!task_dir)
		return -1;
	if (rootfs_teardown(task_dir, err) < 0)
		return berr_prefix(err, "task %s: release the root filesystem", task_id);
	return 0;
}
