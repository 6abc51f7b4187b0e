/* berth board: which board this is, what it can give to tasks, and whether
 * the kernel has what berth needs. A report: exits 0 even when features are
 * missing, 1 only when the board cannot be loaded. */
#include <getopt.h>
#include <string.h>

#include "board/board.h"
#include "cli/cli.h"

struct report {
	struct board board;
	const char *override; /* the board.json that was applied, or NULL */
	struct board_cgroups cg;
	struct board_check checks[BOARD_CHECKS_MAX];
	size_t n_checks;
	size_t missing;
};

static void usage(FILE *out)
{
	fprintf(out,
		"usage: berth board [--json]\n\n"
		"Shows the board berth runs on: its capacity and what is reserved for the\n"
		"host, the task network, the cgroup mode and the kernel features berth needs\n"
		"(with what to do about missing ones).\n\n"
		"The board is, first match wins: <etc>/board.json (/etc/berth/board.json, or\n"
		"DIR/etc/board.json with --root DIR; fields it leaves out come from the board\n"
		"below); BERTH_BOARD=<name> in the environment; a Raspberry Pi 4 or 5 named\n"
		"by /proc/device-tree/model; the board chosen at build time (CONFIG_BOARD).\n\n"
		"options:\n"
		"  --json      the same facts as a JSON object\n"
		"  -h, --help  this help\n");
}

/* " (detected)", or a note that the machine has less than configured. */
static const char *capacity_note(long configured, long actual, char *buf, size_t size)
{
	if (configured == 0)
		snprintf(buf, size, " (detected)");
	else if (actual < configured)
		snprintf(buf, size, " (configured %ld, this machine has less)", configured);
	else
		buf[0] = '\0';
	return buf;
}

static void print_cgroups(const struct board_cgroups *cg)
{
	const char *controllers = cg->controllers[0] ? cg->controllers : "none";

	printf("cgroups:  %s", cgroup_mode_name(cg->mode));
	switch (cg->mode) {
	case CGROUP_MODE_V2:
		printf(" (controllers: %s)\n", controllers);
		break;
	case CGROUP_MODE_HYBRID:
		printf(" (v1 controllers: %s; v2 mount at %s, not used for limits)\n", controllers,
		       cg->v2_mount);
		break;
	case CGROUP_MODE_V1:
		printf(" (v1 controllers: %s)\n", controllers);
		break;
	case CGROUP_MODE_UNKNOWN:
		printf(" (no cgroup file system at /sys/fs/cgroup)\n");
		break;
	}
}

static void print_checks(const struct report *r)
{
	printf("kernel:\n");
	for (size_t i = 0; i < r->n_checks; i++) {
		const struct board_check *c = &r->checks[i];

		printf("  %-9s %s%s%s%s\n", board_check_state_name(c->state), c->feature,
		       c->optional && c->state != BOARD_CHECK_OK ? " (optional)" : "",
		       c->detail[0] ? ": " : "", c->detail);
	}
	if (r->missing == 0)
		printf("ready:    yes\n");
	else
		printf("ready:    no, %zu feature%s missing\n", r->missing,
		       r->missing == 1 ? "" : "s");
}

static void print_human(const struct report *r)
{
	const struct board *b = &r->board;
	char cpu_note[64], mem_note[64];

	if (r->override)
		printf("board:    %s (%s, override: %s)\n", b->name, b->model, r->override);
	else
		printf("board:    %s (%s, %s)\n", b->name, b->model, b->source);
	printf("arch:     %s (ECS: %s)\n", b->arch, board_ecs_arch(b));
	printf("capacity: %d vCPU%s, %ld MiB%s; reserved %ld cpu units, %ld MiB\n", b->vcpus,
	       capacity_note(b->vcpus_configured, b->vcpus, cpu_note, sizeof(cpu_note)),
	       b->memory_mib,
	       capacity_note(b->memory_configured_mib, b->memory_mib, mem_note, sizeof(mem_note)),
	       b->reserved_cpu_units, b->reserved_memory_mib);
	printf("usable:   %ld cpu units, %ld MiB\n", board_usable_cpu_units(b),
	       board_usable_memory_mib(b));
	printf("network:  subnet %s, bridge %s, nat %s\n", b->subnet, b->bridge,
	       b->nat ? "on" : "off");
	print_cgroups(&r->cg);
	print_checks(r);
}

static cJSON *number(long n)
{
	return cJSON_CreateNumber((double)n);
}

/* A configured size: the number, or "auto" when detected. */
static cJSON *configured_size(long configured)
{
	return configured ? number(configured) : cJSON_CreateString("auto");
}

/* Adds item (NULL when creating it failed) or frees it. */
static bool add_item(cJSON *obj, const char *name, cJSON *item)
{
	if (item && cJSON_AddItemToObject(obj, name, item))
		return true;
	cJSON_Delete(item);
	return false;
}

static bool add_configured(cJSON *o, const struct board *b)
{
	cJSON *c = cJSON_CreateObject();

	return add_item(o, "configured", c) &&
	       add_item(c, "vcpus", configured_size(b->vcpus_configured)) &&
	       add_item(c, "memory_mib", configured_size(b->memory_configured_mib));
}

