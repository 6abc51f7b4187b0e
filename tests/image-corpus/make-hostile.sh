#!/bin/sh
# Writes broken and hostile image archives for `berth image load` to reject.
# Usage: sh make-hostile.sh OUTDIR TARGET [NAME...]
#   OUTDIR  where NAME.tar files go (created)
#   TARGET  an absolute directory outside berth's state root that hostile
#           layers try to reach (tests keep a sentinel there: TARGET/victim)
#   NAME    only these archives (default: all; `-l` lists the names); also
#           "big": a valid image with one 32 MiB uncompressed layer, large
#           enough to kill a load part way (BIG_BYTES to change)
# HOSTILE_ARCH (default: this machine's, in OCI's words) is the
# architecture of the images that are not about architecture.
#
# POSIX sh with busybox-compatible tools only (printf, tar, gzip, sha256sum,
# sed, head, dd, od, awk), so the corpus is made inside the arm64 VM too.
# Layers with hostile entries are written by a small ustar writer below
# (tar itself refuses to store "../x" or "/x"), and get CORRECT digests and
# diff_ids: rejecting them is the extractor's job, not the digest check's.
#
# Each archive is named for what it tries; tests/integration/image.sh says
# which message each must produce.
set -eu

all="tampered-layer wrong-size missing-blob bad-diff-id digest-not-hex digest-uppercase
path-dotdot path-nested-dotdot path-absolute symlink-absolute symlink-relative symlink-chain
hardlink-absolute hardlink-relative whiteout-dotdot whiteout-symlink bomb bomb-many wrong-arch
no-board-platform truncated manifest-invalid-json index-invalid-json archive-entry-dotdot
schema1 nested-too-deep docker-missing-layer"

if [ "${1:-}" = -l ]; then
	# shellcheck disable=SC2086 # one line of names
	echo $all
	exit 0
