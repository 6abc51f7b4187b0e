# berth: one static binary for arm64 and x86_64.
#   make                      build/<host arch>/berth
#   make ARCH=arm64           cross-build build/arm64/berth
#   make test                 unit + host integration + arm64 VM, one summary line
#   make demo                 build and show what the board can do
# Every target that needs tools installs them (board/deps.sh).

HOST_ARCH := $(shell uname -m | sed -e 's/aarch64/arm64/')
ARCH ?= $(HOST_ARCH)
ifeq ($(ARCH),aarch64)
override ARCH := arm64
endif
ifneq ($(filter $(ARCH),x86_64 arm64),$(ARCH))
$(error ARCH must be x86_64 or arm64, not $(ARCH))
endif

B := build/$(ARCH)
CONFIG_DIR := build/config
AUTOCONF := $(CONFIG_DIR)/autoconf.h
CJSON_DIR := build/cjson
DEPS := sh board/deps.sh

ifeq ($(ARCH),$(HOST_ARCH))
CC := gcc
DEPS_GROUP := build
else ifeq ($(ARCH),arm64)
CC := aarch64-linux-gnu-gcc
DEPS_GROUP := cross
else
CC := x86_64-linux-gnu-gcc
DEPS_GROUP := cross
endif

OPT ?= -O2
CFLAGS := $(OPT) -std=gnu11 -Wall -Wextra -Werror -ffunction-sections -fdata-sections
CPPFLAGS += -Iruntime -I$(CJSON_DIR) -include $(AUTOCONF) -D_GNU_SOURCE
LIBS := -larchive -lacl -llzma -lzstd -llz4 -lbz2 -lz -lnettle -lmbedtls -lmbedx509 -lmbedcrypto
LDFLAGS_STATIC := -static -s -Wl,--gc-sections

RUNTIME_SRCS := $(sort $(wildcard runtime/*/*.c))
LIB_SRCS := $(filter-out runtime/cli/%,$(RUNTIME_SRCS))
CLI_SRCS := $(filter runtime/cli/%,$(RUNTIME_SRCS))
HEADERS := $(wildcard runtime/*/*.h)
UNIT_SRCS := $(sort $(wildcard tests/unit/*_test.c))

OBJS = $(patsubst %.c,$(1)/obj/%.o,$(2))

.SECONDARY:

.PHONY: all deps config defconfig olddefconfig menuconfig size sanitize unit \
	unit-bins images integration qemu-test lint qemu-shell test demo clean

all: $(B)/berth

deps:
	@$(DEPS) $(DEPS_GROUP) cjson=build

$(CJSON_DIR)/cJSON.c:
	@$(DEPS) $(DEPS_GROUP) cjson=build

# ---- configuration (Kconfig, Debian's kconfig-frontends) -------------------

KCONF := KCONFIG_CONFIG=.config KCONFIG_AUTOCONFIG=$(CONFIG_DIR)/auto.conf \
	KCONFIG_AUTOHEADER=$(AUTOCONF) KCONFIG_TRISTATE=$(CONFIG_DIR)/tristate.conf

.config:
	@$(DEPS) build
	@kconfig-conf --alldefconfig kconfig/Kconfig >/dev/null

defconfig:
	@$(DEPS) build
	@test -n "$(BOARD)" || { echo "make defconfig BOARD=<name>: one of $$(ls board | grep -v '\.' | tr '\n' ' ')"; exit 2; }
	@test -f board/$(BOARD)/defconfig || { echo "board/$(BOARD)/defconfig: no such board (boards: $$(ls board | grep -v '\.' | tr '\n' ' '))"; exit 2; }
	@kconfig-conf --defconfig=board/$(BOARD)/defconfig kconfig/Kconfig >/dev/null
	@echo "configured for board $(BOARD)"

olddefconfig: .config
	@kconfig-conf --olddefconfig kconfig/Kconfig >/dev/null

menuconfig: .config
	@command -v kconfig-mconf >/dev/null || { echo "kconfig-mconf is not installed (apt-get install kconfig-frontends)"; exit 1; }
	@kconfig-mconf kconfig/Kconfig

# olddefconfig first: silentoldconfig would stop to ask about new symbols.
$(AUTOCONF): .config kconfig/Kconfig
	@mkdir -p $(CONFIG_DIR)/include/config
	@kconfig-conf --olddefconfig kconfig/Kconfig >/dev/null
	@cd $(CONFIG_DIR) && KCONFIG_CONFIG=../../.config KCONFIG_AUTOCONFIG=auto.conf \
		KCONFIG_AUTOHEADER=autoconf.h KCONFIG_TRISTATE=tristate.conf \
		kconfig-conf -s --silentoldconfig ../../kconfig/Kconfig
	@touch $@

config: $(AUTOCONF)

# ---- the binary ------------------------------------------------------------

# Board descriptions are compiled in, so a bare binary on a board knows them.
$(B)/gen/boards.c: $(wildcard board/*/board.json) board/embed.sh
	@mkdir -p $(dir $@)
	@sh board/embed.sh board > $@.tmp && mv $@.tmp $@

$(B)/obj/%.o: %.c $(HEADERS) $(AUTOCONF) $(CJSON_DIR)/cJSON.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) -c -o $@ $<

$(B)/obj/cjson.o: $(CJSON_DIR)/cJSON.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -Wno-error -c -o $@ $<

$(B)/obj/boards.o: $(B)/gen/boards.c $(AUTOCONF)
	$(CC) $(CPPFLAGS) $(CFLAGS) -c -o $@ $<

$(B)/berth: $(call OBJS,$(B),$(RUNTIME_SRCS)) $(B)/obj/cjson.o $(B)/obj/boards.o | deps
	$(CC) $(LDFLAGS_STATIC) -o $@ $^ $(LIBS)

size:
	@for f in build/*/berth; do \
		[ -f "$$f" ] && printf '%-22s %8d bytes (%s KiB)\n' "$$f" $$(stat -c %s "$$f") $$(( $$(stat -c %s "$$f") / 1024 )); \
	done; true

# ---- tests -----------------------------------------------------------------

# Unit tests: host binaries, or static arm64 ones (ARCH=arm64) that the
# emulated board runs, so the cgroup v2 and arm64 paths are unit-tested too.
T := build/test-$(ARCH)
UNIT_LDFLAGS := $(if $(filter $(ARCH),$(HOST_ARCH)),,-static)
$(T)/%_test: tests/unit/%_test.c tests/unit/harness.h $(call OBJS,$(T),$(LIB_SRCS)) $(T)/obj/cjson.o $(T)/obj/boards.o
	$(CC) $(CPPFLAGS) $(CFLAGS) $(UNIT_LDFLAGS) -o $@ $< $(filter %.o,$^) $(LIBS)

$(T)/obj/%.o: %.c $(HEADERS) $(AUTOCONF) $(CJSON_DIR)/cJSON.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) -c -o $@ $<

$(T)/obj/cjson.o: $(CJSON_DIR)/cJSON.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -Wno-error -c -o $@ $<

$(T)/gen/boards.c: $(wildcard board/*/board.json) board/embed.sh
	@mkdir -p $(dir $@)
	@sh board/embed.sh board > $@.tmp && mv $@.tmp $@

