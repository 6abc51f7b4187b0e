/* taskdef: parsing, defaults, sizes, board checks, references, messages. */
#include <string.h>
#include <sys/resource.h>

#include "harness.h"
#include "taskdef/taskdef.h"

/* Boards as literals, so the tests do not depend on this machine. */
static const struct board rpi4 = {
	.name = "rpi4", .arch = "arm64", .vcpus = 4, .memory_mib = 8192,
	.reserved_cpu_units = 512, .reserved_memory_mib = 512,
};
static const struct board pc = {
	.name = "pc", .arch = "x86_64", .vcpus = 2, .memory_mib = 4096,
	.reserved_cpu_units = 512, .reserved_memory_mib = 512,
};

struct result {
	struct task_def *td;
	struct taskdef_problems problems;
	struct berr err;
};

static struct result parse(const char *json, const struct board *board)
{
	struct result r = { 0 };
	cJSON *root = cJSON_Parse(json);

	if (!root) {
		fprintf(stderr, "  test JSON does not parse: %s\n", json);
		harness_failed_checks++;
		return r;
	}
	r.td = taskdef_parse(root, "t.json", board, &r.problems, &r.err);
	cJSON_Delete(root);
	return r;
}

static void done(struct result *r)
{
	taskdef_free(r->td);
	taskdef_problems_free(&r->problems);
}

/* The one problem line, or "" when there are none or several. */
static const char *only_error(const struct result *r)
{
	if (r->problems.error_count != 1) {
		for (size_t i = 0; i < r->problems.error_count; i++)
			fprintf(stderr, "  problem: %s\n", r->problems.errors[i]);
		return "";
	}
	return r->problems.errors[0];
}

static bool has_warning(const struct result *r, const char *text)
{
	for (size_t i = 0; i < r->problems.warning_count; i++)
		if (strstr(r->problems.warnings[i], text))
			return true;
	return false;
}

#define FARGATE_TASK(size, containers)                                                     \
	"{\"family\": \"t\", \"requiresCompatibilities\": [\"FARGATE\"], " size ", "        \
	"\"containerDefinitions\": [" containers "]}"
#define WEB "{\"name\": \"web\", \"image\": \"nginx:1.25\"}"
#define SMALL "\"cpu\": \"256\", \"memory\": \"512\""

TEST(minimal_definition_gets_ecs_defaults)
{
	struct result r = parse(FARGATE_TASK(SMALL, WEB), &rpi4);
	const struct container_def *c;

	CHECK(r.td != NULL);
	if (!r.td)
		return;
	CHECK_STR(r.td->family, "t");
	CHECK(r.td->cpu == 256 && r.td->memory_mib == 512);
	CHECK(r.td->cpu_source == TASKDEF_SIZE_GIVEN);
	CHECK(r.td->compat == TASKDEF_COMPAT_FARGATE);
	CHECK(r.td->network_mode == TASKDEF_NETWORK_AWSVPC);
	CHECK(r.td->pid_mode == TASKDEF_PID_CONTAINER && r.td->ipc_mode == TASKDEF_IPC_CONTAINER);
	CHECK(r.td->arch == TASKDEF_ARCH_ANY);
	CHECK(r.td->ephemeral_storage_gib == 20);
	CHECK(r.td->container_count == 1 && r.td->start_order[0] == 0);
	c = &r.td->containers[0];
	CHECK_STR(c->image, "nginx:1.25");
	CHECK(c->essential);
	CHECK(c->stop_timeout_s == 30 && c->start_timeout_s == 0);
	CHECK(c->health.kind == TASKDEF_HEALTH_NONE);
	CHECK(c->health.interval_s == 30 && c->health.timeout_s == 5);
	CHECK(c->health.retries == 3 && c->health.start_period_s == 0);
	CHECK(c->log.driver == TASKDEF_LOG_JSON_FILE && c->log.mode == TASKDEF_LOG_BLOCKING);
	CHECK(r.problems.error_count == 0 && r.problems.warning_count == 0);
	done(&r);
}

static void check_size(const char *size, long cpu, long mib)
{
	char json[512];
	struct result r;

	snprintf(json, sizeof(json), FARGATE_TASK("%s", WEB), size);
	r = parse(json, NULL);
	CHECK(r.td != NULL);
	if (r.td && (r.td->cpu != cpu || r.td->memory_mib != mib)) {
		fprintf(stderr, "  %s: got cpu %ld, memory %ld\n", size, r.td->cpu, r.td->memory_mib);
		harness_failed_checks++;
	}
	done(&r);
}

