/* What a container runs: the image config merged with its definition.
 *
 * argv, as docker does: an entryPoint replaces the image's Entrypoint and
 * drops the image's Cmd; a command replaces the image's Cmd.
 * env, as ECS does: environment wins over environmentFiles (of which the
 * first file to set a name wins, as the ECS agent merges them), and both
 * over the image's Env.
 * user and working directory: the definition's, else the image's (else
 * root and "/"). */
#include <errno.h>
#include <string.h>

#include "image/image.h"
#include "task/task_priv.h"

#define ENV_FILE_MAX (1u << 20)
#define DEFAULT_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

void task_strv_free(char **v)
{
	for (size_t i = 0; v && v[i]; i++)
		free(v[i]);
	free(v);
}

void task_launch_free(struct task_launch *l)
{
	task_strv_free(l->argv);
	task_strv_free(l->envp);
	free(l->user);
	free(l->workdir);
	*l = (struct task_launch){ 0 };
}

/* ---- a growing NULL-terminated string vector ---------------------------- */

struct strv {
	char **v;
	size_t n, cap;
};

static int strv_push(struct strv *s, char *owned, struct berr *err)
{
	if (!owned)
		return -1;
	if (s->n + 2 > s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 16;
		char **v = realloc(s->v, cap * sizeof(*v));

		if (!v) {
			free(owned);
			return berr_set(err, ENOMEM, "out of memory");
		}
		s->v = v;
		s->cap = cap;
	}
	s->v[s->n++] = owned;
	s->v[s->n] = NULL;
	return 0;
}

static int push_words(struct strv *s, const struct taskdef_strv *w, struct berr *err)
{
	for (size_t i = 0; i < w->n; i++)
		if (strv_push(s, str_dup(w->v[i], err), err) < 0)
			return -1;
	return 0;
}

static int push_json_words(struct strv *s, const cJSON *arr, struct berr *err)
{
	const cJSON *w;

	cJSON_ArrayForEach(w, arr) {
		if (cJSON_IsString(w) && strv_push(s, str_dup(w->valuestring, err), err) < 0)
			return -1;
	}
	return 0;
}

/* ---- argv --------------------------------------------------------------- */

static int merge_argv(const struct container_def *def, const cJSON *cfg, struct strv *out,
		      struct berr *err)
{
	const cJSON *cmd = json_get(cfg, "Cmd");

	if (def->entry_point.n > 0) {
		if (push_words(out, &def->entry_point, err) < 0)
			return -1;
		cmd = NULL;
	} else if (push_json_words(out, json_get(cfg, "Entrypoint"), err) < 0) {
		return -1;
	}
	if (def->command.n > 0)
		return push_words(out, &def->command, err);
	return push_json_words(out, cmd, err);
}

/* ---- env ---------------------------------------------------------------- */

static bool env_has(const struct strv *env, const char *name, size_t len)
{
	for (size_t i = 0; i < env->n; i++)
		if (!strncmp(env->v[i], name, len) && env->v[i][len] == '=')
			return true;
	return false;
}

/* "NAME=VALUE" unless NAME is set already (higher precedence came first). */
static int env_add(struct strv *env, const char *name, size_t len, const char *value,
		   struct berr *err)
{
	if (len == 0 || env_has(env, name, len))
		return 0;
	return strv_push(env, str_printf(err, "%.*s=%s", (int)len, name, value), err);
}

static int env_from_file(struct strv *env, const char *path, struct berr *err)
{
	_cleanup_free_ char *text = fs_read_file(path, ENV_FILE_MAX, NULL, err);
	char *line, *save = NULL;
	size_t lineno = 0;

	if (!text)
		return berr_prefix(err, "environment file");
	/* One VARIABLE=VALUE a line; # starts a comment line; quotes and
	 * spaces belong to the value; no shell escapes (ECS's rules). */
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *eq = strchr(line, '=');
		size_t len = strlen(line);

		lineno++;
		if (len && line[len - 1] == '\r')
			line[--len] = '\0';
		if (line[strspn(line, " \t")] == '#' || line[strspn(line, " \t")] == '\0')
			continue;
		if (!eq) {
			log_warn("%s: line %zu is not VARIABLE=VALUE: ignored", path, lineno);
			continue;
		}
		if (env_add(env, line, (size_t)(eq - line), eq + 1, err) < 0)
			return -1;
	}
	return 0;
}

static int merge_env(const struct container_def *def, const cJSON *cfg, struct strv *env,
		     struct berr *err)
{
	const cJSON *e;

