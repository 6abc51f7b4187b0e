/* The parse context: problem lines, sticky out-of-memory, field paths. */
#include <errno.h>
#include <string.h>

#include "taskdef/taskdef_priv.h"

static void add_line(struct td_ctx *ctx, char ***lines, size_t *count, const char *path,
		     const char *fmt, va_list ap)
{
	_cleanup_free_ char *msg = NULL;
	char **grown;
	char *line = NULL;
	int n;

	if (vasprintf(&msg, fmt, ap) < 0) {
		msg = NULL;
		ctx->oom = true;
		return;
	}
	if (path[0])
		n = asprintf(&line, "%s: %s%s: %s", ctx->source, ctx->prefix, path, msg);
	else
		n = asprintf(&line, "%s: %s", ctx->source, msg);
	if (n < 0)
		line = NULL; /* asprintf leaves it undefined on failure */
	grown = line ? realloc(*lines, (*count + 1) * sizeof(**lines)) : NULL;
	if (!grown) {
		free(line);
		ctx->oom = true;
		return;
	}
	grown[(*count)++] = line;
	*lines = grown;
}

void td_error(struct td_ctx *ctx, const char *path, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	add_line(ctx, &ctx->problems->errors, &ctx->problems->error_count, path, fmt, ap);
	va_end(ap);
}

void td_warn(struct td_ctx *ctx, const char *path, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	add_line(ctx, &ctx->problems->warnings, &ctx->problems->warning_count, path, fmt, ap);
	va_end(ap);
}

void *td_calloc(struct td_ctx *ctx, size_t n, size_t size)
{
	void *p;

	if (n == 0)
		return NULL;
	p = calloc(n, size);
	if (!p)
		ctx->oom = true;
	return p;
}

char *td_strdup(struct td_ctx *ctx, const char *s)
{
	char *d;

	if (!s)
		return NULL;
	d = strdup(s);
	if (!d)
		ctx->oom = true;
	return d;
}

/* A path cut short (only very long member names can do that) ends in "...",
 * so a message never names a wrong field. */
static void mark_cut(char out[TD_PATH_MAX], int written)
{
	if (written >= TD_PATH_MAX)
		memcpy(out + TD_PATH_MAX - 4, "...", 4);
}

/* out may be parent itself (p = p + ".name"), so parent is copied first. */
void td_path_member(char out[TD_PATH_MAX], const char *parent, const char *name)
{
	char copy[TD_PATH_MAX];

	snprintf(copy, sizeof(copy), "%s", parent);
	mark_cut(out, snprintf(out, TD_PATH_MAX, "%s%s%s", copy, copy[0] ? "." : "", name));
}

void td_path_index(char out[TD_PATH_MAX], const char *parent, size_t i)
{
	char copy[TD_PATH_MAX];

	snprintf(copy, sizeof(copy), "%s", parent);
	mark_cut(out, snprintf(out, TD_PATH_MAX, "%s[%zu]", copy, i));
}

bool td_is_ecs_name(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > 255)
		return false;
	return strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_") == n;
}

void td_check_ecs_name(struct td_ctx *ctx, const char *path, const char *name)
{
	char given[96];

	if (td_is_ecs_name(name))
		return;
	snprintf(given, sizeof(given), "\"%.60s\"", name);
	td_error(ctx, path, "%s is not a valid name (valid: 1-255 letters, digits, '-' and '_')",
		 given);
}

bool td_is_absolute_path(const char *s)
{
	return s && s[0] == '/';
}

long td_container_index(const struct task_def *td, const char *name)
{
	if (!name)
		return -1;
	for (size_t i = 0; i < td->container_count; i++)
		if (td->containers[i].name && strcmp(td->containers[i].name, name) == 0)
			return (long)i;
	return -1;
}
