/* A task's root filesystem from layer directories: the overlay, its size
 * limit, read-only roots, the copy fallback and teardown. Mounting needs
 * root: without it every test is skipped. The tests run in a private mount
 * namespace, so nothing they mount outlives them. */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdlib.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "harness.h"
#include "image/image_layer.h"

static bool can_mount(void)
{
	static int state; /* 0 unknown, 1 yes, -1 no */

	if (state == 0) {
		state = geteuid() == 0 && unshare(CLONE_NEWNS) == 0 &&
				mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) == 0 ? 1 : -1;
		if (state < 0)
			printf("note: cannot mount here (not root?): rootfs tests skipped\n");
	}
	return state > 0;
}

struct site {
	char root[64];
	char task[512];
	char merged[600];
	char *layers[256];
	size_t nlayers;
};

static void site_make(struct site *s, const char *task_name)
{
	*s = (struct site){ 0 };
	snprintf(s->root, sizeof(s->root), "/tmp/berth-rootfs-test.XXXXXX");
	CHECK(mkdtemp(s->root) != NULL);
	snprintf(s->task, sizeof(s->task), "%s/%s", s->root, task_name);
	snprintf(s->merged, sizeof(s->merged), "%s/merged", s->task);
	CHECK(fs_mkdir_p(s->task, 0700, NULL) == 0);
}

static void site_remove(struct site *s)
{
	char cmd[128];

	for (size_t i = 0; i < s->nlayers; i++)
		free(s->layers[i]);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", s->root);
	CHECK(system(cmd) == 0);
}

static const char *layer_path(struct site *s, size_t i, const char *rel)
{
	static char path[2][PATH_MAX];
	static int n;

	n = !n;
	snprintf(path[n], sizeof(path[n]), "%s/layers/%zu%s%s", s->root, i, *rel ? "/" : "", rel);
	return path[n];
}

static void layer_add(struct site *s)
{
	char *dir = strdup(layer_path(s, s->nlayers, ""));

	CHECK(dir && fs_mkdir_p(dir, 0755, NULL) == 0);
	s->layers[s->nlayers++] = dir;
}

/* In the top layer: rel is "dir/" for a directory, else a file holding content. */
static void put(struct site *s, const char *rel, const char *content)
{
	char path[PATH_MAX];
	FILE *f;

	snprintf(path, sizeof(path), "%s", layer_path(s, s->nlayers - 1, rel));
	if (str_ends_with(path, "/")) {
		CHECK(fs_mkdir_p(path, 0755, NULL) == 0);
		return;
	}
	f = fopen(path, "w");
	CHECK(f && fputs(content, f) >= 0 && fclose(f) == 0);
}

static void whiteout(struct site *s, const char *rel)
{
	CHECK(mknod(layer_path(s, s->nlayers - 1, rel), S_IFCHR, makedev(0, 0)) == 0);
}

static void opaque(struct site *s, const char *rel)
{
	CHECK(setxattr(layer_path(s, s->nlayers - 1, rel), "trusted.overlay.opaque", "y", 1, 0) == 0);
}

/* Two layers: the top one removes a/x, replaces d/ and overrides "over". */
static void two_layers(struct site *s)
{
	layer_add(s);
	put(s, "a/", NULL);
	put(s, "a/x", "x0");
	put(s, "a/y", "y0");
	put(s, "d/", NULL);
	put(s, "d/p", "p0");
	put(s, "d/q", "q0");
	put(s, "keep", "k0");
	put(s, "over", "lower");
	layer_add(s);
	put(s, "a/", NULL);
	whiteout(s, "a/x");
	put(s, "d/", NULL);
	opaque(s, "d");
	put(s, "d/r", "r1");
	put(s, "new", "n1");
	put(s, "over", "upper");
}

static bool file_is(const char *dir, const char *rel, const char *content)
{
	char path[PATH_MAX], buf[128];
	FILE *f;
	size_t n;

	if (snprintf(path, sizeof(path), "%s/%s", dir, rel) >= (int)sizeof(path))
		return false;
	f = fopen(path, "r");
	if (!f)
		return false;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	return strcmp(buf, content) == 0;
}

static bool exists(const char *dir, const char *rel)
{
	char path[PATH_MAX];
	struct stat st;

	if (snprintf(path, sizeof(path), "%s/%s", dir, rel) >= (int)sizeof(path))
		return false;
	return lstat(path, &st) == 0;
}

static bool is_mount_point(const char *path)
{
	char cmd[700];

	snprintf(cmd, sizeof(cmd), "grep -q ' %s ' /proc/self/mountinfo", path);
	return system(cmd) == 0;
}

static bool mounted_under(const char *root)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "grep -q ' %s/' /proc/self/mountinfo", root);
	return system(cmd) == 0;
}

