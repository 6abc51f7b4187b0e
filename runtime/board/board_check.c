/* The kernel features berth needs: each ok, or missing with what to do. */
#include <string.h>

#include "board/board_private.h"

struct checks {
	const char *root;
	const struct board_cgroups *cg;
	struct board_check *out;
	size_t max, n;
};

static void add(struct checks *c, const char *feature, enum board_check_state state,
		bool optional, const char *fmt, ...) __attribute__((format(printf, 5, 6)));

static void add(struct checks *c, const char *feature, enum board_check_state state,
		bool optional, const char *fmt, ...)
{
	struct board_check *check;
	va_list ap;

	if (c->n >= c->max)
		return;
	check = &c->out[c->n++];
	*check = (struct board_check){ .feature = feature, .state = state, .optional = optional };
	va_start(ap, fmt);
	vsnprintf(check->detail, sizeof(check->detail), fmt, ap);
	va_end(ap);
}

static void add_ok(struct checks *c, const char *feature, bool optional)
{
	add(c, feature, BOARD_CHECK_OK, optional, "%s", "");
}

static bool exists_at(const char *root, const char *path)
{
	char full[4096];

	return board_path(full, sizeof(full), root, path) && fs_exists(full);
}

/* A small /proc file read whole, or NULL when unreadable. */
static char *read_at(const char *root, const char *path)
{
	char full[4096];
	struct berr err = { 0 };
	char *text;

	if (!board_path(full, sizeof(full), root, path))
		return NULL;
	text = fs_read_file(full, BOARD_FILE_MAX, NULL, &err);
	if (!text)
		log_debug("%s", err.msg);
	return text;
}

static void check_user_ns(struct checks *c)
{
	_cleanup_free_ char *max = NULL;

	if (!exists_at(c->root, "/proc/self/ns/user")) {
		add(c, "user namespace", BOARD_CHECK_MISSING, true,
		    "enable CONFIG_USER_NS in the kernel");
		return;
	}
	max = read_at(c->root, "/proc/sys/user/max_user_namespaces");
	if (max && strcmp(max, "0\n") == 0) {
		add(c, "user namespace", BOARD_CHECK_MISSING, true,
		    "switched off (sysctl -w user.max_user_namespaces=10000)");
		return;
	}
	add_ok(c, "user namespace", true);
}

static void check_namespaces(struct checks *c)
{
	static const struct {
		const char *feature, *file, *config;
	} ns[] = {
		{ "mount namespace", "/proc/self/ns/mnt", "CONFIG_NAMESPACES" },
		{ "pid namespace", "/proc/self/ns/pid", "CONFIG_PID_NS" },
		{ "net namespace", "/proc/self/ns/net", "CONFIG_NET_NS" },
		{ "uts namespace", "/proc/self/ns/uts", "CONFIG_UTS_NS" },
		{ "ipc namespace", "/proc/self/ns/ipc", "CONFIG_IPC_NS" },
		{ "cgroup namespace", "/proc/self/ns/cgroup", "CONFIG_CGROUPS" },
	};

	for (size_t i = 0; i < ARRAY_SIZE(ns); i++) {
		if (exists_at(c->root, ns[i].file))
			add_ok(c, ns[i].feature, false);
		else
			add(c, ns[i].feature, BOARD_CHECK_MISSING, false,
			    "enable %s in the kernel", ns[i].config);
	}
	check_user_ns(c);
}

static const struct proc_cgroup *find_proc_cgroup(const struct proc_cgroup *all, size_t n,
						  const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(all[i].name, name) == 0)
			return &all[i];
	return NULL;
}

/* Why a controller berth needs is not usable, and what to do about it. */
static void controller_missing(struct checks *c, const char *feature, const char *name,
			       const char *config)
{
	struct proc_cgroup all[64];
	size_t n = board_proc_cgroups(c->root, all, ARRAY_SIZE(all));
	const struct proc_cgroup *pc = find_proc_cgroup(all, n, name);
	enum board_check_state missing = BOARD_CHECK_MISSING;

	if (c->cg->mode == CGROUP_MODE_UNKNOWN)
		add(c, feature, missing, false,
		    "no cgroup file system at /sys/fs/cgroup "
		    "(mount -t cgroup2 none /sys/fs/cgroup)");
	else if (!pc)
		add(c, feature, missing, false, "enable %s in the kernel", config);
	else if (!pc->enabled && strcmp(name, "memory") == 0)
		/* Raspberry Pi kernels switch the memory controller off by default. */
		add(c, feature, missing, false,
		    "switched off at boot: add cgroup_enable=memory cgroup_memory=1 to the kernel "
		    "command line (Raspberry Pi OS: /boot/firmware/cmdline.txt) and reboot");
	else if (!pc->enabled)
		add(c, feature, missing, false,
		    "switched off at boot: remove cgroup_disable=%s from the kernel command line",
		    name);
	else if (c->cg->mode == CGROUP_MODE_V2 && pc->hierarchy != 0)
		add(c, feature, missing, false,
		    "held by a cgroup v1 mount: unmount it, or boot with cgroup_no_v1=all");
	else if (c->cg->mode == CGROUP_MODE_V2)
		add(c, feature, missing, false, "not in /sys/fs/cgroup/cgroup.controllers");
	else
		add(c, feature, missing, false,
		    "not mounted (mkdir /sys/fs/cgroup/%s && mount -t cgroup -o %s cgroup "
		    "/sys/fs/cgroup/%s)",
		    name, name, name);
}

