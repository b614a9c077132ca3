// Nearest centres and distances for predict and transform.
#include <limits>
#include <vector>

#include "kmeans.h"
#include "kmeans_nearest.h"

namespace gaussmix {

using kmeans::ChunkScratch;
using kmeans::Centres;
using kmeans::exactDistance;
using kmeans::kChunkRows;
using kmeans::kSafeSquare;
using kmeans::nearestInChunk;
using kmeans::withFeatureCount;

void assignNearest(const Data& data, const RowMatrix& centers, ThreadPool& pool,
                   std::int32_t* labels, double* distance2) {
  const Index d = data.d;
  const Index k = centers.rows();
  const Centres cs(centers);
  const bool safeCentres = cs.firstUnsafe < 0;
  std::vector<ChunkScratch> scratch(pool.size());
  withFeatureCount(d, [&](auto size) {
    constexpr int kD = decltype(size)::value;
    pool.forEach(data.blocks(), [&](Index b, unsigned w) {
      ChunkScratch& s = scratch[w];
      const Index blockBegin = data.blockBegin(b);
      forEachChunk(data.blockSize(b), kChunkRows, [&](Index offset, Index rows) {
        const Index begin = blockBegin + offset;
        if (safeCentres) nearestInChunk<kD>(data, begin, rows, cs, s);
        for (Index i = 0; i < rows; ++i) {
          double d2 = std::numeric_limits<double>::infinity();
          std::int32_t label = 0;
          if (safeCentres) {
            label = s.labels[i];
            d2 = s.d2[i];
          }
          if (!(d2 <= kSafeSquare)) {
            // The squares may have overflowed: compare exact distances instead.
            const double* x = data.x + (begin + i) * d;
            double best = 0.0;
            for (Index c = 0; c < k; ++c) {
              const double distance = exactDistance(x, centers.data() + c * d, d);
              if (c == 0 || distance < best) {
                best = distance;
                label = static_cast<std::int32_t>(c);
              }
            }
            d2 = best * best;
          }
          labels[begin + i] = label;
          if (distance2) distance2[begin + i] = d2;
        }
      });
    });
  });
}

void distancesToCenters(const Data& data, const RowMatrix& centers, ThreadPool& pool,
                        double* distances) {
  const Index k = centers.rows();
  const Index d = data.d;
  pool.forEach(data.blocks(), [&](Index b, unsigned) {
    const Index begin = data.blockBegin(b);
    for (Index i = begin; i < begin + data.blockSize(b); ++i) {
      const double* x = data.x + i * d;
      for (Index c = 0; c < k; ++c) {
        distances[i * k + c] = exactDistance(x, centers.data() + c * d, d);
      }
    }
  });
}

}  // namespace gaussmix
