/* Private to runtime/image/: image references and how a reference finds an
 * image in the index. */
#ifndef BERTH_IMAGE_REF_H
#define BERTH_IMAGE_REF_H

#include "image/image_store.h"

#define REF_MAX 512

/* A parsed, normalized reference: [domain/]path[:tag][@digest].
 * Docker Hub is implicit: "docker.io/library/busybox" is domain "" and path
 * "busybox". Without tag and digest the tag is "latest". */
struct image_ref {
	char domain[256]; /* "" for Docker Hub */
	char path[256];
	char tag[129];    /* "" when only a digest was given */
	char digest[DIGEST_LEN]; /* "" or "sha256:<hex>" */
};

int ref_parse(const char *s, struct image_ref *r, struct berr *err);
/* The canonical text: "busybox:latest", "localhost:5000/a/b:1", "x@sha256:...". */
void ref_format(const struct image_ref *r, char *buf, size_t size);
/* ref_parse then ref_format. */
int ref_normalize(const char *s, char *buf, size_t size, struct berr *err);
/* True for a tag alone ("1", "latest"): what skopeo and umoci write as
 * org.opencontainers.image.ref.name, naming no repository. */
bool ref_is_bare_tag(const char *s);

enum resolve_rule {
	RESOLVE_EXACT,
	RESOLVE_DIGEST,
	RESOLVE_DIGEST_PREFIX,
	RESOLVE_PATH_TAG,
};
/* "by exact reference", "by digest", ... as `image resolve` says it. */
const char *resolve_rule_name(enum resolve_rule rule);

struct resolve_result {
	size_t image;         /* index into ix->images */
	const char *ref;      /* the stored reference that matched, or NULL (untagged) */
	enum resolve_rule rule;
};

/* The resolve rules, in order:
 *  1. exact: the normalized reference is in the index;
 *  2. digest: name@sha256:<hex> or sha256:<hex> names an image's manifest
 *     digest, whatever the name; 12 to 64 hex digits alone are a digest
 *     prefix that must match one image;
 *  3. repository path and tag, ignoring the registry host on both sides
 *     (ECR's 123456789012.dkr.ecr.eu-west-1.amazonaws.com/app:1 finds
 *     app:1); references of different images that match are ambiguous.
 * Fails with code ENOENT when nothing matches. */
int ref_resolve(const struct store_index *ix, const char *query, struct resolve_result *res,
		struct berr *err);

#endif
