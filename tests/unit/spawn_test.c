/* spawn_container against the real kernel: namespaces, mounts, masked
 * paths, capabilities, users, ulimits, volumes, exec failures and berth
 * init as PID 1. Each container runs busybox sh in a rootfs this test
 * builds from the static busybox at /bin/busybox, and writes what it sees
 * to a pipe. Needs root; self-contained, so the binary also runs inside
 * the arm64 VM (cgroup v2). The initProcessEnabled tests need a berth
 * binary with the init verb: $BERTH, build/<arch>/berth or /usr/bin/berth
 * (the VM's); they skip, saying so, without one. */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <sched.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>

#include "cgroup/cgroup.h"
#include "harness.h"
#include "task/spawn.h"
#include "taskdef/taskdef.h"

#define TASK_ID "0123456789abcdef0123456789abcdef"
/* CapEff of root in a docker container: the 14 default capabilities. */
#define DOCKER_CAPS "00000000a80425fb"

static const char *const applets[] = {
	"sh", "cat", "ls", "id", "grep", "hostname", "df", "touch", "echo", "sleep", "wc", "tr",
	"stat", "pwd", "head", "tail", "kill", "true", "readlink",
};

static char base[64];     /* the test's temp dir */
static char rootfs[128];  /* base/rootfs */
static char berth[PATH_MAX];

/* ---- setup -------------------------------------------------------------- */

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st, (void)flag, (void)ftw;
	return remove(path);
}

static void remove_base(void)
{
	if (base[0])
		nftw(base, remove_entry, 16, FTW_DEPTH | FTW_PHYS | FTW_MOUNT);
}

static bool write_file(const char *dir, const char *name, const char *text, mode_t mode)
{
	char path[PATH_MAX];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "we");
	if (!f)
		return false;
	fputs(text, f);
	return fclose(f) == 0 && chmod(path, mode) == 0;
}

static bool copy_busybox(const char *dir)
{
	struct berr err = { 0 };
	size_t len;
	_cleanup_free_ char *data = fs_read_file("/bin/busybox", 64 << 20, &len, &err);
	char path[PATH_MAX];
	int fd;
	bool ok;

	if (!data)
		return false;
	snprintf(path, sizeof(path), "%s/bin/busybox", dir);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0755);
	if (fd < 0)
		return false;
	ok = write(fd, data, len) == (ssize_t)len;
	return close(fd) == 0 && ok;
}

/* A busybox image: /bin with applets, /etc/passwd and /etc/group. No
 * /proc, /sys, /dev: spawn makes them. */
static bool make_rootfs(const char *dir)
{
	char path[PATH_MAX];

	if (mkdir(dir, 0755) < 0)
		return false;
	snprintf(path, sizeof(path), "%s/bin", dir);
	if (mkdir(path, 0755) < 0 || !copy_busybox(dir))
		return false;
	for (size_t i = 0; i < ARRAY_SIZE(applets); i++) {
		snprintf(path, sizeof(path), "%s/bin/%s", dir, applets[i]);
		if (symlink("busybox", path) < 0)
			return false;
	}
	snprintf(path, sizeof(path), "%s/etc", dir);
	return mkdir(path, 0755) == 0 &&
	       write_file(dir, "etc/passwd",
			  "root:x:0:0:root:/root:/bin/sh\n"
			  "web:x:1000:1000:web:/home/web:/bin/sh\n", 0644) &&
	       write_file(dir, "etc/group",
			  "root:x:0:\naudio:x:29:web\nweb:x:1000:\nstaff:x:50:other,web\n", 0644);
}

/* A berth that knows `init`: running `berth init -- sh -c 'exit 7'` gives 7. */
static bool berth_has_init(const char *path)
{
	int status;
	pid_t pid;

	if (access(path, X_OK) < 0)
		return false;
	pid = fork();
	if (pid == 0) {
		int null = open("/dev/null", O_WRONLY);

		dup2(null, 2);
		execl(path, "berth", "init", "--", "/bin/sh", "-c", "exit 7", (char *)NULL);
		_exit(1);
	}
	return pid > 0 && waitpid(pid, &status, 0) == pid && WIFEXITED(status) &&
	       WEXITSTATUS(status) == 7;
}

static void find_berth(void)
{
	struct utsname u;
	char built[96];
	const char *candidates[3] = { getenv("BERTH"), built, "/usr/bin/berth" };

	uname(&u);
	snprintf(built, sizeof(built), "build/%s/berth",
		 strcmp(u.machine, "aarch64") == 0 ? "arm64" : u.machine);
	for (size_t i = 0; i < ARRAY_SIZE(candidates); i++)
		if (candidates[i] && berth_has_init(candidates[i]) &&
		    realpath(candidates[i], berth))
			return;
}

