/* Private to runtime/task/: what the lifecycle files (task_*.c) share. */
#ifndef BERTH_TASK_PRIV_H
#define BERTH_TASK_PRIV_H

#include <signal.h>
#include <stdint.h>
#include <sys/types.h>

#include "cgroup/cgroup.h"
#include "task/spawn.h"
#include "task/task.h"

#define TASK_SHORT_ID_LEN 12
#define TASK_CGROUP_PARENT "berth"
#define TASK_PAUSE_CGROUP "berth.pause" /* a '.' no ECS container name has */
#define TASK_CONTAINERS_MAX 10          /* ECS's limit, enforced by taskdef */
#define TASK_NAME_MAX 64
#define TASK_REASON_MAX 1024
#define TASK_STOP_REASON_USER "Task stopped by user"
#define TASK_REASON_MONITOR_GONE "Task monitor exited unexpectedly"

/* ---- ids, names, paths, time (task_id.c) -------------------------------- */

int task_id_new(char id[TASK_ID_LEN + 1], struct berr *err);
bool task_id_valid(const char *s);
/* docker's rule: [A-Za-z0-9][A-Za-z0-9_.-]*, at most TASK_NAME_MAX. */
bool task_name_valid(const char *name);
char *task_state_dir(const struct paths *paths, const char *id, struct berr *err);
char *task_run_dir(const struct paths *paths, const char *id, struct berr *err);
/* "<id>-<index>": a container's root filesystem id, named after its task
 * so that image rm can name the task using an image. */
void task_rootfs_id(const char *id, size_t index, char out[TASK_ID_LEN + 24]);
double task_now(void);     /* wall clock, epoch seconds */
int64_t task_mono_ms(void); /* monotonic milliseconds, for deadlines */
/* The start time of pid in clock ticks (/proc/<pid>/stat field 22), or 0
 * when there is no such process or it is a zombie. */
unsigned long long task_proc_start(pid_t pid);
/* Remove a directory tree, never crossing into another mount; ENOENT is fine. */
int task_remove_tree(const char *path, struct berr *err);

/* ---- records (task_record.c, task_record_json.c) ------------------------ */

struct task_container {
	char *name;
	char *image;
	char *image_digest; /* "sha256:...", once resolved */
	bool essential;
	enum task_state status; /* PENDING, RUNNING or STOPPED */
	bool has_exit_code;
	int exit_code;
	char reason[TASK_REASON_MAX];
	double started_at, stopped_at; /* 0: not (yet) */
};

struct task_record {
	char id[TASK_ID_LEN + 1];
	char name[TASK_NAME_MAX + 1];
	char *family;
	long revision;
	long cpu, memory_mib;
	enum task_state last_status, desired_status;
	enum task_stop_code stop_code;
	char stopped_reason[TASK_REASON_MAX];
	double created_at, pull_started_at, pull_stopped_at, started_at;
	double stopping_at, execution_stopped_at, stopped_at;
	long version; /* +1 per write, as ECS's task version */
	pid_t monitor_pid;
	unsigned long long monitor_start;
	struct task_container *containers;
	size_t container_count;
};

int record_init(struct task_record *rec, const char *id, const char *name,
		const struct task_def *td, struct berr *err);
void record_free(struct task_record *rec);
int record_read(const struct paths *paths, const char *id, struct task_record *rec,
		struct berr *err);
int record_write(const struct paths *paths, struct task_record *rec, struct berr *err);
/* Writes, logging a failure: for the monitor, which goes on either way. */
void record_save(const struct paths *paths, struct task_record *rec);
/* internal: the record file's form (monitor, essential) rather than describe's. */
cJSON *record_to_json(const struct task_record *rec, bool internal);
int record_from_json(const cJSON *j, struct task_record *rec, struct berr *err);
/* Marks the task stopping, once: the first reason wins. */
void record_stop(struct task_record *rec, enum task_stop_code code, const char *reason);
/* The first essential container to exit, by stoppedAt; -1 when none did. */
int record_exit_code(const struct task_record *rec);
bool record_monitor_alive(const struct task_record *rec);

/* ---- admission (task_admit.c) ------------------------------------------- */

/* Under <state>/tasks/.lock: the name is free, the task fits next to every
 * task not STOPPED; then its directory, taskdef.json and task.json exist. */
int task_admit(const struct paths *paths, const struct board *board, struct task_record *rec,
	       const cJSON *taskdef, struct berr *err);

/* ---- shared namespaces (task_ns.c) -------------------------------------- */

struct task_ns {
	struct spawn_task_ns fds;
	pid_t pause_pid; /* pidMode task: PID 1 of the shared pid namespace */
};

void task_ns_init(struct task_ns *ns);
int task_ns_create(const struct paths *paths, const char *id, const struct task_def *td,
		   struct task_cgroup *cg, struct task_ns *ns, struct berr *err);
void task_ns_close(struct task_ns *ns);
/* Unmounts and removes <run>/tasks/<id>/ns; idempotent. */
int task_ns_remove(const struct paths *paths, const char *id, struct berr *err);

/* ---- what a container runs (task_resolve.c) ----------------------------- */