static void check_controllers(struct checks *c)
{
	static const struct {
		const char *feature, *name, *config;
	} ctrl[] = {
		{ "cpu controller", "cpu", "CONFIG_CGROUP_SCHED" },
		{ "memory controller", "memory", "CONFIG_MEMCG" },
		{ "pids controller", "pids", "CONFIG_CGROUP_PIDS" },
	};

	for (size_t i = 0; i < ARRAY_SIZE(ctrl); i++) {
		if (board_cgroups_has(c->cg, ctrl[i].name))
			add_ok(c, ctrl[i].feature, false);
		else
			controller_missing(c, ctrl[i].feature, ctrl[i].name, ctrl[i].config);
	}
}

static void check_overlayfs(struct checks *c)
{
	_cleanup_free_ char *fs = read_at(c->root, "/proc/filesystems");

	if (fs && strstr(fs, "\toverlay\n")) {
		add_ok(c, "overlayfs", true);
		return;
	}
	if (board_kmod_state(c->root, "overlay", NULL) == BOARD_CHECK_LOADABLE)
		add(c, "overlayfs", BOARD_CHECK_LOADABLE, true,
		    "module not loaded; the first mount loads it "
		    "(modprobe overlay to load it now)");
	else
		add(c, "overlayfs", BOARD_CHECK_MISSING, true,
		    "enable CONFIG_OVERLAY_FS; without it berth copies image layers (slower, more "
		    "disk)");
}

#ifdef CONFIG_NET
/* A feature that is a kernel module when not built in. */
static void check_module(struct checks *c, const char *feature, const char *module,
			 const char *marker, const char *config)
{
	switch (board_kmod_state(c->root, module, marker)) {
	case BOARD_CHECK_OK:
		add_ok(c, feature, false);
		break;
	case BOARD_CHECK_LOADABLE:
		add(c, feature, BOARD_CHECK_LOADABLE, false,
		    "module not loaded; the kernel loads it on first use (modprobe %s to load it "
		    "now)",
		    module);
		break;
	default:
		add(c, feature, BOARD_CHECK_MISSING, false, "enable %s in the kernel", config);
		break;
	}
}
#endif

static void check_network(struct checks *c)
{
#ifdef CONFIG_FIREWALL
	check_module(c, "nf_tables", "nf_tables", "nft_register_expr",
		     "CONFIG_NF_TABLES and CONFIG_NF_TABLES_INET");
#else
	add(c, "nf_tables", BOARD_CHECK_SKIPPED, false, "disabled in this build (CONFIG_FIREWALL)");
#endif
#ifdef CONFIG_NET
	check_module(c, "veth", "veth", "veth_newlink", "CONFIG_VETH");
	check_module(c, "bridge", "bridge", "br_dev_xmit", "CONFIG_BRIDGE");
#else
	add(c, "veth", BOARD_CHECK_SKIPPED, false, "disabled in this build (CONFIG_NET)");
	add(c, "bridge", BOARD_CHECK_SKIPPED, false, "disabled in this build (CONFIG_NET)");
#endif
}

size_t board_check_kernel_at(const char *root, const struct board_cgroups *cg,
			     struct board_check *out, size_t max)
{
	struct checks c = { .root = root, .cg = cg, .out = out, .max = max };

	check_namespaces(&c);
	check_controllers(&c);
	check_overlayfs(&c);
	check_network(&c);
	return c.n;
}

size_t board_check_kernel(const struct board_cgroups *cg, struct board_check *out, size_t max)
{
	return board_check_kernel_at("", cg, out, max);
}

size_t board_checks_missing(const struct board_check *checks, size_t n)
{
	size_t missing = 0;

	for (size_t i = 0; i < n; i++)
		missing += checks[i].state == BOARD_CHECK_MISSING && !checks[i].optional;
	return missing;
}

const char *board_check_state_name(enum board_check_state state)
{
	switch (state) {
	case BOARD_CHECK_OK:
		return "ok";
	case BOARD_CHECK_LOADABLE:
		return "loadable";
	case BOARD_CHECK_MISSING:
		return "missing";
	case BOARD_CHECK_SKIPPED:
		return "skipped";
	}
	return "unknown";
}
