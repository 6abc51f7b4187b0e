/* image: the offline OCI image store.
 * Import OCI layouts, OCI archives and docker archives with every blob
 * sha256-checked while it streams; extract each layer once, safely; compose
 * a task's root filesystem as an overlay of those layers. */
#ifndef BERTH_IMAGE_H
#define BERTH_IMAGE_H

#include <stdbool.h>
#include <stdint.h>

#include "lib/lib.h"

#define IMAGE_DIGEST_HEX 64

struct image_load_opts {
	const char *tag;        /* --tag REF, or NULL to use the archive's own names */
	const char *arch;       /* the board's arch: "arm64" or "x86_64" */
	bool progress;          /* show bytes and MB/s on stderr (a terminal) */
	uint64_t max_layer_bytes; /* bound on one layer's uncompressed size; 0 = default from free disk */
};

/* One image in the store, as `image ls` and `image inspect` show it. */
struct image_info {
	char *ref;              /* "order-service:1.4", or NULL for an untagged image */
	char digest[8 + IMAGE_DIGEST_HEX]; /* manifest digest "sha256:<hex>" */
	char config_digest[8 + IMAGE_DIGEST_HEX];
	char arch[16];
	uint64_t size;          /* compressed bytes of config + layers */
	char *created;          /* from the config, RFC 3339, or NULL */
};

struct image_list {
	struct image_info *items;
	size_t count;
};

/* Load PATH ("-" = stdin); the loaded references are appended to loaded. */
int image_load(const struct paths *paths, const char *path, const struct image_load_opts *opts,
	       struct image_list *loaded, struct berr *err);

/* How REF resolves: exact reference, then name@sha256:<digest>, then
 * repository path and tag regardless of registry host. `how` (may be NULL)
 * gets a short human explanation of the rule that matched. */
int image_resolve(const struct paths *paths, const char *ref, struct image_info *out, char *how,
		  size_t how_size, struct berr *err);

int image_list_all(const struct paths *paths, struct image_list *out, struct berr *err);
/* The image's config and manifest as a JSON tree for `image inspect`. */
cJSON *image_inspect(const struct paths *paths, const char *ref, struct berr *err);
/* Refused, naming the task, while a task's rootfs uses the image. */
int image_remove(const struct paths *paths, const char *ref, struct berr *err);

struct image_prune_report {
	size_t blobs;
	size_t layers;
	uint64_t bytes;
};
int image_prune(const struct paths *paths, struct image_prune_report *report, struct berr *err);

void image_info_clear(struct image_info *info);
void image_list_free(struct image_list *list);

/* ---- a task's root filesystem ------------------------------------------ */

struct image_rootfs_opts {
	bool readonly;          /* readonlyRootFilesystem */
	uint64_t size_bytes;    /* writable layer limit (ephemeral storage); 0 = board default */
};

/* Compose the rootfs of image REF for task_id; *rootfs gets the path of the
 * mounted root (caller frees). Everything is under <state>/rootfs/<task_id>/. */
int image_rootfs_prepare(const struct paths *paths, const char *ref, const char *task_id,
			 const struct image_rootfs_opts *opts, char **rootfs, struct berr *err);
/* Unmount and remove everything image_rootfs_prepare made; idempotent. */
int image_rootfs_release(const struct paths *paths, const char *task_id, struct berr *err);

#endif
