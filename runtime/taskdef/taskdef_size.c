/* Sizes: the "1 vCPU" / "2 GB" / "25m" forms, the Fargate size table, the
 * EC2 rules, the containers' share of the task, and the board's capacity. */
#include <limits.h>
#include <string.h>
#include <strings.h>

#include "taskdef/taskdef_priv.h"

struct unit {
	const char *name; /* compared case-insensitively */
	unsigned long long mult;
};

/* A decimal number ("2", "0.25", ".5") times mult, which must come out
 * whole; *rest is left after the number. Exact: no floating point. */
static int scaled_decimal(const char *s, unsigned long long mult, const char **rest,
			  unsigned long long *out)
{
	unsigned long long num = 0, den = 1;
	bool frac = false;
	int digits = 0;

	for (; *s; s++) {
		if (*s == '.' && !frac) {
			frac = true;
			continue;
		}
		if (*s < '0' || *s > '9')
			break;
		if (++digits > 15)
			return -1;
		num = num * 10 + (unsigned long long)(*s - '0');
		den *= frac ? 10 : 1;
	}
	if (digits == 0 || num > ULLONG_MAX / mult || (num * mult) % den)
		return -1;
	*rest = s;
	*out = num * mult / den;
	return 0;
}

/* "<decimal>[ ]<unit>" with unit from units[] (the empty name = no unit). */
static int parse_with_units(const char *s, const struct unit *units, size_t count,
			    unsigned long long *out)
{
	const char *unit = s + strspn(s, "0123456789.");
	const char *rest;

	unit += strspn(unit, " ");
	for (size_t i = 0; i < count; i++) {
		if (strcasecmp(unit, units[i].name) != 0)
			continue;
		if (scaled_decimal(s, units[i].mult, &rest, out) < 0)
			return -1;
		return rest + strspn(rest, " ") == unit ? 0 : -1;
	}
	return -1;
}

static int parse_long_with_units(const char *s, const struct unit *units, size_t count, long *out)
{
	unsigned long long v;

	if (parse_with_units(s, units, count, &v) < 0 || v == 0 || v > LONG_MAX)
		return -1;
	*out = (long)v;
	return 0;
}

int td_parse_cpu(const char *s, long *units)
{
	static const struct unit cpu_units[] = { { "", 1 }, { "vcpu", 1024 } };

	return parse_long_with_units(s, cpu_units, ARRAY_SIZE(cpu_units), units);
}

int td_parse_memory(const char *s, long *mib)
{
	static const struct unit mem_units[] = {
		{ "", 1 }, { "mb", 1 }, { "mib", 1 }, { "gb", 1024 }, { "gib", 1024 },
	};

	return parse_long_with_units(s, mem_units, ARRAY_SIZE(mem_units), mib);
}

int td_parse_bytes(const char *s, unsigned long long *bytes)
{
	/* docker's RAMInBytes forms: binary multiples, optional "i" and "b". */
	static const struct unit byte_units[] = {
		{ "", 1 },	      { "b", 1 },
		{ "k", 1ULL << 10 },  { "kb", 1ULL << 10 },  { "kib", 1ULL << 10 },
		{ "m", 1ULL << 20 },  { "mb", 1ULL << 20 },  { "mib", 1ULL << 20 },
		{ "g", 1ULL << 30 },  { "gb", 1ULL << 30 },  { "gib", 1ULL << 30 },
		{ "t", 1ULL << 40 },  { "tb", 1ULL << 40 },  { "tib", 1ULL << 40 },
	};

	if (parse_with_units(s, byte_units, ARRAY_SIZE(byte_units), bytes) < 0 || *bytes == 0)
		return -1;
	return 0;
}

/* ---- the Fargate size table (docs/ECS-API.md) ----------------------------- */

struct fargate_size {
	long cpu;
	long mem_min, mem_max, mem_step; /* step 0: mem_min, 2 x mem_min, mem_max */
};

static const struct fargate_size fargate_sizes[] = {
	{ 256, 512, 2048, 0 },		{ 512, 1024, 4096, 1024 },
	{ 1024, 2048, 8192, 1024 },	{ 2048, 4096, 16384, 1024 },
	{ 4096, 8192, 30720, 1024 },	{ 8192, 16384, 61440, 4096 },
	{ 16384, 32768, 122880, 8192 },
};

#define FARGATE_CPU_LIST "256, 512, 1024, 2048, 4096, 8192, 16384"

