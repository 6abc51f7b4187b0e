/* Layer extraction: layers are written here with libarchive's writer, then
 * extracted with layer_extract and checked on disk. Ownership, device nodes
 * and trusted.* xattrs need root; without it those checks are skipped. */
#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/capability.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "harness.h"
#include "image/image_layer.h"

#define MTIME 1600000000

static bool is_root(void)
{
	static int said;

	if (geteuid() == 0)
		return true;
	if (!said++)
		printf("note: not root: ownership, device and trusted.* xattr checks skipped\n");
	return false;
}

/* ---- writing layers ----------------------------------------------------- */

struct layer {
	struct archive *a;
	int fd;
};

static void layer_begin_as(struct layer *l, int filter, bool ustar)
{
	l->fd = memfd_create("layer", MFD_CLOEXEC);
	l->a = archive_write_new();
	if (ustar)
		archive_write_set_format_ustar(l->a);
	else
		archive_write_set_format_pax_restricted(l->a);
	if (filter == ARCHIVE_FILTER_GZIP)
		archive_write_add_filter_gzip(l->a);
	else if (filter == ARCHIVE_FILTER_ZSTD)
		archive_write_add_filter_zstd(l->a);
	else if (filter == ARCHIVE_FILTER_XZ)
		archive_write_add_filter_xz(l->a);
	CHECK(l->fd >= 0 && archive_write_open_fd(l->a, l->fd) == ARCHIVE_OK);
}

static void layer_begin(struct layer *l)
{
	layer_begin_as(l, ARCHIVE_FILTER_GZIP, false);
}

static struct archive_entry *entry_new(const char *path, mode_t type, mode_t perm)
{
	struct archive_entry *e = archive_entry_new();

	archive_entry_set_pathname(e, path);
	archive_entry_set_filetype(e, type);
	archive_entry_set_perm(e, perm);
	archive_entry_set_mtime(e, MTIME, 0);
	return e;
}

static void entry_put(struct layer *l, struct archive_entry *e, const void *data, size_t size)
{
	if (archive_entry_filetype(e) == AE_IFREG && !archive_entry_hardlink(e))
		archive_entry_set_size(e, (la_int64_t)size);
	if (archive_write_header(l->a, e) != ARCHIVE_OK)
		fprintf(stderr, "  write header %s: %s\n", archive_entry_pathname(e),
			archive_error_string(l->a));
	if (size)
		CHECK(archive_write_data(l->a, data, size) == (la_ssize_t)size);
	archive_entry_free(e);
}

static void add_file(struct layer *l, const char *path, const char *content)
{
	entry_put(l, entry_new(path, AE_IFREG, 0644), content, strlen(content));
}

static void add_dir(struct layer *l, const char *path, mode_t perm)
{
	entry_put(l, entry_new(path, AE_IFDIR, perm), NULL, 0);
}

static void add_symlink(struct layer *l, const char *path, const char *target)
{
	struct archive_entry *e = entry_new(path, AE_IFLNK, 0777);

	archive_entry_set_symlink(e, target);
	entry_put(l, e, NULL, 0);
}

static void add_hardlink(struct layer *l, const char *path, const char *target)
{
	struct archive_entry *e = entry_new(path, AE_IFREG, 0644);

	archive_entry_set_hardlink(e, target);
	entry_put(l, e, NULL, 0);
}

static void add_node(struct layer *l, const char *path, mode_t type, dev_t dev)
{
	struct archive_entry *e = entry_new(path, type, 0620);

	archive_entry_set_rdev(e, dev);
	entry_put(l, e, NULL, 0);
}

/* Finishes the layer; returns its fd, rewound. */
static int layer_end(struct layer *l)
{
	CHECK(archive_write_close(l->a) == ARCHIVE_OK);
	archive_write_free(l->a);
	lseek(l->fd, 0, SEEK_SET);
	return l->fd;
}

/* ---- a place to extract to, with a sentinel next to it ------------------ */

struct box {
	char root[64];
	char layer[96];
	char outside[96];
};

static void box_make(struct box *b)
{
	char sentinel[128];
	FILE *f;

	snprintf(b->root, sizeof(b->root), "/tmp/berth-extract-test.XXXXXX");
	CHECK(mkdtemp(b->root) != NULL);
	snprintf(b->layer, sizeof(b->layer), "%s/layer", b->root);
	snprintf(b->outside, sizeof(b->outside), "%s/outside", b->root);
	CHECK(mkdir(b->layer, 0755) == 0 && mkdir(b->outside, 0755) == 0);
	snprintf(sentinel, sizeof(sentinel), "%s/sentinel", b->outside);
	f = fopen(sentinel, "w");
	CHECK(f && fputs("keep", f) >= 0 && fclose(f) == 0);
	CHECK(chmod(sentinel, 0644) == 0);
}