static bool setup(void)
{
	if (geteuid() != 0) {
		printf("  skip: needs root\n");
		return false;
	}
	if (base[0])
		return rootfs[0] != '\0';
	snprintf(base, sizeof(base), "/tmp/berth-spawn-XXXXXX");
	if (!mkdtemp(base)) {
		base[0] = '\0';
		CHECK(!"mkdtemp");
		return false;
	}
	atexit(remove_base);
	snprintf(rootfs, sizeof(rootfs), "%s/rootfs", base);
	if (!make_rootfs(rootfs)) {
		rootfs[0] = '\0';
		CHECK(!"make the busybox rootfs");
		return false;
	}
	find_berth();
	return true;
}

/* ---- running a container ------------------------------------------------ */

/* The task definition, from a container's extra JSON members and the task's. */
static struct task_def *taskdef(const char *container_json, const char *task_json)
{
	char json[4096];
	struct taskdef_problems problems = { 0 };
	struct berr err = { 0 };
	struct task_def *td;
	cJSON *root;

	snprintf(json, sizeof(json),
		 "{\"family\": \"spawn-test\", \"cpu\": \"256\", \"memory\": \"512\", "
		 "\"networkMode\": \"none\"%s%s, \"containerDefinitions\": [{\"name\": \"app\", "
		 "\"image\": \"busybox\"%s%s}]}",
		 task_json ? ", " : "", task_json ? task_json : "", container_json ? ", " : "",
		 container_json ? container_json : "");
	root = cJSON_Parse(json);
	td = root ? taskdef_parse(root, "spawn-test", NULL, &problems, &err) : NULL;
	if (!td) {
		fprintf(stderr, "  task definition: %s\n", root ? err.msg : json);
		for (size_t i = 0; i < problems.error_count; i++)
			fprintf(stderr, "  problem: %s\n", problems.errors[i]);
		harness_failed_checks++;
	}
	cJSON_Delete(root);
	taskdef_problems_free(&problems);
	return td;
}

static char *sh_argv[] = { "/bin/sh", "-c", NULL, NULL };
static char *default_env[] = { "FOO=bar baz", NULL };

static struct spawn_spec spec_for(const struct task_def *td, const char *script)
{
	sh_argv[2] = (char *)script;
	return (struct spawn_spec){
		.task_id = TASK_ID,
		.td = td,
		.def = &td->containers[0],
		.rootfs = rootfs,
		.argv = sh_argv,
		.envp = default_env,
		.user = td->containers[0].user,
		.workdir = td->containers[0].working_directory,
		.hostname = TASK_ID,
		.ns = { .net_fd = -1, .ipc_fd = -1, .pid_fd = -1, .uts_fd = -1 },
		.stdin_fd = -1,
		.stdout_fd = -1,
		.stderr_fd = -1,
	};
}

struct run {
	pid_t pid;        /* > 0: started */
	int out_fd;       /* the container's stdout and stderr */
	int exit_code;    /* spawn's, when it failed */
	struct berr err;
	char out[8192];
	size_t len;
	int status;       /* the container's exit code, 128 + signal when killed */
};

static void start(struct spawn_spec *s, struct run *r)
{
	int out[2];

	*r = (struct run){ .out_fd = -1, .status = -1 };
	if (pipe2(out, O_CLOEXEC) < 0) {
		CHECK(!"pipe");
		return;
	}
	s->stdout_fd = out[1];
	s->stderr_fd = out[1];
	r->pid = spawn_container(s, &r->exit_code, &r->err);
	close(out[1]);
	r->out_fd = out[0];
}

/* Reads until a line containing text arrives (or EOF). */
static bool read_until(struct run *r, const char *text)
{
	while (!strstr(r->out, text) && r->len < sizeof(r->out) - 1) {
		ssize_t n = read(r->out_fd, r->out + r->len, sizeof(r->out) - 1 - r->len);

		if (n <= 0)
			return false;
		r->len += (size_t)n;
		r->out[r->len] = '\0';
	}
	return strstr(r->out, text) != NULL;
}

static void finish(struct run *r)
{
	int st;

	read_until(r, "\x01never\x01");
	close(r->out_fd);
	if (r->pid <= 0)
		return;
	if (waitpid(r->pid, &st, 0) == r->pid)
		r->status = WIFSIGNALED(st) ? 128 + WTERMSIG(st) : WEXITSTATUS(st);
}

/* Runs script in the container to its end; false (and a failed check)
 * when spawn failed. */
static bool run(struct spawn_spec *s, struct run *r)
{
	start(s, r);
	finish(r);
	if (r->pid > 0)
		return true;
	fprintf(stderr, "  spawn: %s\n", r->err.msg);
	CHECK(!"spawn failed");
	return false;
}

static bool run_script(const struct task_def *td, const char *script, struct run *r)
{
	struct spawn_spec s = spec_for(td, script);

	return run(&s, r);
}

#define CHECK_OUT(r, text)                                                       \
	do {                                                                     \
		if (!strstr((r)->out, text)) {                                   \
			fprintf(stderr, "  output lacks \"%s\":\n%s\n", text, (r)->out); \
			harness_failed_checks++;                                 \
		}                                                                \
	} while (0)

