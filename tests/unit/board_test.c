/* board: built-in boards, board.json validation and overrides, the kernel
 * feature checks against a faked /proc, /sys and /lib/modules. */
#include <ftw.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>

#include "board/board_builtin.h"
#include "board/board_private.h"
#include "harness.h"

#if defined(__aarch64__)
#define OTHER_ARCH "x86_64"
#define NATIVE_BOARD "qemu-virt"
#else
#define OTHER_ARCH "arm64"
#define NATIVE_BOARD "pc"
#endif

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st, (void)flag, (void)ftw;
	return remove(path);
}

static void rm_rf(const char *dir)
{
	nftw(dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static char *make_tmpdir(void)
{
	char *dir = strdup("/tmp/board_test.XXXXXX");

	return dir && mkdtemp(dir) ? dir : NULL;
}

/* Writes root/rel, creating its folders. */
static void put(const char *root, const char *rel, const char *text)
{
	struct berr err = { 0 };
	char path[4096], *slash;

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	slash = strrchr(path, '/');
	*slash = '\0';
	CHECK(fs_mkdir_p(path, 0755, &err) == 0);
	*slash = '/';
	CHECK(fs_write_atomic(path, text, strlen(text), 0644, &err) == 0);
}

/* Loads the board with root/etc/board.json holding json (NULL: no override). */
static int load_with(const char *json, struct board *b, struct berr *err)
{
	_cleanup_free_ char *root = make_tmpdir();
	struct paths paths;
	int rc;

	if (!root || paths_init(&paths, root, err) < 0)
		return -1;
	if (json)
		put(root, "etc/board.json", json);
	rc = board_load(&paths, b, err);
	paths_free(&paths);
	rm_rf(root);
	return rc;
}

TEST(every_builtin_board_is_complete_and_named_for_its_folder)
{
	CHECK(board_builtins_count >= 5);
	for (size_t i = 0; i < board_builtins_count; i++) {
		_cleanup_cjson_ cJSON *json = cJSON_Parse(board_builtins[i].json);
		struct board_draft d = { 0 };
		struct berr err = { 0 };

		CHECK(json != NULL);
		CHECK(board_json_apply(&d, json, board_builtins[i].name, &err) == 0);
		CHECK(board_json_check_complete(&d, board_builtins[i].name, &err) == 0);
		CHECK_STR(d.board.name, board_builtins[i].name);
		CHECK_STR(d.board.bridge, "berth0");
	}
}

TEST(berth_board_env_picks_a_builtin)
{
	struct board b;
	struct berr err = { 0 };

	setenv("BERTH_BOARD", NATIVE_BOARD, 1);
	CHECK(load_with(NULL, &b, &err) == 0);
	unsetenv("BERTH_BOARD");
	CHECK_STR(b.name, NATIVE_BOARD);
	CHECK_STR(b.source, "BERTH_BOARD");
	CHECK_STR(b.arch, BOARD_BUILD_ARCH);
	CHECK(b.vcpus >= 1);
	CHECK(b.memory_mib >= 64);
}

TEST(berth_board_env_with_unknown_name_lists_the_boards)
{
	struct board b;
	struct berr err = { 0 };

	setenv("BERTH_BOARD", "rpi9", 1);
	CHECK(load_with(NULL, &b, &err) < 0);
	unsetenv("BERTH_BOARD");
	CHECK(strstr(err.msg, "BERTH_BOARD=rpi9") != NULL);
	CHECK(strstr(err.msg, "rpi4") != NULL);
}

TEST(board_of_another_arch_is_refused_naming_both)
{
	struct board b;
	struct berr err = { 0 };

	CHECK(load_with("{\"arch\": \"" OTHER_ARCH "\"}", &b, &err) < 0);
	CHECK(strstr(err.msg, "etc/board.json") != NULL);
	CHECK(strstr(err.msg, "is " OTHER_ARCH " but this berth is built for " BOARD_BUILD_ARCH));
}

TEST(override_changes_only_the_fields_it_names)
{
	struct board b;
	struct berr err = { 0 };

	setenv("BERTH_BOARD", NATIVE_BOARD, 1);
	CHECK(load_with("{\"subnet\": \"10.99.0.0/16\", \"nat\": false}", &b, &err) == 0);
	unsetenv("BERTH_BOARD");
	CHECK_STR(b.source, "override");
	CHECK_STR(b.name, NATIVE_BOARD);
	CHECK_STR(b.subnet, "10.99.0.0/16");
	CHECK(!b.nat);
	CHECK_STR(b.bridge, "berth0");
}

TEST(usable_capacity_is_capacity_less_reserves)
{
	struct board b;
	struct berr err = { 0 };

	/* 512 MiB: below what any machine running the tests has (the VM has
	 * about 977), so the configured size is the one used. */
	CHECK(load_with("{\"vcpus\": 1, \"memory_mib\": 512, \"reserved_cpu_units\": 256,"
			" \"reserved_memory_mib\": 256}",
			&b, &err) == 0);
	CHECK(b.vcpus == 1 && b.vcpus_configured == 1);
	CHECK(b.memory_mib == 512 && b.memory_configured_mib == 512);
	CHECK(board_usable_cpu_units(&b) == 768);
	CHECK(board_usable_memory_mib(&b) == 256);
}

TEST(configured_capacity_above_the_machine_uses_the_machine)
{
	struct board b;
	struct berr err = { 0 };

	CHECK(load_with("{\"vcpus\": 1024, \"memory_mib\": 16777216}", &b, &err) == 0);
	CHECK(b.vcpus_configured == 1024 && b.vcpus >= 1 && b.vcpus < 1024);
	CHECK(b.memory_configured_mib == 16777216 && b.memory_mib < 16777216);
	CHECK(b.vcpus == sysconf(_SC_NPROCESSORS_ONLN));
}

TEST(auto_capacity_is_detected)
{
	struct board b;
	struct berr err = { 0 };

	CHECK(load_with("{\"vcpus\": \"auto\", \"memory_mib\": \"auto\"}", &b, &err) == 0);
	CHECK(b.vcpus_configured == 0 && b.memory_configured_mib == 0);
	CHECK(b.vcpus == sysconf(_SC_NPROCESSORS_ONLN));
	CHECK(b.memory_mib > 64);
}

TEST(reserves_that_leave_nothing_are_refused)
{
	struct board b;
	struct berr err = { 0 };

	CHECK(load_with("{\"vcpus\": 1, \"reserved_cpu_units\": 1024}", &b, &err) < 0);
	CHECK(strstr(err.msg, "reserved_cpu_units 1024 leaves no cpu") != NULL);
	CHECK(load_with("{\"memory_mib\": 512, \"reserved_memory_mib\": 512}", &b, &err) < 0);
	CHECK(strstr(err.msg, "reserved_memory_mib 512 leaves no memory") != NULL);
}

TEST(invalid_fields_are_named_with_what_is_valid)
{
	static const struct {
		const char *json, *field;
	} bad[] = {
		{ "{\"vcpus\": 0}", "vcpus 0 is not valid (valid: 1-1024" },
		{ "{\"vcpus\": 1025}", "vcpus 1025" },
		{ "{\"vcpus\": 1.5}", "vcpus 1.5" },
		{ "{\"vcpus\": \"many\"}", "vcpus \"many\"" },
		{ "{\"memory_mib\": 63}", "memory_mib 63 is not valid (valid: 64-" },
		{ "{\"memory_mib\": true}", "memory_mib true" },
		{ "{\"reserved_cpu_units\": -1}", "reserved_cpu_units -1" },
		{ "{\"reserved_memory_mib\": \"1\"}", "reserved_memory_mib \"1\"" },
		{ "{\"subnet\": \"10.88.0.1/24\"}", "subnet \"10.88.0.1/24\" is not valid" },
		{ "{\"subnet\": \"10.88.0.0/31\"}", "subnet" },
		{ "{\"subnet\": \"10.0.0.0/7\"}", "subnet" },
		{ "{\"subnet\": \"10.88.0/24\"}", "subnet" },
		{ "{\"subnet\": \"300.1.1.0/24\"}", "subnet" },
		{ "{\"subnet\": \"10.88.0.0\"}", "subnet" },
		{ "{\"subnet\": \"10.88.0.0/24x\"}", "subnet" },
		{ "{\"bridge\": \"\"}", "bridge \"\"" },
		{ "{\"bridge\": \"sixteen-chars-xx\"}", "bridge" },
		{ "{\"bridge\": \"a/b\"}", "bridge" },
		{ "{\"bridge\": \"a b\"}", "bridge" },
		{ "{\"bridge\": \"..\"}", "bridge" },
		{ "{\"nat\": \"yes\"}", "nat \"yes\" is not valid (valid: true or false)" },
		{ "{\"arch\": \"riscv64\"}", "arch \"riscv64\"" },
		{ "{\"name\": \"\"}", "name \"\"" },
		{ "{\"name\": \"my board\"}", "name \"my board\"" },
		{ "{\"description\": 7}", "description 7" },
		{ "[1, 2]", "must be a JSON object" },
		{ "{\"vcpus\": ", "not valid JSON" },
	};

	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		struct board b;
		struct berr err = { 0 };

		CHECK(load_with(bad[i].json, &b, &err) < 0);
		CHECK(strstr(err.msg, "etc/board.json: ") != NULL);
		if (!strstr(err.msg, bad[i].field)) {
			fprintf(stderr, "  %s: \"%s\" does not name \"%s\"\n", bad[i].json, err.msg,
				bad[i].field);
			CHECK(false);
		}
	}
}

TEST(valid_subnets_and_bridges_load)
{
	static const char *good[] = {
		"{\"subnet\": \"10.0.0.0/8\"}",
		"{\"subnet\": \"192.168.7.252/30\"}",
		"{\"subnet\": \"172.16.0.0/12\", \"bridge\": \"br-tasks.15\"}",
		"{\"bridge\": \"fifteen-chars-x\", \"name\": \"lab_board-2.1\"}",
	};

	for (size_t i = 0; i < ARRAY_SIZE(good); i++) {
		struct board b;
		struct berr err = { 0 };

		CHECK(load_with(good[i], &b, &err) == 0);
	}
}

TEST(unknown_fields_are_ignored)
{
	struct board b;
	struct berr err = { 0 };
	enum log_level level = log_get_level();

	log_set_level(LOG_QUIET);
	CHECK(load_with("{\"colour\": \"red\", \"bridge\": \"br9\"}", &b, &err) == 0);
	log_set_level(level);
	CHECK_STR(b.bridge, "br9");
}

TEST(raspberry_pi_models_name_their_board)
{
	CHECK_STR(board_name_for_model("Raspberry Pi 4 Model B Rev 1.4"), "rpi4");
	CHECK_STR(board_name_for_model("Raspberry Pi 400 Rev 1.0"), "rpi4");
	CHECK_STR(board_name_for_model("Raspberry Pi Compute Module 4 Rev 1.0"), "rpi4");
	CHECK_STR(board_name_for_model("Raspberry Pi 5 Model B Rev 1.0"), "rpi5");
	CHECK_STR(board_name_for_model("Raspberry Pi Compute Module 5 Rev 1.0"), "rpi5");
	CHECK(board_name_for_model("Raspberry Pi 3 Model B Plus Rev 1.3") == NULL);
	CHECK(board_name_for_model("linux,dummy-virt") == NULL);
	CHECK(board_name_for_model("") == NULL);
}

TEST(cgroup_controller_lists_match_whole_words)
{
	struct board_cgroups cg = { .mode = CGROUP_MODE_V2, .controllers = "cpuset cpuacct memory" };

	CHECK(!board_cgroups_has(&cg, "cpu"));
	CHECK(board_cgroups_has(&cg, "cpuset"));
	CHECK(board_cgroups_has(&cg, "memory"));
	CHECK(!board_cgroups_has(&cg, "mem"));
	CHECK(!board_cgroups_has(&cg, ""));
	CHECK_STR(cgroup_mode_name(CGROUP_MODE_HYBRID), "hybrid");
	CHECK_STR(cgroup_mode_name(CGROUP_MODE_V2), "v2");
}

static const struct board_check *find_check(const struct board_check *c, size_t n,
					    const char *feature)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(c[i].feature, feature) == 0)
			return &c[i];
	return NULL;
}

