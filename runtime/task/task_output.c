/* Container output. Each container writes to two pipes the monitor holds.
 * Foreground: every line goes to berth's stdout or stderr as
 * "<name> | <line>", names padded to one width; a line longer than
 * TASK_LINE_MAX is cut into pieces, and a last line without a newline is
 * flushed at the end. Detached: the bytes are appended as they come to
 * <state>/tasks/<id>/<name>.log (rotation and drivers come with logging). */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/uio.h>

#include "task/task_priv.h"

static int open_log(struct task_monitor *m, size_t i, struct berr *err)
{
	_cleanup_free_ char *path = str_printf(err, "%s/tasks/%s/%s.log", m->paths->state, m->rec.id,
					       m->td->containers[i].name);
	int fd;

	if (!path)
		return -1;
	fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_NOFOLLOW | O_CLOEXEC, 0600);
	return fd < 0 ? berr_sys(err, "open %s", path) : fd;
}

static int open_pipe(struct task_stream *s, int sink, int *write_end, struct berr *err)
{
	int p[2];

	if (pipe2(p, O_CLOEXEC) < 0)
		return berr_sys(err, "pipe");
	/* The monitor never blocks on a container. */
	if (fcntl(p[0], F_SETFL, O_NONBLOCK) < 0) {
		berr_sys(err, "pipe");
		close(p[0]);
		close(p[1]);
		return -1;
	}
	s->fd = p[0];
	s->sink = sink;
	s->used = 0;
	*write_end = p[1];
	return 0;
}

int task_output_open(struct task_monitor *m, size_t i, int *out_w, int *err_w, struct berr *err)
{
	struct task_proc *p = &m->procs[i];
	int log = m->foreground ? -1 : open_log(m, i, err);

	if (!m->foreground && log < 0)
		return -1;
	if (open_pipe(&p->out, m->foreground ? STDOUT_FILENO : log, out_w, err) < 0)
		goto fail;
	if (open_pipe(&p->err, m->foreground ? STDERR_FILENO : log, err_w, err) < 0) {
		close(p->out.fd);
		close(*out_w);
		p->out.fd = -1;
		goto fail;
	}
	p->log_fd = log;
	return 0;
fail:
	if (log >= 0)
		close(log);
	return -1;
}

/* ---- writing ------------------------------------------------------------ */

static void write_fully(int fd, struct iovec *iov, int n)
{
	while (n > 0) {
		ssize_t w = writev(fd, iov, n);

		if (w < 0 && errno == EINTR)
			continue;
		/* A closed terminal or a full disk: the output is lost, the task goes on. */
		if (w <= 0)
			return;
		while (n > 0 && (size_t)w >= iov->iov_len) {
			w -= (ssize_t)iov->iov_len;
			iov++;
			n--;
		}
		if (n > 0) {
			iov->iov_base = (char *)iov->iov_base + w;
			iov->iov_len -= (size_t)w;
		}
	}
}

static void emit_line(struct task_monitor *m, size_t i, int sink, const char *line, size_t len,
		      bool newline)
{
	char prefix[TASK_NAME_MAX + 300];
	int n = snprintf(prefix, sizeof(prefix), "%-*s | ", m->prefix_width, m->td->containers[i].name);
	struct iovec iov[3] = {
		{ prefix, n > 0 && (size_t)n < sizeof(prefix) ? (size_t)n : 0 },
		{ (char *)line, len },
		{ "\n", newline ? 1 : 0 },
	};

	write_fully(sink, iov, 3);
}

/* Whole lines out of data; the rest waits in s->buf for its newline. */
static void foreground_lines(struct task_monitor *m, size_t i, struct task_stream *s,
			     const char *data, size_t len)
{
	while (len > 0) {
		const char *nl = memchr(data, '\n', len);
		size_t take = nl ? (size_t)(nl - data) + 1 : len;

		if (take > sizeof(s->buf) - s->used)
			take = sizeof(s->buf) - s->used;
		memcpy(s->buf + s->used, data, take);
		s->used += take;
		data += take;
		len -= take;
		if (s->buf[s->used - 1] == '\n' || s->used == sizeof(s->buf)) {
			bool whole = s->buf[s->used - 1] == '\n';

			emit_line(m, i, s->sink, s->buf, s->used, !whole);
			s->used = 0;
		}
	}
}

static void close_stream(struct task_monitor *m, size_t i, struct task_stream *s)
{
	if (m->foreground && s->used > 0)
		emit_line(m, i, s->sink, s->buf, s->used, true);
	s->used = 0;
	close(s->fd);
	s->fd = -1;
}

bool task_output_read(struct task_monitor *m, size_t i, struct task_stream *s)
{
	char buf[TASK_LINE_MAX];
	ssize_t n = read(s->fd, buf, sizeof(buf));

	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return false;
	if (n <= 0) {
		close_stream(m, i, s);
		return false;
	}
	if (m->foreground) {
		foreground_lines(m, i, s, buf, (size_t)n);
	} else {
		struct iovec iov = { buf, (size_t)n };

		write_fully(s->sink, &iov, 1);
	}
	return true;
}

/* At the end, when no writer is left: what the pipes still hold, then close. */
void task_output_drain(struct task_monitor *m)
{
	for (size_t i = 0; i < m->td->container_count; i++) {
		struct task_proc *p = &m->procs[i];
		struct task_stream *streams[] = { &p->out, &p->err };

		for (size_t k = 0; k < ARRAY_SIZE(streams); k++) {
			/* Bounded: a writer that somehow outlived the kill cannot keep it here. */
			for (int round = 0; streams[k]->fd >= 0 && round < 1024; round++)
				if (!task_output_read(m, i, streams[k]))
					break;
			if (streams[k]->fd >= 0)
				close_stream(m, i, streams[k]);
		}
		if (p->log_fd >= 0) {
			close(p->log_fd);
			p->log_fd = -1;
		}
	}
}
