/* taskdef: parse and validate Amazon ECS task definitions into plain structs.
 *
 * Input is any task definition JSON as users write it for
 * RegisterTaskDefinition, or as AWS exports it (DescribeTaskDefinition output,
 * bare or wrapped in {"taskDefinition": {...}}). Output is a struct task_def
 * with every default applied and every unit normalised (cpu units, MiB,
 * seconds, bytes), so the task runner never looks at JSON again.
 *
 * Validation collects every problem of a file, not only the first, as one
 * human line each: "<source>: <field path>: <what was given> (valid: ...)".
 * Field paths follow the JSON, with array indexes:
 * containerDefinitions[1].healthCheck.retries. A file exported with the
 * {"taskDefinition": ...} wrapper gets paths starting "taskDefinition.".
 *
 * Decisions where ECS leaves room, or where a board differs from Fargate:
 * - cpu / memory: strings or numbers, plus "1 vCPU" / "0.25 vcpu" and
 *   "2 GB" / "512 MiB" (units case-insensitive, GB means GiB as in ECS).
 *   With FARGATE in requiresCompatibilities both are required and must be a
 *   Fargate size. Without FARGATE (EC2 / EXTERNAL / none given) either may be
 *   absent: cpu becomes the sum of the containers' cpu (or 1024 when no
 *   container sets one) and memory the sum of each container's memory, else
 *   memoryReservation (every container must set one of them then, as ECS
 *   requires); each derivation is reported as a warning. Given sizes
 *   without FARGATE are checked against ECS's EC2 ranges (cpu 128-196608,
 *   memory at least 6 MiB), not the Fargate table. The task must always fit
 *   the board's usable capacity.
 * - networkMode: awsvpc (default), bridge, host, none, whatever the
 *   compatibilities say (a board is not bound by Fargate's awsvpc-only rule).
 * - Unknown fields warn once each with their path; fields AWS itself adds on
 *   export (taskDefinitionArn, revision, status, ...) are silently accepted.
 *   Fields that have no meaning on a board (dnsServers, placementConstraints,
 *   repositoryCredentials, ...) warn "ignored" only when non-empty.
 *   executionRoleArn / taskRoleArn are kept and warn that they are unused
 *   offline. JSON null counts as absent, as it does for the ECS API.
 * - Rejected with a reason, because ignoring them would change what runs:
 *   privileged, devices, proxyConfiguration, inferenceAccelerators, GPU
 *   resourceRequirements, firelensConfiguration, credentialSpecs, EFS / FSx /
 *   S3 files / configuredAtLaunch volumes, portMappings containerPortRange, environmentFiles of type s3, log drivers other
 *   than awslogs / json-file / none, hostname in awsvpc, links outside bridge.
 * - environmentFiles: berth extension {"type": "file", "value": "/abs/path"},
 *   a file on the board in the same KEY=VALUE format ECS reads from S3.
 * - linuxParameters.capabilities: names from the Linux list (with or without
 *   CAP_, any case), or ALL. With FARGATE in requiresCompatibilities only
 *   SYS_PTRACE may be added, as on Fargate; drop is free. Likewise a FARGATE
 *   task may not use pidMode or ipcMode "host". Without FARGATE (a task
 *   written for EC2 / EXTERNAL) these are allowed.
 * - volumes: host.sourcePath (absolute) is a bind mount; no host (or host
 *   without sourcePath) is task-scoped scratch space shared by the
 *   containers; dockerVolumeConfiguration is a named volume on the board
 *   (driver "local" only; scope "task" is erased at stop, "shared" persists).
 * - logConfiguration: absent means json-file (per-container log files), as
 *   docker does, so logs are never lost on a board. awslogs needs
 *   awslogs-group (it names the log folder); awslogs-region is not needed.
 *   mode defaults to blocking; non-blocking max-buffer-size defaults to 1m.
 * - ulimits: softLimit / hardLimit -1 means unlimited.
 * - stopTimeout and startTimeout: 2-120 s, Fargate's ranges (stopTimeout
 *   defaults to 30; startTimeout 0 = not set).
 * - MANAGED_INSTANCES in requiresCompatibilities is accepted like EC2.
 * - containerDefinitions: 1-10 containers (ECS's limit), names unique, at
 *   least one essential; dependsOn targets must exist, not be the container
 *   itself, form no cycle; HEALTHY needs the target's healthCheck, COMPLETE
 *   and SUCCESS a non-essential target (ECS's rules).
 * - Kconfig: without CONFIG_NET awsvpc and bridge are rejected (also the
 *   awsvpc default), without CONFIG_SECRETS secrets / secretOptions, without
 *   CONFIG_HEALTHCHECK healthCheck and HEALTHY dependencies; the message
 *   names the CONFIG_ symbol. */
