/* portMappings, and the ports a task's containers share. */
#include <string.h>

#include "taskdef/taskdef_priv.h"

static const char *const port_fields[] = {
	"containerPort", "hostPort", "protocol", "name", "appProtocol", "containerPortRange", NULL,
};

static void parse_port(struct td_ctx *ctx, const cJSON *m, const char *path,
		       struct taskdef_port *port)
{
	enum taskdef_network_mode mode = ctx->td->network_mode;
	char p[TD_PATH_MAX];
	int protocol;

	td_check_fields(ctx, m, path, port_fields);
	if (td_is_set(m, "containerPortRange")) {
		td_reject_if_set(ctx, m, path, "containerPortRange",
				 "port ranges are not supported by berth (map each port)");
		return;
	}
	if (!td_member(m, "containerPort")) {
		td_path_member(p, path, "containerPort");
		td_error(ctx, p, "missing (required)");
	}
	protocol = td_get_enum(ctx, m, path, "protocol", td_protocol_names,
			       ARRAY_SIZE(td_protocol_names), false);
	if (protocol >= 0)
		port->protocol = (enum taskdef_protocol)protocol;
	/* bridge: hostPort 0 asks for any free port, as on ECS. */
	td_get_int(ctx, m, path, "hostPort", mode == TASKDEF_NETWORK_BRIDGE ? 0 : 1, 65535, NULL,
		   &port->host_port);
	if (!td_get_int(ctx, m, path, "containerPort", 1, 65535, NULL, &port->container_port))
		return;
	if (mode == TASKDEF_NETWORK_BRIDGE || !port->host_port ||
	    port->host_port == port->container_port)
		return;
	td_path_member(p, path, "hostPort");
	td_error(ctx, p, "%d differs from containerPort %d (in %s mode hostPort must be left out "
			 "or equal containerPort)", port->host_port, port->container_port,
		 taskdef_network_mode_name(mode));
}

void td_parse_ports(struct td_ctx *ctx, const cJSON *cobj, const char *path,
		    struct container_def *c)
{
	const cJSON *array = td_get_array(ctx, cobj, path, "portMappings");
	size_t n = (size_t)cJSON_GetArraySize(array);
	char p[TD_PATH_MAX], ep[TD_PATH_MAX];

	if (n == 0)
		return;
	td_path_member(p, path, "portMappings");
	if (ctx->td->network_mode == TASKDEF_NETWORK_NONE) {
		td_error(ctx, p, "not available with networkMode none (the task has no network)");
		return;
	}
	c->ports = td_calloc(ctx, n, sizeof(*c->ports));
	if (!c->ports)
		return;
	c->port_count = n;
	for (size_t i = 0; i < n; i++) {
		const cJSON *m = td_array_object(ctx, array, p, i, ep);

		if (m)
			parse_port(ctx, m, ep, &c->ports[i]);
	}
}

/* In awsvpc and host mode all containers share one network namespace, so a
 * port can be used once per task; in bridge mode a container port once per
 * container and a host port once per task. */
static bool ports_clash(enum taskdef_network_mode mode, size_t ca, const struct taskdef_port *a,
			size_t cb, const struct taskdef_port *b, bool *on_host)
{
	if (a->protocol != b->protocol)
		return false;
	*on_host = mode == TASKDEF_NETWORK_BRIDGE && cb != ca;
	if (*on_host)
		return a->host_port && a->host_port == b->host_port;
	return a->container_port == b->container_port;
}

static void check_port_against_earlier(struct td_ctx *ctx, size_t ci, size_t pi)
{
	const struct task_def *td = ctx->td;
	const struct taskdef_port *port = &td->containers[ci].ports[pi];
	char p[TD_PATH_MAX], other[TD_PATH_MAX];
	bool on_host;

	for (size_t cj = 0; cj <= ci; cj++) {
		const struct container_def *c = &td->containers[cj];

		for (size_t pj = 0; pj < (cj == ci ? pi : c->port_count); pj++) {
			if (!c->ports[pj].container_port ||
			    !ports_clash(td->network_mode, ci, port, cj, &c->ports[pj], &on_host))
				continue;
			td_path_index(p, "containerDefinitions", ci);
			td_path_member(p, p, "portMappings");
			td_path_index(p, p, pi);
			td_path_member(p, p, on_host ? "hostPort" : "containerPort");
			td_path_index(other, "containerDefinitions", cj);
			td_path_member(other, other, "portMappings");
			td_path_index(other, other, pj);
			td_error(ctx, p, "%d/%s is already mapped by %s",
				 on_host ? port->host_port : port->container_port,
				 taskdef_protocol_name(port->protocol), other);
			return;
		}
	}
}

void td_check_task_ports(struct td_ctx *ctx)
{
	const struct task_def *td = ctx->td;

	for (size_t ci = 0; ci < td->container_count; ci++)
		for (size_t pi = 0; pi < td->containers[ci].port_count; pi++)
			if (td->containers[ci].ports[pi].container_port)
				check_port_against_earlier(ctx, ci, pi);
}
