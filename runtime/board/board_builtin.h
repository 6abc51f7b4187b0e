/* The compiled-in board table: board/embed.sh generates it from every
 * board/<name>/board.json. Private to the board module. */
#ifndef BERTH_BOARD_BUILTIN_H
#define BERTH_BOARD_BUILTIN_H

#include <stddef.h>

struct board_builtin {
	const char *name; /* the folder under board/ */
	const char *json; /* its board.json, verbatim */
};

extern const struct board_builtin board_builtins[];
extern const size_t board_builtins_count;

#endif
