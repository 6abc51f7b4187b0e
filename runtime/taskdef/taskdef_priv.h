/* Private to runtime/taskdef/: the parse context and the type-checked JSON
 * readers every taskdef_*.c file shares. Not part of the interface. */
#ifndef BERTH_TASKDEF_PRIV_H
#define BERTH_TASKDEF_PRIV_H

#include "taskdef/taskdef.h"

/* Field paths are built from the JSON's structure (plus member names the
 * user chose, which may be cut short in messages, never overflowed). */
#define TD_PATH_MAX 512

/* Parsing never stops at a problem: problems are collected, and running out
 * of memory is sticky (oom), checked once at the end. So every reader must
 * cope with fields left NULL / 0, exactly as it must for absent fields. */
struct td_ctx {
	const char *source;   /* first part of every line */
	const char *prefix;   /* "" or "taskDefinition." for wrapped exports */
	const struct board *board;
	struct taskdef_problems *problems;
	struct task_def *td;
	bool oom;
};

/* ---- enum spellings (taskdef_names.c), indexed by the enum --------------- */

extern const char *const td_network_mode_names[4];
extern const char *const td_pid_mode_names[3];  /* [0] "container": berth's name for unset */
extern const char *const td_ipc_mode_names[4];
extern const char *const td_compat_names[4];    /* [i] is bit 1 << i */
extern const char *const td_arch_names[3];      /* [0] "any": unset */
extern const char *const td_scope_names[2];
extern const char *const td_protocol_names[2];
extern const char *const td_health_kind_names[3];
extern const char *const td_condition_names[4];
extern const char *const td_log_driver_names[3];
extern const char *const td_log_mode_names[2];

/* ---- problems (taskdef_ctx.c) ----------------------------------------- */

