/* cgroup module against the real kernel: limits written, processes moved
 * in, killed, and everything removed. Needs root; self-contained, so the
 * binary also runs inside the arm64 VM (cgroup v2). On a hybrid host the
 * v2 backend also runs, without limits, on the controller-less
 * /sys/fs/cgroup/unified. */
#include <errno.h>
#include <fcntl.h>
#include <linux/sched.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "cgroup/cgroup.h"
#include "harness.h"

#define UNIFIED "/sys/fs/cgroup/unified"

static char parent[64];

static bool setup(void)
{
	if (geteuid() != 0) {
		printf("  skip: needs root\n");
		return false;
	}
	if (!parent[0])
		snprintf(parent, sizeof(parent), "berth-test-%d", (int)getpid());
	return true;
}

/* An unexpected failure: the message, and a failed check. */
static void report(const struct berr *err, const char *what)
{
	fprintf(stderr, "  %s: %s\n", what, err->msg);
	CHECK(!"unexpected failure");
}

/* A create that fails only for a controller the machine lacks is a skip. */
static struct task_cgroup *create_or_skip(const char *id, const struct cgroup_limits *lim)
{
	struct berr err = { 0 };
	struct task_cgroup *tc = cgroup_task_create(parent, id, lim, &err);

	if (!tc && err.code == ENODEV)
		printf("  skip: %s\n", err.msg);
	else if (!tc)
		report(&err, "create");
	return tc;
}

static char *read_text(const char *dir, const char *file)
{
	char path[512];
	struct berr err = { 0 };
	char *text;

	if (!dir)
		return NULL;
	snprintf(path, sizeof(path), "%s/%s", dir, file);
	text = fs_read_file(path, 1 << 20, NULL, &err);
	if (text)
		text[strcspn(text, "\n")] = '\0';
	return text;
}

static bool file_exists(const char *dir, const char *file)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	return fs_exists(path);
}

#define CHECK_FILE(dir, file, want)                          \
	do {                                                 \
		_cleanup_free_ char *got_ = read_text(dir, file); \
		CHECK_STR(got_, want);                       \
	} while (0)

static char *dir_of(struct task_cgroup *tc, const char *container, const char *controller)
{
	struct berr err = { 0 };
	char *dir = cgroup_dir(tc, container, controller, &err);

	if (!dir)
		fprintf(stderr, "  %s\n", err.msg);
	return dir;
}

/* A child that waits until it has been moved, then forks n grandchildren
 * (which inherit its cgroup) and sleeps; returns once all exist. */
static pid_t spawn_family(struct task_cgroup *tc, const char *container, int n)
{
	int go[2], ready[2];
	struct berr err = { 0 };
	pid_t pid;
	char c = 0;

	if (pipe2(go, O_CLOEXEC) < 0 || pipe2(ready, O_CLOEXEC) < 0)
		return -1;
	pid = fork();
	if (pid == 0) {
		if (read(go[0], &c, 1) != 1)
			_exit(1);
		for (int i = 0; i < n; i++)
			if (fork() == 0)
				for (;;)
					pause();
		if (write(ready[1], &c, 1) != 1)
			_exit(1);
		for (;;)
			pause();
	}
	close(go[0]);
	close(ready[1]);
	/* Never let it run outside: nothing would kill it. */
	if (pid > 0 && cgroup_container_enter(tc, container, pid, &err) < 0) {
		report(&err, "enter");
		kill(pid, SIGKILL);
	}
	if (pid > 0 && (write(go[1], &c, 1) != 1 || read(ready[0], &c, 1) != 1))
		CHECK(!"family did not start");
	close(go[1]);
	close(ready[0]);
	return pid;
}

static bool has_token(const char *list, const char *word)
{
	size_t len = strlen(word);

	for (const char *p = list; (p = strstr(p, word)); p += len)
		if ((p == list || p[-1] == ',') && (p[len] == '\0' || p[len] == ','))
			return true;
	return false;
}

/* The kernel's own view: /proc/<pid>/cgroup puts pid at rel in the
 * hierarchy carrying controller (NULL: the v2 "0::" line). */
