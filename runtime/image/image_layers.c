/* Verifying one image of a load: manifest, config (platform, diff_ids), and
 * each layer's blob, extracted once unless the store has it already. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>

#include "image/image_import.h"

static bool dir_exists_at(int dir_fd, const char *name)
{
	struct stat s;

	return fstatat(dir_fd, name, &s, AT_SYMLINK_NOFOLLOW) == 0 && S_ISDIR(s.st_mode);
}

static bool layer_staged(const struct load *ld, const char *diff_id)
{
	for (size_t i = 0; i < ld->nlayers; i++)
		if (strcmp(ld->layers[i], diff_id) == 0)
			return true;
	return false;
}

static int note_layer(struct load *ld, const char *diff_id, struct berr *err)
{
	char **bigger = reallocarray(ld->layers, ld->nlayers + 1, sizeof(*bigger));

	if (!bigger)
		return berr_set(err, ENOMEM, "out of memory");
	ld->layers = bigger;
	ld->layers[ld->nlayers] = str_dup(diff_id, err);
	if (!ld->layers[ld->nlayers])
		return -1;
	ld->nlayers++;
	return 0;
}

static int extract(struct load *ld, const struct store_layer *l, enum layer_compression comp,
		   const char *name, struct berr *err)
{
	_cleanup_free_ char *dest = str_printf(err, "%s/%s", ld->stage_path, name);
	_cleanup_close_ int fd = blob_open(ld, l->blob + 7, err);
	struct layer_result res;

	if (!dest || fd < 0)
		return -1;
	if (mkdirat(ld->stage_fd, name, 0755) < 0)
		return berr_sys(err, "create %s", dest);
	if (layer_extract(fd, comp, dest, ld->max_layer_bytes, &res, err) < 0)
		return -1;
	if (strcmp(res.diff_id, l->diff_id) != 0)
		return berr_set(err, 0, "diff_id mismatch (the config says %s, the content is %s)",
				l->diff_id, res.diff_id);
	return 0;
}

int load_extract_layer(struct load *ld, const struct store_layer *l, struct berr *err)
{
	enum layer_compression comp;
	char name[80];

	snprintf(name, sizeof(name), "layers/%s", l->diff_id + 7);
	if (layer_compression_from_media_type(l->media_type, &comp, err) < 0 ||
	    extract(ld, l, comp, name, err) < 0) {
		struct berr ignored;

		store_remove_tree(ld->stage_fd, name, NULL, &ignored);
		return -1;
	}
	return note_layer(ld, l->diff_id, err);
}

static int install_layer(struct load *ld, const struct store_layer *l, size_t i, size_t n,
			 struct berr *err)
{
	char name[80];

	if (blob_fetch(ld, "layer", l->blob, (int64_t)l->size, err) < 0)
		return -1;
	snprintf(name, sizeof(name), "layers/%s", l->diff_id + 7);
	/* a base layer another image brought: still verified above, not extracted again */
	if (dir_exists_at(ld->st->dir_fd, name) || layer_staged(ld, l->diff_id))
		return 0;
	if (ld->progress.on) {
		char what[64];

		snprintf(what, sizeof(what), "extracting layer %zu/%zu", i + 1, n);
		progress_update(&ld->progress, ld->progress.bytes, what);
	}
	if (load_extract_layer(ld, l, err) < 0)
		return berr_prefix(err, "layer sha256:%.12s…", l->blob + 7);
	return 0;
}

static int check_platform(struct load *ld, const cJSON *config, struct load_image *img,
			  struct berr *err)
{
	struct platform p = { 0 };
	char has[100];

	platform_from_json(config, &p);
	if (!platform_fits(&p, ld->opts->arch)) {
		platform_format(&p, has, sizeof(has));
		return platform_missing(ld, has, err);
	}
	snprintf(img->arch, sizeof(img->arch), "%.15s", p.arch);
	return 0;
}

static int read_config(struct load *ld, struct load_image *img, struct store_content *c,
		       struct berr *err)
{
	_cleanup_cjson_ cJSON *config = blob_json(ld, "config", c->config, (int64_t)c->config_size, err);
	const cJSON *created;

	if (!config || check_platform(ld, config, img, err) < 0 ||
	    config_parse_diff_ids(config, c, err) < 0)
		return -1;
	created = json_get(config, "created");
	if (cJSON_IsString(created) && !(img->created = str_dup(created->valuestring, err)))
		return -1;
	snprintf(img->config, sizeof(img->config), "%s", c->config);
	img->size = c->config_size;
	for (size_t i = 0; i < c->nlayers; i++)
		img->size += c->layers[i].size;
	return 0;
}

int load_verify_image(struct load *ld, struct load_image *img, struct berr *err)
{
	_cleanup_cjson_ cJSON *manifest = blob_json(ld, "manifest", img->digest, img->manifest_size, err);
	struct store_content *c = &img->content;

	if (!manifest)
		return -1;
	if (manifest_parse(manifest, c, err) < 0)
		return berr_prefix(err, "manifest %.19s…", img->digest);
	if (read_config(ld, img, c, err) < 0)
		return -1;
	for (size_t i = 0; i < c->nlayers; i++)
		if (install_layer(ld, &c->layers[i], i, c->nlayers, err) < 0)
			return -1;
	return 0;
}
