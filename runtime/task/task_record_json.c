/* A task record as JSON: the DescribeTasks task object (ARNs, statuses,
 * sizes as strings, epoch-second timestamps), plus in the record file the
 * monitor's identity and which containers are essential. */
#include <errno.h>
#include <string.h>

#include "task/task_priv.h"

#define ARN_PREFIX "arn:aws:ecs:local:000000000000:"

/* cJSON's Add* return NULL on failure; one flag collects them all. */
struct jw {
	bool failed;
};

static void put_str(struct jw *w, cJSON *o, const char *name, const char *v)
{
	if (!cJSON_AddStringToObject(o, name, v))
		w->failed = true;
}

static void put_num(struct jw *w, cJSON *o, const char *name, double v)
{
	if (!cJSON_AddNumberToObject(o, name, v))
		w->failed = true;
}

static void put_time(struct jw *w, cJSON *o, const char *name, double v)
{
	if (v > 0)
		put_num(w, o, name, v);
}

static void put_fmt(struct jw *w, cJSON *o, const char *name, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static void put_fmt(struct jw *w, cJSON *o, const char *name, const char *fmt, ...)
{
	_cleanup_free_ char *s = NULL;
	va_list ap;

	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0)
		s = NULL;
	va_end(ap);
	if (!s)
		w->failed = true;
	else
		put_str(w, o, name, s);
}

static cJSON *container_json(struct jw *w, const struct task_record *rec, size_t i, bool internal)
{
	const struct task_container *c = &rec->containers[i];
	cJSON *o = cJSON_CreateObject();

	if (!o) {
		w->failed = true;
		return NULL;
	}
	put_fmt(w, o, "containerArn", ARN_PREFIX "container/default/%s/%s", rec->id, c->name);
	put_fmt(w, o, "taskArn", ARN_PREFIX "task/default/%s", rec->id);
	put_str(w, o, "name", c->name);
	put_str(w, o, "image", c->image);
	if (c->image_digest)
		put_str(w, o, "imageDigest", c->image_digest);
	put_fmt(w, o, "runtimeId", "%s-%zu", rec->id, i);
	put_str(w, o, "lastStatus", task_state_name(c->status));
	if (c->has_exit_code)
		put_num(w, o, "exitCode", c->exit_code);
	if (c->reason[0])
		put_str(w, o, "reason", c->reason);
	put_str(w, o, "healthStatus", "UNKNOWN");
	/* From the task definition: which exit stops the task. */
	if (!cJSON_AddBoolToObject(o, "essential", c->essential))
		w->failed = true;
	if (internal) {
		put_time(w, o, "startedAt", c->started_at);
		put_time(w, o, "stoppedAt", c->stopped_at);
	}
	return o;
}

static void put_times(struct jw *w, cJSON *o, const struct task_record *rec)
{
	put_time(w, o, "createdAt", rec->created_at);
	put_time(w, o, "pullStartedAt", rec->pull_started_at);
	put_time(w, o, "pullStoppedAt", rec->pull_stopped_at);
	put_time(w, o, "startedAt", rec->started_at);
	put_time(w, o, "stoppingAt", rec->stopping_at);
	put_time(w, o, "executionStoppedAt", rec->execution_stopped_at);
	put_time(w, o, "stoppedAt", rec->stopped_at);
}

static void put_monitor(struct jw *w, cJSON *o, const struct task_record *rec)
{
	cJSON *m = cJSON_AddObjectToObject(o, "monitor");

	if (!m) {
		w->failed = true;
		return;
	}
	put_num(w, m, "pid", rec->monitor_pid);
	put_num(w, m, "startTime", (double)rec->monitor_start);
}

