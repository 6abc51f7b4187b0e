/* berth run [--name N] [--detach] [--pids-limit N] TASKDEF.json
 * Validates the definition against the board (problems as validate prints
 * them, exit 1), then runs the task: in the foreground, the containers'
 * output prefixed "<name> | " and the exit status of the first essential
 * container to exit; detached, the task id as the last line. A task that
 * never ran: its error in ECS words, exit 125 / 126 / 127 as docker run. */
#include <getopt.h>
#include <string.h>

#include "board/board.h"
#include "cli/cli.h"
#include "task/task.h"
#include "taskdef/taskdef.h"

#define TASKDEF_FILE_MAX (4u << 20)

struct run_args {
	struct task_run_opts opts;
	const char *path;
};

static void print_usage(FILE *out)
{
	fprintf(out, "usage: berth run [--name NAME] [--detach] [--pids-limit N] TASKDEF.json\n\n"
		     "Runs an Amazon ECS task definition on this board, as Fargate would.\n\n"
		     "  --name NAME      a name to use instead of the task id\n"
		     "  -d, --detach     leave the task running under its monitor; print its id\n"
		     "  --pids-limit N   most processes and threads in the task (default %d)\n\n"
		     "In the foreground each container's output is shown as \"name | line\";\n"
		     "Ctrl-C stops the task gracefully (a second one kills it). The exit status\n"
		     "is the first essential container's (128+signal when it was killed); when\n"
		     "the task could not start: 125, 126 (not executable), 127 (not found).\n",
		TASK_PIDS_LIMIT_DEFAULT);
}

/* -1 to go on, else the exit code to return now. */
static int parse_options(int argc, char **argv, struct run_args *a)
{
	static const struct option opts[] = {
		{ "name", required_argument, NULL, 'n' }, { "detach", no_argument, NULL, 'd' },
		{ "pids-limit", required_argument, NULL, 'p' }, { "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	long n;
	int c;

	opterr = 0;
	while ((c = getopt_long(argc, argv, "+dh", opts, NULL)) != -1) {
		switch (c) {
		case 'n':
			a->opts.name = optarg;
			break;
		case 'd':
			a->opts.detach = true;
			break;
		case 'p':
			if (str_to_long(optarg, 1, 4194304, &n) < 0)
				return cli_usage_error("run", "--pids-limit %s: not a number from 1 to 4194304", optarg);
			a->opts.pids_limit = n;
			break;
		case 'h':
			print_usage(stdout);
			return EXIT_OK;
		default:
			return cli_usage_error("run", "unknown option '%s'", argv[optind - 1]);
		}
	}
	if (optind + 1 != argc)
		return cli_usage_error("run", optind >= argc ? "no task definition file given"
							     : "one task definition file at a time");
	a->path = argv[optind];
	return -1;
}

/* Like berth validate: warnings, then every problem on its own line. */
static struct task_def *load(const char *path, const struct board *board, cJSON **tree)
{
	struct taskdef_problems problems = { 0 };
	struct berr err = { 0 };
	struct task_def *td = NULL;

	*tree = json_parse_file(path, TASKDEF_FILE_MAX, &err);
	if (*tree)
		td = taskdef_parse(*tree, path, board, &problems, &err);
	for (size_t i = 0; i < problems.warning_count; i++)
		log_warn("%s", problems.warnings[i]);
	for (size_t i = 0; i < problems.error_count; i++)
		fprintf(stderr, "berth: %s\n", problems.errors[i]);
	if (!td && problems.error_count == 0)
		cli_print_error(&err);
	taskdef_problems_free(&problems);
	return td;
}

int cmd_run(int argc, char **argv, struct cli_ctx *ctx)
{
	struct run_args a = { 0 };
	_cleanup_cjson_ cJSON *tree = NULL;
	char id[TASK_ID_LEN + 1];
	struct board board;
	struct berr err = { 0 };
	struct task_def *td;
	int rc = parse_options(argc, argv, &a), code;

	if (rc >= 0)
		return rc;
	if (board_load(&ctx->paths, &board, &err) < 0) {
		cli_print_error(&err);
		return EXIT_USER;
	}
	td = load(a.path, &board, &tree);
	if (!td)
		return EXIT_USER;
	a.opts.taskdef = tree;
	rc = task_run(&ctx->paths, &board, td, &a.opts, id, &code, &err);
	taskdef_free(td);
	if (rc < 0) {
		cli_print_error(&err);
		return code;
	}
	if (a.opts.detach)
		printf("%s\n", id);
	return code;
}