/* ---- isolation ---------------------------------------------------------- */

TEST(pid_1_own_hostname_and_no_host_processes)
{
	struct task_def *td = NULL;
	const char *procs;
	struct run r;

	if (!setup() || !(td = taskdef(NULL, NULL)))
		return;
	if (run_script(td, "echo pid=$$; echo host=$(hostname); "
			   "echo procs=$(ls /proc | grep -c '^[0-9]')", &r)) {
		CHECK_OUT(&r, "pid=1\n");
		CHECK_OUT(&r, "host=" TASK_ID "\n");
		/* sh, its subshell, ls, grep: the host's processes are not there. */
		procs = strstr(r.out, "procs=");
		CHECK(procs && atoi(procs + 6) >= 1 && atoi(procs + 6) <= 4);
		CHECK(r.status == 0);
	}
	taskdef_free(td);
}

TEST(proc_and_sys_are_masked_and_read_only)
{
	struct task_def *td = NULL;
	struct run r;

	if (!setup() || !(td = taskdef(NULL, NULL)))
		return;
	if (run_script(td, "echo kcore=$(cat /proc/kcore | wc -c); "
			   "echo firmware=$(ls -A /sys/firmware | wc -l); "
			   "echo 1 > /proc/sys/kernel/ns_last_pid || echo procsys-refused; "
			   "echo 1 > /proc/sysrq-trigger || echo sysrq-refused; "
			   "touch /sys/x || echo sys-refused; "
			   "touch /proc/keys || echo keys-refused; "
			   "grep -q ' /proc/sys ro,' /proc/self/mountinfo && echo procsys-ro", &r)) {
		CHECK_OUT(&r, "kcore=0\n");
		CHECK_OUT(&r, "firmware=0\n");
		CHECK_OUT(&r, "procsys-refused\n");
		CHECK_OUT(&r, "sysrq-refused\n");
		CHECK_OUT(&r, "sys-refused\n");
		CHECK_OUT(&r, "procsys-ro\n");
		CHECK_OUT(&r, "Read-only file system");
	}
	taskdef_free(td);
}

TEST(dev_has_the_usual_nodes_and_nothing_of_the_hosts)
{
	struct task_def *td = NULL;
	struct run r;

	if (!setup() || !(td = taskdef(NULL, NULL)))
		return;
	if (run_script(td, "echo dev=$(ls /dev | tr '\\n' ' '); "
			   "echo zero=$(head -c 4 /dev/zero 2>/dev/null | wc -c); "
			   "echo x > /dev/null && echo null-ok; "
			   "echo stdin=$(cat | wc -c); echo shm=$(stat -c %a /dev/shm)", &r)) {
		CHECK_OUT(&r, "dev=fd full mqueue null ptmx pts random shm stderr stdin stdout tty urandom zero\n");
		CHECK_OUT(&r, "null-ok\n");
		CHECK_OUT(&r, "stdin=0\n"); /* /dev/null when no stdin is given */
		CHECK_OUT(&r, "shm=1777\n");
	}
	taskdef_free(td);
}

/* Only 0, 1, 2 (and ls's own directory fd): berth's fds never leak. */
TEST(fds_other_than_stdio_are_closed)
{
	struct task_def *td = NULL;
	int leaked = open("/dev/null", O_RDONLY); /* without O_CLOEXEC on purpose */
	struct run r;

	if (!setup() || !(td = taskdef(NULL, NULL)))
		goto out;
	if (run_script(td, "echo fds=$(ls /proc/self/fd | tr '\\n' ' ')", &r))
		CHECK_OUT(&r, "fds=0 1 2 3\n");
out:
	close(leaked);
	taskdef_free(td);
}

/* Ignored and blocked signals of berth are not the program's. */
TEST(signal_dispositions_are_reset)
{
	struct task_def *td = NULL;
	sigset_t block, old;
	struct run r;

	if (!setup() || !(td = taskdef(NULL, NULL)))
		return;
	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&block);
	sigaddset(&block, SIGTERM);
	sigprocmask(SIG_BLOCK, &block, &old);
	if (run_script(td, "cat /proc/self/status | grep -E '^Sig(Blk|Ign)'", &r)) {
		CHECK_OUT(&r, "SigBlk:\t0000000000000000\n");
		CHECK_OUT(&r, "SigIgn:\t0000000000000000\n");
	}
	sigprocmask(SIG_SETMASK, &old, NULL);
	signal(SIGPIPE, SIG_DFL);
	taskdef_free(td);
}

TEST(nothing_is_mounted_on_the_host)
{
	struct task_def *td = NULL;
	struct berr err = { 0 };
	_cleanup_free_ char *mounts = NULL;
	struct run r;

	if (!setup() || !(td = taskdef("\"linuxParameters\": {\"tmpfs\": [{\"containerPath\": "
				       "\"/scratch\", \"size\": 8}]}", NULL)))
		return;
	if (run_script(td, "true", &r)) {
		mounts = fs_read_file("/proc/self/mountinfo", 1 << 20, NULL, &err);
		CHECK(mounts && !strstr(mounts, rootfs));
	}
	taskdef_free(td);
}

