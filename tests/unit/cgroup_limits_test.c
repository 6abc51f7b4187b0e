/* The limits bite: a memory hog is OOM-killed and reported, a fork loop
 * stops at pids.max, a CPU burner gets about its quota. Real cgroups, as
 * root; self-contained so it also runs in the arm64 VM. About 2 s. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>

#include "cgroup/cgroup.h"
#include "harness.h"

static char parent[64];

static bool setup(void)
{
	if (geteuid() != 0) {
		printf("  skip: needs root\n");
		return false;
	}
	if (!parent[0])
		snprintf(parent, sizeof(parent), "berth-limits-test-%d", (int)getpid());
	return true;
}

static void report(const struct berr *err, const char *what)
{
	fprintf(stderr, "  %s: %s\n", what, err->msg);
	CHECK(!"unexpected failure");
}

/* A task with one container; NULL (skipped) when a controller is missing. */
static struct task_cgroup *task_with(const char *id, const struct cgroup_limits *lim,
				     const char *container, const struct cgroup_child_limits *clim)
{
	struct berr err = { 0 };
	struct task_cgroup *tc = cgroup_task_create(parent, id, lim, &err);

	if (!tc) {
		if (err.code == ENODEV)
			printf("  skip: %s\n", err.msg);
		else
			report(&err, "create");
		return NULL;
	}
	if (cgroup_container_create(tc, container, clim, &err) < 0) {
		report(&err, "create container");
		cgroup_task_destroy(tc, &err);
		cgroup_task_free(tc);
		return NULL;
	}
	return tc;
}

static void end_task(struct task_cgroup *tc)
{
	struct berr err = { 0 };

	if (cgroup_task_kill(tc, &err) < 0 || cgroup_task_destroy(tc, &err) < 0)
		report(&err, "kill and destroy");
	cgroup_task_free(tc);
}

/* Forks a child that runs body once it has been moved into container;
 * *out_fd reads what body writes to its end of a pipe. */
static pid_t start_in(struct task_cgroup *tc, const char *container,
		      void (*body)(int out_fd), int *out_fd)
{
	int go[2], out[2];
	struct berr err = { 0 };
	char c = 0;
	pid_t pid;

	if (pipe2(go, O_CLOEXEC) < 0 || pipe2(out, O_CLOEXEC) < 0)
		return -1;
	pid = fork();
	if (pid == 0) {
		close(out[0]);
		if (read(go[0], &c, 1) != 1)
			_exit(1);
		body(out[1]);
		_exit(0);
	}
	close(go[0]);
	close(out[1]);
	/* Never let it run outside: nothing would kill it. */
	if (pid > 0 && cgroup_container_enter(tc, container, pid, &err) < 0) {
		report(&err, "enter");
		kill(pid, SIGKILL);
	}
	if (pid > 0 && write(go[1], &c, 1) != 1)
		CHECK(!"release child");
	close(go[1]);
	*out_fd = out[0];
	return pid;
}

static int wait_status(pid_t pid)
{
	int status = 0;

	return waitpid(pid, &status, 0) == pid ? status : -1;
}

/* ---- memory ------------------------------------------------------------- */

#define HOG_MIB 64

/* Touches every page of 64 MiB; under a 16 MiB limit (swap off) the OOM
 * killer ends it first. mmap, not malloc, so a sanitizer's allocator does
 * not add its own memory. */
static void hog(int out_fd)
{
	size_t len = (size_t)HOG_MIB << 20;
	char *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	(void)out_fd;
	if (p == MAP_FAILED)
		_exit(2);
	for (size_t i = 0; i < len; i += 4096)
		p[i] = 1;
}

