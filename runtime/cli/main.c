/* berth: global options, then one verb. */
#include <archive.h>
#include <errno.h>
#include <getopt.h>
#include <mbedtls/version.h>
#include <string.h>

#include "cli/cli.h"

#if defined(__aarch64__)
#define BERTH_ARCH "arm64"
#elif defined(__x86_64__)
#define BERTH_ARCH "x86_64"
#else
#error "berth is built for arm64 and x86_64 only"
#endif

struct verb {
	const char *name;
	int (*run)(int argc, char **argv, struct cli_ctx *ctx);
	const char *summary;
};

static const struct verb verbs[] = {
	{ "validate", cmd_validate, "check task definition files against the board" },
	{ "board", cmd_board, "show the board, its usable capacity and kernel features" },
	{ "image", cmd_image, "load, list, inspect, resolve and remove images (offline)" },
	{ "init", cmd_init, "PID 1 inside a container (initProcessEnabled; run by berth itself)" },
	{ "run", cmd_run, "run a task definition (foreground, or --detach)" },
	{ "ps", cmd_ps, "list tasks (-a: the stopped ones too)" },
	{ "describe", cmd_describe, "show a task as ECS DescribeTasks does" },
	{ "stop", cmd_stop, "stop tasks gracefully (SIGTERM, stopTimeout, SIGKILL)" },
	{ "rm", cmd_rm, "remove stopped tasks (-f: stop them first)" },
};

/* Feature symbols as Kconfig names them, so `--version` tells exactly what a
 * build can do. */
static const struct {
	const char *name;
	bool enabled;
} features[] = {
#ifdef CONFIG_NET
	{ "net", true },
#else
	{ "net", false },
#endif
#ifdef CONFIG_FIREWALL
	{ "firewall", true },
#else
	{ "firewall", false },
#endif
#ifdef CONFIG_LAYER_ZSTD
	{ "zstd", true },
#else
	{ "zstd", false },
#endif
#ifdef CONFIG_LAYER_XZ
	{ "xz", true },
#else
	{ "xz", false },
#endif
#ifdef CONFIG_SECRETS
	{ "secrets", true },
#else
	{ "secrets", false },
#endif
#ifdef CONFIG_HEALTHCHECK
	{ "healthcheck", true },
#else
	{ "healthcheck", false },
#endif
};

void cli_print_error(const struct berr *err)
{
	fprintf(stderr, "berth: %s\n", err->msg[0] ? err->msg : strerror(err->code));
}

int cli_usage_error(const char *verb, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "berth: %s: ", verb);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, " (see berth %s --help)\n", verb);
	return EXIT_USAGE;
}

static void print_version(void)
{
	char tls[32];

	mbedtls_version_get_string(tls);
	printf("berth %s (%s)\nfeatures:", CONFIG_VERSION_STRING, BERTH_ARCH);
	for (size_t i = 0; i < ARRAY_SIZE(features); i++)
		printf(" %c%s", features[i].enabled ? '+' : '-', features[i].name);
	printf("\nlibraries: %s, mbedTLS %s, cJSON %s\n", archive_version_string(), tls,
	       cJSON_Version());
}

static void print_help(FILE *out)
{
	fprintf(out, "usage: berth [--root DIR] [-v|--debug] VERB [ARGS]\n\n"
		     "Runs Amazon ECS / Fargate task definitions on this board, offline.\n\n"
		     "verbs:\n");
	for (size_t i = 0; i < ARRAY_SIZE(verbs); i++)
		fprintf(out, "  %-10s %s\n", verbs[i].name, verbs[i].summary);
	fprintf(out, "\noptions:\n"
		     "  --root DIR   keep all state under DIR (default /var/lib/berth, /run/berth,\n"
		     "               /etc/berth, /var/log/berth)\n"
		     "  -v           say what is being done; --debug says more\n"
		     "  -q           no warnings\n"
		     "  --version    version, architecture, enabled features\n");
}

static const struct verb *find_verb(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(verbs); i++)
		if (strcmp(verbs[i].name, name) == 0)
			return &verbs[i];
	return NULL;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "root", required_argument, NULL, 'r' }, { "debug", no_argument, NULL, 'd' },
		{ "version", no_argument, NULL, 'V' },    { "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct cli_ctx ctx = { .prog = "berth" };
	const char *root = getenv("BERTH_ROOT");
	const struct verb *verb;
	struct berr err = { 0 };
	int c, rc;

	/* '+' stops at the verb so its own options reach it untouched. */
	while ((c = getopt_long(argc, argv, "+vqh", opts, NULL)) != -1) {
		switch (c) {
		case 'r':
			root = optarg;
			break;
		case 'v':
			log_set_level(LOG_INFO);
			break;
		case 'd':
			log_set_level(LOG_DEBUG);
			break;
		case 'q':
			log_set_level(LOG_QUIET);
			break;
		case 'V':
			print_version();
			return EXIT_OK;
		case 'h':
			print_help(stdout);
			return EXIT_OK;
		default:
			print_help(stderr);
			return EXIT_USAGE;
		}
	}
	if (optind >= argc) {
		print_help(stderr);
		return EXIT_USAGE;
	}
	if (strcmp(argv[optind], "version") == 0) {
		print_version();
		return EXIT_OK;
	}
	verb = find_verb(argv[optind]);
	if (!verb) {
		fprintf(stderr, "berth: unknown verb '%s' (see berth --help)\n", argv[optind]);
		return EXIT_USAGE;
	}
	if (root && root[0] != '/') {
		fprintf(stderr, "berth: --root %s: must be an absolute path\n", root);
		return EXIT_USAGE;
	}
	if (paths_init(&ctx.paths, root, &err) < 0) {
		cli_print_error(&err);
		return EXIT_USER;
	}
	argc -= optind;
	argv += optind;
	/* Verbs parse their own options with getopt; 0 makes glibc start afresh. */
	optind = 0;
	rc = verb->run(argc, argv, &ctx);
	paths_free(&ctx.paths);
	return rc;
}