/* The image's /data is a symlink to a host directory: making the working
 * directory below it must not create anything on the host. */
TEST(symlinks_in_the_image_cannot_reach_the_host)
{
	char image[160], escape[160], link[200], made[200];
	struct task_def *td = NULL;
	struct spawn_spec s;
	struct run r;

	if (!setup())
		return;
	snprintf(image, sizeof(image), "%s/hostile", base);
	snprintf(escape, sizeof(escape), "%s/escape", base);
	snprintf(link, sizeof(link), "%s/data", image);
	snprintf(made, sizeof(made), "%s/newdir", escape);
	CHECK(make_rootfs(image) && mkdir(escape, 0755) == 0 && symlink(escape, link) == 0);
	td = taskdef("\"workingDirectory\": \"/data/newdir\"", NULL);
	if (!td)
		return;
	s = spec_for(td, "pwd");
	s.rootfs = image;
	start(&s, &r);
	finish(&r);
	CHECK(!fs_exists(made));
	CHECK_STR(r.err.msg, "CannotStartContainerError: working directory: mkdir /data: a "
			     "symlink to a path missing from the image");
	taskdef_free(td);
}

TEST(placed_in_its_cgroup_with_its_own_cgroup_namespace)
{
	char parent[64];
	struct cgroup_child_limits none = { 0 };
	struct cgroup_limits lim = { .pids_max = -1 };
	struct task_def *td = NULL;
	struct task_cgroup *tc = NULL;
	struct berr err = { 0 };
	_cleanup_free_ char *host_view = NULL;
	struct spawn_spec s;
	struct run r;
	char path[64];

	if (!setup() || !(td = taskdef(NULL, NULL)))
		return;
	snprintf(parent, sizeof(parent), "berth-spawn-test-%d", (int)getpid());
	tc = cgroup_task_create(parent, "t1", &lim, &err);
	if (!tc || cgroup_container_create(tc, "app", &none, &err) < 0) {
		fprintf(stderr, "  cgroup: %s\n", err.msg);
		CHECK(!"cgroup setup");
		goto out;
	}
	s = spec_for(td, "cat /proc/self/cgroup; test -f /sys/fs/cgroup/cgroup.controllers && "
			 "echo cgroupfs; sleep 1");
	s.cgroup = tc;
	start(&s, &r);
	CHECK(r.pid > 0);
	if (r.pid > 0) {
		snprintf(path, sizeof(path), "/proc/%d/cgroup", (int)r.pid);
		host_view = fs_read_file(path, 1 << 16, NULL, &err);
		CHECK(host_view && strstr(host_view, "/t1/app\n"));
	}
	finish(&r);
	/* Inside, every hierarchy's path is its namespace root: "/". */
	CHECK(r.len > 0 && !strstr(r.out, "/t1") && !strstr(r.out, parent));
	CHECK_OUT(&r, ":/\n");
	if (cgroup_mode() == CGROUP_MODE_V2)
		CHECK_OUT(&r, "cgroupfs\n");
out:
	if (tc && (cgroup_task_kill(tc, &err) < 0 || cgroup_task_destroy(tc, &err) < 0))
		fprintf(stderr, "  cgroup cleanup: %s\n", err.msg);
	cgroup_task_free(tc);
	cgroup_parent_remove(parent, &err);
	taskdef_free(td);
}

/* "net:[4026531840]": which namespace of a kind a process (0: this one) is in. */
static void ns_of(pid_t pid, const char *kind, char *out, size_t size)
{
	char path[64];
	ssize_t n;

	if (pid)
		snprintf(path, sizeof(path), "/proc/%d/ns/%s", (int)pid, kind);
	else
		snprintf(path, sizeof(path), "/proc/self/ns/%s", kind);
	n = readlink(path, out, size - 1);
	out[n > 0 ? n : 0] = '\0';
}

TEST(network_namespace_is_new_unless_host)
{
	struct task_def *td = NULL;
	char host_net[64], want[96];
	struct spawn_spec s;
	struct run r;

	if (!setup() || !(td = taskdef(NULL, NULL)))
		return;
	ns_of(0, "net", host_net, sizeof(host_net));
	snprintf(want, sizeof(want), "net=%s\n", host_net);
	s = spec_for(td, "echo net=$(readlink /proc/self/ns/net); echo links=$(ls /sys/class/net)");
	if (run(&s, &r)) {
		CHECK(!strstr(r.out, want));
		CHECK_OUT(&r, "links=lo\n"); /* sysfs shows the container's own namespace */
	}
	s.ns.net_host = true;
	if (run(&s, &r))
		CHECK_OUT(&r, want);
	taskdef_free(td);
}

