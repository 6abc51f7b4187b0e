/* dependsOn: the conditions, their targets, cycles, and the start order. */
#include <string.h>

#include "taskdef/taskdef_priv.h"

void td_parse_depends_on(struct td_ctx *ctx, const cJSON *cobj, const char *path,
			 struct container_def *c)
{
	static const char *const fields[] = { "containerName", "condition", NULL };
	const cJSON *array = td_get_array(ctx, cobj, path, "dependsOn");
	size_t n = (size_t)cJSON_GetArraySize(array);
	char p[TD_PATH_MAX], ep[TD_PATH_MAX], cp[TD_PATH_MAX];

	c->depends_on = td_calloc(ctx, n, sizeof(*c->depends_on));
	if (!c->depends_on)
		return;
	c->depends_on_count = n;
	td_path_member(p, path, "dependsOn");
	for (size_t i = 0; i < n; i++) {
		const cJSON *d = td_array_object(ctx, array, p, i, ep);
		struct taskdef_dependency *dep = &c->depends_on[i];
		int cond;

		if (!d)
			continue;
		td_check_fields(ctx, d, ep, fields);
		dep->container_name = td_strdup(ctx, td_require_string(ctx, d, ep, "containerName"));
		if (!td_member(d, "condition")) {
			td_path_member(cp, ep, "condition");
			td_error(ctx, cp, "missing (required; valid: START, COMPLETE, SUCCESS, HEALTHY)");
		}
		cond = td_get_enum(ctx, d, ep, "condition", td_condition_names,
				   ARRAY_SIZE(td_condition_names), false);
		if (cond >= 0)
			dep->condition = (enum taskdef_condition)cond;
#ifndef CONFIG_HEALTHCHECK
		if (cond == TASKDEF_CONDITION_HEALTHY) {
			td_path_member(cp, ep, "condition");
			td_error(ctx, cp, "HEALTHY needs health checks, which are disabled in this "
					  "build of berth (CONFIG_HEALTHCHECK)");
		}
#endif
	}
}

#ifdef CONFIG_HEALTHCHECK
static void check_healthy_target(struct td_ctx *ctx, const char *path,
				 const struct container_def *target)
{
	if (target->health.kind == TASKDEF_HEALTH_NONE)
		td_error(ctx, path, "HEALTHY needs a healthCheck on \"%s\", which has none",
			 target->name);
}
#else
/* HEALTHY itself was refused when parsed; one message is enough. */
static void check_healthy_target(struct td_ctx *ctx, const char *path,
				 const struct container_def *target)
{
	(void)ctx;
	(void)path;
	(void)target;
}
#endif

/* The target must exist, not be the container itself, and be able to reach
 * the condition. Returns whether the edge is usable for the graph. */
static bool check_dependency(struct td_ctx *ctx, size_t ci, size_t di)
{
	struct task_def *td = ctx->td;
	struct taskdef_dependency *dep = &td->containers[ci].depends_on[di];
	const struct container_def *target;
	char p[TD_PATH_MAX];
	long t;

	if (!dep->container_name)
		return false;
	td_path_index(p, "containerDefinitions", ci);
	td_path_member(p, p, "dependsOn");
	td_path_index(p, p, di);
	t = td_container_index(td, dep->container_name);
	if (t < 0 || (size_t)t == ci) {
		td_path_member(p, p, "containerName");
		td_error(ctx, p, t < 0 ? "\"%.100s\" is not a container in this task" :
					 "\"%.100s\" is the container itself (a container cannot "
					 "depend on itself)", dep->container_name);
		return false;
	}
	dep->container = (size_t)t;
	target = &td->containers[t];
	td_path_member(p, p, "condition");
	if (dep->condition == TASKDEF_CONDITION_HEALTHY)
		check_healthy_target(ctx, p, target);
	else if ((dep->condition == TASKDEF_CONDITION_COMPLETE ||
		  dep->condition == TASKDEF_CONDITION_SUCCESS) && target->essential)
		td_error(ctx, p, "%s cannot wait for \"%s\", an essential container (set its "
				 "\"essential\": false)", taskdef_condition_name(dep->condition),
			 target->name);
	return true;
}

