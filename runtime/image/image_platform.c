/* Which platform an image is for, and whether the board runs it. */
#include <string.h>

#include "image/image_import.h"

static void copy_member(const cJSON *j, const char *name, char *dst, size_t size)
{
	const cJSON *v = json_get(j, name);

	snprintf(dst, size, "%s", cJSON_IsString(v) ? v->valuestring : "");
}

void platform_from_json(const cJSON *j, struct platform *p)
{
	copy_member(j, "os", p->os, sizeof(p->os));
	copy_member(j, "architecture", p->arch, sizeof(p->arch));
	copy_member(j, "variant", p->variant, sizeof(p->variant));
}

/* OCI's name for the board's architecture. */
static const char *oci_arch(const char *board_arch)
{
	return strcmp(board_arch, "x86_64") == 0 ? "amd64" : board_arch;
}

bool platform_fits(const struct platform *p, const char *board_arch)
{
	const char *want = oci_arch(board_arch);

	if (strcmp(p->os, "linux") != 0 || strcmp(p->arch, want) != 0)
		return false;
	/* arm64 boards run ARMv8 code; later variants (v9) would need more. */
	if (strcmp(want, "arm64") == 0)
		return p->variant[0] == '\0' || strcmp(p->variant, "v8") == 0;
	return true;
}

void platform_format(const struct platform *p, char *buf, size_t size)
{
	snprintf(buf, size, "%s/%s%s%s", p->os[0] ? p->os : "?", p->arch[0] ? p->arch : "?",
		 p->variant[0] ? "/" : "", p->variant);
}

const char *platform_board_name(const char *board_arch)
{
	return strcmp(oci_arch(board_arch), "amd64") == 0 ? "linux/amd64" : "linux/arm64";
}

int platform_missing(const struct load *ld, const char *has, struct berr *err)
{
	return berr_set(err, 0, "no %s image in %s (it has: %s)", platform_board_name(ld->opts->arch),
			ld->name, has);
}
