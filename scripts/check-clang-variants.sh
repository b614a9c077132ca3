#!/usr/bin/env bash
# The SIMD variants' own code through clang, without building them: clang -fsyntax-only of every
# core source whose code depends on the instruction set (it includes lanes.h, kmeans_plain.h or
# compat_lanes.h, or tests __AVX*__ itself), with the AVX2+FMA and the AVX-512 flags and
# namespaces of CMakeLists.txt's GAUSSMIX_V3_OPTIONS / GAUSSMIX_V4_OPTIONS (keep them in step).
# For .ci/run, whose clang build (the sanitized one) has the baseline variant only. Templates are
# instantiated as in a compile, so what clang rejects and GCC lets pass fails here too.
#   bash scripts/check-clang-variants.sh        (CXX: clang++ unless set)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

cxx="${CXX:-clang++}"
eigen="$(node scripts/eigen.js)"
common=(-std=c++17 -fsyntax-only -fexceptions -frtti -ffp-contract=off -Wall -Wextra
  -Wno-unused-parameter -DEIGEN_DONT_PARALLELIZE -DEIGEN_MPL2_ONLY -DNDEBUG
  -isystem "$eigen" -Inative)
v3=(-Dgaussmix=gaussmix_v3 -DEigen=EigenV3 -mavx2 -mfma)
v4=(-Dgaussmix=gaussmix_v4 -DEigen=EigenV4 -mavx512f -mavx512cd -mavx512bw -mavx512dq -mavx512vl
  -mavx2 -mfma -Wno-uninitialized)

mapfile -t core < <(node -p "require('./native/sources.json').core.join('\n')")
files=()
for src in "${core[@]}"; do
  # Its headers (the preprocessor only: fast), then whether any of them is per instruction set.
  deps="$("$cxx" "${common[@]/-fsyntax-only/-MM}" "${v4[@]}" "$src" | tr ' \\' '\n\n')"
  if grep -qE '(^|/)(lanes|kmeans_plain|compat_lanes)\.h$' <<<"$deps" || grep -q '__AVX' "$src"; then
    files+=("$src")
  fi
done
((${#files[@]})) || { echo "check-clang-variants: no per-instruction-set source found" >&2; exit 1; }
echo "check-clang-variants: ${#files[@]} of ${#core[@]} core sources, AVX2+FMA and AVX-512 ($("$cxx" --version | head -n1))"
# Each file with each variant's flags, as many at a time as there are CPUs; any error fails.
check() { # <v3|v4> <source>
  local -n flags="$1"
  "$cxx" "${common[@]}" "${flags[@]}" "$2" || { echo "check-clang-variants: $2 ($1) FAILED" >&2; return 1; }
}
export -f check
export cxx
export common_s="${common[*]}" v3_s="${v3[*]}" v4_s="${v4[*]}"
printf '%s\n' "${files[@]/#/v3 }" "${files[@]/#/v4 }" |
  xargs -P "$(nproc 2>/dev/null || echo 2)" -L 1 bash -c \
    'read -ra common <<<"$common_s"; read -ra v3 <<<"$v3_s"; read -ra v4 <<<"$v4_s"; check "$0" "$1"' ||
  { echo "check-clang-variants: FAILED" >&2; exit 1; }
echo "check-clang-variants: clean"