static void box_remove(struct box *b)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", b->root);
	CHECK(system(cmd) == 0);
}

/* Only the sentinel, unchanged. */
static bool outside_untouched(const struct box *b)
{
	char cmd[1024];

	snprintf(cmd, sizeof(cmd),
		 "test \"$(ls -A '%s')\" = sentinel && test \"$(cat '%s/sentinel')\" = keep && "
		 "test \"$(stat -c %%a '%s/sentinel')\" = 644 && test ! -e /tmp/berth-pwned && "
		 "test \"$(stat -c %%a '%s')\" = 755",
		 b->outside, b->outside, b->outside, b->outside);
	return system(cmd) == 0;
}

static char *at(const struct box *b, const char *rel)
{
	static char path[4][PATH_MAX];
	static int i;

	i = (i + 1) % 4;
	snprintf(path[i], sizeof(path[i]), "%s/%s", b->layer, rel);
	return path[i];
}

static bool file_is(const char *path, const char *content)
{
	char buf[256];
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	ssize_t n = fd >= 0 ? read(fd, buf, sizeof(buf) - 1) : -1;

	if (fd >= 0)
		close(fd);
	if (n < 0)
		return false;
	buf[n] = '\0';
	return strcmp(buf, content) == 0;
}

static bool is_whiteout(const char *path)
{
	struct stat st;

	return lstat(path, &st) == 0 && S_ISCHR(st.st_mode) && st.st_rdev == makedev(0, 0);
}

static bool is_opaque(const char *path)
{
	char v[4];

	return getxattr(path, "trusted.overlay.opaque", v, sizeof(v)) == 1 && v[0] == 'y';
}

static int extract_as(int fd, enum layer_compression comp, const struct box *b, uint64_t max,
		      struct layer_result *res, struct berr *err)
{
	struct layer_result scratch;

	berr_clear(err);
	return layer_extract(fd, comp, b->layer, max, res ? res : &scratch, err);
}

static int extract(int fd, const struct box *b, struct berr *err)
{
	return extract_as(fd, LAYER_GZIP, b, 0, NULL, err);
}

/* ---- media types -------------------------------------------------------- */

TEST(media_types_map_to_their_compression)
{
	static const struct {
		const char *type;
		enum layer_compression comp;
	} cases[] = {
		{ "application/vnd.oci.image.layer.v1.tar", LAYER_TAR },
		{ "application/vnd.oci.image.layer.v1.tar+gzip", LAYER_GZIP },
		{ "application/vnd.oci.image.layer.v1.tar+zstd", LAYER_ZSTD },
		{ "application/vnd.oci.image.layer.nondistributable.v1.tar", LAYER_TAR },
		{ "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip", LAYER_GZIP },
		{ "application/vnd.oci.image.layer.nondistributable.v1.tar+zstd", LAYER_ZSTD },
		{ "application/vnd.docker.image.rootfs.diff.tar", LAYER_TAR },
		{ "application/vnd.docker.image.rootfs.diff.tar.gzip", LAYER_GZIP },
		{ "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip", LAYER_GZIP },
	};
	struct berr err = { 0 };

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		enum layer_compression comp = LAYER_AUTO;

		CHECK(layer_compression_from_media_type(cases[i].type, &comp, &err) == 0);
		CHECK(comp == cases[i].comp);
	}
}

TEST(unknown_media_type_is_refused_by_name)
{
	struct berr err = { 0 };
	enum layer_compression comp;

	CHECK(layer_compression_from_media_type("application/x-rar", &comp, &err) == -1);
	CHECK(strstr(err.msg, "\"application/x-rar\" is not supported") != NULL);
}

/* ---- content and metadata ----------------------------------------------- */