/* The task's namespace holder, as the lifecycle code makes one: PID 1 of
 * new pid, uts, ipc and net namespaces, with its hostname set. */
static pid_t start_holder(void)
{
	int ready[2];
	char c;
	pid_t pid;

	if (pipe2(ready, O_CLOEXEC) < 0)
		return -1;
	pid = (pid_t)syscall(SYS_clone, CLONE_NEWPID | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWNET |
						SIGCHLD, NULL, NULL, NULL, NULL);
	if (pid == 0) {
		if (sethostname("holder", 6) == 0)
			(void)!write(ready[1], "r", 1);
		for (;;)
			pause();
	}
	close(ready[1]);
	if (pid > 0 && read(ready[0], &c, 1) != 1) {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		pid = -1;
	}
	close(ready[0]);
	return pid;
}

TEST(joins_the_tasks_shared_namespaces)
{
	static const char *const kinds[] = { "net", "ipc", "uts", "pid" };
	int fds[4] = { -1, -1, -1, -1 };
	char ns[64], want[96], own[64], children[64];
	struct task_def *td = NULL;
	struct spawn_spec s;
	struct run r;
	pid_t holder;

	if (!setup() || !(td = taskdef(NULL, "\"pidMode\": \"task\", \"ipcMode\": \"task\"")))
		return;
	holder = start_holder();
	CHECK(holder > 0);
	for (size_t i = 0; holder > 0 && i < ARRAY_SIZE(kinds); i++) {
		snprintf(ns, sizeof(ns), "/proc/%d/ns/%s", (int)holder, kinds[i]);
		fds[i] = open(ns, O_RDONLY | O_CLOEXEC);
		CHECK(fds[i] >= 0);
	}
	s = spec_for(td, "echo pid=$$; hostname; for k in net ipc uts pid; do "
			 "readlink /proc/self/ns/$k; done");
	s.ns = (struct spawn_task_ns){ .net_fd = fds[0], .ipc_fd = fds[1], .uts_fd = fds[2],
				       .pid_fd = fds[3] };
	if (holder > 0 && run(&s, &r)) {
		CHECK(!strstr(r.out, "pid=1\n")); /* the holder is PID 1 */
		CHECK_OUT(&r, "\nholder\n");     /* its hostname, not the task id */
		for (size_t i = 0; i < ARRAY_SIZE(kinds); i++) {
			ns_of(holder, kinds[i], ns, sizeof(ns));
			snprintf(want, sizeof(want), "%s\n", ns);
			CHECK_OUT(&r, want);
		}
		CHECK(r.status == 0);
	}
	/* berth went back to its own pid namespace for its next children. */
	ns_of(0, "pid", own, sizeof(own));
	ns_of(0, "pid_for_children", children, sizeof(children));
	CHECK_STR(children, own);
	for (size_t i = 0; i < ARRAY_SIZE(fds); i++)
		if (fds[i] >= 0)
			close(fds[i]);
	if (holder > 0) {
		kill(holder, SIGKILL);
		waitpid(holder, NULL, 0);
	}
	taskdef_free(td);
}

/* ---- capabilities and users --------------------------------------------- */

TEST(root_gets_dockers_capabilities_and_no_new_privs)
{
	struct task_def *td = NULL;
	struct run r;

	if (!setup() || !(td = taskdef(NULL, NULL)))
		return;
	if (run_script(td, "grep -E '^(Cap|NoNewPrivs)' /proc/self/status", &r)) {
		CHECK_OUT(&r, "CapInh:\t0000000000000000\n");
		CHECK_OUT(&r, "CapPrm:\t" DOCKER_CAPS "\n");
		CHECK_OUT(&r, "CapEff:\t" DOCKER_CAPS "\n");
		CHECK_OUT(&r, "CapBnd:\t" DOCKER_CAPS "\n");
		CHECK_OUT(&r, "CapAmb:\t0000000000000000\n");
		CHECK_OUT(&r, "NoNewPrivs:\t1\n");
	}
	taskdef_free(td);
}

TEST(capabilities_add_and_drop_are_honoured)
{
	struct task_def *td = NULL;
	struct run r;

	if (!setup())
		return;
	/* + SYS_PTRACE (19), - NET_RAW (13) */
	td = taskdef("\"linuxParameters\": {\"capabilities\": {\"add\": [\"SYS_PTRACE\"], "
		     "\"drop\": [\"NET_RAW\"]}}", NULL);
	if (td && run_script(td, "grep -E '^Cap(Eff|Bnd)' /proc/self/status", &r)) {
		CHECK_OUT(&r, "CapEff:\t00000000a80c05fb\n");
		CHECK_OUT(&r, "CapBnd:\t00000000a80c05fb\n");
	}
	taskdef_free(td);
	td = taskdef("\"linuxParameters\": {\"capabilities\": {\"drop\": [\"ALL\"], "
		     "\"add\": [\"CHOWN\"]}}", NULL);
	if (td && run_script(td, "grep -E '^CapEff' /proc/self/status", &r))
		CHECK_OUT(&r, "CapEff:\t0000000000000001\n");
	taskdef_free(td);
}