/* Writes size bytes to merged/rel: 0 or the errno that stopped it. */
static int write_bytes(const char *dir, const char *rel, size_t size)
{
	static char chunk[64 << 10];
	char path[PATH_MAX];
	int fd, e = 0;

	if (snprintf(path, sizeof(path), "%s/%s", dir, rel) >= (int)sizeof(path))
		return ENAMETOOLONG;
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return errno;
	for (size_t done = 0; done < size && !e; done += sizeof(chunk))
		if (write(fd, chunk, sizeof(chunk)) < 0)
			e = errno;
	if (close(fd) < 0 && !e)
		e = errno;
	return e;
}

/* What two_layers must look like, whichever way it was composed. */
static void check_two_layers_view(const char *merged)
{
	CHECK(file_is(merged, "a/y", "y0"));
	CHECK(!exists(merged, "a/x"));                 /* whited out */
	CHECK(file_is(merged, "d/r", "r1"));
	CHECK(!exists(merged, "d/p") && !exists(merged, "d/q")); /* opaque */
	CHECK(file_is(merged, "keep", "k0"));
	CHECK(file_is(merged, "new", "n1"));
	CHECK(file_is(merged, "over", "upper"));
}

TEST(overlay_merges_the_layers_applying_whiteouts_and_opaque_dirs)
{
	struct image_rootfs_opts opts = { .size_bytes = 8 << 20 };
	struct berr err = { 0 };
	struct site s;

	if (!can_mount())
		return;
	site_make(&s, "task");
	two_layers(&s);
	CHECK(rootfs_compose(s.task, s.layers, s.nlayers, &opts, &err) == 0);
	CHECK_STR(err.msg, "");
	CHECK(is_mount_point(s.merged));
	check_two_layers_view(s.merged);
	CHECK(rootfs_teardown(s.task, &err) == 0);
	site_remove(&s);
}

TEST(writes_land_in_the_task_and_stop_at_the_size_limit)
{
	struct image_rootfs_opts opts = { .size_bytes = 1 << 20 };
	struct berr err = { 0 };
	struct site s;
	char upper[PATH_MAX];

	if (!can_mount())
		return;
	site_make(&s, "task");
	two_layers(&s);
	CHECK(rootfs_compose(s.task, s.layers, s.nlayers, &opts, &err) == 0);
	CHECK(write_bytes(s.merged, "keep", 10) == 0);
	CHECK(write_bytes(s.merged, "small", 100 << 10) == 0);
	snprintf(upper, sizeof(upper), "%s/rw/upper", s.task);
	CHECK(exists(upper, "small") && exists(upper, "keep"));
	CHECK(file_is(s.layers[0], "keep", "k0"));     /* the shared layer is untouched */
	CHECK(!exists(s.layers[1], "small"));
	CHECK(write_bytes(s.merged, "big", 2 << 20) == ENOSPC);
	CHECK(rootfs_teardown(s.task, &err) == 0);
	site_remove(&s);
}

TEST(a_readonly_rootfs_refuses_writes)
{
	struct image_rootfs_opts opts = { .readonly = true };
	struct berr err = { 0 };
	struct site s;

	if (!can_mount())
		return;
	site_make(&s, "task");
	layer_add(&s); /* one layer: still a lower-only overlay */
	put(&s, "etc/", NULL);
	put(&s, "etc/hostname", "board");
	CHECK(rootfs_compose(s.task, s.layers, s.nlayers, &opts, &err) == 0);
	CHECK_STR(err.msg, "");
	CHECK(file_is(s.merged, "etc/hostname", "board"));
	CHECK(write_bytes(s.merged, "etc/hostname", 1) == EROFS);
	CHECK(write_bytes(s.merged, "new", 1) == EROFS);
	CHECK(rootfs_teardown(s.task, &err) == 0);
	site_remove(&s);
}

TEST(teardown_unmounts_and_removes_everything_and_can_repeat)
{
	struct image_rootfs_opts opts = { .size_bytes = 1 << 20 };
	struct berr err = { 0 };
	struct site s;

	if (!can_mount())
		return;
	site_make(&s, "task");
	two_layers(&s);
	CHECK(rootfs_compose(s.task, s.layers, s.nlayers, &opts, &err) == 0);
	CHECK(write_bytes(s.merged, "scratch", 10) == 0);
	CHECK(mounted_under(s.root));
	CHECK(rootfs_teardown(s.task, &err) == 0);
	CHECK_STR(err.msg, "");
	CHECK(!mounted_under(s.root));
	CHECK(access(s.task, F_OK) == -1 && errno == ENOENT);
	CHECK(file_is(s.layers[0], "keep", "k0") && file_is(s.layers[1], "new", "n1"));
	CHECK(rootfs_teardown(s.task, &err) == 0);  /* already gone: fine */
	site_remove(&s);
}

