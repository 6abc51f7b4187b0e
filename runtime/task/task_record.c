/* Task records: <state>/tasks/<id>/task.json, read and written whole,
 * atomically. The JSON form is in task_record_json.c. */
#include <errno.h>
#include <signal.h>
#include <string.h>

#include "task/task_priv.h"

#define RECORD_MAX_BYTES (1u << 20)

static int init_containers(struct task_record *rec, const struct task_def *td, struct berr *err)
{
	rec->containers = calloc(td->container_count, sizeof(*rec->containers));
	if (!rec->containers)
		return berr_set(err, ENOMEM, "out of memory");
	rec->container_count = td->container_count;
	for (size_t i = 0; i < td->container_count; i++) {
		struct task_container *c = &rec->containers[i];

		c->name = str_dup(td->containers[i].name, err);
		c->image = str_dup(td->containers[i].image, err);
		if (!c->name || !c->image)
			return -1;
		c->essential = td->containers[i].essential;
		c->status = TASK_PENDING;
	}
	return 0;
}

int record_init(struct task_record *rec, const char *id, const char *name,
		const struct task_def *td, struct berr *err)
{
	*rec = (struct task_record){ 0 };
	snprintf(rec->id, sizeof(rec->id), "%s", id);
	snprintf(rec->name, sizeof(rec->name), "%s", name ? name : "");
	rec->family = str_dup(td->family, err);
	if (!rec->family)
		return -1;
	/* A file run directly is, here, its family's one revision. */
	rec->revision = td->revision > 0 ? td->revision : 1;
	rec->cpu = td->cpu;
	rec->memory_mib = td->memory_mib;
	rec->last_status = TASK_PROVISIONING;
	rec->desired_status = TASK_RUNNING;
	rec->created_at = task_now();
	rec->monitor_pid = getpid();
	rec->monitor_start = task_proc_start(rec->monitor_pid);
	if (init_containers(rec, td, err) < 0) {
		record_free(rec);
		return -1;
	}
	return 0;
}

void record_free(struct task_record *rec)
{
	for (size_t i = 0; i < rec->container_count; i++) {
		free(rec->containers[i].name);
		free(rec->containers[i].image);
		free(rec->containers[i].image_digest);
	}
	free(rec->containers);
	free(rec->family);
	*rec = (struct task_record){ 0 };
}

static char *record_path(const struct paths *paths, const char *id, struct berr *err)
{
	return str_printf(err, "%s/tasks/%s/task.json", paths->state, id);
}

int record_read(const struct paths *paths, const char *id, struct task_record *rec,
		struct berr *err)
{
	_cleanup_free_ char *path = record_path(paths, id, err);
	_cleanup_cjson_ cJSON *j = NULL;

	*rec = (struct task_record){ 0 };
	if (!path)
		return -1;
	j = json_parse_file(path, RECORD_MAX_BYTES, err);
	if (!j)
		return -1;
	if (record_from_json(j, rec, err) < 0) {
		record_free(rec);
		return berr_prefix(err, "%s", path);
	}
	return 0;
}

int record_write(const struct paths *paths, struct task_record *rec, struct berr *err)
{
	_cleanup_free_ char *path = record_path(paths, rec->id, err);
	_cleanup_cjson_ cJSON *j = NULL;
	_cleanup_free_ char *text = NULL;

	if (!path)
		return -1;
	rec->version++;
	j = record_to_json(rec, true);
	text = j ? cJSON_Print(j) : NULL;
	if (!text)
		return berr_set(err, ENOMEM, "task %s: out of memory", rec->id);
	return fs_write_atomic(path, text, strlen(text), 0600, err);
}

void record_save(const struct paths *paths, struct task_record *rec)
{
	struct berr err = { 0 };

	if (record_write(paths, rec, &err) < 0)
		log_warn("task %s: record not saved: %s", rec->id, err.msg);
}

void record_stop(struct task_record *rec, enum task_stop_code code, const char *reason)
{
	if (rec->desired_status == TASK_STOPPED)
		return;
	rec->desired_status = TASK_STOPPED;
	rec->stop_code = code;
	snprintf(rec->stopped_reason, sizeof(rec->stopped_reason), "%s", reason);
	rec->stopping_at = task_now();
	/* DEACTIVATING would deregister from load balancers: nothing to do yet. */
	if (rec->last_status < TASK_STOPPING)
		rec->last_status = TASK_STOPPING;
}

int record_exit_code(const struct task_record *rec)
{
	const struct task_container *first = NULL;

	for (size_t i = 0; i < rec->container_count; i++) {
		const struct task_container *c = &rec->containers[i];

		if (c->essential && c->has_exit_code && (!first || c->stopped_at < first->stopped_at))
			first = c;
	}
	return first ? first->exit_code : -1;
}

bool record_monitor_alive(const struct task_record *rec)
{
	if (rec->monitor_pid <= 0)
		return false;
	if (kill(rec->monitor_pid, 0) < 0 && errno == ESRCH)
		return false;
	/* The same pid, started at the same tick: not a reused pid. */
	return task_proc_start(rec->monitor_pid) == rec->monitor_start;
}
