/* berth run: admission, provisioning, the monitor loop and the teardown,
 * either here (the foreground: this process is the monitor) or in a
 * forked monitor (--detach) that reports back once the task is RUNNING.
 * Any failure on the way stops the task with TaskFailedToStart and the
 * same teardown as a normal stop, so nothing but the STOPPED record stays. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "task/task_priv.h"

static struct task_monitor *monitor_new(const struct paths *paths, const struct task_def *td,
					bool foreground, struct berr *err)
{
	struct task_monitor *m = calloc(1, sizeof(*m));

	if (!m)
		return berr_set(err, ENOMEM, "out of memory"), NULL;
	m->paths = paths;
	m->td = td;
	m->foreground = foreground;
	m->exe_fd = m->sig_fd = m->listen_fd = m->report_fd = -1;
	for (size_t i = 0; i < TASK_CLIENTS_MAX; i++)
		m->clients[i] = -1;
	for (size_t i = 0; i < TASK_CONTAINERS_MAX; i++)
		m->procs[i].out.fd = m->procs[i].err.fd = m->procs[i].log_fd = -1;
	for (size_t i = 0; i < td->container_count; i++) {
		int len = (int)strlen(td->containers[i].name);

		if (len > m->prefix_width)
			m->prefix_width = len;
	}
	task_ns_init(&m->ns);
	m->fail_exit = SPAWN_EXIT_SETUP;
	m->exit_code = -1;
	return m;
}

static void monitor_free(struct task_monitor *m)
{
	task_output_drain(m);
	task_sock_close_all(m);
	task_ns_close(&m->ns);
	for (size_t i = 0; i < TASK_CONTAINERS_MAX; i++) {
		free(m->procs[i].rootfs);
		task_launch_free(&m->procs[i].launch);
	}
	task_strv_free(m->volumes);
	cgroup_task_free(m->cg);
	if (m->exe_fd >= 0)
		close(m->exe_fd);
	record_free(&m->rec);
	free(m);
}

/* ---- reporting to `berth run --detach` ---------------------------------- */

/* "<exit code> <id>\n<message>": 0 is RUNNING, else the start failed. */
static void report_send(struct task_monitor *m, int code, const char *msg)
{
	int null = open("/dev/null", O_RDWR | O_CLOEXEC);
	_cleanup_free_ char *text = NULL;

	/* From here on the monitor has no terminal: the CLI's stdout (maybe a
	 * pipe someone reads to the end) must not wait for the task. */
	if (null >= 0) {
		dup2(null, STDIN_FILENO);
		dup2(null, STDOUT_FILENO);
		dup2(null, STDERR_FILENO);
		close(null);
	}
	if (asprintf(&text, "%d %s\n%s", code, m->rec.id, msg) < 0)
		text = NULL;
	if (text && write(m->report_fd, text, strlen(text)) < 0)
		log_debug("report: %s", strerror(errno));
	close(m->report_fd);
	m->report_fd = -1;
}

void task_report(struct task_monitor *m)
{
	if (m->report_fd < 0)
		return;
	if (m->rec.stop_code == TASK_STOP_FAILED_TO_START)
		report_send(m, m->fail_exit, m->fail.msg);
	else
		report_send(m, 0, "");
}

/* ---- the run ------------------------------------------------------------ */

static void finish(struct task_monitor *m)
{
	struct task_record *rec = &m->rec;
	struct berr err = { 0 };

	rec->execution_stopped_at = task_now();
	rec->last_status = TASK_DEPROVISIONING;
	record_save(m->paths, rec);
	if (task_teardown(m->paths, rec->id, rec->container_count, m->cg, &err) < 0) {
		/* The record stays DEPROVISIONING: berth stop or rm finish it. */
		log_warn("%s", err.msg);
		return;
	}
	task_output_drain(m);
	rec->last_status = TASK_STOPPED;
	rec->stopped_at = task_now();
	record_save(m->paths, rec);
}

static int outcome(struct task_monitor *m, int *exit_code, struct berr *err)
{
	if (m->rec.stop_code == TASK_STOP_FAILED_TO_START) {
		*err = m->fail;
		*exit_code = m->fail_exit;
		return -1;
	}
	*exit_code = m->exit_code;
	if (*exit_code >= 0)
		return 0;
	*exit_code = SPAWN_EXIT_SETUP;
	return berr_set(err, 0, "task %s stopped before an essential container ran (%s)", m->rec.id,
			m->rec.stopped_reason);
}

static int run_monitor(struct task_monitor *m, const struct board *board,
		       const struct task_run_opts *opts, char task_id[TASK_ID_LEN + 1],
		       int *exit_code, struct berr *err)
{
	char id[TASK_ID_LEN + 1];

	if (task_id_new(id, err) < 0 || record_init(&m->rec, id, opts->name, m->td, err) < 0)
		return -1;
	if (task_admit(m->paths, board, &m->rec, opts->taskdef, err) < 0) {
		m->rec.id[0] = '\0'; /* no such task: nothing to name */
		return -1;
	}
	snprintf(task_id, TASK_ID_LEN + 1, "%s", id);
	if (task_provision(m, opts->pids_limit, err) < 0) {
		m->fail = *err;
		task_monitor_request_stop(m, TASK_STOP_FAILED_TO_START, m->fail.msg);
	} else {
		task_monitor_loop(m);
	}
	finish(m);
	task_report(m);
	return outcome(m, exit_code, err);
}

