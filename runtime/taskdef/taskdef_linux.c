/* linuxParameters (capabilities, init, /dev/shm, tmpfs, devices) and ulimits. */
#include <ctype.h>
#include <limits.h>
#include <string.h>
#include <strings.h>
#include <sys/resource.h>

#include "taskdef/taskdef_priv.h"

/* capabilities(7), indexed by CAP_* number. */
static const char *const capability_names[] = {
	"CHOWN", "DAC_OVERRIDE", "DAC_READ_SEARCH", "FOWNER", "FSETID", "KILL", "SETGID",
	"SETUID", "SETPCAP", "LINUX_IMMUTABLE", "NET_BIND_SERVICE", "NET_BROADCAST", "NET_ADMIN",
	"NET_RAW", "IPC_LOCK", "IPC_OWNER", "SYS_MODULE", "SYS_RAWIO", "SYS_CHROOT", "SYS_PTRACE",
	"SYS_PACCT", "SYS_ADMIN", "SYS_BOOT", "SYS_NICE", "SYS_RESOURCE", "SYS_TIME",
	"SYS_TTY_CONFIG", "MKNOD", "LEASE", "AUDIT_WRITE", "AUDIT_CONTROL", "SETFCAP",
	"MAC_OVERRIDE", "MAC_ADMIN", "SYSLOG", "WAKE_ALARM", "BLOCK_SUSPEND", "AUDIT_READ",
	"PERFMON", "BPF", "CHECKPOINT_RESTORE",
};

int taskdef_capability_number(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(capability_names); i++)
		if (strcmp(name, capability_names[i]) == 0)
			return (int)i;
	return -1;
}

/* "cap_sys_ptrace" -> "SYS_PTRACE" in place. */
static void normalize_capability(char *name)
{
	if (strncasecmp(name, "CAP_", 4) == 0)
		memmove(name, name + 4, strlen(name + 4) + 1);
	for (char *s = name; *s; s++)
		*s = (char)toupper((unsigned char)*s);
}

static void parse_capability_list(struct td_ctx *ctx, const cJSON *caps, const char *path,
				  const char *name, struct taskdef_strv *out)
{
	bool fargate_add = strcmp(name, "add") == 0 && (ctx->td->compat & TASKDEF_COMPAT_FARGATE);
	char p[TD_PATH_MAX], ep[TD_PATH_MAX];

	td_get_strv(ctx, caps, path, name, out);
	td_path_member(p, path, name);
	for (size_t i = 0; i < out->n; i++) {
		char *cap = out->v[i];

		if (!cap || !cap[0])
			continue;
		normalize_capability(cap);
		td_path_index(ep, p, i);
		if (taskdef_capability_number(cap) < 0 && strcmp(cap, "ALL") != 0)
			td_error(ctx, ep, "\"%.60s\" is not a Linux capability (valid: names from "
					  "capabilities(7) like NET_BIND_SERVICE, or ALL)", cap);
		else if (fargate_add && strcmp(cap, "SYS_PTRACE") != 0)
			td_error(ctx, ep, "\"%s\" cannot be added to a FARGATE task (valid: "
					  "SYS_PTRACE)", cap);
	}
}

static void parse_capabilities(struct td_ctx *ctx, const cJSON *lobj, const char *path,
			       struct taskdef_linux_params *lp)
{
	static const char *const fields[] = { "add", "drop", NULL };
	const cJSON *caps = td_get_object(ctx, lobj, path, "capabilities");
	char p[TD_PATH_MAX];

	if (!caps)
		return;
	td_path_member(p, path, "capabilities");
	td_check_fields(ctx, caps, p, fields);
	parse_capability_list(ctx, caps, p, "add", &lp->cap_add);
	parse_capability_list(ctx, caps, p, "drop", &lp->cap_drop);
}

static bool is_tmpfs_option(const char *opt)
{
	static const char *const options[] = {
		"defaults", "ro", "rw", "suid", "nosuid", "dev", "nodev", "exec", "noexec", "sync",
		"async", "dirsync", "remount", "mand", "nomand", "atime", "noatime", "diratime",
		"nodiratime", "bind", "rbind", "unbindable", "runbindable", "private", "rprivate",
		"shared", "rshared", "slave", "rslave", "relatime", "norelatime", "strictatime",
		"nostrictatime", "mode", "uid", "gid", "nr_inodes", "nr_blocks", "mpol",
	};
	size_t key = strcspn(opt, "=");

	for (size_t i = 0; i < ARRAY_SIZE(options); i++)
		if (strlen(options[i]) == key && strncmp(opt, options[i], key) == 0)
			return true;
	return false;
}

