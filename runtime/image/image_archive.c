/* Reading an OCI or docker archive: one pass over the tar (plain or gzip)
 * with libarchive, every regular file hashed while it is written into
 * staging under its own digest. The entries' names stay strings: they are
 * looked up, never used as paths. */
#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <string.h>

#include "image/image_import.h"

#define MAX_ENTRIES 100000
#define MAX_PATH_LEN 4096
#define MAX_LINK_HOPS 8

/* "./a//b/" -> "a/b"; NULL (and err) for absolute names and "..". */
static char *normalize(const char *name, struct berr *err)
{
	size_t len = name ? strlen(name) : 0;
	char *out, *o;
	const char *p = name;

	if (!name)
		return berr_set(err, 0, "an archive entry without a readable name"), NULL;
	if (len > MAX_PATH_LEN)
		return berr_set(err, 0, "archive entry name longer than %d bytes", MAX_PATH_LEN), NULL;
	if (name[0] == '/')
		return berr_set(err, 0, "archive entry \"%.200s\": absolute name", name), NULL;
	out = o = malloc(len + 1);
	if (!out)
		return berr_set(err, ENOMEM, "out of memory"), NULL;
	while (*p) {
		size_t n = strcspn(p, "/");

		if (n == 2 && strncmp(p, "..", 2) == 0) {
			free(out);
			return berr_set(err, 0, "archive entry \"%.200s\": \"..\" in the name", name), NULL;
		}
		if (n > 0 && !(n == 1 && p[0] == '.')) {
			if (o != out)
				*o++ = '/';
			memcpy(o, p, n);
			o += n;
		}
		p += n + (p[n] == '/');
	}
	*o = '\0';
	return out;
}

/* A symlink's target as an archive path, resolved against the link's
 * directory; NULL when it leaves the archive or is absolute (such links
 * are never followed). */
static char *resolve_link(const char *path, const char *target)
{
	_cleanup_free_ char *joined = NULL;
	const char *slash = strrchr(path, '/');
	char *out, *o;
	const char *p;

	if (target[0] == '/' ||
	    asprintf(&joined, "%.*s/%s", slash ? (int)(slash - path) : 0, path, target) < 0)
		return NULL;
	out = o = malloc(strlen(joined) + 1);
	if (!out)
		return NULL;
	for (p = joined; *p;) {
		size_t n = strcspn(p, "/");

		if (n == 2 && strncmp(p, "..", 2) == 0) {
			char *up = o > out ? memrchr(out, '/', (size_t)(o - out)) : NULL;

			if (o == out)
				return free(out), NULL;
			o = up ? up : out;
		} else if (n > 0 && !(n == 1 && p[0] == '.')) {
			if (o != out)
				*o++ = '/';
			memcpy(o, p, n);
			o += n;
		}
		p += n + (p[n] == '/');
	}
	*o = '\0';
	return out;
}

static struct archive_file *add_file(struct load *ld, char *path, struct berr *err)
{
	struct archive_file *bigger;

	if (ld->nfiles >= MAX_ENTRIES)
		return free(path), berr_set(err, 0, "more than %d files", MAX_ENTRIES), NULL;
	bigger = reallocarray(ld->files, ld->nfiles + 1, sizeof(*bigger));
	if (!bigger)
		return free(path), berr_set(err, ENOMEM, "out of memory"), NULL;
	ld->files = bigger;
	ld->files[ld->nfiles] = (struct archive_file){ .path = path };
	return &ld->files[ld->nfiles++];
}

struct archive_reader {
	struct archive *a;
	struct berr *err;
};

static ssize_t read_entry(void *ctx, void *buf, size_t len)
{
	struct archive_reader *r = ctx;
	la_ssize_t n = archive_read_data(r->a, buf, len);

	if (n < 0)
		berr_set(r->err, 0, "%s", archive_error_string(r->a));
	return n;
}

static int stage_entry(struct load *ld, struct archive *a, struct archive_entry *e,
		       struct berr *err)
{
	struct archive_reader r = { a, err };
	struct archive_file *f;
	const char *hardlink = archive_entry_hardlink(e);
	char *path = normalize(archive_entry_pathname(e), err);

	if (!path)
		return -1;
	if (hardlink || archive_entry_filetype(e) == AE_IFLNK) {
		f = add_file(ld, path, err);
		if (!f)
			return -1;
		f->hardlink = hardlink != NULL;
		f->link = hardlink ? normalize(hardlink, err)
				   : resolve_link(f->path, archive_entry_symlink(e) ?: "");
		return hardlink && !f->link ? -1 : 0;
	}
	if (archive_entry_filetype(e) != AE_IFREG)
		return free(path), 0;
	f = add_file(ld, path, err);
	if (!f)
		return -1;
	if (blob_stage_stream(ld, read_entry, &r, UINT64_MAX, f->hex, &f->size, err) < 0)
		return berr_prefix(err, "archive entry \"%.200s\"", f->path);
	return 0;
}

/* libarchive's words, made into ours. */
static int archive_failed(struct archive *a, struct berr *err)
{
	const char *msg = archive_error_string(a) ?: "unknown error";

	if (strcasestr(msg, "truncated") || strcasestr(msg, "premature end"))
		return berr_set(err, 0, "the archive is truncated (%s)", msg);
	if (strcasestr(msg, "unrecognized archive format"))
		return berr_set(err, 0, "not a tar archive (expected an OCI archive, a docker archive or "
					"an OCI layout directory)");
	return berr_set(err, 0, "reading the archive: %s", msg);
}

static int stage_all(struct load *ld, struct archive *a, struct berr *err)
{
	struct archive_entry *e;

	for (;;) {
		int r = archive_read_next_header(a, &e);

		if (r == ARCHIVE_EOF)
			return 0;
		if (r < ARCHIVE_WARN)
			return archive_failed(a, err);
		if (stage_entry(ld, a, e, err) < 0) {
			/* a data error inside an entry is the archive's, not the entry's */
			if (archive_errno(a) != 0 && archive_error_string(a))
				return archive_failed(a, err);
			return -1;
		}
		progress_update(&ld->progress, (uint64_t)archive_filter_bytes(a, -1), "reading");
	}
}

int archive_stage(struct load *ld, int fd, struct berr *err)
{
	struct archive *a = archive_read_new();
	int rc;

	if (!a)
		return berr_set(err, ENOMEM, "out of memory");
	/* Only tar and gzip: format_all would pull in xar, libxml2 and ICU. */
	if (archive_read_support_format_tar(a) != ARCHIVE_OK ||
	    archive_read_support_filter_gzip(a) < ARCHIVE_WARN ||
	    archive_read_open_fd(a, fd, 1u << 16) != ARCHIVE_OK)
		rc = archive_failed(a, err);
	else
		rc = stage_all(ld, a, err);
	archive_read_free(a);
	return rc;
}

/* The last entry named path before entry end: the one a tar extraction
 * would leave. */
static const struct archive_file *find_before(const struct load *ld, const char *path, size_t end)
{
	for (size_t i = end; i-- > 0;)
		if (strcmp(ld->files[i].path, path) == 0)
			return &ld->files[i];
	return NULL;
}

const struct archive_file *archive_find(const struct load *ld, const char *path)
{
	const struct archive_file *f = find_before(ld, path, ld->nfiles);

	for (int hops = 0; f && f->link && hops < MAX_LINK_HOPS; hops++)
		/* a hardlink names an earlier entry; a symlink whatever is there */
		f = find_before(ld, f->link, f->hardlink ? (size_t)(f - ld->files) : ld->nfiles);
	return f && !f->link ? f : NULL;
}
