# berth image: load, ls, inspect, resolve, rm, prune; hostile archives; kills.
# Images: $BERTH_IMAGES from rootfs/build.sh; the hostile corpus is made per
# test by tests/image-corpus/make-hostile.sh (busybox tools only).

img() { echo "$BERTH_IMAGES/$(host_arch)/$1"; }

# OCI's name of this machine's architecture, as `image ls` shows it.
oci_arch() { case $(host_arch) in x86_64) echo amd64 ;; *) host_arch ;; esac; }
other_arch() { case $(host_arch) in x86_64) echo arm64 ;; *) echo x86_64 ;; esac; }

# Loading extracts layers with their owners: needs root, and the images.
setup() {
	require_root
	[ -f "$(img busybox-gzip.oci.tar)" ] || skip "no test images in BERTH_IMAGES (make images)"
	root=$(new_root)
	store=$root/lib/images
}

b() { "$BERTH" --root "$root" "$@"; }

count() { ls -A "$1" 2>/dev/null | wc -l | tr -d ' '; }

# Nothing of a failed load: no blobs, layers, staging dirs or images.
assert_store_empty() {
	assert_eq 0 "$(count "$store/blobs/sha256")" "blobs left behind"
	assert_eq 0 "$(count "$store/layers")" "layers left behind"
	assert_eq 0 "$(count "$store/staging")" "staging dirs left behind"
	assert_eq 1 "$(b image ls | wc -l | tr -d ' ')" "image ls lines (the header only)"
}

# ---- loading -------------------------------------------------------------------

test_load_oci_archive_gzip_then_ls_shows_it() {
	setup
	out=$(b image load "$(img busybox-gzip.oci.tar)") || fail "load failed: $out"
	assert_contains "$out" "Loaded image berth-test/busybox:1 (sha256:"
	assert_contains "$out" ", $(oci_arch), "
	ls=$(b image ls)
	assert_contains "$ls" "REFERENCE"
	assert_contains "$ls" "berth-test/busybox:1"
	assert_contains "$ls" "1970-01-01"
	assert_eq 2 "$(count "$store/layers")" "extracted layers"
	assert_eq 0 "$(count "$store/staging")" "staging dirs"
	ls "$store"/layers/*/bin/busybox >/dev/null 2>&1 || fail "no bin/busybox in a layer"
}

test_load_oci_archive_zstd() {
	setup
	require_feature zstd
	out=$(b image load "$(img busybox-zstd.oci.tar)") || fail "load failed: $out"
	assert_contains "$out" "Loaded image berth-test/busybox:1"
}

test_load_from_stdin() {
	setup
	out=$(b image load - <"$(img busybox-gzip.oci.tar)") || fail "load - failed: $out"
	assert_contains "$out" "Loaded image berth-test/busybox:1"
}

test_load_gzip_compressed_archive() {
	setup
	gzip -c "$(img busybox-gzip.oci.tar)" >"$TEST_TMP/busybox.oci.tar.gz"
	out=$(b image load "$TEST_TMP/busybox.oci.tar.gz") || fail "load failed: $out"
	assert_contains "$out" "Loaded image berth-test/busybox:1"
}

test_load_oci_layout_directory() {
	setup
	mkdir "$TEST_TMP/layout"
	tar -C "$TEST_TMP/layout" -xf "$(img whiteout.oci.tar)"
	out=$(b image load "$TEST_TMP/layout") || fail "load failed: $out"
	assert_contains "$out" "Loaded image berth-test/whiteout:1"
}

# Docker 25+ saves an OCI layout plus a legacy manifest.json: index.json
# (with digests) wins over manifest.json (here naming nothing that exists).
test_load_docker25_archive_prefers_index_json() {
	setup
	mkdir "$TEST_TMP/d25"
	tar -C "$TEST_TMP/d25" -xf "$(img busybox-gzip.oci.tar)"
	echo '[{"Config":"blobs/sha256/missing","RepoTags":["wrong/name:1"],"Layers":[]}]' \
		>"$TEST_TMP/d25/manifest.json"
	(cd "$TEST_TMP/d25" && tar -cf ../d25.tar .)
	out=$(b image load "$TEST_TMP/d25.tar") || fail "load failed: $out"
	assert_contains "$out" "Loaded image berth-test/busybox:1"
}

test_load_multi_platform_picks_the_board() {
	setup
	out=$(b image load "$BERTH_IMAGES/busybox-multi.oci.tar") || fail "load failed: $out"
	assert_contains "$out" "Loaded image berth-test/busybox:1"
	assert_contains "$out" "$(oci_arch)"
	# the same platform manifest as the single-arch archive: same digest
	single=$(b image load "$(img busybox-gzip.oci.tar)")
	assert_eq "$(echo "$out" | sed 's/.*(\(sha256:[0-9a-f]*\),.*/\1/')" \
		"$(echo "$single" | sed 's/.*(\(sha256:[0-9a-f]*\),.*/\1/')" "manifest digest"
}

test_load_other_architecture_is_rejected_naming_what_it_has() {
	setup
	other=$BERTH_IMAGES/$(other_arch)/busybox-gzip.oci.tar
	[ -f "$other" ] || skip "no $(other_arch) images"
	out=$(b image load "$other" 2>&1) && fail "loading a $(other_arch) image succeeded"
	case $(host_arch) in
	x86_64) assert_contains "$out" "no linux/amd64 image in busybox-gzip.oci.tar (it has: linux/arm64/v8)" ;;
	*) assert_contains "$out" "no linux/arm64 image in busybox-gzip.oci.tar (it has: linux/amd64)" ;;
	esac
	assert_store_empty
}

