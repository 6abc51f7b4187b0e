/* berth ps, describe, stop, rm: the tasks on this board.
 * A TASK is a full id, a --name, or a unique prefix of an id. */
#include <getopt.h>
#include <string.h>
#include <time.h>

#include "cli/cli.h"
#include "task/task.h"

/* ---- shared ------------------------------------------------------------- */

static const char *str_of(const cJSON *o, const char *name, const char *dflt)
{
	const cJSON *v = json_get(o, name);

	return cJSON_IsString(v) ? v->valuestring : dflt;
}

static double num_of(const cJSON *o, const char *name)
{
	const cJSON *v = json_get(o, name);

	return cJSON_IsNumber(v) ? v->valuedouble : 0;
}

static const char *id_of(const cJSON *t)
{
	const char *arn = str_of(t, "taskArn", "");
	const char *slash = strrchr(arn, '/');

	return slash ? slash + 1 : arn;
}

/* "family:revision", from the task definition ARN. */
static const char *family_of(const cJSON *t)
{
	const char *arn = str_of(t, "taskDefinitionArn", "");
	const char *slash = strrchr(arn, '/');

	return slash ? slash + 1 : arn;
}

/* The first essential container to exit: the task's exit code, or -1. */
static int exit_code_of(const cJSON *t)
{
	const cJSON *c, *best = NULL;

	cJSON_ArrayForEach(c, json_get(t, "containers")) {
		if (cJSON_IsTrue(json_get(c, "essential")) && cJSON_IsNumber(json_get(c, "exitCode")) &&
		    (!best || num_of(c, "stoppedAt") < num_of(best, "stoppedAt")))
			best = c;
	}
	return best ? (int)num_of(best, "exitCode") : -1;
}

static void print_json(const cJSON *j)
{
	char *text = cJSON_Print(j);

	if (text)
		printf("%s\n", text);
	free(text);
}

/* -1 when the verb goes on; else the exit code (help, usage). */
typedef int (*opt_fn)(int c, void *arg);

static int parse(int argc, char **argv, const char *verb, const char *shortopts,
		 const struct option *longopts, opt_fn fn, void *arg, const char *usage)
{
	int c;

	opterr = 0;
	while ((c = getopt_long(argc, argv, shortopts, longopts, NULL)) != -1) {
		if (c == 'h') {
			printf("%s", usage);
			return EXIT_OK;
		}
		if (c == '?' || fn(c, arg) < 0)
			return cli_usage_error(verb, "unknown option '%s'", argv[optind - 1]);
	}
	return -1;
}

/* ---- ps ----------------------------------------------------------------- */

struct ps_opts {
	bool all, json;
};

static int ps_opt(int c, void *arg)
{
	struct ps_opts *o = arg;

	if (c == 'a')
		o->all = true;
	else if (c == 'j')
		o->json = true;
	else
		return -1;
	return 0;
}

static void format_age(double created, char *buf, size_t size)
{
	double age = (double)time(NULL) - created;

	if (age < 120)
		snprintf(buf, size, "%ds ago", age < 0 ? 0 : (int)age);
	else if (age < 7200)
		snprintf(buf, size, "%dm ago", (int)(age / 60));
	else if (age < 172800)
		snprintf(buf, size, "%dh ago", (int)(age / 3600));
	else
		snprintf(buf, size, "%dd ago", (int)(age / 86400));
}

static void format_status(const cJSON *t, char *buf, size_t size)
{
	const char *status = str_of(t, "lastStatus", "?");
	int code = exit_code_of(t);

	if (cJSON_IsTrue(json_get(t, "monitorGone")))
		snprintf(buf, size, "%s (monitor gone)", status);
	else if (!strcmp(status, "STOPPED") && code >= 0)
		snprintf(buf, size, "STOPPED (exit %d)", code);
	else if (!strcmp(status, "STOPPED"))
		snprintf(buf, size, "STOPPED (%s)", str_of(t, "stopCode", "?"));
	else
		snprintf(buf, size, "%s", status);
}

