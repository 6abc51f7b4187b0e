#include <errno.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "harness.h"
#include "lib/lib.h"

static char *make_tmpdir(void)
{
	char tmpl[] = "/tmp/berth-lib-test.XXXXXX";
	char *d = mkdtemp(tmpl);

	return d ? strdup(d) : NULL;
}

TEST(berr_prefix_adds_context_outermost_first)
{
	struct berr err = { 0 };

	CHECK(berr_set(&err, 0, "field %s is bad", "cpu") == -1);
	berr_prefix(&err, "task.json");
	berr_prefix(&err, "load");
	CHECK_STR(err.msg, "load: task.json: field cpu is bad");
}

TEST(berr_sys_appends_strerror_and_keeps_errno)
{
	struct berr err = { 0 };

	errno = ENOENT;
	berr_sys(&err, "open %s", "/nope");
	CHECK(err.code == ENOENT);
	CHECK_STR(err.msg, "open /nope: No such file or directory");
}

TEST(berr_prefix_truncates_instead_of_overflowing)
{
	struct berr err = { 0 };
	char longctx[2000];

	memset(longctx, 'x', sizeof(longctx) - 1);
	longctx[sizeof(longctx) - 1] = '\0';
	berr_set(&err, 0, "inner");
	berr_prefix(&err, "%s", longctx);
	CHECK(strlen(err.msg) == sizeof(err.msg) - 1);
}

TEST(str_to_long_rejects_garbage_and_range)
{
	long v = 0;

	CHECK(str_to_long("42", 0, 100, &v) == 0 && v == 42);
	CHECK(str_to_long("42x", 0, 100, &v) == -1);
	CHECK(str_to_long("", 0, 100, &v) == -1);
	CHECK(str_to_long("101", 0, 100, &v) == -1);
	CHECK(str_to_long("-1", 0, 100, &v) == -1);
	CHECK(str_to_long("99999999999999999999", 0, 100, &v) == -1);
}

TEST(str_prefix_and_suffix)
{
	CHECK(str_starts_with("sha256:ab", "sha256:"));
	CHECK(!str_starts_with("sha25", "sha256:"));
	CHECK(str_ends_with("x.task.json", ".json"));
	CHECK(!str_ends_with("json", ".json"));
}

TEST(atomic_write_then_read_back)
{
	struct berr err = { 0 };
	_cleanup_free_ char *dir = make_tmpdir();
	_cleanup_free_ char *sub = NULL, *file = NULL, *back = NULL;
	struct stat st;
	size_t len = 0;

	CHECK(dir != NULL);
	sub = str_printf(&err, "%s/a/b/c", dir);
	CHECK(fs_mkdir_p(sub, 0755, &err) == 0);
	CHECK(fs_mkdir_p(sub, 0755, &err) == 0);
	file = str_printf(&err, "%s/state.json", sub);
	CHECK(fs_write_atomic(file, "{\"a\":1}", 7, 0600, &err) == 0);
	CHECK(fs_write_atomic(file, "{\"a\":2}", 7, 0600, &err) == 0);
	back = fs_read_file(file, 1024, &len, &err);
	CHECK_STR(back, "{\"a\":2}");
	CHECK(len == 7);
	CHECK(stat(file, &st) == 0 && (st.st_mode & 0777) == 0600);
	CHECK(fs_exists(file));
	unlink(file);
	rmdir(sub);
	*strrchr(sub, '/') = '\0';
	rmdir(sub);
	*strrchr(sub, '/') = '\0';
	rmdir(sub);
	rmdir(dir);
}

TEST(read_file_enforces_size_limit_and_names_file)
{
	struct berr err = { 0 };
	_cleanup_free_ char *dir = make_tmpdir();
	_cleanup_free_ char *file = str_printf(&err, "%s/big", dir);
	char data[10000];

	memset(data, 'a', sizeof(data));
	CHECK(fs_write_atomic(file, data, sizeof(data), 0644, &err) == 0);
	CHECK(fs_read_file(file, 100, NULL, &err) == NULL);
	CHECK(strstr(err.msg, file) != NULL);
	CHECK(strstr(err.msg, "larger than 100 bytes") != NULL);
	CHECK(fs_read_file("/nonexistent/x", 100, NULL, &err) == NULL);
	CHECK(err.code == ENOENT);
	unlink(file);
	rmdir(dir);
}

