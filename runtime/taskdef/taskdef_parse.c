/* The task level: load, unwrap AWS exports, the task's own fields, and the
 * order the parts are parsed in (volumes and containers before the checks
 * that refer to them). */
#include <errno.h>
#include <limits.h>
#include <string.h>

#include "taskdef/taskdef_priv.h"

/* A task definition file is small; this bounds a mistaken argument. */
#define TASKDEF_MAX_BYTES (4u << 20)

static const char *const task_fields[] = {
	"family", "cpu", "memory", "networkMode", "containerDefinitions", "volumes",
	"requiresCompatibilities", "runtimePlatform", "executionRoleArn", "taskRoleArn",
	"ephemeralStorage", "pidMode", "ipcMode", "revision", "proxyConfiguration",
	"placementConstraints", "inferenceAccelerators", "enableFaultInjection",
	/* RegisterTaskDefinition input and DescribeTaskDefinition output that
	 * mean nothing on a board: accepted without a word. */
	"tags", "taskDefinitionArn", "status", "requiresAttributes", "compatibilities",
	"registeredAt", "registeredBy", "deregisteredAt", "deleteRequestedAt", NULL,
};

static void parse_family(struct td_ctx *ctx, const cJSON *root)
{
	const char *family = td_require_string(ctx, root, "", "family");

	if (!family)
		return;
	td_check_ecs_name(ctx, "family", family);
	ctx->td->family = td_strdup(ctx, family);
}

static void parse_compat(struct td_ctx *ctx, const cJSON *root)
{
	const cJSON *array = td_get_array(ctx, root, "", "requiresCompatibilities");
	char p[TD_PATH_MAX];
	const cJSON *item;
	size_t i = 0;

	cJSON_ArrayForEach(item, array) {
		int bit;

		td_path_index(p, "requiresCompatibilities", i++);
		bit = td_enum_value(ctx, item, p, td_compat_names, ARRAY_SIZE(td_compat_names), false);
		if (bit >= 0)
			ctx->td->compat |= 1u << bit;
	}
}

static void parse_network_mode(struct td_ctx *ctx, const cJSON *root)
{
	int mode = td_get_enum(ctx, root, "", "networkMode", td_network_mode_names,
			       ARRAY_SIZE(td_network_mode_names), false);

	if (mode >= 0)
		ctx->td->network_mode = (enum taskdef_network_mode)mode;
#ifndef CONFIG_NET
	if (ctx->td->network_mode != TASKDEF_NETWORK_AWSVPC &&
	    ctx->td->network_mode != TASKDEF_NETWORK_BRIDGE)
		return;
	if (td_member(root, "networkMode"))
		td_error(ctx, "networkMode", "\"%s\" needs networking, which is disabled in this "
			 "build of berth (CONFIG_NET; valid: host, none)",
			 taskdef_network_mode_name(ctx->td->network_mode));
	else
		td_error(ctx, "networkMode", "not set, and the default \"awsvpc\" needs networking, "
			 "which is disabled in this build of berth (CONFIG_NET; valid: host, none)");
#endif
}

static void parse_namespaces(struct td_ctx *ctx, const cJSON *root)
{
	/* [0] is berth's name for "not set", not an ECS value. */
	int pid = td_get_enum(ctx, root, "", "pidMode", td_pid_mode_names + 1,
			      ARRAY_SIZE(td_pid_mode_names) - 1, false);
	int ipc = td_get_enum(ctx, root, "", "ipcMode", td_ipc_mode_names + 1,
			      ARRAY_SIZE(td_ipc_mode_names) - 1, false);

	if (pid >= 0)
		ctx->td->pid_mode = (enum taskdef_pid_mode)(pid + 1);
	if (ipc >= 0)
		ctx->td->ipc_mode = (enum taskdef_ipc_mode)(ipc + 1);
	/* As on Fargate: a FARGATE task never shares the host's namespaces. */
	if (!(ctx->td->compat & TASKDEF_COMPAT_FARGATE))
		return;
	if (ctx->td->pid_mode == TASKDEF_PID_HOST)
		td_error(ctx, "pidMode", "\"host\" is not available to a FARGATE task (valid: task)");
	if (ctx->td->ipc_mode == TASKDEF_IPC_HOST)
		td_error(ctx, "ipcMode", "\"host\" is not available to a FARGATE task (valid: task, "
					 "none)");
}

static void parse_platform(struct td_ctx *ctx, const cJSON *root)
{
	static const char *const os_names[] = { "LINUX" };
	static const char *const fields[] = { "cpuArchitecture", "operatingSystemFamily", NULL };
	const cJSON *platform = td_get_object(ctx, root, "", "runtimePlatform");
	const char *board_arch;
	int arch;

	if (!platform)
		return;
	td_check_fields(ctx, platform, "runtimePlatform", fields);
	td_get_enum(ctx, platform, "runtimePlatform", "operatingSystemFamily", os_names, 1, false);
	arch = td_get_enum(ctx, platform, "runtimePlatform", "cpuArchitecture", td_arch_names + 1,
			   ARRAY_SIZE(td_arch_names) - 1, false);
	if (arch < 0)
		return;
	ctx->td->arch = (enum taskdef_arch)(arch + 1);
	if (!ctx->board)
		return;
	board_arch = board_ecs_arch(ctx->board);
	if (strcmp(board_arch, taskdef_arch_name(ctx->td->arch)) != 0)
		td_error(ctx, "runtimePlatform.cpuArchitecture",
			 "\"%s\" cannot run on this board (%s is %s)",
			 taskdef_arch_name(ctx->td->arch), ctx->board->name, board_arch);
}