TEST(files_directories_and_their_metadata_are_kept)
{
	struct vfs_cap_data cap = { .magic_etc = VFS_CAP_REVISION_2 | VFS_CAP_FLAGS_EFFECTIVE };
	struct box b;
	struct layer l;
	struct archive_entry *e;
	struct berr err;
	struct stat st;
	char v[64];

	cap.data[0].permitted = 1u << CAP_NET_BIND_SERVICE;
	box_make(&b);
	layer_begin(&l);
	e = entry_new("./etc/", AE_IFDIR, 0750);
	archive_entry_set_uid(e, 2);
	archive_entry_set_gid(e, 3);
	entry_put(&l, e, NULL, 0);
	add_file(&l, "./etc/hostname", "board\n");
	e = entry_new("./bin/su", AE_IFREG, 04755);
	archive_entry_set_uid(e, 1000);
	archive_entry_set_gid(e, 1001);
	archive_entry_xattr_add_entry(e, "user.origin", "test", 4);
	entry_put(&l, e, "su", 2);
	e = entry_new("bin/ping", AE_IFREG, 0755);
	archive_entry_xattr_add_entry(e, "security.capability", &cap, sizeof(cap));
	entry_put(&l, e, "ping", 4);
	add_dir(&l, "tmp", 01777);
	add_file(&l, "usr/lib/deep/lib.so", "so"); /* no directory entries before it */
	CHECK(extract(layer_end(&l), &b, &err) == 0);
	CHECK_STR(err.msg, "");

	CHECK(file_is(at(&b, "etc/hostname"), "board\n"));
	CHECK(stat(at(&b, "etc"), &st) == 0 && (st.st_mode & 07777) == 0750);
	/* the directory's time is set after its content was written */
	CHECK(st.st_mtime == MTIME);
	CHECK(stat(at(&b, "bin/su"), &st) == 0 && (st.st_mode & 07777) == 04755 && st.st_mtime == MTIME);
	CHECK(stat(at(&b, "tmp"), &st) == 0 && (st.st_mode & 07777) == 01777);
	CHECK(getxattr(at(&b, "bin/su"), "user.origin", v, sizeof(v)) == 4 && !memcmp(v, "test", 4));
	CHECK(file_is(at(&b, "usr/lib/deep/lib.so"), "so"));
	CHECK(stat(at(&b, "usr/lib"), &st) == 0 && S_ISDIR(st.st_mode) && st.st_uid == geteuid());
	if (is_root()) {
		CHECK(stat(at(&b, "etc"), &st) == 0 && st.st_uid == 2 && st.st_gid == 3);
		CHECK(stat(at(&b, "bin/su"), &st) == 0 && st.st_uid == 1000 && st.st_gid == 1001);
		CHECK(getxattr(at(&b, "bin/ping"), "security.capability", v, sizeof(v)) ==
		      (ssize_t)sizeof(cap));
	}
	box_remove(&b);
}

TEST(symlinks_hardlinks_and_device_nodes)
{
	struct box b;
	struct layer l;
	struct berr err;
	struct stat st1, st2;
	char target[64] = "";

	box_make(&b);
	layer_begin(&l);
	add_file(&l, "bin/busybox", "bb");
	add_symlink(&l, "bin/sh", "/bin/busybox");     /* absolute: created, never followed */
	add_symlink(&l, "up", "../../..");
	add_hardlink(&l, "bin/ls", "./bin/busybox");
	add_node(&l, "dev/fifo", AE_IFIFO, 0);
	if (is_root()) {
		struct archive_entry *e = entry_new("owned-link", AE_IFLNK, 0777);

		archive_entry_set_symlink(e, "bin/busybox");
		archive_entry_set_uid(e, 7);
		archive_entry_set_gid(e, 8);
		archive_entry_xattr_add_entry(e, "trusted.berth", "v", 1);
		archive_entry_xattr_add_entry(e, "user.not-on-symlinks", "v", 1);
		entry_put(&l, e, NULL, 0);
		add_node(&l, "dev/null", AE_IFCHR, makedev(1, 3));
		add_node(&l, "dev/loop0", AE_IFBLK, makedev(7, 0));
	}
	CHECK(extract(layer_end(&l), &b, &err) == 0);
	CHECK_STR(err.msg, "");

	CHECK(readlink(at(&b, "bin/sh"), target, sizeof(target) - 1) > 0);
	CHECK_STR(target, "/bin/busybox");
	CHECK(lstat(at(&b, "up"), &st1) == 0 && S_ISLNK(st1.st_mode));
	CHECK(stat(at(&b, "bin/ls"), &st1) == 0 && stat(at(&b, "bin/busybox"), &st2) == 0);
	CHECK(st1.st_ino == st2.st_ino && st1.st_nlink == 2);
	CHECK(lstat(at(&b, "dev/fifo"), &st1) == 0 && S_ISFIFO(st1.st_mode) &&
	      (st1.st_mode & 0777) == 0620);
	if (is_root()) {
		CHECK(lstat(at(&b, "dev/null"), &st1) == 0 && S_ISCHR(st1.st_mode) &&
		      st1.st_rdev == makedev(1, 3));
		CHECK(lstat(at(&b, "dev/loop0"), &st1) == 0 && S_ISBLK(st1.st_mode) &&
		      st1.st_rdev == makedev(7, 0));
		/* the link itself, not bin/busybox, gets the owner and xattr */
		CHECK(lstat(at(&b, "owned-link"), &st1) == 0 && st1.st_uid == 7 && st1.st_gid == 8);
		CHECK(stat(at(&b, "bin/busybox"), &st2) == 0 && st2.st_uid == 0);
		CHECK(lgetxattr(at(&b, "owned-link"), "trusted.berth", target, sizeof(target)) == 1);
		CHECK(getxattr(at(&b, "bin/busybox"), "trusted.berth", target, sizeof(target)) < 0);
	}
	CHECK(outside_untouched(&b));
	box_remove(&b);
}

