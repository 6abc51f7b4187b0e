/* containerDefinitions: one container's own fields. Its parts with rules of
 * their own (ports, healthCheck, linuxParameters, logs, dependsOn) have
 * their own files; references between containers are resolved later. */
#include <limits.h>
#include <string.h>

#include "taskdef/taskdef_priv.h"

#define MAX_CONTAINERS 10 /* ECS's limit per task definition */

static const char *const container_fields[] = {
	"name", "image", "essential", "entryPoint", "command", "workingDirectory", "user",
	"hostname", "environment", "environmentFiles", "secrets", "portMappings", "healthCheck",
	"stopTimeout", "startTimeout", "dependsOn", "readonlyRootFilesystem", "interactive",
	"pseudoTerminal", "privileged", "linuxParameters", "ulimits", "cpu", "memory",
	"memoryReservation", "logConfiguration", "mountPoints", "volumesFrom", "links",
	"dnsServers", "dnsSearchDomains", "extraHosts", "dockerSecurityOptions", "systemControls",
	"dockerLabels", "repositoryCredentials", "restartPolicy", "disableNetworking",
	"versionConsistency", "firelensConfiguration", "resourceRequirements", "credentialSpecs",
	NULL,
};

/* ECS: letters, digits and - _ : . / # (and @ before a digest). */
static bool is_image_reference(const char *s)
{
	static const char allowed[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
				      "0123456789-_:./#@";
	const char *at = strchr(s, '@');
	size_t name_len = at ? (size_t)(at - s) : strlen(s);

	return s[0] && name_len <= 255 && strspn(s, allowed) == strlen(s);
}

static void parse_identity(struct td_ctx *ctx, const cJSON *cobj, const char *path,
			   struct container_def *c)
{
	const char *name = td_require_string(ctx, cobj, path, "name");
	const char *image = td_require_string(ctx, cobj, path, "image");
	char p[TD_PATH_MAX];

	if (name) {
		td_path_member(p, path, "name");
		td_check_ecs_name(ctx, p, name);
		c->name = td_strdup(ctx, name);
	}
	if (image && !is_image_reference(image)) {
		td_path_member(p, path, "image");
		td_error(ctx, p, "\"%.200s\" is not an image reference (valid: repository[:tag] or "
				 "repository@sha256:digest)", image);
	} else if (image) {
		c->image = td_strdup(ctx, image);
	}
	td_get_bool(ctx, cobj, path, "essential", &c->essential);
}

static void parse_process(struct td_ctx *ctx, const cJSON *cobj, const char *path,
			  struct container_def *c)
{
	const char *s = NULL;
	char p[TD_PATH_MAX];

	td_get_strv(ctx, cobj, path, "entryPoint", &c->entry_point);
	td_get_strv(ctx, cobj, path, "command", &c->command);
	if (td_get_string(ctx, cobj, path, "workingDirectory", &s)) {
		td_path_member(p, path, "workingDirectory");
		if (!td_is_absolute_path(s))
			td_error(ctx, p, "\"%.200s\" is not an absolute path (valid: a path in the "
					 "container starting with /)", s);
		c->working_directory = td_strdup(ctx, s);
	}
	if (td_get_string(ctx, cobj, path, "user", &s))
		c->user = td_strdup(ctx, s);
	td_get_bool(ctx, cobj, path, "readonlyRootFilesystem", &c->readonly_root_filesystem);
	td_get_bool(ctx, cobj, path, "interactive", &c->interactive);
	td_get_bool(ctx, cobj, path, "pseudoTerminal", &c->pseudo_terminal);
	td_get_int(ctx, cobj, path, "stopTimeout", 2, 120, "seconds", &c->stop_timeout_s);
	td_get_int(ctx, cobj, path, "startTimeout", 2, 120, "seconds", &c->start_timeout_s);
}

static void parse_environment(struct td_ctx *ctx, const cJSON *cobj, const char *path,
			      struct container_def *c)
{
	static const char *const fields[] = { "name", "value", NULL };
	const cJSON *array = td_get_array(ctx, cobj, path, "environment");
	size_t n = (size_t)cJSON_GetArraySize(array);
	char p[TD_PATH_MAX], ep[TD_PATH_MAX], np[TD_PATH_MAX];

	c->environment = td_calloc(ctx, n, sizeof(*c->environment));
	if (!c->environment)
		return;
	c->environment_count = n;
	td_path_member(p, path, "environment");
	for (size_t i = 0; i < n; i++) {
		const cJSON *e = td_array_object(ctx, array, p, i, ep);
		const char *name, *value = "";

		if (!e)
			continue;
		td_check_fields(ctx, e, ep, fields);
		name = td_require_string(ctx, e, ep, "name");
		td_get_string(ctx, e, ep, "value", &value);
		if (name && !name[0]) {
			td_path_member(np, ep, "name");
			td_error(ctx, np, "is empty (valid: a variable name)");
		}
		c->environment[i].name = td_strdup(ctx, name);
		c->environment[i].value = td_strdup(ctx, value);
	}
}

/* ECS reads environmentFiles from S3; on a board they are local files. */
static void parse_environment_files(struct td_ctx *ctx, const cJSON *cobj, const char *path,
				    struct container_def *c)
{
	static const char *const fields[] = { "value", "type", NULL };
	static const char *const types[] = { "file", "s3" };
	const cJSON *array = td_get_array(ctx, cobj, path, "environmentFiles");
	size_t n = (size_t)cJSON_GetArraySize(array);
	char p[TD_PATH_MAX], ep[TD_PATH_MAX], vp[TD_PATH_MAX];

	c->environment_files.v = td_calloc(ctx, n, sizeof(char *));
	if (!c->environment_files.v)
		return;
	td_path_member(p, path, "environmentFiles");
	for (size_t i = 0; i < n; i++) {
		const cJSON *f = td_array_object(ctx, array, p, i, ep);
		const char *value;
		int type;

		if (!f)
			continue;
		td_check_fields(ctx, f, ep, fields);
		value = td_require_string(ctx, f, ep, "value");
		type = td_get_enum(ctx, f, ep, "type", types, ARRAY_SIZE(types), false);
		td_path_member(vp, ep, "value");
		if (!td_member(f, "type")) {
			td_path_member(vp, ep, "type");
			td_error(ctx, vp, "missing (required; valid: file)");
		} else if (type == 1) {
			td_error(ctx, vp, "files on S3 are not available offline; copy the file to "
					  "the board and use {\"type\": \"file\", \"value\": \"/path\"}");
		} else if (value && !td_is_absolute_path(value)) {
			td_error(ctx, vp, "\"%.200s\" is not an absolute path (valid: a file on the "
					  "board starting with /)", value);
		} else if (value && type == 0) {
			c->environment_files.v[c->environment_files.n++] = td_strdup(ctx, value);
		}
	}
}

static void parse_resources(struct td_ctx *ctx, const cJSON *cobj, const char *path,
			    struct container_def *c)
{
	char p[TD_PATH_MAX];

	td_get_long(ctx, cobj, path, "cpu", 0, LONG_MAX, "cpu units", &c->cpu);
	td_get_long(ctx, cobj, path, "memory", 6, LONG_MAX, "MiB", &c->memory_mib);
	td_get_long(ctx, cobj, path, "memoryReservation", 1, LONG_MAX, "MiB",
		    &c->memory_reservation_mib);
	if (c->memory_mib && c->memory_reservation_mib > c->memory_mib) {
		td_path_member(p, path, "memoryReservation");
		td_error(ctx, p, "%ld is more than the container's memory %ld (valid: at most %ld)",
			 c->memory_reservation_mib, c->memory_mib, c->memory_mib);
	}
}

static void parse_network_options(struct td_ctx *ctx, const cJSON *cobj, const char *path,
				  struct container_def *c)
{
	enum taskdef_network_mode mode = ctx->td->network_mode;
	const char *hostname = NULL;
	char p[TD_PATH_MAX];

	if (td_get_string(ctx, cobj, path, "hostname", &hostname)) {
		td_path_member(p, path, "hostname");
		if (mode == TASKDEF_NETWORK_AWSVPC)
			td_error(ctx, p, "not supported with networkMode awsvpc (as on ECS)");
		c->hostname = td_strdup(ctx, hostname);
	}
	td_get_strv(ctx, cobj, path, "links", &c->links);
	if (c->links.n && mode != TASKDEF_NETWORK_BRIDGE) {
		td_path_member(p, path, "links");
		td_error(ctx, p, "only supported with networkMode bridge (in %s mode containers "
				 "reach each other on localhost)", taskdef_network_mode_name(mode));
	}
	td_parse_ports(ctx, cobj, path, c);
	td_ignore_if_set(ctx, cobj, path, "dnsServers", "tasks use the board's DNS settings");
	td_ignore_if_set(ctx, cobj, path, "dnsSearchDomains", "tasks use the board's DNS settings");
	td_ignore_if_set(ctx, cobj, path, "extraHosts", "not supported by berth");
	td_ignore_if_set(ctx, cobj, path, "disableNetworking", "use networkMode none");
}

/* Fields with no effect on a board warn; those whose absence would change
 * what runs are refused. */
static void parse_unsupported(struct td_ctx *ctx, const cJSON *cobj, const char *path)
{
	td_reject_if_set(ctx, cobj, path, "privileged",
			 "privileged containers are not supported (as on Fargate)");
	td_reject_if_set(ctx, cobj, path, "firelensConfiguration",
			 "FireLens is not available on a board");
	td_reject_if_set(ctx, cobj, path, "resourceRequirements",
			 "GPUs and inference accelerators are not available on a board");
	td_reject_if_set(ctx, cobj, path, "credentialSpecs",
			 "Active Directory credential specs are not available on a board");
	td_ignore_if_set(ctx, cobj, path, "dockerSecurityOptions",
			 "berth applies its own confinement");
	td_ignore_if_set(ctx, cobj, path, "systemControls", "not supported by berth");
	td_ignore_if_set(ctx, cobj, path, "repositoryCredentials",
			 "images are loaded offline with berth image load");
	td_ignore_if_set(ctx, cobj, path, "restartPolicy",
			 "container restart policies are not supported by berth yet");
}

static void parse_container(struct td_ctx *ctx, const cJSON *cobj, const char *path,
			    struct container_def *c)
{
	const cJSON *secrets;
	char p[TD_PATH_MAX];

	c->essential = true;
	c->stop_timeout_s = 30;
	td_check_fields(ctx, cobj, path, container_fields);
	parse_identity(ctx, cobj, path, c);
	parse_process(ctx, cobj, path, c);
	parse_environment(ctx, cobj, path, c);
	parse_environment_files(ctx, cobj, path, c);
	secrets = td_get_array(ctx, cobj, path, "secrets");
	td_path_member(p, path, "secrets");
	td_parse_secrets(ctx, secrets, p, &c->secrets, &c->secret_count);
	parse_resources(ctx, cobj, path, c);
	parse_network_options(ctx, cobj, path, c);
	td_parse_health(ctx, cobj, path, c);
	td_parse_linux(ctx, cobj, path, c);
	td_parse_ulimits(ctx, cobj, path, c);
	td_parse_log(ctx, cobj, path, c);
	td_parse_mounts(ctx, cobj, path, c);
	td_parse_depends_on(ctx, cobj, path, c);
	parse_unsupported(ctx, cobj, path);
}

static void check_names_and_essential(struct td_ctx *ctx)
{
	const struct task_def *td = ctx->td;
	bool essential = false;
	char p[TD_PATH_MAX];

	for (size_t i = 0; i < td->container_count; i++) {
		const struct container_def *c = &td->containers[i];
		long first = td_container_index(td, c->name);

		essential |= c->essential;
		if (first < 0 || (size_t)first == i)
			continue;
		td_path_index(p, "containerDefinitions", i);
		td_path_member(p, p, "name");
		td_error(ctx, p, "\"%.100s\" is already the name of containerDefinitions[%ld]",
			 c->name, first);
	}
	if (!essential)
		td_error(ctx, "containerDefinitions",
			 "no container is essential (at least one must be: \"essential\": true)");
}

void td_parse_containers(struct td_ctx *ctx, const cJSON *root)
{
	struct task_def *td = ctx->td;
	const cJSON *array = td_get_array(ctx, root, "", "containerDefinitions");
	size_t n = (size_t)cJSON_GetArraySize(array);
	char p[TD_PATH_MAX];

	if (!td_member(root, "containerDefinitions"))
		td_error(ctx, "containerDefinitions", "missing (required)");
	else if (array && (n == 0 || n > MAX_CONTAINERS))
		td_error(ctx, "containerDefinitions", "%zu containers (valid: 1-%d)", n,
			 MAX_CONTAINERS);
	if (n == 0 || n > MAX_CONTAINERS)
		return;
	td->containers = td_calloc(ctx, n, sizeof(*td->containers));
	if (!td->containers)
		return;
	td->container_count = n;
	for (size_t i = 0; i < n; i++) {
		const cJSON *cobj = td_array_object(ctx, array, "containerDefinitions", i, p);

		if (cobj)
			parse_container(ctx, cobj, p, &td->containers[i]);
	}
	check_names_and_essential(ctx);
}