enum mark { UNSEEN, ON_PATH, DONE };

struct walk {
	struct td_ctx *ctx;
	enum mark *mark;
	bool **usable;  /* usable[ci][di]: the edge passed check_dependency */
	size_t *path;   /* containers on the current path, in order */
	size_t depth;
	size_t ordered; /* how many of td->start_order are filled */
};

static void report_cycle(struct walk *w, size_t ci, size_t di, size_t target)
{
	const struct task_def *td = w->ctx->td;
	char p[TD_PATH_MAX], cycle[TD_PATH_MAX] = "";
	size_t start = 0, used = 0;

	while (w->path[start] != target)
		start++;
	for (size_t k = start; k < w->depth && used < sizeof(cycle); k++)
		used += (size_t)snprintf(cycle + used, sizeof(cycle) - used, "%s -> ",
					 td->containers[w->path[k]].name);
	if (used < sizeof(cycle))
		snprintf(cycle + used, sizeof(cycle) - used, "%s", td->containers[target].name);
	td_path_index(p, "containerDefinitions", ci);
	td_path_member(p, p, "dependsOn");
	td_path_index(p, p, di);
	td_path_member(p, p, "containerName");
	td_error(w->ctx, p, "\"%s\" closes a cycle (%s)", td->containers[target].name, cycle);
}

/* Depth first; a container is placed in start_order after its dependencies. */
static void visit(struct walk *w, size_t ci)
{
	struct task_def *td = w->ctx->td;
	const struct container_def *c = &td->containers[ci];

	w->mark[ci] = ON_PATH;
	w->path[w->depth++] = ci;
	for (size_t di = 0; di < c->depends_on_count; di++) {
		size_t t = c->depends_on[di].container;

		if (!w->usable[ci][di])
			continue;
		if (w->mark[t] == ON_PATH)
			report_cycle(w, ci, di, t);
		else if (w->mark[t] == UNSEEN)
			visit(w, t);
	}
	w->depth--;
	w->mark[ci] = DONE;
	td->start_order[w->ordered++] = ci;
}

static void walk_graph(struct td_ctx *ctx, bool **usable)
{
	struct task_def *td = ctx->td;
	_cleanup_free_ enum mark *mark = td_calloc(ctx, td->container_count, sizeof(*mark));
	_cleanup_free_ size_t *path = td_calloc(ctx, td->container_count, sizeof(*path));
	struct walk w = { .ctx = ctx, .mark = mark, .usable = usable, .path = path };

	td->start_order = td_calloc(ctx, td->container_count, sizeof(*td->start_order));
	if (!mark || !path || !td->start_order)
		return;
	for (size_t ci = 0; ci < td->container_count; ci++)
		if (mark[ci] == UNSEEN)
			visit(&w, ci);
}

/* Fills usable[ci] (left NULL for a container without dependsOn); false
 * when out of memory. */
static bool check_container(struct td_ctx *ctx, bool **usable, size_t ci)
{
	const struct container_def *c = &ctx->td->containers[ci];

	if (c->depends_on_count == 0)
		return true;
	usable[ci] = td_calloc(ctx, c->depends_on_count, sizeof(**usable));
	if (!usable[ci])
		return false;
	for (size_t di = 0; di < c->depends_on_count; di++)
		usable[ci][di] = check_dependency(ctx, ci, di);
	return true;
}

void td_check_dependencies(struct td_ctx *ctx)
{
	struct task_def *td = ctx->td;
	bool **usable = td_calloc(ctx, td->container_count, sizeof(*usable));
	bool complete = true;

	if (!usable)
		return;
	for (size_t ci = 0; complete && ci < td->container_count; ci++)
		complete = check_container(ctx, usable, ci);
	/* The walk needs every container's flags, and the names that running
	 * out of memory earlier may have left NULL. */
	if (complete && !ctx->oom)
		walk_graph(ctx, usable);
	for (size_t ci = 0; ci < td->container_count; ci++)
		free(usable[ci]);
	free(usable);
}