static void check_user(const char *user, const char *want)
{
	char json[128];
	struct task_def *td;
	struct run r;

	snprintf(json, sizeof(json), "\"user\": \"%s\"", user);
	td = taskdef(json, NULL);
	if (td && run_script(td, "echo $(id -u):$(id -g):$(id -G | tr ' ' ,):$HOME; "
				 "grep -E '^CapEff' /proc/self/status", &r)) {
		CHECK_OUT(&r, want);
		/* As docker: a user other than root has no effective capability. */
		CHECK_OUT(&r, strncmp(want, "0:", 2) == 0 ? "CapEff:\t" DOCKER_CAPS
							 : "CapEff:\t0000000000000000");
	}
	taskdef_free(td);
}

TEST(users_and_groups_come_from_the_images_passwd_and_group)
{
	if (!setup())
		return;
	check_user("web", "1000:1000:1000,29,50:/home/web\n");
	check_user("web:audio", "1000:29:29:/home/web\n");
	check_user("1000", "1000:1000:1000,29,50:/home/web\n");
	check_user("1234:5678", "1234:5678:5678:/\n");
	check_user("0", "0:0:0:/root\n");
	check_user("web:50", "1000:50:50:/home/web\n");
}

static void check_start_error(const char *container_json, const char *want, int want_code)
{
	struct task_def *td = taskdef(container_json, NULL);
	struct spawn_spec s;
	struct run r;

	if (!td)
		return;
	s = spec_for(td, "echo should-not-run");
	start(&s, &r);
	finish(&r);
	CHECK(r.pid == -1);
	CHECK_STR(r.err.msg, want);
	CHECK(r.exit_code == want_code);
	CHECK(!strstr(r.out, "should-not-run"));
	taskdef_free(td);
}

TEST(unknown_users_and_groups_fail_the_start_in_dockers_words)
{
	if (!setup())
		return;
	check_start_error("\"user\": \"nobody2\"",
			  "CannotStartContainerError: unable to find user nobody2: no matching "
			  "entries in passwd file", 125);
	check_start_error("\"user\": \"web:nogroup\"",
			  "CannotStartContainerError: unable to find group nogroup: no matching "
			  "entries in group file", 125);
}

/* ---- process settings ----------------------------------------------------- */

TEST(working_directory_and_environment)
{
	struct task_def *td = NULL;
	struct run r;

	if (!setup() || !(td = taskdef("\"workingDirectory\": \"/srv/app\"", NULL)))
		return;
	if (run_script(td, "echo \"$(pwd)|$FOO|$PATH|$HOSTNAME|$HOME\"", &r))
		CHECK_OUT(&r, "/srv/app|bar baz|/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:"
			      "/sbin:/bin|" TASK_ID "|/root\n");
	taskdef_free(td);
}

/* Fargate's 65535, unless this process may not raise its hard limit
 * there (no CAP_SYS_RESOURCE, as in some CI sandboxes): then its own. */
static const char *default_nofile(void)
{
	static char want[64];
	struct berr err = { 0 };
	_cleanup_free_ char *status = fs_read_file("/proc/self/status", 1 << 16, NULL, &err);
	const char *eff = status ? strstr(status, "CapEff:\t") : NULL;
	bool sys_resource = eff && (strtoull(eff + 8, NULL, 16) & (1ULL << 24));
	struct rlimit rl;

	getrlimit(RLIMIT_NOFILE, &rl);
	if (sys_resource || rl.rlim_max >= 65535)
		return "65535:65535\n";
	snprintf(want, sizeof(want), "%llu:%llu\n", (unsigned long long)rl.rlim_cur,
		 (unsigned long long)rl.rlim_max);
	return want;
}

TEST(ulimits_are_set_with_fargates_nofile_default)
{
	struct task_def *td = NULL;
	struct run r;

	if (!setup())
		return;
	td = taskdef("\"ulimits\": [{\"name\": \"nofile\", \"softLimit\": 1000, "
		     "\"hardLimit\": 2000}, {\"name\": \"core\", \"softLimit\": -1, "
		     "\"hardLimit\": -1}]", NULL);
	if (td && run_script(td, "echo $(ulimit -n):$(ulimit -Hn):$(ulimit -c)", &r))
		CHECK_OUT(&r, "1000:2000:unlimited\n");
	taskdef_free(td);
	td = taskdef(NULL, NULL);
	if (td && run_script(td, "echo $(ulimit -n):$(ulimit -Hn)", &r))
		CHECK_OUT(&r, default_nofile());
	taskdef_free(td);
}

/* ---- file systems -------------------------------------------------------- */

