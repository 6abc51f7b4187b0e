/* Private to runtime/image/: one `image load` in progress. */
#ifndef BERTH_IMAGE_IMPORT_H
#define BERTH_IMAGE_IMPORT_H

#include <time.h>

#include "image/image.h"
#include "image/image_layer.h"
#include "image/image_store.h"

/* A regular file of an archive, stored in staging under its content's
 * sha256 (blobs/<hex>): names from an archive never become paths. */
struct archive_file {
	char *path;      /* normalized: no "./" */
	char *link;      /* symlink or hardlink target (resolved from path's dir), or NULL */
	bool hardlink;
	char hex[65];    /* sha256 of the content (regular files) */
	uint64_t size;
};

/* A blob in staging whose digest and size are verified. */
struct staged_blob {
	char hex[65];
	uint64_t size;
};

struct progress {
	bool on;
	struct timespec start, last;
	uint64_t bytes;
	bool shown;
};

/* One image found in the source, to load. */
struct load_image {
	char digest[DIGEST_LEN];       /* manifest */
	int64_t manifest_size;         /* from its descriptor, -1 when unknown */
	char *ref;                     /* canonical reference, or NULL */
	/* filled by load_verify_image: */
	bool verified;
	char arch[16];
	char *created;
	uint64_t size;
	char config[DIGEST_LEN];
	struct store_content content;
};

struct load {
	const struct image_load_opts *opts;
	const char *path;              /* as given: a file, a directory or "-" */
	const char *name;              /* the source as messages name it: file name or "stdin" */
	const char *tag;               /* --tag, normalized, or NULL */
	struct store *st;
	char *stage_path;              /* <store>/staging/<pid>-<rand> */
	int stage_fd;                  /* flock held while the load runs */
	int layout_fd;                 /* an OCI layout directory, or -1 for an archive */
	struct archive_file *files;    /* an archive's files */
	size_t nfiles;
	struct staged_blob *staged;
	size_t nstaged;
	uint64_t max_layer_bytes;
	struct progress progress;
	struct load_image *images;
	size_t nimages;
	char **layers;                 /* diff_ids extracted into staging/layers/ */
	size_t nlayers;
};

/* ---- image_blob.c: blobs into staging ------------------------------------------ */

/* Makes the blob a descriptor names available in staging as blobs/<hex>,
 * verified against the digest and (when known, size >= 0) the size; role
 * ("layer", "config", "manifest", "index") names it in errors. */
int blob_fetch(struct load *ld, const char *role, const char *digest, int64_t size,
	       struct berr *err);
/* blob_fetch, then the blob as JSON (at most BLOB_JSON_MAX bytes). */
cJSON *blob_json(struct load *ld, const char *role, const char *digest, int64_t size,
		 struct berr *err);
/* Gives up to len bytes, 0 at the end, -1 with the error filled. */
typedef ssize_t (*blob_reader)(void *ctx, void *buf, size_t len);
/* Copies what rd gives into a new staging file while hashing and names it
 * blobs/<hex>; more than max bytes fails. */
int blob_stage_stream(struct load *ld, blob_reader rd, void *ctx, uint64_t max, char hex[65],
		      uint64_t *size, struct berr *err);
/* Records a blob as verified (an archive file, or one berth wrote). */
int blob_mark_staged(struct load *ld, const char *hex, uint64_t size, struct berr *err);
const struct staged_blob *blob_staged(const struct load *ld, const char *hex);
/* Opens staging's blobs/<hex>. */
int blob_open(const struct load *ld, const char *hex, struct berr *err);
/* The source's own files (index.json, manifest.json): whether there is
 * one, and it as JSON (ENOENT when missing). */
bool source_has(const struct load *ld, const char *name);
cJSON *source_json(const struct load *ld, const char *name, struct berr *err);
/* Writes data as a staged blob; hex gets its digest. */
int blob_stage_data(struct load *ld, const void *data, size_t len, char hex[65],
		    struct berr *err);

/* ---- image_archive.c: reading a tar once ----------------------------------------- */

/* Streams the archive on fd into staging (every regular file, content-addressed). */
int archive_stage(struct load *ld, int fd, struct berr *err);
/* The regular file at path, following the archive's links; NULL if none. */
const struct archive_file *archive_find(const struct load *ld, const char *path);

/* ---- image_oci.c / image_docker.c: finding the images ------------------------------ */

/* From index.json (of the layout or the archive): the images to load, one
 * per name, each the board's platform. */
int oci_find_images(struct load *ld, struct berr *err);
/* From a docker archive's manifest.json: synthesizes an OCI manifest per image. */
int docker_find_images(struct load *ld, struct berr *err);
/* Adds an image to load: manifest digest (staged or fetchable), its name. */
int load_add_image(struct load *ld, const char *digest, int64_t size, const char *ref,
		   struct berr *err);

/* ---- image_platform.c ---------------------------------------------------------------- */

struct platform {
	char os[32];
	char arch[32];
	char variant[32];
};

/* From a descriptor's "platform" or a config (architecture, os, variant). */
void platform_from_json(const cJSON *j, struct platform *p);
/* Whether p runs on the board (opts->arch "arm64": linux/arm64 with variant
 * v8 or none; "x86_64": linux/amd64). */
bool platform_fits(const struct platform *p, const char *board_arch);
/* "linux/arm64/v8" */
void platform_format(const struct platform *p, char *buf, size_t size);
/* "linux/arm64" for the board's arch. */
const char *platform_board_name(const char *board_arch);
/* The error for an image without the board's platform; has lists what there is. */
int platform_missing(const struct load *ld, const char *has, struct berr *err);

/* ---- image_layers.c: extraction ---------------------------------------------------------- */

/* Verifies and installs the manifest's image: config, layers (each extracted
 * once, into staging unless the store has it), diff_ids. */
int load_verify_image(struct load *ld, struct load_image *img, struct berr *err);
/* Extracts a layer (its blob staged) into staging's layers/<diff_id hex>/
 * and checks the diff_id; on failure nothing of it stays. */
int load_extract_layer(struct load *ld, const struct store_layer *l, struct berr *err);

/* ---- image_publish.c ---------------------------------------------------------------------- */

/* Creates and locks this load's staging dir (cleaning dead loads' first). */
int stage_begin(struct load *ld, struct berr *err);
/* Moves verified blobs and layers into the store and points the references
 * at the images, under the store lock. */
int stage_publish(struct load *ld, struct berr *err);
/* Removes the staging dir; always safe to call. */
void stage_end(struct load *ld);

/* ---- progress (stderr, only on a terminal) -------------------------------------------------- */

void progress_update(struct progress *p, uint64_t bytes, const char *what);
void progress_clear(struct progress *p);

#endif