TEST(sparse_files_keep_their_holes)
{
	static char block[4096];
	struct box b;
	struct layer l;
	struct archive_entry *e;
	struct berr err;
	struct stat st;
	char c = 0;
	int fd;

	box_make(&b);
	layer_begin(&l);
	e = entry_new("sparse", AE_IFREG, 0644);
	archive_entry_set_size(e, 10 << 20);
	archive_entry_sparse_add_entry(e, 0, sizeof(block));
	archive_entry_sparse_add_entry(e, 8 << 20, sizeof(block));
	CHECK(archive_write_header(l.a, e) == ARCHIVE_OK);
	/* the writer takes the whole file and leaves the holes out */
	for (int i = 0; i < (10 << 20) / (int)sizeof(block); i++) {
		memset(block, i == 0 || i == (8 << 20) / (int)sizeof(block) ? 'x' : 0, sizeof(block));
		CHECK(archive_write_data(l.a, block, sizeof(block)) == sizeof(block));
	}
	archive_entry_free(e);
	CHECK(extract(layer_end(&l), &b, &err) == 0);
	CHECK_STR(err.msg, "");
	CHECK(stat(at(&b, "sparse"), &st) == 0 && st.st_size == 10 << 20);
	CHECK(st.st_blocks * 512 < (1 << 20));
	fd = open(at(&b, "sparse"), O_RDONLY | O_CLOEXEC);
	CHECK(pread(fd, &c, 1, 8 << 20) == 1 && c == 'x');
	CHECK(pread(fd, &c, 1, 4 << 20) == 1 && c == 0);
	close(fd);
	box_remove(&b);
}

/* ustar stores names as bytes; pax (as GNU tar and docker write them) as
 * UTF-8, covered by the GNU tar test below. */
TEST(names_that_are_not_ascii_are_kept_as_bytes)
{
	struct box b;
	struct layer l;
	struct berr err;

	box_make(&b);
	layer_begin_as(&l, ARCHIVE_FILTER_GZIP, true);
	add_file(&l, "caf\xc3\xa9/\xe6\x97\xa5\xe6\x9c\xac", "utf8");
	CHECK(extract(layer_end(&l), &b, &err) == 0);
	CHECK_STR(err.msg, "");
	CHECK(file_is(at(&b, "caf\xc3\xa9/\xe6\x97\xa5\xe6\x9c\xac"), "utf8"));
	box_remove(&b);
}

TEST(later_entries_replace_earlier_ones_as_in_tar)
{
	struct box b;
	struct layer l;
	struct berr err;
	struct stat st;

	box_make(&b);
	layer_begin(&l);
	add_file(&l, "dup", "first");
	add_file(&l, "dup", "second");
	add_dir(&l, "x", 0755);
	add_file(&l, "x/inner", "gone");
	add_file(&l, "x", "file now");
	add_file(&l, "y", "file");
	add_dir(&l, "y", 0700);
	add_symlink(&l, "link", b.outside);
	add_file(&l, "link", "replaces the symlink, not its target");
	add_dir(&l, "swap", 0777);        /* its mode is applied at the end ... */
	add_symlink(&l, "swap", b.outside); /* ... but never through this */
	CHECK(extract(layer_end(&l), &b, &err) == 0);
	CHECK_STR(err.msg, "");
	CHECK(file_is(at(&b, "dup"), "second"));
	CHECK(file_is(at(&b, "x"), "file now"));
	CHECK(stat(at(&b, "y"), &st) == 0 && S_ISDIR(st.st_mode) && (st.st_mode & 0777) == 0700);
	CHECK(file_is(at(&b, "link"), "replaces the symlink, not its target"));
	CHECK(outside_untouched(&b));
	box_remove(&b);
}

/* ---- diff_id and compression -------------------------------------------- */

