/* Private to runtime/image/: the contract between the importer and the
 * layer extractor, and the rootfs code's parts that tests drive directly. */
#ifndef BERTH_IMAGE_LAYER_H
#define BERTH_IMAGE_LAYER_H

#include <stdint.h>

#include "image/image.h"
#include "lib/lib.h"

enum layer_compression {
	LAYER_TAR,
	LAYER_GZIP,
	LAYER_ZSTD,
	LAYER_XZ,
	LAYER_AUTO, /* no media type (docker archives): sniff gzip, zstd or xz magic, else tar */
};

const char *layer_compression_name(enum layer_compression comp);

/* Map an OCI or docker layer media type; -1 and err naming the type (and
 * the Kconfig symbol when it is only disabled in this build) otherwise. */
int layer_compression_from_media_type(const char *media_type, enum layer_compression *out,
				      struct berr *err);

struct layer_result {
	char diff_id[8 + 64];       /* "sha256:<hex>" of the uncompressed tar */
	uint64_t uncompressed_bytes;
};

/* Extract the layer blob read from blob_fd (compressed as given) into the
 * existing empty directory dest_dir. OCI whiteouts become overlayfs
 * whiteouts; nothing outside dest_dir is ever created, changed or removed;
 * more than max_bytes of uncompressed data fails cleanly. The caller
 * compares result->diff_id with the config's rootfs.diff_ids. On failure
 * dest_dir may hold partial content: the caller removes it. */
int layer_extract(int blob_fd, enum layer_compression comp, const char *dest_dir,
		  uint64_t max_bytes, struct layer_result *result, struct berr *err);

/* The default max_bytes for layers extracted under dir: 90% of the free
 * space of its file system, at most LAYER_LIMIT_CAP (a layer beyond that on
 * an edge board is a bomb, not an image); LAYER_LIMIT_CAP when statvfs
 * fails. layer_extract uses it when given max_bytes 0. */
#define LAYER_LIMIT_CAP (64ull << 30)
uint64_t layer_default_limit(const char *dir);

/* ---- a task's root filesystem, below image_rootfs_prepare -------------- */

/* Compose the root filesystem of task_dir (an existing empty directory)
 * from layer_dirs (absolute paths, bottom layer first) at
 * <task_dir>/merged: an overlay, or a copy where overlayfs is missing.
 * On failure the caller runs rootfs_teardown. */
int rootfs_compose(const char *task_dir, char *const *layer_dirs, size_t count,
		   const struct image_rootfs_opts *opts, struct berr *err);
/* The copy fallback of rootfs_compose: the layers copied in order into
 * <task_dir>/merged with their whiteouts and opaque directories applied,
 * bind-mounted onto itself (read-only when opts->readonly). */
int rootfs_compose_copy(const char *task_dir, char *const *layer_dirs, size_t count,
			const struct image_rootfs_opts *opts, struct berr *err);
/* Unmount and remove task_dir and everything under it; no error when it is
 * already gone. */
int rootfs_teardown(const char *task_dir, struct berr *err);

#endif