fi
out=${1:?usage: make-hostile.sh OUTDIR TARGET [NAME...]}
target=${2:?usage: make-hostile.sh OUTDIR TARGET [NAME...]}
shift 2
case $target in /*) ;; *) echo "make-hostile: TARGET must be absolute" >&2; exit 2 ;; esac
# shellcheck disable=SC2086 # the names, split
[ $# -gt 0 ] || set -- $all
mkdir -p "$out"
out=$(cd "$out" && pwd)
case $(uname -m) in x86_64) host=amd64 ;; aarch64 | arm64) host=arm64 ;; *) host=$(uname -m) ;; esac
arch=${HOSTILE_ARCH:-$host}
work=$(mktemp -d "${TMPDIR:-/tmp}/hostile.XXXXXX")
trap 'rm -rf "$work"' EXIT

MT_INDEX=application/vnd.oci.image.index.v1+json
MT_MANIFEST=application/vnd.oci.image.manifest.v1+json
MT_CONFIG=application/vnd.oci.image.config.v1+json
MT_LAYER=application/vnd.oci.image.layer.v1.tar+gzip

# ---- a ustar writer -------------------------------------------------------------
# Few processes per entry (process start-up dominates on small boards): the
# checksum in one awk, the entry in one printf whose space padding becomes
# NULs with one tr. So names, links and contents here have no spaces.

nul() { tr ' ' '\000'; }

# The ustar checksum: the bytes of the header, its checksum field as spaces.
t_sum() { # NAME PREFIX TYPE SIZE LINK MODE
	awk -v n="$1" -v p="$2" -v t="$3" -v size="$4" -v l="$5" -v mode="$6" 'BEGIN {
		for (i = 1; i < 128; i++) ord[sprintf("%c", i)] = i
		s = n sprintf("%07o", mode) "00000000000000" sprintf("%011o", size) "00000000000" t l
		s = s "ustar00rootroot00000000000000" p
		for (i = 1; i <= length(s); i++) sum += ord[substr(s, i, 1)]
		print sum + 8 * 32 }'
}

# Header, then content and its padding when given as CONTENT.
t_entry() { # NAME TYPE SIZE LINK MODE [CONTENT]
	n=$1 p=""
	if [ ${#n} -gt 100 ]; then
		p=${n%/*} n=${n##*/}
	fi
	c=${6:-}
	sum=$(t_sum "$n" "$p" "$2" "$3" "$4" "$5")
	printf '%-100s%07o %07o %07o %011o %011o %07o %s%-100sustar 00%-32s%-32s%07o %07o %-155s%12s%s%*s' \
		"$n" "$5" 0 0 "$3" 0 "$sum" "$2" "$4" root root 0 0 "$p" '' "$c" \
		$(((512 - ${#c} % 512) % 512)) '' | nul
}
# A pax extended header for the next entry: KEY=VALUE (e.g. a linkpath
# longer than ustar's 100 bytes).
t_pax() { # KEY VALUE
	base=$((${#1} + ${#2} + 3)) # " " "=" "\n"
	l=$((base + ${#base}))
	l=$((base + ${#l})) # the length counts its own digits
	t_entry PaxHeader x "$l" "" 420
	printf '%d %s=%s\n' "$l" "$1" "$2"
	printf '%*s' $(((512 - l % 512) % 512)) '' | nul
}
t_file() { t_entry "$1" 0 ${#2} "" 420 "$2"; } # NAME CONTENT
t_file_from() { # NAME PATH
	s=$(wc -c <"$2")
	t_entry "$1" 0 $((s)) "" 420
	cat "$2"
	printf '%*s' $(((512 - s % 512) % 512)) '' | nul
}
t_zeros() { t_entry "$1" 0 "$2" "" 420 && printf '%*s' "$2" '' | nul; } # NAME BYTES (a multiple of 512)
t_dir() { t_entry "$1" 5 0 "" 493; }
t_longlink() { [ ${#1} -le 100 ] || t_pax linkpath "$1"; }
t_sym() { t_longlink "$2" && t_entry "$1" 2 0 "$(echo "$2" | cut -c1-100)" 511; }
t_link() { t_longlink "$2" && t_entry "$1" 1 0 "$(echo "$2" | cut -c1-100)" 420; }
t_end() { printf '%1024s' '' | nul; }

# ---- OCI layouts ----------------------------------------------------------------

sha() { sha256sum "$1" | cut -d' ' -f1; }
size() { wc -c <"$1" | tr -d ' '; }

# Stores file $2 as a blob of layout $1; sets b_digest and b_size.
put_blob() {
	b_digest=$(sha "$2")
	b_size=$(size "$2")
	mkdir -p "$1/blobs/sha256"
	cp "$2" "$1/blobs/sha256/$b_digest"
}

# A single-image layout in $1 from the layer tar $2. Overrides for the
# broken ones: CFG_ARCH, DIFF_ID, L_DIGEST, L_SIZE. Sets m_digest, m_size,
# l_digest (the layer blob's real digest).
make_layout() { # DIR LAYER_TAR
	mkdir -p "$1"
	if [ "${L_COMP:-gzip}" = gzip ]; then
		gzip -n -c "$2" >"$work/layer.gz"
		put_blob "$1" "$work/layer.gz"
	else
		put_blob "$1" "$2"
	fi
	l_digest=$b_digest l_size=$b_size
	printf '{"architecture":"%s","os":"linux","config":{"Cmd":["sh"]},"rootfs":{"type":"layers","diff_ids":["%s"]}}' \
		"${CFG_ARCH:-$arch}" "${DIFF_ID:-sha256:$(sha "$2")}" >"$work/config.json"
	put_blob "$1" "$work/config.json"
	printf '{"schemaVersion":2,"mediaType":"%s","config":{"mediaType":"%s","digest":"sha256:%s","size":%s},"layers":[{"mediaType":"%s","digest":"%s","size":%s}]}' \
		"$MT_MANIFEST" "$MT_CONFIG" "$b_digest" "$b_size" "${L_MT:-$MT_LAYER}" \
		"${L_DIGEST:-sha256:$l_digest}" "${L_SIZE:-$l_size}" >"$work/manifest.json"
	put_blob "$1" "$work/manifest.json"
	m_digest=$b_digest m_size=$b_size
	write_index "$1" "$MT_MANIFEST" "$m_digest" "$m_size"
}

write_index() { # DIR MEDIATYPE DIGEST SIZE
	printf '{"imageLayoutVersion":"1.0.0"}' >"$1/oci-layout"
	printf '{"schemaVersion":2,"mediaType":"%s","manifests":[{"mediaType":"%s","digest":"sha256:%s","size":%s,"annotations":{"org.opencontainers.image.ref.name":"hostile/%s:1"}}]}' \
		"$MT_INDEX" "$2" "$3" "$4" "$name" >"$1/index.json"
}

pack() { # DIR
	(cd "$1" && tar -cf "$out/$name.tar" oci-layout index.json blobs)
}

# A harmless layer: one file.
plain_layer() { { t_dir etc/ && t_file etc/hostile just-a-file && t_end; } >"$work/plain.tar"; }

# An image whose one layer holds the entries the function $1 writes.
layer_image() {
	{ "$1" && t_end; } >"$work/layer.tar"
	make_layout "$work/lay" "$work/layer.tar"
	pack "$work/lay"
}

# ---- the corpus ------------------------------------------------------------------

deep=../../../../../../../../../../../../../../../../../../../../../../../..

e_dotdot() { t_file ../escape-dotdot pwned; }
e_nested() { t_dir a/ && t_file a/../../escape-nested pwned; }
e_absolute() { t_file "$target/escape-absolute" pwned; }
e_sym_abs() { t_sym lnk "$target" && t_file lnk/escape-symlink-abs pwned; }
e_sym_rel() { t_sym up "$deep$target" && t_file up/escape-symlink-rel pwned; }
e_sym_chain() { t_dir d/ && t_sym d/s1 s2 && t_sym d/s2 "../$deep$target" && t_file d/s1/escape-symlink-chain pwned; }
e_hard_abs() { t_link h "$target/victim" && t_file h pwned; }
e_hard_rel() { t_link h "$deep$target/victim" && t_file h pwned; }
e_wh_dotdot() { t_file "$deep$target/.wh.victim" ""; }
e_wh_sym() { t_sym w "$target" && t_file w/.wh.victim ""; }
e_bomb() { t_zeros zeros 8000256; }
# Each file under the limit, together over it.
e_bomb_many() {
	for i in 01 02 03 04 05 06 07 08 09 10 11 12 13 14 15 16 17 18 19 20; do
		t_zeros "zeros$i" 102400 || return 1
	done
}

# index.json -> image index -> manifests for two platforms the board is not.
no_board_platform() {
	lay=$work/lay
	CFG_ARCH=s390x make_layout "$lay" "$work/plain.tar"
	set -- "$m_digest" "$m_size"
	CFG_ARCH=ppc64le make_layout "$lay" "$work/plain.tar"
	set -- "$1" "$2" "$m_digest" "$m_size"
	printf '{"schemaVersion":2,"mediaType":"%s","manifests":[{"mediaType":"%s","digest":"sha256:%s","size":%s,"platform":{"architecture":"s390x","os":"linux"}},{"mediaType":"%s","digest":"sha256:%s","size":%s,"platform":{"architecture":"ppc64le","os":"linux"}}]}' \
		"$MT_INDEX" "$MT_MANIFEST" "$1" "$2" "$MT_MANIFEST" "$3" "$4" >"$work/index.json"
	put_blob "$lay" "$work/index.json"
	write_index "$lay" "$MT_INDEX" "$b_digest" "$b_size"
	pack "$lay"
}

# Six image indexes, each naming the next.
nested_too_deep() {
	lay=$work/lay
	make_layout "$lay" "$work/plain.tar"
	d=$m_digest s=$m_size mt=$MT_MANIFEST
	for _ in 1 2 3 4 5 6; do
		printf '{"schemaVersion":2,"mediaType":"%s","manifests":[{"mediaType":"%s","digest":"sha256:%s","size":%s}]}' \
			"$MT_INDEX" "$mt" "$d" "$s" >"$work/index.json"
		put_blob "$lay" "$work/index.json"
		d=$b_digest s=$b_size mt=$MT_INDEX
	done
	write_index "$lay" "$MT_INDEX" "$d" "$s"
	pack "$lay"
}

# A manifest blob replaced (digest recomputed) by other content.
with_manifest() { # TEXT
	lay=$work/lay
	make_layout "$lay" "$work/plain.tar"
	rm "$lay/blobs/sha256/$m_digest"
	printf '%s' "$1" >"$work/bad.json"
	put_blob "$lay" "$work/bad.json"
	write_index "$lay" "$MT_MANIFEST" "$b_digest" "$b_size"
	pack "$lay"
}

# A good image plus an archive entry named "../escape-archive".
archive_entry_dotdot() {
	lay=$work/lay
	make_layout "$lay" "$work/plain.tar"
	{
		t_file_from oci-layout "$lay/oci-layout"
		t_file_from index.json "$lay/index.json"
		for f in "$lay"/blobs/sha256/*; do
			t_file_from "blobs/sha256/${f##*/}" "$f"
		done
		t_file ../escape-archive pwned
		t_end
	} >"$out/$name.tar"
}

# A docker archive whose manifest.json names a layer that is not there.
docker_missing_layer() {
	d=$work/docker
	mkdir -p "$d"
	cp "$work/plain.tar" "$d/$(sha "$work/plain.tar").tar"
	printf '{"architecture":"%s","os":"linux","rootfs":{"type":"layers","diff_ids":["sha256:%s","sha256:%s"]}}' \
		"$arch" "$(sha "$work/plain.tar")" "$(sha "$work/plain.tar")" >"$work/config.json"
	c=$(sha "$work/config.json")
	cp "$work/config.json" "$d/$c.json"
	printf '[{"Config":"%s.json","RepoTags":["hostile/%s:1"],"Layers":["%s.tar","missing/layer.tar"]}]' \
		"$c" "$name" "$(sha "$work/plain.tar")" >"$d/manifest.json"
	(cd "$d" && tar -cf "$out/$name.tar" manifest.json "$c.json" "$(sha "$work/plain.tar").tar")
}

make_one() {
	name=$1
	unset CFG_ARCH DIFF_ID L_DIGEST L_SIZE L_COMP L_MT
	rm -rf "$work/lay" "$work/docker"
	plain_layer
	case $name in
	tampered-layer)
		make_layout "$work/lay" "$work/plain.tar"
		printf 'X' | dd of="$work/lay/blobs/sha256/$l_digest" bs=1 seek=20 conv=notrunc 2>/dev/null
		pack "$work/lay" ;;
	wrong-size)
		gzip -n -c "$work/plain.tar" >"$work/p.gz"
		L_SIZE=$(($(size "$work/p.gz") + 1)) make_layout "$work/lay" "$work/plain.tar"
		pack "$work/lay" ;;
	missing-blob)
		make_layout "$work/lay" "$work/plain.tar"
		rm "$work/lay/blobs/sha256/$l_digest"
		pack "$work/lay" ;;
	bad-diff-id)
		DIFF_ID=sha256:$(printf 'other' | sha256sum | cut -d' ' -f1) make_layout "$work/lay" "$work/plain.tar"
		pack "$work/lay" ;;
	digest-not-hex)
		L_DIGEST=sha256:../../../etc/passwd make_layout "$work/lay" "$work/plain.tar"
		pack "$work/lay" ;;
	digest-uppercase)
		gzip -n -c "$work/plain.tar" >"$work/p.gz"
		L_DIGEST=sha256:$(sha "$work/p.gz" | tr a-f A-F) make_layout "$work/lay" "$work/plain.tar"
		pack "$work/lay" ;;
	path-dotdot) layer_image e_dotdot ;;
	path-nested-dotdot) layer_image e_nested ;;
	path-absolute) layer_image e_absolute ;;
	symlink-absolute) layer_image e_sym_abs ;;
	symlink-relative) layer_image e_sym_rel ;;
	symlink-chain) layer_image e_sym_chain ;;
	hardlink-absolute) layer_image e_hard_abs ;;
	hardlink-relative) layer_image e_hard_rel ;;
	whiteout-dotdot) layer_image e_wh_dotdot ;;
	whiteout-symlink) layer_image e_wh_sym ;;
	bomb) layer_image e_bomb ;;
	bomb-many) layer_image e_bomb_many ;;
	wrong-arch)
		CFG_ARCH=s390x make_layout "$work/lay" "$work/plain.tar"
		pack "$work/lay" ;;
	no-board-platform) no_board_platform ;;
	truncated)
		make_layout "$work/lay" "$work/plain.tar"
		(cd "$work/lay" && tar -cf "$work/whole.tar" oci-layout index.json blobs)
		# mid-blob, not on a 512-byte block boundary
		head -c $(($(size "$work/whole.tar") / 2 + 100)) "$work/whole.tar" >"$out/$name.tar" ;;
	manifest-invalid-json) with_manifest '{"schemaVersion": 2, "config": ' ;;
	schema1) with_manifest '{"schemaVersion":1,"name":"hostile/schema1","tag":"1","fsLayers":[]}' ;;
	index-invalid-json)
		make_layout "$work/lay" "$work/plain.tar"
		printf '{"schemaVersion":2,"manifests":[' >"$work/lay/index.json"
		pack "$work/lay" ;;
	archive-entry-dotdot) archive_entry_dotdot ;;
	nested-too-deep) nested_too_deep ;;
	docker-missing-layer) docker_missing_layer ;;
	big)
		{ t_zeros big "${BIG_BYTES:-33554432}" && t_end; } >"$work/layer.tar"
		L_COMP=none L_MT=application/vnd.oci.image.layer.v1.tar make_layout "$work/lay" "$work/layer.tar"
		pack "$work/lay" ;;
	*) echo "make-hostile: no archive named $name (see -l)" >&2; exit 2 ;;
	esac
}

for n in "$@"; do
	make_one "$n"
done