/* sha256 of the blob through a shell command ("gzip -dc", "cat"). */
static bool shell_sha256(int fd, const char *filter, char out[65])
{
	char cmd[160];
	FILE *p;
	bool ok;

	snprintf(cmd, sizeof(cmd), "%s < /proc/%d/fd/%d | sha256sum", filter, (int)getpid(), fd);
	p = popen(cmd, "r");
	if (!p)
		return false;
	ok = fscanf(p, "%64s", out) == 1;
	return pclose(p) == 0 && ok;
}

static int sample_layer(int filter)
{
	struct layer l;

	layer_begin_as(&l, filter, false);
	add_dir(&l, "etc/", 0755);
	add_file(&l, "etc/os-release", "NAME=berth\n");
	add_symlink(&l, "etc/localtime", "/usr/share/zoneinfo/UTC");
	return layer_end(&l);
}

TEST(diff_id_is_the_sha256_of_the_uncompressed_stream)
{
	static const struct {
		int filter;
		enum layer_compression comp;
		const char *decompress;
	} cases[] = {
		{ ARCHIVE_FILTER_NONE, LAYER_TAR, "cat" },
		{ ARCHIVE_FILTER_GZIP, LAYER_GZIP, "gzip -dc" },
		{ ARCHIVE_FILTER_ZSTD, LAYER_ZSTD, "zstd -dc" },
		{ ARCHIVE_FILTER_XZ, LAYER_XZ, "xz -dc" },
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct layer_result res = { 0 };
		struct berr err;
		struct box b;
		char want[65] = "";
		int fd = sample_layer(cases[i].filter);

		box_make(&b);
		CHECK(extract_as(fd, cases[i].comp, &b, 0, &res, &err) == 0);
		CHECK_STR(err.msg, "");
		if (!shell_sha256(fd, cases[i].decompress, want)) {
			printf("note: %s missing: diff_id not compared\n", cases[i].decompress);
		} else {
			CHECK(str_starts_with(res.diff_id, "sha256:"));
			CHECK_STR(res.diff_id + 7, want);
		}
		/* the whole stream, end-of-archive blocks and padding included */
		CHECK(res.uncompressed_bytes % 512 == 0 && res.uncompressed_bytes >= 5 * 512);
		CHECK(file_is(at(&b, "etc/os-release"), "NAME=berth\n"));
		close(fd);
		box_remove(&b);
	}
}

TEST(auto_detects_gzip_zstd_xz_and_plain_tar)
{
	static const int filters[] = { ARCHIVE_FILTER_NONE, ARCHIVE_FILTER_GZIP,
				       ARCHIVE_FILTER_ZSTD, ARCHIVE_FILTER_XZ };
	char first[72] = "";

	for (size_t i = 0; i < ARRAY_SIZE(filters); i++) {
		struct layer_result res = { 0 };
		struct berr err;
		struct box b;
		int fd = sample_layer(filters[i]);

		box_make(&b);
		CHECK(extract_as(fd, LAYER_AUTO, &b, 0, &res, &err) == 0);
		CHECK_STR(err.msg, "");
		CHECK(file_is(at(&b, "etc/os-release"), "NAME=berth\n"));
		if (i == 0)
			snprintf(first, sizeof(first), "%s", res.diff_id);
		CHECK_STR(res.diff_id, first); /* the same tar under each compression */
		close(fd);
		box_remove(&b);
	}
}

TEST(a_layer_not_compressed_as_its_media_type_says_is_refused)
{
	struct berr err;
	struct box b;
	int fd = sample_layer(ARCHIVE_FILTER_NONE);

	box_make(&b);
	CHECK(extract_as(fd, LAYER_GZIP, &b, 0, NULL, &err) == -1);
	CHECK(strstr(err.msg, "the layer is not gzip as its media type says (it is not compressed)") != NULL);
	close(fd);
	box_remove(&b);
}

TEST(a_tar_made_by_gnu_tar_extracts_the_same_tree)
{
	struct layer_result res = { 0 };
	struct berr err;
	struct box b;
	char cmd[1024], want[65] = "";
	int fd;

	box_make(&b);
	snprintf(cmd, sizeof(cmd),
		 "cd %s && mkdir -p src/a/b src/e && echo hi > src/a/b/f && ln -s b/f src/a/l && "
		 "ln src/a/b/f src/a/hard && chmod 0711 src/a && touch -d @%d src/a/b/f && "
		 "echo utf8 > src/e/caf\303\251 && "
		 "tar -C src --format=pax --numeric-owner -czf layer.tgz .",
		 b.root, MTIME);
	CHECK(system(cmd) == 0);
	snprintf(cmd, sizeof(cmd), "%s/layer.tgz", b.root);
	fd = open(cmd, O_RDONLY | O_CLOEXEC);
	CHECK(extract_as(fd, LAYER_GZIP, &b, 0, &res, &err) == 0);
	CHECK_STR(err.msg, "");
	CHECK(shell_sha256(fd, "gzip -dc", want));
	CHECK_STR(res.diff_id + 7, want);
	snprintf(cmd, sizeof(cmd),
		 "cd %s && diff -r --no-dereference src layer && "
		 "test \"$(stat -c '%%a %%Y' src/a src/a/b/f)\" = \"$(stat -c '%%a %%Y' layer/a layer/a/b/f)\" && "
		 "test \"$(stat -c %%i layer/a/b/f)\" = \"$(stat -c %%i layer/a/hard)\"",
		 b.root);
	CHECK(system(cmd) == 0);
	close(fd);
	box_remove(&b);
}

