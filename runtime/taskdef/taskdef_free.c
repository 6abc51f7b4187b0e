/* Freeing: every pointer in the structs is owned (or NULL). */
#include "taskdef/taskdef_priv.h"

void td_strv_free(struct taskdef_strv *v)
{
	for (size_t i = 0; i < v->n; i++)
		free(v->v[i]);
	free(v->v);
	v->v = NULL;
	v->n = 0;
}

static void free_kvs(struct taskdef_kv *kv, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(kv[i].name);
		free(kv[i].value);
	}
	free(kv);
}

static void free_secrets(struct taskdef_secret *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(s[i].name);
		free(s[i].value_from);
	}
	free(s);
}

static void free_linux(struct taskdef_linux_params *lp)
{
	td_strv_free(&lp->cap_add);
	td_strv_free(&lp->cap_drop);
	for (size_t i = 0; i < lp->tmpfs_count; i++) {
		free(lp->tmpfs[i].container_path);
		td_strv_free(&lp->tmpfs[i].mount_options);
	}
	free(lp->tmpfs);
}

static void free_container(struct container_def *c)
{
	free(c->name);
	free(c->image);
	td_strv_free(&c->entry_point);
	td_strv_free(&c->command);
	free(c->working_directory);
	free(c->user);
	free(c->hostname);
	free_kvs(c->environment, c->environment_count);
	td_strv_free(&c->environment_files);
	free_secrets(c->secrets, c->secret_count);
	free(c->ports);
	td_strv_free(&c->health.command);
	for (size_t i = 0; i < c->depends_on_count; i++)
		free(c->depends_on[i].container_name);
	free(c->depends_on);
	free_linux(&c->linux_params);
	free(c->ulimits);
	free_kvs(c->log.options, c->log.option_count);
	free_secrets(c->log.secret_options, c->log.secret_option_count);
	for (size_t i = 0; i < c->mount_count; i++) {
		free(c->mounts[i].source_volume);
		free(c->mounts[i].container_path);
	}
	free(c->mounts);
	for (size_t i = 0; i < c->volumes_from_count; i++)
		free(c->volumes_from[i].source_container);
	free(c->volumes_from);
	td_strv_free(&c->links);
}

void taskdef_free(struct task_def *td)
{
	if (!td)
		return;
	free(td->family);
	free(td->execution_role_arn);
	free(td->task_role_arn);
	for (size_t i = 0; i < td->volume_count; i++) {
		free(td->volumes[i].name);
		free(td->volumes[i].host_path);
	}
	free(td->volumes);
	for (size_t i = 0; i < td->container_count; i++)
		free_container(&td->containers[i]);
	free(td->containers);
	free(td->start_order);
	free(td);
}

static void free_lines(char **lines, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(lines[i]);
	free(lines);
}

void taskdef_problems_free(struct taskdef_problems *problems)
{
	free_lines(problems->errors, problems->error_count);
	free_lines(problems->warnings, problems->warning_count);
	*problems = (struct taskdef_problems){ 0 };
}