test_load_with_tag_and_reload_leaves_old_image_untagged_until_prune() {
	setup
	b image load --tag order-service:1.4 "$(img busybox-gzip.oci.tar)" >/dev/null || fail "load 1"
	out=$(b image load --tag order-service:1.4 "$(img whiteout.oci.tar)") || fail "load 2"
	assert_contains "$out" "Loaded image order-service:1.4"
	ls=$(b image ls)
	assert_contains "$ls" "<none>"
	assert_eq 1 "$(echo "$ls" | grep -c 'order-service:1.4')" "order-service:1.4 rows"
	out=$(b image prune) || fail "prune failed"
	assert_contains "$out" "removed 3 blobs, 0 layers"
	case "$(b image ls)" in *"<none>"*) fail "the untagged image survived prune" ;; esac
}

test_load_names_only_a_tag_loads_untagged() {
	setup
	command -v umoci >/dev/null || skip "umoci not installed"
	cd "$TEST_TMP" || fail "cd"
	{ umoci init --layout lay && umoci new --image lay:v1; } || fail "umoci new failed"
	umoci unpack --image lay:v1 bundle >/dev/null || fail "umoci unpack failed"
	mkdir -p bundle/rootfs/etc && echo hello >bundle/rootfs/etc/hello
	umoci repack --image lay:v1 bundle || fail "umoci repack failed"
	(cd lay && tar -cf ../umoci.tar .)
	out=$(b image load umoci.tar 2>&1) || fail "load failed: $out"
	assert_contains "$out" "loaded untagged (use --tag REPOSITORY:v1)"
	assert_contains "$out" "untagged"
	out=$(b image load --tag umoci/hello:v1 umoci.tar) || fail "load --tag failed: $out"
	assert_contains "$out" "Loaded image umoci/hello:v1"
	[ "$(cat "$store"/layers/*/etc/hello)" = hello ] || fail "etc/hello not in the layer"
}

