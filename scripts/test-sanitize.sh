#!/usr/bin/env bash
# npm run test:sanitize — the addon and the core's C++ unit tests built with AddressSanitizer +
# UndefinedBehaviorSanitizer (cmake-js, -DGAUSSMIX_SANITIZE=ON -DGAUSSMIX_TESTS=ON,
# RelWithDebInfo: -O2 -g) into their own folder, the baseline variant only (the SIMD copies
# compile the same sources; they run unsanitised in the other builds' tests), then ctest and
# the native-facing part of the vitest suite against them. Fails on a failing test and on any
# sanitizer report (UBSan is built with -fno-sanitize-recover, so a report also ends the run).
#
#   scripts/test-sanitize.sh                 build (incremental) + run the default subset
#   scripts/test-sanitize.sh test/x.test.ts  build + run those files instead
#   CC=clang CXX=clang++ ...                 build with clang (its ASan runtime is preloaded)
#   GAUSSMIX_SANITIZE_NO_BUILD=1 ...         run against the existing build
#   GAUSSMIX_SANITIZE_NO_CTEST=1 ...         skip the C++ unit tests
#   GAUSSMIX_SANITIZE_NO_VITEST=1 ...        skip the vitest files
#
# The build lives in build-sanitize/ (not build/), so the normal addon is left alone and a
# concurrent `npm run build:native` cannot remove it. Node itself is not instrumented: the ASan
# runtime is preloaded (it must come first), and leak detection is off (node does not free
# everything at exit; leaks are the job of test/leaks.test.ts and scripts/valgrind-check.sh).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

out=build-sanitize
config=RelWithDebInfo
# Absolute: tests that run node in another folder (a consumer project) load it too.
addon="$PWD/$out/$config/gaussmix.node"
cxx="${CXX:-g++}"

if [[ "${GAUSSMIX_SANITIZE_NO_BUILD:-}" != 1 ]]; then
  # Another compiler than the cached configuration's: configure afresh.
  stamp="$out/gaussmix-sanitize-compiler"
  if [[ -f "$out/CMakeCache.txt" && "$(cat "$stamp" 2>/dev/null)" != "$cxx" ]]; then
    rm -rf "$out"
  fi
  echo "test:sanitize: building $addon (ASan + UBSan, $cxx)"
  GAUSSMIX_SIMD=baseline npx cmake-js compile --out "$out" --config "$config" \
    --CDGAUSSMIX_SANITIZE=ON --CDGAUSSMIX_TESTS=ON </dev/null
  echo "$cxx" >"$stamp"
fi
[[ -f "$addon" ]] || { echo "test:sanitize: no $addon" >&2; exit 1; }
# The build must really be instrumented (a stale cache could have dropped the option).
if [[ "$(nm -D "$addon" | grep -c '__asan_report')" == 0 ]]; then
  echo "test:sanitize: $addon has no AddressSanitizer instrumentation" >&2
  exit 1
fi

# The C++ unit tests first (leak detection on: the test binary frees what it allocates).
if [[ "${GAUSSMIX_SANITIZE_NO_CTEST:-}" != 1 ]]; then
  ASAN_OPTIONS="detect_leaks=1:halt_on_error=1:strict_string_checks=1:detect_stack_use_after_return=1" \
    UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1" \
    ctest --test-dir "$out" --output-on-failure --parallel "$(nproc 2>/dev/null || echo 2)"
fi

[[ "${GAUSSMIX_SANITIZE_NO_VITEST:-}" != 1 ]] || exit 0

# The ASan runtime node must preload: GCC's libasan, or clang's (which holds UBSan's too).
if "$cxx" --version | grep -q clang; then
  asan_rt="$("$cxx" -print-file-name="libclang_rt.asan-$(uname -m).so")"
else
  asan_rt="$("$cxx" -print-file-name=libasan.so)"
fi
[[ -f "$asan_rt" ]] || { echo "test:sanitize: no ASan runtime found ($cxx -print-file-name: $asan_rt)" >&2; exit 1; }

# The files that drive native code: not the command line's, Redis's and the package's files
# (process plumbing, and slow; .ci/run's engine_tests leaves out the same), nor the 5M-row
# memory test. The boundary properties run 5 times their usual cases (GAUSSMIX_FC_RUNS):
# hostile input is where memory errors hide.
files=("$@")
if ((${#files[@]} == 0)); then
  mapfile -t files < <(ls test/*.test.ts |
    grep -vE '/(cli[.a-z]*|distributed[.a-z]*|packaging|no-binary|compat\.consumer|stream\.memory)\.test\.ts$')
fi

log="$(mktemp -t gaussmix-sanitize.XXXXXX)"
trap 'rm -f "$log"' EXIT
echo "test:sanitize: ${#files[@]} test files under $asan_rt"
status=0
LD_PRELOAD="$asan_rt${LD_PRELOAD:+:$LD_PRELOAD}" \
  ASAN_OPTIONS="detect_leaks=0:halt_on_error=1:abort_on_error=0:check_initialization_order=1:strict_string_checks=1:detect_stack_use_after_return=1" \
  UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1" \
  GAUSSMIX_ADDON="$addon" \
  GAUSSMIX_SANITIZED=1 \
  GAUSSMIX_FC_RUNS="${GAUSSMIX_FC_RUNS:-5}" \
  npx vitest run "${files[@]}" 2>&1 | tee "$log" || status=$?

if grep -qE 'ERROR: AddressSanitizer|runtime error:|ERROR: LeakSanitizer|SUMMARY: (Address|UndefinedBehavior)Sanitizer' "$log"; then
  echo "test:sanitize: FAILED: a sanitizer reported an error (above)" >&2
  exit 1
fi
if ((status != 0)); then
  echo "test:sanitize: FAILED: vitest exited with $status" >&2
  exit "$status"
fi
echo "test:sanitize: clean"