static bool member_of(pid_t pid, const char *controller, const char *rel)
{
	char path[64], line[512];
	_cleanup_fclose_ FILE *f = NULL;

	snprintf(path, sizeof(path), "/proc/%d/cgroup", (int)pid);
	f = fopen(path, "re");
	while (f && fgets(line, sizeof(line), f)) {
		char *ctrls = strchr(line, ':'), *where = ctrls ? strchr(ctrls + 1, ':') : NULL;

		if (!where)
			continue;
		*where++ = '\0';
		where[strcspn(where, "\n")] = '\0';
		ctrls++;
		if (controller ? has_token(ctrls, controller) : ctrls[0] == '\0')
			return strcmp(where, rel) == 0;
	}
	return false;
}

/* Controllers a task may have directories for; NULL: v2's single one. */
static const char *const controllers[] = { "cpu", "cpuacct", "memory", "pids", "freezer", NULL };

/* The directory for controllers[i], or NULL when this machine lacks it. */
static char *dir_if_any(struct task_cgroup *tc, const char *container, size_t i)
{
	struct berr err = { 0 };
	bool v2 = cgroup_task_mode(tc) == CGROUP_MODE_V2;

	if (v2 != (controllers[i] == NULL))
		return NULL;
	return cgroup_dir(tc, container, controllers[i], &err);
}

static void check_member(struct task_cgroup *tc, pid_t pid, const char *id, const char *container)
{
	char rel[256];

	snprintf(rel, sizeof(rel), "/%s/%s/%s", parent, id, container);
	for (size_t i = 0; i < ARRAY_SIZE(controllers); i++) {
		_cleanup_free_ char *dir = dir_if_any(tc, container, i);

		if (dir)
			CHECK(member_of(pid, controllers[i], rel));
	}
}

static bool is_empty(struct task_cgroup *tc, const char *container)
{
	for (size_t i = 0; i < ARRAY_SIZE(controllers); i++) {
		_cleanup_free_ char *dir = dir_if_any(tc, container, i);
		_cleanup_free_ char *procs = dir ? read_text(dir, "cgroup.procs") : NULL;

		if (dir && (!procs || procs[0]))
			return false;
	}
	return true;
}

static bool killed_by_sigkill(pid_t pid)
{
	int status = 0;

	return waitpid(pid, &status, 0) == pid && WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL;
}

static void destroy(struct task_cgroup *tc)
{
	struct berr err = { 0 };

	if (cgroup_task_destroy(tc, &err) < 0)
		report(&err, "destroy");
	cgroup_task_free(tc);
}

/* ---- names ------------------------------------------------------------ */

TEST(names_that_could_escape_or_collide_are_refused)
{
	static const char *const bad[] = {
		"", ".", "..", "a/b", "../x", "a b", "cpu.max", "cgroup.procs", "tasks", NULL,
	};
	struct berr err = { 0 };
	char long_name[CGROUP_CONTAINER_NAME_MAX + 2];

	memset(long_name, 'a', sizeof(long_name) - 1);
	long_name[sizeof(long_name) - 1] = '\0';
	CHECK(cgroup_name_valid(long_name + 1, CGROUP_CONTAINER_NAME_MAX));
	CHECK(!cgroup_name_valid(long_name, CGROUP_CONTAINER_NAME_MAX));
	CHECK(!cgroup_name_valid(long_name + 1, CGROUP_ID_MAX));
	CHECK(cgroup_name_valid(long_name + sizeof(long_name) - 1 - CGROUP_ID_MAX, CGROUP_ID_MAX));
	CHECK(cgroup_name_valid("checkout-api_1.2", CGROUP_ID_MAX));
	CHECK(cgroup_name_valid("cpuburner.2", CGROUP_ID_MAX));
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++)
		CHECK(!cgroup_name_valid(bad[i], CGROUP_ID_MAX));
	CHECK(cgroup_task_create("berth", "../etc", &(struct cgroup_limits){ 0 }, &err) == NULL);
	CHECK(err.code == EINVAL && strstr(err.msg, "\"../etc\""));
}

/* ---- the detected backend ---------------------------------------------- */

