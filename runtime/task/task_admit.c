/* Admission control: a task starts only if it fits, next to every task not
 * STOPPED, in the board's usable capacity. The check and the new record are
 * made under one lock (<state>/tasks/.lock), so two concurrent runs cannot
 * both pass on the same free capacity. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>

#include "task/task_priv.h"

struct usage {
	long cpu, memory_mib;
	size_t tasks;
	char *cpu_list; /* "a1b2c3d4e5f6 web-demo 256, ..." */
	size_t cpu_len;
	FILE *cpu_f;
	char *mem_list;
	size_t mem_len;
	FILE *mem_f;
};

static int lock_tasks(const struct paths *paths, struct berr *err)
{
	_cleanup_free_ char *dir = str_printf(err, "%s/tasks", paths->state);
	_cleanup_free_ char *path = str_printf(err, "%s/tasks/.lock", paths->state);
	int fd;

	if (!dir || !path || fs_mkdir_p(dir, 0700, err) < 0)
		return -1;
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0)
		return berr_sys(err, "open %s", path);
	while (flock(fd, LOCK_EX) < 0) {
		if (errno != EINTR) {
			berr_sys(err, "lock %s", path);
			close(fd);
			return -1;
		}
	}
	return fd;
}

static const char *label(const struct task_record *r)
{
	return r->name[0] ? r->name : r->family;
}

static void add_usage(struct usage *u, const struct task_record *r)
{
	const char *sep = u->tasks ? ", " : "";

	u->cpu += r->cpu;
	u->memory_mib += r->memory_mib;
	u->tasks++;
	fprintf(u->cpu_f, "%s%.*s %s %ld", sep, TASK_SHORT_ID_LEN, r->id, label(r), r->cpu);
	fprintf(u->mem_f, "%s%.*s %s %ld MiB", sep, TASK_SHORT_ID_LEN, r->id, label(r), r->memory_mib);
}

/* One record: its usage when not STOPPED; a clash when it has our name. */
static int scan_one(const struct paths *paths, const char *id, const struct task_record *new,
		    struct usage *u, struct berr *err)
{
	struct task_record r;
	struct berr ignored = { 0 };
	int rc = 0;

	if (record_read(paths, id, &r, &ignored) < 0) {
		log_debug("task %s: %s", id, ignored.msg);
		return 0;
	}
	if (new->name[0] && !strcmp(r.name, new->name))
		rc = berr_set(err, EEXIST, "the name %s is in use by task %.*s (remove it with: berth rm %s)",
			      new->name, TASK_SHORT_ID_LEN, r.id, new->name);
	else if (r.last_status != TASK_STOPPED)
		add_usage(u, &r);
	record_free(&r);
	return rc;
}

static int scan(const struct paths *paths, const struct task_record *new, struct usage *u,
		struct berr *err)
{
	_cleanup_free_ char *dir = str_printf(err, "%s/tasks", paths->state);
	DIR *d = dir ? opendir(dir) : NULL;
	struct dirent *e;
	int rc = 0;

	if (!d)
		return dir ? berr_sys(err, "open %s", dir) : -1;
	while (rc == 0 && (errno = 0, e = readdir(d)))
		if (task_id_valid(e->d_name))
			rc = scan_one(paths, e->d_name, new, u, err);
	if (rc == 0 && errno)
		rc = berr_sys(err, "read %s", dir);
	closedir(d);
	return rc;
}

static int check_fit(const struct board *board, const struct task_record *r, struct usage *u,
		     struct berr *err)
{
	long cpu = board_usable_cpu_units(board), mem = board_usable_memory_mib(board);
	const char *s = u->tasks == 1 ? "" : "s";

	fflush(u->cpu_f);
	fflush(u->mem_f);
	if (u->cpu + r->cpu > cpu)
		return berr_set(err, 0, "cannot place task %s (%ld cpu, %ld MiB): the board has %ld cpu "
				"units, %ld in use by %zu task%s (%s)", label(r), r->cpu, r->memory_mib,
				cpu, u->cpu, u->tasks, s, u->cpu_list);
	if (u->memory_mib + r->memory_mib > mem)
		return berr_set(err, 0, "cannot place task %s (%ld cpu, %ld MiB): the board has %ld MiB, "
				"%ld in use by %zu task%s (%s)", label(r), r->cpu, r->memory_mib, mem,
				u->memory_mib, u->tasks, s, u->mem_list);
	return 0;
}

static int create_record(const struct paths *paths, struct task_record *rec,
			 const cJSON *taskdef, struct berr *err)
{
	_cleanup_free_ char *dir = task_state_dir(paths, rec->id, err);
	_cleanup_free_ char *td_path = dir ? str_printf(err, "%s/taskdef.json", dir) : NULL;
	_cleanup_free_ char *text = taskdef ? cJSON_Print(taskdef) : str_dup("{}", err);
	struct berr ignored;

	if (!td_path || !text)
		return text ? -1 : berr_set(err, ENOMEM, "out of memory");
	if (mkdir(dir, 0700) < 0)
		return berr_sys(err, "mkdir %s", dir);
	if (fs_write_atomic(td_path, text, strlen(text), 0600, err) == 0 &&
	    record_write(paths, rec, err) == 0)
		return 0;
	task_remove_tree(dir, &ignored);
	return -1;
}

static void usage_close(struct usage *u)
{
	if (u->cpu_f)
		fclose(u->cpu_f);
	if (u->mem_f)
		fclose(u->mem_f);
	free(u->cpu_list);
	free(u->mem_list);
}

int task_admit(const struct paths *paths, const struct board *board, struct task_record *rec,
	       const cJSON *taskdef, struct berr *err)
{
	__attribute__((cleanup(usage_close))) struct usage u = { 0 };
	_cleanup_close_ int lock = lock_tasks(paths, err);

	if (lock < 0)
		return -1;
	u.cpu_f = open_memstream(&u.cpu_list, &u.cpu_len);
	u.mem_f = open_memstream(&u.mem_list, &u.mem_len);
	if (!u.cpu_f || !u.mem_f)
		return berr_set(err, ENOMEM, "out of memory");
	if (scan(paths, rec, &u, err) < 0 || check_fit(board, rec, &u, err) < 0)
		return -1;
	return create_record(paths, rec, taskdef, err);
}
