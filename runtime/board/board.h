/* board: what this machine is and what it can give to tasks.
 * Loads the board description (an override in <etc>/board.json, else the
 * detected Raspberry Pi model, else the board chosen at build time), and
 * checks the kernel features berth needs. */
#ifndef BERTH_BOARD_H
#define BERTH_BOARD_H

#include <stdbool.h>

#include "lib/lib.h"

/* The architecture this berth binary is built for. */
#if defined(__aarch64__)
#define BOARD_BUILD_ARCH "arm64"
#elif defined(__x86_64__)
#define BOARD_BUILD_ARCH "x86_64"
#else
#error "berth is built for arm64 and x86_64 only"
#endif

struct board {
	char name[64];       /* "rpi4", "rpi5", "graviton", "qemu-virt", "pc" */
	char model[128];     /* detected model text, else a description of the configured board */
	char source[32];     /* how it was chosen: "detected", "configured", "BERTH_BOARD",
			      * "override" */
	char arch[16];       /* "arm64" or "x86_64" (ECS: ARM64 / X86_64) */
	int vcpus;           /* the configured count, or fewer when the machine has fewer */
	long memory_mib;     /* the same for memory (MemTotal of /proc/meminfo) */
	int vcpus_configured;        /* as board.json says; 0 for "auto" (detected) */
	long memory_configured_mib;  /* as board.json says; 0 for "auto" (detected) */
	long reserved_cpu_units;     /* kept for the host, never given to tasks */
	long reserved_memory_mib;
	char subnet[32];     /* task subnet CIDR, e.g. "10.88.0.0/24" */
	char bridge[16];     /* e.g. "berth0" */
	bool nat;
};

/* Picks and loads the board, first match wins:
 *  1. <paths->etc>/board.json ("override"): any field of board.json; the
 *     fields it leaves out come from the board that 2-4 would pick;
 *  2. the environment variable BERTH_BOARD=<built-in name> ("BERTH_BOARD"),
 *     for tests and for trying another board's settings;
 *  3. /proc/device-tree/model naming a Raspberry Pi 4 or 5 ("detected");
 *  4. CONFIG_BOARD, or by architecture when empty: qemu-virt on arm64, pc on
 *     x86_64 ("configured").
 * Fails, naming the file or setting, on an invalid field, on a board of
 * another architecture than this binary's, or when the reserves leave
 * nothing of this machine. Unknown fields in board.json are warned about. */
int board_load(const struct paths *paths, struct board *board, struct berr *err);
/* "<paths->etc>/board.json", the override file (heap; NULL and err on failure). */
char *board_override_path(const struct paths *paths, struct berr *err);
/* Fargate units: vCPU x 1024 less the reserve; MiB less the reserve. */
long board_usable_cpu_units(const struct board *board);
long board_usable_memory_mib(const struct board *board);
/* "ARM64" or "X86_64", as runtimePlatform.cpuArchitecture spells it. */
const char *board_ecs_arch(const struct board *board);

/* ---- cgroups ------------------------------------------------------------ */

/* How /sys/fs/cgroup is set up: v2 (cgroup2 there), v1 (tmpfs of v1
 * hierarchies), hybrid (v1 plus a cgroup2 mount at /sys/fs/cgroup/unified,
 * which berth does not use for limits), unknown (no cgroup fs mounted). */
enum cgroup_mode { CGROUP_MODE_UNKNOWN, CGROUP_MODE_V1, CGROUP_MODE_HYBRID, CGROUP_MODE_V2 };
/* "unknown", "v1", "hybrid", "v2". */
const char *cgroup_mode_name(enum cgroup_mode mode);
enum cgroup_mode board_cgroup_mode(void);

struct board_cgroups {
	enum cgroup_mode mode;
	/* Controllers berth can use, space separated, in the kernel's order:
	 * v2: the root's cgroup.controllers; v1 and hybrid: those /proc/cgroups
	 * lists as enabled and bound to a v1 hierarchy. */
	char controllers[256];
	char v2_mount[32]; /* "/sys/fs/cgroup", "/sys/fs/cgroup/unified", or "" */
};
void board_cgroups_probe(struct board_cgroups *cg);
bool board_cgroups_has(const struct board_cgroups *cg, const char *controller);

/* ---- kernel features ---------------------------------------------------- */

enum board_check_state {
	BOARD_CHECK_OK,
	BOARD_CHECK_LOADABLE, /* a module not loaded yet; the kernel loads it on first use */
	BOARD_CHECK_MISSING,
	BOARD_CHECK_SKIPPED,  /* disabled in this build (CONFIG_NET, CONFIG_FIREWALL) */
};
/* "ok", "loadable", "missing", "skipped". */
const char *board_check_state_name(enum board_check_state state);

struct board_check {
	const char *feature; /* "pid namespace", "memory controller", "overlayfs", "veth", ... */
	enum board_check_state state;
	bool optional;       /* berth works without it: user namespaces; overlayfs (copies) */
	char detail[192];    /* unless ok: what to do about it, or why it was skipped */
};

/* Enough for every check board_check_kernel makes. */
#define BOARD_CHECKS_MAX 16

/* Looks (never loads modules or changes anything) for the namespaces,
 * cgroup controllers (as cg found them), overlayfs, nf_tables, veth and
 * bridge. Fills up to max entries and returns how many. */
size_t board_check_kernel(const struct board_cgroups *cg, struct board_check *out, size_t max);
/* Required features missing (loadable modules and optional ones don't count). */
size_t board_checks_missing(const struct board_check *checks, size_t n);

#endif
