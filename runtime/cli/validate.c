/* berth validate FILE...: check task definitions against this board.
 * stdout: "FILE: ok (FAMILY, CPU cpu, MEMORY MiB, N container[s])" per valid file.
 * stderr: "berth: FILE: <field path>: <problem>" per problem, warnings as
 * "berth: warning: FILE: ...". Exit 1 if any file has a problem. */
#include <getopt.h>
#include <string.h>

#include "board/board.h"
#include "cli/cli.h"
#include "taskdef/taskdef.h"

static void print_usage(FILE *out)
{
	fprintf(out, "usage: berth validate FILE...\n\n"
		     "Checks Amazon ECS task definition files against this board: the Fargate\n"
		     "size table, the board's usable capacity and architecture, and every\n"
		     "field berth can run. Prints one line per valid file:\n"
		     "  FILE: ok (FAMILY, CPU cpu, MEMORY MiB, N containers)\n"
		     "and one line per problem on stderr; exits 1 if any file has a problem.\n");
}

static void print_ok(const char *path, const struct task_def *td)
{
	size_t n = td->container_count;

	printf("%s: ok (%s, %ld cpu, %ld MiB, %zu container%s)\n", path, td->family, td->cpu,
	       td->memory_mib, n, n == 1 ? "" : "s");
}

/* Returns whether the file is valid; prints what it found either way. */
static bool validate_file(const char *path, const struct board *board)
{
	struct taskdef_problems problems = { 0 };
	struct berr err = { 0 };
	struct task_def *td = taskdef_load(path, board, &problems, &err);

	for (size_t i = 0; i < problems.warning_count; i++)
		log_warn("%s", problems.warnings[i]);
	for (size_t i = 0; i < problems.error_count; i++)
		fprintf(stderr, "berth: %s\n", problems.errors[i]);
	/* Without problem lines the failure is the file itself (missing, not JSON). */
	if (!td && problems.error_count == 0)
		cli_print_error(&err);
	if (td)
		print_ok(path, td);
	taskdef_free(td);
	taskdef_problems_free(&problems);
	return td != NULL;
}

/* -1 to go on, else the exit code to return now (help, usage error). */
static int parse_options(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	opterr = 0;
	while ((c = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
		if (c == 'h') {
			print_usage(stdout);
			return EXIT_OK;
		}
		return cli_usage_error("validate", "unknown option '%s'", argv[optind - 1]);
	}
	if (optind >= argc)
		return cli_usage_error("validate", "no task definition files given");
	return -1;
}

int cmd_validate(int argc, char **argv, struct cli_ctx *ctx)
{
	struct board board;
	struct berr err = { 0 };
	bool all_valid = true;
	int rc = parse_options(argc, argv);

	if (rc >= 0)
		return rc;
	if (board_load(&ctx->paths, &board, &err) < 0) {
		cli_print_error(&err);
		return EXIT_USER;
	}
	for (int i = optind; i < argc; i++)
		all_valid &= validate_file(argv[i], &board);
	return all_valid ? EXIT_OK : EXIT_USER;
}
