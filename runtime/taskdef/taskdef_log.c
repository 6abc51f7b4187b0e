/* logConfiguration, and secrets (shared with logConfiguration.secretOptions). */
#include <string.h>

#include "taskdef/taskdef_priv.h"

#define DEFAULT_MAX_BUFFER_BYTES (1ULL << 20) /* docker's and ECS's 1m */

/* Drivers ECS knows that need a service a board does not have. */
static const char *const cloud_drivers[] = {
	"awsfirelens", "splunk", "fluentd", "gelf", "syslog", "journald",
};

static const char *const awslogs_options[] = {
	"awslogs-group", "awslogs-region", "awslogs-stream-prefix", "awslogs-create-group",
	"awslogs-datetime-format", "awslogs-multiline-pattern", "awslogs-endpoint",
	"awslogs-credentials-endpoint", "mode", "max-buffer-size", NULL,
};
static const char *const json_file_options[] = {
	"max-size", "max-file", "compress", "labels", "env", "env-regex", "tag", "mode",
	"max-buffer-size", NULL,
};
static const char *const none_options[] = { NULL };

static int parse_driver(struct td_ctx *ctx, const cJSON *lobj, const char *path)
{
	const char *driver = td_require_string(ctx, lobj, path, "logDriver");
	char p[TD_PATH_MAX];

	if (!driver)
		return -1;
	for (size_t i = 0; i < ARRAY_SIZE(td_log_driver_names); i++)
		if (strcmp(driver, td_log_driver_names[i]) == 0)
			return (int)i;
	td_path_member(p, path, "logDriver");
	for (size_t i = 0; i < ARRAY_SIZE(cloud_drivers); i++) {
		if (strcmp(driver, cloud_drivers[i]) == 0) {
			td_error(ctx, p, "\"%s\" is not available on a board (valid: awslogs, "
					 "json-file, none)", driver);
			return -1;
		}
	}
	td_error(ctx, p, "\"%.60s\" is not valid (valid: awslogs, json-file, none)", driver);
	return -1;
}

static void check_size_option(struct td_ctx *ctx, const char *path, const char *value,
			      unsigned long long *bytes)
{
	if (td_parse_bytes(value, bytes) < 0)
		td_error(ctx, path, "\"%.60s\" is not a size (valid: bytes, or a number with k, m "
				    "or g like \"25m\")", value);
}

static void check_option(struct td_ctx *ctx, struct taskdef_log *log, const char *path,
			 const char *name, const char *value)
{
	unsigned long long bytes = 0;
	long files;

	if (strcmp(name, "mode") == 0 && strcmp(value, "non-blocking") == 0)
		log->mode = TASKDEF_LOG_NON_BLOCKING;
	else if (strcmp(name, "mode") == 0 && strcmp(value, "blocking") != 0)
		td_error(ctx, path, "\"%.60s\" is not valid (valid: blocking, non-blocking)", value);
	else if (strcmp(name, "max-buffer-size") == 0)
		check_size_option(ctx, path, value, &log->max_buffer_bytes);
	else if (strcmp(name, "max-size") == 0)
		check_size_option(ctx, path, value, &bytes);
	else if (strcmp(name, "max-file") == 0 && str_to_long(value, 1, 1000, &files) < 0)
		td_error(ctx, path, "\"%.60s\" is not valid (valid: 1-1000 files)", value);
	else if (strcmp(name, "awslogs-create-group") == 0 && strcmp(value, "true") != 0 &&
		 strcmp(value, "false") != 0)
		td_error(ctx, path, "\"%.60s\" is not valid (valid: true, false)", value);
}

static bool is_listed(const char *name, const char *const *list)
{
	for (; *list; list++)
		if (strcmp(name, *list) == 0)
			return true;
	return false;
}

static void parse_options(struct td_ctx *ctx, const cJSON *lobj, const char *path,
			  struct taskdef_log *log, const char *const *known)
{
	const cJSON *opts = td_get_object(ctx, lobj, path, "options");
	size_t n = (size_t)cJSON_GetArraySize(opts);
	char p[TD_PATH_MAX], op[TD_PATH_MAX];
	const cJSON *opt;

