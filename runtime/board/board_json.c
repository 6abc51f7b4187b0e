/* board.json: its fields, each validated with a message that says what is valid. */
#include <arpa/inet.h>
#include <ctype.h>
#include <string.h>

#include "board/board_private.h"

struct field {
	const char *name;
	int (*apply)(struct board *b, const cJSON *v, const char *origin, struct berr *err);
};

static int invalid(const cJSON *v, const char *origin, const char *field, const char *valid,
		   struct berr *err)
{
	char shown[80];

	return berr_set(err, 0, "%s: %s %s is not valid (valid: %s)", origin, field,
			json_describe(v, shown, sizeof(shown)), valid);
}

static bool json_long(const cJSON *v, long min, long max, long *out)
{
	if (!cJSON_IsNumber(v) || v->valuedouble < (double)min || v->valuedouble > (double)max)
		return false;
	if (v->valuedouble != (double)(long)v->valuedouble)
		return false;
	*out = (long)v->valuedouble;
	return true;
}

static bool json_is_auto(const cJSON *v)
{
	return cJSON_IsString(v) && strcmp(v->valuestring, "auto") == 0;
}

/* Copies a JSON string that must fit dst (with its NUL). */
static bool json_copy(const cJSON *v, char *dst, size_t size)
{
	size_t len;

	if (!cJSON_IsString(v))
		return false;
	len = strlen(v->valuestring);
	if (len == 0 || len >= size)
		return false;
	memcpy(dst, v->valuestring, len + 1);
	return true;
}

