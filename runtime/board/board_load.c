/* Picking the board: override file, BERTH_BOARD, detected model, CONFIG_BOARD;
 * then the machine's real capacity. */
#include <errno.h>
#include <string.h>

#include "board/board_builtin.h"
#include "board/board_private.h"

#define MODEL_PATH "/proc/device-tree/model"

#if defined(__aarch64__)
#define BOARD_DEFAULT "qemu-virt"
#else
#define BOARD_DEFAULT "pc"
#endif

/* Longest prefix first is not needed: no prefix here is a prefix of another. */
static const struct {
	const char *prefix;
	const char *board;
} models[] = {
	{ "Raspberry Pi 5", "rpi5" }, /* also the Pi 500 */
	{ "Raspberry Pi Compute Module 5", "rpi5" },
	{ "Raspberry Pi 4", "rpi4" }, /* also the Pi 400 */
	{ "Raspberry Pi Compute Module 4", "rpi4" },
};

const char *board_name_for_model(const char *model)
{
	for (size_t i = 0; i < ARRAY_SIZE(models); i++)
		if (str_starts_with(model, models[i].prefix))
			return models[i].board;
	return NULL;
}

/* The device tree's model ("Raspberry Pi 4 Model B Rev 1.4"); the file ends
 * in a NUL. Empty when there is none, as on PCs and most VMs. */
static void read_model(char *buf, size_t size)
{
	struct berr err = { 0 };
	_cleanup_free_ char *text = fs_read_file(MODEL_PATH, 4096, NULL, &err);
	size_t len;

	buf[0] = '\0';
	if (!text) {
		if (err.code != ENOENT)
			log_debug("%s", err.msg);
		return;
	}
	snprintf(buf, size, "%s", text);
	len = strlen(buf);
	while (len > 0 && (buf[len - 1] == '\n' || buf[len - 1] == ' '))
		buf[--len] = '\0';
}

static const char *builtin_names(char *buf, size_t size)
{
	size_t used = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < board_builtins_count && used < size; i++)
		used += (size_t)snprintf(buf + used, size - used, "%s%s", i ? " " : "",
					 board_builtins[i].name);
	return buf;
}

static const struct board_builtin *find_builtin(const char *name)
{
	for (size_t i = 0; i < board_builtins_count; i++)
		if (strcmp(board_builtins[i].name, name) == 0)
			return &board_builtins[i];
	return NULL;
}

/* chosen_by says what named the board, for errors ("BERTH_BOARD=rpi9"). */
static int apply_builtin(struct board_draft *d, const char *name, const char *chosen_by,
			 struct berr *err)
{
	const struct board_builtin *builtin = find_builtin(name);
	_cleanup_cjson_ cJSON *json = NULL;
	char origin[96];
	char names[256];

	if (!builtin)
		return berr_set(err, 0, "%s: no such built-in board (boards: %s)", chosen_by,
				builtin_names(names, sizeof(names)));
	snprintf(origin, sizeof(origin), "built-in board %s", name);
	json = cJSON_Parse(builtin->json);
	if (!json)
		return berr_set(err, 0, "%s: not valid JSON", origin);
	if (board_json_apply(d, json, origin, err) < 0)
		return -1;
	return board_json_check_complete(d, origin, err);
}

/* The board berth would use without an override; origin receives what chose it. */
static int pick_builtin(struct board_draft *d, char *origin, size_t size, struct berr *err)
{
	const char *env = getenv("BERTH_BOARD");
	const char *name;
	char model[sizeof(d->board.model)];

	if (env && *env) {
		snprintf(origin, size, "BERTH_BOARD=%s", env);
		snprintf(d->board.source, sizeof(d->board.source), "BERTH_BOARD");
		return apply_builtin(d, env, origin, err);
	}
	read_model(model, sizeof(model));
	name = board_name_for_model(model);
	if (name) {
		snprintf(origin, size, "%s (%s)", MODEL_PATH, model);
		snprintf(d->board.source, sizeof(d->board.source), "detected");
		if (apply_builtin(d, name, origin, err) < 0)
			return -1;
		snprintf(d->board.model, sizeof(d->board.model), "%s", model);
		return 0;
	}
	name = CONFIG_BOARD[0] ? CONFIG_BOARD : BOARD_DEFAULT;
	snprintf(origin, size, "CONFIG_BOARD=\"%s\"", name);
	snprintf(d->board.source, sizeof(d->board.source), "configured");
	return apply_builtin(d, name, origin, err);
}

