#!/usr/bin/env bash
# Builds and runs the mclust core tests (native/tests/mclust) against the committed R mclust
# fixtures: plain C++17 + Eigen, no Node. Needs nlohmann-json (Debian: nlohmann-json3-dev).
#   bash scripts/test-mclust-core.sh
#   GAUSSMIX_TESTS_CORE_OBJECTS=build/obj bash scripts/test-mclust-core.sh
#       only the tests compile; they link the baseline mclust objects an install kept
#       (GAUSSMIX_KEEP_OBJECTS=1, the same compiler, $CXX or g++), as scripts/test-native.sh
#       does: the code npm ci built, and no second compile of the core's heaviest files
#       (about 45 s on 2 cores)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
eigen="$(node scripts/eigen.js)"
out=build/mclust-tests
objects="${GAUSSMIX_TESTS_CORE_OBJECTS:-}"
mkdir -p "$out"
rm -f "$out"/*.o
cxx=(${CXX:-g++} -std=c++17 -O2 -Wall -Wextra -Wno-unused-parameter -ffp-contract=off
  -DEIGEN_MPL2_ONLY -isystem "$eigen" -Inative -Inative/tests/mclust)
core=(native/core/covariance.cc native/core/mclust/*.cc)
linked=()
if [[ -n "$objects" ]]; then
  # The install's defines too, so that every inline function of Eigen has one definition.
  cxx+=(-DNDEBUG -DEIGEN_DONT_PARALLELIZE)
  for src in "${core[@]}"; do
    obj="$objects/baseline/${src%.cc}.o"
    [[ -f "$obj" ]] || { echo "GAUSSMIX_TESTS_CORE_OBJECTS: no $obj" >&2; exit 1; }
    linked+=("$obj")
  done
  sources=(native/tests/mclust/*.cc)
else
  sources=("${core[@]}" native/tests/mclust/*.cc)
fi
# One compiler per core (each file takes seconds of Eigen), then one link.
pids=()
for src in "${sources[@]}"; do
  while (($(jobs -rp | wc -l) >= $(nproc 2>/dev/null || echo 2))); do wait -n; done
  obj="$out/$(echo "${src%.cc}" | tr / _).o"
  "${cxx[@]}" -c "$src" -o "$obj" &
  pids+=($!)
done
for pid in "${pids[@]}"; do wait "$pid"; done
"${cxx[@]}" "$out"/*.o "${linked[@]}" -o "$out/mclust_tests"
"$out/mclust_tests" test/fixtures/mclust
