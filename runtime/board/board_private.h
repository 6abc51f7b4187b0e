/* Shared by the board module's files (and its unit test); not an interface. */
#ifndef BERTH_BOARD_PRIVATE_H
#define BERTH_BOARD_PRIVATE_H

#include "board/board.h"

/* The most read of a board.json, /proc or /sys file. */
#define BOARD_FILE_MAX ((size_t)64 * 1024)

/* A board being assembled from a built-in description and an override. */
struct board_draft {
	struct board board;
	unsigned fields_set; /* bit i: board_json's field i was given */
};

/* Applies the members of a board.json object to draft, validating each;
 * origin names the source in errors ("/etc/berth/board.json"). */
int board_json_apply(struct board_draft *draft, const cJSON *obj, const char *origin,
		     struct berr *err);
/* Fails naming the first field no source has given. */
int board_json_check_complete(const struct board_draft *draft, const char *origin,
			      struct berr *err);

/* The built-in board a /proc/device-tree/model text names, or NULL. */
const char *board_name_for_model(const char *model);

/* root + path into buf; false when it does not fit. */
bool board_path(char *buf, size_t size, const char *root, const char *path);

/* One line of /proc/cgroups: a controller the kernel has. */
struct proc_cgroup {
	char name[32];
	int hierarchy; /* a v1 hierarchy's id; 0 when on v2 or not mounted */
	bool enabled;  /* false when switched off on the kernel command line */
};

/* Reads <root>/proc/cgroups into out; returns how many (0 when unreadable). */
size_t board_proc_cgroups(const char *root, struct proc_cgroup *out, size_t max);

/* board_check_kernel with every /proc, /sys and /lib/modules path read
 * under root ("" for the real system), so tests can fake a machine. */
size_t board_check_kernel_at(const char *root, const struct board_cgroups *cg,
			     struct board_check *out, size_t max);

/* Whether a kernel module's code is in the running kernel, or could be
 * loaded from /lib/modules/<release>; marker is a function only it has,
 * looked up in /proc/kallsyms for built-ins without a /sys/module entry
 * when there is no modules.builtin (NULL: don't look). */
enum board_check_state board_kmod_state(const char *root, const char *module, const char *marker);

#endif