TEST(json_parse_file_reports_line_of_error)
{
	struct berr err = { 0 };
	_cleanup_free_ char *dir = make_tmpdir();
	_cleanup_free_ char *file = str_printf(&err, "%s/bad.json", dir);
	const char *text = "{\n  \"a\": 1,\n  \"b\": ,\n}\n";
	_cleanup_cjson_ cJSON *ok = NULL;

	CHECK(fs_write_atomic(file, text, strlen(text), 0644, &err) == 0);
	CHECK(json_parse_file(file, 4096, &err) == NULL);
	CHECK(strstr(err.msg, "not valid JSON (line 3") != NULL);
	CHECK(fs_write_atomic(file, "{\"Cpu\":1,\"cpu\":2}", 17, 0644, &err) == 0);
	ok = json_parse_file(file, 4096, &err);
	CHECK(ok != NULL);
	CHECK(json_get(ok, "cpu") && json_get(ok, "cpu")->valueint == 2);
	CHECK(json_get(ok, "CPU") == NULL);
	unlink(file);
	rmdir(dir);
}

TEST(json_describe_renders_each_type)
{
	char buf[80];
	_cleanup_cjson_ cJSON *arr = cJSON_CreateArray();
	_cleanup_cjson_ cJSON *num = cJSON_CreateNumber(1.5);
	_cleanup_cjson_ cJSON *str = cJSON_CreateString("x");

	CHECK_STR(json_describe(num, buf, sizeof(buf)), "1.5");
	CHECK_STR(json_describe(str, buf, sizeof(buf)), "\"x\"");
	CHECK_STR(json_describe(arr, buf, sizeof(buf)), "an array");
	CHECK_STR(json_describe(NULL, buf, sizeof(buf)), "nothing");
}

TEST(paths_follow_root)
{
	struct berr err = { 0 };
	struct paths p;

	CHECK(paths_init(&p, "/tmp/r", &err) == 0);
	CHECK_STR(p.state, "/tmp/r/lib");
	CHECK_STR(p.etc, "/tmp/r/etc");
	paths_free(&p);
	CHECK(paths_init(&p, NULL, &err) == 0);
	CHECK_STR(p.state, "/var/lib/berth");
	CHECK_STR(p.run, "/run/berth");
	paths_free(&p);
}

TEST(sha256_matches_known_vectors)
{
	struct sha256 h;
	char hex[65];

	sha256_begin(&h);
	sha256_end_hex(&h, hex);
	CHECK_STR(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	sha256_begin(&h);
	sha256_add(&h, "ab", 2);
	sha256_add(&h, "c", 1);
	sha256_end_hex(&h, hex);
	CHECK_STR(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(digest_parse_accepts_only_lowercase_sha256)
{
	struct berr err = { 0 };
	char hex[65];
	const char *good = "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

	CHECK(digest_parse(good, hex, &err) == 0);
	CHECK_STR(hex, good + 7);
	CHECK(digest_parse("sha256:E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855", hex, &err) == -1);
	CHECK(digest_parse("sha256:../../../../etc/passwd", hex, &err) == -1);
	CHECK(strstr(err.msg, "not 64 lowercase hex") != NULL);
	CHECK(digest_parse("sha512:abcd", hex, &err) == -1);
	CHECK(digest_parse("sha256:e3b0", hex, &err) == -1);
}

TEST_MAIN(T(sha256_matches_known_vectors), T(digest_parse_accepts_only_lowercase_sha256), T(berr_prefix_adds_context_outermost_first), T(berr_sys_appends_strerror_and_keeps_errno),
	  T(berr_prefix_truncates_instead_of_overflowing), T(str_to_long_rejects_garbage_and_range),
	  T(str_prefix_and_suffix), T(atomic_write_then_read_back),
	  T(read_file_enforces_size_limit_and_names_file), T(json_parse_file_reports_line_of_error),
	  T(json_describe_renders_each_type), T(paths_follow_root))
