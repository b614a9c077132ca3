// Which kind a bounded fit's next pass is: plain (every row by the product, renewing the
// bounds) or bounded (only the rows whose bounds fail). Any order of the two gives the same
// labels, sums and inertia bit for bit (docs/design.md, "Plain and bounded passes"), so the
// choice may follow the clock: the next pass is the one predicted cheaper from the times the
// fit's own passes took. A bounded pass costs a scan of every row's bounds plus a scattered
// read of the rows that fail them; how much each costs depends on the machine, the features,
// the centres and the threads, which no constant captures (on 1,000,000 x 8, K 10 a bounded
// pass reading 30% of the rows took 1.4x a plain one; on 300,000 x 16, K 32 about 0.8x).
#pragma once

#include <algorithm>

#include "kmeans.h"

namespace gaussmix::kmeans {

class PassTimes {
 public:
  explicit PassTimes(PassSchedule schedule) : schedule_(schedule) {}

  // A pass took ms; share is the share of the rows whose bounds failed (a bounded pass) or
  // would have failed had it been bounded (a plain pass: the estimate for the next one).
  void record(bool plain, double ms, double share) {
    ++passes_;
    share_ = share;
    if (plain) {
      // The fastest of the recent plain passes: a slowed machine only ever adds time.
      plain_[plainCount_++ % kKept] = ms;
      return;
    }
    latest_ = {share, ms};
    ++bounded_;
  }

  // Whether the next pass should be plain (the rows have labels).
  bool plainNext() const {
    switch (schedule_) {
      case PassSchedule::Plain: return true;
      case PassSchedule::Bounded: return false;
      case PassSchedule::Alternate: return passes_ % 2 == 0;
      case PassSchedule::Timed: break;
    }
    // Until a bounded pass was timed: bounded when at most half the rows would be read.
    if (bounded_ == 0 || plainCount_ == 0) return share_ > kPlainAbove;
    return boundedMs(share_) > plainMs();
  }

 private:
  // Recent plain passes the estimate takes.
  static constexpr int kKept = 4;
  // Without timings: a bounded pass reading more than this share of the rows is taken to cost
  // more than a plain one.
  static constexpr double kPlainAbove = 0.5;

  struct Point {
    double share, ms;
  };

  double plainMs() const {
    const int n = std::min(plainCount_, kKept);
    return *std::min_element(plain_, plain_ + n);
  }

  // A bounded pass reading this share of the rows: the latest bounded pass's time per share
  // read. Part of a bounded pass's cost does not scale with the share (the scan of the bounds,
  // and re-summing the rows of the clusters whose rows changed), so this errs towards trying
  // bounded passes; a try that was slower than a plain pass puts the next one at a lower share.
  double boundedMs(double share) const {
    if (!(latest_.share > 0.0)) return latest_.ms;
    return latest_.ms * share / latest_.share;
  }

  PassSchedule schedule_;
  Point latest_ = {};  // the latest bounded pass
  double plain_[kKept] = {};
  int bounded_ = 0;  // bounded passes timed
  int plainCount_ = 0;
  long passes_ = 0;
  double share_ = 1.0;  // of the last pass
};

}  // namespace gaussmix::kmeans