void td_error(struct td_ctx *ctx, const char *path, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void td_warn(struct td_ctx *ctx, const char *path, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* ---- memory: NULL on failure, with ctx->oom set ------------------------ */

void *td_calloc(struct td_ctx *ctx, size_t n, size_t size);
char *td_strdup(struct td_ctx *ctx, const char *s);

void td_strv_free(struct taskdef_strv *v);

/* ---- paths --------------------------------------------------------------- */

/* out = parent + "." + name (or name at the root); out may be parent. */
void td_path_member(char out[TD_PATH_MAX], const char *parent, const char *name);
/* out = parent + "[i]"; out may be parent. */
void td_path_index(char out[TD_PATH_MAX], const char *parent, size_t i);

/* ---- type-checked readers ---------------------------------------------- */

/* The member, or NULL when absent or JSON null (null means absent, as for
 * the ECS API). */
const cJSON *td_member(const cJSON *obj, const char *name);

/* Each returns true with *out set when the member is present, of the right
 * type and (for numbers) within [min, max]; false when absent; false with a
 * problem recorded when wrong. */
bool td_get_string(struct td_ctx *ctx, const cJSON *obj, const char *path, const char *name,
		   const char **out);
bool td_get_bool(struct td_ctx *ctx, const cJSON *obj, const char *path, const char *name,
		 bool *out);
bool td_get_long(struct td_ctx *ctx, const cJSON *obj, const char *path, const char *name,
		 long min, long max, const char *unit, long *out);
bool td_get_int(struct td_ctx *ctx, const cJSON *obj, const char *path, const char *name,
		int min, int max, const char *unit, int *out);
/* An array / object member, or NULL (absent, or a type problem recorded). */
const cJSON *td_get_array(struct td_ctx *ctx, const cJSON *obj, const char *path,
			  const char *name);
const cJSON *td_get_object(struct td_ctx *ctx, const cJSON *obj, const char *path,
			   const char *name);
/* An array of strings into out (owned copies). */
void td_get_strv(struct td_ctx *ctx, const cJSON *obj, const char *path, const char *name,
		 struct taskdef_strv *out);
/* A string member that must be present: problem "missing (required)". */
const char *td_require_string(struct td_ctx *ctx, const cJSON *obj, const char *path,
			      const char *name);
/* Element i of an array that must be an object, or NULL with a problem. */
const cJSON *td_array_object(struct td_ctx *ctx, const cJSON *array, const char *path, size_t i,
			     char elem_path[TD_PATH_MAX]);

/* A string (member) that must be one of names[] (ECS spelling, compared
 * case-sensitively unless nocase). Returns the index, or -1 when absent or
 * wrong (problem recorded, listing the valid names). */
int td_enum_value(struct td_ctx *ctx, const cJSON *v, const char *path,
		  const char *const *names, size_t count, bool nocase);
int td_get_enum(struct td_ctx *ctx, const cJSON *obj, const char *path, const char *name,
		const char *const *names, size_t count, bool nocase);

/* Warn "<path>.<name>: unknown field, ignored" for members not in known
 * (NULL-terminated). */
void td_check_fields(struct td_ctx *ctx, const cJSON *obj, const char *path,
		     const char *const *known);
/* A member that matters only when set: true unless absent, null, false, 0,
 * "", [] or {}. */
bool td_is_set(const cJSON *obj, const char *name);
/* Warn "<path>.<name>: ignored (<why>)" when set. */
void td_ignore_if_set(struct td_ctx *ctx, const cJSON *obj, const char *path, const char *name,
		      const char *why);
/* Error "<path>.<name>: <why>" when set. */
void td_reject_if_set(struct td_ctx *ctx, const cJSON *obj, const char *path, const char *name,
		      const char *why);

/* ECS names (family, container, volume): 1-255 letters, digits, '-', '_'. */
bool td_is_ecs_name(const char *s);
/* The problem for a name that is not one. */
void td_check_ecs_name(struct td_ctx *ctx, const char *path, const char *name);
bool td_is_absolute_path(const char *s);

/* ---- sizes (taskdef_size.c) -------------------------------------------- */

/* "1024", "1 vCPU", "0.25 vcpu" -> cpu units. -1 when not understood. */
int td_parse_cpu(const char *s, long *units);
/* "1024", "2 GB", "2GiB", "512 MiB" -> MiB. */
int td_parse_memory(const char *s, long *mib);
/* "25m", "1024k", "1g", "4096", "1.5MB" (binary multiples) -> bytes. */
int td_parse_bytes(const char *s, unsigned long long *bytes);
/* Task cpu / memory: read, default, check against Fargate / EC2 rules and
 * the board. Runs after the containers are parsed (derivation needs them). */
void td_parse_task_size(struct td_ctx *ctx, const cJSON *root);

/* ---- the parts (one file each) ----------------------------------------- */

void td_parse_volumes(struct td_ctx *ctx, const cJSON *root);
void td_parse_containers(struct td_ctx *ctx, const cJSON *root);
void td_parse_ports(struct td_ctx *ctx, const cJSON *cobj, const char *path,
		    struct container_def *c);
void td_parse_health(struct td_ctx *ctx, const cJSON *cobj, const char *path,
		     struct container_def *c);
void td_parse_linux(struct td_ctx *ctx, const cJSON *cobj, const char *path,
		    struct container_def *c);
void td_parse_ulimits(struct td_ctx *ctx, const cJSON *cobj, const char *path,
		      struct container_def *c);
void td_parse_log(struct td_ctx *ctx, const cJSON *cobj, const char *path,
		  struct container_def *c);
void td_parse_secrets(struct td_ctx *ctx, const cJSON *array, const char *path,
		      struct taskdef_secret **out, size_t *count);
void td_parse_depends_on(struct td_ctx *ctx, const cJSON *cobj, const char *path,
			 struct container_def *c);
void td_parse_mounts(struct td_ctx *ctx, const cJSON *cobj, const char *path,
		     struct container_def *c);
/* Once every container is parsed: what mountPoints, volumesFrom, links and
 * dependsOn name must exist; shared ports; dependsOn cycles and the start
 * order. */
void td_resolve_references(struct td_ctx *ctx);
void td_check_task_ports(struct td_ctx *ctx);
void td_check_dependencies(struct td_ctx *ctx);

/* Index of the container called name, or -1. */
long td_container_index(const struct task_def *td, const char *name);

#endif
