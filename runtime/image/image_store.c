/* The store directory, its lock, and index.json (references -> images). */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>

#include "image/image_store.h"

#define INDEX_VERSION 1
#define INDEX_MAX (16u << 20)

int store_open(const struct paths *paths, struct store *st, struct berr *err)
{
	static const char *const subdirs[] = { "blobs/sha256", "layers", "staging" };

	*st = (struct store){ .dir_fd = -1, .lock_fd = -1 };
	st->dir = str_printf(err, "%s/images", paths->state);
	if (!st->dir)
		return -1;
	for (size_t i = 0; i < ARRAY_SIZE(subdirs); i++) {
		_cleanup_free_ char *d = str_printf(err, "%s/%s", st->dir, subdirs[i]);

		if (!d || fs_mkdir_p(d, 0755, err) < 0)
			return store_close(st), -1;
	}
	st->dir_fd = open(st->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (st->dir_fd < 0) {
		berr_sys(err, "open %s", st->dir);
		return store_close(st), -1;
	}
	return 0;
}

void store_close(struct store *st)
{
	if (st->lock_fd >= 0)
		close(st->lock_fd);
	if (st->dir_fd >= 0)
		close(st->dir_fd);
	free(st->dir);
	*st = (struct store){ .dir_fd = -1, .lock_fd = -1 };
}

int store_lock(struct store *st, bool exclusive, struct berr *err)
{
	int fd = openat(st->dir_fd, "lock", O_RDWR | O_CREAT | O_CLOEXEC, 0600);

	if (fd < 0)
		return berr_sys(err, "open %s/lock", st->dir);
	while (flock(fd, exclusive ? LOCK_EX : LOCK_SH) < 0) {
		if (errno != EINTR) {
			berr_sys(err, "lock %s/lock", st->dir);
			close(fd);
			return -1;
		}
	}
	st->lock_fd = fd;
	return 0;
}

void store_unlock(struct store *st)
{
	if (st->lock_fd >= 0)
		close(st->lock_fd);
	st->lock_fd = -1;
}

/* ---- index.json -------------------------------------------------------------- */

void store_image_clear(struct store_image *img)
{
	free(img->created);
	free(img->loaded);
	for (size_t i = 0; i < img->nrefs; i++)
		free(img->refs[i]);
	free(img->refs);
	*img = (struct store_image){ 0 };
}

void store_index_free(struct store_index *ix)
{
	for (size_t i = 0; i < ix->count; i++)
		store_image_clear(&ix->images[i]);
	free(ix->images);
	*ix = (struct store_index){ 0 };
}

static int copy_digest(char dst[DIGEST_LEN], const cJSON *v, const char *what, struct berr *err)
{
	char hex[65];

	if (!cJSON_IsString(v))
		return berr_set(err, 0, "%s is missing", what);
	if (digest_parse(v->valuestring, hex, err) < 0)
		return berr_prefix(err, "%s", what);
	snprintf(dst, DIGEST_LEN, "sha256:%s", hex);
	return 0;
}

static char *opt_string(const cJSON *v, struct berr *err, bool *failed)
{
	char *s;

	if (!cJSON_IsString(v))
		return NULL;
	s = str_dup(v->valuestring, err);
	if (!s)
		*failed = true;
	return s;
}

static int refs_from_json(struct store_image *img, const cJSON *refs, struct berr *err)
{
	cJSON *r;

	cJSON_ArrayForEach(r, refs) {
		if (!cJSON_IsString(r))
			return berr_set(err, 0, "refs holds a non-string");
		if (store_index_tag(&(struct store_index){ img, 1 }, 0, r->valuestring, err) < 0)
			return -1;
	}
	return 0;
}

static int image_from_json(const cJSON *j, struct store_image *img, struct berr *err)
{
	const cJSON *arch = json_get(j, "arch"), *size = json_get(j, "size");
	bool failed = false;

	if (copy_digest(img->digest, json_get(j, "digest"), "digest", err) < 0 ||
	    copy_digest(img->config, json_get(j, "config"), "config", err) < 0)
		return -1;
	if (!cJSON_IsString(arch) || strlen(arch->valuestring) >= sizeof(img->arch))
		return berr_set(err, 0, "image %s: arch is missing", img->digest);
	snprintf(img->arch, sizeof(img->arch), "%s", arch->valuestring);
	img->size = cJSON_IsNumber(size) && size->valuedouble > 0 ? (uint64_t)size->valuedouble : 0;
	img->created = opt_string(json_get(j, "created"), err, &failed);
	img->loaded = opt_string(json_get(j, "loaded"), err, &failed);
	if (failed)
		return -1;
	return refs_from_json(img, json_get(j, "refs"), err);
}

int store_index_read(const struct store *st, struct store_index *ix, struct berr *err)
{
	_cleanup_free_ char *path = str_printf(err, "%s/index.json", st->dir);
	_cleanup_cjson_ cJSON *root = NULL;
	const cJSON *images, *j;

	*ix = (struct store_index){ 0 };
	if (!path)
		return -1;
	if (!fs_exists(path))
		return 0;
	root = json_parse_file(path, INDEX_MAX, err);
	if (!root)
		return -1;
	images = json_get(root, "images");
	if (!cJSON_IsArray(images))
		return berr_set(err, 0, "%s: no \"images\" array", path);
	cJSON_ArrayForEach(j, images) {
		struct store_image img = { 0 };

		if (image_from_json(j, &img, err) < 0 || store_index_add(ix, &img, err) < 0) {
			store_image_clear(&img);
			store_index_free(ix);
			return berr_prefix(err, "%s", path);
		}
	}
	return 0;
}

static cJSON *image_to_json(const struct store_image *img)
{
	cJSON *j = cJSON_CreateObject(), *refs;

	if (!j)
		return NULL;
	if (!cJSON_AddStringToObject(j, "digest", img->digest) ||
	    !cJSON_AddStringToObject(j, "config", img->config) ||
	    !cJSON_AddStringToObject(j, "arch", img->arch) ||
	    !cJSON_AddNumberToObject(j, "size", (double)img->size) ||
	    (img->created && !cJSON_AddStringToObject(j, "created", img->created)) ||
	    (img->loaded && !cJSON_AddStringToObject(j, "loaded", img->loaded)) ||
	    !(refs = cJSON_AddArrayToObject(j, "refs")))
		return cJSON_Delete(j), NULL;
	for (size_t i = 0; i < img->nrefs; i++) {
		cJSON *s = cJSON_CreateString(img->refs[i]);

		if (!s || !cJSON_AddItemToArray(refs, s))
			return cJSON_Delete(s), cJSON_Delete(j), NULL;
	}
	return j;
}

int store_index_write(const struct store *st, const struct store_index *ix, struct berr *err)
{
	_cleanup_free_ char *path = str_printf(err, "%s/index.json", st->dir);
	_cleanup_cjson_ cJSON *root = cJSON_CreateObject();
	_cleanup_free_ char *text = NULL;
	cJSON *images;

	if (!path)
		return -1;
	images = root ? cJSON_AddArrayToObject(root, "images") : NULL;
	if (!images || !cJSON_AddNumberToObject(root, "version", INDEX_VERSION))
		return berr_set(err, ENOMEM, "out of memory");
	for (size_t i = 0; i < ix->count; i++) {
		cJSON *j = image_to_json(&ix->images[i]);

		if (!j || !cJSON_AddItemToArray(images, j))
			return cJSON_Delete(j), berr_set(err, ENOMEM, "out of memory");
	}
	text = cJSON_Print(root);
	if (!text)
		return berr_set(err, ENOMEM, "out of memory");
	return fs_write_atomic(path, text, strlen(text), 0644, err);
}

ssize_t store_index_find(const struct store_index *ix, const char *digest)
{
	for (size_t i = 0; i < ix->count; i++)
		if (strcmp(ix->images[i].digest, digest) == 0)
			return (ssize_t)i;
	return -1;
}

int store_index_add(struct store_index *ix, struct store_image *img, struct berr *err)
{
	struct store_image *bigger;

	if (store_index_find(ix, img->digest) >= 0)
		return 0;
	bigger = reallocarray(ix->images, ix->count + 1, sizeof(*bigger));
	if (!bigger)
		return berr_set(err, ENOMEM, "out of memory");
	ix->images = bigger;
	ix->images[ix->count++] = *img;
	*img = (struct store_image){ 0 };
	return 0;
}

int store_index_tag(struct store_index *ix, size_t i, const char *ref, struct berr *err)
{
	struct store_image *img = &ix->images[i];
	char **bigger;
	char *copy;

	for (size_t k = 0; k < ix->count; k++)
		if (k != i)
			store_index_untag(ix, k, ref);
	for (size_t j = 0; j < img->nrefs; j++)
		if (strcmp(img->refs[j], ref) == 0)
			return 0;
	copy = str_dup(ref, err);
	if (!copy)
		return -1;
	bigger = reallocarray(img->refs, img->nrefs + 1, sizeof(*bigger));
	if (!bigger)
		return free(copy), berr_set(err, ENOMEM, "out of memory");
	img->refs = bigger;
	img->refs[img->nrefs++] = copy;
	return 0;
}

bool store_index_untag(struct store_index *ix, size_t i, const char *ref)
{
	struct store_image *img = &ix->images[i];

	for (size_t j = 0; j < img->nrefs; j++) {
		if (strcmp(img->refs[j], ref) != 0)
			continue;
		free(img->refs[j]);
		memmove(&img->refs[j], &img->refs[j + 1], (img->nrefs - j - 1) * sizeof(char *));
		img->nrefs--;
		return true;
	}
	return false;
}

void store_index_remove(struct store_index *ix, size_t i)
{
	store_image_clear(&ix->images[i]);
	memmove(&ix->images[i], &ix->images[i + 1], (ix->count - i - 1) * sizeof(*ix->images));
	ix->count--;
}
