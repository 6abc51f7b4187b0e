/* The last steps before the program runs: ulimits, the environment, the
 * program found with the container's PATH (never berth's), fds closed,
 * and exec failures in docker's words and exit codes: 127 when the
 * program does not exist, 126 when it cannot be run. The child execs or
 * exits right after these, so what they allocate is never freed. */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>

#include "task/spawn_child.h"

/* Fargate's nofile soft and hard limits, where the task sets none. */
#define NOFILE_DEFAULT 65535
/* What docker sets when the image's Env has no PATH. */
#define DEFAULT_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

static rlim_t rlimit_value(long long v)
{
	return v < 0 ? RLIM_INFINITY : (rlim_t)v;
}

/* Fargate's nofile unless the task sets one. Without CAP_SYS_RESOURCE
 * (berth itself confined) a hard limit below it cannot be raised: the
 * container then keeps berth's limits, as docker's containers do. */
static int set_default_nofile(struct berr *err)
{
	struct rlimit rl = { NOFILE_DEFAULT, NOFILE_DEFAULT };

	if (setrlimit(RLIMIT_NOFILE, &rl) < 0 && errno != EPERM)
		return berr_sys(err, "set ulimit nofile to %d", NOFILE_DEFAULT);
	return 0;
}

int spawn_set_rlimits(const struct container_def *def, struct berr *err)
{
	bool nofile_given = false;

	for (size_t i = 0; i < def->ulimit_count; i++) {
		const struct taskdef_ulimit *u = &def->ulimits[i];
		struct rlimit rl = { rlimit_value(u->soft), rlimit_value(u->hard) };

		if (setrlimit(u->resource, &rl) < 0)
			return berr_sys(err, "set ulimit %s to %lld:%lld", u->name, u->soft, u->hard);
		nofile_given |= u->resource == RLIMIT_NOFILE;
	}
	return nofile_given ? 0 : set_default_nofile(err);
}

static const char *env_get(char *const envp[], const char *name)
{
	size_t len = strlen(name);

	for (size_t i = 0; envp && envp[i]; i++)
		if (strncmp(envp[i], name, len) == 0 && envp[i][len] == '=')
			return envp[i] + len + 1;
	return NULL;
}

/* Appends NAME=value to env (room is there) unless spec's envp has NAME. */
static int env_default(char **env, size_t *n, const char *name, const char *value,
		       struct berr *err)
{
	if (env_get(env, name))
		return 0;
	env[*n] = str_printf(err, "%s=%s", name, value);
	if (!env[*n])
		return -1;
	(*n)++;
	return 0;
}

char **spawn_build_env(const struct spawn_spec *spec, const struct spawn_user *user,
		       struct berr *err)
{
	size_t count = 0, n = 0;
	char **env;

	while (spec->envp && spec->envp[count])
		count++;
	env = calloc(count + 4, sizeof(*env));
	if (!env)
		return berr_set(err, ENOMEM, "environment: out of memory"), NULL;
	for (; n < count; n++)
		env[n] = spec->envp[n];
	if (env_default(env, &n, "PATH", DEFAULT_PATH, err) < 0 ||
	    (spec->hostname && env_default(env, &n, "HOSTNAME", spec->hostname, err) < 0) ||
	    env_default(env, &n, "HOME", user->home, err) < 0)
		return NULL;
	return env;
}

/* 0 when path is an executable regular file for us, else an errno. */
static int executable_error(const char *path)
{
	struct stat st;

	if (stat(path, &st) < 0)
		return errno;
	if (!S_ISREG(st.st_mode))
		return EACCES;
	return access(path, X_OK) < 0 ? errno : 0;
}

void spawn_exec_error(const char *name, int errnum, int *exit_code, struct berr *err)
{
	char reason[128];

	/* Go's spelling, as docker and ECS show it: "no such file or directory". */
	snprintf(reason, sizeof(reason), "%s", strerror(errnum));
	reason[0] = (char)tolower((unsigned char)reason[0]);
	*exit_code = errnum == ENOENT || errnum == ENOTDIR ? SPAWN_EXIT_NOTFOUND : SPAWN_EXIT_NOEXEC;
	berr_set(err, errnum, "exec %s: %s", name, reason);
}

static char *search_path(const char *name, const char *path, struct berr *err)
{
	for (const char *dir = path;; dir++) {
		size_t len = strcspn(dir, ":");
		/* An empty entry is the working directory, as in execvp. */
		char *candidate = str_printf(err, "%.*s%s%s", (int)len, len ? dir : ".", "/", name);

		if (!candidate)
			return NULL;
		if (executable_error(candidate) == 0)
			return candidate;
		free(candidate);
		dir += len;
		if (!*dir)
			break;
	}
	berr_set(err, ENOENT, "exec %s: executable file not found in $PATH", name);
	return NULL;
}

char *spawn_find_program(const char *argv0, char *const envp[], int *exit_code, struct berr *err)
{
	const char *path = env_get(envp, "PATH");
	char *found;
	int errnum;

	if (strchr(argv0, '/')) {
		errnum = executable_error(argv0);
		if (errnum)
			return spawn_exec_error(argv0, errnum, exit_code, err), NULL;
		return str_dup(argv0, err);
	}
	found = search_path(argv0, path ? path : DEFAULT_PATH, err);
	if (!found)
		*exit_code = err->code == ENOENT ? SPAWN_EXIT_NOTFOUND : SPAWN_EXIT_SETUP;
	return found;
}

/* For kernels before 5.11, which lack CLOSE_RANGE_CLOEXEC. */
static int cloexec_listed_fds(int lowest, struct berr *err)
{
	DIR *dir = opendir("/proc/self/fd");
	struct dirent *e;

	if (!dir)
		return berr_sys(err, "list open files");
	while ((e = readdir(dir)) != NULL) {
		long fd;

		if (str_to_long(e->d_name, lowest, INT_MAX, &fd) < 0 || fd == dirfd(dir))
			continue;
		if (fcntl((int)fd, F_SETFD, FD_CLOEXEC) < 0) {
			berr_sys(err, "close-on-exec fd %ld", fd);
			closedir(dir);
			return -1;
		}
	}
	closedir(dir);
	return 0;
}

int spawn_cloexec_from(int lowest, struct berr *err)
{
	if (close_range((unsigned)lowest, ~0U, CLOSE_RANGE_CLOEXEC) == 0)
		return 0;
	if (errno != EINVAL && errno != ENOSYS)
		return berr_sys(err, "close_range");
	return cloexec_listed_fds(lowest, err);
}
