/* Layer extraction: the stream. One pass over the blob both extracts the
 * layer and computes its diff_id.
 *
 * An outer libarchive reader (format "raw" plus the decompression filter)
 * turns the blob into the uncompressed tar stream. Its blocks are handed,
 * without copying, to an inner reader (format tar, no filter) through a read
 * callback, which first hashes them and counts them against the size limit.
 * Once the inner reader has seen the end of the archive, whatever the outer
 * one still has (end-of-archive zero blocks, record padding, trailing bytes)
 * is hashed too: the diff_id covers the whole uncompressed stream, exactly
 * as `gzip -dc layer | sha256sum`.
 *
 * archive_write_disk is not used: it works on path names; every entry here
 * is created relative to a directory fd (image_extract_path.c), which gives
 * what its SECURE_NODOTDOT / SECURE_SYMLINKS / SECURE_NOABSOLUTEPATHS flags
 * promise without a window between check and use. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>

#include "image/image_extract_private.h"
#include "image/image_layer.h"

#define LAYER_MAX_ENTRIES 1000000
#define BLOB_READ_BLOCK (1 << 20)

struct media_type {
	const char *name;
	enum layer_compression comp;
};

static const struct media_type media_types[] = {
	{ "application/vnd.oci.image.layer.v1.tar", LAYER_TAR },
	{ "application/vnd.oci.image.layer.v1.tar+gzip", LAYER_GZIP },
	{ "application/vnd.oci.image.layer.v1.tar+zstd", LAYER_ZSTD },
	{ "application/vnd.oci.image.layer.nondistributable.v1.tar", LAYER_TAR },
	{ "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip", LAYER_GZIP },
	{ "application/vnd.oci.image.layer.nondistributable.v1.tar+zstd", LAYER_ZSTD },
	{ "application/vnd.docker.image.rootfs.diff.tar", LAYER_TAR },
	{ "application/vnd.docker.image.rootfs.diff.tar.gzip", LAYER_GZIP },
	{ "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip", LAYER_GZIP },
};

const char *layer_compression_name(enum layer_compression comp)
{
	switch (comp) {
	case LAYER_TAR:
		return "uncompressed";
	case LAYER_GZIP:
		return "gzip";
	case LAYER_ZSTD:
		return "zstd";
	case LAYER_XZ:
		return "xz";
	case LAYER_AUTO:
		return "auto";
	}
	return "unknown";
}

/* The Kconfig symbol that leaves comp out of this build, or NULL. */
static const char *compression_disabled(enum layer_compression comp)
{
#ifndef CONFIG_LAYER_ZSTD
	if (comp == LAYER_ZSTD)
		return "CONFIG_LAYER_ZSTD";
#endif
#ifndef CONFIG_LAYER_XZ
	if (comp == LAYER_XZ)
		return "CONFIG_LAYER_XZ";
#endif
	(void)comp;
	return NULL;
}

int layer_compression_from_media_type(const char *media_type, enum layer_compression *out,
				      struct berr *err)
{
	if (!media_type)
		return berr_set(err, 0, "layer without a media type");
	for (size_t i = 0; i < ARRAY_SIZE(media_types); i++) {
		const char *symbol;

		if (strcmp(media_type, media_types[i].name) != 0)
			continue;
		symbol = compression_disabled(media_types[i].comp);
		if (symbol)
			return berr_set(err, 0, "layer media type \"%s\": %s layers are disabled in this build (%s)",
					media_type, layer_compression_name(media_types[i].comp), symbol);
		*out = media_types[i].comp;
		return 0;
	}
	return berr_set(err, 0,
			"layer media type \"%.100s\" is not supported (supported: "
			"application/vnd.oci.image.layer.v1.tar, +gzip, +zstd, their nondistributable "
			"forms, application/vnd.docker.image.rootfs.diff.tar and .tar.gzip)",
			media_type);
}

uint64_t layer_default_limit(const char *dir)
{
	struct statvfs vfs;
	uint64_t avail;

	if (statvfs(dir, &vfs) < 0)
		return LAYER_LIMIT_CAP;
	avail = (uint64_t)vfs.f_bavail * vfs.f_frsize;
	avail -= avail / 10;
	return avail < LAYER_LIMIT_CAP ? avail : LAYER_LIMIT_CAP;
}

/* libarchive's message, which it may not have. */
static const char *why(struct archive *a)
{
	const char *msg = archive_error_string(a);

	return msg ? msg : "unknown error";
}