TEST(hundreds_of_layers_under_a_long_path_fit_one_mount)
{
	char name[200], file[32];
	struct image_rootfs_opts opts = { .readonly = true };
	struct berr err = { 0 };
	struct site s;
	bool all = true;

	if (!can_mount())
		return;
	memset(name, 'n', sizeof(name) - 1);
	name[sizeof(name) - 1] = '\0';
	site_make(&s, name);
	for (size_t i = 0; i < 200; i++) {
		layer_add(&s);
		snprintf(file, sizeof(file), "f%zu", i);
		put(&s, file, file);
	}
	CHECK(rootfs_compose(s.task, s.layers, s.nlayers, &opts, &err) == 0);
	CHECK_STR(err.msg, "");
	for (size_t i = 0; i < 200; i++) {
		snprintf(file, sizeof(file), "f%zu", i);
		all = all && file_is(s.merged, file, file);
	}
	CHECK(all);
	CHECK(rootfs_teardown(s.task, &err) == 0);
	site_remove(&s);
}

TEST(the_copy_fallback_gives_the_same_view)
{
	struct image_rootfs_opts opts = { .readonly = false };
	struct berr err = { 0 };
	struct site s;
	struct stat st;
	char d[PATH_MAX], target[16] = "";

	if (!can_mount())
		return;
	site_make(&s, "task");
	two_layers(&s);
	CHECK(chown(layer_path(&s, 0, "keep"), 5, 6) == 0 && chmod(layer_path(&s, 0, "keep"), 04751) == 0);
	CHECK(symlink("/keep", layer_path(&s, 1, "link")) == 0);
	CHECK(rootfs_compose_copy(s.task, s.layers, s.nlayers, &opts, &err) == 0);
	CHECK_STR(err.msg, "");
	CHECK(is_mount_point(s.merged));
	check_two_layers_view(s.merged);
	snprintf(d, sizeof(d), "%s/keep", s.merged);
	CHECK(stat(d, &st) == 0 && (st.st_mode & 07777) == 04751 && st.st_uid == 5 && st.st_gid == 6);
	snprintf(d, sizeof(d), "%s/link", s.merged);
	CHECK(readlink(d, target, sizeof(target) - 1) == 5 && !memcmp(target, "/keep", 5));
	snprintf(d, sizeof(d), "%s/d", s.merged);
	CHECK(getxattr(d, "trusted.overlay.opaque", NULL, 0) < 0);  /* plain dirs */
	CHECK(write_bytes(s.merged, "new", 3) == 0);
	CHECK(file_is(s.layers[1], "new", "n1"));
	CHECK(rootfs_teardown(s.task, &err) == 0);
	CHECK(access(s.task, F_OK) == -1);

	CHECK(mkdir(s.task, 0700) == 0);
	opts.readonly = true;
	CHECK(rootfs_compose_copy(s.task, s.layers, s.nlayers, &opts, &err) == 0);
	check_two_layers_view(s.merged);
	CHECK(write_bytes(s.merged, "new", 1) == EROFS);
	CHECK(rootfs_teardown(s.task, &err) == 0);
	site_remove(&s);
}

/* An OCI layout of one gzip layer holding etc/hostname, made with tar. */
static const char make_layout[] =
	"set -e; cd '%s'; mkdir -p src/etc layout/blobs/sha256; echo board > src/etc/hostname\n"
	"tar -C src --numeric-owner -czf layer.tgz .\n"
	"put() { h=$(sha256sum \"$1\" | cut -c1-64); cp \"$1\" layout/blobs/sha256/$h; echo $h $(stat -c %%s \"$1\"); }\n"
	"set -- $(put layer.tgz); L=$1; LS=$2; D=$(gzip -dc layer.tgz | sha256sum | cut -c1-64)\n"
	"printf '{\"architecture\":\"%s\",\"os\":\"linux\",\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\"sha256:%%s\"]}}' $D > config.json\n"
	"set -- $(put config.json); C=$1; CS=$2\n"
	"printf '{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\","
	"\"config\":{\"mediaType\":\"application/vnd.oci.image.config.v1+json\",\"digest\":\"sha256:%%s\",\"size\":%%s},"
	"\"layers\":[{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar+gzip\",\"digest\":\"sha256:%%s\",\"size\":%%s}]}' "
	"$C $CS $L $LS > manifest.json\n"
	"set -- $(put manifest.json)\n"
	"printf '{\"schemaVersion\":2,\"manifests\":[{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\","
	"\"digest\":\"sha256:%%s\",\"size\":%%s}]}' $1 $2 > layout/index.json\n"
	"printf '{\"imageLayoutVersion\":\"1.0.0\"}' > layout/oci-layout\n";

static const char *board_arch(void)
{
#ifdef __aarch64__
	return "arm64";
#else
	return "x86_64";
#endif
}

