#!/usr/bin/env bash
# Builds and runs the mclust core tests (native/tests/mclust) against the committed R mclust
# fixtures: plain C++17 + Eigen, no Node. Needs nlohmann-json (Debian: nlohmann-json3-dev).
#   bash scripts/test-mclust-core.sh
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
eigen="$(node scripts/eigen.js)"
out=build/mclust-tests
mkdir -p "$out"
rm -f "$out"/*.o
cxx=(${CXX:-g++} -std=c++17 -O2 -Wall -Wextra -Wno-unused-parameter -ffp-contract=off
  -DEIGEN_MPL2_ONLY -isystem "$eigen" -Inative -Inative/tests/mclust)
# One compiler per core (each file takes seconds of Eigen), then one link.
sources=(native/core/covariance.cc native/core/mclust/*.cc native/tests/mclust/*.cc)
pids=()
for src in "${sources[@]}"; do
  while (($(jobs -rp | wc -l) >= $(nproc 2>/dev/null || echo 2))); do wait -n; done
  obj="$out/$(echo "${src%.cc}" | tr / _).o"
  "${cxx[@]}" -c "$src" -o "$obj" &
  pids+=($!)
done
for pid in "${pids[@]}"; do wait "$pid"; done
"${cxx[@]}" "$out"/*.o -o "$out/mclust_tests"
"$out/mclust_tests" test/fixtures/mclust