TEST(size_forms_are_normalised_to_units_and_mib)
{
	check_size("\"cpu\": \"0.25 vCPU\", \"memory\": \"0.5 GB\"", 256, 512);
	check_size("\"cpu\": \".5 vcpu\", \"memory\": \"1GB\"", 512, 1024);
	check_size("\"cpu\": \"1 VCPU\", \"memory\": \"2 gib\"", 1024, 2048);
	check_size("\"cpu\": 2048, \"memory\": 4096", 2048, 4096);
	check_size("\"cpu\": \"256\", \"memory\": \"1024 MiB\"", 256, 1024);
	check_size("\"cpu\": \"4vCPU\", \"memory\": \"30 GB\"", 4096, 30720);
}

static void check_bad_size(const char *size, const char *line)
{
	char json[512];
	struct result r;

	snprintf(json, sizeof(json), FARGATE_TASK("%s", WEB), size);
	r = parse(json, NULL);
	CHECK(r.td == NULL);
	CHECK_STR(only_error(&r), line);
	done(&r);
}

TEST(sizes_that_are_not_sizes_are_named)
{
	check_bad_size("\"cpu\": \"0.1 vCPU\", \"memory\": \"512\"",
		       "t.json: cpu: \"0.1 vCPU\" is not a cpu size (valid: cpu units like 1024, "
		       "or \"1 vCPU\")");
	check_bad_size("\"cpu\": \"256 cores\", \"memory\": \"512\"",
		       "t.json: cpu: \"256 cores\" is not a cpu size (valid: cpu units like 1024, "
		       "or \"1 vCPU\")");
	check_bad_size("\"cpu\": \"256\", \"memory\": \"1.2.3 GB\"",
		       "t.json: memory: \"1.2.3 GB\" is not a memory size (valid: MiB like 2048, "
		       "or \"2 GB\")");
	check_bad_size("\"cpu\": \"256\", \"memory\": -512",
		       "t.json: memory: -512 is not a memory size (valid: MiB like 2048, or \"2 GB\")");
	check_bad_size("\"cpu\": [256], \"memory\": \"512\"",
		       "t.json: cpu: expected a string or a number, got an array");
}

TEST(fargate_size_table_is_enforced)
{
	check_bad_size("\"cpu\": \"1024\", \"memory\": \"1024\"",
		       "t.json: memory: 1024 is not valid for cpu 1024 (valid: 2048-8192 in steps "
		       "of 1024)");
	check_bad_size("\"cpu\": \"256\", \"memory\": \"1536\"",
		       "t.json: memory: 1536 is not valid for cpu 256 (valid: 512, 1024, 2048)");
	check_bad_size("\"cpu\": \"8192\", \"memory\": \"18432\"",
		       "t.json: memory: 18432 is not valid for cpu 8192 (valid: 16384-61440 in "
		       "steps of 4096)");
	check_bad_size("\"cpu\": \"384\", \"memory\": \"1024\"",
		       "t.json: cpu: 384 is not a Fargate size (valid: 256, 512, 1024, 2048, 4096, "
		       "8192, 16384)");
	check_bad_size("\"cpu\": \"256\"",
		       "t.json: memory: missing (required for FARGATE; valid for cpu 256: 512, "
		       "1024, 2048)");
	check_size("\"cpu\": \"256\", \"memory\": \"2048\"", 256, 2048);
	check_size("\"cpu\": \"8192\", \"memory\": \"61440\"", 8192, 61440);
	check_size("\"cpu\": \"16384\", \"memory\": \"122880\"", 16384, 122880);
}

TEST(capacity_errors_name_the_board)
{
	struct result r = parse(FARGATE_TASK("\"cpu\": \"4096\", \"memory\": \"8192\"", WEB), &rpi4);

	CHECK(r.td == NULL);
	CHECK(r.problems.error_count == 2);
	if (r.problems.error_count == 2) {
		CHECK_STR(r.problems.errors[0],
			  "t.json: cpu: 4096 exceeds the board's usable capacity of 3584 cpu units "
			  "(rpi4: 4 vCPU less 512 reserved)");
		CHECK_STR(r.problems.errors[1],
			  "t.json: memory: 8192 MiB exceeds the board's usable capacity of 7680 MiB "
			  "(rpi4: 8192 MiB less 512 reserved)");
	}
	CHECK_STR(r.err.msg, "t.json: not a valid task definition (2 problems)");
	done(&r);
	/* Exactly the usable capacity fits (EC2 sizes: any number in range). */
	r = parse("{\"family\": \"t\", \"cpu\": \"3584\", \"memory\": \"7680\", "
		  "\"containerDefinitions\": [" WEB "]}", &rpi4);
	CHECK(r.td != NULL);
	done(&r);
}