static void parse_roles(struct td_ctx *ctx, const cJSON *root)
{
	struct task_def *td = ctx->td;
	const char *arn = NULL;

	if (td_get_string(ctx, root, "", "executionRoleArn", &arn)) {
		td->execution_role_arn = td_strdup(ctx, arn);
		td_warn(ctx, "executionRoleArn", "unused offline (images and secrets come from "
						 "the board)");
	}
	if (td_get_string(ctx, root, "", "taskRoleArn", &arn)) {
		td->task_role_arn = td_strdup(ctx, arn);
		td_warn(ctx, "taskRoleArn", "unused offline (the task gets no AWS credentials)");
	}
}

static void parse_task_extras(struct td_ctx *ctx, const cJSON *root)
{
	static const char *const storage_fields[] = { "sizeInGiB", NULL };
	const cJSON *storage = td_get_object(ctx, root, "", "ephemeralStorage");

	td_get_long(ctx, root, "", "revision", 1, LONG_MAX, NULL, &ctx->td->revision);
	if (storage) {
		td_check_fields(ctx, storage, "ephemeralStorage", storage_fields);
		td_get_int(ctx, storage, "ephemeralStorage", "sizeInGiB", 21, 200, "GiB",
			   &ctx->td->ephemeral_storage_gib);
	}
	td_reject_if_set(ctx, root, "", "proxyConfiguration",
			 "App Mesh proxies are not available on a board");
	td_reject_if_set(ctx, root, "", "inferenceAccelerators",
			 "Elastic Inference accelerators are not available on a board");
	td_ignore_if_set(ctx, root, "", "placementConstraints",
			 "a board is a single placement target");
	td_ignore_if_set(ctx, root, "", "enableFaultInjection",
			 "fault injection is not available on a board");
}

/* `aws ecs describe-task-definition` wraps the definition; accept that too. */
static const cJSON *unwrap_export(const cJSON *root, const char **prefix)
{
	const cJSON *inner = json_get(root, "taskDefinition");

	*prefix = "";
	if (!cJSON_IsObject(inner) || json_get(root, "containerDefinitions"))
		return root;
	*prefix = "taskDefinition.";
	return inner;
}

static struct task_def *new_task_def(struct td_ctx *ctx)
{
	struct task_def *td = td_calloc(ctx, 1, sizeof(*td));

	if (!td)
		return NULL;
	td->network_mode = TASKDEF_NETWORK_AWSVPC;
	td->ephemeral_storage_gib = 20;
	return td;
}

static void parse_task(struct td_ctx *ctx, const cJSON *root)
{
	td_check_fields(ctx, root, "", task_fields);
	parse_family(ctx, root);
	parse_compat(ctx, root);
	parse_network_mode(ctx, root);
	parse_namespaces(ctx, root);
	parse_platform(ctx, root);
	parse_roles(ctx, root);
	parse_task_extras(ctx, root);
	td_parse_volumes(ctx, root);
	td_parse_containers(ctx, root);
	td_resolve_references(ctx);
	td_parse_task_size(ctx, root);
}

struct task_def *taskdef_parse(const cJSON *root, const char *source_name,
			       const struct board *board, struct taskdef_problems *problems,
			       struct berr *err)
{
	struct td_ctx ctx = {
		.source = source_name ? source_name : "task definition",
		.board = board,
		.problems = problems,
	};
	const cJSON *def = unwrap_export(root, &ctx.prefix);
	char given[96];

	if (!cJSON_IsObject(def)) {
		td_error(&ctx, "", "expected a task definition (a JSON object), got %s",
			 json_describe(def, given, sizeof(given)));
	} else {
		ctx.td = new_task_def(&ctx);
		if (ctx.td)
			parse_task(&ctx, def);
	}
	if (ctx.oom) {
		taskdef_free(ctx.td);
		berr_set(err, ENOMEM, "%s: out of memory", ctx.source);
		return NULL;
	}
	if (problems->error_count) {
		taskdef_free(ctx.td);
		berr_set(err, 0, "%s: not a valid task definition (%zu problem%s)", ctx.source,
			 problems->error_count, problems->error_count == 1 ? "" : "s");
		return NULL;
	}
	return ctx.td;
}

struct task_def *taskdef_load(const char *path, const struct board *board,
			      struct taskdef_problems *problems, struct berr *err)
{
	_cleanup_cjson_ cJSON *root = json_parse_file(path, TASKDEF_MAX_BYTES, err);

	if (!root)
		return NULL;
	return taskdef_parse(root, path, board, problems, err);
}

const struct container_def *taskdef_find_container(const struct task_def *td, const char *name)
{
	long i = td_container_index(td, name);

	return i < 0 ? NULL : &td->containers[i];
}
