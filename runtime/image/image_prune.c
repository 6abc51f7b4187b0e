/* image rm and image prune: what tasks use, and mark and sweep. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>

#include "image/image_ref.h"
#include "image/image_store.h"

/* ---- what tasks use ---------------------------------------------------------- */

struct task_image {
	char *task;
	char digest[DIGEST_LEN];
};

struct task_images {
	struct task_image *items;
	size_t count;
};

static void task_images_free(struct task_images *t)
{
	for (size_t i = 0; i < t->count; i++)
		free(t->items[i].task);
	free(t->items);
	*t = (struct task_images){ 0 };
}

/* <state>/rootfs/<task>/image: the manifest digest on the first line. */
static int read_task_image(const char *rootfs_dir, const char *task, struct task_images *t,
			   struct berr *err)
{
	_cleanup_free_ char *path = str_printf(err, "%s/%s/image", rootfs_dir, task);
	_cleanup_free_ char *text = NULL;
	struct task_image *bigger;
	char hex[65];

	if (!path)
		return -1;
	text = fs_read_file(path, 4096, NULL, err);
	if (!text)
		return err->code == ENOENT ? (berr_clear(err), 0) : -1;
	text[strcspn(text, "\n")] = '\0';
	if (digest_parse(text, hex, err) < 0)
		return berr_prefix(err, "%s", path);
	bigger = reallocarray(t->items, t->count + 1, sizeof(*bigger));
	if (!bigger)
		return berr_set(err, ENOMEM, "out of memory");
	t->items = bigger;
	t->items[t->count].task = str_dup(task, err);
	if (!t->items[t->count].task)
		return -1;
	snprintf(t->items[t->count++].digest, DIGEST_LEN, "sha256:%s", hex);
	return 0;
}

static int task_images_read(const struct paths *paths, struct task_images *t, struct berr *err)
{
	_cleanup_free_ char *dir = str_printf(err, "%s/rootfs", paths->state);
	DIR *d;
	struct dirent *e;
	int rc = 0;

	*t = (struct task_images){ 0 };
	if (!dir)
		return -1;
	d = opendir(dir);
	if (!d)
		return errno == ENOENT ? 0 : berr_sys(err, "open %s", dir);
	while (rc == 0 && (e = readdir(d)))
		if (e->d_name[0] != '.')
			rc = read_task_image(dir, e->d_name, t, err);
	closedir(d);
	if (rc < 0)
		task_images_free(t);
	return rc;
}

char *store_task_using(const struct paths *paths, const char *digest, struct berr *err)
{
	struct task_images t;
	char *task = NULL;

	berr_clear(err);
	if (task_images_read(paths, &t, err) < 0)
		return NULL;
	for (size_t i = 0; i < t.count && !task; i++)
		if (strcmp(t.items[i].digest, digest) == 0)
			task = str_dup(t.items[i].task, err);
	task_images_free(&t);
	return task;
}

/* ---- mark and sweep ------------------------------------------------------------ */

struct hex_set {
	char (*items)[65];
	size_t count;
};

static int hex_set_add(struct hex_set *s, const char *digest, struct berr *err)
{
	char (*bigger)[65];

	if (!str_starts_with(digest, "sha256:"))
		return 0;
	bigger = reallocarray(s->items, s->count + 1, sizeof(*bigger));
	if (!bigger)
		return berr_set(err, ENOMEM, "out of memory");
	s->items = bigger;
	snprintf(s->items[s->count++], 65, "%s", digest + 7);
	return 0;
}

static bool hex_set_has(const struct hex_set *s, const char *hex)
{
	for (size_t i = 0; i < s->count; i++)
		if (strcmp(s->items[i], hex) == 0)
			return true;
	return false;
}

/* Marks an image's manifest, config and layer blobs, and its layers. */
static int mark_image(const struct store *st, const char *digest, struct hex_set *blobs,
		      struct hex_set *layers, struct berr *err)
{
	struct store_content c;
	int rc = 0;

	if (store_content_read(st, digest, &c, err) < 0)
		return berr_prefix(err, "the store is damaged; nothing was removed");
	rc = hex_set_add(blobs, digest, err) < 0 || hex_set_add(blobs, c.config, err) < 0 ? -1 : 0;
	for (size_t i = 0; rc == 0 && i < c.nlayers; i++)
		if (hex_set_add(blobs, c.layers[i].blob, err) < 0 ||
		    hex_set_add(layers, c.layers[i].diff_id, err) < 0)
			rc = -1;
	store_content_free(&c);
	return rc;
}

/* Removes the entries of dir (under the store) that are not in keep. Only
 * names berth makes (64 hex digits) are touched. */