#ifndef BERTH_TASKDEF_H
#define BERTH_TASKDEF_H

#include <stdbool.h>
#include <stddef.h>

#include "board/board.h"
#include "lib/lib.h"

/* ---- enums (each with a *_name() giving the ECS spelling) ------------- */

enum taskdef_network_mode {
	TASKDEF_NETWORK_AWSVPC,
	TASKDEF_NETWORK_BRIDGE,
	TASKDEF_NETWORK_HOST,
	TASKDEF_NETWORK_NONE,
};

/* CONTAINER is the ECS default when pidMode / ipcMode is absent: each
 * container gets its own namespace. Its name is "container". */
enum taskdef_pid_mode { TASKDEF_PID_CONTAINER, TASKDEF_PID_TASK, TASKDEF_PID_HOST };
enum taskdef_ipc_mode { TASKDEF_IPC_CONTAINER, TASKDEF_IPC_TASK, TASKDEF_IPC_HOST, TASKDEF_IPC_NONE };

/* requiresCompatibilities as bits, so "has FARGATE" is one test. */
enum taskdef_compat {
	TASKDEF_COMPAT_EC2 = 1 << 0,
	TASKDEF_COMPAT_FARGATE = 1 << 1,
	TASKDEF_COMPAT_EXTERNAL = 1 << 2,
	TASKDEF_COMPAT_MANAGED_INSTANCES = 1 << 3,
};

/* ANY: runtimePlatform.cpuArchitecture absent, the board's own is used. */
enum taskdef_arch { TASKDEF_ARCH_ANY, TASKDEF_ARCH_ARM64, TASKDEF_ARCH_X86_64 };

/* Where the task-level cpu / memory came from (see the header comment). */
enum taskdef_size_source {
	TASKDEF_SIZE_GIVEN,
	TASKDEF_SIZE_FROM_CONTAINERS,
	TASKDEF_SIZE_DEFAULT,
};

enum taskdef_volume_kind {
	TASKDEF_VOLUME_SCRATCH, /* no host path: task-scoped, shared by its containers */
	TASKDEF_VOLUME_HOST,    /* host.sourcePath bind mount */
	TASKDEF_VOLUME_NAMED,   /* dockerVolumeConfiguration: a named volume on the board */
};
enum taskdef_volume_scope { TASKDEF_SCOPE_TASK, TASKDEF_SCOPE_SHARED };

enum taskdef_protocol { TASKDEF_PROTOCOL_TCP, TASKDEF_PROTOCOL_UDP };

/* NONE: no healthCheck, or a command of ["NONE"]. */
enum taskdef_health_kind { TASKDEF_HEALTH_NONE, TASKDEF_HEALTH_CMD, TASKDEF_HEALTH_CMD_SHELL };

enum taskdef_condition {
	TASKDEF_CONDITION_START,
	TASKDEF_CONDITION_COMPLETE,
	TASKDEF_CONDITION_SUCCESS,
	TASKDEF_CONDITION_HEALTHY,
};

enum taskdef_log_driver { TASKDEF_LOG_JSON_FILE, TASKDEF_LOG_AWSLOGS, TASKDEF_LOG_NONE };
enum taskdef_log_mode { TASKDEF_LOG_BLOCKING, TASKDEF_LOG_NON_BLOCKING };

