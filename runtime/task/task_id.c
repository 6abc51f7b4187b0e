/* Task ids, names, paths, clocks and small process helpers. */
#include <ctype.h>
#include <errno.h>
#include <ftw.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "task/task_priv.h"

static const char *const state_names[] = {
	"PROVISIONING", "PENDING", "ACTIVATING", "RUNNING",
	"DEACTIVATING", "STOPPING", "DEPROVISIONING", "STOPPED",
};

const char *task_state_name(enum task_state state)
{
	return (size_t)state < ARRAY_SIZE(state_names) ? state_names[state] : "UNKNOWN";
}

static const char *const stop_code_names[] = {
	"", "TaskFailedToStart", "EssentialContainerExited", "UserInitiated",
};

const char *task_stop_code_name(enum task_stop_code code)
{
	return (size_t)code < ARRAY_SIZE(stop_code_names) ? stop_code_names[code] : "";
}

int task_id_new(char id[TASK_ID_LEN + 1], struct berr *err)
{
	unsigned char bytes[TASK_ID_LEN / 2];
	size_t got = 0;

	while (got < sizeof(bytes)) {
		ssize_t n = getrandom(bytes + got, sizeof(bytes) - got, 0);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return berr_sys(err, "getrandom");
		got += (size_t)n;
	}
	for (size_t i = 0; i < sizeof(bytes); i++)
		snprintf(id + 2 * i, 3, "%02x", bytes[i]);
	return 0;
}

bool task_id_valid(const char *s)
{
	return strlen(s) == TASK_ID_LEN && strspn(s, "0123456789abcdef") == TASK_ID_LEN;
}

bool task_name_valid(const char *name)
{
	size_t n = strlen(name);

	return n > 0 && n <= TASK_NAME_MAX && isalnum((unsigned char)name[0]) &&
	       strspn(name, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-") == n;
}

char *task_state_dir(const struct paths *paths, const char *id, struct berr *err)
{
	return str_printf(err, "%s/tasks/%s", paths->state, id);
}

char *task_run_dir(const struct paths *paths, const char *id, struct berr *err)
{
	return str_printf(err, "%s/tasks/%s", paths->run, id);
}

void task_rootfs_id(const char *id, size_t index, char out[TASK_ID_LEN + 24])
{
	snprintf(out, TASK_ID_LEN + 24, "%s-%zu", id, index);
}

double task_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	/* Milliseconds, as the ECS API gives them. */
	return (double)ts.tv_sec + (double)(ts.tv_nsec - ts.tv_nsec % 1000000) / 1e9;
}

int64_t task_mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

unsigned long long task_proc_start(pid_t pid)
{
	char path[64], buf[1024];
	unsigned long long start = 0;
	_cleanup_fclose_ FILE *f = NULL;
	char *p;
	size_t n;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	f = fopen(path, "re");
	if (!f)
		return 0;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	/* The command name may hold spaces and parentheses: fields count from the last ')'. */
	p = strrchr(buf, ')');
	/* A zombie (state Z, or X) is gone for every purpose here. */
	if (!p || p[1] != ' ' || p[2] == 'Z' || p[2] == 'X')
		return 0;
	/* After ") ": state is field 3, starttime field 22. */
	for (int field = 2; field < 22 && p; field++)
		p = strchr(p + 1, ' ');
	if (p)
		start = strtoull(p + 1, NULL, 10);
	return start;
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	if (flag == FTW_DP)
		return rmdir(path) < 0 && errno != ENOENT ? -1 : 0;
	return unlink(path) < 0 && errno != ENOENT ? -1 : 0;
}

int task_remove_tree(const char *path, struct berr *err)
{
	/* FTW_MOUNT: a mount left inside (it should not be) stops the removal
	 * at its root (rmdir fails EBUSY) rather than emptying it. */
	if (nftw(path, remove_entry, 16, FTW_DEPTH | FTW_PHYS | FTW_MOUNT) < 0 && errno != ENOENT)
		return berr_sys(err, "remove %s", path);
	return 0;
}
