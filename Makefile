# doudi — build, test and install what is missing.
#
#   make            the doudi binary and libdoudi.a (build/)
#   make test       every test (cmocka unit tests, bad rule files, CLI tests)
#   make SAN=1 test the same under AddressSanitizer and UndefinedBehaviorSanitizer (build/san/)
#   make asan       shorthand for the line above
#   make fuzz       each libFuzzer harness of tests/fuzz/ for FUZZ_SECONDS (default 60), with
#                   clang, ASan and UBSan (build/fuzz/); see tests/fuzz/README.md
#   make clean
#
# A fresh Debian machine lacks the build's packages; the first build installs what is missing
# with apt-get (run as root) and says so.

CC      ?= cc
CSTD    := -std=c11 -D_POSIX_C_SOURCE=200809L
WARN    := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wno-unused-parameter
OPT     ?= -O2 -g

# Each compiler builds in a folder of its own (build/, build/clang/), so `make CC=clang test`
# never runs what gcc built; sanitizer builds go in san/ beneath it.
IS_CLANG := $(shell $(CC) --version 2>/dev/null | grep -c clang)
ifeq ($(IS_CLANG),0)
COMPILER_DIR := build
else
COMPILER_DIR := build/clang
endif

ifeq ($(SAN),1)
BUILD   := $(COMPILER_DIR)/san
OPT     := -O1 -g -fno-omit-frame-pointer
SANFLAGS := -fsanitize=address,undefined -fno-sanitize-recover=all
else ifeq ($(FUZZ),1)
# the library as the fuzz harnesses link it (make fuzz sets FUZZ=1 CC=clang): coverage for
# libFuzzer, and both sanitizers
BUILD   := build/fuzz
OPT     := -O1 -g -fno-omit-frame-pointer
SANFLAGS := -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=all
else
BUILD   ?= $(COMPILER_DIR)
SANFLAGS :=
# clang's own build (build/clang) compiles the portable loops where gcc's, the sanitizers' and
# the fuzzers' use SSE2 (csv.c, record.c): the tests run each way on every CI run
ifneq ($(IS_CLANG),0)
CPPFLAGS += -DDOUDI_NO_SIMD
endif
endif

# python3-openpyxl: tests/unit/test_report.c reads the xlsx reports back with /usr/bin/python3,
# and tests/unit/test_xlsx.c writes workbooks with it.
# postgresql: tests/cli/sql_equal.test.sh runs `doudi sql`'s script on a server of its own.
# libzip-dev, libexpat1-dev: the .xlsx reader (src/engine/xlsx*.c) opens the zip and streams the XML.
# libxml2-utils (xmllint), python3-jsonschema: tests/cli/ci_formats.test.sh validates the JUnit
# XML and SARIF reports against their schemas (tests/fixtures/junit.xsd, sarif-2.1.0-subset.json).
# chromium, python3-pil: tests/cli/report_html.test.sh renders the HTML report in a headless
# browser and looks at its screenshot; fonts-wqy-microhei gives that browser Chinese glyphs, so
# the screenshot kept for people to look at (and docs/report.png) reads as Chinese.
# XLSX output (report --format xlsx) is optional: `make XLSX=0` builds without libxlsxwriter,
# and such a doudi says so when asked for a workbook.
XLSX    ?= 1
PACKAGES := flex bison pkg-config libsqlite3-dev libcmocka-dev libedit-dev python3-openpyxl tmux \
            libxml2-utils python3-jsonschema libzip-dev libexpat1-dev postgresql \
            chromium python3-pil fonts-wqy-microhei
ifeq ($(XLSX),1)
PACKAGES += libxlsxwriter-dev
endif
PKG_LIBS := sqlite3
DEPS_STAMP := build/.deps-$(shell echo $(PACKAGES) | cksum | cut -d' ' -f1)
# Only `make fuzz` needs these: clang's libFuzzer and sanitizer runtimes.
FUZZ_PACKAGES := clang libclang-rt-14-dev
FUZZ_DEPS_STAMP := build/.deps-fuzz-$(shell echo $(FUZZ_PACKAGES) | cksum | cut -d' ' -f1)

