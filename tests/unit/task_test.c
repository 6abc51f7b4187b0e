/* The task lifecycle's pure parts: ids and names, the record's JSON form
 * (what describe shows and what survives a monitor), dependsOn verdicts,
 * and the exit code a task reports. The rest (run, stop, admission,
 * recovery) is tests/integration/task.sh, on real kernels. */
#include <string.h>

#include "harness.h"
#include "task/task_priv.h"

static struct task_def *parse(const char *json)
{
	struct taskdef_problems problems = { 0 };
	struct berr err = { 0 };
	cJSON *root = cJSON_Parse(json);
	struct task_def *td = root ? taskdef_parse(root, "test", NULL, &problems, &err) : NULL;

	for (size_t i = 0; i < problems.error_count; i++)
		fprintf(stderr, "  %s\n", problems.errors[i]);
	taskdef_problems_free(&problems);
	cJSON_Delete(root);
	return td;
}

/* app depends on init (SUCCESS) and on side (START). */
static const char deps_json[] =
	"{\"family\":\"f\",\"networkMode\":\"none\",\"cpu\":\"256\",\"memory\":\"512\","
	"\"containerDefinitions\":["
	"{\"name\":\"app\",\"image\":\"i\",\"dependsOn\":["
	"{\"containerName\":\"init\",\"condition\":\"SUCCESS\"},"
	"{\"containerName\":\"side\",\"condition\":\"START\"}]},"
	"{\"name\":\"init\",\"image\":\"i\",\"essential\":false},"
	"{\"name\":\"side\",\"image\":\"i\",\"essential\":false}]}";

TEST(ids_are_32_lowercase_hex_and_differ)
{
	char a[TASK_ID_LEN + 1], b[TASK_ID_LEN + 1];
	struct berr err = { 0 };

	CHECK(task_id_new(a, &err) == 0 && task_id_new(b, &err) == 0);
	CHECK(task_id_valid(a));
	CHECK(strcmp(a, b) != 0);
	CHECK(!task_id_valid("0123456789ABCDEF0123456789abcdef"));
	CHECK(!task_id_valid("0123456789abcdef"));
}

TEST(names_follow_docker_rules)
{
	CHECK(task_name_valid("web"));
	CHECK(task_name_valid("web-1.blue_2"));
	CHECK(!task_name_valid(""));
	CHECK(!task_name_valid("-web"));
	CHECK(!task_name_valid("web/1"));
	CHECK(!task_name_valid("0123456789012345678901234567890123456789012345678901234567890123x"));
}

TEST(record_json_round_trips)
{
	struct task_def *td = parse(deps_json);
	struct task_record rec, back;
	struct berr err = { 0 };
	cJSON *j;

	CHECK(td != NULL);
	if (!td)
		return;
	CHECK(record_init(&rec, "0123456789abcdef0123456789abcdef", "web", td, &err) == 0);
	rec.containers[1].status = TASK_STOPPED;
	rec.containers[1].has_exit_code = true;
	rec.containers[1].exit_code = 3;
	rec.containers[1].stopped_at = 1700000000.5;
	record_stop(&rec, TASK_STOP_ESSENTIAL_EXITED, "Essential container in task exited");
	j = record_to_json(&rec, true);
	CHECK(j != NULL);
	CHECK(j && record_from_json(j, &back, &err) == 0);
	CHECK_STR(back.id, rec.id);
	CHECK_STR(back.name, "web");
	CHECK_STR(back.family, "f");
	CHECK(back.revision == 1 && back.cpu == 256 && back.memory_mib == 512);
	CHECK(back.last_status == TASK_STOPPING && back.desired_status == TASK_STOPPED);
	CHECK(back.stop_code == TASK_STOP_ESSENTIAL_EXITED);
	CHECK_STR(back.stopped_reason, "Essential container in task exited");
	CHECK(back.monitor_pid == rec.monitor_pid && back.monitor_start == rec.monitor_start);
	CHECK(back.container_count == 3);
	CHECK(back.containers[1].has_exit_code && back.containers[1].exit_code == 3);
	CHECK(!back.containers[0].has_exit_code && back.containers[0].essential);
	CHECK(back.containers[1].stopped_at == 1700000000.5);
	cJSON_Delete(j);
	record_free(&back);
	record_free(&rec);
	taskdef_free(td);
}