TEST(readonly_root_refuses_writes_while_tmpfs_and_shm_work)
{
	struct task_def *td = NULL;
	struct run r;

	if (!setup())
		return;
	td = taskdef("\"readonlyRootFilesystem\": true, \"linuxParameters\": {\"tmpfs\": ["
		     "{\"containerPath\": \"/tmp\", \"size\": 8, \"mountOptions\": [\"mode=1777\"]},"
		     "{\"containerPath\": \"/frozen\", \"size\": 1, \"mountOptions\": [\"ro\"]}]}",
		     NULL);
	if (td && run_script(td, "touch /x 2>&1; touch /tmp/y && echo tmp-ok; "
				 "touch /dev/shm/z && echo shm-ok; touch /frozen/f || echo frozen; "
				 "echo mode=$(stat -c %a /tmp); "
				 "grep ' /tmp ' /proc/self/mountinfo | grep -q nosuid,nodev,noexec && "
				 "echo tmp-noexec; df -k /tmp | tail -n 1", &r)) {
		CHECK_OUT(&r, "touch: /x: Read-only file system\n");
		CHECK_OUT(&r, "tmp-ok\n");
		CHECK_OUT(&r, "shm-ok\n");
		CHECK_OUT(&r, "frozen\n");
		CHECK_OUT(&r, "mode=1777\n");
		CHECK_OUT(&r, "tmp-noexec\n");
		CHECK_OUT(&r, " 8192 ");
	}
	taskdef_free(td);
}

TEST(shared_memory_size_sets_dev_shm)
{
	struct task_def *td = NULL;
	struct run r;

	if (!setup())
		return;
	td = taskdef("\"linuxParameters\": {\"sharedMemorySize\": 128}", NULL);
	if (td && run_script(td, "df -k /dev/shm | tail -n 1", &r))
		CHECK_OUT(&r, " 131072 ");
	taskdef_free(td);
	td = taskdef(NULL, NULL);
	if (td && run_script(td, "df -k /dev/shm | tail -n 1", &r))
		CHECK_OUT(&r, " 65536 "); /* docker's 64 MiB default */
	taskdef_free(td);
}

TEST(volumes_are_bound_and_read_only_when_asked)
{
	char data[160], ro[160], task_json[512], path[200];
	char *sources[2] = { data, ro };
	struct task_def *td = NULL;
	struct berr err = { 0 };
	_cleanup_free_ char *written = NULL;
	struct spawn_spec s;
	struct run r;

	if (!setup())
		return;
	snprintf(data, sizeof(data), "%s/vol-data", base);
	snprintf(ro, sizeof(ro), "%s/vol-ro", base);
	CHECK(mkdir(data, 0755) == 0 && mkdir(ro, 0755) == 0 && write_file(ro, "g", "given\n", 0644));
	snprintf(task_json, sizeof(task_json),
		 "\"volumes\": [{\"name\": \"data\", \"host\": {\"sourcePath\": \"%s\"}}, "
		 "{\"name\": \"ro\", \"host\": {\"sourcePath\": \"%s\"}}]", data, ro);
	td = taskdef("\"mountPoints\": [{\"sourceVolume\": \"data\", \"containerPath\": "
		     "\"/srv/data\"}, {\"sourceVolume\": \"ro\", \"containerPath\": \"/ro\", "
		     "\"readOnly\": true}]", task_json);
	if (!td)
		return;
	s = spec_for(td, "echo hi > /srv/data/f && echo wrote; cat /ro/g; touch /ro/h 2>&1");
	s.volume_sources = sources;
	if (run(&s, &r)) {
		CHECK_OUT(&r, "wrote\n");
		CHECK_OUT(&r, "given\n");
		CHECK_OUT(&r, "touch: /ro/h: Read-only file system\n");
		snprintf(path, sizeof(path), "%s/f", data);
		written = fs_read_file(path, 64, NULL, &err);
		CHECK_STR(written, "hi\n");
		snprintf(path, sizeof(path), "%s/h", ro);
		CHECK(!fs_exists(path));
	}
	/* A source that does not exist fails the start, naming it. */
	sources[0] = "/nonexistent-berth-volume";
	start(&s, &r);
	finish(&r);
	CHECK(r.pid == -1 && r.exit_code == 125);
	CHECK_STR(r.err.msg, "CannotStartContainerError: mount /srv/data: volume data: "
			     "/nonexistent-berth-volume: No such file or directory");
	taskdef_free(td);
}

/* ---- exec failures ------------------------------------------------------- */

static void check_exec_error(char *program, bool with_init, const char *want, int want_code)
{
	struct task_def *td = taskdef(with_init ? "\"linuxParameters\": "
						  "{\"initProcessEnabled\": true}" : NULL, NULL);
	char *argv[] = { program, NULL };
	struct spawn_spec s;
	struct run r;

	if (!td)
		return;
	s = spec_for(td, "");
	s.argv = argv;
	s.berth_exe = berth[0] ? berth : NULL;
	start(&s, &r);
	finish(&r);
	CHECK(r.pid == -1);
	CHECK_STR(r.err.msg, want);
	CHECK(r.exit_code == want_code);
	taskdef_free(td);
}