static void state_is(const struct board_check *c, size_t n, const char *feature,
		     enum board_check_state state, const char *detail)
{
	const struct board_check *check = find_check(c, n, feature);

	CHECK(check != NULL);
	if (!check)
		return;
	if (check->state != state || !strstr(check->detail, detail)) {
		fprintf(stderr, "  %s: %s \"%s\", expected %s \"%s\"\n", feature,
			board_check_state_name(check->state), check->detail,
			board_check_state_name(state), detail);
		CHECK(false);
	}
}

/* A machine's /proc, /sys and /lib/modules under root: every namespace but
 * user, memory switched off at boot (as Raspberry Pi OS does by default). */
static void fake_machine(const char *root, const char *release)
{
	static const char *ns[] = { "mnt", "pid", "net", "uts", "ipc", "cgroup" };
	char rel[512];

	for (size_t i = 0; i < ARRAY_SIZE(ns); i++) {
		snprintf(rel, sizeof(rel), "proc/self/ns/%s", ns[i]);
		put(root, rel, "");
	}
	put(root, "proc/cgroups",
	    "#subsys_name\thierarchy\tnum_cgroups\tenabled\n"
	    "cpu\t0\t1\t1\nmemory\t0\t1\t0\npids\t0\t1\t1\n");
	put(root, "proc/filesystems", "nodev\tsysfs\nnodev\ttmpfs\n\text4\n");
	put(root, "sys/module/veth/refcnt", "0\n");
	snprintf(rel, sizeof(rel), "lib/modules/%s/modules.builtin", release);
	put(root, rel, "kernel/net/bridge/bridge.ko\n");
	snprintf(rel, sizeof(rel), "lib/modules/%s/modules.dep", release);
	put(root, rel,
	    "kernel/fs/overlayfs/overlay.ko.xz:\n"
	    "kernel/net/netfilter/nf_tables.ko.xz: kernel/net/netfilter/nfnetlink.ko.xz\n");
}

