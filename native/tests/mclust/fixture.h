// Reading the mclust fixtures (test/fixtures/mclust/*.json, written by
// scripts/make_mclust_fixtures.R) and comparing against them.
#pragma once

#include <cmath>
#include <cstdio>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include <vector>

#include "core/types.h"

namespace mclust_test {

using Json = nlohmann::json;
using gaussmix::Index;
using gaussmix::Matrix;
using gaussmix::RowMatrix;
using gaussmix::Vector;

inline Json load(const std::string& dir, const std::string& name) {
  std::ifstream in(dir + "/" + name + ".json");
  if (!in) throw std::runtime_error("cannot open fixture " + dir + "/" + name + ".json");
  return Json::parse(in);
}

inline double number(const Json& j) {
  return j.is_null() ? std::nan("") : j.get<double>();
}

inline Vector vector(const Json& j) {
  Vector v(static_cast<Index>(j.size()));
  for (size_t i = 0; i < j.size(); ++i) v(static_cast<Index>(i)) = number(j[i]);
  return v;
}

// [[row], [row], ...] -> rows × cols.
inline RowMatrix matrix(const Json& j) {
  const Index rows = static_cast<Index>(j.size());
  const Index cols = rows ? static_cast<Index>(j[0].size()) : 0;
  RowMatrix m(rows, cols);
  for (Index r = 0; r < rows; ++r)
    for (Index c = 0; c < cols; ++c) m(r, c) = number(j[r][c]);
  return m;
}

// Largest |a − b| over the largest |b| (the deviation relative to the array's scale).
inline double relativeDeviation(const Matrix& a, const Matrix& b) {
  if (a.rows() != b.rows() || a.cols() != b.cols()) return INFINITY;
  const double scale = b.cwiseAbs().maxCoeff();
  const double diff = (a - b).cwiseAbs().maxCoeff();
  return scale > 0 ? diff / scale : diff;
}

// Counts failures and prints them; the worst deviation per label for the report.
class Checker {
 public:
  void check(const std::string& what, double deviation, double tolerance, const std::string& label = "") {
    ++checks_;
    if (!label.empty()) worst_[label] = std::max(worst_[label], deviation);
    if (!(deviation <= tolerance)) {
      ++failures_;
      std::printf("FAIL %s: deviation %.3g > %.1g\n", what.c_str(), deviation, tolerance);
    }
  }
  void expect(const std::string& what, bool ok) {
    ++checks_;
    if (!ok) {
      ++failures_;
      std::printf("FAIL %s\n", what.c_str());
    }
  }
  int failures() const { return failures_; }
  int checks() const { return checks_; }
  const std::map<std::string, double>& worst() const { return worst_; }

 private:
  int failures_ = 0;
  int checks_ = 0;
  std::map<std::string, double> worst_;
};

}  // namespace mclust_test
