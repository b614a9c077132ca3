// What ExactSums costs, next to plain double sums in the same run (ratios, not absolute
// times, are what carries from one machine to another). Not a test: built with the tests,
// run by hand:  build-tests/native/tests/exact_sum_bench
// For n accumulators: add(values) in ns per value (arrays of E-step-like partial sums, similar
// magnitudes, cycling through a few arrays as blocks' partials would come hot from cache),
// round() in ns per accumulator, the one-array path (clear, add, round), memory per
// accumulator and the encoding's bytes per value.
#include <time.h>

#include <algorithm>
#include <cstdio>
#include <random>
#include <vector>

#include "core/exact_sum.h"

namespace {

// The thread's CPU time: on a shared machine, wall time counts other processes' turns too.
double cpuNs() {
  timespec t;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) * 1e9 + static_cast<double>(t.tv_nsec);
}

template <class Fn>
double bestOf(int runs, Fn fn) {
  double best = 1e300;
  for (int r = 0; r < runs; ++r) {
    const double start = cpuNs();
    fn();
    best = std::min(best, cpuNs() - start);
  }
  return best;
}

volatile double sink;

}  // namespace

int main() {
  std::mt19937_64 rng(1);
  std::printf("%9s %7s | %9s %9s %6s | %9s %9s | %8s %8s\n", "n", "arrays", "plain", "exact",
              "ratio", "round", "1-array", "B/acc", "enc B");
  std::printf("%9s %7s | %9s %9s %6s | %9s %9s | %8s %8s\n", "", "", "ns/value", "ns/value", "",
              "ns/acc", "ns/acc", "", "/value");
  for (const std::ptrdiff_t n : {8, 64, 1024, 16384, 200000}) {
    const int arrays = static_cast<int>(std::max<std::ptrdiff_t>(40, 20000000 / n));
    // Block partial sums: Σ over 4096 rows of r·x, magnitudes within a few binades, both signs.
    std::vector<std::vector<double>> blocks(8, std::vector<double>(static_cast<std::size_t>(n)));
    std::uniform_real_distribution<double> value(-4096.0, 4096.0);
    for (auto& b : blocks) {
      for (double& v : b) v = value(rng);
    }
    std::vector<double> plain(static_cast<std::size_t>(n));
    const double plainNs = bestOf(3, [&] {
      std::fill(plain.begin(), plain.end(), 0.0);
      for (int a = 0; a < arrays; ++a) {
        const double* v = blocks[static_cast<std::size_t>(a % 8)].data();
        for (std::ptrdiff_t i = 0; i < n; ++i) plain[static_cast<std::size_t>(i)] += v[i];
      }
      sink = plain[0];
    });
    gaussmix::ExactSums sums(n);
    const double exactNs = bestOf(3, [&] {
      sums.clear();
      for (int a = 0; a < arrays; ++a) sums.add(blocks[static_cast<std::size_t>(a % 8)].data());
    });
    std::vector<double> out(static_cast<std::size_t>(n));
    const int rounds = static_cast<int>(std::max<std::ptrdiff_t>(3, 2000000 / n));
    const double roundNs = bestOf(3, [&] {
      for (int r = 0; r < rounds; ++r) sums.round(out.data());
      sink = out[0];
    });
    gaussmix::ExactSums one(n);
    const double singleNs = bestOf(3, [&] {
      for (int r = 0; r < rounds; ++r) {
        one.clear();
        one.add(blocks[0].data());
        one.round(out.data());
      }
      sink = out[0];
    });
    std::vector<std::uint8_t> bytes;
    sums.serialise(bytes);
    const double values = static_cast<double>(arrays) * static_cast<double>(n);
    std::printf("%9td %7d | %9.2f %9.2f %6.1f | %9.2f %9.2f | %8.1f %8.1f\n", n, arrays,
                plainNs / values, exactNs / values, exactNs / plainNs,
                roundNs / rounds / static_cast<double>(n),
                singleNs / rounds / static_cast<double>(n),
                static_cast<double>(sums.memoryBytes()) / static_cast<double>(n),
                static_cast<double>(bytes.size()) / static_cast<double>(n));
  }
  return 0;
}
