// The machine's dense matrix-multiply rate, as the bench's yardstick for GFLOP/s: Eigen's GEMM
// (C = A·B, n×n doubles) compiled with the flags of the shipped addon (see bench/gemm.mjs),
// EIGEN_DONT_PARALLELIZE as there, first on one thread, then on T std::threads each computing
// its own block of rows of C concurrently (what a row-split kernel on T threads can reach).
//
// Usage: gemm_probe N THREADS REPS   prints one JSON line with the best of REPS timings (after
// one warm-up) for 1 and for THREADS threads, in GFLOP/s (2·n³ flops per product).
#include <Eigen/Dense>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

using Clock = std::chrono::steady_clock;

static double timeProduct(const Eigen::MatrixXd& A, const Eigen::MatrixXd& B, Eigen::MatrixXd& C,
                          int threads) {
  const Eigen::Index n = A.rows();
  auto t0 = Clock::now();
  if (threads == 1) {
    C.noalias() = A * B;
  } else {
    std::vector<std::thread> pool;
    for (int t = 0; t < threads; ++t) {
      const Eigen::Index r0 = n * t / threads, r1 = n * (t + 1) / threads;
      pool.emplace_back([&, r0, r1] { C.middleRows(r0, r1 - r0).noalias() = A.middleRows(r0, r1 - r0) * B; });
    }
    for (auto& th : pool) th.join();
  }
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

static double bestRate(const Eigen::MatrixXd& A, const Eigen::MatrixXd& B, Eigen::MatrixXd& C,
                       int threads, int reps) {
  const double flops = 2.0 * double(A.rows()) * double(A.cols()) * double(B.cols());
  timeProduct(A, B, C, threads);  // warm-up: page faults, caches, frequency
  double best = 1e300;
  for (int r = 0; r < reps; ++r) best = std::min(best, timeProduct(A, B, C, threads));
  return flops / best / 1e9;
}

int main(int argc, char** argv) {
  const int n = argc > 1 ? std::atoi(argv[1]) : 2000;
  const int threads = std::max(1, argc > 2 ? std::atoi(argv[2]) : 1);
  const int reps = std::max(1, argc > 3 ? std::atoi(argv[3]) : 3);
  Eigen::MatrixXd A = Eigen::MatrixXd::Random(n, n), B = Eigen::MatrixXd::Random(n, n), C(n, n);
  const double one = bestRate(A, B, C, 1, reps);
  const double all = threads > 1 ? bestRate(A, B, C, threads, reps) : one;
  std::string isa = Eigen::SimdInstructionSetsInUse();
#ifdef EIGEN_VECTORIZE_AVX2
  isa += ", AVX2";
#endif
#ifdef EIGEN_VECTORIZE_FMA
  isa += ", FMA";
#endif
#ifdef EIGEN_VECTORIZE_AVX512
  isa += ", AVX512";
#endif
  std::printf("{\"n\":%d,\"threads\":%d,\"reps\":%d,\"gflops1\":%.3f,\"gflopsAll\":%.3f,\"simd\":\"%s\",\"check\":%.6g}\n",
              n, threads, reps, one, all, isa.c_str(), C(n - 1, n - 1));
  return 0;
}