struct task_launch {
	char **argv;
	char **envp;
	char *user;
	char *workdir;
};

/* The image config merged with the definition, as docker and ECS do. */
int task_resolve_launch(const struct paths *paths, const struct container_def *def,
			struct task_launch *out, struct berr *err);
void task_launch_free(struct task_launch *l);
/* A host path per td->volumes[i], created as needed (NULL-terminated). */
char **task_resolve_volumes(const struct paths *paths, const char *id, const struct task_def *td,
			    struct berr *err);
void task_strv_free(char **v);

/* ---- dependsOn (task_deps.c) -------------------------------------------- */

enum dep_verdict { DEP_WAIT, DEP_READY, DEP_NEVER };
/* Whether container i may start now; why (DEP_WAIT, DEP_NEVER) says what it waits for. */
enum dep_verdict task_deps_check(const struct task_def *td, const struct task_record *rec,
				 size_t i, char *why, size_t why_size);
struct task_monitor;
/* Whether container i has a running container depending on it. */
bool task_deps_needed(const struct task_monitor *m, size_t i);
/* HEALTHY conditions: refused until health checks exist. */
int task_deps_supported(const struct task_def *td, struct berr *err);

/* ---- the monitor (task_monitor.c, task_output.c, task_sock.c, ...) ------ */

#define TASK_LINE_MAX 4096
#define TASK_CLIENTS_MAX 8

struct task_stream {
	int fd;        /* read end, -1 once closed */
	int sink;      /* foreground: 1 or 2; detached: the log file */
	size_t used;   /* foreground: the partial line in buf */
	char buf[TASK_LINE_MAX];
};

struct task_proc {
	pid_t pid;                  /* > 0 while running */
	struct task_stream out, err;
	int log_fd;                 /* detached: <name>.log, else -1 */
	struct task_launch launch;  /* freed once spawned */
	char *rootfs;
	bool term_sent, kill_sent;
	int64_t kill_at;            /* monotonic ms */
};

struct task_monitor {
	const struct paths *paths;
	const struct task_def *td;
	struct task_record rec;
	struct task_cgroup *cg;
	struct task_ns ns;
	struct task_proc procs[TASK_CONTAINERS_MAX];
	char **volumes;
	bool foreground;
	int prefix_width;
	int exe_fd;         /* the berth binary, for initProcessEnabled */
	int sig_fd;
	int listen_fd;
	int clients[TASK_CLIENTS_MAX];
	int report_fd;      /* detached: where the CLI waits for RUNNING; else -1 */
	int interrupts;     /* SIGINT/SIGTERM seen: the second kills */
	int64_t activated_ms;
	struct berr fail;   /* why the task failed to start */
	int fail_exit;      /* 125, 126, 127 */
	int exit_code;      /* first essential container to exit, -1 */
};

/* task_provision.c: everything before the first container starts. */
int task_provision(struct task_monitor *m, long pids_limit, struct berr *err);
/* task_teardown.c: every resource of the task gone; works from the id alone. */
int task_teardown(const struct paths *paths, const char *id, size_t container_count,
		  struct task_cgroup *cg, struct berr *err);

/* task_run.c: tell a waiting `berth run --detach` the task is RUNNING or
 * failed (once; stdio goes to /dev/null first). */
void task_report(struct task_monitor *m);

/* task_monitor.c */
/* Blocks SIGCHLD, SIGINT, SIGTERM, SIGHUP (and SIGPIPE: writes fail with
 * EPIPE instead) and returns a signalfd for the first four; old gets the
 * mask to restore. spawn_container must reset the mask in the child. */
int task_monitor_signals(sigset_t *old, struct berr *err);
void task_monitor_loop(struct task_monitor *m);
void task_monitor_request_stop(struct task_monitor *m, enum task_stop_code code,
			       const char *reason);

/* task_start.c: start what can start, notice what never will. */
void task_start_ready(struct task_monitor *m);
void task_container_exited(struct task_monitor *m, size_t i, int status);
int64_t task_start_deadline(const struct task_monitor *m);

/* task_stopping.c: SIGTERM / SIGKILL in reverse dependency order. */
void task_stop_step(struct task_monitor *m);
int64_t task_stop_deadline(const struct task_monitor *m);
void task_kill_all(struct task_monitor *m);

/* task_output.c */
int task_output_open(struct task_monitor *m, size_t i, int *out_w, int *err_w, struct berr *err);
/* Reads once: true when it got data, false when there was none (EAGAIN)
 * or at the end (the stream is closed then). */
bool task_output_read(struct task_monitor *m, size_t i, struct task_stream *s);
void task_output_drain(struct task_monitor *m);

/* task_sock.c */
int task_sock_listen(struct task_monitor *m, struct berr *err);
void task_sock_accept(struct task_monitor *m);
void task_sock_client(struct task_monitor *m, size_t slot);
void task_sock_close_all(struct task_monitor *m);
/* Client side: asks the monitor to stop; returns once it closed the connection. */
int task_sock_request_stop(const struct paths *paths, const char *id, const char *reason,
			   struct berr *err);

#endif
