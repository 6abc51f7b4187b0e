/* volumes: host bind mounts, task scratch space, named volumes; the cloud
 * file systems are refused with what to use instead. */
#include <string.h>

#include "taskdef/taskdef_priv.h"

static const char *const volume_fields[] = {
	"name", "host", "dockerVolumeConfiguration", "efsVolumeConfiguration",
	"fsxWindowsFileServerVolumeConfiguration", "s3filesVolumeConfiguration",
	"configuredAtLaunch", NULL,
};

static void parse_host(struct td_ctx *ctx, const cJSON *vobj, const char *path,
		       struct taskdef_volume *v)
{
	static const char *const fields[] = { "sourcePath", NULL };
	const cJSON *host = td_get_object(ctx, vobj, path, "host");
	const char *source = NULL;
	char p[TD_PATH_MAX];

	if (!host)
		return;
	td_path_member(p, path, "host");
	td_check_fields(ctx, host, p, fields);
	/* ECS: a host without sourcePath is a path the runtime chooses. */
	if (!td_get_string(ctx, host, p, "sourcePath", &source))
		return;
	td_path_member(p, p, "sourcePath");
	if (!td_is_absolute_path(source)) {
		td_error(ctx, p, "\"%.200s\" is not an absolute path (valid: a path on the board "
				 "starting with /)", source);
		return;
	}
	v->kind = TASKDEF_VOLUME_HOST;
	v->host_path = td_strdup(ctx, source);
}

static void parse_named(struct td_ctx *ctx, const cJSON *vobj, const char *path,
			struct taskdef_volume *v)
{
	static const char *const fields[] = {
		"scope", "autoprovision", "driver", "driverOpts", "labels", NULL,
	};
	static const char *const drivers[] = { "local" };
	const cJSON *docker = td_get_object(ctx, vobj, path, "dockerVolumeConfiguration");
	char p[TD_PATH_MAX], ap[TD_PATH_MAX];
	int scope;

	if (!docker)
		return;
	td_path_member(p, path, "dockerVolumeConfiguration");
	if (td_member(vobj, "host")) {
		td_error(ctx, p, "cannot be combined with host (choose one)");
		return;
	}
	v->kind = TASKDEF_VOLUME_NAMED;
	td_check_fields(ctx, docker, p, fields);
	scope = td_get_enum(ctx, docker, p, "scope", td_scope_names, ARRAY_SIZE(td_scope_names),
			    false);
	if (scope >= 0)
		v->scope = (enum taskdef_volume_scope)scope;
	td_get_bool(ctx, docker, p, "autoprovision", &v->autoprovision);
	if (v->autoprovision && v->scope != TASKDEF_SCOPE_SHARED) {
		td_path_member(ap, p, "autoprovision");
		td_error(ctx, ap, "true needs scope \"shared\" (a task-scoped volume is always new)");
	}
	td_get_enum(ctx, docker, p, "driver", drivers, ARRAY_SIZE(drivers), false);
	td_ignore_if_set(ctx, docker, p, "driverOpts", "driver options are not supported by berth");
}

static void reject_cloud_storage(struct td_ctx *ctx, const cJSON *vobj, const char *path)
{
	td_reject_if_set(ctx, vobj, path, "efsVolumeConfiguration",
			 "EFS is not available offline; use a host volume (host.sourcePath)");
	td_reject_if_set(ctx, vobj, path, "fsxWindowsFileServerVolumeConfiguration",
			 "FSx for Windows File Server is not available on a board");
	td_reject_if_set(ctx, vobj, path, "s3filesVolumeConfiguration",
			 "S3 file systems are not available offline; use a host volume "
			 "(host.sourcePath)");
	td_reject_if_set(ctx, vobj, path, "configuredAtLaunch",
			 "EBS volumes configured at launch are not available on a board");
}

static void check_unique_name(struct td_ctx *ctx, size_t i, const char *path)
{
	const struct task_def *td = ctx->td;

	for (size_t j = 0; j < i; j++) {
		if (td->volumes[j].name && strcmp(td->volumes[j].name, td->volumes[i].name) == 0) {
			td_error(ctx, path, "\"%.100s\" is already the name of volumes[%zu]",
				 td->volumes[i].name, j);
			return;
		}
	}
}

static void parse_volume(struct td_ctx *ctx, const cJSON *vobj, const char *path, size_t i)
{
	struct taskdef_volume *v = &ctx->td->volumes[i];
	const char *name = td_require_string(ctx, vobj, path, "name");
	char p[TD_PATH_MAX];

	td_check_fields(ctx, vobj, path, volume_fields);
	v->kind = TASKDEF_VOLUME_SCRATCH;
	if (name) {
		td_path_member(p, path, "name");
		td_check_ecs_name(ctx, p, name);
		v->name = td_strdup(ctx, name);
		if (v->name)
			check_unique_name(ctx, i, p);
	}
	parse_host(ctx, vobj, path, v);
	parse_named(ctx, vobj, path, v);
	reject_cloud_storage(ctx, vobj, path);
}

void td_parse_volumes(struct td_ctx *ctx, const cJSON *root)
{
	const cJSON *array = td_get_array(ctx, root, "", "volumes");
	size_t n = (size_t)cJSON_GetArraySize(array);
	char p[TD_PATH_MAX];

	ctx->td->volumes = td_calloc(ctx, n, sizeof(*ctx->td->volumes));
	if (!ctx->td->volumes)
		return;
	ctx->td->volume_count = n;
	for (size_t i = 0; i < n; i++) {
		const cJSON *vobj = td_array_object(ctx, array, "volumes", i, p);

		if (vobj)
			parse_volume(ctx, vobj, p, i);
	}
}