static void print_ps_line(const cJSON *t)
{
	char status[64], size[48], age[32];

	format_status(t, status, sizeof(status));
	snprintf(size, sizeof(size), "%s/%s", str_of(t, "cpu", "?"), str_of(t, "memory", "?"));
	format_age(num_of(t, "createdAt"), age, sizeof(age));
	printf("%-12.12s  %-16s  %-24s  %-26s  %-11s  %s\n", id_of(t), str_of(t, "name", "-"),
	       family_of(t), status, size, age);
}

int cmd_ps(int argc, char **argv, struct cli_ctx *ctx)
{
	static const struct option longopts[] = {
		{ "all", no_argument, NULL, 'a' }, { "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' }, { NULL, 0, NULL, 0 },
	};
	struct ps_opts o = { 0 };
	struct berr err = { 0 };
	_cleanup_cjson_ cJSON *list = NULL;
	const cJSON *t;
	int rc = parse(argc, argv, "ps", "+ah", longopts, ps_opt, &o,
		       "usage: berth ps [-a|--all] [--json]\n\nThe tasks not STOPPED (-a: all), newest "
		       "first; --json: DescribeTasks task objects.\n");

	if (rc >= 0)
		return rc;
	if (optind < argc)
		return cli_usage_error("ps", "unexpected argument '%s'", argv[optind]);
	list = task_list(&ctx->paths, o.all, &err);
	if (!list) {
		cli_print_error(&err);
		return EXIT_USER;
	}
	if (o.json) {
		print_json(list);
		return EXIT_OK;
	}
	printf("%-12s  %-16s  %-24s  %-26s  %-11s  %s\n", "ID", "NAME", "FAMILY:REV", "STATUS",
	       "CPU/MEM", "CREATED");
	cJSON_ArrayForEach(t, list) {
		print_ps_line(t);
	}
	return EXIT_OK;
}

/* ---- describe ----------------------------------------------------------- */

static void print_time(const char *label, const cJSON *t, const char *name)
{
	time_t when = (time_t)num_of(t, name);
	struct tm tm;
	char buf[32];

	if (when <= 0 || !gmtime_r(&when, &tm))
		return;
	strftime(buf, sizeof(buf), "%Y-%m-%d %H:%M:%S UTC", &tm);
	printf("%-12s%s\n", label, buf);
}

static void print_containers(const cJSON *t)
{
	const cJSON *c;

	printf("containers:\n  %-20s  %-28s  %-8s  %-4s  %s\n", "NAME", "IMAGE", "STATUS", "EXIT",
	       "REASON");
	cJSON_ArrayForEach(c, json_get(t, "containers")) {
		char code[16] = "-";

		if (cJSON_IsNumber(json_get(c, "exitCode")))
			snprintf(code, sizeof(code), "%d", (int)num_of(c, "exitCode"));
		printf("  %-20s  %-28s  %-8s  %-4s  %s\n", str_of(c, "name", "?"), str_of(c, "image", "?"),
		       str_of(c, "lastStatus", "?"), code, str_of(c, "reason", ""));
	}
}

static void print_task(const cJSON *t)
{
	const char *name = str_of(t, "name", NULL);

	printf("%-12s%s%s%s%s\n", "task:", id_of(t), name ? " (" : "", name ? name : "", name ? ")" : "");
	printf("%-12s%s\n", "definition:", family_of(t));
	printf("%-12s%s (desired %s)%s\n", "status:", str_of(t, "lastStatus", "?"),
	       str_of(t, "desiredStatus", "?"),
	       cJSON_IsTrue(json_get(t, "monitorGone")) ? ", its monitor is gone: berth stop cleans up" : "");
	printf("%-12s%s cpu, %s MiB\n", "size:", str_of(t, "cpu", "?"), str_of(t, "memory", "?"));
	print_time("created:", t, "createdAt");
	print_time("started:", t, "startedAt");
	print_time("stopping:", t, "stoppingAt");
	print_time("stopped:", t, "stoppedAt");
	if (json_get(t, "stopCode"))
		printf("%-12s%s: %s\n", "stop code:", str_of(t, "stopCode", ""), str_of(t, "stoppedReason", ""));
	print_containers(t);
}

static int json_opt(int c, void *arg)
{
	if (c != 'j')
		return -1;
	*(bool *)arg = true;
	return 0;
}

int cmd_describe(int argc, char **argv, struct cli_ctx *ctx)
{
	static const struct option longopts[] = {
		{ "json", no_argument, NULL, 'j' }, { "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	bool json = false;
	struct berr err = { 0 };
	_cleanup_cjson_ cJSON *t = NULL;
	char id[TASK_ID_LEN + 1];
	int rc = parse(argc, argv, "describe", "+h", longopts, json_opt, &json,
		       "usage: berth describe [--json] TASK\n\nThe task as ECS DescribeTasks shows it "
		       "(--json: the task object itself).\n");

	if (rc >= 0)
		return rc;
	if (optind + 1 != argc)
		return cli_usage_error("describe", "give one TASK (an id, a prefix of one, or a name)");
	if (task_find(&ctx->paths, argv[optind], id, &err) < 0 ||
	    !(t = task_describe(&ctx->paths, id, &err))) {
		cli_print_error(&err);
		return EXIT_USER;
	}
	if (json)
		print_json(t);
	else
		print_task(t);
	return EXIT_OK;
}

/* ---- stop, rm ----------------------------------------------------------- */

struct stop_opts {
	const char *reason;
	bool force;
};

static int stop_opt(int c, void *arg)
{
	struct stop_opts *o = arg;

	if (c == 'r')
		o->reason = optarg;
	else if (c == 'f')
		o->force = true;
	else
		return -1;
	return 0;
}

/* Each TASK in turn; an error names it and the others still go. */
static int each_task(int argc, char **argv, struct cli_ctx *ctx, const struct stop_opts *o,
		     bool remove)
{
	int rc = EXIT_OK;

	for (int i = optind; i < argc; i++) {
		struct berr err = { 0 };
		char id[TASK_ID_LEN + 1];

		if (task_find(&ctx->paths, argv[i], id, &err) < 0 ||
		    (remove ? task_remove(&ctx->paths, id, o->force, &err)
			    : task_stop(&ctx->paths, id, o->reason, &err)) < 0) {
			cli_print_error(&err);
			rc = EXIT_USER;
			continue;
		}
		printf("%s\n", id);
	}
	return rc;
}

int cmd_stop(int argc, char **argv, struct cli_ctx *ctx)
{
	static const struct option longopts[] = {
		{ "reason", required_argument, NULL, 'r' }, { "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct stop_opts o = { 0 };
	int rc = parse(argc, argv, "stop", "+h", longopts, stop_opt, &o,
		       "usage: berth stop [--reason TEXT] TASK...\n\nStops each task (SIGTERM, its "
		       "stopTimeout, SIGKILL) and prints its id once it is STOPPED.\n");

	if (rc >= 0)
		return rc;
	if (optind >= argc)
		return cli_usage_error("stop", "no TASK given");
	return each_task(argc, argv, ctx, &o, false);
}

int cmd_rm(int argc, char **argv, struct cli_ctx *ctx)
{
	static const struct option longopts[] = {
		{ "force", no_argument, NULL, 'f' }, { "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct stop_opts o = { 0 };
	int rc = parse(argc, argv, "rm", "+fh", longopts, stop_opt, &o,
		       "usage: berth rm [-f|--force] TASK...\n\nRemoves STOPPED tasks' records and "
		       "logs; -f stops a running task first.\n");

	if (rc >= 0)
		return rc;
	if (optind >= argc)
		return cli_usage_error("rm", "no TASK given");
	return each_task(argc, argv, ctx, &o, true);
}