GEN     := $(BUILD)/gen
CPPFLAGS += -Isrc -Iinclude -I$(GEN)
CFLAGS  += $(CSTD) $(WARN) $(OPT) $(SANFLAGS) -MMD -MP
LDFLAGS += $(SANFLAGS)
LDLIBS  += -lzip -lexpat -lsqlite3 -lm -ledit -pthread
ifeq ($(XLSX),1)
LDLIBS  += -lxlsxwriter
else
CPPFLAGS += -DDOUDI_NO_XLSX
endif

# The library's layers, lowest first: a file includes headers of its own layer and of the
# layers before it, never of one after it (`make layers`, docs/architecture.md).
LAYERS   := base vm engine lang tools api
LIB_SRCS := $(foreach l,$(LAYERS),$(wildcard src/$(l)/*.c))
CLI_SRCS := $(wildcard src/cli/*.c)
GEN_SRCS := $(wildcard src/gen/*.c)
LIB_OBJS := $(LIB_SRCS:src/%.c=$(BUILD)/obj/%.o) $(BUILD)/obj/lang/doudi.tab.o $(BUILD)/obj/lang/doudi.lex.o
CLI_OBJS := $(CLI_SRCS:src/%.c=$(BUILD)/obj/%.o)
GEN_OBJS := $(GEN_SRCS:src/%.c=$(BUILD)/obj/%.o)
TEST_SRCS := $(wildcard tests/unit/test_*.c)
TEST_BINS := $(TEST_SRCS:tests/unit/%.c=$(BUILD)/tests/%)
# The fuzz harnesses: every tests/fuzz/fuzz_*.c; `make test` replays their regression inputs
# and seeds through a plain build of each (tests/fuzz/replay.c).
FUZZ_HARNESSES := $(patsubst tests/fuzz/%.c,%,$(wildcard tests/fuzz/fuzz_*.c))
REPLAY_BINS := $(FUZZ_HARNESSES:%=$(BUILD)/replay/%)

# GCC merges the VM's computed gotos into one indirect jump unless told not to; clang keeps
# them apart by itself and knows neither flag.
ifeq ($(IS_CLANG),0)
VM_FLAGS := -fno-gcse -fno-crossjumping
endif

.PHONY: all test asan clean deps check-rules demo bench layers messages fuzz fuzz-build fuzz-seeds
ifeq ($(BUILD),build)
all: $(BUILD)/doudi $(BUILD)/libdoudi.a doudi
else
all: $(BUILD)/doudi $(BUILD)/libdoudi.a
endif

# ---- packages -----------------------------------------------------------------------------
deps: $(DEPS_STAMP)

# $(call install_missing,PACKAGES): apt-get the packages not installed yet, then touch the stamp.
define install_missing
	@missing=""; \
	for p in $(1); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q 'install ok installed' || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "doudi: installing missing packages:$$missing"; \
	  if [ "$$(id -u)" != 0 ]; then echo "doudi: run as root (or install:$$missing)"; exit 1; fi; \
	  export DEBIAN_FRONTEND=noninteractive; \
	  apt-get update -qq && apt-get install -y -qq --no-install-recommends $$missing >/dev/null || exit 1; \
	fi
	@mkdir -p build && touch $@
endef

$(DEPS_STAMP):
	$(call install_missing,$(PACKAGES))

$(FUZZ_DEPS_STAMP):
	$(call install_missing,$(FUZZ_PACKAGES))

# ---- generated scanner and parser ----------------------------------------------------------
$(GEN)/doudi.tab.c $(GEN)/doudi.tab.h &: grammar/doudi.y | $(DEPS_STAMP)
	@mkdir -p $(GEN)
	bison -Wall -Werror --defines=$(GEN)/doudi.tab.h -o $(GEN)/doudi.tab.c $<

$(GEN)/doudi.lex.c $(GEN)/doudi.lex.h &: grammar/doudi.l $(GEN)/doudi.tab.h | $(DEPS_STAMP)
	@mkdir -p $(GEN)
	flex --header-file=$(GEN)/doudi.lex.h -o $(GEN)/doudi.lex.c $<

$(BUILD)/obj/lang/doudi.tab.o: $(GEN)/doudi.tab.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) -Wno-unused-function -c -o $@ $<

$(BUILD)/obj/lang/doudi.lex.o: $(GEN)/doudi.lex.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) -Wno-unused-function -Wno-sign-compare -Wno-shadow -c -o $@ $<

# ---- library and binary --------------------------------------------------------------------
$(BUILD)/obj/%.o: src/%.c $(GEN)/doudi.tab.h $(GEN)/doudi.lex.h | $(DEPS_STAMP)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) -c -o $@ $<

$(BUILD)/obj/vm/vm.o: CFLAGS += $(VM_FLAGS)

$(BUILD)/libdoudi.a: $(LIB_OBJS)
	@rm -f $@
	ar rcs $@ $^

# The population generator is a tool of the command line, not part of the library.
$(BUILD)/libdoudi-gen.a: $(GEN_OBJS)
	@rm -f $@
	ar rcs $@ $^

$(BUILD)/doudi: $(CLI_OBJS) $(BUILD)/libdoudi-gen.a $(BUILD)/libdoudi.a
	$(CC) $(LDFLAGS) -o $@ $(CLI_OBJS) $(BUILD)/libdoudi-gen.a $(BUILD)/libdoudi.a $(LDLIBS)

# ./doudi at the top of the tree is the plain build's binary, for the README's commands.
doudi: build/doudi
	@ln -sf build/doudi doudi

# ---- tests ---------------------------------------------------------------------------------
$(BUILD)/obj/tests/%.o: tests/unit/%.c $(GEN)/doudi.tab.h $(GEN)/doudi.lex.h | $(DEPS_STAMP)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) -Itests/unit $(CFLAGS) -c -o $@ $<

$(BUILD)/tests/%: $(BUILD)/obj/tests/%.o $(BUILD)/libdoudi-gen.a $(BUILD)/libdoudi.a
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $< $(BUILD)/libdoudi-gen.a $(BUILD)/libdoudi.a $(LDLIBS) -lcmocka

test: $(BUILD)/doudi $(TEST_BINS) $(REPLAY_BINS)
	@set -e; status=0; \
	$(MAKE) --no-print-directory layers || status=1; \
	$(MAKE) --no-print-directory messages || status=1; \
	for t in $(TEST_BINS); do \
	  echo "== $$t"; \
	  DOUDI=$(BUILD)/doudi $$t || status=1; \
	done; \
	for h in $(FUZZ_HARNESSES); do \
	  echo "== $(BUILD)/replay/$$h"; \
	  $(BUILD)/replay/$$h tests/fuzz/regressions/$$h tests/fuzz/corpus/$$h || status=1; \
	done; \
	DOUDI=$(BUILD)/doudi sh tests/cli/run.sh || status=1; \
	$(MAKE) --no-print-directory check-rules || status=1; \
	exit $$status

# ---- fuzzing -------------------------------------------------------------------------------
# A harness is plain C with LLVMFuzzerTestOneInput (tests/fuzz/README.md). `make test` links each
# with tests/fuzz/replay.c (build/replay/); `make fuzz` links each with libFuzzer, clang, ASan and
# UBSan (build/fuzz/) and runs it for FUZZ_SECONDS with the options in tests/fuzz/HARNESS.options
# (one per line, # comments), over its working corpus build/fuzz/corpus/HARNESS/ and the seeds
# tests/fuzz/corpus/HARNESS/. Any crash, leak, timeout or memory blow-up fails it; the input
# is left in build/fuzz/artifacts/HARNESS/. FUZZ_ARGS adds libFuzzer options to every run.
FUZZ_SECONDS ?= 60
FUZZ_ARGS ?=
FUZZ_LINK := -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all
.SECONDARY: $(FUZZ_HARNESSES:%=$(BUILD)/obj/fuzz/%.o) $(BUILD)/obj/fuzz/replay.o

$(BUILD)/obj/fuzz/%.o: tests/fuzz/%.c $(GEN)/doudi.tab.h $(GEN)/doudi.lex.h | $(DEPS_STAMP)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) -Itests/fuzz -DFUZZ_TOP='"$(CURDIR)"' $(CFLAGS) -c -o $@ $<

$(BUILD)/replay/%: $(BUILD)/obj/fuzz/%.o $(BUILD)/obj/fuzz/replay.o $(BUILD)/libdoudi.a
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $(BUILD)/obj/fuzz/$*.o $(BUILD)/obj/fuzz/replay.o $(BUILD)/libdoudi.a $(LDLIBS)

ifeq ($(FUZZ),1)
fuzz-build: $(FUZZ_HARNESSES:%=$(BUILD)/%)

$(BUILD)/fuzz_%: $(BUILD)/obj/fuzz/fuzz_%.o $(BUILD)/libdoudi.a
	$(CC) $(FUZZ_LINK) -o $@ $< $(BUILD)/libdoudi.a $(LDLIBS)
endif

fuzz: $(DEPS_STAMP) $(FUZZ_DEPS_STAMP)
	@$(MAKE) --no-print-directory FUZZ=1 CC=clang fuzz-build
	@status=0; \
	for h in $(FUZZ_HARNESSES); do \
	  mkdir -p build/fuzz/corpus/$$h build/fuzz/artifacts/$$h; \
	  opts=$$(sed -e 's/#.*//' tests/fuzz/$$h.options 2>/dev/null); \
	  echo "== $$h for $(FUZZ_SECONDS) s:" $$opts; \
	  FUZZ_SEED_DIR=build/fuzz/corpus/$$h build/fuzz/$$h -max_total_time=$(FUZZ_SECONDS) -timeout=5 \
	    -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix=build/fuzz/artifacts/$$h/ \
	    $$opts $(FUZZ_ARGS) build/fuzz/corpus/$$h tests/fuzz/corpus/$$h \
	  || { status=1; echo "== $$h FAILED: the input is in build/fuzz/artifacts/$$h/"; }; \
	done; \
	exit $$status

# The generated seeds checked in (fuzz_ddc's: `doudi compile` output, which goes stale when the
# .ddc format changes): written again by the harnesses themselves.
fuzz-seeds: $(DEPS_STAMP) $(FUZZ_DEPS_STAMP)
	@$(MAKE) --no-print-directory FUZZ=1 CC=clang fuzz-build
	@for h in $(FUZZ_HARNESSES); do \
	  FUZZ_SEED_DIR=tests/fuzz/corpus/$$h build/fuzz/$$h -runs=0 tests/fuzz/corpus/$$h >/dev/null 2>&1 || exit 1; \
	done

# Every rule file in the tree checks clean, is in canonical form, and passes its own tests
# with full coverage.
check-rules: $(BUILD)/doudi
	@echo "== rule files"
	$(BUILD)/doudi check rules/*.doudi examples/rule-change/*.doudi examples/ci/rules/*.doudi
	$(BUILD)/doudi fmt --check rules/*.doudi examples/rule-change/*.doudi examples/ci/rules/*.doudi
	$(BUILD)/doudi test --coverage --require-full-coverage rules/*.doudi examples/rule-change/*.doudi examples/ci/rules/*.doudi

# The main job: a 50,000-person Zhengzhou population through the whole plan — generated,
# imported into an SQLite ledger, run, and the city's 附件1 and 附件2 printed and written as XLSX;
# then the whole run as one HTML page (报告.html) and the villages' public notice (公示名单.xlsx).
DEMO := build/demo
demo: $(BUILD)/doudi
	@rm -rf $(DEMO) && mkdir -p $(DEMO)
	@echo "== generating 50,000 people (seed 1) into $(DEMO)"
	@$(BUILD)/doudi gen --count 50000 --seed 1 --out $(DEMO)
	@echo "== importing into $(DEMO)/doudi.db"
	@$(BUILD)/doudi import --db $(DEMO)/doudi.db --rules rules/zhengzhou-2021.doudi $(DEMO)/persons.csv $(DEMO)/institutions.csv
	@echo "== running rules/zhengzhou-2021.doudi"
	@$(BUILD)/doudi run rules/zhengzhou-2021.doudi --db $(DEMO)/doudi.db --out $(DEMO)/results.csv
	@echo
	@$(BUILD)/doudi report rules/zhengzhou-2021.doudi --db $(DEMO)/doudi.db --form attachment1 --format text
	@echo
	@$(BUILD)/doudi report rules/zhengzhou-2021.doudi --db $(DEMO)/doudi.db --form attachment2 --format text
	@$(BUILD)/doudi report rules/zhengzhou-2021.doudi --db $(DEMO)/doudi.db --form attachment1 --format xlsx -o $(DEMO)/附件1.xlsx
	@$(BUILD)/doudi report rules/zhengzhou-2021.doudi --db $(DEMO)/doudi.db --form attachment2 --format xlsx -o $(DEMO)/附件2.xlsx
	@echo "== the report (with near misses) and the public notice"
	@$(BUILD)/doudi report rules/zhengzhou-2021.doudi --db $(DEMO)/doudi.db -o $(DEMO)/报告.html
	@$(BUILD)/doudi notice --db $(DEMO)/doudi.db -o $(DEMO)/公示名单.xlsx
	@echo
	@echo "written: $(DEMO)/附件1.xlsx $(DEMO)/附件2.xlsx (a sheet per county and one for the city), $(DEMO)/results.csv,"
	@echo "         $(DEMO)/报告.html (open it in a browser; it prints on A4), $(DEMO)/公示名单.xlsx (a sheet per county)"

asan:
	$(MAKE) SAN=1 test

# Throughput, as ratios against baselines run in the same process (see docs/performance.md).
# Not part of `make test`: it generates and imports a million people.
bench: build/bench build/bench_import build/bench_stream
	build/bench
	build/bench_import
	build/bench_stream

build/bench: tests/bench/bench.c tests/bench/bench_util.h build/libdoudi-gen.a build/libdoudi.a
	$(CC) $(CPPFLAGS) $(CSTD) $(WARN) -O2 -g -o $@ $< build/libdoudi-gen.a build/libdoudi.a $(LDLIBS)

build/bench_import: tests/bench/bench_import.c tests/bench/bench_util.h build/libdoudi-gen.a build/libdoudi.a
	$(CC) $(CPPFLAGS) $(CSTD) $(WARN) -O2 -g -o $@ $< build/libdoudi-gen.a build/libdoudi.a $(LDLIBS)

# the end-to-end line: the hand-written pipeline (libc only) against run --from and import + run
build/bench_stream: tests/bench/bench_util.h tests/bench/bench_stream.c tests/bench/handwritten.c tests/bench/handwritten.h build/libdoudi-gen.a build/libdoudi.a
	$(CC) $(CPPFLAGS) $(CSTD) $(WARN) -O2 -g -o $@ tests/bench/bench_stream.c tests/bench/handwritten.c build/libdoudi-gen.a build/libdoudi.a $(LDLIBS)

# Prints a ledger file's rows as the importer's row source reads them (a CSV or an .xlsx), or
# counts them with --count: for trying the readers by hand and measuring a large workbook.
build/rows_dump: tests/tools/rows_dump.c build/libdoudi.a
	$(CC) $(CPPFLAGS) $(CSTD) $(WARN) -O2 -g -o $@ $< build/libdoudi.a $(LDLIBS)

# No include points up a layer (see LAYERS above and tests/layers.sh).
layers:
	@sh tests/layers.sh

# Every message goes through tr() and the catalogue (tests/messages.sh, docs/architecture.md).
messages:
	@sh tests/messages.sh

clean:
	rm -rf build doudi

-include $(wildcard $(BUILD)/obj/*/*.d $(BUILD)/obj/tests/*.d)