test_load_skopeo_docker_archive_and_oci_layout() {
	setup
	command -v skopeo >/dev/null || skip "skopeo not installed"
	skopeo copy -q "oci-archive:$(img busybox-gzip.oci.tar)" \
		"docker-archive:$TEST_TMP/docker.tar:shop/checkout:2" || fail "skopeo docker-archive failed"
	out=$(b image load "$TEST_TMP/docker.tar") || fail "load docker archive failed: $out"
	assert_contains "$out" "Loaded image shop/checkout:2"
	skopeo copy -q "oci-archive:$(img busybox-gzip.oci.tar)" "oci:$TEST_TMP/layout:latest" ||
		fail "skopeo oci failed"
	out=$(b image load --tag shop/layout:1 "$TEST_TMP/layout") || fail "load layout failed: $out"
	assert_contains "$out" "Loaded image shop/layout:1"
	# docker archives hold uncompressed layers: same diff_ids, the same layer dirs
	assert_eq 2 "$(count "$store/layers")" "layer dirs"
}

test_two_images_sharing_a_base_layer_store_it_once() {
	setup
	b image load "$(img busybox-gzip.oci.tar)" >/dev/null || fail "load busybox"
	b image load "$(img whiteout.oci.tar)" >/dev/null || fail "load whiteout"
	# busybox: layers 1 2; whiteout: layers 1 2 3
	assert_eq 3 "$(count "$store/layers")" "layer dirs"
	b image load "$(img busybox-zstd.oci.tar)" >/dev/null || fail "load zstd"
	assert_eq 3 "$(count "$store/layers")" "layer dirs after the zstd copy"
}

# ---- inspect, resolve, rm, prune --------------------------------------------------

test_inspect_shows_manifest_and_config() {
	setup
	b image load "$(img busybox-gzip.oci.tar)" >/dev/null || fail "load"
	out=$(b image inspect berth-test/busybox:1) || fail "inspect failed"
	assert_contains "$out" '"berth-test/busybox:1"'
	assert_contains "$out" '"manifest":'
	assert_contains "$out" '"diff_ids":'
	assert_contains "$out" '"BERTH_IMAGE=busybox"'
	out=$(b image ls --json) || fail "ls --json"
	assert_contains "$out" '"berth-test/busybox:1"'
}

test_resolve_rules() {
	setup
	b image load --tag order-service:1.4 "$(img busybox-gzip.oci.tar)" >/dev/null || fail "load"
	ecr=123456789012.dkr.ecr.eu-west-1.amazonaws.com/order-service:1.4
	out=$(b image resolve "$ecr") || fail "resolve $ecr"
	assert_contains "$out" "$ecr -> order-service:1.4 (sha256:"
	assert_contains "$out" "by repository path and tag, ignoring the registry host"
	out=$(b image resolve docker.io/library/order-service:1.4) || fail "resolve docker.io"
	assert_contains "$out" "by exact reference"
	digest=$(echo "$out" | sed 's/.*(\(sha256:[0-9a-f]*\)).*/\1/')
	out=$(b image resolve "elsewhere.example.com/anything@$digest") || fail "resolve by digest"
	assert_contains "$out" "-> order-service:1.4 ($digest) by digest"
	out=$(b image resolve order-service:9 2>&1) && fail "order-service:9 resolved"
	assert_contains "$out" "image order-service:9 is not loaded (load it with: berth image load ARCHIVE)"
	b image load --tag other.example.com/order-service:1.4 "$(img whiteout.oci.tar)" >/dev/null || fail "load 2"
	out=$(b image resolve "$ecr" 2>&1) && fail "an ambiguous reference resolved"
	assert_contains "$out" "ambiguous"
	assert_contains "$out" "other.example.com/order-service:1.4"
}

test_rm_is_refused_while_a_task_uses_the_image() {
	setup
	out=$(b image load "$(img busybox-gzip.oci.tar)") || fail "load"
	digest=$(b image resolve berth-test/busybox:1 | sed 's/.*(\(sha256:[0-9a-f]*\)).*/\1/')
	# what image_rootfs_prepare records for a task
	mkdir -p "$root/lib/rootfs/web-1"
	printf '%s\nberth-test/busybox:1\n' "$digest" >"$root/lib/rootfs/web-1/image"
	out=$(b image rm berth-test/busybox:1 2>&1) && fail "rm succeeded while task web-1 uses it"
	assert_contains "$out" "used by task web-1"
	rm -r "$root/lib/rootfs/web-1"
	b image rm berth-test/busybox:1 >/dev/null || fail "rm failed"
	assert_store_empty
}