const char *taskdef_network_mode_name(enum taskdef_network_mode mode);
const char *taskdef_pid_mode_name(enum taskdef_pid_mode mode);
const char *taskdef_ipc_mode_name(enum taskdef_ipc_mode mode);
const char *taskdef_compat_name(enum taskdef_compat compat); /* one bit */
const char *taskdef_arch_name(enum taskdef_arch arch);        /* "ARM64", "X86_64", "any" */
const char *taskdef_size_source_name(enum taskdef_size_source source);
const char *taskdef_volume_kind_name(enum taskdef_volume_kind kind);
const char *taskdef_volume_scope_name(enum taskdef_volume_scope scope);
const char *taskdef_protocol_name(enum taskdef_protocol protocol);
const char *taskdef_health_kind_name(enum taskdef_health_kind kind);
const char *taskdef_condition_name(enum taskdef_condition condition);
const char *taskdef_log_driver_name(enum taskdef_log_driver driver);
const char *taskdef_log_mode_name(enum taskdef_log_mode mode);

/* ---- the parsed task definition (all strings and arrays owned) -------- */

struct taskdef_strv {
	char **v;
	size_t n;
};

struct taskdef_kv {
	char *name;
	char *value; /* "" when the JSON had no value */
};

struct taskdef_secret {
	char *name;
	char *value_from; /* as given: a Secrets Manager / SSM ARN or parameter name */
};

struct taskdef_volume {
	char *name;
	enum taskdef_volume_kind kind;
	char *host_path;                 /* HOST only */
	enum taskdef_volume_scope scope; /* NAMED only; SCRATCH is always task-scoped */
	bool autoprovision;              /* NAMED, scope shared: create if missing */
};

struct taskdef_port {
	int container_port;
	int host_port; /* 0: not given (awsvpc / host: = container_port; bridge: any free port) */
	enum taskdef_protocol protocol;
};

struct taskdef_health {
	enum taskdef_health_kind kind;
	struct taskdef_strv command; /* the words after CMD / CMD-SHELL (CMD-SHELL: join with spaces) */
	int interval_s;              /* defaults 30, 5, 3, 0 as in ECS */
	int timeout_s;
	int retries;
	int start_period_s;
};

struct taskdef_dependency {
	char *container_name;
	size_t container; /* index into task_def.containers */
	enum taskdef_condition condition;
};

struct taskdef_mount {
	char *source_volume;
	size_t volume; /* index into task_def.volumes */
	char *container_path;
	bool read_only;
};

struct taskdef_volumes_from {
	char *source_container;
	size_t container; /* index into task_def.containers */
	bool read_only;
};

struct taskdef_tmpfs {
	char *container_path;
	long size_mib;
	struct taskdef_strv mount_options;
};

struct taskdef_ulimit {
	const char *name; /* static, ECS spelling: "nofile" */
	int resource;     /* RLIMIT_NOFILE ... for setrlimit() */
	long long soft;   /* -1: unlimited */
	long long hard;
};

struct taskdef_linux_params {
	bool init_process_enabled;
	struct taskdef_strv cap_add;  /* upper case, without CAP_, or "ALL" */
	struct taskdef_strv cap_drop;
	long shared_memory_mib;       /* 0: not given (the runtime's default) */
	struct taskdef_tmpfs *tmpfs;
	size_t tmpfs_count;
};

struct taskdef_log {
	enum taskdef_log_driver driver;
	enum taskdef_log_mode mode;
	unsigned long long max_buffer_bytes; /* NON_BLOCKING only, default 1 MiB */
	struct taskdef_kv *options;          /* every option as given, mode included */
	size_t option_count;
	struct taskdef_secret *secret_options;
	size_t secret_option_count;
};