/* Every uncompressed byte passes here exactly once. */
static int stream_take(struct extract *x, const void *buf, size_t size)
{
	if (size > x->max_bytes - x->bytes) {
		snprintf(x->stream_err, sizeof(x->stream_err),
			 "layer exceeds the %llu-byte uncompressed limit (a decompression bomb?)",
			 (unsigned long long)x->max_bytes);
		return -1;
	}
	if (x->bytes < sizeof(x->head)) {
		size_t n = sizeof(x->head) - x->bytes;

		memcpy(x->head + x->bytes, buf, n < size ? n : size);
	}
	sha256_add(&x->hash, buf, size);
	x->bytes += size;
	return 0;
}

/* The next non-empty block of the outer reader: 1, 0 at the end, -1 failed. */
static int outer_next(struct extract *x, const void **buf, size_t *size)
{
	for (;;) {
		la_int64_t off;
		int r = archive_read_data_block(x->outer, buf, size, &off);

		if (r == ARCHIVE_EOF)
			return 0;
		if (r < ARCHIVE_WARN) {
			snprintf(x->stream_err, sizeof(x->stream_err), "corrupt or truncated layer: %s",
				 why(x->outer));
			return -1;
		}
		if (*size > 0)
			return stream_take(x, *buf, *size) < 0 ? -1 : 1;
	}
}

static la_ssize_t inner_read(struct archive *inner, void *data, const void **buf)
{
	struct extract *x = data;
	size_t size = 0;
	int r = outer_next(x, buf, &size);

	if (r < 0) {
		archive_set_error(inner, EIO, "%s", x->stream_err);
		return -1;
	}
	return r ? (la_ssize_t)size : 0;
}

int extract_read_error(struct extract *x, struct berr *err)
{
	if (x->stream_err[0])
		return berr_set(err, 0, "%s", x->stream_err);
	return berr_set(err, 0, "corrupt or truncated layer: %s", why(x->inner));
}

static int enable_filter(struct archive *a, enum layer_compression comp, struct berr *err)
{
	int r = ARCHIVE_OK;

	if (comp == LAYER_GZIP)
		r = archive_read_support_filter_gzip(a);
#ifdef CONFIG_LAYER_ZSTD
	if (comp == LAYER_ZSTD)
		r = archive_read_support_filter_zstd(a);
#endif
#ifdef CONFIG_LAYER_XZ
	if (comp == LAYER_XZ)
		r = archive_read_support_filter_xz(a);
#endif
	/* ARCHIVE_WARN would mean an external program: never. */
	if (r != ARCHIVE_OK)
		return berr_set(err, 0, "%s: %s", layer_compression_name(comp), why(a));
	return 0;
}

/* Every compression of this build is sniffed (libarchive's bidders read
 * the magic bytes), also when the media type names one: a mismatch is then
 * reported as what the layer really is. */
static int outer_filters(struct extract *x, enum layer_compression comp, struct berr *err)
{
	static const enum layer_compression built_in[] = {
		LAYER_GZIP,
#ifdef CONFIG_LAYER_ZSTD
		LAYER_ZSTD,
#endif
#ifdef CONFIG_LAYER_XZ
		LAYER_XZ,
#endif
	};
	const char *symbol = compression_disabled(comp);

	if (symbol)
		return berr_set(err, 0, "%s layers are disabled in this build (%s)",
				layer_compression_name(comp), symbol);
	for (size_t i = 0; i < ARRAY_SIZE(built_in); i++)
		if (enable_filter(x->outer, built_in[i], err) < 0)
			return -1;
	return 0;
}

static int filter_code(enum layer_compression comp)
{
	switch (comp) {
	case LAYER_GZIP:
		return ARCHIVE_FILTER_GZIP;
	case LAYER_ZSTD:
		return ARCHIVE_FILTER_ZSTD;
	case LAYER_XZ:
		return ARCHIVE_FILTER_XZ;
	default:
		return ARCHIVE_FILTER_NONE;
	}
}

static int outer_open(struct extract *x, int blob_fd, enum layer_compression comp,
		      struct berr *err)
{
	struct archive_entry *e;
	struct stat st;
	int found;