cJSON *record_to_json(const struct task_record *rec, bool internal)
{
	_cleanup_cjson_ cJSON *o = cJSON_CreateObject();
	struct jw w = { .failed = !o };
	cJSON *cs;

	if (!o)
		return NULL;
	put_fmt(&w, o, "taskArn", ARN_PREFIX "task/default/%s", rec->id);
	put_fmt(&w, o, "taskDefinitionArn", ARN_PREFIX "task-definition/%s:%ld", rec->family,
		rec->revision);
	put_str(&w, o, "clusterArn", ARN_PREFIX "cluster/default");
	if (rec->name[0])
		put_str(&w, o, "name", rec->name);
	put_fmt(&w, o, "group", "family:%s", rec->family);
	put_str(&w, o, "lastStatus", task_state_name(rec->last_status));
	put_str(&w, o, "desiredStatus", task_state_name(rec->desired_status));
	put_fmt(&w, o, "cpu", "%ld", rec->cpu);
	put_fmt(&w, o, "memory", "%ld", rec->memory_mib);
	put_times(&w, o, rec);
	if (rec->stop_code != TASK_STOP_NONE)
		put_str(&w, o, "stopCode", task_stop_code_name(rec->stop_code));
	if (rec->stopped_reason[0])
		put_str(&w, o, "stoppedReason", rec->stopped_reason);
	put_str(&w, o, "healthStatus", "UNKNOWN");
	put_num(&w, o, "version", (double)rec->version);
	cs = cJSON_AddArrayToObject(o, "containers");
	for (size_t i = 0; cs && i < rec->container_count; i++)
		if (!cJSON_AddItemToArray(cs, container_json(&w, rec, i, internal)))
			w.failed = true;
	if (internal)
		put_monitor(&w, o, rec);
	else if (rec->last_status != TASK_STOPPED && !record_monitor_alive(rec) &&
		 !cJSON_AddBoolToObject(o, "monitorGone", true))
		w.failed = true;
	return w.failed || !cs ? NULL : steal_ptr(o);
}

/* ---- reading ------------------------------------------------------------ */

static const char *get_str(const cJSON *o, const char *name)
{
	const cJSON *v = json_get(o, name);

	return cJSON_IsString(v) ? v->valuestring : NULL;
}

static double get_num(const cJSON *o, const char *name)
{
	const cJSON *v = json_get(o, name);

	return cJSON_IsNumber(v) ? v->valuedouble : 0;
}

static int state_from(const char *s, enum task_state *out)
{
	for (int i = TASK_PROVISIONING; s && i <= TASK_STOPPED; i++)
		if (!strcmp(s, task_state_name(i))) {
			*out = i;
			return 0;
		}
	return -1;
}

static enum task_stop_code stop_code_from(const char *s)
{
	for (int i = TASK_STOP_FAILED_TO_START; s && i <= TASK_STOP_USER_INITIATED; i++)
		if (!strcmp(s, task_stop_code_name(i)))
			return i;
	return TASK_STOP_NONE;
}

static int dup_member(const cJSON *o, const char *name, char **out, struct berr *err)
{
	const char *s = get_str(o, name);

	if (!s)
		return berr_set(err, EINVAL, "no \"%s\"", name);
	*out = str_dup(s, err);
	return *out ? 0 : -1;
}

static int container_from(const cJSON *o, struct task_container *c, struct berr *err)
{
	const char *reason = get_str(o, "reason");
	const cJSON *exit_code = json_get(o, "exitCode");

	if (dup_member(o, "name", &c->name, err) < 0 || dup_member(o, "image", &c->image, err) < 0)
		return -1;
	if (get_str(o, "imageDigest") && dup_member(o, "imageDigest", &c->image_digest, err) < 0)
		return -1;
	if (state_from(get_str(o, "lastStatus"), &c->status) < 0)
		return berr_set(err, EINVAL, "container %s: no valid lastStatus", c->name);
	c->essential = cJSON_IsTrue(json_get(o, "essential"));
	c->has_exit_code = cJSON_IsNumber(exit_code);
	c->exit_code = c->has_exit_code ? exit_code->valueint : 0;
	snprintf(c->reason, sizeof(c->reason), "%s", reason ? reason : "");
	c->started_at = get_num(o, "startedAt");
	c->stopped_at = get_num(o, "stoppedAt");
	return 0;
}