	for (size_t i = 0; i < def->environment_count; i++) {
		const struct taskdef_kv *kv = &def->environment[i];

		if (env_add(env, kv->name, strlen(kv->name), kv->value, err) < 0)
			return -1;
	}
	for (size_t i = 0; i < def->environment_files.n; i++)
		if (env_from_file(env, def->environment_files.v[i], err) < 0)
			return -1;
	cJSON_ArrayForEach(e, json_get(cfg, "Env")) {
		const char *eq = cJSON_IsString(e) ? strchr(e->valuestring, '=') : NULL;

		if (eq && env_add(env, e->valuestring, (size_t)(eq - e->valuestring), eq + 1, err) < 0)
			return -1;
	}
	return 0;
}

/* ---- the whole launch --------------------------------------------------- */

static char *config_str(const cJSON *cfg, const char *name, const char *given, struct berr *err)
{
	const cJSON *v = json_get(cfg, name);

	if (given)
		return str_dup(given, err);
	if (cJSON_IsString(v) && v->valuestring[0])
		return str_dup(v->valuestring, err);
	return NULL;
}

static int fill_launch(const struct container_def *def, const cJSON *cfg,
		       struct task_launch *out, struct berr *err)
{
	struct strv argv = { 0 }, env = { 0 };
	int rc = merge_argv(def, cfg, &argv, err);

	if (rc == 0 && argv.n == 0)
		rc = berr_set(err, EINVAL, "CannotCreateContainerError: container %s: no command "
			      "(neither the definition nor the image %s has one)", def->name, def->image);
	if (rc == 0 && merge_env(def, cfg, &env, err) < 0)
		rc = berr_prefix(err, "ResourceInitializationError: container %s", def->name);
	/* docker's default when neither the image nor the definition sets one */
	if (rc == 0)
		rc = env_add(&env, "PATH", 4, DEFAULT_PATH, err);
	out->argv = argv.v;
	out->envp = env.v;
	if (rc < 0)
		return -1;
	out->user = config_str(cfg, "User", def->user, err);
	out->workdir = config_str(cfg, "WorkingDir", def->working_directory, err);
	if (!out->workdir)
		out->workdir = str_dup("/", err);
	return out->workdir ? 0 : -1;
}

int task_resolve_launch(const struct paths *paths, const struct container_def *def,
			struct task_launch *out, struct berr *err)
{
	_cleanup_cjson_ cJSON *info = image_inspect(paths, def->image, err);
	const cJSON *cfg = json_get(json_get(info, "config"), "config");

	*out = (struct task_launch){ 0 };
	if (!info)
		return berr_prefix(err, "CannotPullContainerError");
	if (def->secret_count > 0)
		return berr_set(err, ENOTSUP, "ResourceInitializationError: container %s: secrets need the "
				"secret store, which this berth does not have yet", def->name);
	if (fill_launch(def, cfg, out, err) < 0) {
		task_launch_free(out);
		return -1;
	}
	return 0;
}

/* ---- volumes ------------------------------------------------------------ */

static char *volume_source(const struct paths *paths, const char *id,
			   const struct taskdef_volume *v, struct berr *err)
{
	_cleanup_free_ char *path = NULL;

	if (v->kind == TASKDEF_VOLUME_HOST)
		path = str_dup(v->host_path, err);
	else if (v->kind == TASKDEF_VOLUME_NAMED && v->scope == TASKDEF_SCOPE_SHARED)
		path = str_printf(err, "%s/volumes/%s", paths->state, v->name);
	else
		path = str_printf(err, "%s/tasks/%s/volumes/%s", paths->state, id, v->name);
	if (!path)
		return NULL;
	if (v->kind == TASKDEF_VOLUME_NAMED && v->scope == TASKDEF_SCOPE_SHARED &&
	    !v->autoprovision && !fs_exists(path))
		return berr_set(err, ENOENT, "volume %s: %s does not exist (set autoprovision to "
				"create it)", v->name, path), NULL;
	/* A missing host path is created, as the Docker daemon does for ECS. */
	if (fs_mkdir_p(path, 0755, err) < 0)
		return berr_prefix(err, "volume %s", v->name), NULL;
	return steal_ptr(path);
}

char **task_resolve_volumes(const struct paths *paths, const char *id, const struct task_def *td,
			    struct berr *err)
{
	char **v = calloc(td->volume_count + 1, sizeof(*v));

	if (!v)
		return berr_set(err, ENOMEM, "out of memory"), NULL;
	for (size_t i = 0; i < td->volume_count; i++) {
		v[i] = volume_source(paths, id, &td->volumes[i], err);
		if (!v[i]) {
			task_strv_free(v);
			return NULL;
		}
	}
	return v;
}
