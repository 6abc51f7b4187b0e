/* cli: the verbs. main.c parses global options and dispatches. */
#ifndef BERTH_CLI_H
#define BERTH_CLI_H

#include "lib/lib.h"

/* Exit codes, as CONVENTIONS.md fixes them. */
enum { EXIT_OK = 0, EXIT_USER = 1, EXIT_USAGE = 2 };

struct cli_ctx {
	struct paths paths;
	const char *prog; /* "berth" */
};

/* Print "berth: <message>" to stderr, once, at the top. */
void cli_print_error(const struct berr *err);
/* Print "berth: <verb>: <message>" and a usage hint, return EXIT_USAGE. */
int cli_usage_error(const char *verb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Each verb: argv[0] is the verb name; returns the exit code. */
int cmd_validate(int argc, char **argv, struct cli_ctx *ctx);
int cmd_board(int argc, char **argv, struct cli_ctx *ctx);
int cmd_image(int argc, char **argv, struct cli_ctx *ctx);
int cmd_init(int argc, char **argv, struct cli_ctx *ctx);
int cmd_run(int argc, char **argv, struct cli_ctx *ctx);
int cmd_ps(int argc, char **argv, struct cli_ctx *ctx);
int cmd_describe(int argc, char **argv, struct cli_ctx *ctx);
int cmd_stop(int argc, char **argv, struct cli_ctx *ctx);
int cmd_rm(int argc, char **argv, struct cli_ctx *ctx);

#endif