TEST(architecture_must_match_the_board)
{
	const char *json = "{\"family\": \"t\", \"cpu\": \"256\", \"memory\": \"512\", "
			   "\"runtimePlatform\": {\"cpuArchitecture\": \"ARM64\", "
			   "\"operatingSystemFamily\": \"LINUX\"}, \"containerDefinitions\": [" WEB "]}";
	struct result r = parse(json, &pc);

	CHECK_STR(only_error(&r),
		  "t.json: runtimePlatform.cpuArchitecture: \"ARM64\" cannot run on this board (pc "
		  "is X86_64)");
	done(&r);
	r = parse(json, &rpi4);
	CHECK(r.td && r.td->arch == TASKDEF_ARCH_ARM64);
	done(&r);
}

TEST(without_fargate_sizes_come_from_the_containers)
{
	struct result r = parse("{\"family\": \"t\", \"requiresCompatibilities\": [\"EC2\"], "
				"\"networkMode\": \"bridge\", \"containerDefinitions\": ["
				"{\"name\": \"a\", \"image\": \"a:1\", \"cpu\": 128, \"memory\": 256},"
				"{\"name\": \"b\", \"image\": \"b:1\", \"cpu\": 64, "
				"\"memoryReservation\": 128, \"essential\": false}]}",
				&rpi4);

	CHECK(r.td != NULL);
	if (r.td) {
		CHECK(r.td->cpu == 192 && r.td->cpu_source == TASKDEF_SIZE_FROM_CONTAINERS);
		CHECK(r.td->memory_mib == 384 && r.td->memory_source == TASKDEF_SIZE_FROM_CONTAINERS);
		CHECK(r.td->network_mode == TASKDEF_NETWORK_BRIDGE);
	}
	CHECK(has_warning(&r, "t.json: cpu: not set; using 192, the sum of the containers' cpu"));
	CHECK(has_warning(&r, "t.json: memory: not set; using 384 MiB"));
	done(&r);
	r = parse("{\"family\": \"t\", \"containerDefinitions\": [{\"name\": \"a\", "
		  "\"image\": \"a:1\", \"memory\": 64}]}", &rpi4);
	CHECK(r.td && r.td->cpu == 1024 && r.td->cpu_source == TASKDEF_SIZE_DEFAULT);
	done(&r);
	r = parse("{\"family\": \"t\", \"cpu\": \"64\", \"containerDefinitions\": [" WEB "]}", &rpi4);
	CHECK(r.problems.error_count == 2);
	CHECK(r.problems.error_count == 2 &&
	      strcmp(r.problems.errors[0],
		     "t.json: cpu: 64 is out of range (valid: 128-196608 cpu units)") == 0);
	CHECK(r.problems.error_count == 2 &&
	      strcmp(r.problems.errors[1],
		     "t.json: containerDefinitions[0].memory: missing (required when the task sets "
		     "no memory: memory or memoryReservation)") == 0);
	done(&r);
}

TEST(containers_must_fit_in_the_task)
{
	struct result r = parse(FARGATE_TASK(SMALL, "{\"name\": \"a\", \"image\": \"a:1\", "
						    "\"cpu\": 200, \"memoryReservation\": 300},"
						    "{\"name\": \"b\", \"image\": \"b:1\", "
						    "\"cpu\": 100, \"memory\": 256}"),
				&rpi4);

	CHECK(r.problems.error_count == 2);
	CHECK(r.problems.error_count == 2 &&
	      strcmp(r.problems.errors[0], "t.json: containerDefinitions: the containers' cpu "
					   "adds up to 300, more than the task's cpu 256") == 0);
	CHECK(r.problems.error_count == 2 &&
	      strstr(r.problems.errors[1], "the containers reserve 556 MiB"));
	done(&r);
}

TEST(depends_on_cycle_is_reported_with_its_path)
{
	struct result r = parse(
		FARGATE_TASK(SMALL,
			     "{\"name\": \"a\", \"image\": \"x:1\", \"dependsOn\": "
			     "[{\"containerName\": \"b\", \"condition\": \"START\"}]},"
			     "{\"name\": \"b\", \"image\": \"x:1\", \"dependsOn\": "
			     "[{\"containerName\": \"c\", \"condition\": \"START\"}]},"
			     "{\"name\": \"c\", \"image\": \"x:1\", \"dependsOn\": "
			     "[{\"containerName\": \"a\", \"condition\": \"START\"}]}"),
		&rpi4);

	CHECK_STR(only_error(&r), "t.json: containerDefinitions[2].dependsOn[0].containerName: "
				  "\"a\" closes a cycle (a -> b -> c -> a)");
	done(&r);
}

