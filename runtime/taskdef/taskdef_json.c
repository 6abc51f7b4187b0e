/* Type-checked readers: every wrong JSON type becomes one problem naming
 * the field, the type expected and what was given. */
#include <limits.h>
#include <math.h>
#include <string.h>
#include <strings.h>

#include "taskdef/taskdef_priv.h"

static void type_error(struct td_ctx *ctx, const char *path, const char *expected,
		       const cJSON *given)
{
	char buf[96];

	td_error(ctx, path, "expected %s, got %s", expected, json_describe(given, buf, sizeof(buf)));
}

const cJSON *td_member(const cJSON *obj, const char *name)
{
	const cJSON *v = json_get(obj, name);

	return cJSON_IsNull(v) ? NULL : v;
}

bool td_get_string(struct td_ctx *ctx, const cJSON *obj, const char *path, const char *name,
		   const char **out)
{
	const cJSON *v = td_member(obj, name);
	char p[TD_PATH_MAX];

	if (!v)
		return false;
	if (!cJSON_IsString(v)) {
		td_path_member(p, path, name);
		type_error(ctx, p, "a string", v);
		return false;
	}
	*out = v->valuestring;
	return true;
}

const char *td_require_string(struct td_ctx *ctx, const cJSON *obj, const char *path,
			      const char *name)
{
	const char *s = NULL;
	char p[TD_PATH_MAX];

	if (td_get_string(ctx, obj, path, name, &s))
		return s;
	if (!td_member(obj, name)) {
		td_path_member(p, path, name);
		td_error(ctx, p, "missing (required)");
	}
	return NULL;
}

bool td_get_bool(struct td_ctx *ctx, const cJSON *obj, const char *path, const char *name,
		 bool *out)
{
	const cJSON *v = td_member(obj, name);
	char p[TD_PATH_MAX];

	if (!v)
		return false;
	if (!cJSON_IsBool(v)) {
		td_path_member(p, path, name);
		type_error(ctx, p, "true or false", v);
		return false;
	}
	*out = cJSON_IsTrue(v);
	return true;
}

static bool is_integer(const cJSON *v)
{
	double d = v->valuedouble;

	return cJSON_IsNumber(v) && isfinite(d) && d == floor(d) && fabs(d) < 9007199254740992.0;
}

/* "(valid: 1-10)", or "(valid: at least 6 MiB)" when there is no real maximum. */
static void range_error(struct td_ctx *ctx, const char *path, double given, long min, long max,
			const char *unit)
{
	const char *sep = unit ? " " : "", *u = unit ? unit : "";

	if (max == LONG_MAX)
		td_error(ctx, path, "%.0f is out of range (valid: at least %ld%s%s)", given, min, sep, u);
	else
		td_error(ctx, path, "%.0f is out of range (valid: %ld-%ld%s%s)", given, min, max, sep, u);
}

bool td_get_long(struct td_ctx *ctx, const cJSON *obj, const char *path, const char *name,
		 long min, long max, const char *unit, long *out)
{
	const cJSON *v = td_member(obj, name);
	char p[TD_PATH_MAX];

	if (!v)
		return false;
	td_path_member(p, path, name);
	if (!is_integer(v)) {
		type_error(ctx, p, "an integer", v);
		return false;
	}
	if (v->valuedouble < (double)min || v->valuedouble > (double)max) {
		range_error(ctx, p, v->valuedouble, min, max, unit);
		return false;
	}
	*out = (long)v->valuedouble;
	return true;
}

bool td_get_int(struct td_ctx *ctx, const cJSON *obj, const char *path, const char *name,
		int min, int max, const char *unit, int *out)
{
	long v;

	if (!td_get_long(ctx, obj, path, name, min, max, unit, &v))
		return false;
	*out = (int)v;
	return true;
}

static const cJSON *get_typed(struct td_ctx *ctx, const cJSON *obj, const char *path,
			      const char *name, cJSON_bool (*is)(const cJSON *), const char *expected)
{
	const cJSON *v = td_member(obj, name);
	char p[TD_PATH_MAX];

	if (!v || is(v))
		return v;
	td_path_member(p, path, name);
	type_error(ctx, p, expected, v);
	return NULL;
}

const cJSON *td_get_array(struct td_ctx *ctx, const cJSON *obj, const char *path,
			  const char *name)
{
	return get_typed(ctx, obj, path, name, cJSON_IsArray, "an array");
}

