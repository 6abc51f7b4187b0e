/* berth image: load, ls, inspect, resolve, rm, prune. */
#include <errno.h>
#include <getopt.h>
#include <string.h>
#include <time.h>

#include "board/board.h"
#include "cli/cli.h"
#include "image/image.h"

static void usage(FILE *out)
{
	fprintf(out,
		"usage: berth image load [--tag REF] PATH|-\n"
		"       berth image ls [--json]\n"
		"       berth image inspect REF\n"
		"       berth image resolve REF\n"
		"       berth image rm REF...\n"
		"       berth image prune\n\n"
		"load   imports an OCI image layout directory, an OCI archive (.tar, .tar.gz)\n"
		"       or a docker archive (docker save, podman save); - reads stdin. Every\n"
		"       blob is sha256-checked; the image is named by --tag or by the\n"
		"       archive's own names. A name already loaded moves to the new image.\n"
		"       BERTH_MAX_LAYER_BYTES=N bounds a layer's uncompressed size (default:\n"
		"       90%% of the free space, at most 64 GiB).\n"
		"resolve shows which image a task definition's image reference runs: the\n"
		"       exact reference, else name@sha256:DIGEST by digest, else the same\n"
		"       repository path and tag from any registry host.\n"
		"rm     removes a name (or, by digest, the image); refused while a task uses it.\n"
		"prune  removes untagged images, blobs and layers nothing uses, and what\n"
		"       interrupted loads left.\n");
}

/* 2.1 MB, as docker counts (powers of 1000). */
static const char *human_bytes(uint64_t n, char *buf, size_t size)
{
	static const char *const units[] = { "B", "kB", "MB", "GB", "TB" };
	double v = (double)n;
	size_t u = 0;

	while (v >= 1000 && u + 1 < ARRAY_SIZE(units)) {
		v /= 1000;
		u++;
	}
	if (u == 0)
		snprintf(buf, size, "%llu B", (unsigned long long)n);
	else
		snprintf(buf, size, "%.*f %s", v < 10 ? 1 : 0, v, units[u]);
	return buf;
}

/* "3 days ago" within a year, else the date the config gives. */
static const char *human_created(const char *created, char *buf, size_t size)
{
	static const struct {
		long secs;
		const char *unit;
		long limit;
	} steps[] = { { 1, "second", 120 }, { 60, "minute", 120 }, { 3600, "hour", 48 },
		      { 86400, "day", 14 }, { 604800, "week", 8 }, { 2592000, "month", 12 } };
	struct tm tm = { 0 };
	time_t t, age;

	if (!created)
		return "-";
	if (!strptime(created, "%Y-%m-%dT%H:%M:%S", &tm))
		return created;
	t = timegm(&tm);
	age = time(NULL) - t;
	for (size_t i = 0; age >= 0 && i < ARRAY_SIZE(steps); i++) {
		long n = (long)(age / steps[i].secs);

		if (n < steps[i].limit) {
			snprintf(buf, size, "%ld %s%s ago", n, steps[i].unit, n == 1 ? "" : "s");
			return buf;
		}
	}
	snprintf(buf, size, "%.10s", created);
	return buf;
}

static int fail(const struct berr *err)
{
	cli_print_error(err);
	return EXIT_USER;
}

/* ---- load ------------------------------------------------------------------- */

static int parse_bytes(const char *s, uint64_t *out)
{
	char *end = NULL;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || end == s || *end || v == 0 || s[0] == '-')
		return -1;
	*out = v;
	return 0;
}

static void print_loaded(const struct image_info *info)
{
	char size[32];

	human_bytes(info->size, size, sizeof(size));
	if (info->ref)
		printf("Loaded image %s (%.19s, %s, %s)\n", info->ref, info->digest, info->arch, size);
	else
		printf("Loaded image %.19s untagged (%s, %s): name it with --tag\n", info->digest,
		       info->arch, size);
}

