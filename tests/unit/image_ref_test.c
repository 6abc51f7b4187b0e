/* Image references: normalization and the resolve rules. */
#include <errno.h>

#include "harness.h"
#include "image/image_ref.h"

static const char *norm(const char *s)
{
	static char buf[REF_MAX];
	struct berr err = { 0 };

	if (ref_normalize(s, buf, sizeof(buf), &err) < 0)
		snprintf(buf, sizeof(buf), "ERROR: %.400s", err.msg);
	return buf;
}

#define D1 "sha256:1111111111111111111111111111111111111111111111111111111111111111"
#define D2 "sha256:2222222222222222222222222222222222222222222222222222222222222222"
#define D3 "sha256:3333333333333333333333333333333333333333333333333333333333333333"

TEST(docker_hub_and_library_are_implicit)
{
	CHECK_STR(norm("busybox"), "busybox:latest");
	CHECK_STR(norm("docker.io/library/busybox:latest"), "busybox:latest");
	CHECK_STR(norm("index.docker.io/library/busybox:1"), "busybox:1");
	CHECK_STR(norm("library/busybox"), "busybox:latest");
	CHECK_STR(norm("docker.io/berth-test/busybox:1"), "berth-test/busybox:1");
	/* library/ is only implicit on Docker Hub */
	CHECK_STR(norm("quay.io/library/busybox"), "quay.io/library/busybox:latest");
}

TEST(registry_host_is_a_first_component_with_dot_colon_or_localhost)
{
	CHECK_STR(norm("123456789012.dkr.ecr.eu-west-1.amazonaws.com/order-service:1.4"),
		  "123456789012.dkr.ecr.eu-west-1.amazonaws.com/order-service:1.4");
	CHECK_STR(norm("localhost:5000/app"), "localhost:5000/app:latest");
	CHECK_STR(norm("localhost/app:2"), "localhost/app:2");
	CHECK_STR(norm("team/app:2"), "team/app:2");
}

TEST(digest_references_keep_no_implicit_tag)
{
	CHECK_STR(norm("app@" D1), "app@" D1);
	CHECK_STR(norm("app:1@" D1), "app:1@" D1);
}

TEST(invalid_references_are_rejected)
{
	struct image_ref r;
	struct berr err = { 0 };

	CHECK(ref_parse("", &r, &err) < 0);
	CHECK(ref_parse("Busybox", &r, &err) < 0);
	CHECK(ref_parse("app:bad/tag", &r, &err) < 0);
	CHECK(ref_parse("app:", &r, &err) < 0);
	CHECK(ref_parse("a//b", &r, &err) < 0);
	CHECK(ref_parse("app@sha256:abc", &r, &err) < 0);
	CHECK(ref_parse("app@sha256:../../../etc/passwd", &r, &err) < 0);
	CHECK(ref_parse("app@SHA256:" "1111111111111111111111111111111111111111111111111111111111111111",
			&r, &err) < 0);
	CHECK(ref_parse("-app", &r, &err) < 0);
	CHECK(ref_parse("a..b", &r, &err) < 0);
	CHECK(ref_parse("a___b", &r, &err) < 0);
	CHECK(ref_parse("a__b-c--d.e", &r, &err) == 0);
}

TEST(bare_tags_name_no_repository)
{
	CHECK(ref_is_bare_tag("1"));
	CHECK(ref_is_bare_tag("latest"));
	CHECK(ref_is_bare_tag("v1.2.3-rc1"));
	CHECK(!ref_is_bare_tag("berth-test/busybox:1"));
	CHECK(!ref_is_bare_tag("busybox:1"));
	CHECK(!ref_is_bare_tag(""));
}

/* An index: D1 "order-service:1.4", D2 "ecr.example.com/web:2" and
 * "other.example.com/web:2" is D3, D3 also "app:1". */
