/* The monitor's control socket, <run>/tasks/<id>/monitor.sock
 * (SOCK_SEQPACKET: one message is one command). Commands:
 *   "status"          -> the task's lastStatus
 *   "stop [REASON]"   -> "ok"; the connection then stays open until the
 *                        monitor exits, after recording STOPPED, so a
 *                        client waits by reading until end of file.
 * Only root or the monitor's own user may connect. The path is reached
 * through /proc/self/fd/<dir fd>/ because a deep --root makes it longer
 * than a sockaddr_un holds. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>

#include "task/task_priv.h"

#define SOCK_NAME "monitor.sock"
#define MSG_MAX (TASK_REASON_MAX + 16)

static int sock_addr(int dir_fd, struct sockaddr_un *addr)
{
	*addr = (struct sockaddr_un){ .sun_family = AF_UNIX };
	snprintf(addr->sun_path, sizeof(addr->sun_path), "/proc/self/fd/%d/" SOCK_NAME, dir_fd);
	return 0;
}

static int open_run_dir(const struct paths *paths, const char *id, bool create, struct berr *err)
{
	_cleanup_free_ char *dir = task_run_dir(paths, id, err);
	int fd;

	if (!dir || (create && fs_mkdir_p(dir, 0700, err) < 0))
		return -1;
	fd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	return fd < 0 ? berr_sys(err, "open %s", dir) : fd;
}

int task_sock_listen(struct task_monitor *m, struct berr *err)
{
	_cleanup_close_ int dir_fd = open_run_dir(m->paths, m->rec.id, true, err);
	struct sockaddr_un addr;
	int fd;

	if (dir_fd < 0)
		return -1;
	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return berr_sys(err, "socket");
	sock_addr(dir_fd, &addr);
	if (bind(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0 ||
	    listen(fd, TASK_CLIENTS_MAX) < 0) {
		berr_sys(err, "listen on %s/tasks/%s/" SOCK_NAME, m->paths->run, m->rec.id);
		close(fd);
		return -1;
	}
	m->listen_fd = fd;
	return 0;
}

static bool peer_allowed(int fd)
{
	struct ucred cred;
	socklen_t len = sizeof(cred);

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0)
		return false;
	return cred.uid == 0 || cred.uid == geteuid();
}

void task_sock_accept(struct task_monitor *m)
{
	int fd = accept4(m->listen_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
	bool allowed;

	if (fd < 0)
		return;
	allowed = peer_allowed(fd);

	for (size_t i = 0; i < TASK_CLIENTS_MAX && allowed; i++)
		if (m->clients[i] < 0) {
			m->clients[i] = fd;
			return;
		}
	/* Refused or no room: the client sees the end of file at once. */
	close(fd);
}

static void reply(int fd, const char *msg)
{
	if (send(fd, msg, strlen(msg), MSG_NOSIGNAL | MSG_DONTWAIT) < 0)
		log_debug("monitor: reply: %s", strerror(errno));
}

void task_sock_client(struct task_monitor *m, size_t slot)
{
	char msg[MSG_MAX];
	ssize_t n = recv(m->clients[slot], msg, sizeof(msg) - 1, MSG_DONTWAIT);

	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		close(m->clients[slot]);
		m->clients[slot] = -1;
		return;
	}
	msg[n] = '\0';
	if (!strcmp(msg, "status")) {
		reply(m->clients[slot], task_state_name(m->rec.last_status));
	} else if (!strcmp(msg, "stop") || !strncmp(msg, "stop ", 5)) {
		const char *reason = msg[4] && msg[5] ? msg + 5 : TASK_STOP_REASON_USER;

		task_monitor_request_stop(m, TASK_STOP_USER_INITIATED, reason);
		reply(m->clients[slot], "ok");
	} else {
		reply(m->clients[slot], "error: unknown command");
	}
}

void task_sock_close_all(struct task_monitor *m)
{
	for (size_t i = 0; i < TASK_CLIENTS_MAX; i++)
		if (m->clients[i] >= 0) {
			close(m->clients[i]);
			m->clients[i] = -1;
		}
	if (m->listen_fd >= 0) {
		close(m->listen_fd);
		m->listen_fd = -1;
	}
}

/* ---- the client side ---------------------------------------------------- */

static int wait_closed(int fd)
{
	char buf[64];
	ssize_t n;

	while ((n = recv(fd, buf, sizeof(buf), 0)) != 0)
		if (n < 0 && errno != EINTR)
			return -1;
	return 0;
}

int task_sock_request_stop(const struct paths *paths, const char *id, const char *reason,
			   struct berr *err)
{
	_cleanup_close_ int dir_fd = open_run_dir(paths, id, false, err);
	_cleanup_close_ int fd = -1;
	_cleanup_free_ char *msg = NULL;
	struct sockaddr_un addr;

	if (dir_fd < 0)
		return -1;
	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return berr_sys(err, "socket");
	sock_addr(dir_fd, &addr);
	if (connect(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0)
		return berr_sys(err, "task %s: connect to its monitor", id);
	msg = str_printf(err, "stop %.*s", TASK_REASON_MAX - 1, reason);
	if (!msg)
		return -1;
	if (send(fd, msg, strlen(msg), MSG_NOSIGNAL) < 0)
		return berr_sys(err, "task %s: ask its monitor to stop it", id);
	if (wait_closed(fd) < 0)
		return berr_sys(err, "task %s: wait for its monitor", id);
	return 0;
}