static int apply_name(struct board *b, const cJSON *v, const char *origin, struct berr *err)
{
	const char *valid = "1-63 characters of A-Z a-z 0-9 . _ -";

	if (!json_copy(v, b->name, sizeof(b->name)))
		return invalid(v, origin, "name", valid, err);
	if (strspn(b->name, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-") !=
	    strlen(b->name))
		return invalid(v, origin, "name", valid, err);
	return 0;
}

static int apply_description(struct board *b, const cJSON *v, const char *origin, struct berr *err)
{
	if (!json_copy(v, b->model, sizeof(b->model)))
		return invalid(v, origin, "description", "a string of 1-127 bytes", err);
	return 0;
}

static int apply_arch(struct board *b, const cJSON *v, const char *origin, struct berr *err)
{
	if (!cJSON_IsString(v) ||
	    (strcmp(v->valuestring, "arm64") != 0 && strcmp(v->valuestring, "x86_64") != 0))
		return invalid(v, origin, "arch", "\"arm64\" or \"x86_64\"", err);
	snprintf(b->arch, sizeof(b->arch), "%s", v->valuestring);
	return 0;
}

static int apply_vcpus(struct board *b, const cJSON *v, const char *origin, struct berr *err)
{
	long n = 0;

	if (!json_is_auto(v) && !json_long(v, 1, 1024, &n))
		return invalid(v, origin, "vcpus", "1-1024, or \"auto\" to count online CPUs", err);
	b->vcpus_configured = (int)n;
	return 0;
}

static int apply_memory(struct board *b, const cJSON *v, const char *origin, struct berr *err)
{
	long n = 0;

	/* The upper bound only keeps MiB arithmetic far from overflow: 16 TiB. */
	if (!json_is_auto(v) && !json_long(v, 64, 16L << 20, &n))
		return invalid(v, origin, "memory_mib",
			       "64-16777216, or \"auto\" for MemTotal of /proc/meminfo", err);
	b->memory_configured_mib = n;
	return 0;
}

static int apply_reserved_cpu(struct board *b, const cJSON *v, const char *origin, struct berr *err)
{
	if (!json_long(v, 0, 1024L * 1024, &b->reserved_cpu_units))
		return invalid(v, origin, "reserved_cpu_units",
			       "0 or more cpu units (1024 a vCPU), less than the board has", err);
	return 0;
}

static int apply_reserved_memory(struct board *b, const cJSON *v, const char *origin,
				 struct berr *err)
{
	if (!json_long(v, 0, 16L << 20, &b->reserved_memory_mib))
		return invalid(v, origin, "reserved_memory_mib",
			       "0 or more MiB, less than the board has", err);
	return 0;
}

/* An IPv4 network a.b.c.d/p, p in 8-30 (room for a gateway and tasks), host bits zero. */
static bool valid_subnet(const char *cidr)
{
	char addr[INET_ADDRSTRLEN];
	const char *slash = strchr(cidr, '/');
	struct in_addr in;
	long prefix;
	uint32_t host_mask;

	if (!slash || (size_t)(slash - cidr) >= sizeof(addr))
		return false;
	memcpy(addr, cidr, (size_t)(slash - cidr));
	addr[slash - cidr] = '\0';
	if (inet_pton(AF_INET, addr, &in) != 1 || str_to_long(slash + 1, 8, 30, &prefix) < 0)
		return false;
	host_mask = (1U << (32 - prefix)) - 1;
	return (ntohl(in.s_addr) & host_mask) == 0;
}

static int apply_subnet(struct board *b, const cJSON *v, const char *origin, struct berr *err)
{
	if (!json_copy(v, b->subnet, sizeof(b->subnet)) || !valid_subnet(b->subnet))
		return invalid(v, origin, "subnet",
			       "an IPv4 network with a /8-/30 prefix and zero host bits, e.g. "
			       "\"10.88.0.0/24\"",
			       err);
	return 0;
}

/* As the kernel's dev_valid_name: 1-15 bytes, not . or .., no / : or whitespace. */
static bool valid_ifname(const char *name)
{
	if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
		return false;
	for (const char *p = name; *p; p++)
		if (!isgraph((unsigned char)*p) || *p == '/' || *p == ':')
			return false;
	return true;
}

static int apply_bridge(struct board *b, const cJSON *v, const char *origin, struct berr *err)
{
	if (!json_copy(v, b->bridge, sizeof(b->bridge)) || !valid_ifname(b->bridge))
		return invalid(v, origin, "bridge",
			       "a network interface name of 1-15 printable ASCII characters "
			       "without / or :, e.g. \"berth0\"",
			       err);
	return 0;
}

static int apply_nat(struct board *b, const cJSON *v, const char *origin, struct berr *err)
{
	if (!cJSON_IsBool(v))
		return invalid(v, origin, "nat", "true or false", err);
	b->nat = cJSON_IsTrue(v);
	return 0;
}

static const struct field fields[] = {
	{ "name", apply_name },
	{ "description", apply_description },
	{ "arch", apply_arch },
	{ "vcpus", apply_vcpus },
	{ "memory_mib", apply_memory },
	{ "reserved_cpu_units", apply_reserved_cpu },
	{ "reserved_memory_mib", apply_reserved_memory },
	{ "subnet", apply_subnet },
	{ "bridge", apply_bridge },
	{ "nat", apply_nat },
};

static const struct field *find_field(const char *name, unsigned *bit)
{
	for (size_t i = 0; i < ARRAY_SIZE(fields); i++) {
		if (strcmp(fields[i].name, name) == 0) {
			*bit = 1U << i;
			return &fields[i];
		}
	}
	return NULL;
}

/* "name, description, ..." for the warning about an unknown field. */
static const char *field_names(char *buf, size_t size)
{
	size_t used = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < ARRAY_SIZE(fields) && used < size; i++)
		used += (size_t)snprintf(buf + used, size - used, "%s%s", i ? ", " : "",
					 fields[i].name);
	return buf;
}

int board_json_apply(struct board_draft *draft, const cJSON *obj, const char *origin,
		     struct berr *err)
{
	const cJSON *item;

	if (!cJSON_IsObject(obj))
		return berr_set(err, 0, "%s: must be a JSON object of board fields", origin);
	cJSON_ArrayForEach(item, obj) {
		unsigned bit = 0;
		const struct field *f = find_field(item->string, &bit);

		if (!f) {
			char known[256];

			log_warn("%s: unknown field \"%s\" ignored (fields: %s)", origin,
				 item->string, field_names(known, sizeof(known)));
			continue;
		}
		if (f->apply(&draft->board, item, origin, err) < 0)
			return -1;
		draft->fields_set |= bit;
	}
	return 0;
}

int board_json_check_complete(const struct board_draft *draft, const char *origin,
			      struct berr *err)
{
	for (size_t i = 0; i < ARRAY_SIZE(fields); i++) {
		if (!(draft->fields_set & (1U << i)))
			return berr_set(err, 0, "%s: field %s is missing", origin, fields[i].name);
	}
	return 0;
}
