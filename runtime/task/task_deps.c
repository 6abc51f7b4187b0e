/* dependsOn: when a container may start, and when it never will.
 * START: the dependency was started. COMPLETE: it exited (any code).
 * SUCCESS: it exited 0; another code means the dependent never starts.
 * HEALTHY: needs health checks, which come later: refused up front. */
#include <errno.h>
#include <string.h>

#include "task/task_priv.h"

int task_deps_supported(const struct task_def *td, struct berr *err)
{
	for (size_t i = 0; i < td->container_count; i++) {
		const struct container_def *def = &td->containers[i];

		for (size_t d = 0; d < def->depends_on_count; d++)
			if (def->depends_on[d].condition == TASKDEF_CONDITION_HEALTHY)
				return berr_set(err, ENOTSUP, "container %s: dependsOn %s HEALTHY needs health "
						"checks, which this berth does not run yet", def->name,
						def->depends_on[d].container_name);
	}
	return 0;
}

static enum dep_verdict one(const struct taskdef_dependency *dep, const struct task_container *t,
			    char *why, size_t why_size)
{
	const char *cond = taskdef_condition_name(dep->condition);
	bool started = t->started_at > 0, exited = started && t->status == TASK_STOPPED;

	if (t->status == TASK_STOPPED && !started) {
		snprintf(why, why_size, "dependency %s never started (condition %s)", t->name, cond);
		return DEP_NEVER;
	}
	switch (dep->condition) {
	case TASKDEF_CONDITION_START:
		if (started)
			return DEP_READY;
		break;
	case TASKDEF_CONDITION_COMPLETE:
		if (exited)
			return DEP_READY;
		break;
	case TASKDEF_CONDITION_SUCCESS:
		if (exited && t->has_exit_code && t->exit_code == 0)
			return DEP_READY;
		if (exited) {
			snprintf(why, why_size, "dependency %s exited with %d (condition SUCCESS needs 0)",
				 t->name, t->has_exit_code ? t->exit_code : -1);
			return DEP_NEVER;
		}
		break;
	case TASKDEF_CONDITION_HEALTHY:
		snprintf(why, why_size, "dependency %s: condition HEALTHY is not supported yet", t->name);
		return DEP_NEVER;
	}
	snprintf(why, why_size, "dependency %s to reach %s", t->name, cond);
	return DEP_WAIT;
}

enum dep_verdict task_deps_check(const struct task_def *td, const struct task_record *rec,
				 size_t i, char *why, size_t why_size)
{
	const struct container_def *def = &td->containers[i];
	enum dep_verdict verdict = DEP_READY;
	char wait_why[256] = "";

	for (size_t d = 0; d < def->depends_on_count; d++) {
		const struct taskdef_dependency *dep = &def->depends_on[d];

		switch (one(dep, &rec->containers[dep->container], why, why_size)) {
		case DEP_NEVER:
			return DEP_NEVER;
		case DEP_WAIT:
			if (verdict == DEP_READY)
				snprintf(wait_why, sizeof(wait_why), "%s", why);
			verdict = DEP_WAIT;
			break;
		case DEP_READY:
			break;
		}
	}
	/* The first condition waited for, not a later ready one's leftovers. */
	snprintf(why, why_size, "%s", wait_why);
	return verdict;
}

bool task_deps_needed(const struct task_monitor *m, size_t i)
{
	const struct task_def *td = m->td;

	for (size_t j = 0; j < td->container_count; j++) {
		const struct container_def *def = &td->containers[j];

		if (m->procs[j].pid <= 0)
			continue;
		for (size_t d = 0; d < def->depends_on_count; d++)
			if (def->depends_on[d].container == i)
				return true;
	}
	return false;
}