/* ---- whiteouts ----------------------------------------------------------- */

TEST(whiteouts_become_overlay_whiteouts)
{
	struct box b;
	struct layer l;
	struct berr err;

	if (!is_root())
		return;
	box_make(&b);
	layer_begin(&l);
	add_dir(&l, "etc", 0755);
	add_file(&l, "etc/.wh.motd", "");
	add_file(&l, "var/cache/.wh..wh..opq", "");  /* its directory did not appear before */
	add_file(&l, ".wh..wh.plnk", "");            /* aufs metadata: skipped */
	CHECK(extract(layer_end(&l), &b, &err) == 0);
	CHECK_STR(err.msg, "");
	CHECK(is_whiteout(at(&b, "etc/motd")));
	CHECK(access(at(&b, "etc/.wh.motd"), F_OK) == -1);
	CHECK(is_opaque(at(&b, "var/cache")));
	CHECK(!is_opaque(at(&b, "var")));
	CHECK(access(at(&b, ".wh..wh.plnk"), F_OK) == -1 && access(at(&b, "plnk"), F_OK) == -1);
	box_remove(&b);
}

TEST(an_opaque_marker_hides_only_lower_layers_wherever_it_is)
{
	struct box b;
	struct layer l;
	struct berr err;

	if (!is_root())
		return;
	box_make(&b);
	layer_begin(&l);
	add_dir(&l, "d", 0755);
	add_file(&l, "d/before", "same layer");
	add_file(&l, "d/.wh..wh..opq", "");
	add_file(&l, "d/after", "same layer");
	CHECK(extract(layer_end(&l), &b, &err) == 0);
	CHECK(is_opaque(at(&b, "d")));
	CHECK(file_is(at(&b, "d/before"), "same layer"));
	CHECK(file_is(at(&b, "d/after"), "same layer"));
	box_remove(&b);
}

TEST(a_whiteout_never_hides_an_entry_of_its_own_layer)
{
	struct box b;
	struct layer l;
	struct berr err;
	struct stat st;

	if (!is_root())
		return;
	box_make(&b);
	layer_begin(&l);
	add_file(&l, "f", "kept");      /* file, then its whiteout */
	add_file(&l, ".wh.f", "");
	add_file(&l, ".wh.g", "");      /* whiteout, then a file */
	add_file(&l, "g", "kept");
	add_file(&l, ".wh.h", "");      /* whiteout, then a directory */
	add_file(&l, "h/new", "kept");
	add_dir(&l, "i", 0755);         /* directory, then its whiteout */
	add_file(&l, "i/new", "kept");
	add_file(&l, ".wh.i", "");
	CHECK(extract(layer_end(&l), &b, &err) == 0);
	CHECK_STR(err.msg, "");
	CHECK(file_is(at(&b, "f"), "kept") && file_is(at(&b, "g"), "kept"));
	/* a directory replacing the lower one: its lower content stays hidden */
	CHECK(stat(at(&b, "h"), &st) == 0 && S_ISDIR(st.st_mode) && is_opaque(at(&b, "h")));
	CHECK(file_is(at(&b, "h/new"), "kept"));
	CHECK(is_opaque(at(&b, "i")) && file_is(at(&b, "i/new"), "kept"));
	box_remove(&b);
}

/* ---- hostile layers ------------------------------------------------------ */

enum step { FILE_, DIR_, SYMLINK, HARDLINK };

struct hostile {
	const char *what;
	struct {
		enum step kind;
		const char *path;
		const char *target; /* symlink / hardlink target; "@" = the outside dir */
	} steps[3];
	const char *error;
};