test_prune_keeps_what_images_and_tasks_use() {
	setup
	b image load "$(img busybox-gzip.oci.tar)" >/dev/null || fail "load"
	b image load --tag x:1 "$(img whiteout.oci.tar)" >/dev/null || fail "load 2"
	digest=$(b image resolve x:1 | sed 's/.*(\(sha256:[0-9a-f]*\)).*/\1/')
	b image load --tag x:1 "$(img busybox-zstd.oci.tar)" >/dev/null || fail "load 3"
	mkdir -p "$root/lib/rootfs/task-7"
	printf '%s\nx:1\n' "$digest" >"$root/lib/rootfs/task-7/image"
	out=$(b image prune) || fail "prune"
	assert_contains "$out" "removed 0 blobs, 0 layers"
	rm -r "$root/lib/rootfs/task-7"
	out=$(b image prune) || fail "prune 2"
	# whiteout's manifest, config, layer 3 blob; and its layer 3
	assert_contains "$out" "removed 3 blobs, 1 layers"
	b image rm berth-test/busybox:1 x:1 >/dev/null || fail "rm"
	assert_store_empty
}

# ---- interrupted loads -------------------------------------------------------------

test_kill_during_load_leaves_the_store_consistent() {
	setup
	sh "$TESTS_DIR/image-corpus/make-hostile.sh" "$TEST_TMP" "$TEST_TMP/unused" big || fail "make big"
	big=$TEST_TMP/big.tar
	half=$(($(wc -c <"$big") / 2))
	# berth blocks on a half-fed pipe, deterministically mid-load
	mkfifo "$TEST_TMP/fifo"
	# berth itself in the background (a function would put a subshell between)
	"$BERTH" --root "$root" image load "$TEST_TMP/fifo" >/dev/null 2>&1 &
	loader=$!
	{ head -c "$half" "$big" && while kill -0 "$loader" 2>/dev/null; do sleep 1; done; } \
		>"$TEST_TMP/fifo" &
	feeder=$!
	for _ in 1 2 3 4 5 6 7 8 9 10; do
		[ "$(count "$store/staging")" = 1 ] && [ "$(count "$store/staging"/*/blobs)" != 0 ] && break
		sleep 1
	done
	kill -9 "$loader"
	wait "$loader" "$feeder" 2>/dev/null
	assert_eq 1 "$(count "$store/staging")" "staging dirs of the killed load"
	assert_eq 1 "$(b image ls | wc -l | tr -d ' ')" "image ls after the kill"
	# the next load removes what the dead one left, and succeeds
	b image load "$(img busybox-gzip.oci.tar)" >/dev/null || fail "load after the kill"
	assert_eq 0 "$(count "$store/staging")" "staging dirs after the next load"
	# kills at other moments: whatever they hit, ls works, prune cleans, a reload works
	for delay in 0 1 2; do
		"$BERTH" --root "$root" image load --tag big:1 "$big" >/dev/null 2>&1 &
		loader=$!
		sleep "$delay"
		kill -9 "$loader" 2>/dev/null
		wait "$loader" 2>/dev/null
		b image ls >/dev/null || fail "image ls after a kill at ${delay}s"
		b image prune >/dev/null || fail "prune after a kill at ${delay}s"
		assert_eq 0 "$(count "$store/staging")" "staging dirs after prune"
	done
	out=$(b image load --tag big:1 "$big") || fail "reload of big failed: $out"
	assert_contains "$out" "Loaded image big:1"
	assert_contains "$(b image resolve berth-test/busybox:1)" "by exact reference"
}

# ---- hostile archives ---------------------------------------------------------------

