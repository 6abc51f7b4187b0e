#include <errno.h>
#include <string.h>

#include "lib.h"

cJSON *json_parse_file(const char *path, size_t max_bytes, struct berr *err)
{
	_cleanup_free_ char *text = NULL;
	const char *end = NULL;
	size_t len = 0;
	cJSON *root;

	text = fs_read_file(path, max_bytes, &len, err);
	if (!text)
		return NULL;
	/* The length includes the terminating NUL: cJSON's "require null
	 * terminated" check looks at the byte after the value. */
	root = cJSON_ParseWithLengthOpts(text, len + 1, &end, true);
	if (!root) {
		size_t off = end && end >= text ? (size_t)(end - text) : 0;
		size_t line = 1;

		for (size_t i = 0; i < off && i < len; i++)
			line += text[i] == '\n';
		berr_set(err, 0, "%s: not valid JSON (line %zu, byte %zu)", path, line, off);
		return NULL;
	}
	return root;
}

cJSON *json_get(const cJSON *obj, const char *name)
{
	return cJSON_IsObject(obj) ? cJSON_GetObjectItemCaseSensitive(obj, name) : NULL;
}

const char *json_describe(const cJSON *v, char *buf, size_t size)
{
	if (!v)
		snprintf(buf, size, "nothing");
	else if (cJSON_IsString(v))
		snprintf(buf, size, "\"%.*s\"", 60, v->valuestring);
	else if (cJSON_IsNumber(v))
		snprintf(buf, size, "%.15g", v->valuedouble);
	else if (cJSON_IsBool(v))
		snprintf(buf, size, "%s", cJSON_IsTrue(v) ? "true" : "false");
	else if (cJSON_IsNull(v))
		snprintf(buf, size, "null");
	else if (cJSON_IsArray(v))
		snprintf(buf, size, "an array");
	else
		snprintf(buf, size, "an object");
	return buf;
}