static const struct hostile hostile_layers[] = {
	{ "dot-dot", { { FILE_, "../pwned", NULL } }, "entry \"../pwned\": path escapes the layer" },
	{ "dot-dot inside", { { FILE_, "a/../../pwned", NULL } }, "path escapes the layer" },
	{ "absolute", { { FILE_, "/tmp/berth-pwned", NULL } }, "entry \"/tmp/berth-pwned\": absolute path" },
	{ "through an absolute symlink",
	  { { SYMLINK, "link", "@" }, { FILE_, "link/pwned", NULL } },
	  "entry \"link/pwned\": \"link\" is a symlink: a layer may not write through symlinks" },
	{ "through a relative symlink",
	  { { SYMLINK, "rel", "../outside" }, { FILE_, "rel/pwned", NULL } },
	  "\"rel\" is a symlink" },
	{ "through a deeper symlink",
	  { { DIR_, "a", NULL }, { SYMLINK, "a/b", "../.." }, { FILE_, "a/b/outside/pwned", NULL } },
	  "\"a/b\" is a symlink" },
	{ "directory through a symlink",
	  { { SYMLINK, "link", "@" }, { DIR_, "link/sub", NULL } }, "\"link\" is a symlink" },
	{ "hardlink out", { { HARDLINK, "h", "../outside/sentinel" } },
	  "entry \"h\": hardlink target \"../outside/sentinel\": path escapes the layer" },
	{ "hardlink absolute", { { HARDLINK, "h", "/etc/passwd" } }, "absolute path" },
	{ "hardlink through a symlink",
	  { { SYMLINK, "link", "@" }, { HARDLINK, "h", "link/sentinel" } },
	  "hardlink target \"link/sentinel\": \"link\" is a symlink" },
	{ "hardlink to nothing", { { HARDLINK, "h", "missing" } },
	  "hardlink target \"missing\" is not in this layer" },
	{ "whiteout out", { { FILE_, "../outside/.wh.sentinel", NULL } }, "path escapes the layer" },
	{ "whiteout absolute", { { FILE_, "/abs/.wh.x", NULL } }, "absolute path" },
	{ "whiteout dot-dot name", { { FILE_, ".wh...", NULL } }, "whiteout escapes the layer" },
	{ "whiteout through a symlink",
	  { { SYMLINK, "link", "@" }, { FILE_, "link/.wh.sentinel", NULL } }, "\"link\" is a symlink" },
	{ "opaque through a symlink",
	  { { SYMLINK, "link", "@" }, { FILE_, "link/.wh..wh..opq", NULL } }, "\"link\" is a symlink" },
};

static int hostile_layer(const struct hostile *h, const struct box *b)
{
	struct layer l;

	layer_begin(&l);
	for (size_t i = 0; i < ARRAY_SIZE(h->steps) && h->steps[i].path; i++) {
		const char *path = h->steps[i].path, *target = h->steps[i].target;

		if (target && !strcmp(target, "@"))
			target = b->outside;
		switch (h->steps[i].kind) {
		case FILE_:
			add_file(&l, path, "pwned");
			break;
		case DIR_:
			add_dir(&l, path, 0777);
			break;
		case SYMLINK:
			add_symlink(&l, path, target);
			break;
		case HARDLINK:
			add_hardlink(&l, path, target);
			break;
		}
	}
	return layer_end(&l);
}

TEST(hostile_entries_are_refused_and_nothing_outside_changes)
{
	for (size_t i = 0; i < ARRAY_SIZE(hostile_layers); i++) {
		const struct hostile *h = &hostile_layers[i];
		struct berr err;
		struct box b;
		int fd;

		box_make(&b);
		fd = hostile_layer(h, &b);
		if (extract(fd, &b, &err) != -1 || !strstr(err.msg, h->error)) {
			fprintf(stderr, "  %s: got \"%s\"\n", h->what, err.msg);
			CHECK(!"refused with the expected message");
		}
		CHECK(outside_untouched(&b));
		close(fd);
		box_remove(&b);
	}
}

TEST(over_long_names_are_refused)
{
	char name[PATH_MAX + 8];
	struct box b;
	struct layer l;
	struct berr err;

	memset(name, 'a', sizeof(name) - 1);
	name[sizeof(name) - 1] = '\0';
	box_make(&b);
	layer_begin(&l);
	add_file(&l, name, "x");
	CHECK(extract(layer_end(&l), &b, &err) == -1);
	CHECK(strstr(err.msg, "name longer than 4095 bytes") != NULL);
	box_remove(&b);
}