TEST(kernel_checks_say_what_is_missing_and_what_to_do)
{
	_cleanup_free_ char *root = make_tmpdir();
	struct board_cgroups cg = { .mode = CGROUP_MODE_V2, .controllers = "cpu pids" };
	struct board_check c[BOARD_CHECKS_MAX];
	struct utsname u;
	size_t n;

	CHECK(root && uname(&u) == 0);
	fake_machine(root, u.release);
	n = board_check_kernel_at(root, &cg, c, ARRAY_SIZE(c));
	CHECK(n == 14);
	state_is(c, n, "pid namespace", BOARD_CHECK_OK, "");
	state_is(c, n, "user namespace", BOARD_CHECK_MISSING, "CONFIG_USER_NS");
	state_is(c, n, "cpu controller", BOARD_CHECK_OK, "");
	state_is(c, n, "memory controller", BOARD_CHECK_MISSING, "cgroup_enable=memory");
	state_is(c, n, "overlayfs", BOARD_CHECK_LOADABLE, "modprobe overlay");
#ifdef CONFIG_NET
	state_is(c, n, "veth", BOARD_CHECK_OK, "");
	state_is(c, n, "bridge", BOARD_CHECK_OK, "");
#else
	state_is(c, n, "veth", BOARD_CHECK_SKIPPED, "CONFIG_NET");
#endif
#ifdef CONFIG_FIREWALL
	state_is(c, n, "nf_tables", BOARD_CHECK_LOADABLE, "modprobe nf_tables");
#else
	state_is(c, n, "nf_tables", BOARD_CHECK_SKIPPED, "CONFIG_FIREWALL");
#endif
	/* The user namespace is optional and a loadable module loads itself. */
	CHECK(board_checks_missing(c, n) == 1);
	rm_rf(root);
}

