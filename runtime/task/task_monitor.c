/* The monitor's loop: one poll() over a signalfd (children, SIGINT,
 * SIGTERM, SIGHUP), the control socket and its clients, and the
 * containers' output pipes; deadlines (stopTimeout, startTimeout) become
 * the poll timeout. No threads, and nothing allocated per event. */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/wait.h>

#include "task/task_priv.h"

/* signalfd, socket, clients, two pipes per container. */
#define POLL_MAX (2 + TASK_CLIENTS_MAX + 2 * TASK_CONTAINERS_MAX)

enum slot_kind { SLOT_SIGNAL, SLOT_LISTEN, SLOT_CLIENT, SLOT_OUT, SLOT_ERR };

struct poll_set {
	struct pollfd fds[POLL_MAX];
	enum slot_kind kind[POLL_MAX];
	size_t index[POLL_MAX];
	nfds_t n;
};

void task_monitor_request_stop(struct task_monitor *m, enum task_stop_code code,
			       const char *reason)
{
	if (m->rec.desired_status == TASK_STOPPED)
		return;
	record_stop(&m->rec, code, reason);
	/* Containers that never started stay so. */
	for (size_t i = 0; i < m->rec.container_count; i++)
		if (m->rec.containers[i].status == TASK_PENDING)
			m->rec.containers[i].status = TASK_STOPPED;
	log_debug("task %s: stopping: %s", m->rec.id, reason);
	record_save(m->paths, &m->rec);
}

static bool any_running(const struct task_monitor *m)
{
	for (size_t i = 0; i < m->td->container_count; i++)
		if (m->procs[i].pid > 0)
			return true;
	return false;
}

static void reap(struct task_monitor *m)
{
	int status;
	pid_t pid;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		if (pid == m->ns.pause_pid)
			m->ns.pause_pid = 0;
		for (size_t i = 0; i < m->td->container_count; i++)
			if (m->procs[i].pid == pid)
				task_container_exited(m, i, status);
	}
}

static void on_signal(struct task_monitor *m)
{
	struct signalfd_siginfo si;

	while (read(m->sig_fd, &si, sizeof(si)) == sizeof(si)) {
		if (si.ssi_signo == SIGCHLD) {
			reap(m);
			continue;
		}
		/* The first asks for a graceful stop, a second one insists. */
		if (++m->interrupts == 1)
			task_monitor_request_stop(m, TASK_STOP_USER_INITIATED, TASK_STOP_REASON_USER);
		else
			task_kill_all(m);
	}
}

static void add(struct poll_set *ps, int fd, enum slot_kind kind, size_t index)
{
	if (fd < 0)
		return;
	ps->fds[ps->n] = (struct pollfd){ .fd = fd, .events = POLLIN };
	ps->kind[ps->n] = kind;
	ps->index[ps->n] = index;
	ps->n++;
}

static void fill(const struct task_monitor *m, struct poll_set *ps)
{
	ps->n = 0;
	add(ps, m->sig_fd, SLOT_SIGNAL, 0);
	add(ps, m->listen_fd, SLOT_LISTEN, 0);
	for (size_t i = 0; i < TASK_CLIENTS_MAX; i++)
		add(ps, m->clients[i], SLOT_CLIENT, i);
	for (size_t i = 0; i < m->td->container_count; i++) {
		add(ps, m->procs[i].out.fd, SLOT_OUT, i);
		add(ps, m->procs[i].err.fd, SLOT_ERR, i);
	}
}

static void dispatch(struct task_monitor *m, const struct poll_set *ps)
{
	for (nfds_t k = 0; k < ps->n; k++) {
		size_t i = ps->index[k];

		if (!ps->fds[k].revents)
			continue;
		switch (ps->kind[k]) {
		case SLOT_SIGNAL:
			on_signal(m);
			break;
		case SLOT_LISTEN:
			task_sock_accept(m);
			break;
		case SLOT_CLIENT:
			task_sock_client(m, i);
			break;
		case SLOT_OUT:
			task_output_read(m, i, &m->procs[i].out);
			break;
		case SLOT_ERR:
			task_output_read(m, i, &m->procs[i].err);
			break;
		}
	}
}

static int timeout_ms(const struct task_monitor *m)
{
	int64_t next = task_start_deadline(m), stop = task_stop_deadline(m), now = task_mono_ms();

	if (stop < next)
		next = stop;
	if (next == INT64_MAX)
		return -1;
	return next <= now ? 0 : (int)(next - now > 60000 ? 60000 : next - now);
}

void task_monitor_loop(struct task_monitor *m)
{
	struct poll_set ps;

	m->activated_ms = task_mono_ms();
	for (;;) {
		if (m->rec.desired_status == TASK_RUNNING)
			task_start_ready(m);
		if (m->rec.desired_status == TASK_STOPPED) {
			if (!any_running(m))
				return;
			task_stop_step(m);
		}
		fill(m, &ps);
		if (poll(ps.fds, ps.n, timeout_ms(m)) < 0 && errno != EINTR) {
			log_warn("task %s: poll: %s", m->rec.id, strerror(errno));
			task_kill_all(m);
		}
		dispatch(m, &ps);
	}
}

int task_monitor_signals(sigset_t *old, struct berr *err)
{
	sigset_t set;
	int fd;

	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGHUP);
	/* Blocked, not ignored: a closed stdout makes write fail with EPIPE. */
	sigaddset(&set, SIGPIPE);
	if (sigprocmask(SIG_BLOCK, &set, old) < 0)
		return berr_sys(err, "block signals");
	sigdelset(&set, SIGPIPE);
	fd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
	if (fd < 0) {
		sigprocmask(SIG_SETMASK, old, NULL);
		return berr_sys(err, "signalfd");
	}
	return fd;
}
