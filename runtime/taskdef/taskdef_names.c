/* Enum spellings, shared by the parser (what is valid) and the *_name()
 * functions (what is printed), so the two cannot drift apart. */
#include "taskdef/taskdef_priv.h"

const char *const td_network_mode_names[4] = { "awsvpc", "bridge", "host", "none" };
const char *const td_pid_mode_names[3] = { "container", "task", "host" };
const char *const td_ipc_mode_names[4] = { "container", "task", "host", "none" };
const char *const td_compat_names[4] = { "EC2", "FARGATE", "EXTERNAL", "MANAGED_INSTANCES" };
const char *const td_arch_names[3] = { "any", "ARM64", "X86_64" };
const char *const td_scope_names[2] = { "task", "shared" };
const char *const td_protocol_names[2] = { "tcp", "udp" };
const char *const td_health_kind_names[3] = { "NONE", "CMD", "CMD-SHELL" };
const char *const td_condition_names[4] = { "START", "COMPLETE", "SUCCESS", "HEALTHY" };
const char *const td_log_driver_names[3] = { "json-file", "awslogs", "none" };
const char *const td_log_mode_names[2] = { "blocking", "non-blocking" };

static const char *const volume_kind_names[3] = { "scratch", "host", "named" };
static const char *const size_source_names[3] = { "given", "from containers", "default" };

#define NAME_OF(table, i) ((size_t)(i) < ARRAY_SIZE(table) ? (table)[i] : "unknown")

const char *taskdef_network_mode_name(enum taskdef_network_mode mode)
{
	return NAME_OF(td_network_mode_names, mode);
}

const char *taskdef_pid_mode_name(enum taskdef_pid_mode mode)
{
	return NAME_OF(td_pid_mode_names, mode);
}

const char *taskdef_ipc_mode_name(enum taskdef_ipc_mode mode)
{
	return NAME_OF(td_ipc_mode_names, mode);
}

const char *taskdef_compat_name(enum taskdef_compat compat)
{
	for (size_t i = 0; i < ARRAY_SIZE(td_compat_names); i++)
		if ((unsigned)compat == 1u << i)
			return td_compat_names[i];
	return "unknown";
}

const char *taskdef_arch_name(enum taskdef_arch arch)
{
	return NAME_OF(td_arch_names, arch);
}

const char *taskdef_size_source_name(enum taskdef_size_source source)
{
	return NAME_OF(size_source_names, source);
}

const char *taskdef_volume_kind_name(enum taskdef_volume_kind kind)
{
	return NAME_OF(volume_kind_names, kind);
}

const char *taskdef_volume_scope_name(enum taskdef_volume_scope scope)
{
	return NAME_OF(td_scope_names, scope);
}

const char *taskdef_protocol_name(enum taskdef_protocol protocol)
{
	return NAME_OF(td_protocol_names, protocol);
}

const char *taskdef_health_kind_name(enum taskdef_health_kind kind)
{
	return NAME_OF(td_health_kind_names, kind);
}

const char *taskdef_condition_name(enum taskdef_condition condition)
{
	return NAME_OF(td_condition_names, condition);
}

const char *taskdef_log_driver_name(enum taskdef_log_driver driver)
{
	return NAME_OF(td_log_driver_names, driver);
}

const char *taskdef_log_mode_name(enum taskdef_log_mode mode)
{
	return NAME_OF(td_log_mode_names, mode);
}