static int containers_from(const cJSON *arr, struct task_record *rec, struct berr *err)
{
	size_t n = (size_t)cJSON_GetArraySize(arr);
	const cJSON *c;
	size_t i = 0;

	if (!cJSON_IsArray(arr) || n == 0 || n > TASK_CONTAINERS_MAX)
		return berr_set(err, EINVAL, "no valid \"containers\"");
	rec->containers = calloc(n, sizeof(*rec->containers));
	if (!rec->containers)
		return berr_set(err, ENOMEM, "out of memory");
	rec->container_count = n;
	cJSON_ArrayForEach(c, arr) {
		if (container_from(c, &rec->containers[i++], err) < 0)
			return -1;
	}
	return 0;
}

/* The id is the last part of the ARN. */
static int id_from(const cJSON *j, struct task_record *rec, struct berr *err)
{
	const char *arn = get_str(j, "taskArn");
	const char *slash = arn ? strrchr(arn, '/') : NULL;

	if (!slash || !task_id_valid(slash + 1))
		return berr_set(err, EINVAL, "no valid \"taskArn\"");
	snprintf(rec->id, sizeof(rec->id), "%s", slash + 1);
	return 0;
}

/* family:<revision> from the task definition ARN. */
static int family_from(const cJSON *j, struct task_record *rec, struct berr *err)
{
	const char *arn = get_str(j, "taskDefinitionArn");
	const char *slash = arn ? strrchr(arn, '/') : NULL;
	const char *colon = slash ? strrchr(slash, ':') : NULL;

	if (!colon)
		return berr_set(err, EINVAL, "no valid \"taskDefinitionArn\"");
	rec->family = strndup(slash + 1, (size_t)(colon - slash - 1));
	if (!rec->family)
		return berr_set(err, ENOMEM, "out of memory");
	rec->revision = strtol(colon + 1, NULL, 10);
	return 0;
}

static void times_from(const cJSON *j, struct task_record *rec)
{
	rec->created_at = get_num(j, "createdAt");
	rec->pull_started_at = get_num(j, "pullStartedAt");
	rec->pull_stopped_at = get_num(j, "pullStoppedAt");
	rec->started_at = get_num(j, "startedAt");
	rec->stopping_at = get_num(j, "stoppingAt");
	rec->execution_stopped_at = get_num(j, "executionStoppedAt");
	rec->stopped_at = get_num(j, "stoppedAt");
}

int record_from_json(const cJSON *j, struct task_record *rec, struct berr *err)
{
	const cJSON *mon = json_get(j, "monitor");
	const char *name = get_str(j, "name"), *reason = get_str(j, "stoppedReason");

	if (id_from(j, rec, err) < 0 || family_from(j, rec, err) < 0)
		return -1;
	if (state_from(get_str(j, "lastStatus"), &rec->last_status) < 0 ||
	    state_from(get_str(j, "desiredStatus"), &rec->desired_status) < 0)
		return berr_set(err, EINVAL, "no valid \"lastStatus\" or \"desiredStatus\"");
	snprintf(rec->name, sizeof(rec->name), "%s", name ? name : "");
	rec->cpu = strtol(get_str(j, "cpu") ? get_str(j, "cpu") : "0", NULL, 10);
	rec->memory_mib = strtol(get_str(j, "memory") ? get_str(j, "memory") : "0", NULL, 10);
	rec->stop_code = stop_code_from(get_str(j, "stopCode"));
	snprintf(rec->stopped_reason, sizeof(rec->stopped_reason), "%s", reason ? reason : "");
	rec->version = (long)get_num(j, "version");
	times_from(j, rec);
	rec->monitor_pid = (pid_t)get_num(mon, "pid");
	rec->monitor_start = (unsigned long long)get_num(mon, "startTime");
	return containers_from(json_get(j, "containers"), rec, err);
}
