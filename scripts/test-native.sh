#!/usr/bin/env bash
# npm run test:native — the core's C++ unit tests (native/tests: GoogleTest, run by ctest):
# configure the top-level CMakeLists.txt with -DGAUSSMIX_TESTS=ON, build, run ctest.
#
#   scripts/test-native.sh              Release build in build-tests/ (the sanitized run of the
#                                       same tests is part of npm run test:sanitize)
#   extra arguments after those go to ctest (e.g. -R ExactSums)
#   GAUSSMIX_TESTS_CORE_OBJECTS=build/obj   the tests only, linked with the core objects an
#                                       install kept (GAUSSMIX_KEEP_OBJECTS=1; the same compiler,
#                                       $CXX or g++): the code npm ci built, no second compile
#
# Needs GoogleTest (Debian: libgtest-dev; .ci/run installs it). Every SIMD variant of the core
# the build has is tested where this CPU runs it; the others are reported as skipped.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

out=build-tests
objects="${GAUSSMIX_TESTS_CORE_OBJECTS:-}"
[[ -z "$objects" ]] || objects="$(cd "$objects" && pwd)"
cmake -S . -B "$out" -DGAUSSMIX_TESTS=ON -DCMAKE_BUILD_TYPE=Release -DGAUSSMIX_CORE_OBJECTS="$objects" >/dev/null
cmake --build "$out" --parallel "$(nproc 2>/dev/null || echo 2)" --target gaussmix_core_tests
# The baseline tests must run baseline code: no function they share with a SIMD copy may hold
# AVX instructions (as for the addon).
node scripts/check-simd-isolation.mjs "$out/native/tests/gaussmix_core_tests"
ctest --test-dir "$out" --output-on-failure --parallel "$(nproc 2>/dev/null || echo 2)" "$@"
