/* Is a kernel module's code in the running kernel, or loadable? Looked up
 * without loading anything: a report must not change the machine. */
#include <errno.h>
#include <string.h>
#include <sys/utsname.h>

#include "board/board_private.h"

/* Built-in modules only get a /sys/module entry when they have parameters
 * or a version, so its absence proves nothing. */
static bool in_sysfs(const char *root, const char *module)
{
	char path[4096], rel[128];

	snprintf(rel, sizeof(rel), "/sys/module/%s", module);
	return board_path(path, sizeof(path), root, rel) && fs_exists(path);
}

/* "kernel/drivers/net/veth.ko" or "kernel/drivers/net/veth.ko.xz: deps..." */
static bool line_names_module(const char *line, const char *module)
{
	size_t end = strcspn(line, ":\n");
	const char *base = line;
	size_t len = strlen(module);

	for (size_t i = 0; i < end; i++)
		if (line[i] == '/')
			base = line + i + 1;
	if (strncmp(base, module, len) != 0 || strncmp(base + len, ".ko", 3) != 0)
		return false;
	return base + len + 3 == line + end || base[len + 3] == '.';
}

enum listed { LISTED, NOT_LISTED, NO_LIST };

/* Looks in /lib/modules/<release>/<list> (modules.builtin, modules.dep). */
static enum listed modules_list_has(const char *root, const char *list, const char *module)
{
	struct utsname u;
	char rel[512], path[4096];
	_cleanup_fclose_ FILE *f = NULL;
	_cleanup_free_ char *line = NULL;
	size_t cap = 0;

	if (uname(&u) < 0) {
		log_debug("uname: %s", strerror(errno));
		return NO_LIST;
	}
	snprintf(rel, sizeof(rel), "/lib/modules/%s/%s", u.release, list);
	if (!board_path(path, sizeof(path), root, rel))
		return NO_LIST;
	f = fopen(path, "re");
	if (!f)
		return NO_LIST;
	while (getline(&line, &cap, f) > 0)
		if (line_names_module(line, module))
			return LISTED;
	return NOT_LISTED;
}

/* /proc/kallsyms lists every function of the kernel and its modules:
 * "ffffffff81e083e0 t veth_newlink" (gcc may add ".isra.0" and the like). */
static bool kallsyms_has(const char *root, const char *marker)
{
	char path[4096];
	_cleanup_fclose_ FILE *f = NULL;
	_cleanup_free_ char *line = NULL;
	size_t cap = 0, len = strlen(marker);

	if (!board_path(path, sizeof(path), root, "/proc/kallsyms"))
		return false;
	f = fopen(path, "re");
	if (!f) {
		log_debug("%s: %s", path, strerror(errno));
		return false;
	}
	while (getline(&line, &cap, f) > 0) {
		const char *name = strrchr(line, ' ');

		if (name && strncmp(name + 1, marker, len) == 0 && strchr(".\t\n", name[1 + len]))
			return true;
	}
	return false;
}

enum board_check_state board_kmod_state(const char *root, const char *module, const char *marker)
{
	enum listed builtin;

	if (in_sysfs(root, module))
		return BOARD_CHECK_OK;
	builtin = modules_list_has(root, "modules.builtin", module);
	if (builtin == LISTED)
		return BOARD_CHECK_OK;
	/* Without modules.builtin (a kernel installed without its modules) ask kallsyms. */
	if (builtin == NO_LIST && marker && kallsyms_has(root, marker))
		return BOARD_CHECK_OK;
	if (modules_list_has(root, "modules.dep", module) == LISTED)
		return BOARD_CHECK_LOADABLE;
	return BOARD_CHECK_MISSING;
}