TEST(exec_failures_report_127_and_126_as_docker)
{
	if (!setup())
		return;
	check_exec_error("/nope", false,
			 "CannotStartContainerError: exec /nope: no such file or directory", 127);
	check_exec_error("nope", false,
			 "CannotStartContainerError: exec nope: executable file not found in $PATH", 127);
	check_exec_error("/etc/passwd", false,
			 "CannotStartContainerError: exec /etc/passwd: permission denied", 126);
	check_exec_error("/etc", false, "CannotStartContainerError: exec /etc: permission denied", 126);
	check_exec_error("", false, "CannotStartContainerError: no command specified", 125);
	/* The same with berth init in front. */
	check_exec_error("/nope", true,
			 "CannotStartContainerError: exec /nope: no such file or directory", 127);
}

/* ---- initProcessEnabled --------------------------------------------------- */

static struct task_def *init_taskdef(void)
{
	if (!setup())
		return NULL;
	if (!berth[0]) {
		printf("  skip: no berth binary with the init verb ($BERTH, build/<arch>/berth, "
		       "/usr/bin/berth)\n");
		return NULL;
	}
	return taskdef("\"linuxParameters\": {\"initProcessEnabled\": true}", NULL);
}

static bool run_with_init(struct task_def *td, const char *script, struct run *r)
{
	struct spawn_spec s = spec_for(td, script);

	s.berth_exe = berth;
	return run(&s, r);
}

TEST(init_is_pid_1_and_runs_the_program_as_its_child)
{
	struct task_def *td = init_taskdef();
	struct run r;

	if (!td)
		return;
	if (run_with_init(td, "echo cmdline=$(tr '\\0' ' ' < /proc/1/cmdline); "
			      "echo comm=$(cat /proc/1/comm); echo pid=$$; exit 7", &r)) {
		CHECK_OUT(&r, "cmdline=berth init -- /bin/sh -c echo");
		CHECK_OUT(&r, "comm=berth-init\n");
		CHECK(!strstr(r.out, "pid=1\n"));
		CHECK(r.status == 7);
	}
	if (run_with_init(td, "kill -9 $$", &r))
		CHECK(r.status == 137); /* 128 + SIGKILL, as tini */
	taskdef_free(td);
}

TEST(init_forwards_sigterm_to_the_program)
{
	struct task_def *td = init_taskdef();
	struct spawn_spec s;
	struct run r;

	if (!td)
		return;
	s = spec_for(td, "trap 'echo got-term; exit 3' TERM; echo ready; "
			 "while :; do sleep 1; done");
	s.berth_exe = berth;
	start(&s, &r);
	CHECK(r.pid > 0);
	if (r.pid > 0) {
		CHECK(read_until(&r, "ready\n"));
		kill(r.pid, SIGTERM);
	}
	finish(&r);
	CHECK_OUT(&r, "got-term\n");
	CHECK(r.status == 3);
	taskdef_free(td);
}

/* A program whose children double-fork leaves orphans to PID 1: berth
 * init reaps them, so no zombie stays. */
TEST(init_reaps_orphaned_zombies)
{
	struct task_def *td = init_taskdef();
	struct run r;

	if (!td)
		return;
	if (run_with_init(td, "sh -c 'sleep 1 & exit 0'; sleep 2; "
			      "echo zombies=$(cat /proc/[0-9]*/stat | grep -c ') Z ')", &r))
		CHECK_OUT(&r, "zombies=0\n");
	taskdef_free(td);
}

TEST_MAIN(T(pid_1_own_hostname_and_no_host_processes),
	  T(proc_and_sys_are_masked_and_read_only),
	  T(dev_has_the_usual_nodes_and_nothing_of_the_hosts),
	  T(fds_other_than_stdio_are_closed),
	  T(signal_dispositions_are_reset),
	  T(nothing_is_mounted_on_the_host),
	  T(symlinks_in_the_image_cannot_reach_the_host),
	  T(placed_in_its_cgroup_with_its_own_cgroup_namespace),
	  T(network_namespace_is_new_unless_host),
	  T(joins_the_tasks_shared_namespaces),
	  T(root_gets_dockers_capabilities_and_no_new_privs),
	  T(capabilities_add_and_drop_are_honoured),
	  T(users_and_groups_come_from_the_images_passwd_and_group),
	  T(unknown_users_and_groups_fail_the_start_in_dockers_words),
	  T(working_directory_and_environment),
	  T(ulimits_are_set_with_fargates_nofile_default),
	  T(readonly_root_refuses_writes_while_tmpfs_and_shm_work),
	  T(shared_memory_size_sets_dev_shm),
	  T(volumes_are_bound_and_read_only_when_asked),
	  T(exec_failures_report_127_and_126_as_docker),
	  T(init_is_pid_1_and_runs_the_program_as_its_child),
	  T(init_forwards_sigterm_to_the_program),
	  T(init_reaps_orphaned_zombies))
