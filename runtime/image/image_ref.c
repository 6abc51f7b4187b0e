/* Image references: parsing, normalization (docker's rules: Docker Hub and
 * "library/" are implicit, no tag means latest) and the resolve rules. */
#include <ctype.h>
#include <errno.h>
#include <string.h>

#include "image/image_ref.h"

static bool is_lower_alnum(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

/* A path component: lowercase alphanumerics joined by ".", "_", "__" or
 * runs of "-", as the distribution spec's grammar says. */
static bool path_component_valid(const char *s, size_t len)
{
	size_t i = 0;

	if (len == 0 || !is_lower_alnum(s[0]) || !is_lower_alnum(s[len - 1]))
		return false;
	while (i < len) {
		size_t run = 0;

		if (is_lower_alnum(s[i])) {
			i++;
			continue;
		}
		while (i + run < len && !is_lower_alnum(s[i + run]))
			run++;
		if (!(run == 1 && strchr("._-", s[i])) && !(run == 2 && strncmp(s + i, "__", 2) == 0) &&
		    strspn(s + i, "-") < run)
			return false;
		i += run;
	}
	return true;
}

static bool tag_valid(const char *s)
{
	size_t len = strlen(s);

	if (len == 0 || len > 128 || !(isalnum((unsigned char)s[0]) || s[0] == '_'))
		return false;
	for (size_t i = 1; i < len; i++)
		if (!(isalnum((unsigned char)s[i]) || strchr("_.-", s[i])))
			return false;
	return true;
}

/* host[:port] with letters, digits, '.' and '-'. */
static bool domain_valid(const char *s)
{
	const char *colon = strchr(s, ':');
	size_t host_len = colon ? (size_t)(colon - s) : strlen(s);

	if (host_len == 0)
		return false;
	for (size_t i = 0; i < host_len; i++)
		if (!(isalnum((unsigned char)s[i]) || s[i] == '.' || s[i] == '-'))
			return false;
	if (colon)
		return colon[1] && strspn(colon + 1, "0123456789") == strlen(colon + 1);
	return true;
}

static bool looks_like_domain(const char *first, size_t len)
{
	return memchr(first, '.', len) || memchr(first, ':', len) ||
	       (len == 9 && strncmp(first, "localhost", 9) == 0);
}

static int copy_field(char *dst, size_t size, const char *src, size_t len, const char *what,
		      const char *ref, struct berr *err)
{
	if (len >= size)
		return berr_set(err, 0, "reference \"%.80s\": %s too long", ref, what);
	memcpy(dst, src, len);
	dst[len] = '\0';
	return 0;
}

static int parse_path(const char *ref, struct image_ref *r, struct berr *err)
{
	const char *p = r->path;

	if (strlen(r->domain) + 1 + strlen(r->path) > 255)
		return berr_set(err, 0, "reference \"%.80s\": name longer than 255 characters", ref);
	for (;;) {
		const char *slash = strchr(p, '/');
		size_t len = slash ? (size_t)(slash - p) : strlen(p);

		if (!path_component_valid(p, len))
			return berr_set(err, 0,
					"reference \"%.80s\": \"%.*s\" is not a valid repository name "
					"(lowercase letters, digits and . _ - separators)",
					ref, (int)len, p);
		if (!slash)
			return 0;
		p = slash + 1;
	}
}

/* Docker Hub is the implicit registry and "library/" its implicit namespace. */
static void normalize_docker_hub(struct image_ref *r)
{
	if (strcmp(r->domain, "docker.io") == 0 || strcmp(r->domain, "index.docker.io") == 0 ||
	    strcmp(r->domain, "registry-1.docker.io") == 0)
		r->domain[0] = '\0';
	if (r->domain[0] == '\0' && str_starts_with(r->path, "library/") &&
	    !strchr(r->path + 8, '/'))
		memmove(r->path, r->path + 8, strlen(r->path + 8) + 1);
}

static int split_name(const char *ref, const char *name, size_t name_len, struct image_ref *r,
		      struct berr *err)
{
	const char *slash = memchr(name, '/', name_len);
	const char *rest = name;
	size_t rest_len = name_len;
	const char *colon;

	if (slash && looks_like_domain(name, (size_t)(slash - name))) {
		if (copy_field(r->domain, sizeof(r->domain), name, (size_t)(slash - name), "registry",
			       ref, err) < 0)
			return -1;
		if (!domain_valid(r->domain))
			return berr_set(err, 0, "reference \"%.80s\": \"%s\" is not a valid registry host",
					ref, r->domain);
		rest = slash + 1;
		rest_len = name_len - (size_t)(rest - name);
	}
	colon = memrchr(rest, ':', rest_len);
	if (colon && memchr(colon, '/', rest_len - (size_t)(colon - rest)))
		colon = NULL;
	if (colon) {
		if (copy_field(r->tag, sizeof(r->tag), colon + 1, rest_len - (size_t)(colon + 1 - rest),
			       "tag", ref, err) < 0)
			return -1;
		if (!tag_valid(r->tag))
			return berr_set(err, 0,
					"reference \"%.80s\": tag \"%s\" is not valid (letters, digits, "
					"_ . -, at most 128)",
					ref, r->tag);
		rest_len = (size_t)(colon - rest);
	}
	return copy_field(r->path, sizeof(r->path), rest, rest_len, "repository", ref, err);
}

int ref_parse(const char *s, struct image_ref *r, struct berr *err)
{
	const char *at = strchr(s, '@');
	size_t name_len = at ? (size_t)(at - s) : strlen(s);

	*r = (struct image_ref){ 0 };
	if (*s == '\0')
		return berr_set(err, 0, "empty image reference");
	if (at) {
		char hex[65];

		if (digest_parse(at + 1, hex, err) < 0)
			return berr_prefix(err, "reference \"%.80s\"", s);
		snprintf(r->digest, sizeof(r->digest), "sha256:%s", hex);
	}
	if (split_name(s, s, name_len, r, err) < 0 || parse_path(s, r, err) < 0)
		return -1;
	normalize_docker_hub(r);
	if (!r->tag[0] && !r->digest[0])
		strcpy(r->tag, "latest");
	return 0;
}

void ref_format(const struct image_ref *r, char *buf, size_t size)
{
	snprintf(buf, size, "%s%s%s%s%s%s%s", r->domain, r->domain[0] ? "/" : "", r->path,
		 r->tag[0] ? ":" : "", r->tag, r->digest[0] ? "@" : "", r->digest);
}

int ref_normalize(const char *s, char *buf, size_t size, struct berr *err)
{
	struct image_ref r;

	if (ref_parse(s, &r, err) < 0)
		return -1;
	ref_format(&r, buf, size);
	return 0;
}

bool ref_is_bare_tag(const char *s)
{
	return tag_valid(s);
}

/* ---- resolve ------------------------------------------------------------- */

const char *resolve_rule_name(enum resolve_rule rule)
{
	switch (rule) {
	case RESOLVE_EXACT:
		return "by exact reference";
	case RESOLVE_DIGEST:
		return "by digest";
	case RESOLVE_DIGEST_PREFIX:
		return "by digest prefix";
	case RESOLVE_PATH_TAG:
		return "by repository path and tag, ignoring the registry host";
	}
	return "?";
}

static int not_loaded(const char *query, struct berr *err)
{
	return berr_set(err, ENOENT, "image %s is not loaded (load it with: berth image load ARCHIVE)",
			query);
}

/* The image's reference to show for a digest match: one with the query's
 * repository path if any, else its first, else none (untagged). */
static const char *ref_for_digest_match(const struct store_image *img, const struct image_ref *q)
{
	for (size_t j = 0; q && j < img->nrefs; j++) {
		struct image_ref r;

		if (ref_parse(img->refs[j], &r, NULL) == 0 && strcmp(r.path, q->path) == 0)
			return img->refs[j];
	}
	return img->nrefs ? img->refs[0] : NULL;
}

static int by_digest(const struct store_index *ix, const char *query, const char *digest,
		     const struct image_ref *q, struct resolve_result *res, struct berr *err)
{
	ssize_t i = store_index_find(ix, digest);

	if (i < 0)
		return not_loaded(query, err);
	*res = (struct resolve_result){ (size_t)i, ref_for_digest_match(&ix->images[i], q),
					RESOLVE_DIGEST };
	return 0;
}

static bool is_hex_prefix(const char *s)
{
	size_t len = strlen(s);

	return len >= 12 && len <= 64 && strspn(s, "0123456789abcdef") == len;
}

/* 1 when found, 0 when not, -1 when the prefix matches several images. */
static int by_digest_prefix(const struct store_index *ix, const char *prefix,
			    struct resolve_result *res, struct berr *err)
{
	int found = 0;

	for (size_t i = 0; i < ix->count; i++) {
		if (strncmp(ix->images[i].digest + 7, prefix, strlen(prefix)) != 0)
			continue;
		if (found)
			return berr_set(err, 0, "digest prefix %s matches more than one image", prefix);
		*res = (struct resolve_result){ i, ix->images[i].nrefs ? ix->images[i].refs[0] : NULL,
						RESOLVE_DIGEST_PREFIX };
		found = 1;
	}
	return found;
}

static bool by_exact(const struct store_index *ix, const char *canonical,
		     struct resolve_result *res)
{
	for (size_t i = 0; i < ix->count; i++)
		for (size_t j = 0; j < ix->images[i].nrefs; j++)
			if (strcmp(ix->images[i].refs[j], canonical) == 0) {
				*res = (struct resolve_result){ i, ix->images[i].refs[j], RESOLVE_EXACT };
				return true;
			}
	return false;
}

static int ambiguous(const struct store_index *ix, const char *query, const struct image_ref *q,
		     struct berr *err)
{
	char list[768] = "";
	size_t used = 0;

	for (size_t i = 0; i < ix->count; i++)
		for (size_t j = 0; j < ix->images[i].nrefs; j++) {
			struct image_ref r;

			if (ref_parse(ix->images[i].refs[j], &r, NULL) < 0 ||
			    strcmp(r.path, q->path) != 0 || strcmp(r.tag, q->tag) != 0)
				continue;
			used += (size_t)snprintf(list + used, used < sizeof(list) ? sizeof(list) - used : 0,
						 "%s%s", used ? ", " : "", ix->images[i].refs[j]);
		}
	return berr_set(err, 0,
			"image %s is ambiguous: by repository path and tag it matches %s "
			"(name the one you mean exactly, or remove the others)",
			query, list);
}

/* 1 when found, 0 when not, -1 when references of different images match. */
static int by_path_tag(const struct store_index *ix, const char *query, const struct image_ref *q,
		       struct resolve_result *res, struct berr *err)
{
	int found = 0;

	for (size_t i = 0; i < ix->count; i++)
		for (size_t j = 0; j < ix->images[i].nrefs; j++) {
			struct image_ref r;

			if (ref_parse(ix->images[i].refs[j], &r, NULL) < 0 ||
			    strcmp(r.path, q->path) != 0 || strcmp(r.tag, q->tag) != 0)
				continue;
			if (found && res->image != i)
				return ambiguous(ix, query, q, err);
			if (!found)
				*res = (struct resolve_result){ i, ix->images[i].refs[j],
								RESOLVE_PATH_TAG };
			found = 1;
		}
	return found;
}

int ref_resolve(const struct store_index *ix, const char *query, struct resolve_result *res,
		struct berr *err)
{
	char canonical[REF_MAX];
	struct image_ref q;
	int rc;

	if (str_starts_with(query, "sha256:")) {
		char hex[65];

		if (digest_parse(query, hex, err) < 0)
			return -1;
		return by_digest(ix, query, query, NULL, res, err);
	}
	if (ref_parse(query, &q, err) < 0)
		return -1;
	if (q.digest[0])
		return by_digest(ix, query, q.digest, &q, res, err);
	ref_format(&q, canonical, sizeof(canonical));
	if (by_exact(ix, canonical, res))
		return 0;
	if (is_hex_prefix(query) && (rc = by_digest_prefix(ix, query, res, err)) != 0)
		return rc < 0 ? -1 : 0;
	rc = by_path_tag(ix, query, &q, res, err);
	if (rc != 0)
		return rc < 0 ? -1 : 0;
	return not_loaded(query, err);
}
