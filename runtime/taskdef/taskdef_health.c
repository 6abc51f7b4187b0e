/* healthCheck: CMD / CMD-SHELL / NONE and ECS's ranges and defaults. */
#include <string.h>

#include "taskdef/taskdef_priv.h"

static void set_defaults(struct taskdef_health *h)
{
	h->kind = TASKDEF_HEALTH_NONE;
	h->interval_s = 30;
	h->timeout_s = 5;
	h->retries = 3;
	h->start_period_s = 0;
}

#ifdef CONFIG_HEALTHCHECK
static const char *const health_fields[] = {
	"command", "interval", "timeout", "retries", "startPeriod", NULL,
};

/* ["CMD", argv...], ["CMD-SHELL", "script"] or ["NONE"]. */
static void parse_command(struct td_ctx *ctx, const cJSON *hobj, const char *path,
			  struct taskdef_health *h)
{
	struct taskdef_strv words = { 0 };
	char p[TD_PATH_MAX], first[TD_PATH_MAX];
	const cJSON *word0;
	int kind;

	td_path_member(p, path, "command");
	if (!td_member(hobj, "command")) {
		td_error(ctx, p, "missing (required)");
		return;
	}
	td_get_strv(ctx, hobj, path, "command", &words);
	if (words.n == 0) {
		if (cJSON_IsArray(td_member(hobj, "command")))
			td_error(ctx, p, "is empty (valid: [\"CMD-SHELL\", \"a command\"] or "
					 "[\"CMD\", \"program\", \"args\"...])");
		return;
	}
	td_path_index(first, p, 0);
	word0 = cJSON_GetArrayItem(td_member(hobj, "command"), 0);
	/* A non-string word 0 was reported by td_get_strv already. */
	kind = !cJSON_IsString(word0) ? -1 :
		td_enum_value(ctx, word0, first, td_health_kind_names,
			      ARRAY_SIZE(td_health_kind_names), false);
	if (kind > 0 && words.n == 1)
		td_error(ctx, p, "nothing to run after %s", td_health_kind_names[kind]);
	if (kind > 0 && words.n > 1) {
		h->kind = (enum taskdef_health_kind)kind;
		/* The words after the kind, moved (not copied) into h->command. */
		free(words.v[0]);
		memmove(words.v, words.v + 1, (words.n - 1) * sizeof(*words.v));
		words.n--;
		h->command = words;
		return;
	}
	td_strv_free(&words);
}

void td_parse_health(struct td_ctx *ctx, const cJSON *cobj, const char *path,
		     struct container_def *c)
{
	const cJSON *hobj = td_get_object(ctx, cobj, path, "healthCheck");
	struct taskdef_health *h = &c->health;
	char p[TD_PATH_MAX];

	set_defaults(h);
	if (!hobj)
		return;
	td_path_member(p, path, "healthCheck");
	td_check_fields(ctx, hobj, p, health_fields);
	parse_command(ctx, hobj, p, h);
	td_get_int(ctx, hobj, p, "interval", 5, 300, "seconds", &h->interval_s);
	td_get_int(ctx, hobj, p, "timeout", 2, 60, "seconds", &h->timeout_s);
	td_get_int(ctx, hobj, p, "retries", 1, 10, NULL, &h->retries);
	td_get_int(ctx, hobj, p, "startPeriod", 0, 300, "seconds", &h->start_period_s);
}
#else
void td_parse_health(struct td_ctx *ctx, const cJSON *cobj, const char *path,
		     struct container_def *c)
{
	set_defaults(&c->health);
	td_reject_if_set(ctx, cobj, path, "healthCheck",
			 "health checks are disabled in this build of berth (CONFIG_HEALTHCHECK)");
}
#endif
