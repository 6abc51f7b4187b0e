/* How cgroups are set up on this machine: mode and usable controllers. */
#include <errno.h>
#include <linux/magic.h>
#include <string.h>
#include <sys/statfs.h>

#include "board/board_private.h"

#define CGROUP_ROOT "/sys/fs/cgroup"
#define CGROUP_UNIFIED CGROUP_ROOT "/unified"

const char *cgroup_mode_name(enum cgroup_mode mode)
{
	switch (mode) {
	case CGROUP_MODE_V1:
		return "v1";
	case CGROUP_MODE_HYBRID:
		return "hybrid";
	case CGROUP_MODE_V2:
		return "v2";
	case CGROUP_MODE_UNKNOWN:
		break;
	}
	return "unknown";
}

static bool is_fs(const char *path, long magic)
{
	struct statfs st;

	if (statfs(path, &st) < 0) {
		log_debug("statfs %s: %s", path, strerror(errno));
		return false;
	}
	return (long)st.f_type == magic;
}

enum cgroup_mode board_cgroup_mode(void)
{
	if (is_fs(CGROUP_ROOT, CGROUP2_SUPER_MAGIC))
		return CGROUP_MODE_V2;
	if (!is_fs(CGROUP_ROOT, TMPFS_MAGIC))
		return CGROUP_MODE_UNKNOWN;
	/* systemd's hybrid layout: v1 controllers, plus an empty v2 tree for itself. */
	if (fs_exists(CGROUP_UNIFIED) && is_fs(CGROUP_UNIFIED, CGROUP2_SUPER_MAGIC))
		return CGROUP_MODE_HYBRID;
	return CGROUP_MODE_V1;
}

bool board_path(char *buf, size_t size, const char *root, const char *path)
{
	int n = snprintf(buf, size, "%s%s", root, path);

	return n >= 0 && (size_t)n < size;
}

size_t board_proc_cgroups(const char *root, struct proc_cgroup *out, size_t max)
{
	char path[4096];
	_cleanup_fclose_ FILE *f = NULL;
	_cleanup_free_ char *line = NULL;
	size_t cap = 0, n = 0;

	if (!board_path(path, sizeof(path), root, "/proc/cgroups"))
		return 0;
	f = fopen(path, "re");
	if (!f) {
		log_debug("%s: %s", path, strerror(errno));
		return 0;
	}
	while (n < max && getline(&line, &cap, f) > 0) {
		int enabled;

		if (line[0] == '#')
			continue;
		if (sscanf(line, "%31s %d %*d %d", out[n].name, &out[n].hierarchy, &enabled) != 3)
			continue;
		out[n].enabled = enabled != 0;
		n++;
	}
	return n;
}

static void append_word(char *buf, size_t size, const char *word)
{
	size_t used = strlen(buf);

	snprintf(buf + used, size - used, "%s%s", used ? " " : "", word);
}

static void probe_v2(struct board_cgroups *cg)
{
	struct berr err = { 0 };
	_cleanup_free_ char *text =
		fs_read_file(CGROUP_ROOT "/cgroup.controllers", 4096, NULL, &err);

	if (!text) {
		log_debug("%s", err.msg);
		return;
	}
	text[strcspn(text, "\n")] = '\0';
	snprintf(cg->controllers, sizeof(cg->controllers), "%s", text);
}

/* On v1 a controller berth can use is enabled and mounted as a hierarchy. */
static void probe_v1(struct board_cgroups *cg)
{
	struct proc_cgroup all[64];
	size_t n = board_proc_cgroups("", all, ARRAY_SIZE(all));

	for (size_t i = 0; i < n; i++)
		if (all[i].enabled && all[i].hierarchy != 0)
			append_word(cg->controllers, sizeof(cg->controllers), all[i].name);
}

void board_cgroups_probe(struct board_cgroups *cg)
{
	*cg = (struct board_cgroups){ .mode = board_cgroup_mode() };
	switch (cg->mode) {
	case CGROUP_MODE_V2:
		snprintf(cg->v2_mount, sizeof(cg->v2_mount), "%s", CGROUP_ROOT);
		probe_v2(cg);
		break;
	case CGROUP_MODE_HYBRID:
		snprintf(cg->v2_mount, sizeof(cg->v2_mount), "%s", CGROUP_UNIFIED);
		probe_v1(cg);
		break;
	case CGROUP_MODE_V1:
		probe_v1(cg);
		break;
	case CGROUP_MODE_UNKNOWN:
		break;
	}
}

bool board_cgroups_has(const struct board_cgroups *cg, const char *controller)
{
	size_t len = strlen(controller);

	if (len == 0)
		return false;
	for (const char *p = cg->controllers; (p = strstr(p, controller)); p += len) {
		bool starts = p == cg->controllers || p[-1] == ' ';
		bool ends = p[len] == '\0' || p[len] == ' ';

		if (starts && ends)
			return true;
	}
	return false;
}
