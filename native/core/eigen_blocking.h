// Machine-independent blocking for Eigen's matrix products.
#pragma once

namespace gaussmix {

// Fixes the cache sizes Eigen sizes a matrix product's blocks from. Eigen detects them on the
// CPU, and the blocking decides the order in which a product's depth is summed (rᵀx over a
// block of rows in the E-step, for one): on a CPU with a 48 KiB L1 (against 32 KiB) most
// entries of that product differ in their last bits, so a fit, or a shard's statistics in
// fitDistributed, would depend on the machine. With fixed sizes every machine running the same
// SIMD variant sums in the same order. Call before the first product (the addon does at load).
void useFixedEigenBlocking();

}  // namespace gaussmix
