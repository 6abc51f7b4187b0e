/* mountPoints, volumesFrom and links: what they name must exist in the task. */
#include <string.h>

#include "taskdef/taskdef_priv.h"

static void parse_mount(struct td_ctx *ctx, const cJSON *m, const char *path,
			struct taskdef_mount *out)
{
	static const char *const fields[] = { "sourceVolume", "containerPath", "readOnly", NULL };
	const char *volume = td_require_string(ctx, m, path, "sourceVolume");
	const char *cpath = td_require_string(ctx, m, path, "containerPath");
	char p[TD_PATH_MAX];

	td_check_fields(ctx, m, path, fields);
	td_get_bool(ctx, m, path, "readOnly", &out->read_only);
	if (cpath && !td_is_absolute_path(cpath)) {
		td_path_member(p, path, "containerPath");
		td_error(ctx, p, "\"%.200s\" is not an absolute path", cpath);
	}
	out->source_volume = td_strdup(ctx, volume);
	out->container_path = td_strdup(ctx, cpath);
}

static void parse_volume_from(struct td_ctx *ctx, const cJSON *v, const char *path,
			      struct taskdef_volumes_from *out)
{
	static const char *const fields[] = { "sourceContainer", "readOnly", NULL };

	td_check_fields(ctx, v, path, fields);
	out->source_container = td_strdup(ctx, td_require_string(ctx, v, path, "sourceContainer"));
	td_get_bool(ctx, v, path, "readOnly", &out->read_only);
}

void td_parse_mounts(struct td_ctx *ctx, const cJSON *cobj, const char *path,
		     struct container_def *c)
{
	const cJSON *mounts = td_get_array(ctx, cobj, path, "mountPoints");
	const cJSON *from = td_get_array(ctx, cobj, path, "volumesFrom");
	size_t nm = (size_t)cJSON_GetArraySize(mounts), nf = (size_t)cJSON_GetArraySize(from);
	char p[TD_PATH_MAX], ep[TD_PATH_MAX];
	const cJSON *e;

	c->mounts = td_calloc(ctx, nm, sizeof(*c->mounts));
	c->mount_count = c->mounts ? nm : 0;
	td_path_member(p, path, "mountPoints");
	for (size_t i = 0; i < c->mount_count; i++)
		if ((e = td_array_object(ctx, mounts, p, i, ep)))
			parse_mount(ctx, e, ep, &c->mounts[i]);
	c->volumes_from = td_calloc(ctx, nf, sizeof(*c->volumes_from));
	c->volumes_from_count = c->volumes_from ? nf : 0;
	td_path_member(p, path, "volumesFrom");
	for (size_t i = 0; i < c->volumes_from_count; i++)
		if ((e = td_array_object(ctx, from, p, i, ep)))
			parse_volume_from(ctx, e, ep, &c->volumes_from[i]);
}

static long volume_index(const struct task_def *td, const char *name)
{
	for (size_t i = 0; i < td->volume_count; i++)
		if (td->volumes[i].name && strcmp(td->volumes[i].name, name) == 0)
			return (long)i;
	return -1;
}

/* "<path>[i].<field>" for the messages below. */
static void item_path(char out[TD_PATH_MAX], size_t ci, const char *list, size_t i,
		      const char *field)
{
	td_path_index(out, "containerDefinitions", ci);
	td_path_member(out, out, list);
	td_path_index(out, out, i);
	if (field)
		td_path_member(out, out, field);
}

static void resolve_mounts(struct td_ctx *ctx, size_t ci)
{
	struct container_def *c = &ctx->td->containers[ci];
	char p[TD_PATH_MAX];

	for (size_t i = 0; i < c->mount_count; i++) {
		struct taskdef_mount *m = &c->mounts[i];
		long v;

		if (!m->source_volume)
			continue;
		v = volume_index(ctx->td, m->source_volume);
		if (v >= 0) {
			m->volume = (size_t)v;
			continue;
		}
		item_path(p, ci, "mountPoints", i, "sourceVolume");
		td_error(ctx, p, "\"%.100s\" is not a volume of this task (declare it in volumes)",
			 m->source_volume);
	}
}

static void resolve_volumes_from(struct td_ctx *ctx, size_t ci)
{
	struct container_def *c = &ctx->td->containers[ci];
	char p[TD_PATH_MAX];

	for (size_t i = 0; i < c->volumes_from_count; i++) {
		struct taskdef_volumes_from *f = &c->volumes_from[i];
		long t;

		if (!f->source_container)
			continue;
		t = td_container_index(ctx->td, f->source_container);
		if (t >= 0 && (size_t)t != ci) {
			f->container = (size_t)t;
			continue;
		}
		item_path(p, ci, "volumesFrom", i, "sourceContainer");
		td_error(ctx, p, t < 0 ? "\"%.100s\" is not a container in this task" :
					 "\"%.100s\" is the container itself (valid: another "
					 "container of this task)", f->source_container);
	}
}

/* links: "name" or "name:alias", naming another container. */
static void resolve_links(struct td_ctx *ctx, size_t ci)
{
	const struct container_def *c = &ctx->td->containers[ci];
	char p[TD_PATH_MAX], name[256];

	for (size_t i = 0; i < c->links.n; i++) {
		const char *link = c->links.v[i];
		long t;

		if (!link)
			continue;
		snprintf(name, sizeof(name), "%.*s", (int)strcspn(link, ":"), link);
		t = td_container_index(ctx->td, name);
		if (t >= 0 && (size_t)t != ci)
			continue;
		item_path(p, ci, "links", i, NULL);
		td_error(ctx, p, "\"%.100s\" does not name another container of this task", link);
	}
}

void td_resolve_references(struct td_ctx *ctx)
{
	for (size_t ci = 0; ci < ctx->td->container_count; ci++) {
		resolve_mounts(ctx, ci);
		resolve_volumes_from(ctx, ci);
		resolve_links(ctx, ci);
	}
	td_check_task_ports(ctx);
	td_check_dependencies(ctx);
}