static int image_load_cmd(int argc, char **argv, struct cli_ctx *ctx)
{
	static const struct option opts[] = { { "tag", required_argument, NULL, 't' },
					      { "max-layer-bytes", required_argument, NULL, 'm' },
					      { "help", no_argument, NULL, 'h' },
					      { NULL, 0, NULL, 0 } };
	struct image_load_opts lo = { .progress = isatty(STDERR_FILENO) };
	const char *env = getenv("BERTH_MAX_LAYER_BYTES");
	struct image_list loaded = { 0 };
	struct board board;
	struct berr err = { 0 };
	int c;

	if (env && *env && parse_bytes(env, &lo.max_layer_bytes) < 0)
		return cli_usage_error("image load", "BERTH_MAX_LAYER_BYTES=%s: not a byte count", env);
	while ((c = getopt_long(argc, argv, "t:h", opts, NULL)) != -1) {
		if (c == 't')
			lo.tag = optarg;
		else if (c == 'm' && parse_bytes(optarg, &lo.max_layer_bytes) < 0)
			return cli_usage_error("image load", "--max-layer-bytes %s: not a byte count", optarg);
		else if (c == 'h')
			return usage(stdout), EXIT_OK;
		else if (c != 'm')
			return cli_usage_error("image load", "unknown option");
	}
	if (optind + 1 != argc)
		return cli_usage_error("image load", "expects one PATH (or - for stdin)");
	if (board_load(&ctx->paths, &board, &err) < 0)
		return fail(&err);
	lo.arch = board.arch;
	if (image_load(&ctx->paths, argv[optind], &lo, &loaded, &err) < 0)
		return fail(&err);
	for (size_t i = 0; i < loaded.count; i++)
		print_loaded(&loaded.items[i]);
	image_list_free(&loaded);
	return EXIT_OK;
}

/* ---- ls ------------------------------------------------------------------------ */

static int print_json_list(const struct image_list *list)
{
	_cleanup_cjson_ cJSON *arr = cJSON_CreateArray();
	_cleanup_free_ char *text = NULL;

	for (size_t i = 0; arr && i < list->count; i++) {
		const struct image_info *info = &list->items[i];
		cJSON *o = cJSON_CreateObject();

		if (!o || !cJSON_AddItemToArray(arr, o) ||
		    !(info->ref ? cJSON_AddStringToObject(o, "ref", info->ref)
				: cJSON_AddNullToObject(o, "ref")) ||
		    !cJSON_AddStringToObject(o, "digest", info->digest) ||
		    !cJSON_AddStringToObject(o, "config", info->config_digest) ||
		    !cJSON_AddStringToObject(o, "arch", info->arch) ||
		    !cJSON_AddNumberToObject(o, "size", (double)info->size) ||
		    !(info->created ? cJSON_AddStringToObject(o, "created", info->created)
				    : cJSON_AddNullToObject(o, "created")))
			return fail(&(struct berr){ ENOMEM, "out of memory" });
	}
	text = arr ? cJSON_Print(arr) : NULL;
	if (!text)
		return fail(&(struct berr){ ENOMEM, "out of memory" });
	printf("%s\n", text);
	return EXIT_OK;
}

static void print_table(const struct image_list *list)
{
	int width = (int)strlen("REFERENCE");

	for (size_t i = 0; i < list->count; i++)
		if (list->items[i].ref && (int)strlen(list->items[i].ref) > width)
			width = (int)strlen(list->items[i].ref);
	printf("%-*s  %-12s  %-7s  %8s  %s\n", width, "REFERENCE", "DIGEST", "ARCH", "SIZE", "CREATED");
	for (size_t i = 0; i < list->count; i++) {
		const struct image_info *info = &list->items[i];
		char size[32], created[64];

		printf("%-*s  %.12s  %-7s  %8s  %s\n", width, info->ref ? info->ref : "<none>",
		       info->digest + 7, info->arch, human_bytes(info->size, size, sizeof(size)),
		       human_created(info->created, created, sizeof(created)));
	}
}