static void check_task_files(struct task_cgroup *tc)
{
	_cleanup_free_ char *cpu = dir_of(tc, NULL, "cpu");
	_cleanup_free_ char *mem = dir_of(tc, NULL, "memory");
	_cleanup_free_ char *pids = dir_of(tc, NULL, "pids");

	if (cgroup_task_mode(tc) == CGROUP_MODE_V2) {
		CHECK_FILE(cpu, "cpu.max", "25000 100000");
		CHECK_FILE(mem, "memory.max", "67108864");
		if (file_exists(mem, "memory.swap.max"))
			CHECK_FILE(mem, "memory.swap.max", "0");
		CHECK_FILE(cpu, "cgroup.subtree_control", "cpu memory pids");
	} else {
		CHECK_FILE(cpu, "cpu.cfs_period_us", "100000");
		CHECK_FILE(cpu, "cpu.cfs_quota_us", "25000");
		CHECK_FILE(mem, "memory.limit_in_bytes", "67108864");
		if (file_exists(mem, "memory.memsw.limit_in_bytes"))
			CHECK_FILE(mem, "memory.memsw.limit_in_bytes", "67108864");
	}
	CHECK_FILE(pids, "pids.max", "100");
}

static void check_container_files(struct task_cgroup *tc)
{
	_cleanup_free_ char *cpu = dir_of(tc, "app", "cpu");
	_cleanup_free_ char *mem = dir_of(tc, "app", "memory");

	if (cgroup_task_mode(tc) == CGROUP_MODE_V2) {
		CHECK_FILE(cpu, "cpu.weight", "39"); /* runc's mapping of 1024 shares */
		CHECK_FILE(mem, "memory.max", "33554432");
		CHECK_FILE(mem, "memory.low", "16777216");
	} else {
		CHECK_FILE(cpu, "cpu.shares", "1024");
		CHECK_FILE(mem, "memory.limit_in_bytes", "33554432");
		CHECK_FILE(mem, "memory.soft_limit_in_bytes", "16777216");
	}
}

static const struct cgroup_limits task_256 = { .cpu_units = 256, .memory_mib = 64, .pids_max = 100 };
static const struct cgroup_child_limits app_limits = {
	.cpu_units = 1024, .memory_mib = 32, .memory_reservation_mib = 16,
};

TEST(task_and_container_limits_are_written)
{
	struct task_cgroup *tc;
	struct berr err = { 0 };

	if (!setup() || !(tc = create_or_skip("limits", &task_256)))
		return;
	check_task_files(tc);
	CHECK(cgroup_container_create(tc, "app", &app_limits, &err) == 0);
	check_container_files(tc);
	destroy(tc);
}

TEST(processes_join_the_container_and_kill_ends_them_all)
{
	struct task_cgroup *tc;
	struct cgroup_stats st = { 0 };
	struct berr err = { 0 };
	pid_t pid;

	if (!setup() || !(tc = create_or_skip("family", &task_256)))
		return;
	CHECK(cgroup_container_create(tc, "app", &app_limits, &err) == 0);
	pid = spawn_family(tc, "app", 3);
	CHECK(pid > 0);
	check_member(tc, pid, "family", "app");
	CHECK(cgroup_stats(tc, "app", &st, &err) == 0 && st.pids_current == 4);
	CHECK(cgroup_stats(tc, NULL, &st, &err) == 0 && st.pids_current == 4);
	CHECK(cgroup_task_kill(tc, &err) == 0);
	CHECK(killed_by_sigkill(pid));
	CHECK(is_empty(tc, "app"));
	CHECK(cgroup_task_kill(tc, &err) == 0); /* nothing left: still fine */
	destroy(tc);
}

TEST(stats_report_limits_and_no_oom)
{
	struct task_cgroup *tc;
	struct cgroup_stats st = { 0 };
	struct berr err = { 0 };

	if (!setup() || !(tc = create_or_skip("stats", &task_256)))
		return;
	CHECK(cgroup_container_create(tc, "app", &app_limits, &err) == 0);
	CHECK(cgroup_container_create(tc, "sidecar", &(struct cgroup_child_limits){ 0 }, &err) == 0);
	CHECK(cgroup_stats(tc, NULL, &st, &err) == 0 && st.memory_max == 64 << 20);
	CHECK(cgroup_stats(tc, "app", &st, &err) == 0 && st.memory_max == 32 << 20);
	CHECK(cgroup_stats(tc, "sidecar", &st, &err) == 0 && st.memory_max == CGROUP_UNLIMITED);
	CHECK(st.oom_kills == 0 && st.pids_current == 0);
	CHECK(!cgroup_container_oom_killed(tc, "app"));
	CHECK(cgroup_stats(tc, "nope", &st, &err) < 0 && err.code == ENOENT);
	destroy(tc);
}

