/* OCI layouts and archives: index.json -> (nested indexes) -> the manifest
 * for the board's platform, named by the top-level descriptor's annotations. */
#include <errno.h>
#include <string.h>

#include "image/image_import.h"
#include "image/image_ref.h"

#define MAX_INDEX_DEPTH 4
#define MT_OCI_INDEX "application/vnd.oci.image.index.v1+json"
#define MT_DOCKER_LIST "application/vnd.docker.distribution.manifest.list.v2+json"

/* What one top-level descriptor leads to, and what platforms were seen. */
struct pick {
	char digest[DIGEST_LEN];
	int64_t size;
	bool found;
	char has[512];
};

static void note_platform(struct pick *pk, const struct platform *p)
{
	char name[100];

	/* buildx attestations are "unknown/unknown": not images */
	if (strcmp(p->arch, "unknown") == 0)
		return;
	platform_format(p, name, sizeof(name));
	if (strstr(pk->has, name))
		return;
	snprintf(pk->has + strlen(pk->has), sizeof(pk->has) - strlen(pk->has), "%s%s",
		 pk->has[0] ? ", " : "", name);
}

static int64_t descriptor_size(const cJSON *d)
{
	const cJSON *s = json_get(d, "size");

	return cJSON_IsNumber(s) && s->valuedouble >= 0 ? (int64_t)s->valuedouble : -1;
}

static int pick_descriptor(struct load *ld, const cJSON *d, int depth, struct pick *pk,
			   struct berr *err);

static int pick_from_index(struct load *ld, const cJSON *index, int depth, struct pick *pk,
			   struct berr *err)
{
	const cJSON *manifests = json_get(index, "manifests"), *d;

	if (depth > MAX_INDEX_DEPTH)
		return berr_set(err, 0, "image indexes nested more than %d deep", MAX_INDEX_DEPTH);
	if (!cJSON_IsArray(manifests))
		return berr_set(err, 0, "index without a manifests array");
	cJSON_ArrayForEach(d, manifests) {
		if (pick_descriptor(ld, d, depth, pk, err) < 0)
			return -1;
		if (pk->found)
			return 0;
	}
	return 0;
}

/* A manifest without a platform in its descriptor: its config says. */
static int platform_from_config(struct load *ld, const char *digest, int64_t size,
				struct platform *p, struct berr *err)
{
	_cleanup_cjson_ cJSON *m = blob_json(ld, "manifest", digest, size, err);
	_cleanup_cjson_ cJSON *config = NULL;
	struct store_content c;

	if (!m)
		return -1;
	if (manifest_parse(m, &c, err) < 0)
		return berr_prefix(err, "manifest %.19s…", digest);
	config = blob_json(ld, "config", c.config, (int64_t)c.config_size, err);
	store_content_free(&c);
	if (!config)
		return -1;
	platform_from_json(config, p);
	return 0;
}

static bool is_index(const cJSON *d, const cJSON *blob)
{
	const cJSON *mt = json_get(d, "mediaType");

	if (cJSON_IsString(mt))
		return strcmp(mt->valuestring, MT_OCI_INDEX) == 0 ||
		       strcmp(mt->valuestring, MT_DOCKER_LIST) == 0;
	return blob && json_get(blob, "manifests");
}

static int pick_descriptor(struct load *ld, const cJSON *d, int depth, struct pick *pk,
			   struct berr *err)
{
	const cJSON *dg = json_get(d, "digest"), *plat = json_get(d, "platform");
	const char *digest = cJSON_IsString(dg) ? dg->valuestring : "";
	int64_t size = descriptor_size(d);
	struct platform p = { 0 };

	if (is_index(d, NULL) || !json_get(d, "mediaType")) {
		_cleanup_cjson_ cJSON *blob = blob_json(ld, "index", digest, size, err);

		if (!blob)
			return -1;
		if (is_index(d, blob))
			return pick_from_index(ld, blob, depth + 1, pk, err);
	}
	if (plat)
		platform_from_json(plat, &p);
	else if (platform_from_config(ld, digest, size, &p, err) < 0)
		return -1;
	note_platform(pk, &p);
	if (!platform_fits(&p, ld->opts->arch))
		return 0;
	snprintf(pk->digest, sizeof(pk->digest), "%s", digest);
	pk->size = size;
	pk->found = true;
	return 0;
}

/* The image's name from index.json: containerd's full name, else the OCI
 * ref.name when it is a full reference; a bare tag names no repository. */
static int descriptor_name(struct load *ld, const cJSON *d, char **ref, struct berr *err)
{
	const cJSON *ann = json_get(d, "annotations");
	const cJSON *ctrd = json_get(ann, "io.containerd.image.name");
	const cJSON *oci = json_get(ann, "org.opencontainers.image.ref.name");
	const char *name = cJSON_IsString(ctrd) ? ctrd->valuestring : NULL;
	char canonical[REF_MAX];
	struct berr why = { 0 };

	*ref = NULL;
	if (!name && cJSON_IsString(oci)) {
		if (ref_is_bare_tag(oci->valuestring)) {
			log_warn("%s: the image is named only by the tag \"%s\", not a repository: "
				 "loaded untagged (use --tag REPOSITORY:%s)",
				 ld->name, oci->valuestring, oci->valuestring);
			return 0;
		}
		name = oci->valuestring;
	}
	if (!name)
		return 0;
	if (ref_normalize(name, canonical, sizeof(canonical), &why) < 0) {
		log_warn("%s: %s: loaded untagged (use --tag)", ld->name, why.msg);
		return 0;
	}
	*ref = str_dup(canonical, err);
	return *ref ? 0 : -1;
}

static int check_layout_version(const struct load *ld, struct berr *err)
{
	_cleanup_cjson_ cJSON *layout = NULL;
	const cJSON *v;

	if (!source_has(ld, "oci-layout"))
		return 0; /* docker 25+ archives and some tools leave it out */
	layout = source_json(ld, "oci-layout", err);
	if (!layout)
		return -1;
	v = json_get(layout, "imageLayoutVersion");
	if (!cJSON_IsString(v) || strncmp(v->valuestring, "1.", 2) != 0)
		return berr_set(err, 0, "unsupported OCI layout version in oci-layout");
	return 0;
}

int oci_find_images(struct load *ld, struct berr *err)
{
	_cleanup_cjson_ cJSON *index = NULL;
	const cJSON *manifests, *d;

	if (check_layout_version(ld, err) < 0)
		return -1;
	index = source_json(ld, "index.json", err);
	if (!index)
		return -1;
	manifests = json_get(index, "manifests");
	if (!cJSON_IsArray(manifests) || cJSON_GetArraySize(manifests) == 0)
		return berr_set(err, 0, "index.json lists no manifests");
	cJSON_ArrayForEach(d, manifests) {
		struct pick pk = { 0 };
		_cleanup_free_ char *ref = NULL;
		int rc;

		if (!ld->opts->tag && descriptor_name(ld, d, &ref, err) < 0)
			return -1;
		rc = pick_descriptor(ld, d, 0, &pk, err);
		if (rc == 0 && !pk.found)
			rc = platform_missing(ld, pk.has[0] ? pk.has : "no platform it names", err);
		if (rc == 0)
			rc = load_add_image(ld, pk.digest, pk.size, ref, err);
		if (rc < 0)
			return -1;
	}
	return 0;
}