TEST(memory_hog_is_oom_killed_and_reported)
{
	struct cgroup_limits lim = { .memory_mib = 128 };
	struct cgroup_child_limits small = { .memory_mib = 16 };
	struct cgroup_stats st = { 0 };
	struct berr err = { 0 };
	struct task_cgroup *tc;
	int fd = -1, status;
	pid_t pid;

	if (!setup() || !(tc = task_with("oom", &lim, "hog", &small)))
		return;
	CHECK(cgroup_container_create(tc, "calm", &(struct cgroup_child_limits){ 0 }, &err) == 0);
	CHECK(!cgroup_container_oom_killed(tc, "hog"));
	pid = start_in(tc, "hog", hog, &fd);
	status = wait_status(pid);
	CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
	CHECK(cgroup_container_oom_killed(tc, "hog"));
	CHECK(!cgroup_container_oom_killed(tc, "calm"));
	CHECK(cgroup_stats(tc, NULL, &st, &err) == 0 && st.oom_kills >= 1);
	CHECK(cgroup_stats(tc, "hog", &st, &err) == 0 && st.memory_max == 16 << 20);
	/* Peak is 0 where the kernel does not keep it (v2 before 5.19). */
	CHECK(st.memory_peak == 0 || (st.memory_peak > 8 << 20 && st.memory_peak <= 16 << 20));
	close(fd);
	end_task(tc);
}

/* ---- pids --------------------------------------------------------------- */

#define PIDS_MAX 8

struct fork_result {
	int forked;
	int error;
};

/* Forks sleepers until fork fails; reports how many and why. */
static void fork_loop(int out_fd)
{
	struct fork_result r = { 0 };

	for (; r.forked < 100; r.forked++) {
		pid_t pid = fork();

		if (pid == 0)
			for (;;)
				pause();
		if (pid < 0) {
			r.error = errno;
			break;
		}
	}
	if (write(out_fd, &r, sizeof(r)) != sizeof(r))
		_exit(1);
	for (;;)
		pause();
}

TEST(fork_loop_stops_at_pids_max)
{
	struct cgroup_limits lim = { .pids_max = PIDS_MAX };
	struct fork_result r = { 0 };
	struct task_cgroup *tc;
	int fd = -1, status;
	pid_t pid;

	if (!setup() || !(tc = task_with("pids", &lim, "bomb", &(struct cgroup_child_limits){ 0 })))
		return;
	pid = start_in(tc, "bomb", fork_loop, &fd);
	CHECK(read(fd, &r, sizeof(r)) == sizeof(r));
	CHECK(r.forked == PIDS_MAX - 1); /* the loop itself is the eighth */
	CHECK(r.error == EAGAIN);
	end_task(tc);
	status = wait_status(pid);
	CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
	close(fd);
}

/* ---- cpu ---------------------------------------------------------------- */

static void burn(int out_fd)
{
	volatile unsigned long n = 0;

	(void)out_fd;
	for (;;)
		n++;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* 256 units is a quarter of one CPU; the tolerance is wide because only
 * the order of magnitude matters (an unlimited burner gets 100%). */
TEST(cpu_burner_gets_about_a_quarter_cpu_at_256_units)
{
	struct cgroup_limits lim = { .cpu_units = 256, .pids_max = -1 };
	struct cgroup_stats before = { 0 }, after = { 0 };
	const struct timespec span = { 1, 500 * 1000 * 1000 };
	struct berr err = { 0 };
	struct task_cgroup *tc;
	double t0, t1, share;
	int fd = -1, status;
	pid_t pid;

	if (!setup() || !(tc = task_with("cpu", &lim, "burn", &(struct cgroup_child_limits){ 0 })))
		return;
	pid = start_in(tc, "burn", burn, &fd);
	t0 = now();
	CHECK(cgroup_stats(tc, NULL, &before, &err) == 0);
	nanosleep(&span, NULL);
	CHECK(cgroup_stats(tc, NULL, &after, &err) == 0);
	t1 = now();
	share = (double)(after.cpu_usage_usec - before.cpu_usage_usec) / 1e6 / (t1 - t0);
	if (share < 0.10 || share > 0.40)
		fprintf(stderr, "  cpu share at 256 units: %.0f%%\n", share * 100);
	CHECK(share >= 0.10 && share <= 0.40);
	end_task(tc);
	status = wait_status(pid);
	CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
	close(fd);
}

TEST(parent_is_removed)
{
	struct berr err = { 0 };

	if (setup())
		CHECK(cgroup_parent_remove(parent, &err) == 0);
}

TEST_MAIN(T(memory_hog_is_oom_killed_and_reported), T(fork_loop_stops_at_pids_max),
	  T(cpu_burner_gets_about_a_quarter_cpu_at_256_units), T(parent_is_removed))
