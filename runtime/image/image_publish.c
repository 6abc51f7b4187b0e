/* A load's staging dir, and publishing what it verified: blobs and layers
 * renamed into the store, then index.json rewritten, under the store lock. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/file.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>

#include "image/image_import.h"

static int open_staging_dir(struct load *ld, struct berr *err)
{
	unsigned int rnd;
	char name[48];

	if (getrandom(&rnd, sizeof(rnd), 0) != (ssize_t)sizeof(rnd))
		return berr_sys(err, "getrandom");
	snprintf(name, sizeof(name), "%ld-%08x", (long)getpid(), rnd);
	ld->stage_path = str_printf(err, "%s/staging/%s", ld->st->dir, name);
	if (!ld->stage_path)
		return -1;
	if (mkdir(ld->stage_path, 0700) < 0)
		return berr_sys(err, "create %s", ld->stage_path);
	ld->stage_fd = open(ld->stage_path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (ld->stage_fd < 0)
		return berr_sys(err, "open %s", ld->stage_path);
	/* held until stage_end: a staging dir whose lock is free is garbage */
	if (flock(ld->stage_fd, LOCK_EX) < 0)
		return berr_sys(err, "lock %s", ld->stage_path);
	if (mkdirat(ld->stage_fd, "blobs", 0700) < 0 || mkdirat(ld->stage_fd, "layers", 0755) < 0)
		return berr_sys(err, "create %s/blobs", ld->stage_path);
	return 0;
}

int stage_begin(struct load *ld, struct berr *err)
{
	int rc;

	/* Under the store lock, so that no cleaner sees the new dir before its flock. */
	if (store_lock(ld->st, true, err) < 0)
		return -1;
	rc = store_clean_staging(ld->st, err);
	if (rc == 0)
		rc = open_staging_dir(ld, err);
	store_unlock(ld->st);
	return rc;
}

void stage_end(struct load *ld)
{
	_cleanup_close_ int staging = -1;
	struct berr ignored;

	if (ld->stage_fd < 0)
		return;
	staging = openat(ld->st->dir_fd, "staging", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	/* what cannot be removed now, the next load or prune removes */
	if (staging >= 0)
		(void)store_remove_tree(staging, strrchr(ld->stage_path, '/') + 1, NULL, &ignored);
	close(ld->stage_fd);
	ld->stage_fd = -1;
}

/* ---- publish ------------------------------------------------------------------------ */

static int publish_blob(struct load *ld, const char *digest, struct berr *err)
{
	char from[80], to[80];
	struct stat s;

	snprintf(from, sizeof(from), "blobs/%s", digest + 7);
	snprintf(to, sizeof(to), "blobs/sha256/%s", digest + 7);
	if (renameat(ld->stage_fd, from, ld->st->dir_fd, to) == 0)
		return 0;
	/* moved already for another image of this load */
	if (errno == ENOENT && fstatat(ld->st->dir_fd, to, &s, 0) == 0)
		return 0;
	return berr_sys(err, "move blob %.19s… into %s", digest, ld->st->dir);
}

/* Layers this load extracted go in unless another load was quicker; layers
 * it found in the store must still be there (a prune may have run since):
 * else they are extracted now, under the lock. */
static int publish_layer(struct load *ld, const struct store_layer *l, struct berr *err)
{
	char name[80];
	struct stat s;

	snprintf(name, sizeof(name), "layers/%s", l->diff_id + 7);
	if (fstatat(ld->st->dir_fd, name, &s, AT_SYMLINK_NOFOLLOW) == 0)
		return 0;
	if (fstatat(ld->stage_fd, name, &s, AT_SYMLINK_NOFOLLOW) < 0) {
		if (load_extract_layer(ld, l, err) < 0)
			return berr_prefix(err, "layer sha256:%.12s…", l->blob + 7);
		if (syncfs(ld->stage_fd) < 0)
			return berr_sys(err, "sync %s", ld->stage_path);
	}
	if (renameat(ld->stage_fd, name, ld->st->dir_fd, name) < 0)
		return berr_sys(err, "move layer %.19s… into %s", l->diff_id, ld->st->dir);
	return 0;
}

static int publish_content(struct load *ld, const struct load_image *img, struct berr *err)
{
	const struct store_content *c = &img->content;

	for (size_t i = 0; i < c->nlayers; i++)
		if (publish_layer(ld, &c->layers[i], err) < 0 ||
		    publish_blob(ld, c->layers[i].blob, err) < 0)
			return -1;
	if (publish_blob(ld, c->config, err) < 0)
		return -1;
	return publish_blob(ld, img->digest, err);
}

static int sync_dir(const struct store *st, const char *name, struct berr *err)
{
	_cleanup_close_ int fd = openat(st->dir_fd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0 || fsync(fd) < 0)
		return berr_sys(err, "sync %s/%s", st->dir, name);
	return 0;
}

static char *now_rfc3339(struct berr *err)
{
	time_t t = time(NULL);
	struct tm tm;
	char buf[32];

	if (!gmtime_r(&t, &tm) || !strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm))
		return berr_set(err, 0, "cannot format the time"), NULL;
	return str_dup(buf, err);
}

static int add_to_index(struct store_index *ix, const struct load_image *img, struct berr *err)
{
	ssize_t i = store_index_find(ix, img->digest);
	struct store_image si = { 0 };

	if (i < 0) {
		snprintf(si.digest, sizeof(si.digest), "%s", img->digest);
		snprintf(si.config, sizeof(si.config), "%s", img->config);
		snprintf(si.arch, sizeof(si.arch), "%s", img->arch);
		si.size = img->size;
		if ((img->created && !(si.created = str_dup(img->created, err))) ||
		    !(si.loaded = now_rfc3339(err)) || store_index_add(ix, &si, err) < 0) {
			store_image_clear(&si);
			return -1;
		}
		i = (ssize_t)ix->count - 1;
	}
	return img->ref ? store_index_tag(ix, (size_t)i, img->ref, err) : 0;
}

static int update_index(struct load *ld, struct berr *err)
{
	struct store_index ix;
	int rc = store_index_read(ld->st, &ix, err);

	for (size_t i = 0; rc == 0 && i < ld->nimages; i++)
		rc = add_to_index(&ix, &ld->images[i], err);
	if (rc == 0)
		rc = store_index_write(ld->st, &ix, err);
	store_index_free(&ix);
	return rc;
}

static int publish_locked(struct load *ld, struct berr *err)
{
	for (size_t i = 0; i < ld->nimages; i++)
		if (ld->images[i].verified && publish_content(ld, &ld->images[i], err) < 0)
			return -1;
	/* the renames must be on disk before the index names what they moved */
	if (sync_dir(ld->st, "blobs/sha256", err) < 0 || sync_dir(ld->st, "layers", err) < 0)
		return -1;
	return update_index(ld, err);
}

int stage_publish(struct load *ld, struct berr *err)
{
	int rc;

	/* one syncfs for every blob and layer staged, instead of an fsync per file */
	if (syncfs(ld->stage_fd) < 0)
		return berr_sys(err, "sync %s", ld->stage_path);
	if (store_lock(ld->st, true, err) < 0)
		return -1;
	rc = publish_locked(ld, err);
	store_unlock(ld->st);
	return rc;
}