static void parse_one_tmpfs(struct td_ctx *ctx, const cJSON *t, const char *path,
			    struct taskdef_tmpfs *out)
{
	static const char *const fields[] = { "containerPath", "size", "mountOptions", NULL };
	const char *cpath = td_require_string(ctx, t, path, "containerPath");
	char p[TD_PATH_MAX], ep[TD_PATH_MAX];

	td_check_fields(ctx, t, path, fields);
	td_path_member(p, path, "containerPath");
	if (cpath && !td_is_absolute_path(cpath))
		td_error(ctx, p, "\"%.200s\" is not an absolute path", cpath);
	out->container_path = td_strdup(ctx, cpath);
	td_path_member(p, path, "size");
	if (!td_member(t, "size"))
		td_error(ctx, p, "missing (required, in MiB)");
	td_get_long(ctx, t, path, "size", 1, LONG_MAX, "MiB", &out->size_mib);
	td_get_strv(ctx, t, path, "mountOptions", &out->mount_options);
	td_path_member(p, path, "mountOptions");
	for (size_t i = 0; i < out->mount_options.n; i++) {
		const char *opt = out->mount_options.v[i];

		td_path_index(ep, p, i);
		if (opt && opt[0] && !is_tmpfs_option(opt))
			td_error(ctx, ep, "\"%.60s\" is not a tmpfs mount option (valid: ECS's list, "
					  "e.g. noexec, nosuid, mode=1777)", opt);
	}
}

static void parse_tmpfs(struct td_ctx *ctx, const cJSON *lobj, const char *path,
			struct taskdef_linux_params *lp)
{
	const cJSON *array = td_get_array(ctx, lobj, path, "tmpfs");
	size_t n = (size_t)cJSON_GetArraySize(array);
	char p[TD_PATH_MAX], ep[TD_PATH_MAX];

	lp->tmpfs = td_calloc(ctx, n, sizeof(*lp->tmpfs));
	if (!lp->tmpfs)
		return;
	lp->tmpfs_count = n;
	td_path_member(p, path, "tmpfs");
	for (size_t i = 0; i < n; i++) {
		const cJSON *t = td_array_object(ctx, array, p, i, ep);

		if (t)
			parse_one_tmpfs(ctx, t, ep, &lp->tmpfs[i]);
	}
}

void td_parse_linux(struct td_ctx *ctx, const cJSON *cobj, const char *path,
		    struct container_def *c)
{
	static const char *const fields[] = {
		"capabilities", "devices", "initProcessEnabled", "sharedMemorySize", "tmpfs",
		"maxSwap", "swappiness", NULL,
	};
	struct taskdef_linux_params *lp = &c->linux_params;
	const cJSON *lobj = td_get_object(ctx, cobj, path, "linuxParameters");
	char p[TD_PATH_MAX];

	if (!lobj)
		return;
	td_path_member(p, path, "linuxParameters");
	td_check_fields(ctx, lobj, p, fields);
	td_get_bool(ctx, lobj, p, "initProcessEnabled", &lp->init_process_enabled);
	td_get_long(ctx, lobj, p, "sharedMemorySize", 1, LONG_MAX, "MiB", &lp->shared_memory_mib);
	parse_capabilities(ctx, lobj, p, lp);
	parse_tmpfs(ctx, lobj, p, lp);
	td_reject_if_set(ctx, lobj, p, "devices",
			 "host devices are not supported (as on Fargate)");
	td_ignore_if_set(ctx, lobj, p, "maxSwap", "tasks do not swap, as on Fargate");
	td_ignore_if_set(ctx, lobj, p, "swappiness", "tasks do not swap, as on Fargate");
}

/* ---- ulimits ------------------------------------------------------------- */