static size_t position(const struct task_def *td, size_t container)
{
	for (size_t i = 0; i < td->container_count; i++)
		if (td->start_order[i] == container)
			return i;
	return td->container_count;
}

TEST(start_order_puts_dependencies_first)
{
	struct result r = parse(
		FARGATE_TASK(SMALL,
			     "{\"name\": \"web\", \"image\": \"w:1\", \"dependsOn\": ["
			     "{\"containerName\": \"db\", \"condition\": \"HEALTHY\"},"
			     "{\"containerName\": \"init\", \"condition\": \"SUCCESS\"}]},"
			     "{\"name\": \"init\", \"image\": \"i:1\", \"essential\": false, "
			     "\"dependsOn\": [{\"containerName\": \"db\", \"condition\": \"START\"}]},"
			     "{\"name\": \"db\", \"image\": \"d:1\", \"healthCheck\": {\"command\": "
			     "[\"CMD\", \"pg_isready\"]}}"),
		&rpi4);
	const struct task_def *td = r.td;

	CHECK(td != NULL);
	if (!td)
		return;
	CHECK(td->containers[0].depends_on[0].container == 2);
	CHECK(td->containers[0].depends_on[0].condition == TASKDEF_CONDITION_HEALTHY);
	CHECK(td->containers[0].depends_on[1].container == 1);
	CHECK(position(td, 2) < position(td, 1));
	CHECK(position(td, 1) < position(td, 0));
	CHECK(td->containers[2].health.kind == TASKDEF_HEALTH_CMD);
	CHECK(td->containers[2].health.command.n == 1);
	CHECK_STR(td->containers[2].health.command.v[0], "pg_isready");
	done(&r);
}

TEST(dependency_rules_of_ecs)
{
	struct result r = parse(
		FARGATE_TASK(SMALL,
			     "{\"name\": \"web\", \"image\": \"w:1\", \"dependsOn\": ["
			     "{\"containerName\": \"db\", \"condition\": \"HEALTHY\"},"
			     "{\"containerName\": \"web\", \"condition\": \"START\"},"
			     "{\"containerName\": \"db\", \"condition\": \"COMPLETE\"}]},"
			     "{\"name\": \"db\", \"image\": \"d:1\", \"healthCheck\": {\"command\": "
			     "[\"NONE\"]}}"),
		&rpi4);

	CHECK(r.problems.error_count == 3);
	if (r.problems.error_count == 3) {
		CHECK_STR(r.problems.errors[0],
			  "t.json: containerDefinitions[0].dependsOn[0].condition: HEALTHY needs a "
			  "healthCheck on \"db\", which has none");
		CHECK_STR(r.problems.errors[1],
			  "t.json: containerDefinitions[0].dependsOn[1].containerName: \"web\" is the "
			  "container itself (a container cannot depend on itself)");
		CHECK_STR(r.problems.errors[2],
			  "t.json: containerDefinitions[0].dependsOn[2].condition: COMPLETE cannot "
			  "wait for \"db\", an essential container (set its \"essential\": false)");
	}
	done(&r);
}

TEST(all_problems_of_a_file_are_collected)
{
	struct result r = parse("{\"family\": \"bad family\", \"requiresCompatibilities\": "
				"[\"FARGATE\"], \"cpu\": \"256\", \"memory\": \"512\", "
				"\"networkMode\": \"nat\", \"containerDefinitions\": [{\"name\": "
				"\"web\", \"image\": \"w:1\", \"portMappings\": [{\"containerPort\": "
				"0}], \"healthCheck\": {\"command\": [\"CMD-SHELL\", \"true\"], "
				"\"retries\": 11}}]}",
				&rpi4);

	CHECK(r.td == NULL);
	CHECK(r.problems.error_count == 4);
	if (r.problems.error_count == 4) {
		CHECK(strstr(r.problems.errors[0], "t.json: family: \"bad family\" is not a valid"));
		CHECK_STR(r.problems.errors[1], "t.json: networkMode: \"nat\" is not valid (valid: "
						"awsvpc, bridge, host, none)");
		CHECK_STR(r.problems.errors[2], "t.json: containerDefinitions[0].portMappings[0]."
						"containerPort: 0 is out of range (valid: 1-65535)");
		CHECK_STR(r.problems.errors[3], "t.json: containerDefinitions[0].healthCheck."
						"retries: 11 is out of range (valid: 1-10)");
	}
	done(&r);
}