$(T)/obj/boards.o: $(T)/gen/boards.c $(AUTOCONF)
	$(CC) $(CPPFLAGS) $(CFLAGS) -c -o $@ $<

UNIT_BINS = $(patsubst tests/unit/%_test.c,$(1)/%_test,$(UNIT_SRCS))
# Tests that build layers with libarchive's writer stay on the host: a static
# link of the writer drags in xar -> libxml2 -> ICU. The VM still extracts
# every layer kind and the hostile corpus through the integration tests.
UNIT_HOST_ONLY := image_extract_test
ARM64_UNIT_BINS = $(filter-out $(addprefix $(1)/,$(UNIT_HOST_ONLY)),$(call UNIT_BINS,$(1)))

unit: $(call UNIT_BINS,$(T))
	@sh tests/run-unit.sh $^

unit-bins: $(call ARM64_UNIT_BINS,$(T))

sanitize:
	@$(MAKE) --no-print-directory unit T=build/sanitize \
		OPT="-O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=all"

images: $(B)/berth
	@$(DEPS) test
	@sh rootfs/build.sh build/images

integration: $(B)/berth images
	@$(DEPS) test
	@BERTH=$(CURDIR)/$(B)/berth BERTH_IMAGES=$(CURDIR)/build/images \
		sh tests/integration/run.sh

qemu-test qemu-shell:
	@$(DEPS) cross qemu test
	@$(MAKE) --no-print-directory ARCH=arm64 build/arm64/berth
	@$(MAKE) --no-print-directory ARCH=arm64 images unit-bins
	@sh qemu/run.sh $(if $(filter qemu-shell,$@),shell,test)

test:
	@$(DEPS) build cross test qemu cjson=build
	@sh tests/run-all.sh

lint: $(AUTOCONF) $(CJSON_DIR)/cJSON.c
	@$(DEPS) lint
	@sh tests/lint.sh

demo: $(B)/berth
	@sh examples/demo.sh $(B)/berth

clean:
	rm -rf build