TEST(describe_shape_is_ecs_s)
{
	struct task_def *td = parse(deps_json);
	struct task_record rec;
	struct berr err = { 0 };
	cJSON *j;

	if (!td || record_init(&rec, "0123456789abcdef0123456789abcdef", NULL, td, &err) < 0) {
		CHECK(!"setup");
		return;
	}
	j = record_to_json(&rec, false);
	CHECK_STR(cJSON_GetStringValue(json_get(j, "taskArn")),
		  "arn:aws:ecs:local:000000000000:task/default/0123456789abcdef0123456789abcdef");
	CHECK_STR(cJSON_GetStringValue(json_get(j, "taskDefinitionArn")),
		  "arn:aws:ecs:local:000000000000:task-definition/f:1");
	CHECK_STR(cJSON_GetStringValue(json_get(j, "cpu")), "256");
	CHECK_STR(cJSON_GetStringValue(json_get(j, "lastStatus")), "PROVISIONING");
	CHECK(cJSON_IsNumber(json_get(j, "createdAt")));
	CHECK(!json_get(j, "monitor") && !json_get(j, "name") && !json_get(j, "stopCode"));
	CHECK(cJSON_GetArraySize(json_get(j, "containers")) == 3);
	cJSON_Delete(j);
	record_free(&rec);
	taskdef_free(td);
}

TEST(depends_on_verdicts)
{
	struct task_def *td = parse(deps_json);
	struct task_record rec;
	struct berr err = { 0 };
	char why[256];

	if (!td || record_init(&rec, "0123456789abcdef0123456789abcdef", NULL, td, &err) < 0) {
		CHECK(!"setup");
		return;
	}
	CHECK(task_deps_check(td, &rec, 0, why, sizeof(why)) == DEP_WAIT);
	CHECK(strstr(why, "init") != NULL);
	rec.containers[1].status = TASK_RUNNING;
	rec.containers[1].started_at = 1;
	rec.containers[2].status = TASK_RUNNING;
	rec.containers[2].started_at = 1;
	CHECK(task_deps_check(td, &rec, 0, why, sizeof(why)) == DEP_WAIT); /* init still running */
	rec.containers[1].status = TASK_STOPPED;
	rec.containers[1].has_exit_code = true;
	rec.containers[1].exit_code = 0;
	CHECK(task_deps_check(td, &rec, 0, why, sizeof(why)) == DEP_READY);
	rec.containers[1].exit_code = 2;
	CHECK(task_deps_check(td, &rec, 0, why, sizeof(why)) == DEP_NEVER);
	CHECK(strstr(why, "exited with 2") != NULL);
	rec.containers[1].exit_code = 0;
	rec.containers[2].status = TASK_STOPPED; /* side never started */
	rec.containers[2].started_at = 0;
	CHECK(task_deps_check(td, &rec, 0, why, sizeof(why)) == DEP_NEVER);
	record_free(&rec);
	taskdef_free(td);
}

TEST(exit_code_is_the_first_essential_to_exit)
{
	struct task_def *td = parse(deps_json);
	struct task_record rec;
	struct berr err = { 0 };

	if (!td || record_init(&rec, "0123456789abcdef0123456789abcdef", NULL, td, &err) < 0) {
		CHECK(!"setup");
		return;
	}
	CHECK(record_exit_code(&rec) == -1);
	rec.containers[1].has_exit_code = true; /* not essential: does not count */
	rec.containers[1].exit_code = 9;
	rec.containers[1].stopped_at = 1;
	CHECK(record_exit_code(&rec) == -1);
	rec.containers[0].has_exit_code = true;
	rec.containers[0].exit_code = 137;
	rec.containers[0].stopped_at = 2;
	CHECK(record_exit_code(&rec) == 137);
	record_free(&rec);
	taskdef_free(td);
}

TEST_MAIN(T(ids_are_32_lowercase_hex_and_differ), T(names_follow_docker_rules),
	  T(record_json_round_trips), T(describe_shape_is_ecs_s), T(depends_on_verdicts),
	  T(exit_code_is_the_first_essential_to_exit))