TEST(destroy_leaves_nothing_and_can_repeat)
{
	struct task_cgroup *tc;
	struct berr err = { 0 };
	char *dirs[ARRAY_SIZE(controllers)] = { 0 };
	size_t found = 0;

	if (!setup() || !(tc = create_or_skip("gone", &task_256)))
		return;
	CHECK(cgroup_container_create(tc, "app", &app_limits, &err) == 0);
	for (size_t i = 0; i < ARRAY_SIZE(dirs); i++)
		found += (dirs[i] = dir_if_any(tc, NULL, i)) != NULL;
	CHECK(found > 0);
	CHECK(cgroup_task_destroy(tc, &err) == 0);
	for (size_t i = 0; i < ARRAY_SIZE(dirs); i++) {
		CHECK(!dirs[i] || !fs_exists(dirs[i]));
		free(dirs[i]);
	}
	CHECK(cgroup_task_destroy(tc, &err) == 0);
	cgroup_task_free(tc);
	CHECK(cgroup_task_open(parent, "gone", &err) == NULL && err.code == ENOENT);
}

TEST(open_finds_a_task_after_a_restart)
{
	struct task_cgroup *tc, *again;
	struct berr err = { 0 };
	pid_t pid;

	if (!setup() || !(tc = create_or_skip("reopen", &task_256)))
		return;
	CHECK(cgroup_container_create(tc, "app", &app_limits, &err) == 0);
	pid = spawn_family(tc, "app", 1);
	again = cgroup_task_open(parent, "reopen", &err);
	CHECK(again != NULL);
	if (again) {
		CHECK(cgroup_task_mode(again) == cgroup_task_mode(tc));
		CHECK(cgroup_task_kill(again, &err) == 0);
		CHECK(killed_by_sigkill(pid));
		destroy(again);
	}
	destroy(tc); /* already gone: idempotent */
}

TEST(failed_create_leaves_nothing_behind)
{
	struct task_cgroup *tc;
	struct berr err = { 0 };
	/* Above the kernel's PID_MAX_LIMIT: refused by the kernel itself. */
	struct cgroup_limits too_many = { .cpu_units = 256, .memory_mib = 64, .pids_max = 5000000 };

	if (!setup() || !(tc = create_or_skip("dup", &task_256)))
		return;
	CHECK(cgroup_task_create(parent, "bad", &too_many, &err) == NULL);
	CHECK(strstr(err.msg, "write \"5000000\" to ") && strstr(err.msg, "/bad/pids.max: "));
	CHECK(cgroup_task_open(parent, "bad", &err) == NULL && err.code == ENOENT);

	CHECK(cgroup_task_create(parent, "dup", &task_256, &err) == NULL && err.code == EEXIST);
	CHECK(cgroup_container_create(tc, "app", &app_limits, &err) == 0);
	CHECK(cgroup_container_create(tc, "app", &app_limits, &err) < 0 && err.code == EEXIST);
	check_task_files(tc);     /* the first task is untouched */
	check_container_files(tc);
	destroy(tc);
}

/* ---- v2 on a hybrid host ------------------------------------------------ */

static pid_t clone_into(int cgroup_fd)
{
	struct clone_args args = {
		.flags = CLONE_INTO_CGROUP,
		.exit_signal = SIGCHLD,
		.cgroup = (__u64)cgroup_fd,
	};
	long pid = syscall(SYS_clone3, &args, sizeof(args));

	if (pid == 0)
		for (;;)
			pause();
	return (pid_t)pid;
}

