#!/usr/bin/env bash
# npm run test:native — the core's C++ unit tests (native/tests: GoogleTest, run by ctest):
# configure the top-level CMakeLists.txt with -DGAUSSMIX_TESTS=ON, build, run ctest.
#
#   scripts/test-native.sh              Release build in build-tests/
#   scripts/test-native.sh --sanitize   ASan + UBSan build (RelWithDebInfo) in build-tests-sanitize/,
#                                       baseline variant only (the SIMD copies of the same
#                                       sources take a third of the time each, and run unsanitised
#                                       in the Release build)
#   extra arguments after those go to ctest (e.g. -R ExactSums)
#
# Needs GoogleTest (Debian: libgtest-dev; .ci/run installs it). Every SIMD variant of the core
# the build has is tested where this CPU runs it; the others are reported as skipped.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

out=build-tests
config=Release
sanitize=OFF
if [[ "${1:-}" == --sanitize ]]; then
  shift
  out=build-tests-sanitize
  config=RelWithDebInfo
  sanitize=ON
  export GAUSSMIX_SIMD=baseline  # read by CMakeLists.txt when it configures
fi

cmake -S . -B "$out" -DGAUSSMIX_TESTS=ON -DGAUSSMIX_SANITIZE="$sanitize" \
  -DCMAKE_BUILD_TYPE="$config" >/dev/null
cmake --build "$out" --parallel "$(nproc 2>/dev/null || echo 2)"
# The baseline tests must run baseline code: no function they share with a SIMD copy may hold
# AVX instructions (as for the addon).
node scripts/check-simd-isolation.mjs "$out/native/tests/gaussmix_core_tests"
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:halt_on_error=1:strict_string_checks=1:detect_stack_use_after_return=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
ctest --test-dir "$out" --output-on-failure --parallel "$(nproc 2>/dev/null || echo 2)" "$@"