static char *refs1[] = { "order-service:1.4" };
static char *refs2[] = { "ecr.example.com/web:2" };
static char *refs3[] = { "other.example.com/web:2", "app:1" };
static struct store_image images[] = {
	{ .digest = D1, .refs = refs1, .nrefs = 1 },
	{ .digest = D2, .refs = refs2, .nrefs = 1 },
	{ .digest = D3, .refs = refs3, .nrefs = 2 },
};
static const struct store_index ix = { images, 3 };

static int resolve(const char *q, struct resolve_result *res, struct berr *err)
{
	berr_clear(err);
	return ref_resolve(&ix, q, res, err);
}

TEST(exact_reference_first)
{
	struct resolve_result res;
	struct berr err;

	CHECK(resolve("order-service:1.4", &res, &err) == 0);
	CHECK(res.image == 0 && res.rule == RESOLVE_EXACT);
	CHECK(resolve("docker.io/library/app:1", &res, &err) == 0);
	CHECK(res.image == 2 && res.rule == RESOLVE_EXACT);
	CHECK_STR(res.ref, "app:1");
}

TEST(registry_host_is_ignored_when_nothing_is_exact)
{
	struct resolve_result res;
	struct berr err;

	CHECK(resolve("123456789012.dkr.ecr.eu-west-1.amazonaws.com/order-service:1.4", &res, &err) == 0);
	CHECK(res.image == 0 && res.rule == RESOLVE_PATH_TAG);
	CHECK_STR(res.ref, "order-service:1.4");
	CHECK_STR(resolve_rule_name(res.rule), "by repository path and tag, ignoring the registry host");
	/* the tag must match too */
	CHECK(resolve("123456789012.dkr.ecr.eu-west-1.amazonaws.com/order-service:1.5", &res, &err) < 0);
	CHECK(err.code == ENOENT);
	CHECK(strstr(err.msg, "is not loaded (load it with: berth image load ARCHIVE)") != NULL);
}

TEST(same_path_and_tag_from_two_hosts_is_ambiguous)
{
	struct resolve_result res;
	struct berr err;

	CHECK(resolve("third.example.com/web:2", &res, &err) < 0);
	CHECK(strstr(err.msg, "ambiguous") != NULL);
	CHECK(strstr(err.msg, "ecr.example.com/web:2") != NULL);
	CHECK(strstr(err.msg, "other.example.com/web:2") != NULL);
	/* but an exact name still wins */
	CHECK(resolve("ecr.example.com/web:2", &res, &err) == 0 && res.image == 1);
}

TEST(digest_matches_whatever_the_name)
{
	struct resolve_result res;
	struct berr err;

	CHECK(resolve("anything.example.com/else@" D3, &res, &err) == 0);
	CHECK(res.image == 2 && res.rule == RESOLVE_DIGEST);
	CHECK(resolve("app@" D3, &res, &err) == 0);
	CHECK_STR(res.ref, "app:1");
	CHECK(resolve(D2, &res, &err) == 0 && res.image == 1);
	CHECK(resolve("333333333333", &res, &err) == 0);
	CHECK(res.image == 2 && res.rule == RESOLVE_DIGEST_PREFIX);
	CHECK(resolve("x@sha256:4444444444444444444444444444444444444444444444444444444444444444", &res,
		      &err) < 0);
	CHECK(err.code == ENOENT);
	CHECK(resolve("sha256:../../etc/passwd", &res, &err) < 0);
}

TEST_MAIN(T(docker_hub_and_library_are_implicit),
	  T(registry_host_is_a_first_component_with_dot_colon_or_localhost),
	  T(digest_references_keep_no_implicit_tag), T(invalid_references_are_rejected),
	  T(bare_tags_name_no_repository), T(exact_reference_first),
	  T(registry_host_is_ignored_when_nothing_is_exact),
	  T(same_path_and_tag_from_two_hosts_is_ambiguous), T(digest_matches_whatever_the_name))