TEST(aws_export_fields_are_quiet_and_unknown_fields_warn)
{
	struct result r = parse(
		"{\"taskDefinitionArn\": \"arn:aws:ecs:eu-west-1:1:task-definition/t:7\", "
		"\"family\": \"t\", \"revision\": 7, \"status\": \"ACTIVE\", "
		"\"registeredAt\": \"2024-03-01T10:00:00Z\", \"registeredBy\": \"arn:aws:iam::1:root\", "
		"\"compatibilities\": [\"EC2\", \"FARGATE\"], \"requiresAttributes\": "
		"[{\"name\": \"com.amazonaws.ecs.capability.docker-remote-api.1.18\"}], "
		"\"placementConstraints\": [], \"volumes\": [], \"requiresCompatibilities\": "
		"[\"FARGATE\"], \"cpu\": \"256\", \"memory\": \"512\", \"containerDefinitions\": "
		"[{\"name\": \"web\", \"image\": \"w:1\", \"mountPoints\": [], \"volumesFrom\": [], "
		"\"systemControls\": [], \"environment\": [], \"imagePullPolicy\": \"always\"}], "
		"\"x-team\": \"web\"}",
		&rpi4);

	CHECK(r.td && r.td->revision == 7);
	CHECK(r.problems.warning_count == 2);
	CHECK(has_warning(&r, "t.json: containerDefinitions[0].imagePullPolicy: unknown field, "
			      "ignored"));
	CHECK(has_warning(&r, "t.json: x-team: unknown field, ignored"));
	done(&r);
}

TEST(describe_task_definition_output_is_unwrapped)
{
	struct result r = parse("{\"taskDefinition\": {\"family\": \"t\", \"cpu\": \"256\", "
				"\"memory\": \"512\", \"requiresCompatibilities\": [\"FARGATE\"], "
				"\"containerDefinitions\": [{\"name\": \"web\"}]}, \"tags\": []}",
				&rpi4);

	CHECK_STR(only_error(&r), "t.json: taskDefinition.containerDefinitions[0].image: missing "
				  "(required)");
	done(&r);
}

TEST(wrong_json_types_name_field_and_type)
{
	struct result r = parse(FARGATE_TASK(SMALL, "{\"name\": \"web\", \"image\": \"w:1\", "
						    "\"essential\": \"yes\", \"memory\": 25.5, "
						    "\"command\": [\"run\", 7], "
						    "\"environment\": {\"A\": \"1\"}}"),
				&rpi4);

	CHECK(r.problems.error_count == 4);
	if (r.problems.error_count == 4) {
		CHECK_STR(r.problems.errors[0], "t.json: containerDefinitions[0].essential: "
						"expected true or false, got \"yes\"");
		CHECK_STR(r.problems.errors[1], "t.json: containerDefinitions[0].command[1]: "
						"expected a string, got 7");
		CHECK_STR(r.problems.errors[2], "t.json: containerDefinitions[0].environment: "
						"expected an array, got an object");
		CHECK_STR(r.problems.errors[3], "t.json: containerDefinitions[0].memory: expected "
						"an integer, got 25.5");
	}
	done(&r);
}

#define FULL_CONTAINER                                                                     \
	"{\"name\": \"app\", \"image\": \"1.dkr.ecr.eu-west-1.amazonaws.com/app:1.4\", "       \
	"\"entryPoint\": [\"/init\"], \"command\": [\"serve\", \"--port\", \"8080\"], "        \
	"\"workingDirectory\": \"/srv\", \"user\": \"1000:1000\", "                            \
	"\"environment\": [{\"name\": \"MODE\", \"value\": \"edge\"}, {\"name\": \"EMPTY\"}], " \
	"\"environmentFiles\": [{\"type\": \"file\", \"value\": \"/etc/berth/app.env\"}], "    \
	"\"secrets\": [{\"name\": \"DB\", \"valueFrom\": \"arn:aws:ssm:eu-west-1:1:parameter/db\"}], " \
	"\"portMappings\": [{\"containerPort\": 8080, \"hostPort\": 8080}, "                   \
	"{\"containerPort\": 5353, \"protocol\": \"udp\"}], "                                  \
	"\"healthCheck\": {\"command\": [\"CMD-SHELL\", \"wget -q -O- http://127.0.0.1:8080/\"], " \
	"\"interval\": 10, \"timeout\": 3, \"retries\": 5, \"startPeriod\": 20}, "             \
	"\"stopTimeout\": 45, \"readonlyRootFilesystem\": true, "                              \
	"\"linuxParameters\": {\"initProcessEnabled\": true, \"sharedMemorySize\": 64, "       \
	"\"capabilities\": {\"add\": [\"cap_sys_ptrace\"], \"drop\": [\"ALL\"]}, "             \
	"\"tmpfs\": [{\"containerPath\": \"/tmp\", \"size\": 32, \"mountOptions\": "          \
	"[\"noexec\", \"mode=1777\"]}]}, "                                                     \
	"\"ulimits\": [{\"name\": \"nofile\", \"softLimit\": 1024, \"hardLimit\": -1}], "      \
	"\"cpu\": 128, \"memory\": 384, \"memoryReservation\": 256, "                          \
	"\"logConfiguration\": {\"logDriver\": \"awslogs\", \"options\": {\"awslogs-group\": " \
	"\"/ecs/app\", \"mode\": \"non-blocking\", \"max-buffer-size\": \"25m\"}}, "           \
	"\"mountPoints\": [{\"sourceVolume\": \"data\", \"containerPath\": \"/data\", "        \
	"\"readOnly\": true}], \"volumesFrom\": [{\"sourceContainer\": \"side\"}]}"

