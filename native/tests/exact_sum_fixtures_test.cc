// ExactSums against the correctly rounded sums of scripts/make_exact_sum_fixtures.py (Python's
// exact integers and math.fsum): every case summed term by term, in shuffled orders and random
// groupings, and all cases side by side in one ExactSums.
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <sstream>
#include <string>

#include "core/exact_sum.h"
#include "test_data.h"

namespace gaussmix::testing {
namespace {

struct Case {
  std::string name;
  std::vector<double> terms;
  std::uint64_t expected = 0;
};

// The stream recipes of the generator script (stream_terms there), term for term.
class SplitMix64 {
 public:
  explicit SplitMix64(std::uint64_t seed) : state_(seed) {}
  std::uint64_t operator()() {
    state_ += 0x9E3779B97F4A7C15ull;
    std::uint64_t z = state_;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }

 private:
  std::uint64_t state_;
};

double withExponent(SplitMix64& gen, std::uint64_t lo, std::uint64_t hi) {
  const std::uint64_t r = gen();
  const std::uint64_t e = lo + gen() % (hi - lo + 1);
  const std::uint64_t mantissa = r & ((std::uint64_t{1} << 52) - 1);
  return fromBits(mantissa | (e << 52) | (r & (std::uint64_t{1} << 63)));
}

std::vector<double> streamTerms(const std::string& kind, std::uint64_t seed, std::size_t count) {
  SplitMix64 gen(seed);
  std::vector<double> out;
  if (kind == "cancel") {
    const std::size_t small = count > 2 ? std::max<std::size_t>(1, count / 50) : count;
    const std::size_t half = (count - small) / 2;
    for (std::size_t i = 0; i < half; ++i) out.push_back(withExponent(gen, 1500, 1600));
    std::vector<double> rest;
    for (std::size_t i = 0; i < count - 2 * half; ++i) rest.push_back(withExponent(gen, 900, 1000));
    for (std::size_t i = 0; i < half; ++i) out.push_back(-out[i]);
    out.insert(out.end(), rest.begin(), rest.end());
    return out;
  }
  std::uint64_t lo = 0;
  std::uint64_t hi = 0;
  if (kind == "wide") { lo = 0; hi = 2046; }
  if (kind == "similar") { lo = 1010; hi = 1040; }
  if (kind == "subnormal") { lo = 0; hi = 2; }
  if (kind == "huge") { lo = 2030; hi = 2046; }
  for (std::size_t i = 0; i < count; ++i) {
    if (kind == "mixed") {
      const bool wide = gen() % 4 == 0;
      out.push_back(wide ? withExponent(gen, 0, 2046) : withExponent(gen, 1010, 1040));
    } else {
      out.push_back(withExponent(gen, lo, hi));
    }
  }
  return out;
}

std::uint64_t checksum(const std::vector<double>& terms) {
  std::uint64_t h = 0xCBF29CE484222325ull;
  for (const double t : terms) h = (h ^ bitsOf(t)) * 0x100000001B3ull;
  return h;
}

std::uint64_t hex(const std::string& s) { return std::stoull(s, nullptr, 16); }

std::vector<Case> loadCases() {
  std::ifstream file(std::string(GAUSSMIX_TEST_FIXTURES) + "/exact_sum_cases.txt");
  EXPECT_TRUE(file.good()) << "no fixture file: run scripts/make_exact_sum_fixtures.py";
  std::vector<Case> cases;
  std::string line;
  while (std::getline(file, line)) {
    if (line.empty() || line[0] == '#') continue;
    std::istringstream in(line);
    std::string type;
    Case c;
    in >> type >> c.name;
    if (type == "explicit") {
      std::string word;
      in >> word;
      c.expected = hex(word);
      while (in >> word) c.terms.push_back(fromBits(hex(word)));
    } else {
      std::string kind, sum, expected;
      std::uint64_t seed = 0;
      std::size_t count = 0;
      in >> kind >> seed >> count >> sum >> expected;
      c.terms = streamTerms(kind, seed, count);
      c.expected = hex(expected);
      EXPECT_EQ(checksum(c.terms), hex(sum)) << c.name << ": the stream differs from the script's";
    }
    cases.push_back(std::move(c));
  }
  return cases;
}

const std::vector<Case>& cases() {
  static const std::vector<Case> all = loadCases();
  return all;
}

TEST(ExactSumsFixtures, EveryCaseLoaded) { EXPECT_GE(cases().size(), 100u); }

TEST(ExactSumsFixtures, TermByTerm) {
  for (const Case& c : cases()) {
    ExactSums one(1);
    ExactSums singles(1);
    for (const double t : c.terms) {
      one.add(&t);
      singles.add(0, t);
    }
    EXPECT_EQ(bitsOf(one.rounded(0)), c.expected) << c.name;
    EXPECT_EQ(bitsOf(singles.rounded(0)), c.expected) << c.name;
  }
}

// Shuffled, cut into random runs summed apart (some serialised and parsed on the way), and
// merged in random order.
TEST(ExactSumsFixtures, ShuffledAndGrouped) {
  std::mt19937_64 rng(99);
  for (const Case& c : cases()) {
    std::vector<double> terms = c.terms;
    for (int trial = 0; trial < 3; ++trial) {
      std::shuffle(terms.begin(), terms.end(), rng);
      std::vector<ExactSums> parts;
      std::size_t at = 0;
      while (at < terms.size()) {
        const std::size_t take =
            std::min<std::size_t>(1 + rng() % (1 + terms.size() / 4), terms.size() - at);
        ExactSums part(1);
        for (std::size_t k = 0; k < take; ++k) part.add(&terms[at + k]);
        at += take;
        if (rng() % 4 == 0) {
          std::vector<std::uint8_t> bytes;
          part.serialise(bytes);
          std::size_t consumed = 0;
          part = ExactSums::parse(bytes.data(), bytes.size(), consumed);
        }
        parts.push_back(std::move(part));
      }
      std::shuffle(parts.begin(), parts.end(), rng);
      ExactSums total(1);
      for (const ExactSums& part : parts) total.merge(part);
      EXPECT_EQ(bitsOf(total.rounded(0)), c.expected) << c.name << " trial " << trial;
    }
  }
}

// All cases at once, one accumulator each, row r holding every case's term r (0 past its end):
// the windows of neighbouring accumulators differ wildly.
TEST(ExactSumsFixtures, SideBySide) {
  const std::vector<Case>& all = cases();
  std::size_t rows = 0;
  for (const Case& c : all) rows = std::max(rows, c.terms.size());
  ExactSums sums(static_cast<Index>(all.size()));
  std::vector<double> row(all.size());
  for (std::size_t r = 0; r < rows; ++r) {
    for (std::size_t i = 0; i < all.size(); ++i) {
      row[i] = r < all[i].terms.size() ? all[i].terms[r] : 0.0;
    }
    sums.add(row.data());
  }
  std::vector<double> out(all.size());
  sums.round(out.data());
  for (std::size_t i = 0; i < all.size(); ++i) {
    EXPECT_EQ(bitsOf(out[i]), all[i].expected) << all[i].name;
  }
}

}  // namespace
}  // namespace gaussmix::testing