	if (fstat(blob_fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size == 0)
		return berr_set(err, 0, "the layer is empty (not even an empty tar)");
	x->outer = archive_read_new();
	if (!x->outer)
		return berr_set(err, ENOMEM, "out of memory");
	if (archive_read_support_format_raw(x->outer) != ARCHIVE_OK)
		return berr_set(err, 0, "%s", why(x->outer));
	if (outer_filters(x, comp, err) < 0)
		return -1;
	if (archive_read_open_fd(x->outer, blob_fd, BLOB_READ_BLOCK) != ARCHIVE_OK ||
	    archive_read_next_header(x->outer, &e) != ARCHIVE_OK)
		return berr_set(err, 0, "corrupt or truncated layer: %s",
				why(x->outer));
	found = archive_filter_code(x->outer, 0);
	if (comp != LAYER_AUTO && found != filter_code(comp))
		return berr_set(err, 0, "the layer is not %s as its media type says (it is %s)",
				comp == LAYER_TAR ? "an uncompressed tar" : layer_compression_name(comp),
				found == ARCHIVE_FILTER_NONE ? "not compressed" :
							       archive_filter_name(x->outer, 0));
	return 0;
}

/* Names a compression this build left out, which would otherwise only show
 * as "not a tar archive". */
static const char *head_disabled_compression(const struct extract *x)
{
	static const unsigned char zstd[] = { 0x28, 0xb5, 0x2f, 0xfd };
	static const unsigned char xz[] = { 0xfd, '7', 'z', 'X', 'Z', 0x00 };

	if (x->bytes >= sizeof(zstd) && !memcmp(x->head, zstd, sizeof(zstd)))
		return compression_disabled(LAYER_ZSTD);
	if (x->bytes >= sizeof(xz) && !memcmp(x->head, xz, sizeof(xz)))
		return compression_disabled(LAYER_XZ);
	return NULL;
}

static int inner_open(struct extract *x, struct berr *err)
{
	const char *symbol;

	x->inner = archive_read_new();
	if (!x->inner)
		return berr_set(err, ENOMEM, "out of memory");
	if (archive_read_support_format_tar(x->inner) != ARCHIVE_OK)
		return berr_set(err, 0, "%s", why(x->inner));
	if (archive_read_open(x->inner, x, NULL, inner_read, NULL) == ARCHIVE_OK)
		return 0;
	symbol = head_disabled_compression(x);
	if (symbol)
		return berr_set(err, 0, "the layer is compressed in a way this build leaves out (%s)",
				symbol);
	if (x->stream_err[0])
		return berr_set(err, 0, "%s", x->stream_err);
	return berr_set(err, 0, "the layer is not a tar archive: %s",
			why(x->inner));
}

static int extract_entries(struct extract *x, struct berr *err)
{
	size_t count = 0;

	for (;;) {
		struct archive_entry *e;
		int r = archive_read_next_header(x->inner, &e);

		if (r == ARCHIVE_EOF)
			return 0;
		if (r < ARCHIVE_WARN)
			return extract_read_error(x, err);
		if (++count > LAYER_MAX_ENTRIES)
			return berr_set(err, 0, "the layer has more than %d entries", LAYER_MAX_ENTRIES);
		if (entry_extract(x, e, err) < 0)
			return -1;
	}
}

/* Hash what the tar reader did not need: the diff_id covers it all. */
static int drain_outer(struct extract *x, struct berr *err)
{
	const void *buf;
	size_t size;
	int r;

	while ((r = outer_next(x, &buf, &size)) > 0)
		;
	return r < 0 ? berr_set(err, 0, "%s", x->stream_err) : 0;
}

static void extract_free(struct extract *x)
{
	char unused[65];

	if (x->hashing)
		sha256_end_hex(&x->hash, unused);
	if (x->inner)
		archive_read_free(x->inner);
	if (x->outer)
		archive_read_free(x->outer);
	xpath_forget(x);
	for (size_t i = 0; i < x->ndirs; i++)
		free(x->dirs[i].path);
	free(x->dirs);
	if (x->root >= 0)
		close(x->root);
}

/* The layer is made durable with one syncfs at the end (the importer then
 * renames it into place), not an fsync per file: that is what keeps
 * extraction as fast as tar. */
int layer_extract(int blob_fd, enum layer_compression comp, const char *dest_dir,
		  uint64_t max_bytes, struct layer_result *result, struct berr *err)
{
	__attribute__((cleanup(extract_free))) struct extract x = { .root = -1, .parent_fd = -1 };
	char hex[65];

	sha256_begin(&x.hash);
	x.hashing = true;
	x.max_bytes = max_bytes ? max_bytes : layer_default_limit(dest_dir);
	x.restore_owner = geteuid() == 0;
	x.root = open(dest_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (x.root < 0)
		return berr_sys(err, "open %s", dest_dir);
	if (outer_open(&x, blob_fd, comp, err) < 0 || inner_open(&x, err) < 0 ||
	    extract_entries(&x, err) < 0 || drain_outer(&x, err) < 0 ||
	    entry_finish_dirs(&x, err) < 0)
		return -1;
	if (syncfs(x.root) < 0)
		return berr_sys(err, "sync %s", dest_dir);
	sha256_end_hex(&x.hash, hex);
	x.hashing = false;
	snprintf(result->diff_id, sizeof(result->diff_id), "sha256:%s", hex);
	result->uncompressed_bytes = x.bytes;
	return 0;
}