static int sweep_dir(struct store *st, const char *dir, const struct hex_set *keep, size_t *count,
		     uint64_t *freed, struct berr *err)
{
	_cleanup_close_ int fd = openat(st->dir_fd, dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *d = fd >= 0 ? fs_opendir_at(fd, ".") : NULL;
	struct dirent *e;
	int rc = 0;

	if (!d)
		return berr_sys(err, "open %s/%s", st->dir, dir);
	while (rc == 0 && (e = readdir(d))) {
		if (!sha256_hex_valid(e->d_name) || hex_set_has(keep, e->d_name))
			continue;
		rc = store_remove_tree(fd, e->d_name, freed, err);
		if (rc == 0)
			(*count)++;
	}
	closedir(d);
	return rc < 0 ? berr_prefix(err, "%s/%s", st->dir, dir) : 0;
}

int store_sweep(const struct paths *paths, struct store *st, const struct store_index *ix,
		struct image_prune_report *report, struct berr *err)
{
	struct hex_set blobs = { 0 }, layers = { 0 };
	struct task_images tasks = { 0 };
	int rc = task_images_read(paths, &tasks, err);

	*report = (struct image_prune_report){ 0 };
	for (size_t i = 0; rc == 0 && i < ix->count; i++)
		rc = mark_image(st, ix->images[i].digest, &blobs, &layers, err);
	/* A task keeps its image even if the index lost it. */
	for (size_t i = 0; rc == 0 && i < tasks.count; i++)
		if (store_index_find(ix, tasks.items[i].digest) < 0)
			rc = mark_image(st, tasks.items[i].digest, &blobs, &layers, err);
	if (rc == 0)
		rc = sweep_dir(st, "blobs/sha256", &blobs, &report->blobs, &report->bytes, err);
	if (rc == 0)
		rc = sweep_dir(st, "layers", &layers, &report->layers, &report->bytes, err);
	free(blobs.items);
	free(layers.items);
	task_images_free(&tasks);
	return rc;
}

/* ---- the public verbs ------------------------------------------------------------ */

/* Untagged images no task uses go; docker's "dangling" images. */
static int drop_dangling(const struct paths *paths, struct store_index *ix, bool *changed,
			 struct berr *err)
{
	for (size_t i = ix->count; i-- > 0;) {
		_cleanup_free_ char *task = NULL;

		if (ix->images[i].nrefs)
			continue;
		task = store_task_using(paths, ix->images[i].digest, err);
		if (!task && err->msg[0])
			return -1;
		if (task)
			continue;
		store_index_remove(ix, i);
		*changed = true;
	}
	return 0;
}

int image_prune(const struct paths *paths, struct image_prune_report *report, struct berr *err)
{
	struct store st;
	struct store_index ix = { 0 };
	bool changed = false;
	int rc;

	*report = (struct image_prune_report){ 0 };
	if (store_open(paths, &st, err) < 0)
		return -1;
	rc = store_lock(&st, true, err);
	if (rc == 0)
		rc = store_clean_staging(&st, err);
	if (rc == 0)
		rc = store_index_read(&st, &ix, err);
	if (rc == 0)
		rc = drop_dangling(paths, &ix, &changed, err);
	if (rc == 0 && changed)
		rc = store_index_write(&st, &ix, err);
	if (rc == 0)
		rc = store_sweep(paths, &st, &ix, report, err);
	store_index_free(&ix);
	store_close(&st);
	return rc < 0 ? berr_prefix(err, "prune") : 0;
}

/* rm takes exact names and digests only: removing by repository path and
 * tag would remove an image the user did not name. */
static int find_for_remove(const struct store_index *ix, const char *ref,
			   struct resolve_result *res, struct berr *err)
{
	if (ref_resolve(ix, ref, res, err) < 0)
		return -1;
	if (res->rule == RESOLVE_PATH_TAG)
		return berr_set(err, ENOENT, "image %s is not loaded under that name (%s is; remove it by that name)",
				ref, res->ref);
	return 0;
}

static int remove_locked(const struct paths *paths, struct store *st, const char *ref,
			 struct berr *err)
{
	struct store_index ix = { 0 };
	struct image_prune_report freed;
	struct resolve_result res;
	_cleanup_free_ char *task = NULL;
	struct store_image *img;
	int rc = store_index_read(st, &ix, err);

	if (rc == 0)
		rc = find_for_remove(&ix, ref, &res, err);
	if (rc == 0) {
		img = &ix.images[res.image];
		task = store_task_using(paths, img->digest, err);
		if (task)
			rc = berr_set(err, EBUSY, "image %s is used by task %s (remove the task first)",
				      ref, task);
		else if (err->msg[0])
			rc = -1;
	}
	if (rc == 0) {
		if (res.rule == RESOLVE_EXACT)
			store_index_untag(&ix, res.image, res.ref);
		if (res.rule != RESOLVE_EXACT || img->nrefs == 0)
			store_index_remove(&ix, res.image);
		rc = store_index_write(st, &ix, err);
	}
	if (rc == 0)
		rc = store_sweep(paths, st, &ix, &freed, err);
	store_index_free(&ix);
	return rc;
}

int image_remove(const struct paths *paths, const char *ref, struct berr *err)
{
	struct store st;
	int rc;

	if (store_open(paths, &st, err) < 0)
		return -1;
	rc = store_lock(&st, true, err);
	if (rc == 0)
		rc = remove_locked(paths, &st, ref, err);
	store_close(&st);
	return rc;
}