TEST(a_decompression_bomb_stops_at_the_limit)
{
	static char zeros[1 << 20];
	struct box b;
	struct layer l;
	struct archive_entry *e;
	struct berr err;
	struct stat st;

	box_make(&b);
	layer_begin(&l);
	for (int i = 0; i < 64; i++) {  /* each file under the limit, all of them not */
		char name[16];

		snprintf(name, sizeof(name), "bomb%d", i);
		entry_put(&l, entry_new(name, AE_IFREG, 0644), zeros, sizeof(zeros));
	}
	CHECK(extract_as(layer_end(&l), LAYER_GZIP, &b, 4 << 20, NULL, &err) == -1);
	CHECK(strstr(err.msg, "layer exceeds the 4194304-byte uncompressed limit (a decompression bomb?)") != NULL);
	CHECK(stat(at(&b, "bomb3"), &st) == 0 && stat(at(&b, "bomb4"), &st) != 0);
	box_remove(&b);

	/* a sparse file: tiny in the stream, huge once copied */
	box_make(&b);
	layer_begin(&l);
	e = entry_new("sparse-bomb", AE_IFREG, 0644);
	archive_entry_set_size(e, 1ll << 40);
	archive_entry_sparse_add_entry(e, 0, 1);
	CHECK(archive_write_header(l.a, e) == ARCHIVE_OK);
	CHECK(archive_write_data(l.a, "x", 1) == 1);
	archive_entry_free(e);
	CHECK(extract_as(layer_end(&l), LAYER_GZIP, &b, 4 << 20, NULL, &err) == -1);
	CHECK(strstr(err.msg, "a file of 1099511627776 bytes exceeds the 4194304-byte layer limit") != NULL);
	box_remove(&b);
}

TEST(truncated_and_corrupt_layers_fail_with_a_reason)
{
	struct berr err;
	struct box b;
	struct stat st;
	int fd = sample_layer(ARCHIVE_FILTER_GZIP), plain = sample_layer(ARCHIVE_FILTER_NONE);
	int empty = memfd_create("empty", MFD_CLOEXEC);

	box_make(&b);
	CHECK(fstat(fd, &st) == 0 && ftruncate(fd, st.st_size / 2) == 0);
	CHECK(extract_as(fd, LAYER_GZIP, &b, 0, NULL, &err) == -1);
	CHECK(strstr(err.msg, "corrupt or truncated layer: ") != NULL);

	/* a header checksum that no longer matches */
	CHECK(pwrite(plain, "garbage", 7, 100) == 7);
	CHECK(extract_as(plain, LAYER_TAR, &b, 0, NULL, &err) == -1);
	CHECK(err.msg[0] != '\0');

	CHECK(extract_as(empty, LAYER_AUTO, &b, 0, NULL, &err) == -1);
	CHECK(strstr(err.msg, "the layer is empty") != NULL);
	CHECK(pwrite(empty, "not a tar at all, just text that goes on", 40, 0) == 40);
	CHECK(extract_as(empty, LAYER_TAR, &b, 0, NULL, &err) == -1);
	CHECK(strstr(err.msg, "not a tar archive") != NULL);
	close(fd);
	close(plain);
	close(empty);
	box_remove(&b);
}

TEST(default_limit_is_most_of_the_free_space)
{
	struct statvfs vfs;
	uint64_t avail, limit = layer_default_limit("/tmp");

	CHECK(statvfs("/tmp", &vfs) == 0);
	avail = (uint64_t)vfs.f_bavail * vfs.f_frsize;
	CHECK(limit <= LAYER_LIMIT_CAP);
	CHECK(limit == LAYER_LIMIT_CAP || (limit <= avail && limit >= avail / 10 * 8));
	CHECK(layer_default_limit("/nonexistent/dir") == LAYER_LIMIT_CAP);
}

TEST_MAIN(T(media_types_map_to_their_compression), T(unknown_media_type_is_refused_by_name),
	  T(files_directories_and_their_metadata_are_kept), T(symlinks_hardlinks_and_device_nodes),
	  T(sparse_files_keep_their_holes), T(names_that_are_not_ascii_are_kept_as_bytes),
	  T(later_entries_replace_earlier_ones_as_in_tar),
	  T(diff_id_is_the_sha256_of_the_uncompressed_stream),
	  T(auto_detects_gzip_zstd_xz_and_plain_tar),
	  T(a_layer_not_compressed_as_its_media_type_says_is_refused),
	  T(a_tar_made_by_gnu_tar_extracts_the_same_tree), T(whiteouts_become_overlay_whiteouts),
	  T(an_opaque_marker_hides_only_lower_layers_wherever_it_is),
	  T(a_whiteout_never_hides_an_entry_of_its_own_layer),
	  T(hostile_entries_are_refused_and_nothing_outside_changes), T(over_long_names_are_refused),
	  T(a_decompression_bomb_stops_at_the_limit),
	  T(truncated_and_corrupt_layers_fail_with_a_reason),
	  T(default_limit_is_most_of_the_free_space))
