/* The import's pure parts: platforms, manifests and configs, and how
 * references move between images in the index. */
#include "harness.h"
#include "image/image_import.h"

#define D1 "sha256:1111111111111111111111111111111111111111111111111111111111111111"
#define D2 "sha256:2222222222222222222222222222222222222222222222222222222222222222"

static struct platform plat(const char *os, const char *arch, const char *variant)
{
	struct platform p;

	snprintf(p.os, sizeof(p.os), "%s", os);
	snprintf(p.arch, sizeof(p.arch), "%s", arch);
	snprintf(p.variant, sizeof(p.variant), "%s", variant);
	return p;
}

TEST(platform_fits_the_board)
{
	struct platform p = plat("linux", "arm64", "v8");
	char buf[100];

	CHECK(platform_fits(&p, "arm64"));
	p = plat("linux", "arm64", "");
	CHECK(platform_fits(&p, "arm64"));
	p = plat("linux", "arm64", "v9");
	CHECK(!platform_fits(&p, "arm64"));
	p = plat("linux", "amd64", "");
	CHECK(platform_fits(&p, "x86_64"));
	CHECK(!platform_fits(&p, "arm64"));
	p = plat("windows", "amd64", "");
	CHECK(!platform_fits(&p, "x86_64"));
	p = plat("linux", "arm", "v7");
	platform_format(&p, buf, sizeof(buf));
	CHECK_STR(buf, "linux/arm/v7");
	CHECK_STR(platform_board_name("x86_64"), "linux/amd64");
	CHECK_STR(platform_board_name("arm64"), "linux/arm64");
}

static cJSON *parse(const char *text)
{
	return cJSON_Parse(text);
}

TEST(manifest_parse_checks_schema_media_types_and_digests)
{
	struct store_content c;
	struct berr err = { 0 };
	cJSON *m;

	m = parse("{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\","
		  "\"config\":{\"mediaType\":\"application/vnd.oci.image.config.v1+json\",\"digest\":\"" D1
		  "\",\"size\":10},\"layers\":[{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar+gzip\","
		  "\"digest\":\"" D2 "\",\"size\":20}]}");
	CHECK(manifest_parse(m, &c, &err) == 0);
	CHECK(c.nlayers == 1 && c.layers[0].size == 20 && c.config_size == 10);
	CHECK_STR(c.layers[0].blob, D2);
	store_content_free(&c);
	cJSON_Delete(m);

	m = parse("{\"schemaVersion\":1,\"fsLayers\":[]}");
	CHECK(manifest_parse(m, &c, &err) < 0);
	CHECK(strstr(err.msg, "schema 1 is not supported") != NULL);
	cJSON_Delete(m);

	m = parse("{\"schemaVersion\":2,\"config\":{\"mediaType\":\"application/vnd.cncf.helm.config.v1+json\","
		  "\"digest\":\"" D1 "\",\"size\":1},\"layers\":[]}");
	CHECK(manifest_parse(m, &c, &err) < 0);
	CHECK(strstr(err.msg, "not a container image") != NULL);
	cJSON_Delete(m);

	m = parse("{\"schemaVersion\":2,\"config\":{\"mediaType\":\"application/vnd.oci.image.config.v1+json\","
		  "\"digest\":\"" D1 "\",\"size\":1},\"layers\":[{\"mediaType\":\"x\",\"digest\":"
		  "\"sha256:../../../etc/passwd\",\"size\":1}]}");
	CHECK(manifest_parse(m, &c, &err) < 0);
	CHECK(strstr(err.msg, "not 64 lowercase hex digits") != NULL);
	cJSON_Delete(m);

	m = parse("{\"schemaVersion\":2,\"config\":{\"mediaType\":\"application/vnd.oci.image.config.v1+json\","
		  "\"digest\":\"" D1 "\",\"size\":-1},\"layers\":[]}");
	CHECK(manifest_parse(m, &c, &err) < 0);
	CHECK(strstr(err.msg, "size is not a byte count") != NULL);
	cJSON_Delete(m);
}

TEST(config_diff_ids_must_match_the_layers)
{
	struct store_layer layers[2] = { 0 };
	struct store_content c = { .config = D1, .layers = layers, .nlayers = 2 };
	struct berr err = { 0 };
	cJSON *cfg = parse("{\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\"" D2 "\"]}}");

	CHECK(config_parse_diff_ids(cfg, &c, &err) < 0);
	CHECK(strstr(err.msg, "1 diff_ids for 2 layers") != NULL);
	cJSON_Delete(cfg);
	cfg = parse("{\"rootfs\":{\"diff_ids\":[\"" D2 "\",\"" D1 "\"]}}");
	CHECK(config_parse_diff_ids(cfg, &c, &err) == 0);
	CHECK_STR(layers[1].diff_id, D1);
	cJSON_Delete(cfg);
}

static void add(struct store_index *ix, const char *digest)
{
	struct store_image img = { 0 };
	struct berr err;

	snprintf(img.digest, sizeof(img.digest), "%s", digest);
	CHECK(store_index_add(ix, &img, &err) == 0);
}

TEST(a_reference_moves_to_the_newest_image)
{
	struct store_index ix = { 0 };
	struct berr err;

	add(&ix, D1);
	CHECK(store_index_tag(&ix, 0, "app:1", &err) == 0);
	CHECK(store_index_tag(&ix, 0, "app:1", &err) == 0);
	CHECK(ix.images[0].nrefs == 1);
	add(&ix, D2);
	add(&ix, D2); /* the same image again: no second entry */
	CHECK(ix.count == 2);
	CHECK(store_index_tag(&ix, 1, "app:1", &err) == 0);
	CHECK(ix.images[0].nrefs == 0); /* untagged, kept until prune */
	CHECK(ix.images[1].nrefs == 1);
	CHECK(store_index_untag(&ix, 1, "app:1"));
	CHECK(!store_index_untag(&ix, 1, "app:1"));
	store_index_remove(&ix, 0);
	CHECK(ix.count == 1 && store_index_find(&ix, D2) == 0 && store_index_find(&ix, D1) < 0);
	store_index_free(&ix);
}

TEST_MAIN(T(platform_fits_the_board), T(manifest_parse_checks_schema_media_types_and_digests),
	  T(config_diff_ids_must_match_the_layers), T(a_reference_moves_to_the_newest_image))
