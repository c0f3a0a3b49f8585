# nex — the two set-up commands (README) and helpers around CMake, in the
# spirit of neovim's top-level Makefile. Every target installs missing Debian
# packages first (scripts/deps.sh is idempotent).
BUILD ?= build
ASAN_BUILD ?= build-asan
FUZZ_BUILD ?= build-fuzz
JOBS ?= $(shell nproc 2>/dev/null || echo 2)
CMAKE ?= cmake
MAKEFLAGS += --no-print-directory

.PHONY: all deps build run check test asan fuzz bench models clean

all: build

deps:
	@sh scripts/deps.sh

build: deps
	@$(CMAKE) -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=Release >/dev/null
	@$(CMAKE) --build $(BUILD) -j $(JOBS)

# The main job on the built-in demo model.
run: build
	@./$(BUILD)/nex

test: build
	@cd $(BUILD) && ctest --output-on-failure -j $(JOBS)

asan: deps
	@$(CMAKE) -S . -B $(ASAN_BUILD) -DCMAKE_BUILD_TYPE=Debug -DNEX_SANITIZE=ON >/dev/null
	@$(CMAKE) --build $(ASAN_BUILD) -j $(JOBS)
	@cd $(ASAN_BUILD) && ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
		ctest --output-on-failure -j $(JOBS) -LE slow

# libFuzzer targets, 30 s each, when clang is there.
fuzz: deps
	@if command -v clang >/dev/null 2>&1; then \
		CC=clang $(CMAKE) -S . -B $(FUZZ_BUILD) -DCMAKE_BUILD_TYPE=Debug -DNEX_FUZZ=ON >/dev/null && \
		$(CMAKE) --build $(FUZZ_BUILD) -j $(JOBS) --target fuzzers && sh tests/fuzz/run.sh $(FUZZ_BUILD) 30; \
	else echo "fuzz: clang not found, fuzzers skipped"; fi

models:
	@sh scripts/fetch-models.sh

# The whole suite: release build, then the same tests under ASan+UBSan, then
# the fuzzers.
check: deps models test asan fuzz

# The benchmark suite (50 min on the loaded 2-core machine): installs the peers, writes
# docs/benchmarks.md. Not part of check (its smoke run is: ctest bench/smoke).
bench: build
	@sh tests/bench/suite.sh $(BUILD)

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) $(FUZZ_BUILD)