TEST(v2_backend_runs_without_controllers_on_a_hybrid_host)
{
	struct task_cgroup *tc;
	struct berr err = { 0 };
	struct cgroup_limits none = { .pids_max = -1 };
	_cleanup_close_ int fd = -1;
	pid_t pid, cloned;

	if (!setup())
		return;
	if (cgroup_mode() != CGROUP_MODE_HYBRID || cgroup_force_v2(UNIFIED, &err) < 0) {
		printf("  skip: not a hybrid host (%s)\n", cgroup_mode_name(cgroup_mode()));
		return;
	}
	CHECK(cgroup_mode() == CGROUP_MODE_V2);
	CHECK(cgroup_task_create(parent, "v2", &task_256, &err) == NULL && err.code == ENODEV);
	CHECK(cgroup_task_open(parent, "v2", &err) == NULL && err.code == ENOENT);
	tc = cgroup_task_create(parent, "v2", &none, &err);
	CHECK(tc != NULL);
	if (tc) {
		CHECK(cgroup_container_create(tc, "app", &app_limits, &err) < 0 && err.code == ENODEV);
		CHECK(cgroup_container_create(tc, "app", &(struct cgroup_child_limits){ 0 }, &err) == 0);
		pid = spawn_family(tc, "app", 2);
		check_member(tc, pid, "v2", "app");
		fd = cgroup_container_fd(tc, "app", &err);
		CHECK(fd >= 0);
		cloned = clone_into(fd); /* starts inside: no window outside the cgroup */
		CHECK(cloned > 0);
		if (cloned > 0)
			check_member(tc, cloned, "v2", "app");
		CHECK(cgroup_task_kill(tc, &err) == 0);
		CHECK(killed_by_sigkill(pid));
		CHECK(cloned > 0 && killed_by_sigkill(cloned));
		destroy(tc);
	}
	CHECK(cgroup_parent_remove(parent, &err) == 0);
	CHECK(cgroup_force_v2(NULL, &err) == 0);
}

TEST(container_fd_starts_a_process_inside_on_v2_only)
{
	struct task_cgroup *tc;
	struct berr err = { 0 };

	if (!setup() || !(tc = create_or_skip("fd", &task_256)))
		return;
	CHECK(cgroup_container_create(tc, "app", &app_limits, &err) == 0);
	if (cgroup_task_mode(tc) == CGROUP_MODE_V2) {
		_cleanup_close_ int fd = cgroup_container_fd(tc, "app", &err);
		pid_t pid = fd >= 0 ? clone_into(fd) : -1;

		CHECK(pid > 0);
		if (pid > 0) {
			check_member(tc, pid, "fd", "app");
			CHECK(cgroup_task_kill(tc, &err) == 0);
			CHECK(killed_by_sigkill(pid));
		}
	} else {
		CHECK(cgroup_container_fd(tc, "app", &err) < 0 && err.code == EOPNOTSUPP);
	}
	destroy(tc);
}

/* Last: the test's parent goes, in every hierarchy. */
TEST(parent_is_removed_once_empty)
{
	struct task_cgroup *tc;
	struct berr err = { 0 };
	_cleanup_free_ char *any = NULL;
	char *dirs[ARRAY_SIZE(controllers)] = { 0 };

	if (!setup() || !(tc = create_or_skip("last", &task_256)))
		return;
	for (size_t i = 0; i < ARRAY_SIZE(dirs); i++)
		if ((dirs[i] = dir_if_any(tc, NULL, i)))
			*strrchr(dirs[i], '/') = '\0';
	any = dir_of(tc, NULL, NULL);
	*strrchr(any, '/') = '\0';
	CHECK(cgroup_parent_remove(parent, &err) == 0); /* in use: stays */
	CHECK(fs_exists(any));
	destroy(tc);
	CHECK(cgroup_parent_remove(parent, &err) == 0);
	for (size_t i = 0; i < ARRAY_SIZE(dirs); i++) {
		CHECK(!dirs[i] || !fs_exists(dirs[i]));
		free(dirs[i]);
	}
	CHECK(!fs_exists(any));
}

TEST_MAIN(T(names_that_could_escape_or_collide_are_refused),
	  T(task_and_container_limits_are_written),
	  T(processes_join_the_container_and_kill_ends_them_all),
	  T(stats_report_limits_and_no_oom),
	  T(destroy_leaves_nothing_and_can_repeat),
	  T(open_finds_a_task_after_a_restart),
	  T(failed_create_leaves_nothing_behind),
	  T(container_fd_starts_a_process_inside_on_v2_only),
	  T(v2_backend_runs_without_controllers_on_a_hybrid_host),
	  T(parent_is_removed_once_empty))