TEST(every_container_field_is_stored)
{
	struct result r = parse("{\"family\": \"t\", \"requiresCompatibilities\": [\"FARGATE\"], "
				SMALL ", \"volumes\": [{\"name\": \"scratch\"}, {\"name\": \"data\", "
				"\"host\": {\"sourcePath\": \"/srv/data\"}}], "
				"\"containerDefinitions\": [" FULL_CONTAINER ", {\"name\": \"side\", "
				"\"image\": \"s:1\", \"essential\": false}]}",
				&rpi4);
	const struct container_def *c;

	CHECK(r.td != NULL);
	if (!r.td)
		return;
	CHECK(r.td->volume_count == 2 && r.td->volumes[0].kind == TASKDEF_VOLUME_SCRATCH);
	CHECK(r.td->volumes[1].kind == TASKDEF_VOLUME_HOST);
	CHECK_STR(r.td->volumes[1].host_path, "/srv/data");
	c = &r.td->containers[0];
	CHECK(c->entry_point.n == 1 && c->command.n == 3);
	CHECK_STR(c->command.v[2], "8080");
	CHECK_STR(c->working_directory, "/srv");
	CHECK_STR(c->user, "1000:1000");
	CHECK(c->environment_count == 2);
	CHECK_STR(c->environment[1].name, "EMPTY");
	CHECK_STR(c->environment[1].value, "");
	CHECK(c->environment_files.n == 1);
	CHECK_STR(c->environment_files.v[0], "/etc/berth/app.env");
	CHECK(c->secret_count == 1);
	CHECK_STR(c->secrets[0].value_from, "arn:aws:ssm:eu-west-1:1:parameter/db");
	CHECK(c->port_count == 2 && c->ports[0].host_port == 8080);
	CHECK(c->ports[1].container_port == 5353 && c->ports[1].protocol == TASKDEF_PROTOCOL_UDP);
	CHECK(c->health.kind == TASKDEF_HEALTH_CMD_SHELL && c->health.command.n == 1);
	CHECK(c->health.interval_s == 10 && c->health.timeout_s == 3);
	CHECK(c->health.retries == 5 && c->health.start_period_s == 20);
	CHECK(c->stop_timeout_s == 45 && c->readonly_root_filesystem);
	CHECK(c->linux_params.init_process_enabled && c->linux_params.shared_memory_mib == 64);
	CHECK(c->linux_params.cap_add.n == 1);
	CHECK_STR(c->linux_params.cap_add.v[0], "SYS_PTRACE");
	CHECK_STR(c->linux_params.cap_drop.v[0], "ALL");
	CHECK(c->linux_params.tmpfs_count == 1 && c->linux_params.tmpfs[0].size_mib == 32);
	CHECK(c->linux_params.tmpfs[0].mount_options.n == 2);
	CHECK(c->ulimit_count == 1 && c->ulimits[0].resource == RLIMIT_NOFILE);
	CHECK(c->ulimits[0].soft == 1024 && c->ulimits[0].hard == -1);
	CHECK(c->cpu == 128 && c->memory_mib == 384 && c->memory_reservation_mib == 256);
	CHECK(c->log.driver == TASKDEF_LOG_AWSLOGS && c->log.mode == TASKDEF_LOG_NON_BLOCKING);
	CHECK(c->log.max_buffer_bytes == 25ULL << 20);
	CHECK(c->log.option_count == 3);
	CHECK(c->mount_count == 1 && c->mounts[0].volume == 1 && c->mounts[0].read_only);
	CHECK(c->volumes_from_count == 1 && c->volumes_from[0].container == 1);
	CHECK(r.problems.error_count == 0);
	done(&r);
}