static int load_test_image(struct site *s, const struct paths *paths, struct berr *err)
{
	struct image_load_opts opts = { .tag = "rootfs-test:1", .arch = board_arch() };
	struct image_list loaded = { 0 };
	char cmd[4096], layout[128];
	int r;

	snprintf(cmd, sizeof(cmd), make_layout, s->root,
		 strcmp(board_arch(), "x86_64") ? "arm64" : "amd64");
	if (system(cmd) != 0)
		return berr_set(err, 0, "making the OCI layout failed");
	snprintf(layout, sizeof(layout), "%s/layout", s->root);
	r = image_load(paths, layout, &opts, &loaded, err);
	image_list_free(&loaded);
	return r;
}

TEST(prepare_and_release_by_image_reference)
{
	struct image_rootfs_opts opts = { .size_bytes = 1 << 20 };
	struct paths paths;
	struct berr err = { 0 };
	struct image_info info = { 0 };
	struct site s;
	char *rootfs = NULL, *again = NULL, *other = NULL, *record = NULL;
	char want[256], path[PATH_MAX];

	if (!can_mount())
		return;
	site_make(&s, "unused");
	CHECK(paths_init(&paths, s.root, &err) == 0);
	CHECK(load_test_image(&s, &paths, &err) == 0);
	CHECK_STR(err.msg, "");
	CHECK(image_resolve(&paths, "rootfs-test:1", &info, NULL, 0, &err) == 0);

	CHECK(image_rootfs_prepare(&paths, "rootfs-test:1", "t1", &opts, &rootfs, &err) == 0);
	CHECK_STR(err.msg, "");
	snprintf(path, sizeof(path), "%s/rootfs/t1/merged", paths.state);
	CHECK_STR(rootfs, path);
	CHECK(rootfs && file_is(rootfs, "etc/hostname", "board\n"));
	/* the record image rm reads: manifest digest, then the reference */
	snprintf(path, sizeof(path), "%s/rootfs/t1/image", paths.state);
	record = fs_read_file(path, 4096, NULL, &err);
	snprintf(want, sizeof(want), "%s\n%s\n", info.digest, info.ref);
	CHECK_STR(record, want);
	CHECK(image_remove(&paths, "rootfs-test:1", &err) == -1);
	CHECK(strstr(err.msg, "t1") != NULL);

	/* a second prepare for the same task fails and leaves the first alone */
	CHECK(image_rootfs_prepare(&paths, "rootfs-test:1", "t1", &opts, &again, &err) == -1);
	CHECK(strstr(err.msg, "task t1: it has a root filesystem already") != NULL && !again);
	CHECK(rootfs && file_is(rootfs, "etc/hostname", "board\n"));
	/* a failed prepare leaves nothing behind */
	CHECK(image_rootfs_prepare(&paths, "missing:1", "t2", &opts, &other, &err) == -1);
	snprintf(path, sizeof(path), "%s/rootfs/t2", paths.state);
	CHECK(access(path, F_OK) == -1 && !other);

	CHECK(image_rootfs_release(&paths, "t1", &err) == 0);
	snprintf(path, sizeof(path), "%s/rootfs/t1", paths.state);
	CHECK(access(path, F_OK) == -1 && !mounted_under(s.root));
	CHECK(image_rootfs_release(&paths, "t1", &err) == 0);
	CHECK(image_remove(&paths, "rootfs-test:1", &err) == 0);
	free(rootfs);
	free(record);
	image_info_clear(&info);
	paths_free(&paths);
	site_remove(&s);
}

TEST(a_task_id_must_be_a_plain_name)
{
	struct paths paths = { .state = "/tmp/berth-rootfs-test-unused" };
	struct image_rootfs_opts opts = { 0 };
	struct berr err = { 0 };
	char *rootfs = NULL;

	CHECK(image_rootfs_prepare(&paths, "busybox:1", "../../etc", &opts, &rootfs, &err) == -1);
	CHECK(strstr(err.msg, "task id \"../../etc\" is not valid") != NULL);
	CHECK(image_rootfs_release(&paths, "a/b", &err) == -1);
	CHECK(image_rootfs_release(&paths, "", &err) == -1);
	CHECK(rootfs == NULL);
}

TEST_MAIN(T(overlay_merges_the_layers_applying_whiteouts_and_opaque_dirs),
	  T(writes_land_in_the_task_and_stop_at_the_size_limit),
	  T(a_readonly_rootfs_refuses_writes),
	  T(teardown_unmounts_and_removes_everything_and_can_repeat),
	  T(hundreds_of_layers_under_a_long_path_fit_one_mount),
	  T(the_copy_fallback_gives_the_same_view), T(prepare_and_release_by_image_reference),
	  T(a_task_id_must_be_a_plain_name))
