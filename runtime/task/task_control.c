/* Tasks from the outside: find, describe, list, stop, remove. A task whose
 * monitor is gone is stopped here: its resources torn down from the
 * record, the record marked STOPPED. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/file.h>
#include <time.h>

#include "task/task_priv.h"

#define STOP_POLL_MS 100

/* Calls fn for each task id under <state>/tasks; stops at its first failure. */
static int for_each_id(const struct paths *paths, int (*fn)(const char *id, void *arg),
		       void *arg, struct berr *err)
{
	_cleanup_free_ char *dir = str_printf(err, "%s/tasks", paths->state);
	DIR *d;
	struct dirent *e;
	int rc = 0;

	if (!dir)
		return -1;
	d = opendir(dir);
	if (!d)
		return errno == ENOENT ? 0 : berr_sys(err, "open %s", dir);
	while (rc == 0 && (errno = 0, e = readdir(d)))
		if (task_id_valid(e->d_name))
			rc = fn(e->d_name, arg);
	if (rc == 0 && errno)
		rc = berr_sys(err, "read %s", dir);
	closedir(d);
	return rc;
}

/* ---- find --------------------------------------------------------------- */

struct find {
	const struct paths *paths;
	const char *arg;
	char by_name[TASK_ID_LEN + 1];
	char prefix[TASK_ID_LEN + 1];
	size_t prefix_matches;
	char list[512];
};

static int find_one(const char *id, void *arg)
{
	struct find *f = arg;
	struct task_record rec;
	struct berr ignored;
	size_t len = strlen(f->list);

	if (!strncmp(id, f->arg, strlen(f->arg))) {
		if (f->prefix_matches++ == 0)
			snprintf(f->prefix, sizeof(f->prefix), "%s", id);
		if (len < sizeof(f->list))
			snprintf(f->list + len, sizeof(f->list) - len, "%s%s", len ? ", " : "", id);
	}
	if (record_read(f->paths, id, &rec, &ignored) == 0) {
		if (rec.name[0] && !strcmp(rec.name, f->arg))
			snprintf(f->by_name, sizeof(f->by_name), "%s", id);
		record_free(&rec);
	}
	return 0;
}

int task_find(const struct paths *paths, const char *arg, char task_id[TASK_ID_LEN + 1],
	      struct berr *err)
{
	struct find f = { .paths = paths, .arg = arg };
	const char *found;

	if (!arg[0])
		return berr_set(err, EINVAL, "no task given");
	if (for_each_id(paths, find_one, &f, err) < 0)
		return -1;
	/* A full id, then a name, then a unique prefix. */
	if (f.by_name[0] && strcmp(f.prefix, arg) != 0)
		found = f.by_name;
	else if (f.prefix_matches == 1)
		found = f.prefix;
	else if (f.prefix_matches > 1)
		return berr_set(err, EINVAL, "%s matches %zu tasks: %s (give more of the id)", arg,
				f.prefix_matches, f.list);
	else
		return berr_set(err, ENOENT, "no task %s (see berth ps -a)", arg);
	snprintf(task_id, TASK_ID_LEN + 1, "%s", found);
	return 0;
}

/* ---- describe, list ----------------------------------------------------- */

cJSON *task_describe(const struct paths *paths, const char *task_id, struct berr *err)
{
	struct task_record rec;
	cJSON *j;

	if (record_read(paths, task_id, &rec, err) < 0)
		return NULL;
	j = record_to_json(&rec, false);
	record_free(&rec);
	if (!j)
		berr_set(err, ENOMEM, "out of memory");
	return j;
}

struct list {
	const struct paths *paths;
	bool all;
	cJSON *arr;
	struct berr *err;
};

static double created_at(const cJSON *t)
{
	const cJSON *v = json_get(t, "createdAt");

	return cJSON_IsNumber(v) ? v->valuedouble : 0;
}

/* Newest first: insert before the first older one. */
static void insert_sorted(cJSON *arr, cJSON *t)
{
	cJSON *e;
	int i = 0;

	cJSON_ArrayForEach(e, arr) {
		if (created_at(e) < created_at(t)) {
			cJSON_InsertItemInArray(arr, i, t);
			return;
		}
		i++;
	}
	cJSON_AddItemToArray(arr, t);
}

static int list_one(const char *id, void *arg)
{
	struct list *l = arg;
	struct berr ignored;
	struct task_record rec;
	cJSON *t;

	if (record_read(l->paths, id, &rec, &ignored) < 0) {
		log_debug("task %s: %s", id, ignored.msg); /* one being made or removed */
		return 0;
	}
	t = l->all || rec.last_status != TASK_STOPPED ? record_to_json(&rec, false) : NULL;
	if (!t && (l->all || rec.last_status != TASK_STOPPED)) {
		record_free(&rec);
		return berr_set(l->err, ENOMEM, "out of memory");
	}
	if (t)
		insert_sorted(l->arr, t);
	record_free(&rec);
	return 0;
}