TEST(kernel_checks_without_module_lists_look_in_kallsyms)
{
	_cleanup_free_ char *root = make_tmpdir();
	struct board_cgroups cg = { .mode = CGROUP_MODE_V2, .controllers = "cpu memory pids" };
	struct board_check c[BOARD_CHECKS_MAX];
	size_t n;

	CHECK(root != NULL);
	put(root, "proc/kallsyms",
	    "ffffffff81e083e0 t veth_newlink\n"
	    "ffffffff81fbdf20 T nft_register_expr.part.0\n"
	    "ffffffff81fbdf20 t br_dev_xmit_hook\n");
	n = board_check_kernel_at(root, &cg, c, ARRAY_SIZE(c));
	state_is(c, n, "mount namespace", BOARD_CHECK_MISSING, "CONFIG_NAMESPACES");
	state_is(c, n, "memory controller", BOARD_CHECK_OK, "");
	state_is(c, n, "overlayfs", BOARD_CHECK_MISSING, "CONFIG_OVERLAY_FS");
#ifdef CONFIG_NET
	state_is(c, n, "veth", BOARD_CHECK_OK, "");
	state_is(c, n, "bridge", BOARD_CHECK_MISSING, "CONFIG_BRIDGE");
#endif
#ifdef CONFIG_FIREWALL
	state_is(c, n, "nf_tables", BOARD_CHECK_OK, "");
#endif
	rm_rf(root);
}

