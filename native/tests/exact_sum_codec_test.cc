// ExactSums::serialise / parse: exact round trips, canonical bytes, compactness, and hostile
// input (every truncation, random corruption, lying lengths, non-canonical forms) rejected with
// InvalidArgument and never a crash.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "core/errors.h"
#include "core/exact_sum.h"
#include "test_data.h"

namespace gaussmix::testing {
namespace {

std::vector<std::uint8_t> encoded(const ExactSums& s) {
  std::vector<std::uint8_t> out;
  s.serialise(out);
  return out;
}

ExactSums parsed(const std::vector<std::uint8_t>& bytes) {
  std::size_t consumed = 0;
  ExactSums s = ExactSums::parse(bytes.data(), bytes.size(), consumed);
  EXPECT_EQ(consumed, bytes.size());
  return s;
}

std::vector<std::uint64_t> roundedBits(const ExactSums& s) {
  std::vector<double> r(static_cast<std::size_t>(s.size()));
  s.round(r.data());
  std::vector<std::uint64_t> bits;
  for (const double v : r) bits.push_back(bitsOf(v));
  return bits;
}

// States worth encoding: zero, single arrays, digits in windows and in the full range, flags.
std::vector<ExactSums> sampleStates() {
  std::vector<ExactSums> states;
  Values gen(21);
  const Kind kinds[] = {Kind::Similar, Kind::Wide, Kind::Subnormal, Kind::Huge, Kind::Mixed};
  states.emplace_back(5);  // all zero
  for (const Kind kind : kinds) {
    for (const std::size_t rows : {1, 2, 7}) {
      ExactSums s(33);
      for (const auto& row : gen.arrays(kind, rows, 33)) s.add(row.data());
      states.push_back(s);
    }
  }
  ExactSums special(6);
  const double inf = std::numeric_limits<double>::infinity();
  const double row[] = {inf, -inf, std::nan(""), 1.0, -0.0, inf};
  const double other[] = {1.0, 2.0, 3.0, -1.0, 0.0, -inf};
  special.add(row);
  special.add(other);
  states.push_back(special);
  states.emplace_back(0);
  return states;
}

TEST(ExactSumsCodec, RoundTripsBitForBit) {
  for (const ExactSums& s : sampleStates()) {
    const std::vector<std::uint8_t> bytes = encoded(s);
    const ExactSums back = parsed(bytes);
    EXPECT_EQ(back.size(), s.size());
    EXPECT_EQ(roundedBits(back), roundedBits(s));
    EXPECT_EQ(encoded(back), bytes);
  }
}

// A parsed state goes on summing exactly: parse(a) + b == a + b, in bits and bytes.
TEST(ExactSumsCodec, ParsedStatesKeepSumming) {
  Values gen(22);
  const auto rows = gen.arrays(Kind::Mixed, 6, 40);
  ExactSums direct(40);
  ExactSums first(40);
  ExactSums second(40);
  for (std::size_t r = 0; r < rows.size(); ++r) {
    direct.add(rows[r].data());
    (r < 3 ? first : second).add(rows[r].data());
  }
  ExactSums resumed = parsed(encoded(first));
  resumed.merge(parsed(encoded(second)));
  EXPECT_EQ(roundedBits(resumed), roundedBits(direct));
  EXPECT_EQ(encoded(resumed), encoded(direct));
}

TEST(ExactSumsCodec, EncodingsAreCanonical) {
  // 3 = 1 + 2 = 4 − 1 = 1.5 + 1.5, summed in different ways, encode alike; so does 0.
  ExactSums a(2);
  ExactSums b(2);
  ExactSums c(2);
  const double one[] = {1.0, 5.0};
  const double two[] = {2.0, -5.0};
  const double four[] = {4.0, 1e300};
  const double minusOne[] = {-1.0, -1e300};
  const double half[] = {1.5, 0.0};
  a.add(one);
  a.add(two);
  b.add(four);
  b.add(minusOne);
  c.add(half);
  c.add(0, 1.5);
  EXPECT_EQ(encoded(a), encoded(b));
  EXPECT_EQ(encoded(a), encoded(c));
  // format 1, n = 2, then 3 = 3·2^0: tag 1, s = 1074 (varint 0xb2 0x08), 1 byte, 0x03; zero.
  const std::vector<std::uint8_t> want = {1, 2, 1, 0xb2, 0x08, 1, 0x03, 0};
  EXPECT_EQ(encoded(a), want);
}

TEST(ExactSumsCodec, TypicalSumsAreCompact) {
  Values gen(23);
  const std::size_t n = 1000;
  ExactSums s(static_cast<Index>(n));
  for (const auto& row : gen.arrays(Kind::Similar, 100, n)) s.add(row.data());
  const double perValue = static_cast<double>(encoded(s).size()) / static_cast<double>(n);
  EXPECT_LE(perValue, 20.0);
  ExactSums one(static_cast<Index>(n));
  one.add(gen.arrays(Kind::Similar, 1, n)[0].data());
  EXPECT_LE(static_cast<double>(encoded(one).size()) / static_cast<double>(n), 12.0);
}

void expectInvalid(const std::vector<std::uint8_t>& bytes, const char* why) {
  std::size_t consumed = 0;
  try {
    ExactSums::parse(bytes.data(), bytes.size(), consumed);
    ADD_FAILURE() << "accepted: " << why;
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::InvalidArgument) << why;
    EXPECT_NE(std::string(e.what()).find("exact sums encoding"), std::string::npos) << e.what();
  }
}

TEST(ExactSumsCodec, RejectsEveryTruncation) {
  for (const ExactSums& s : sampleStates()) {
    const std::vector<std::uint8_t> bytes = encoded(s);
    for (std::size_t cut = 0; cut < bytes.size(); ++cut) {
      expectInvalid(std::vector<std::uint8_t>(bytes.begin(), bytes.begin() + cut), "a truncation");
    }
  }
}

// Random corruption: either InvalidArgument, or an accepted input that is canonical (it
// re-encodes to exactly the bytes read).
TEST(ExactSumsCodec, CorruptionIsRejectedOrCanonical) {
  Values gen(24);
  std::mt19937_64& rng = gen.rng();
  int accepted = 0;
  int rejected = 0;
  for (const ExactSums& s : sampleStates()) {
    const std::vector<std::uint8_t> bytes = encoded(s);
    for (int trial = 0; trial < 300; ++trial) {
      std::vector<std::uint8_t> bad = bytes;
      const int edits = 1 + static_cast<int>(rng() % 3);
      for (int e = 0; e < edits; ++e) {
        const std::size_t at = rng() % bad.size();
        switch (rng() % 3) {
          case 0: bad[at] ^= static_cast<std::uint8_t>(1u << (rng() % 8)); break;
          case 1: bad[at] = static_cast<std::uint8_t>(rng()); break;
          default:
            bad.insert(bad.begin() + static_cast<std::ptrdiff_t>(at),
                       static_cast<std::uint8_t>(rng()));
            break;
        }
      }
      std::size_t consumed = 0;
      try {
        const ExactSums back = ExactSums::parse(bad.data(), bad.size(), consumed);
        ++accepted;
        ASSERT_LE(consumed, bad.size());
        const auto end = bad.begin() + static_cast<std::ptrdiff_t>(consumed);
        EXPECT_EQ(encoded(back), std::vector<std::uint8_t>(bad.begin(), end));
      } catch (const Error& e) {
        ++rejected;
        EXPECT_EQ(e.kind(), ErrorKind::InvalidArgument);
      }
    }
  }
  EXPECT_GT(rejected, 0);
  EXPECT_GT(accepted, 0);
}

TEST(ExactSumsCodec, RejectsNonCanonicalAndOutOfRangeForms) {
  expectInvalid({}, "empty");
  expectInvalid({2, 0}, "an unknown format");
  expectInvalid({1, 0x80, 0x00}, "an overlong count");
  expectInvalid({1, 0xff, 0xff, 0xff, 0xff, 0x0f}, "a count beyond 2^31");
  expectInvalid({1, 0xe8, 0x07, 0, 0, 0}, "a count of 1000 with 3 bytes left");
  expectInvalid({1, 1, 6}, "an unknown tag");
  expectInvalid({1, 1, 1, 0xb2, 0x08, 0}, "a value of no bytes");
  expectInvalid({1, 1, 1, 0xb2, 0x08, 1, 0x02}, "an even value (its scale not the lowest bit)");
  expectInvalid({1, 1, 1, 0xb2, 0x08, 2, 0x03, 0x00}, "a leading zero byte");
  expectInvalid({1, 1, 1, 0xb2, 0x88, 0x00, 1, 0x03}, "an overlong scale");
  expectInvalid({1, 1, 1, 0xc2, 0x11, 1, 0x01}, "a scale beyond the range");
  expectInvalid({1, 1, 1, 0x00, 0xff, 0x7f}, "a length beyond the range");
  // The largest value accepted: 2^(kMaxBits − 1 − 1074), about 2^1159; one bit more is refused.
  const int top = exact::kMaxBits - 1;
  const auto low7 = static_cast<std::uint8_t>(0x80 | (top & 0x7f));
  const auto high7 = static_cast<std::uint8_t>(top >> 7);
  const std::vector<std::uint8_t> largest = {1, 1, 1, low7, high7, 1, 0x01};
  EXPECT_EQ(parsed(largest).rounded(0), std::numeric_limits<double>::infinity());
  EXPECT_EQ(encoded(parsed(largest)), largest);
  const std::vector<std::uint8_t> beyond = {1, 1, 1, low7, high7, 1, 0x03};
  expectInvalid(beyond, "a value one bit beyond the range");
}

// A lying count is refused before anything is allocated for it; trailing bytes are left.
TEST(ExactSumsCodec, ReadsOneEncodingAndReportsItsLength) {
  std::vector<std::uint8_t> bytes = encoded(sampleStates()[3]);
  const std::size_t length = bytes.size();
  bytes.push_back(0xaa);
  bytes.push_back(0x55);
  std::size_t consumed = 0;
  ExactSums::parse(bytes.data(), bytes.size(), consumed);
  EXPECT_EQ(consumed, length);
}

}  // namespace
}  // namespace gaussmix::testing