const cJSON *td_get_object(struct td_ctx *ctx, const cJSON *obj, const char *path,
			   const char *name)
{
	return get_typed(ctx, obj, path, name, cJSON_IsObject, "an object");
}

const cJSON *td_array_object(struct td_ctx *ctx, const cJSON *array, const char *path, size_t i,
			     char elem_path[TD_PATH_MAX])
{
	const cJSON *v = cJSON_GetArrayItem(array, (int)i);

	td_path_index(elem_path, path, i);
	if (cJSON_IsObject(v))
		return v;
	type_error(ctx, elem_path, "an object", v);
	return NULL;
}

void td_get_strv(struct td_ctx *ctx, const cJSON *obj, const char *path, const char *name,
		 struct taskdef_strv *out)
{
	const cJSON *array = get_typed(ctx, obj, path, name, cJSON_IsArray, "an array of strings");
	char p[TD_PATH_MAX], ep[TD_PATH_MAX];
	size_t n = (size_t)cJSON_GetArraySize(array);
	const cJSON *item;

	if (!array || n == 0)
		return;
	out->v = td_calloc(ctx, n, sizeof(*out->v));
	if (!out->v)
		return;
	td_path_member(p, path, name);
	cJSON_ArrayForEach(item, array) {
		if (!cJSON_IsString(item)) {
			td_path_index(ep, p, out->n);
			type_error(ctx, ep, "a string", item);
		}
		out->v[out->n++] = td_strdup(ctx, cJSON_IsString(item) ? item->valuestring : "");
	}
}

static void list_names(char *buf, size_t size, const char *const *names, size_t count)
{
	size_t used = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < count && used < size; i++)
		used += (size_t)snprintf(buf + used, size - used, "%s%s", i ? ", " : "", names[i]);
}

int td_enum_value(struct td_ctx *ctx, const cJSON *v, const char *path,
		  const char *const *names, size_t count, bool nocase)
{
	char valid[256], given[96];

	if (!cJSON_IsString(v)) {
		type_error(ctx, path, "a string", v);
		return -1;
	}
	for (size_t i = 0; i < count; i++)
		if ((nocase ? strcasecmp(v->valuestring, names[i]) : strcmp(v->valuestring, names[i])) == 0)
			return (int)i;
	list_names(valid, sizeof(valid), names, count);
	td_error(ctx, path, "%s is not valid (valid: %s)", json_describe(v, given, sizeof(given)), valid);
	return -1;
}

int td_get_enum(struct td_ctx *ctx, const cJSON *obj, const char *path, const char *name,
		const char *const *names, size_t count, bool nocase)
{
	const cJSON *v = td_member(obj, name);
	char p[TD_PATH_MAX];

	if (!v)
		return -1;
	td_path_member(p, path, name);
	return td_enum_value(ctx, v, p, names, count, nocase);
}

static bool is_known(const char *name, const char *const *known)
{
	for (; *known; known++)
		if (strcmp(name, *known) == 0)
			return true;
	return false;
}

void td_check_fields(struct td_ctx *ctx, const cJSON *obj, const char *path,
		     const char *const *known)
{
	const cJSON *member;
	char p[TD_PATH_MAX];

	cJSON_ArrayForEach(member, obj) {
		if (is_known(member->string, known))
			continue;
		td_path_member(p, path, member->string);
		td_warn(ctx, p, "unknown field, ignored");
	}
}

bool td_is_set(const cJSON *obj, const char *name)
{
	const cJSON *v = td_member(obj, name);

	if (!v || cJSON_IsFalse(v))
		return false;
	if (cJSON_IsNumber(v))
		return v->valuedouble != 0;
	if (cJSON_IsString(v))
		return v->valuestring[0] != '\0';
	if (cJSON_IsArray(v) || cJSON_IsObject(v))
		return v->child != NULL;
	return true;
}

void td_ignore_if_set(struct td_ctx *ctx, const cJSON *obj, const char *path, const char *name,
		      const char *why)
{
	char p[TD_PATH_MAX];

	if (!td_is_set(obj, name))
		return;
	td_path_member(p, path, name);
	td_warn(ctx, p, "ignored (%s)", why);
}

void td_reject_if_set(struct td_ctx *ctx, const cJSON *obj, const char *path, const char *name,
		      const char *why)
{
	char p[TD_PATH_MAX];

	if (!td_is_set(obj, name))
		return;
	td_path_member(p, path, name);
	td_error(ctx, p, "%s", why);
}
