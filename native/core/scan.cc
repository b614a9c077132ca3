#include "scan.h"

#include <cmath>
#include <vector>

#include "lanes.h"
#include "parallel.h"

namespace gaussmix {
namespace {

// Values per block: the threads share blocks; within a block one branch-free sweep.
constexpr Index kScanBlock = Index{1} << 16;

// Whether x[0, n) holds a value that is not finite: x·0 is ±0 for a finite x and NaN
// otherwise, so the sum of the products is 0 exactly when every value is finite.
bool anyNonFinite(const double* x, Index n) {
  using namespace Eigen::internal;
  using Packet = detail::Packet;
  constexpr int kPacket = detail::kPacket;
  const Packet zero = pset1<Packet>(0.0);
  Packet acc[4] = {zero, zero, zero, zero};
  Index i = 0;
  for (; i + 4 * kPacket <= n; i += 4 * kPacket) {
    for (int q = 0; q < 4; ++q) acc[q] = padd(acc[q], pmul(ploadu<Packet>(x + i + q * kPacket), zero));
  }
  double rest = 0.0;
  for (; i < n; ++i) rest += x[i] * 0.0;
  const double total = predux(padd(padd(acc[0], acc[1]), padd(acc[2], acc[3]))) + rest;
  return total != 0.0;  // NaN != 0
}

}  // namespace

Index firstNonFinite(const double* x, Index n, unsigned threads) {
  if (n <= 0) return -1;
  const Index blocks = (n + kScanBlock - 1) / kScanBlock;
  std::vector<char> bad(static_cast<size_t>(blocks), 0);
  ThreadPool pool(threadsFor(blocks, threads), nullptr);
  pool.forEach(blocks, [&](Index b, unsigned) {
    const Index begin = b * kScanBlock;
    bad[b] = anyNonFinite(x + begin, std::min(kScanBlock, n - begin)) ? 1 : 0;
  });
  for (Index b = 0; b < blocks; ++b) {
    if (!bad[b]) continue;
    for (Index i = b * kScanBlock; i < std::min(n, (b + 1) * kScanBlock); ++i) {
      if (!std::isfinite(x[i])) return i;
    }
  }
  return -1;
}

}  // namespace gaussmix
