/* What an image is made of: its manifest and config, parsed and checked, at
 * load time from staging and later from the store's blobs. */
#include <errno.h>
#include <string.h>

#include "image/image_store.h"

#define MT_OCI_MANIFEST "application/vnd.oci.image.manifest.v1+json"
#define MT_DOCKER_MANIFEST "application/vnd.docker.distribution.manifest.v2+json"
#define MT_OCI_CONFIG "application/vnd.oci.image.config.v1+json"
#define MT_DOCKER_CONFIG "application/vnd.docker.container.image.v1+json"

void store_content_free(struct store_content *c)
{
	free(c->layers);
	*c = (struct store_content){ 0 };
}

/* A descriptor's digest (64 lowercase hex), size and media type. */
static int descriptor_parse(const cJSON *d, char digest[DIGEST_LEN], uint64_t *size,
			    char *media_type, size_t mt_size, struct berr *err)
{
	const cJSON *dg = json_get(d, "digest"), *sz = json_get(d, "size");
	const cJSON *mt = json_get(d, "mediaType");
	char hex[65];

	if (!cJSON_IsString(dg))
		return berr_set(err, 0, "descriptor without a digest");
	if (digest_parse(dg->valuestring, hex, err) < 0)
		return -1;
	snprintf(digest, DIGEST_LEN, "sha256:%s", hex);
	if (!cJSON_IsNumber(sz) || sz->valuedouble < 0 || sz->valuedouble > 9007199254740992.0 ||
	    sz->valuedouble != (double)(uint64_t)sz->valuedouble)
		return berr_set(err, 0, "descriptor %.19s…: size is not a byte count", digest);
	*size = (uint64_t)sz->valuedouble;
	if (!cJSON_IsString(mt) || strlen(mt->valuestring) >= mt_size)
		return berr_set(err, 0, "descriptor %.19s…: no media type", digest);
	snprintf(media_type, mt_size, "%s", mt->valuestring);
	return 0;
}

static int check_manifest_kind(const cJSON *m, struct berr *err)
{
	const cJSON *schema = json_get(m, "schemaVersion"), *mt = json_get(m, "mediaType");

	if (cJSON_IsNumber(schema) && schema->valueint == 1)
		return berr_set(err, 0, "docker image manifest v2 schema 1 is not supported "
					"(save the image again with a current docker, podman or skopeo)");
	if (!cJSON_IsNumber(schema) || schema->valueint != 2)
		return berr_set(err, 0, "manifest schemaVersion is not 2");
	if (mt && (!cJSON_IsString(mt) || (strcmp(mt->valuestring, MT_OCI_MANIFEST) != 0 &&
					   strcmp(mt->valuestring, MT_DOCKER_MANIFEST) != 0)))
		return berr_set(err, 0, "unsupported manifest media type %s",
				cJSON_IsString(mt) ? mt->valuestring : "(not a string)");
	return 0;
}

int manifest_parse(const cJSON *m, struct store_content *c, struct berr *err)
{
	const cJSON *layers = json_get(m, "layers"), *l;
	size_t n = 0;

	*c = (struct store_content){ 0 };
	if (check_manifest_kind(m, err) < 0)
		return -1;
	if (descriptor_parse(json_get(m, "config"), c->config, &c->config_size, c->config_media_type,
			     sizeof(c->config_media_type), err) < 0)
		return berr_prefix(err, "manifest config");
	if (strcmp(c->config_media_type, MT_OCI_CONFIG) != 0 &&
	    strcmp(c->config_media_type, MT_DOCKER_CONFIG) != 0)
		return berr_set(err, 0, "not a container image (config media type %s)",
				c->config_media_type);
	if (!cJSON_IsArray(layers))
		return berr_set(err, 0, "manifest has no layers array");
	c->layers = calloc((size_t)cJSON_GetArraySize(layers) + 1, sizeof(*c->layers));
	if (!c->layers)
		return berr_set(err, ENOMEM, "out of memory");
	cJSON_ArrayForEach(l, layers) {
		struct store_layer *sl = &c->layers[n];

		if (descriptor_parse(l, sl->blob, &sl->size, sl->media_type, sizeof(sl->media_type),
				     err) < 0) {
			store_content_free(c);
			return berr_prefix(err, "manifest layer %zu", n + 1);
		}
		n++;
	}
	c->nlayers = n;
	return 0;
}

int config_parse_diff_ids(const cJSON *config, struct store_content *c, struct berr *err)
{
	const cJSON *ids = json_get(json_get(config, "rootfs"), "diff_ids"), *id;
	size_t n = 0;

	if (!cJSON_IsArray(ids))
		return berr_set(err, 0, "config %.19s…: no rootfs.diff_ids", c->config);
	if ((size_t)cJSON_GetArraySize(ids) != c->nlayers)
		return berr_set(err, 0, "config %.19s…: %d diff_ids for %zu layers in the manifest",
				c->config, cJSON_GetArraySize(ids), c->nlayers);
	cJSON_ArrayForEach(id, ids) {
		char hex[65];

		if (!cJSON_IsString(id))
			return berr_set(err, 0, "config %.19s…: diff_id %zu is not a string", c->config,
					n + 1);
		if (digest_parse(id->valuestring, hex, err) < 0)
			return berr_prefix(err, "config %.19s…: diff_id %zu", c->config, n + 1);
		snprintf(c->layers[n++].diff_id, DIGEST_LEN, "sha256:%s", hex);
	}
	return 0;
}

cJSON *store_blob_json(const struct store *st, const char *digest, struct berr *err)
{
	_cleanup_free_ char *path = NULL;
	char hex[65];

	if (digest_parse(digest, hex, err) < 0)
		return NULL;
	path = str_printf(err, "%s/blobs/sha256/%s", st->dir, hex);
	return path ? json_parse_file(path, BLOB_JSON_MAX, err) : NULL;
}

int store_content_read(const struct store *st, const char *digest, struct store_content *c,
		       struct berr *err)
{
	_cleanup_cjson_ cJSON *manifest = store_blob_json(st, digest, err);
	_cleanup_cjson_ cJSON *config = NULL;

	*c = (struct store_content){ 0 };
	if (!manifest || manifest_parse(manifest, c, err) < 0)
		return berr_prefix(err, "image %.19s…", digest);
	config = store_blob_json(st, c->config, err);
	if (!config || config_parse_diff_ids(config, c, err) < 0) {
		store_content_free(c);
		return berr_prefix(err, "image %.19s…", digest);
	}
	return 0;
}

char *store_layer_path(const struct store *st, const char *diff_id, struct berr *err)
{
	char hex[65];

	if (digest_parse(diff_id, hex, err) < 0)
		return NULL;
	return str_printf(err, "%s/layers/%s", st->dir, hex);
}