static int image_ls_cmd(int argc, char **argv, struct cli_ctx *ctx)
{
	static const struct option opts[] = { { "json", no_argument, NULL, 'j' },
					      { "help", no_argument, NULL, 'h' },
					      { NULL, 0, NULL, 0 } };
	struct image_list list;
	struct berr err = { 0 };
	bool json = false;
	int c, rc = EXIT_OK;

	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		if (c == 'j')
			json = true;
		else if (c == 'h')
			return usage(stdout), EXIT_OK;
		else
			return cli_usage_error("image ls", "unknown option");
	}
	if (optind != argc)
		return cli_usage_error("image ls", "takes no arguments");
	if (image_list_all(&ctx->paths, &list, &err) < 0)
		return fail(&err);
	if (json)
		rc = print_json_list(&list);
	else
		print_table(&list);
	image_list_free(&list);
	return rc;
}

/* ---- inspect, resolve, rm, prune -------------------------------------------------------- */

static int image_inspect_cmd(const char *ref, struct cli_ctx *ctx)
{
	struct berr err = { 0 };
	_cleanup_cjson_ cJSON *j = image_inspect(&ctx->paths, ref, &err);
	_cleanup_free_ char *text = NULL;

	if (!j)
		return fail(&err);
	text = cJSON_Print(j);
	if (!text)
		return fail(&(struct berr){ ENOMEM, "out of memory" });
	printf("%s\n", text);
	return EXIT_OK;
}

static int image_resolve_cmd(const char *ref, struct cli_ctx *ctx)
{
	struct image_info info;
	struct berr err = { 0 };
	char how[96];

	if (image_resolve(&ctx->paths, ref, &info, how, sizeof(how), &err) < 0)
		return fail(&err);
	printf("%s -> %s (%s) %s\n", ref, info.ref ? info.ref : "<untagged>", info.digest, how);
	image_info_clear(&info);
	return EXIT_OK;
}

static int image_rm_cmd(int argc, char **argv, struct cli_ctx *ctx)
{
	int rc = EXIT_OK;

	for (int i = 1; i < argc; i++) {
		struct berr err = { 0 };

		if (image_remove(&ctx->paths, argv[i], &err) < 0)
			rc = fail(&err);
		else
			printf("Removed %s\n", argv[i]);
	}
	return rc;
}

static int image_prune_cmd(struct cli_ctx *ctx)
{
	struct image_prune_report r;
	struct berr err = { 0 };
	char freed[32];

	if (image_prune(&ctx->paths, &r, &err) < 0)
		return fail(&err);
	printf("removed %zu blobs, %zu layers, freed %s\n", r.blobs, r.layers,
	       human_bytes(r.bytes, freed, sizeof(freed)));
	return EXIT_OK;
}

int cmd_image(int argc, char **argv, struct cli_ctx *ctx)
{
	const char *sub = argc > 1 ? argv[1] : NULL;

	if (!sub || strcmp(sub, "--help") == 0 || strcmp(sub, "-h") == 0) {
		usage(sub ? stdout : stderr);
		return sub ? EXIT_OK : EXIT_USAGE;
	}
	argc--;
	argv++;
	optind = 0; /* the subverb's own options, from argv[1] */
	if (strcmp(sub, "load") == 0)
		return image_load_cmd(argc, argv, ctx);
	if (strcmp(sub, "ls") == 0 || strcmp(sub, "list") == 0)
		return image_ls_cmd(argc, argv, ctx);
	if (strcmp(sub, "prune") == 0)
		return argc == 1 ? image_prune_cmd(ctx) : cli_usage_error("image prune", "takes no arguments");
	if (strcmp(sub, "rm") == 0)
		return argc >= 2 ? image_rm_cmd(argc, argv, ctx) : cli_usage_error("image rm", "expects REF...");
	if (strcmp(sub, "inspect") != 0 && strcmp(sub, "resolve") != 0)
		return cli_usage_error("image", "unknown subcommand '%s'", sub);
	if (argc != 2)
		return cli_usage_error(strcmp(sub, "inspect") == 0 ? "image inspect" : "image resolve",
				       "expects one REF");
	return strcmp(sub, "inspect") == 0 ? image_inspect_cmd(argv[1], ctx)
					   : image_resolve_cmd(argv[1], ctx);
}