struct container_def {
	char *name;
	char *image;
	bool essential; /* default true */
	struct taskdef_strv entry_point;
	struct taskdef_strv command;
	char *working_directory; /* NULL: the image's */
	char *user;              /* NULL: the image's */
	char *hostname;          /* NULL: not given (never set in awsvpc) */
	struct taskdef_kv *environment;
	size_t environment_count;
	struct taskdef_strv environment_files; /* absolute paths on the board */
	struct taskdef_secret *secrets;
	size_t secret_count;
	struct taskdef_port *ports;
	size_t port_count;
	struct taskdef_health health;
	int stop_timeout_s;  /* default 30 */
	int start_timeout_s; /* 0: not given, wait for dependencies without limit */
	struct taskdef_dependency *depends_on;
	size_t depends_on_count;
	bool readonly_root_filesystem;
	bool interactive;
	bool pseudo_terminal;
	struct taskdef_linux_params linux_params;
	struct taskdef_ulimit *ulimits;
	size_t ulimit_count;
	long cpu;                    /* cpu units; 0: not given */
	long memory_mib;             /* hard limit; 0: not given */
	long memory_reservation_mib; /* soft limit; 0: not given */
	struct taskdef_log log;
	struct taskdef_mount *mounts;
	size_t mount_count;
	struct taskdef_volumes_from *volumes_from;
	size_t volumes_from_count;
	struct taskdef_strv links; /* bridge only: "name" or "name:alias" */
};

struct task_def {
	char *family;
	long revision;    /* from an AWS export; 0 when absent */
	long cpu;         /* cpu units (1024 = 1 vCPU) */
	long memory_mib;
	enum taskdef_size_source cpu_source;
	enum taskdef_size_source memory_source;
	unsigned compat;  /* TASKDEF_COMPAT_* bits; 0: requiresCompatibilities absent */
	enum taskdef_network_mode network_mode;
	enum taskdef_pid_mode pid_mode;
	enum taskdef_ipc_mode ipc_mode;
	enum taskdef_arch arch;
	char *execution_role_arn; /* kept for the record; unused offline */
	char *task_role_arn;
	int ephemeral_storage_gib; /* default 20, as on Fargate */
	struct taskdef_volume *volumes;
	size_t volume_count;
	struct container_def *containers;
	size_t container_count;
	size_t *start_order; /* container_count indexes: every container after its dependencies */
};

/* ---- loading ----------------------------------------------------------- */

/* Human lines, each "<source>: <field path>: <message>". errors make the
 * definition invalid; warnings never do. Two lists rather than one, and
 * returned rather than printed, because a library module prints nothing:
 * `berth validate` shows warnings with log_warn and errors as
 * "berth: <line>", the API will return them in its own shape. */
struct taskdef_problems {
	char **errors;
	size_t error_count;
	char **warnings;
	size_t warning_count;
};

/* Read and validate a task definition file. Returns NULL with err filled for
 * an unreadable file, invalid JSON or no memory (problems may be empty), and
 * NULL with problems->error_count > 0 (and err "<path>: not a valid task
 * definition (N problems)") when validation fails. board NULL skips the
 * board checks (capacity, architecture). problems must be zeroed by the
 * caller and freed with taskdef_problems_free() whatever happens. */
struct task_def *taskdef_load(const char *path, const struct board *board,
			      struct taskdef_problems *problems, struct berr *err);

/* The same from a parsed tree (e.g. an API request); source_name prefixes
 * every problem line. root is not modified and may be freed afterwards. */
struct task_def *taskdef_parse(const cJSON *root, const char *source_name,
			       const struct board *board, struct taskdef_problems *problems,
			       struct berr *err);

void taskdef_free(struct task_def *td);
void taskdef_problems_free(struct taskdef_problems *problems);

/* The CAP_* number of a capability name as cap_add / cap_drop hold it
 * ("SYS_PTRACE"), or -1 (also for "ALL"). */
int taskdef_capability_number(const char *name);

/* The container called name, or NULL. */
const struct container_def *taskdef_find_container(const struct task_def *td, const char *name);

#endif