	log->options = td_calloc(ctx, n, sizeof(*log->options));
	if (!log->options)
		return;
	td_path_member(p, path, "options");
	cJSON_ArrayForEach(opt, opts) {
		struct taskdef_kv *kv = &log->options[log->option_count++];

		td_path_member(op, p, opt->string);
		if (!cJSON_IsString(opt)) {
			char given[96];

			td_error(ctx, op, "expected a string, got %s",
				 json_describe(opt, given, sizeof(given)));
			continue;
		}
		if (!is_listed(opt->string, known))
			td_warn(ctx, op, "unknown option, ignored");
		check_option(ctx, log, op, opt->string, opt->valuestring);
		kv->name = td_strdup(ctx, opt->string);
		kv->value = td_strdup(ctx, opt->valuestring);
	}
}

static void finish_mode(struct td_ctx *ctx, const cJSON *lobj, const char *path,
			struct taskdef_log *log)
{
	char p[TD_PATH_MAX];

	if (log->mode == TASKDEF_LOG_NON_BLOCKING && !log->max_buffer_bytes)
		log->max_buffer_bytes = DEFAULT_MAX_BUFFER_BYTES;
	if (log->mode == TASKDEF_LOG_BLOCKING && log->max_buffer_bytes) {
		td_path_member(p, path, "options.max-buffer-size");
		td_warn(ctx, p, "ignored (only used with mode non-blocking)");
		log->max_buffer_bytes = 0;
	}
	if (log->driver == TASKDEF_LOG_AWSLOGS &&
	    !td_member(td_member(lobj, "options"), "awslogs-group")) {
		td_path_member(p, path, "options.awslogs-group");
		td_error(ctx, p, "missing (required by awslogs: it names the log folder)");
	}
}

void td_parse_log(struct td_ctx *ctx, const cJSON *cobj, const char *path,
		  struct container_def *c)
{
	static const char *const fields[] = { "logDriver", "options", "secretOptions", NULL };
	static const char *const *const known_options[] = {
		json_file_options, awslogs_options, none_options,
	};
	const cJSON *lobj = td_get_object(ctx, cobj, path, "logConfiguration");
	struct taskdef_log *log = &c->log;
	char p[TD_PATH_MAX], sp[TD_PATH_MAX];
	int driver;

	if (!lobj)
		return;
	td_path_member(p, path, "logConfiguration");
	td_check_fields(ctx, lobj, p, fields);
	driver = parse_driver(ctx, lobj, p);
	if (driver < 0)
		return;
	log->driver = (enum taskdef_log_driver)driver;
	parse_options(ctx, lobj, p, log, known_options[driver]);
	finish_mode(ctx, lobj, p, log);
	td_path_member(sp, p, "secretOptions");
	td_parse_secrets(ctx, td_get_array(ctx, lobj, p, "secretOptions"), sp,
			 &log->secret_options, &log->secret_option_count);
}

/* ---- secrets ------------------------------------------------------------- */

#ifdef CONFIG_SECRETS
void td_parse_secrets(struct td_ctx *ctx, const cJSON *array, const char *path,
		      struct taskdef_secret **out, size_t *count)
{
	static const char *const fields[] = { "name", "valueFrom", NULL };
	size_t n = (size_t)cJSON_GetArraySize(array);
	char ep[TD_PATH_MAX], p[TD_PATH_MAX];

	*out = td_calloc(ctx, n, sizeof(**out));
	if (!*out)
		return;
	*count = n;
	for (size_t i = 0; i < n; i++) {
		const cJSON *s = td_array_object(ctx, array, path, i, ep);
		const char *name, *from;

		if (!s)
			continue;
		td_check_fields(ctx, s, ep, fields);
		name = td_require_string(ctx, s, ep, "name");
		from = td_require_string(ctx, s, ep, "valueFrom");
		if (name && !name[0]) {
			td_path_member(p, ep, "name");
			td_error(ctx, p, "is empty (valid: a variable name)");
		}
		if (from && !from[0]) {
			td_path_member(p, ep, "valueFrom");
			td_error(ctx, p, "is empty (valid: a secret's ARN or name)");
		}
		(*out)[i].name = td_strdup(ctx, name);
		(*out)[i].value_from = td_strdup(ctx, from);
	}
}
#else
void td_parse_secrets(struct td_ctx *ctx, const cJSON *array, const char *path,
		      struct taskdef_secret **out, size_t *count)
{
	*out = NULL;
	*count = 0;
	if (cJSON_GetArraySize(array) > 0)
		td_error(ctx, path, "secrets are disabled in this build of berth (CONFIG_SECRETS)");
}
#endif
