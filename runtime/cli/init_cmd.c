/* `berth init [--] CMD [ARG...]`: PID 1 inside a container with
 * initProcessEnabled (runtime/task/init.c). Not for users to type. */
#include "cli/cli.h"
#include "task/task.h"

int cmd_init(int argc, char **argv, struct cli_ctx *ctx)
{
	(void)ctx;
	return task_init_main(argc, argv);
}