TEST(log_buffer_sizes_and_defaults)
{
	static const struct {
		const char *size;
		unsigned long long bytes;
	} cases[] = {
		{ "", 1ULL << 20 },	   { "\"1024k\"", 1ULL << 20 }, { "\"4096\"", 4096 },
		{ "\"1.5MB\"", 3ULL << 19 }, { "\"2 g\"", 2ULL << 30 },
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		char json[1024];
		struct result r;

		snprintf(json, sizeof(json),
			 FARGATE_TASK(SMALL, "{\"name\": \"w\", \"image\": \"w:1\", "
					     "\"logConfiguration\": {\"logDriver\": \"json-file\", "
					     "\"options\": {\"mode\": \"non-blocking\"%s%s}}}"),
			 cases[i].size[0] ? ", \"max-buffer-size\": " : "", cases[i].size);
		r = parse(json, &rpi4);
		CHECK(r.td && r.td->containers[0].log.max_buffer_bytes == cases[i].bytes);
		done(&r);
	}
}

TEST(null_members_count_as_absent)
{
	struct result r = parse(FARGATE_TASK(SMALL, "{\"name\": \"web\", \"image\": \"w:1\", "
						    "\"cpu\": null, \"hostname\": null, "
						    "\"healthCheck\": null}"),
				&rpi4);

	CHECK(r.td != NULL && r.problems.error_count == 0);
	done(&r);
}

TEST(bridge_mode_port_rules)
{
	struct result r = parse("{\"family\": \"t\", \"networkMode\": \"bridge\", \"cpu\": \"256\", "
				"\"memory\": \"256\", \"containerDefinitions\": ["
				"{\"name\": \"a\", \"image\": \"a:1\", \"links\": [\"b:backend\"], "
				"\"portMappings\": [{\"containerPort\": 80, \"hostPort\": 0}, "
				"{\"containerPort\": 80, \"hostPort\": 8081}]},"
				"{\"name\": \"b\", \"image\": \"b:1\", \"portMappings\": "
				"[{\"containerPort\": 80, \"hostPort\": 8081}]}]}",
				&rpi4);

	CHECK(r.problems.error_count == 2);
	if (r.problems.error_count == 2) {
		CHECK_STR(r.problems.errors[0], "t.json: containerDefinitions[0].portMappings[1]."
						"containerPort: 80/tcp is already mapped by "
						"containerDefinitions[0].portMappings[0]");
		CHECK_STR(r.problems.errors[1], "t.json: containerDefinitions[1].portMappings[0]."
						"hostPort: 8081/tcp is already mapped by "
						"containerDefinitions[0].portMappings[1]");
	}
	done(&r);
}

TEST(volumes_and_named_volume_rules)
{
	struct result r = parse(FARGATE_TASK(SMALL ", \"volumes\": [{\"name\": \"cache\", "
					     "\"dockerVolumeConfiguration\": {\"scope\": \"shared\", "
					     "\"autoprovision\": true, \"driver\": \"local\"}}, "
					     "{\"name\": \"tmp\", \"dockerVolumeConfiguration\": "
					     "{\"autoprovision\": true}}]",
					     WEB),
				&rpi4);

	CHECK_STR(only_error(&r), "t.json: volumes[1].dockerVolumeConfiguration.autoprovision: "
				  "true needs scope \"shared\" (a task-scoped volume is always new)");
	done(&r);
	r = parse(FARGATE_TASK(SMALL ", \"volumes\": [{\"name\": \"cache\", "
				     "\"dockerVolumeConfiguration\": {\"scope\": \"shared\"}}]", WEB),
		  &rpi4);
	CHECK(r.td && r.td->volumes[0].kind == TASKDEF_VOLUME_NAMED);
	CHECK(r.td && r.td->volumes[0].scope == TASKDEF_SCOPE_SHARED);
	done(&r);
}

TEST(roles_are_kept_with_a_warning)
{
	struct result r = parse("{\"family\": \"t\", \"cpu\": \"256\", \"memory\": \"512\", "
				"\"executionRoleArn\": \"arn:aws:iam::1:role/exec\", "
				"\"containerDefinitions\": [" WEB "]}",
				&rpi4);

	CHECK(r.td != NULL);
	CHECK(r.td && strcmp(r.td->execution_role_arn, "arn:aws:iam::1:role/exec") == 0);
	CHECK(has_warning(&r, "t.json: executionRoleArn: unused offline"));
	done(&r);
}