TEST(controller_fixes_follow_the_cgroup_mode)
{
	_cleanup_free_ char *root = make_tmpdir();
	struct board_cgroups unknown = { .mode = CGROUP_MODE_UNKNOWN };
	struct board_cgroups v1 = { .mode = CGROUP_MODE_V1, .controllers = "cpu" };
	struct board_cgroups v2 = { .mode = CGROUP_MODE_V2, .controllers = "cpu" };
	struct board_check c[BOARD_CHECKS_MAX];
	size_t n;

	CHECK(root != NULL);
	put(root, "proc/cgroups", "#subsys_name\thierarchy\tnum_cgroups\tenabled\n"
				  "cpu\t3\t1\t1\nmemory\t0\t1\t1\npids\t5\t1\t1\n");
	n = board_check_kernel_at(root, &unknown, c, ARRAY_SIZE(c));
	state_is(c, n, "cpu controller", BOARD_CHECK_MISSING, "no cgroup file system");
	n = board_check_kernel_at(root, &v1, c, ARRAY_SIZE(c));
	state_is(c, n, "cpu controller", BOARD_CHECK_OK, "");
	state_is(c, n, "memory controller", BOARD_CHECK_MISSING, "mount -t cgroup -o memory");
	n = board_check_kernel_at(root, &v2, c, ARRAY_SIZE(c));
	state_is(c, n, "pids controller", BOARD_CHECK_MISSING, "cgroup_no_v1=all");
	put(root, "proc/cgroups", "cpu\t0\t1\t1\n");
	n = board_check_kernel_at(root, &v2, c, ARRAY_SIZE(c));
	state_is(c, n, "pids controller", BOARD_CHECK_MISSING, "CONFIG_CGROUP_PIDS");
	rm_rf(root);
}

TEST(check_output_is_bounded_by_max)
{
	struct board_cgroups cg = { .mode = CGROUP_MODE_V2 };
	struct board_check c[3];

	CHECK(board_check_kernel_at("/nonexistent", &cg, c, ARRAY_SIZE(c)) == 3);
}

TEST_MAIN(T(every_builtin_board_is_complete_and_named_for_its_folder),
	  T(berth_board_env_picks_a_builtin), T(berth_board_env_with_unknown_name_lists_the_boards),
	  T(board_of_another_arch_is_refused_naming_both), T(override_changes_only_the_fields_it_names),
	  T(usable_capacity_is_capacity_less_reserves),
	  T(configured_capacity_above_the_machine_uses_the_machine), T(auto_capacity_is_detected),
	  T(reserves_that_leave_nothing_are_refused), T(invalid_fields_are_named_with_what_is_valid),
	  T(valid_subnets_and_bridges_load), T(unknown_fields_are_ignored),
	  T(raspberry_pi_models_name_their_board), T(cgroup_controller_lists_match_whole_words),
	  T(kernel_checks_say_what_is_missing_and_what_to_do),
	  T(kernel_checks_without_module_lists_look_in_kallsyms),
	  T(controller_fixes_follow_the_cgroup_mode), T(check_output_is_bounded_by_max))