static bool add_board(cJSON *o, const struct report *r)
{
	const struct board *b = &r->board;
	const char *file = r->override;

	return add_item(o, "name", cJSON_CreateString(b->name)) &&
	       add_item(o, "model", cJSON_CreateString(b->model)) &&
	       add_item(o, "source", cJSON_CreateString(b->source)) &&
	       add_item(o, "file", file ? cJSON_CreateString(file) : cJSON_CreateNull()) &&
	       add_item(o, "arch", cJSON_CreateString(b->arch)) &&
	       add_item(o, "ecs_arch", cJSON_CreateString(board_ecs_arch(b))) &&
	       add_item(o, "vcpus", number(b->vcpus)) &&
	       add_item(o, "memory_mib", number(b->memory_mib)) &&
	       add_configured(o, b) &&
	       add_item(o, "reserved_cpu_units", number(b->reserved_cpu_units)) &&
	       add_item(o, "reserved_memory_mib", number(b->reserved_memory_mib)) &&
	       add_item(o, "usable_cpu_units", number(board_usable_cpu_units(b))) &&
	       add_item(o, "usable_memory_mib", number(board_usable_memory_mib(b))) &&
	       add_item(o, "subnet", cJSON_CreateString(b->subnet)) &&
	       add_item(o, "bridge", cJSON_CreateString(b->bridge)) &&
	       add_item(o, "nat", cJSON_CreateBool(b->nat));
}

static cJSON *controllers_array(const char *list)
{
	cJSON *arr = cJSON_CreateArray();

	for (const char *p = list; arr && *p;) {
		size_t len = strcspn(p, " ");
		char name[64];

		snprintf(name, sizeof(name), "%.*s", (int)len, p);
		if (!cJSON_AddItemToArray(arr, cJSON_CreateString(name))) {
			cJSON_Delete(arr);
			return NULL;
		}
		p += len + (p[len] == ' ');
	}
	return arr;
}

static bool add_cgroups(cJSON *o, const struct board_cgroups *cg)
{
	cJSON *c = cJSON_CreateObject();

	return add_item(o, "cgroups", c) &&
	       add_item(c, "mode", cJSON_CreateString(cgroup_mode_name(cg->mode))) &&
	       add_item(c, "controllers", controllers_array(cg->controllers)) &&
	       add_item(c, "v2_mount",
			cg->v2_mount[0] ? cJSON_CreateString(cg->v2_mount) : cJSON_CreateNull());
}

static bool add_check(cJSON *arr, const struct board_check *check)
{
	cJSON *c = cJSON_CreateObject();

	if (!c || !cJSON_AddItemToArray(arr, c)) {
		cJSON_Delete(c);
		return false;
	}
	return add_item(c, "feature", cJSON_CreateString(check->feature)) &&
	       add_item(c, "state", cJSON_CreateString(board_check_state_name(check->state))) &&
	       add_item(c, "optional", cJSON_CreateBool(check->optional)) &&
	       add_item(c, "detail", cJSON_CreateString(check->detail));
}

static bool add_checks(cJSON *o, const struct report *r)
{
	cJSON *arr = cJSON_CreateArray();

	if (!add_item(o, "kernel", arr))
		return false;
	for (size_t i = 0; i < r->n_checks; i++)
		if (!add_check(arr, &r->checks[i]))
			return false;
	return add_item(o, "missing", number((long)r->missing)) &&
	       add_item(o, "ready", cJSON_CreateBool(r->missing == 0));
}

static int print_json(const struct report *r)
{
	_cleanup_cjson_ cJSON *o = cJSON_CreateObject();
	_cleanup_free_ char *text = NULL;

	if (!o || !add_board(o, r) || !add_cgroups(o, &r->cg) || !add_checks(o, r) ||
	    !(text = cJSON_Print(o))) {
		fprintf(stderr, "berth: board: out of memory\n");
		return EXIT_USER;
	}
	printf("%s\n", text);
	return EXIT_OK;
}

/* Options; returns -1 to go on, else the exit code. */
static int parse_options(int argc, char **argv, bool *json)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	opterr = 0; /* one message, ours */
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'j':
			*json = true;
			break;
		case 'h':
			usage(stdout);
			return EXIT_OK;
		default:
			return cli_usage_error("board", "unknown option '%s'", argv[optind - 1]);
		}
	}
	if (optind < argc)
		return cli_usage_error("board", "unexpected argument '%s'", argv[optind]);
	return -1;
}

int cmd_board(int argc, char **argv, struct cli_ctx *ctx)
{
	struct report r = { 0 };
	_cleanup_free_ char *override = NULL;
	struct berr err = { 0 };
	bool json = false;
	int rc = parse_options(argc, argv, &json);

	if (rc >= 0)
		return rc;
	if (board_load(&ctx->paths, &r.board, &err) < 0) {
		cli_print_error(&err);
		return EXIT_USER;
	}
	if (strcmp(r.board.source, "override") == 0) {
		override = board_override_path(&ctx->paths, &err);
		if (!override) {
			cli_print_error(&err);
			return EXIT_USER;
		}
		r.override = override;
	}
	board_cgroups_probe(&r.cg);
	r.n_checks = board_check_kernel(&r.cg, r.checks, ARRAY_SIZE(r.checks));
	r.missing = board_checks_missing(r.checks, r.n_checks);
	if (json)
		return print_json(&r);
	print_human(&r);
	return EXIT_OK;
}
