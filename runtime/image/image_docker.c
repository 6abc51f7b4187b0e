/* docker archives (docker save before 25, podman save, skopeo docker-archive:):
 * manifest.json lists each image's config file, RepoTags and layer tars by
 * their paths in the archive. There are no digests to check: the content's
 * own sha256 is the digest, and an OCI manifest is made from them so the
 * image has a manifest digest like any other. */
#include <errno.h>
#include <string.h>

#include "image/image_import.h"
#include "image/image_ref.h"

#define MT_DOCKER_MANIFEST "application/vnd.docker.distribution.manifest.v2+json"
#define MT_DOCKER_CONFIG "application/vnd.docker.container.image.v1+json"
#define MT_DOCKER_LAYER "application/vnd.docker.image.rootfs.diff.tar"
#define MT_DOCKER_LAYER_GZIP "application/vnd.docker.image.rootfs.diff.tar.gzip"
#define MT_OCI_LAYER_ZSTD "application/vnd.oci.image.layer.v1.tar+zstd"

/* Layers in docker archives are usually plain tars, but may be compressed:
 * the first bytes say which. */
static int sniff_media_type(struct load *ld, const char *hex, const char **mt, struct berr *err)
{
	static const unsigned char gzip_magic[] = { 0x1f, 0x8b }, zstd_magic[] = { 0x28, 0xb5, 0x2f, 0xfd };
	_cleanup_close_ int fd = blob_open(ld, hex, err);
	unsigned char head[4] = { 0 };

	if (fd < 0)
		return -1;
	if (read(fd, head, sizeof(head)) < 0)
		return berr_sys(err, "read layer sha256:%.12s…", hex);
	if (memcmp(head, gzip_magic, sizeof(gzip_magic)) == 0)
		*mt = MT_DOCKER_LAYER_GZIP;
	else if (memcmp(head, zstd_magic, sizeof(zstd_magic)) == 0)
		*mt = MT_OCI_LAYER_ZSTD;
	else
		*mt = MT_DOCKER_LAYER;
	return 0;
}

/* The file at path in the archive, staged and verified by construction. */
static const struct archive_file *docker_file(struct load *ld, const cJSON *path, const char *what,
					      struct berr *err)
{
	const struct archive_file *f;

	if (!cJSON_IsString(path))
		return berr_set(err, 0, "manifest.json: %s is not a file name", what), NULL;
	f = archive_find(ld, path->valuestring);
	if (!f)
		return berr_set(err, 0, "manifest.json names %s \"%.200s\", which is not in the archive",
				what, path->valuestring), NULL;
	return blob_mark_staged(ld, f->hex, f->size, err) < 0 ? NULL : f;
}

static cJSON *descriptor(const char *media_type, const struct archive_file *f)
{
	cJSON *d = cJSON_CreateObject();
	char digest[DIGEST_LEN];

	snprintf(digest, sizeof(digest), "sha256:%s", f->hex);
	if (!d || !cJSON_AddStringToObject(d, "mediaType", media_type) ||
	    !cJSON_AddNumberToObject(d, "size", (double)f->size) ||
	    !cJSON_AddStringToObject(d, "digest", digest))
		return cJSON_Delete(d), NULL;
	return d;
}

static int add_layers(struct load *ld, const cJSON *entry, cJSON *layers, struct berr *err)
{
	const cJSON *paths = json_get(entry, "Layers"), *p;

	if (!cJSON_IsArray(paths))
		return berr_set(err, 0, "manifest.json: an image without Layers");
	cJSON_ArrayForEach(p, paths) {
		const struct archive_file *f = docker_file(ld, p, "layer", err);
		const char *mt = MT_DOCKER_LAYER;
		cJSON *d;

		if (!f || sniff_media_type(ld, f->hex, &mt, err) < 0)
			return -1;
		d = descriptor(mt, f);
		if (!d || !cJSON_AddItemToArray(layers, d))
			return cJSON_Delete(d), berr_set(err, ENOMEM, "out of memory");
	}
	return 0;
}

/* The OCI-style manifest docker itself would push for this image. */
static int make_manifest(struct load *ld, const cJSON *entry, char digest[DIGEST_LEN],
			 struct berr *err)
{
	_cleanup_cjson_ cJSON *m = cJSON_CreateObject();
	_cleanup_free_ char *text = NULL;
	const struct archive_file *config = docker_file(ld, json_get(entry, "Config"), "Config", err);
	cJSON *cd, *layers;
	char hex[65];

	if (!config)
		return -1;
	cd = descriptor(MT_DOCKER_CONFIG, config);
	if (!m || !cd || !cJSON_AddNumberToObject(m, "schemaVersion", 2) ||
	    !cJSON_AddStringToObject(m, "mediaType", MT_DOCKER_MANIFEST) ||
	    !cJSON_AddItemToObject(m, "config", cd) || !(layers = cJSON_AddArrayToObject(m, "layers")))
		return berr_set(err, ENOMEM, "out of memory");
	if (add_layers(ld, entry, layers, err) < 0)
		return -1;
	text = cJSON_PrintUnformatted(m);
	if (!text)
		return berr_set(err, ENOMEM, "out of memory");
	if (blob_stage_data(ld, text, strlen(text), hex, err) < 0)
		return -1;
	snprintf(digest, DIGEST_LEN, "sha256:%s", hex);
	return 0;
}

static int add_tags(struct load *ld, const cJSON *entry, const char *digest, struct berr *err)
{
	const cJSON *tags = json_get(entry, "RepoTags"), *t;
	int named = 0;

	cJSON_ArrayForEach(t, tags) {
		char canonical[REF_MAX];
		struct berr why = { 0 };

		if (!cJSON_IsString(t) || ld->opts->tag)
			continue;
		if (ref_normalize(t->valuestring, canonical, sizeof(canonical), &why) < 0) {
			log_warn("%s: RepoTags: %s", ld->name, why.msg);
			continue;
		}
		if (load_add_image(ld, digest, -1, canonical, err) < 0)
			return -1;
		named++;
	}
	return named ? 0 : load_add_image(ld, digest, -1, NULL, err);
}

int docker_find_images(struct load *ld, struct berr *err)
{
	_cleanup_cjson_ cJSON *list = source_json(ld, "manifest.json", err);
	const cJSON *entry;

	if (!list)
		return -1;
	if (!cJSON_IsArray(list) || cJSON_GetArraySize(list) == 0)
		return berr_set(err, 0, "manifest.json lists no images");
	cJSON_ArrayForEach(entry, list) {
		char digest[DIGEST_LEN];

		if (make_manifest(ld, entry, digest, err) < 0 || add_tags(ld, entry, digest, err) < 0)
			return -1;
	}
	return 0;
}