cJSON *task_list(const struct paths *paths, bool all, struct berr *err)
{
	struct list l = { .paths = paths, .all = all, .arr = cJSON_CreateArray(), .err = err };

	if (!l.arr)
		return berr_set(err, ENOMEM, "out of memory"), NULL;
	if (for_each_id(paths, list_one, &l, err) < 0) {
		cJSON_Delete(l.arr);
		return NULL;
	}
	return l.arr;
}

/* ---- stop --------------------------------------------------------------- */

static int lock_task(const struct paths *paths, const char *id, struct berr *err)
{
	_cleanup_free_ char *dir = task_state_dir(paths, id, err);
	int fd = dir ? open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC) : -1;

	if (fd < 0)
		return dir ? berr_sys(err, "open %s", dir) : -1;
	while (flock(fd, LOCK_EX) < 0)
		if (errno != EINTR) {
			close(fd);
			return berr_sys(err, "lock %s", dir);
		}
	return fd;
}

static void settle_containers(struct task_record *rec, double now)
{
	for (size_t i = 0; i < rec->container_count; i++) {
		struct task_container *c = &rec->containers[i];

		if (c->status == TASK_STOPPED)
			continue;
		c->status = TASK_STOPPED;
		c->stopped_at = now;
		snprintf(c->reason, sizeof(c->reason), "%s", TASK_REASON_MONITOR_GONE);
	}
}

/* The monitor is gone: tear down what it left, from the record. Under the
 * task's lock, so that two berth commands do not both do it. */
static int recover(const struct paths *paths, const char *id, struct berr *err)
{
	_cleanup_close_ int lock = lock_task(paths, id, err);
	struct task_record rec;
	int rc = 0;

	if (lock < 0 || record_read(paths, id, &rec, err) < 0)
		return -1;
	if (rec.last_status != TASK_STOPPED && !record_monitor_alive(&rec)) {
		record_stop(&rec, TASK_STOP_USER_INITIATED, TASK_REASON_MONITOR_GONE);
		rc = task_teardown(paths, id, rec.container_count, NULL, err);
		if (rc == 0) {
			rec.stopped_at = rec.execution_stopped_at = task_now();
			settle_containers(&rec, rec.stopped_at);
			rec.last_status = TASK_STOPPED;
			rc = record_write(paths, &rec, err);
		}
	}
	record_free(&rec);
	return rc;
}

int task_stop(const struct paths *paths, const char *task_id, const char *reason,
	      struct berr *err)
{
	const struct timespec pause = { 0, STOP_POLL_MS * 1000000L };
	struct berr ignored = { 0 };

	for (bool asked = false;;) {
		struct task_record rec;
		bool stopped, alive;

		if (record_read(paths, task_id, &rec, err) < 0)
			return -1;
		stopped = rec.last_status == TASK_STOPPED;
		alive = record_monitor_alive(&rec);
		record_free(&rec);
		if (stopped)
			return 0;
		if (!alive)
			return recover(paths, task_id, err);
		/* The monitor closes the connection once the task is STOPPED. */
		if (!asked && task_sock_request_stop(paths, task_id, reason ? reason : TASK_STOP_REASON_USER,
						     &ignored) == 0)
			asked = true;
		else if (!asked)
			log_debug("%s", ignored.msg);
		nanosleep(&pause, NULL);
	}
}

/* ---- remove ------------------------------------------------------------- */

int task_remove(const struct paths *paths, const char *task_id, bool force, struct berr *err)
{
	_cleanup_free_ char *dir = task_state_dir(paths, task_id, err);
	struct task_record rec;
	enum task_state state;
	size_t containers;

	if (!dir || record_read(paths, task_id, &rec, err) < 0)
		return -1;
	state = rec.last_status;
	containers = rec.container_count;
	record_free(&rec);
	if (state != TASK_STOPPED && !force)
		return berr_set(err, EBUSY, "task %s is %s: stop it first (berth stop %.*s) or use rm -f",
				task_id, task_state_name(state), TASK_SHORT_ID_LEN, task_id);
	if (state != TASK_STOPPED && task_stop(paths, task_id, NULL, err) < 0)
		return -1;
	/* Anything an earlier teardown could not remove goes now, or rm fails. */
	if (task_teardown(paths, task_id, containers, NULL, err) < 0)
		return -1;
	return task_remove_tree(dir, err);
}