TEST(fargate_allows_adding_only_sys_ptrace)
{
	const char *caps = "{\"name\": \"w\", \"image\": \"w:1\", \"linuxParameters\": "
			   "{\"capabilities\": {\"add\": [\"NET_ADMIN\"]}}}";
	char json[1024];
	struct result r;

	snprintf(json, sizeof(json), FARGATE_TASK(SMALL, "%s"), caps);
	r = parse(json, &rpi4);
	CHECK_STR(only_error(&r), "t.json: containerDefinitions[0].linuxParameters.capabilities."
				  "add[0]: \"NET_ADMIN\" cannot be added to a FARGATE task (valid: "
				  "SYS_PTRACE)");
	done(&r);
	snprintf(json, sizeof(json), "{\"family\": \"t\", \"cpu\": \"256\", \"memory\": \"512\", "
				     "\"requiresCompatibilities\": [\"EXTERNAL\"], "
				     "\"containerDefinitions\": [%s]}", caps);
	r = parse(json, &rpi4);
	CHECK(r.td && r.td->compat == TASKDEF_COMPAT_EXTERNAL);
	CHECK(r.td && taskdef_capability_number(r.td->containers[0].linux_params.cap_add.v[0]) == 12);
	done(&r);
}

TEST(load_reports_missing_files_and_bad_json)
{
	struct taskdef_problems problems = { 0 };
	struct berr err = { 0 };
	char path[] = "/tmp/taskdef-test-XXXXXX";
	int fd;

	CHECK(taskdef_load("/nonexistent/web.json", &rpi4, &problems, &err) == NULL);
	CHECK(problems.error_count == 0);
	CHECK(strstr(err.msg, "/nonexistent/web.json") != NULL);
	fd = mkstemp(path);
	CHECK(fd >= 0);
	if (fd < 0)
		return;
	CHECK(write(fd, "{\"family\": ", 11) == 11);
	close(fd);
	CHECK(taskdef_load(path, &rpi4, &problems, &err) == NULL);
	CHECK(problems.error_count == 0);
	CHECK(strstr(err.msg, "not valid JSON") != NULL);
	unlink(path);
	taskdef_problems_free(&problems);
}

TEST(enum_names_use_ecs_spelling)
{
	CHECK_STR(taskdef_network_mode_name(TASKDEF_NETWORK_AWSVPC), "awsvpc");
	CHECK_STR(taskdef_pid_mode_name(TASKDEF_PID_TASK), "task");
	CHECK_STR(taskdef_ipc_mode_name(TASKDEF_IPC_NONE), "none");
	CHECK_STR(taskdef_compat_name(TASKDEF_COMPAT_FARGATE), "FARGATE");
	CHECK_STR(taskdef_arch_name(TASKDEF_ARCH_X86_64), "X86_64");
	CHECK_STR(taskdef_size_source_name(TASKDEF_SIZE_FROM_CONTAINERS), "from containers");
	CHECK_STR(taskdef_volume_kind_name(TASKDEF_VOLUME_NAMED), "named");
	CHECK_STR(taskdef_volume_scope_name(TASKDEF_SCOPE_SHARED), "shared");
	CHECK_STR(taskdef_protocol_name(TASKDEF_PROTOCOL_UDP), "udp");
	CHECK_STR(taskdef_health_kind_name(TASKDEF_HEALTH_CMD_SHELL), "CMD-SHELL");
	CHECK_STR(taskdef_condition_name(TASKDEF_CONDITION_HEALTHY), "HEALTHY");
	CHECK_STR(taskdef_log_driver_name(TASKDEF_LOG_AWSLOGS), "awslogs");
	CHECK_STR(taskdef_log_mode_name(TASKDEF_LOG_NON_BLOCKING), "non-blocking");
}

TEST_MAIN(T(minimal_definition_gets_ecs_defaults), T(size_forms_are_normalised_to_units_and_mib),
	  T(sizes_that_are_not_sizes_are_named), T(fargate_size_table_is_enforced),
	  T(capacity_errors_name_the_board), T(architecture_must_match_the_board),
	  T(without_fargate_sizes_come_from_the_containers), T(containers_must_fit_in_the_task),
	  T(depends_on_cycle_is_reported_with_its_path), T(start_order_puts_dependencies_first),
	  T(dependency_rules_of_ecs), T(all_problems_of_a_file_are_collected),
	  T(aws_export_fields_are_quiet_and_unknown_fields_warn),
	  T(describe_task_definition_output_is_unwrapped), T(wrong_json_types_name_field_and_type),
	  T(every_container_field_is_stored), T(log_buffer_sizes_and_defaults),
	  T(null_members_count_as_absent), T(bridge_mode_port_rules),
	  T(volumes_and_named_volume_rules), T(roles_are_kept_with_a_warning),
	  T(fargate_allows_adding_only_sys_ptrace), T(load_reports_missing_files_and_bad_json),
	  T(enum_names_use_ecs_spelling))