static const struct fargate_size *fargate_row(long cpu)
{
	for (size_t i = 0; i < ARRAY_SIZE(fargate_sizes); i++)
		if (fargate_sizes[i].cpu == cpu)
			return &fargate_sizes[i];
	return NULL;
}

static bool fargate_memory_ok(const struct fargate_size *row, long mib)
{
	if (row->mem_step == 0)
		return mib == row->mem_min || mib == 2 * row->mem_min || mib == row->mem_max;
	return mib >= row->mem_min && mib <= row->mem_max && (mib - row->mem_min) % row->mem_step == 0;
}

static void fargate_memory_list(const struct fargate_size *row, char *buf, size_t size)
{
	if (row->mem_step == 0)
		snprintf(buf, size, "%ld, %ld, %ld", row->mem_min, 2 * row->mem_min, row->mem_max);
	else
		snprintf(buf, size, "%ld-%ld in steps of %ld", row->mem_min, row->mem_max,
			 row->mem_step);
}

/* ---- reading the task's cpu / memory ----------------------------------------- */

enum size_read { SIZE_ABSENT, SIZE_OK, SIZE_BAD };

static enum size_read read_size(struct td_ctx *ctx, const cJSON *root, const char *name,
				int (*parse)(const char *, long *), const char *forms, long *out)
{
	const cJSON *v = td_member(root, name);
	char given[96];

	if (!v)
		return SIZE_ABSENT;
	if (cJSON_IsNumber(v) && v->valuedouble >= 1 && v->valuedouble < 1e12 &&
	    v->valuedouble == (double)(long)v->valuedouble) {
		*out = (long)v->valuedouble;
		return SIZE_OK;
	}
	if (cJSON_IsString(v) && parse(v->valuestring, out) == 0)
		return SIZE_OK;
	json_describe(v, given, sizeof(given));
	if (cJSON_IsString(v) || cJSON_IsNumber(v))
		td_error(ctx, name, "%s is not a %s size (valid: %s)", given, name, forms);
	else
		td_error(ctx, name, "expected a string or a number, got %s", given);
	return SIZE_BAD;
}

static void check_fargate_size(struct td_ctx *ctx, enum size_read cpu_read,
			       enum size_read mem_read)
{
	struct task_def *td = ctx->td;
	const struct fargate_size *row = cpu_read == SIZE_OK ? fargate_row(td->cpu) : NULL;
	char valid[64] = "";

	if (row)
		fargate_memory_list(row, valid, sizeof(valid));
	if (cpu_read == SIZE_ABSENT)
		td_error(ctx, "cpu", "missing (required for FARGATE; valid: " FARGATE_CPU_LIST ")");
	else if (cpu_read == SIZE_OK && !row)
		td_error(ctx, "cpu", "%ld is not a Fargate size (valid: " FARGATE_CPU_LIST ")",
			 td->cpu);
	if (mem_read == SIZE_ABSENT && row)
		td_error(ctx, "memory", "missing (required for FARGATE; valid for cpu %ld: %s)",
			 td->cpu, valid);
	else if (mem_read == SIZE_ABSENT)
		td_error(ctx, "memory", "missing (required for FARGATE)");
	else if (mem_read == SIZE_OK && row && !fargate_memory_ok(row, td->memory_mib))
		td_error(ctx, "memory", "%ld is not valid for cpu %ld (valid: %s)", td->memory_mib,
			 td->cpu, valid);
}

/* Without FARGATE: ECS's EC2 ranges, and sizes derived from the containers. */
static void check_other_size(struct td_ctx *ctx, enum size_read cpu_read,
			     enum size_read mem_read)
{
	struct task_def *td = ctx->td;
	long cpu_sum = 0, mem_sum = 0;
	char p[TD_PATH_MAX];

