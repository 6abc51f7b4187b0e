/* The container's user, from the image's own /etc/passwd and /etc/group
 * (read after pivot_root; parsed here: a static binary has no NSS, and
 * the host's databases must not be used), with docker's rules:
 *   "name" / "uid"        the passwd entry's uid, gid, home; supplementary
 *                         groups are the groups listing the name
 *   "name:group" / ":gid" the given group only, no supplementary groups
 *   a numeric uid or gid without an entry is used as it is (gid 0, home /)
 *   an unknown name fails: "unable to find user web: no matching entries
 *   in passwd file". */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>

#include "task/spawn_child.h"

#define DB_MAX_BYTES (4u << 20)
#define ID_MAX 2147483647L /* as runc: ids are positive 32-bit signed ints */
#define FIELDS_MAX 7       /* name:password:uid:gid:gecos:home:shell */

/* The whole file, "" when it does not exist. Opened without blocking and
 * refused unless a regular file (an image's /etc/passwd could be a FIFO
 * that never ends), then read through the same open file. */
static char *read_db(const char *path, struct berr *err)
{
	_cleanup_close_ int fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	char self[32];
	struct stat st;
	char *text;

	if (fd < 0 && errno == ENOENT)
		return str_dup("", err);
	if (fd < 0)
		return berr_sys(err, "open %s", path), NULL;
	if (fstat(fd, &st) < 0)
		return berr_sys(err, "stat %s", path), NULL;
	if (!S_ISREG(st.st_mode))
		return berr_set(err, EINVAL, "%s is not a regular file", path), NULL;
	text = fs_read_file(spawn_fd_path(fd, self), DB_MAX_BYTES, NULL, err);
	if (!text)
		berr_set(err, err->code, "read %s: %s", path, strerror(err->code));
	return text;
}

/* One line split at ':'; fields past the last are "". */
struct db_line {
	char *field[FIELDS_MAX];
	size_t count;
};

typedef bool (*db_match_fn)(const struct db_line *line, void *ctx);

/* Calls match with each line of db, split in place (each database is
 * scanned once), until it returns true: true then, false when no line matched. */
static bool scan_db(char *db, db_match_fn match, void *ctx)
{
	for (char *text; (text = strsep(&db, "\n")) != NULL;) {
		struct db_line line = { 0 };

		while (line.count < FIELDS_MAX && text)
			line.field[line.count++] = strsep(&text, ":");
		for (size_t i = line.count; i < FIELDS_MAX; i++)
			line.field[i] = "";
		if (match(&line, ctx))
			return true;
	}
	return false;
}

static bool parse_id(const char *s, long *id)
{
	return str_to_long(s, 0, ID_MAX, id) == 0;
}

/* A passwd or group lookup: by number when arg is numeric, else by name. */
struct lookup {
	const char *arg;
	bool numeric;
	long id;
	/* found (name and home point into the database): */
	const char *name, *home;
	long uid_or_gid, gid;
};

static void lookup_init(struct lookup *l, const char *arg)
{
	*l = (struct lookup){ .arg = arg };
	l->numeric = parse_id(arg, &l->id);
}

static bool entry_matches(const struct lookup *l, const struct db_line *line, long id)
{
	return l->numeric ? id == l->id : strcmp(line->field[0], l->arg) == 0;
}

static bool match_passwd(const struct db_line *line, void *ctx)
{
	struct lookup *l = ctx;
	long uid, gid;

	if (line->count < 4 || !parse_id(line->field[2], &uid) || !parse_id(line->field[3], &gid))
		return false;
	if (!entry_matches(l, line, uid))
		return false;
	l->name = line->field[0];
	l->home = line->field[5];
	l->uid_or_gid = uid;
	l->gid = gid;
	return true;
}

static bool match_group(const struct db_line *line, void *ctx)
{
	struct lookup *l = ctx;
	long gid;

	if (line->count < 3 || !parse_id(line->field[2], &gid) || !entry_matches(l, line, gid))
		return false;
	l->uid_or_gid = gid;
	return true;
}

/* Supplementary groups: every group whose member list names the user. */
static bool lists_member(char *members, const char *user)
{
	for (char *m; (m = strsep(&members, ",")) != NULL;)
		if (strcmp(m, user) == 0)
			return true;
	return false;
}

/* ctx: the user; its groups array has room for one per line of the file. */
static bool match_member(const struct db_line *line, void *ctx)
{
	struct spawn_user *u = ctx;
	long gid;

	if (line->count >= 4 && parse_id(line->field[2], &gid) &&
	    lists_member(line->field[3], u->name))
		u->groups[u->group_count++] = (gid_t)gid;
	return false;
}

static int find_user(const char *arg, struct spawn_user *u, struct berr *err)
{
	_cleanup_free_ char *db = read_db("/etc/passwd", err);
	struct lookup l;
	bool found;

	if (!db)
		return -1;
	lookup_init(&l, arg);
	found = scan_db(db, match_passwd, &l);
	if (!found && !l.numeric)
		return berr_set(err, ENOENT, "unable to find user %s: no matching entries in passwd file", arg);
	u->uid = (uid_t)(found ? l.uid_or_gid : l.id);
	u->gid = (gid_t)(found ? l.gid : 0);
	u->home = str_dup(found && l.home[0] ? l.home : "/", err);
	u->name = found ? str_dup(l.name, err) : NULL;
	return u->home && (u->name || !found) ? 0 : -1;
}

static int find_group(char *group_db, const char *arg, struct spawn_user *u, struct berr *err)
{
	struct lookup l;
	bool found;

	lookup_init(&l, arg);
	found = scan_db(group_db, match_group, &l);
	if (!found && !l.numeric)
		return berr_set(err, ENOENT, "unable to find group %s: no matching entries in group file", arg);
	u->gid = (gid_t)(found ? l.uid_or_gid : l.id);
	return 0;
}

/* groups gets room for one group per line of db, then those listing the user. */
static int find_memberships(char *db, struct spawn_user *u, struct berr *err)
{
	size_t lines = 1;

	for (const char *p = db; *p; p++)
		lines += *p == '\n';
	u->groups = calloc(lines, sizeof(*u->groups));
	if (!u->groups)
		return berr_set(err, ENOMEM, "read /etc/group: out of memory");
	scan_db(db, match_member, u);
	return 0;
}

/* The explicit group, else the supplementary groups of a user found by name. */
static int find_groups(const char *group_arg, struct spawn_user *u, struct berr *err)
{
	_cleanup_free_ char *db = NULL;

	if (!group_arg && !u->name)
		return 0;
	db = read_db("/etc/group", err);
	if (!db)
		return -1;
	return group_arg ? find_group(db, group_arg, u, err) : find_memberships(db, u, err);
}

int spawn_user_resolve(const char *spec, struct spawn_user *u, struct berr *err)
{
	_cleanup_free_ char *copy = str_dup(spec && spec[0] ? spec : "0", err);
	char *group_arg;

	*u = (struct spawn_user){ 0 };
	if (!copy)
		return -1;
	group_arg = strchr(copy, ':');
	if (group_arg)
		*group_arg++ = '\0';
	if (find_user(copy[0] ? copy : "0", u, err) < 0 || find_groups(group_arg, u, err) < 0) {
		spawn_user_clear(u);
		return -1;
	}
	return 0;
}

void spawn_user_clear(struct spawn_user *u)
{
	free(u->name);
	free(u->groups);
	free(u->home);
	*u = (struct spawn_user){ 0 };
}
