/* Blobs into staging: streamed once, hashed while they are written, then
 * checked against the digest and size their descriptor gives. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>

#include "image/image_import.h"

#define COPY_BUF (1u << 20)

const struct staged_blob *blob_staged(const struct load *ld, const char *hex)
{
	for (size_t i = 0; i < ld->nstaged; i++)
		if (strcmp(ld->staged[i].hex, hex) == 0)
			return &ld->staged[i];
	return NULL;
}

int blob_mark_staged(struct load *ld, const char *hex, uint64_t size, struct berr *err)
{
	struct staged_blob *bigger;

	if (blob_staged(ld, hex))
		return 0;
	bigger = reallocarray(ld->staged, ld->nstaged + 1, sizeof(*bigger));
	if (!bigger)
		return berr_set(err, ENOMEM, "out of memory");
	ld->staged = bigger;
	snprintf(ld->staged[ld->nstaged].hex, 65, "%s", hex);
	ld->staged[ld->nstaged++].size = size;
	return 0;
}

static int write_all(int fd, const char *p, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* A new file in staging for a blob whose digest is not known yet. */
static int open_temp(struct load *ld, char name[32], struct berr *err)
{
	static unsigned counter;

	for (;;) {
		int fd;

		snprintf(name, 32, "tmp-%u", counter++);
		fd = openat(ld->stage_fd, name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
		if (fd >= 0 || errno != EEXIST)
			return fd >= 0 ? fd : berr_sys(err, "create %s/%s", ld->stage_path, name);
	}
}

/* Copies what rd gives into a new staging file while hashing and names it
 * blobs/<hex>; more than max bytes fails. */
int blob_stage_stream(struct load *ld, blob_reader rd, void *ctx, uint64_t max, char hex[65],
		      uint64_t *size, struct berr *err)
{
	_cleanup_free_ char *buf = malloc(COPY_BUF);
	_cleanup_close_ int fd = -1;
	char tmp[32], final[80];
	struct sha256 h;
	ssize_t n = 0;
	int rc = 0;

	*size = 0;
	if (!buf)
		return berr_set(err, ENOMEM, "out of memory");
	fd = open_temp(ld, tmp, err);
	if (fd < 0)
		return -1;
	sha256_begin(&h);
	while (rc == 0 && (n = rd(ctx, buf, COPY_BUF)) > 0) {
		*size += (uint64_t)n;
		if (*size > max)
			rc = berr_set(err, EFBIG, "more than %llu bytes", (unsigned long long)max);
		else if (write_all(fd, buf, (size_t)n) < 0)
			rc = berr_sys(err, "write %s/%s", ld->stage_path, tmp);
		else
			sha256_add(&h, buf, (size_t)n);
		if (ld->layout_fd >= 0)
			progress_update(&ld->progress, ld->progress.bytes + (uint64_t)n, "reading");
	}
	sha256_end_hex(&h, hex);
	if (rc == 0 && n < 0)
		rc = -1; /* the reader filled err */
	if (rc == 0 && close(steal_fd(fd)) < 0)
		rc = berr_sys(err, "write %s/%s", ld->stage_path, tmp);
	snprintf(final, sizeof(final), "blobs/%s", hex);
	if (rc == 0 && renameat(ld->stage_fd, tmp, ld->stage_fd, final) < 0)
		rc = berr_sys(err, "rename %s/%s", ld->stage_path, tmp);
	if (rc < 0)
		unlinkat(ld->stage_fd, tmp, 0);
	return rc;
}

struct fd_reader {
	int fd;
	struct berr *err;
};

static ssize_t read_fd(void *ctx, void *buf, size_t len)
{
	struct fd_reader *r = ctx;
	ssize_t n;

	while ((n = read(r->fd, buf, len)) < 0 && errno == EINTR)
		;
	if (n < 0)
		berr_sys(r->err, "read");
	return n;
}

int blob_stage_data(struct load *ld, const void *data, size_t len, char hex[65],
		    struct berr *err)
{
	_cleanup_close_ int fd = -1;
	char tmp[32], final[80];
	struct sha256 h;

	fd = open_temp(ld, tmp, err);
	if (fd < 0)
		return -1;
	sha256_begin(&h);
	sha256_add(&h, data, len);
	sha256_end_hex(&h, hex);
	if (write_all(fd, data, len) < 0 || close(steal_fd(fd)) < 0) {
		berr_sys(err, "write %s/%s", ld->stage_path, tmp);
		return unlinkat(ld->stage_fd, tmp, 0), -1;
	}
	snprintf(final, sizeof(final), "blobs/%s", hex);
	if (renameat(ld->stage_fd, tmp, ld->stage_fd, final) < 0)
		return berr_sys(err, "rename %s/%s", ld->stage_path, tmp);
	return blob_mark_staged(ld, hex, len, err);
}

int blob_open(const struct load *ld, const char *hex, struct berr *err)
{
	char name[80];
	int fd;

	snprintf(name, sizeof(name), "blobs/%s", hex);
	fd = openat(ld->stage_fd, name, O_RDONLY | O_CLOEXEC);
	return fd >= 0 ? fd : berr_sys(err, "open %s/%s", ld->stage_path, name);
}

/* ---- fetching what a descriptor names ------------------------------------------ */

static int check_blob(const char *role, const char *hex, int64_t want_size, const char *got_hex,
		      uint64_t got_size, struct berr *err)
{
	if (strcmp(hex, got_hex) != 0)
		return berr_set(err, 0, "%s sha256:%.12s…: digest mismatch (expected sha256:%s, got sha256:%s)",
				role, hex, hex, got_hex);
	if (want_size >= 0 && (uint64_t)want_size != got_size)
		return berr_set(err, 0, "%s sha256:%.12s…: size mismatch (the descriptor says %lld bytes, the blob has %llu)",
				role, hex, (long long)want_size, (unsigned long long)got_size);
	return 0;
}

static int missing(const struct load *ld, const char *role, const char *hex, struct berr *err)
{
	return berr_set(err, 0, "%s sha256:%.12s…: missing blob (no blobs/sha256/%s in %s)", role, hex,
			hex, ld->name);
}

static int fetch_from_layout(struct load *ld, const char *role, const char *hex, int64_t size,
			     struct berr *err)
{
	char name[80], got[65];
	struct fd_reader r = { .err = err };
	_cleanup_close_ int fd = -1;
	uint64_t max = size >= 0 ? (uint64_t)size : UINT64_MAX;
	uint64_t got_size;
	struct stat s;

	snprintf(name, sizeof(name), "blobs/sha256/%s", hex);
	fd = openat(ld->layout_fd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 && errno == ENOENT)
		return missing(ld, role, hex, err);
	if (fd < 0 || fstat(fd, &s) < 0)
		return berr_sys(err, "%s", name);
	if (!S_ISREG(s.st_mode))
		return berr_set(err, 0, "%s is not a regular file", name);
	if (size >= 0 && (uint64_t)s.st_size != (uint64_t)size)
		return check_blob(role, hex, size, hex, (uint64_t)s.st_size, err);
	r.fd = fd;
	if (blob_stage_stream(ld, read_fd, &r, max, got, &got_size, err) < 0)
		return berr_prefix(err, "%s sha256:%.12s…", role, hex);
	if (check_blob(role, hex, size, got, got_size, err) < 0)
		return -1;
	return blob_mark_staged(ld, hex, got_size, err);
}

static int fetch_from_archive(struct load *ld, const char *role, const char *hex, int64_t size,
			      struct berr *err)
{
	char name[80];
	const struct archive_file *f;

	snprintf(name, sizeof(name), "blobs/sha256/%s", hex);
	f = archive_find(ld, name);
	if (!f)
		return missing(ld, role, hex, err);
	if (check_blob(role, hex, size, f->hex, f->size, err) < 0)
		return -1;
	return blob_mark_staged(ld, hex, f->size, err);
}

int blob_fetch(struct load *ld, const char *role, const char *digest, int64_t size,
	       struct berr *err)
{
	const struct staged_blob *b;
	char hex[65];

	if (digest_parse(digest, hex, err) < 0)
		return berr_prefix(err, "%s", role);
	b = blob_staged(ld, hex);
	if (b)
		return check_blob(role, hex, size, b->hex, b->size, err);
	if (ld->layout_fd >= 0)
		return fetch_from_layout(ld, role, hex, size, err);
	return fetch_from_archive(ld, role, hex, size, err);
}

cJSON *blob_json(struct load *ld, const char *role, const char *digest, int64_t size,
		 struct berr *err)
{
	_cleanup_free_ char *path = NULL, *text = NULL;
	const char *end = NULL;
	size_t len = 0;
	cJSON *j;

	if (blob_fetch(ld, role, digest, size, err) < 0)
		return NULL;
	if (blob_staged(ld, digest + 7)->size > BLOB_JSON_MAX)
		return berr_set(err, 0, "%s %.19s…: larger than %u MiB", role, digest,
				BLOB_JSON_MAX >> 20), NULL;
	path = str_printf(err, "%s/blobs/%s", ld->stage_path, digest + 7);
	text = path ? fs_read_file(path, BLOB_JSON_MAX, &len, err) : NULL;
	if (!text)
		return NULL;
	j = cJSON_ParseWithLengthOpts(text, len + 1, &end, true); /* with the NUL: cJSON checks it */
	if (!j)
		berr_set(err, 0, "%s %.19s…: not valid JSON (at byte %zu)", role, digest,
			 end && end >= text ? (size_t)(end - text) : 0);
	return j;
}

/* ---- the source's own files (index.json, manifest.json, oci-layout) ------------- */

static char *source_file_path(const struct load *ld, const char *name, struct berr *err)
{
	const struct archive_file *f;

	if (ld->layout_fd >= 0)
		return str_printf(err, "%s/%s", ld->path, name);
	f = archive_find(ld, name);
	if (!f)
		return berr_set(err, ENOENT, "no %s", name), NULL;
	return str_printf(err, "%s/blobs/%s", ld->stage_path, f->hex);
}

bool source_has(const struct load *ld, const char *name)
{
	struct stat s;

	if (ld->layout_fd >= 0)
		return fstatat(ld->layout_fd, name, &s, 0) == 0;
	return archive_find(ld, name) != NULL;
}

cJSON *source_json(const struct load *ld, const char *name, struct berr *err)
{
	_cleanup_free_ char *path = source_file_path(ld, name, err);
	_cleanup_free_ char *text = NULL;
	const char *end = NULL;
	size_t len = 0;
	cJSON *j;

	if (!path)
		return NULL;
	text = fs_read_file(path, BLOB_JSON_MAX, &len, err);
	if (!text) {
		if (err->code == ENOENT)
			berr_set(err, ENOENT, "no %s", name);
		else if (err->code == EFBIG)
			berr_set(err, 0, "%s is larger than %u MiB", name, BLOB_JSON_MAX >> 20);
		return NULL;
	}
	j = cJSON_ParseWithLengthOpts(text, len + 1, &end, true); /* with the NUL: cJSON checks it */
	if (!j)
		berr_set(err, 0, "%s is not valid JSON (at byte %zu)", name,
			 end && end >= text ? (size_t)(end - text) : 0);
	return j;
}
