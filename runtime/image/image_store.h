/* Private to runtime/image/: the store on disk, shared by import, query,
 * garbage collection and the rootfs code.
 *
 *   <state>/images/lock                 flock: writers exclusive, rootfs prepare shared
 *   <state>/images/index.json           references -> images, written atomically
 *   <state>/images/blobs/sha256/<hex>   content-addressed blobs (manifests, configs, layers)
 *   <state>/images/layers/<hex>/        a layer extracted once, named by its diff_id
 *   <state>/images/staging/<pid>-<rand>/ a load in progress (flock held by its loader)
 *
 * Content only ever appears under blobs/ and layers/ by rename from staging
 * after it was verified, and index.json only names content that is there, so
 * a load killed at any moment leaves at worst unreferenced content that the
 * next load or prune removes. */
#ifndef BERTH_IMAGE_STORE_H
#define BERTH_IMAGE_STORE_H

#include <stdbool.h>
#include <stdint.h>

#include "image/image.h"
#include "lib/lib.h"

#define DIGEST_LEN (7 + 64 + 1) /* "sha256:" + hex + NUL */

struct store {
	char *dir;   /* <state>/images */
	int dir_fd;
	int lock_fd; /* -1 while unlocked */
};

/* Opens (creating it and its subdirectories) the store of paths. */
int store_open(const struct paths *paths, struct store *st, struct berr *err);
void store_close(struct store *st);
/* Blocks until the store lock is held: exclusive for writers (load's
 * publish, rm, prune), shared for readers that must not see content
 * disappear under them (a rootfs being prepared). */
int store_lock(struct store *st, bool exclusive, struct berr *err);
void store_unlock(struct store *st);

/* ---- index.json ---------------------------------------------------------- */

struct store_image {
	char digest[DIGEST_LEN]; /* manifest digest: the image's identity */
	char config[DIGEST_LEN];
	char arch[16];           /* OCI name: "arm64", "amd64" */
	uint64_t size;           /* compressed bytes of config + layers */
	char *created;           /* the config's, or NULL */
	char *loaded;            /* when it was loaded, RFC 3339 UTC */
	char **refs;             /* canonical references; none = untagged (dangling) */
	size_t nrefs;
};

struct store_index {
	struct store_image *images;
	size_t count;
};

/* A missing index.json is an empty index. */
int store_index_read(const struct store *st, struct store_index *ix, struct berr *err);
int store_index_write(const struct store *st, const struct store_index *ix, struct berr *err);
void store_index_free(struct store_index *ix);
/* -1 when no image has that manifest digest. */
ssize_t store_index_find(const struct store_index *ix, const char *digest);
/* Adds img (taking its strings) unless its digest is there already. */
int store_index_add(struct store_index *ix, struct store_image *img, struct berr *err);
/* Points ref at image i, taking it away from any other image (which may
 * become untagged, as with docker load). */
int store_index_tag(struct store_index *ix, size_t i, const char *ref, struct berr *err);
/* Removes ref from image i; false when it had no such ref. */
bool store_index_untag(struct store_index *ix, size_t i, const char *ref);
void store_index_remove(struct store_index *ix, size_t i);
void store_image_clear(struct store_image *img);

/* ---- what an image is made of --------------------------------------------- */

struct store_layer {
	char blob[DIGEST_LEN];    /* the layer blob as the manifest lists it */
	char diff_id[DIGEST_LEN]; /* its uncompressed digest, from the config */
	char media_type[128];
	uint64_t size;
};

struct store_content {
	char config[DIGEST_LEN];
	char config_media_type[128];
	uint64_t config_size;
	struct store_layer *layers; /* bottom first */
	size_t nlayers;
};

/* Validates a manifest (schema 2, OCI or docker media type, every digest
 * 64 lowercase hex) and fills content's config and layer blobs. */
int manifest_parse(const cJSON *manifest, struct store_content *c, struct berr *err);
/* Fills each layer's diff_id from a config's rootfs.diff_ids; their count
 * must match the manifest's layers. */
int config_parse_diff_ids(const cJSON *config, struct store_content *c, struct berr *err);
void store_content_free(struct store_content *c);

/* Reads a stored image's manifest and config blobs. */
int store_content_read(const struct store *st, const char *digest, struct store_content *c,
		       struct berr *err);
/* A stored blob as JSON (at most BLOB_JSON_MAX bytes). */
cJSON *store_blob_json(const struct store *st, const char *digest, struct berr *err);
/* "<state>/images/layers/<hex>" for a diff_id (caller frees). */
char *store_layer_path(const struct store *st, const char *diff_id, struct berr *err);

#define BLOB_JSON_MAX (4u << 20)

/* ---- tasks ------------------------------------------------------------------ */

/* The id of a task whose rootfs uses the image with this manifest digest
 * (from <state>/rootfs/<task>/image: the digest on its first line), or NULL
 * with err clear when none does. */
char *store_task_using(const struct paths *paths, const char *digest, struct berr *err);

/* Removes the staging dirs of loads that are gone (their flock is free) and
 * index.json temp files of writers that died; the caller holds the store
 * lock exclusively, so no live loader is between mkdir and flock. */
int store_clean_staging(struct store *st, struct berr *err);
/* Removes blobs and layers that neither an image in ix nor a task uses. */
int store_sweep(const struct paths *paths, struct store *st, const struct store_index *ix,
		struct image_prune_report *report, struct berr *err);

/* ---- file system helpers ---------------------------------------------------- */

/* Removes name (a tree, a file or nothing) under dir_fd without following
 * symlinks, whatever its depth; adds the bytes of regular files to *freed
 * when freed is not NULL. */
int store_remove_tree(int dir_fd, const char *name, uint64_t *freed, struct berr *err);

#endif