	if (cpu_read == SIZE_OK && (td->cpu < 128 || td->cpu > 196608))
		td_error(ctx, "cpu", "%ld is out of range (valid: 128-196608 cpu units)", td->cpu);
	if (mem_read == SIZE_OK && td->memory_mib < 6)
		td_error(ctx, "memory", "%ld is out of range (valid: at least 6 MiB)", td->memory_mib);
	for (size_t i = 0; i < td->container_count; i++) {
		const struct container_def *c = &td->containers[i];

		cpu_sum += c->cpu;
		mem_sum += c->memory_mib ? c->memory_mib : c->memory_reservation_mib;
		if (mem_read == SIZE_ABSENT && !c->memory_mib && !c->memory_reservation_mib) {
			td_path_index(p, "containerDefinitions", i);
			td_path_member(p, p, "memory");
			td_error(ctx, p, "missing (required when the task sets no memory: memory "
					 "or memoryReservation)");
		}
	}
	if (cpu_read == SIZE_ABSENT && cpu_sum > 0) {
		td->cpu = cpu_sum;
		td->cpu_source = TASKDEF_SIZE_FROM_CONTAINERS;
		td_warn(ctx, "cpu", "not set; using %ld, the sum of the containers' cpu", cpu_sum);
	} else if (cpu_read == SIZE_ABSENT) {
		td->cpu = 1024;
		td->cpu_source = TASKDEF_SIZE_DEFAULT;
		td_warn(ctx, "cpu", "not set; using 1024 (1 vCPU), as no container sets cpu either");
	}
	if (mem_read == SIZE_ABSENT && mem_sum > 0) {
		td->memory_mib = mem_sum;
		td->memory_source = TASKDEF_SIZE_FROM_CONTAINERS;
		td_warn(ctx, "memory", "not set; using %ld MiB, the sum of the containers' memory "
				       "(or memoryReservation)", mem_sum);
	}
}

/* ECS: the containers' cpu and reserved memory must fit in the task's. */
static void check_container_shares(struct td_ctx *ctx)
{
	const struct task_def *td = ctx->td;
	long cpu_sum = 0, reserved = 0;
	bool one_too_big = false;
	char p[TD_PATH_MAX];

	for (size_t i = 0; i < td->container_count; i++) {
		const struct container_def *c = &td->containers[i];

		cpu_sum += c->cpu;
		reserved += c->memory_reservation_mib ? c->memory_reservation_mib : c->memory_mib;
		if (c->memory_mib > td->memory_mib) {
			one_too_big = true;
			td_path_index(p, "containerDefinitions", i);
			td_path_member(p, p, "memory");
			td_error(ctx, p, "%ld is more than the task's memory %ld MiB", c->memory_mib,
				 td->memory_mib);
		}
	}
	if (cpu_sum > td->cpu)
		td_error(ctx, "containerDefinitions",
			 "the containers' cpu adds up to %ld, more than the task's cpu %ld", cpu_sum,
			 td->cpu);
	/* One container over the whole task is the problem to name, not the sum. */
	if (!one_too_big && reserved > td->memory_mib)
		td_error(ctx, "containerDefinitions",
			 "the containers reserve %ld MiB (memoryReservation, else memory), more than "
			 "the task's memory %ld MiB", reserved, td->memory_mib);
}

static void check_board_capacity(struct td_ctx *ctx)
{
	const struct board *b = ctx->board;
	const struct task_def *td = ctx->td;
	long cpu = board_usable_cpu_units(b), mem = board_usable_memory_mib(b);

	if (td->cpu > cpu)
		td_error(ctx, "cpu",
			 "%ld exceeds the board's usable capacity of %ld cpu units (%s: %d vCPU less "
			 "%ld reserved)", td->cpu, cpu, b->name, b->vcpus, b->reserved_cpu_units);
	if (td->memory_mib > mem)
		td_error(ctx, "memory",
			 "%ld MiB exceeds the board's usable capacity of %ld MiB (%s: %ld MiB less "
			 "%ld reserved)", td->memory_mib, mem, b->name, b->memory_mib,
			 b->reserved_memory_mib);
}

void td_parse_task_size(struct td_ctx *ctx, const cJSON *root)
{
	struct task_def *td = ctx->td;
	size_t errors_before = ctx->problems->error_count;
	enum size_read cpu_read, mem_read;

	cpu_read = read_size(ctx, root, "cpu", td_parse_cpu, "cpu units like 1024, or \"1 vCPU\"",
			     &td->cpu);
	mem_read = read_size(ctx, root, "memory", td_parse_memory, "MiB like 2048, or \"2 GB\"",
			     &td->memory_mib);
	if (td->compat & TASKDEF_COMPAT_FARGATE)
		check_fargate_size(ctx, cpu_read, mem_read);
	else
		check_other_size(ctx, cpu_read, mem_read);
	/* Shares and capacity only mean something for a valid size. */
	if (ctx->problems->error_count != errors_before)
		return;
	check_container_shares(ctx);
	if (ctx->board)
		check_board_capacity(ctx);
}