static const struct {
	const char *name;
	int resource;
} ulimit_names[] = {
	{ "core", RLIMIT_CORE },	 { "cpu", RLIMIT_CPU },
	{ "data", RLIMIT_DATA },	 { "fsize", RLIMIT_FSIZE },
	{ "locks", RLIMIT_LOCKS },	 { "memlock", RLIMIT_MEMLOCK },
	{ "msgqueue", RLIMIT_MSGQUEUE }, { "nice", RLIMIT_NICE },
	{ "nofile", RLIMIT_NOFILE },	 { "nproc", RLIMIT_NPROC },
	{ "rss", RLIMIT_RSS },		 { "rtprio", RLIMIT_RTPRIO },
	{ "rttime", RLIMIT_RTTIME },	 { "sigpending", RLIMIT_SIGPENDING },
	{ "stack", RLIMIT_STACK },
};

static int ulimit_index(struct td_ctx *ctx, const cJSON *u, const char *path)
{
	const char *names[ARRAY_SIZE(ulimit_names)];
	char p[TD_PATH_MAX];

	for (size_t i = 0; i < ARRAY_SIZE(ulimit_names); i++)
		names[i] = ulimit_names[i].name;
	if (!td_member(u, "name")) {
		td_path_member(p, path, "name");
		td_error(ctx, p, "missing (required)");
		return -1;
	}
	return td_get_enum(ctx, u, path, "name", names, ARRAY_SIZE(names), false);
}

/* -1 is unlimited, above any number. */
static bool soft_above_hard(long long soft, long long hard)
{
	if (hard == -1)
		return false;
	return soft == -1 || soft > hard;
}

static void parse_ulimit(struct td_ctx *ctx, const cJSON *u, const char *path,
			 struct taskdef_ulimit *out)
{
	static const char *const fields[] = { "name", "softLimit", "hardLimit", NULL };
	int idx = ulimit_index(ctx, u, path);
	long soft = 0, hard = 0;
	bool have_soft, have_hard;
	char p[TD_PATH_MAX];

	td_check_fields(ctx, u, path, fields);
	have_soft = td_get_long(ctx, u, path, "softLimit", -1, LONG_MAX, NULL, &soft);
	have_hard = td_get_long(ctx, u, path, "hardLimit", -1, LONG_MAX, NULL, &hard);
	if (!td_member(u, "softLimit") || !td_member(u, "hardLimit")) {
		td_path_member(p, path, td_member(u, "softLimit") ? "hardLimit" : "softLimit");
		td_error(ctx, p, "missing (required; -1 means unlimited)");
	}
	if (have_soft && have_hard && soft_above_hard(soft, hard)) {
		td_path_member(p, path, "softLimit");
		td_error(ctx, p, "%ld is above hardLimit %ld (valid: at most the hard limit)", soft,
			 hard);
	}
	if (idx < 0)
		return;
	out->name = ulimit_names[idx].name;
	out->resource = ulimit_names[idx].resource;
	out->soft = soft;
	out->hard = hard;
}

static void check_ulimit_unique(struct td_ctx *ctx, const struct container_def *c, size_t i,
				const char *path)
{
	char p[TD_PATH_MAX];

	for (size_t j = 0; j < i; j++) {
		if (!c->ulimits[i].name || c->ulimits[j].name != c->ulimits[i].name)
			continue;
		td_path_member(p, path, "name");
		td_error(ctx, p, "\"%s\" is already set by ulimits[%zu]", c->ulimits[i].name, j);
		return;
	}
}

void td_parse_ulimits(struct td_ctx *ctx, const cJSON *cobj, const char *path,
		      struct container_def *c)
{
	const cJSON *array = td_get_array(ctx, cobj, path, "ulimits");
	size_t n = (size_t)cJSON_GetArraySize(array);
	char p[TD_PATH_MAX], ep[TD_PATH_MAX];

	c->ulimits = td_calloc(ctx, n, sizeof(*c->ulimits));
	if (!c->ulimits)
		return;
	c->ulimit_count = n;
	td_path_member(p, path, "ulimits");
	for (size_t i = 0; i < n; i++) {
		const cJSON *u = td_array_object(ctx, array, p, i, ep);

		if (!u)
			continue;
		parse_ulimit(ctx, u, ep, &c->ulimits[i]);
		check_ulimit_unique(ctx, c, i, ep);
	}
}
