/* image load: what the source is, which images it holds, verify them all in
 * staging, then publish them at once. Nothing reaches the store unless
 * every blob, layer and diff_id of every image checked out. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "image/image_import.h"
#include "image/image_ref.h"

/* ---- progress: the one place below the CLI that prints ---------------------------- */

static double seconds_between(const struct timespec *a, const struct timespec *b)
{
	return (double)(b->tv_sec - a->tv_sec) + (double)(b->tv_nsec - a->tv_nsec) / 1e9;
}

/* On a terminal only (the CLI sets opts->progress from isatty(2)), not in
 * the first half second (short loads stay quiet), at most 5 times a second. */
void progress_update(struct progress *p, uint64_t bytes, const char *what)
{
	struct timespec now;
	double secs;

	p->bytes = bytes;
	if (!p->on || clock_gettime(CLOCK_MONOTONIC, &now) < 0)
		return;
	secs = seconds_between(&p->start, &now);
	if (secs < 0.5 || (p->shown && seconds_between(&p->last, &now) < 0.2))
		return;
	fprintf(stderr, "\r\033[K%s: %.1f MB, %.1f MB/s", what, (double)bytes / 1e6,
		(double)bytes / 1e6 / secs);
	p->last = now;
	p->shown = true;
}

void progress_clear(struct progress *p)
{
	if (p->shown)
		fputs("\r\033[K", stderr);
	p->shown = false;
}

/* ---- the images found ---------------------------------------------------------------- */

int load_add_image(struct load *ld, const char *digest, int64_t size, const char *ref,
		   struct berr *err)
{
	struct load_image *bigger;
	struct load_image img = { .manifest_size = size };

	if (ld->tag)
		ref = ld->tag;
	for (size_t i = 0; i < ld->nimages; i++)
		if (strcmp(ld->images[i].digest, digest) == 0 &&
		    (ref ? ld->images[i].ref && strcmp(ld->images[i].ref, ref) == 0 : !ld->images[i].ref))
			return 0;
	snprintf(img.digest, sizeof(img.digest), "%s", digest);
	if (ref && !(img.ref = str_dup(ref, err)))
		return -1;
	bigger = reallocarray(ld->images, ld->nimages + 1, sizeof(*bigger));
	if (!bigger)
		return free(img.ref), berr_set(err, ENOMEM, "out of memory");
	ld->images = bigger;
	ld->images[ld->nimages++] = img;
	return 0;
}

static void load_free(struct load *ld)
{
	for (size_t i = 0; i < ld->nfiles; i++) {
		free(ld->files[i].path);
		free(ld->files[i].link);
	}
	free(ld->files);
	for (size_t i = 0; i < ld->nimages; i++) {
		free(ld->images[i].ref);
		free(ld->images[i].created);
		store_content_free(&ld->images[i].content);
	}
	free(ld->images);
	for (size_t i = 0; i < ld->nlayers; i++)
		free(ld->layers[i]);
	free(ld->layers);
	free(ld->staged);
	free(ld->stage_path);
	if (ld->layout_fd >= 0)
		close(ld->layout_fd);
}

/* ---- steps ---------------------------------------------------------------------------- */

static int read_source(struct load *ld, struct berr *err)
{
	_cleanup_close_ int fd = -1;
	struct stat s;

	if (strcmp(ld->path, "-") == 0)
		return archive_stage(ld, STDIN_FILENO, err);
	fd = open(ld->path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &s) < 0)
		return berr_sys(err, "open %s", ld->path);
	if (!S_ISDIR(s.st_mode))
		return archive_stage(ld, fd, err);
	ld->layout_fd = steal_fd(fd);
	if (!source_has(ld, "index.json"))
		return berr_set(err, 0, "%s is a directory but not an OCI image layout (no index.json)",
				ld->path);
	return 0;
}

/* Docker 25+ archives hold both: index.json has the digests, so it wins. */
static int find_images(struct load *ld, struct berr *err)
{
	if (source_has(ld, "index.json"))
		return oci_find_images(ld, err);
	if (source_has(ld, "manifest.json"))
		return docker_find_images(ld, err);
	return berr_set(err, 0, "neither an OCI archive (no index.json) nor a docker archive "
				"(no manifest.json)");
}