# Loads corpus archive $1 with a 1 MB layer limit: exit 1, a message with
# $2, the sentinel dir outside the state root untouched, nothing escaped,
# and nothing of it left in the store.
hostile() {
	require_root
	root=$(new_root)
	store=$root/lib/images
	target=$TEST_TMP/sentinel
	mkdir -p "$target" && echo orig >"$target/victim"
	sh "$TESTS_DIR/image-corpus/make-hostile.sh" "$TEST_TMP/corpus" "$target" "$1" ||
		fail "make-hostile.sh $1 failed"
	before=$(ls -lAR "$target")
	out=$(BERTH_MAX_LAYER_BYTES=1000000 b image load "$TEST_TMP/corpus/$1.tar" 2>&1)
	rc=$?
	assert_eq 1 "$rc" "exit code loading $1 ($out)"
	assert_contains "$out" "berth: load $1.tar: "
	assert_contains "$out" "$2"
	assert_eq "$before" "$(ls -lAR "$target")" "the sentinel directory"
	assert_eq orig "$(cat "$target/victim")" "the sentinel file"
	escaped=$(find "$TEST_TMP" -name 'escape-*' | head -n 3)
	assert_eq "" "$escaped" "files that escaped"
	assert_eq "" "$(find "$TEST_TMP/.." -maxdepth 1 -name 'escape-*')" "files that escaped next to the test dir"
	assert_store_empty
}

test_hostile_tampered_layer() { hostile tampered-layer "digest mismatch (expected sha256:"; }
test_hostile_wrong_size() { hostile wrong-size "size mismatch (the descriptor says"; }
test_hostile_missing_blob() { hostile missing-blob "missing blob"; }
test_hostile_bad_diff_id() { hostile bad-diff-id "diff_id mismatch"; }
test_hostile_digest_not_hex() { hostile digest-not-hex 'digest "sha256:../../../etc/passwd": not 64 lowercase hex'; }
test_hostile_digest_uppercase() { hostile digest-uppercase "not 64 lowercase hex digits"; }
test_hostile_path_dotdot() { hostile path-dotdot "path escapes the layer"; }
test_hostile_path_nested_dotdot() { hostile path-nested-dotdot "path escapes the layer"; }
test_hostile_path_absolute() { hostile path-absolute "absolute path"; }
test_hostile_symlink_absolute() { hostile symlink-absolute "may not write through symlinks"; }
test_hostile_symlink_relative() { hostile symlink-relative "may not write through symlinks"; }
test_hostile_symlink_chain() { hostile symlink-chain "may not write through symlinks"; }
test_hostile_hardlink_absolute() { hostile hardlink-absolute "hardlink target"; }
test_hostile_hardlink_relative() { hostile hardlink-relative "hardlink target"; }
test_hostile_whiteout_dotdot() { hostile whiteout-dotdot "escapes the layer"; }
test_hostile_whiteout_symlink() { hostile whiteout-symlink "may not write through symlinks"; }
test_hostile_decompression_bomb() { hostile bomb "1000000-byte"; }
test_hostile_decompression_bomb_of_many_files() { hostile bomb-many "1000000-byte"; }
test_hostile_wrong_arch() { hostile wrong-arch "image in wrong-arch.tar (it has: linux/s390x)"; }
test_hostile_no_board_platform() { hostile no-board-platform "(it has: linux/s390x, linux/ppc64le)"; }
test_hostile_truncated() { hostile truncated "truncated"; }
test_hostile_manifest_invalid_json() { hostile manifest-invalid-json "not valid JSON"; }
test_hostile_index_invalid_json() { hostile index-invalid-json "index.json is not valid JSON"; }
test_hostile_archive_entry_dotdot() { hostile archive-entry-dotdot '"../escape-archive": ".." in the name'; }
test_hostile_schema1() { hostile schema1 "schema 1 is not supported"; }
test_hostile_nested_too_deep() { hostile nested-too-deep "nested more than"; }
test_hostile_docker_missing_layer() { hostile docker-missing-layer "which is not in the archive"; }