/* Signals taken while blocked are dropped before the old mask returns:
 * a pending SIGPIPE or SIGINT would end berth before it says how the task ended. */
static void restore_signals(int sig_fd, const sigset_t *old)
{
	const struct timespec zero = { 0 };
	sigset_t set;

	close(sig_fd);
	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGPIPE);
	while (sigtimedwait(&set, NULL, &zero) > 0)
		;
	sigprocmask(SIG_SETMASK, old, NULL);
}

static int run_foreground(const struct paths *paths, const struct board *board,
			  const struct task_def *td, const struct task_run_opts *opts,
			  char task_id[TASK_ID_LEN + 1], int *exit_code, struct berr *err)
{
	struct task_monitor *m = monitor_new(paths, td, true, err);
	sigset_t old;
	int rc;

	if (!m)
		return -1;
	m->sig_fd = task_monitor_signals(&old, err);
	if (m->sig_fd < 0) {
		monitor_free(m);
		return -1;
	}
	rc = run_monitor(m, board, opts, task_id, exit_code, err);
	restore_signals(m->sig_fd, &old);
	monitor_free(m);
	return rc;
}

/* ---- detached ----------------------------------------------------------- */

/* In the forked monitor: never returns. */
static void monitor_main(const struct paths *paths, const struct board *board,
			 const struct task_def *td, const struct task_run_opts *opts, int report)
{
	struct berr err = { 0 };
	char id[TASK_ID_LEN + 1] = "";
	struct task_monitor *m;
	sigset_t old;
	int code = SPAWN_EXIT_SETUP;

	/* Its own session: the terminal's Ctrl-C and hangup are not its. */
	setsid();
	if (chdir("/") < 0)
		log_debug("chdir /: %s", strerror(errno));
	m = monitor_new(paths, td, false, &err);
	if (m) {
		m->report_fd = report;
		m->sig_fd = task_monitor_signals(&old, &err);
	}
	if (m && m->sig_fd >= 0 && run_monitor(m, board, opts, id, &code, &err) == 0)
		_exit(0);
	if (m && m->report_fd >= 0)
		report_send(m, code, err.msg); /* admission refused it */
	else if (!m && dprintf(report, "%d \n%s", code, err.msg) < 0)
		_exit(1);
	_exit(0);
}

static int read_report(int fd, char task_id[TASK_ID_LEN + 1], int *exit_code, struct berr *err)
{
	char buf[sizeof(err->msg) + 64], *nl, *end;
	size_t used = 0;
	ssize_t n;

	while (used < sizeof(buf) - 1 && (n = read(fd, buf + used, sizeof(buf) - 1 - used)) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return berr_sys(err, "read from the task's monitor");
		used += (size_t)n;
	}
	buf[used] = '\0';
	nl = strchr(buf, '\n');
	*exit_code = (int)strtol(buf, &end, 10);
	if (!nl || end == buf)
		return berr_set(err, EIO, "the task's monitor exited before the task started (see berth ps -a)");
	*nl = '\0';
	snprintf(task_id, TASK_ID_LEN + 1, "%s", end + strspn(end, " "));
	if (*exit_code == 0)
		return 0;
	return berr_set(err, 0, "%s", nl + 1);
}

static int run_detached(const struct paths *paths, const struct board *board,
			const struct task_def *td, const struct task_run_opts *opts,
			char task_id[TASK_ID_LEN + 1], int *exit_code, struct berr *err)
{
	int p[2], rc;
	pid_t pid;

	if (pipe2(p, O_CLOEXEC) < 0)
		return berr_sys(err, "pipe");
	fflush(NULL); /* nothing buffered may be written twice */
	pid = fork();
	if (pid == 0) {
		close(p[0]);
		monitor_main(paths, board, td, opts, p[1]);
	}
	close(p[1]);
	if (pid < 0) {
		close(p[0]);
		return berr_sys(err, "fork the task's monitor");
	}
	rc = read_report(p[0], task_id, exit_code, err);
	close(p[0]);
	return rc;
}

int task_run(const struct paths *paths, const struct board *board, const struct task_def *td,
	     const struct task_run_opts *opts, char task_id[TASK_ID_LEN + 1], int *exit_code,
	     struct berr *err)
{
	*exit_code = SPAWN_EXIT_SETUP;
	task_id[0] = '\0';
	if (opts->name && !task_name_valid(opts->name))
		return berr_set(err, EINVAL, "--name %.80s: not a valid name (valid: 1-%d of A-Z a-z 0-9 "
				"_ . -, starting with a letter or digit)", opts->name, TASK_NAME_MAX);
	if (td->container_count > TASK_CONTAINERS_MAX)
		return berr_set(err, EINVAL, "%zu containers: at most %d", td->container_count,
				TASK_CONTAINERS_MAX);
	if (task_deps_supported(td, err) < 0)
		return -1;
	if (opts->detach)
		return run_detached(paths, board, td, opts, task_id, exit_code, err);
	return run_foreground(paths, board, td, opts, task_id, exit_code, err);
}
