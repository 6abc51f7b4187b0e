/* The mounts a task definition asks for: linuxParameters.tmpfs and
 * mountPoints (volumes bound from the host). volumesFrom is resolved by
 * the caller into mountPoints-like volume sources, not here. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>

#include "task/spawn_child.h"

/* Docker's defaults for a tmpfs, which mountOptions may undo ("exec"). */
#define TMPFS_DEFAULT_FLAGS (MS_NOSUID | MS_NODEV | MS_NOEXEC)

struct flag_option {
	const char *name;
	unsigned long set, clear;
};

/* ECS's mountOptions (the validator accepts exactly these names). */
static const struct flag_option flag_options[] = {
	{ "ro", MS_RDONLY, 0 },
	{ "rw", 0, MS_RDONLY },
	{ "nosuid", MS_NOSUID, 0 },
	{ "suid", 0, MS_NOSUID },
	{ "nodev", MS_NODEV, 0 },
	{ "dev", 0, MS_NODEV },
	{ "noexec", MS_NOEXEC, 0 },
	{ "exec", 0, MS_NOEXEC },
	{ "sync", MS_SYNCHRONOUS, 0 },
	{ "async", 0, MS_SYNCHRONOUS },
	{ "dirsync", MS_DIRSYNC, 0 },
	{ "noatime", MS_NOATIME, 0 },
	{ "atime", 0, MS_NOATIME },
	{ "nodiratime", MS_NODIRATIME, 0 },
	{ "diratime", 0, MS_NODIRATIME },
	{ "relatime", MS_RELATIME, 0 },
	{ "norelatime", 0, MS_RELATIME },
	{ "strictatime", MS_STRICTATIME, 0 },
	{ "nostrictatime", 0, MS_STRICTATIME },
	/* Accepted, and meaningless for a new tmpfs (mandatory locks are
	 * gone from Linux since 5.15), as docker treats them. */
	{ "defaults", 0, 0 },
	{ "remount", 0, 0 },
	{ "bind", 0, 0 },
	{ "rbind", 0, 0 },
	{ "mand", 0, 0 },
	{ "nomand", 0, 0 },
};

static const struct flag_option propagation_options[] = {
	{ "private", MS_PRIVATE, 0 },	       { "rprivate", MS_PRIVATE | MS_REC, 0 },
	{ "shared", MS_SHARED, 0 },	       { "rshared", MS_SHARED | MS_REC, 0 },
	{ "slave", MS_SLAVE, 0 },	       { "rslave", MS_SLAVE | MS_REC, 0 },
	{ "unbindable", MS_UNBINDABLE, 0 }, { "runbindable", MS_UNBINDABLE | MS_REC, 0 },
};

static const struct flag_option *find_option(const struct flag_option *table, size_t n,
					     const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(table[i].name, name) == 0)
			return &table[i];
	return NULL;
}

struct tmpfs_mount {
	unsigned long flags;
	unsigned long propagation; /* 0: as the parent mount */
	char *data;                /* "size=64m,mode=1777,..." */
};

/* Appends a "key=value" option (mode=, uid=, gid=, nr_inodes=, ...) to data. */
static int add_data_option(struct tmpfs_mount *m, const char *opt, struct berr *err)
{
	char *more = str_printf(err, "%s,%s", m->data, opt);

	if (!more)
		return -1;
	free(m->data);
	m->data = more;
	return 0;
}

static int parse_tmpfs(const struct taskdef_tmpfs *t, struct tmpfs_mount *m, struct berr *err)
{
	m->flags = TMPFS_DEFAULT_FLAGS;
	m->data = str_printf(err, "size=%ldm", t->size_mib);
	if (!m->data)
		return -1;
	for (size_t i = 0; i < t->mount_options.n; i++) {
		const char *opt = t->mount_options.v[i];
		const struct flag_option *f = find_option(flag_options, ARRAY_SIZE(flag_options), opt);
		const struct flag_option *p =
			find_option(propagation_options, ARRAY_SIZE(propagation_options), opt);

		if (f)
			m->flags = (m->flags | f->set) & ~f->clear;
		else if (p)
			m->propagation = p->set;
		else if (!strchr(opt, '='))
			return berr_set(err, EINVAL, "tmpfs %s: \"%s\" is not a mount option",
					t->container_path, opt);
		else if (add_data_option(m, opt, err) < 0)
			return -1;
	}
	return 0;
}

static int mount_one_tmpfs(struct spawn_child *c, const struct taskdef_tmpfs *t)
{
	struct tmpfs_mount m = { 0 };
	_cleanup_close_ int fd = -1, mounted = -1;
	char path[32];
	int rc;

	if (parse_tmpfs(t, &m, &c->err) < 0) {
		free(m.data);
		return -1;
	}
	fd = spawn_mkdir_in_root(c->root_fd, t->container_path, &c->err);
	rc = fd < 0 ? -1
		    : spawn_mount_on("tmpfs", fd, "tmpfs", m.flags, m.data, t->container_path,
				     &c->err);
	free(m.data);
	if (rc < 0 || !m.propagation)
		return rc;
	mounted = spawn_open_in_root(c->root_fd, t->container_path, O_PATH | O_DIRECTORY, &c->err);
	if (mounted < 0)
		return -1;
	if (mount(NULL, spawn_fd_path(mounted, path), NULL, m.propagation, NULL) < 0)
		return berr_sys(&c->err, "set the propagation of %s", t->container_path);
	return 0;
}

int spawn_mount_tmpfs(struct spawn_child *c)
{
	const struct taskdef_linux_params *lp = &c->spec->def->linux_params;

	for (size_t i = 0; i < lp->tmpfs_count; i++)
		if (mount_one_tmpfs(c, &lp->tmpfs[i]) < 0)
			return -1;
	return 0;
}

/* The host path is bound over the container path (a directory or a file,
 * like its source), recursively, then made read-only when asked. */
static int mount_volume(struct spawn_child *c, const struct taskdef_mount *mp)
{
	const char *source = c->spec->volume_sources ? c->spec->volume_sources[mp->volume] : NULL;
	const char *target = mp->container_path;
	_cleanup_close_ int fd = -1, bound = -1;
	char path[32];
	struct stat st;

	if (!source)
		return berr_set(&c->err, EINVAL, "mount %s: volume %s has no host path", target,
				mp->source_volume);
	if (stat(source, &st) < 0)
		return berr_sys(&c->err, "mount %s: volume %s: %s", target, mp->source_volume, source);
	fd = S_ISDIR(st.st_mode) ? spawn_mkdir_in_root(c->root_fd, target, &c->err)
				 : spawn_mkfile_in_root(c->root_fd, target, &c->err);
	if (fd < 0 || spawn_bind_on(source, fd, MS_REC, target, &c->err) < 0)
		return -1;
	if (!mp->read_only)
		return 0;
	bound = spawn_open_in_root(c->root_fd, target, O_PATH, &c->err);
	if (bound < 0)
		return -1;
	return spawn_remount_ro(spawn_fd_path(bound, path), 0, target, &c->err);
}

int spawn_mount_volumes(struct spawn_child *c)
{
	const struct container_def *def = c->spec->def;

	for (size_t i = 0; i < def->mount_count; i++)
		if (mount_volume(c, &def->mounts[i]) < 0)
			return -1;
	return 0;
}