static size_t distinct_images(const struct load *ld)
{
	size_t n = 0;

	for (size_t i = 0; i < ld->nimages; i++) {
		size_t j = 0;

		while (j < i && strcmp(ld->images[j].digest, ld->images[i].digest) != 0)
			j++;
		n += j == i;
	}
	return n;
}

/* Each image once; further names of the same image share its result. */
static int verify_all(struct load *ld, struct berr *err)
{
	for (size_t i = 0; i < ld->nimages; i++) {
		struct load_image *img = &ld->images[i], *first = NULL;

		for (size_t j = 0; j < i && !first; j++)
			if (ld->images[j].verified && strcmp(ld->images[j].digest, img->digest) == 0)
				first = &ld->images[j];
		if (!first) {
			if (load_verify_image(ld, img, err) < 0)
				return -1;
			img->verified = true;
			continue;
		}
		memcpy(img->arch, first->arch, sizeof(img->arch));
		memcpy(img->config, first->config, sizeof(img->config));
		img->size = first->size;
		if (first->created && !(img->created = str_dup(first->created, err)))
			return -1;
	}
	return 0;
}

static int load_run(struct load *ld, struct berr *err)
{
	if (stage_begin(ld, err) < 0)
		return -1;
	ld->max_layer_bytes = ld->opts->max_layer_bytes ? ld->opts->max_layer_bytes
							: layer_default_limit(ld->stage_path);
	if (read_source(ld, err) < 0 || find_images(ld, err) < 0)
		return -1;
	if (ld->tag && distinct_images(ld) > 1)
		return berr_set(err, 0, "--tag names one image, but there are %zu (load without --tag "
					"to use the archive's own names)",
				distinct_images(ld));
	if (verify_all(ld, err) < 0)
		return -1;
	return stage_publish(ld, err);
}

static int report_loaded(const struct load *ld, struct image_list *out, struct berr *err)
{
	struct image_info *bigger = reallocarray(out->items, out->count + ld->nimages, sizeof(*bigger));

	if (!bigger)
		return berr_set(err, ENOMEM, "out of memory");
	out->items = bigger;
	for (size_t i = 0; i < ld->nimages; i++) {
		const struct load_image *img = &ld->images[i];
		struct image_info *info = &out->items[out->count];

		*info = (struct image_info){ .size = img->size };
		memcpy(info->digest, img->digest, sizeof(info->digest));
		memcpy(info->config_digest, img->config, sizeof(info->config_digest));
		snprintf(info->arch, sizeof(info->arch), "%s", img->arch);
		if ((img->ref && !(info->ref = str_dup(img->ref, err))) ||
		    (img->created && !(info->created = str_dup(img->created, err)))) {
			image_info_clear(info);
			return -1;
		}
		out->count++;
	}
	return 0;
}

int image_load(const struct paths *paths, const char *path, const struct image_load_opts *opts,
	       struct image_list *loaded, struct berr *err)
{
	const char *slash = strrchr(path, '/');
	char tag[REF_MAX];
	struct store st;
	struct load ld = {
		.opts = opts, .path = path, .st = &st, .stage_fd = -1, .layout_fd = -1,
		.name = strcmp(path, "-") == 0 ? "stdin" : slash && slash[1] ? slash + 1 : path,
		.progress = { .on = opts->progress },
	};
	int rc;

	if (!opts->arch)
		return berr_set(err, EINVAL, "load %s: no board architecture given", ld.name);
	if (opts->tag && ref_normalize(opts->tag, tag, sizeof(tag), err) < 0)
		return berr_prefix(err, "--tag");
	if (opts->tag)
		ld.tag = tag;
	if (store_open(paths, &st, err) < 0)
		return -1;
	clock_gettime(CLOCK_MONOTONIC, &ld.progress.start);
	rc = load_run(&ld, err);
	if (rc == 0)
		rc = report_loaded(&ld, loaded, err);
	progress_clear(&ld.progress);
	stage_end(&ld);
	load_free(&ld);
	store_close(&st);
	return rc < 0 ? berr_prefix(err, "load %s", ld.name) : 0;
}