static int apply_override(struct board_draft *d, const char *path, struct berr *err)
{
	_cleanup_cjson_ cJSON *json = json_parse_file(path, BOARD_FILE_MAX, err);

	if (!json)
		return -1;
	if (board_json_apply(d, json, path, err) < 0)
		return -1;
	snprintf(d->board.source, sizeof(d->board.source), "override");
	return 0;
}

static int check_arch(const struct board *b, const char *origin, struct berr *err)
{
	if (strcmp(b->arch, BOARD_BUILD_ARCH) == 0)
		return 0;
	return berr_set(err, 0,
			"%s: board %s is %s but this berth is built for %s (use a berth built "
			"with make ARCH=%s, or another board)",
			origin, b->name, b->arch, BOARD_BUILD_ARCH, b->arch);
}

static int machine_memory_mib(long *out, struct berr *err)
{
	_cleanup_free_ char *text = fs_read_file("/proc/meminfo", BOARD_FILE_MAX, NULL, err);
	const char *line;
	long kib;

	if (!text)
		return -1;
	line = strstr(text, "MemTotal:");
	if (!line || sscanf(line, "MemTotal: %ld kB", &kib) != 1 || kib < 1024)
		return berr_set(err, 0, "/proc/meminfo: no MemTotal line");
	*out = kib / 1024;
	return 0;
}

/* A configured size is an upper bound: a 2 GiB Pi 4 with "memory_mib": 8192
 * still has 2 GiB. */
static int settle_capacity(struct board *b, const char *origin, struct berr *err)
{
	long online = sysconf(_SC_NPROCESSORS_ONLN);
	long mem = 0;

	if (online < 1)
		return berr_sys(err, "count online CPUs");
	if (machine_memory_mib(&mem, err) < 0)
		return -1;
	if (online > 1024)
		online = 1024;
	b->vcpus = b->vcpus_configured && b->vcpus_configured < online ? b->vcpus_configured
								       : (int)online;
	b->memory_mib = b->memory_configured_mib && b->memory_configured_mib < mem
				? b->memory_configured_mib
				: mem;
	if (b->reserved_cpu_units >= b->vcpus * 1024L)
		return berr_set(err, 0,
				"%s: reserved_cpu_units %ld leaves no cpu for tasks (this board "
				"has %d vCPU = %ld cpu units)",
				origin, b->reserved_cpu_units, b->vcpus, b->vcpus * 1024L);
	if (b->reserved_memory_mib >= b->memory_mib)
		return berr_set(err, 0,
				"%s: reserved_memory_mib %ld leaves no memory for tasks (this "
				"board has %ld MiB)",
				origin, b->reserved_memory_mib, b->memory_mib);
	return 0;
}

int board_load(const struct paths *paths, struct board *board, struct berr *err)
{
	_cleanup_free_ char *override = board_override_path(paths, err);
	struct board_draft d = { 0 };
	char chosen_by[256];
	const char *origin = chosen_by;

	if (!override || pick_builtin(&d, chosen_by, sizeof(chosen_by), err) < 0)
		return -1;
	if (fs_exists(override)) {
		if (apply_override(&d, override, err) < 0)
			return -1;
		origin = override;
	}
	if (check_arch(&d.board, origin, err) < 0 || settle_capacity(&d.board, origin, err) < 0)
		return -1;
	*board = d.board;
	return 0;
}

char *board_override_path(const struct paths *paths, struct berr *err)
{
	return str_printf(err, "%s/board.json", paths->etc);
}

long board_usable_cpu_units(const struct board *board)
{
	return board->vcpus * 1024L - board->reserved_cpu_units;
}

long board_usable_memory_mib(const struct board *board)
{
	return board->memory_mib - board->reserved_memory_mib;
}

const char *board_ecs_arch(const struct board *board)
{
	return strcmp(board->arch, "arm64") == 0 ? "ARM64" : "X86_64";
}
