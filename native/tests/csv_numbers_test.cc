// The numeric CSV reader (core/csv_numbers.h): numbers correctly rounded (against strtod,
// correctly rounded on glibc), the same rows whatever byte the text is cut at between two
// calls (the contract the CLI's streaming relies on), RFC 4180 quoting, comment and blank
// lines, a decimal comma, and each problem where it is.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "core/csv_numbers.h"

namespace gaussmix::testing {
namespace {

using csv::Format;
using csv::Numbers;
using csv::Problem;
using csv::Selection;
using csv::Span;

Selection all(std::size_t fields) {
  Selection s;
  s.fields = fields;
  for (std::size_t f = 0; f < fields; ++f) s.take.push_back(f);
  return s;
}

// Reads `text` in two calls, the first given text[0, cut) as not final, the rest carried over.
std::vector<double> readCut(const std::string& text, std::size_t cut, const Format& format, const Selection& s) {
  std::vector<double> out;
  std::vector<Span> ids;
  const Numbers first = csv::read_numbers(text.data(), cut, false, format, s, SIZE_MAX, out, ids);
  EXPECT_EQ(first.problem, Problem::None);
  const std::string rest = text.substr(first.consumed);
  const Numbers second = csv::read_numbers(rest.data(), rest.size(), true, format, s, SIZE_MAX, out, ids);
  EXPECT_EQ(second.problem, Problem::None);
  EXPECT_EQ(second.consumed, rest.size());
  return out;
}

TEST(CsvNumbers, CorrectlyRoundedAsStrtod) {
  std::mt19937_64 rng(7);
  std::string text;
  std::vector<double> expected;
  for (int i = 0; i < 20000; ++i) {
    // Random bits as a double, printed with 17 to 25 significant digits (more than a double holds,
    // so the conversion must round), and short decimals.
    std::uint64_t bits = rng();
    double x;
    std::memcpy(&x, &bits, sizeof x);
    if (!std::isfinite(x)) continue;
    char buf[64];
    if (i % 3 == 0) {
      std::snprintf(buf, sizeof buf, "%.6g", x);
    } else {
      std::snprintf(buf, sizeof buf, "%.*e", 16 + static_cast<int>(rng() % 9), x);
    }
    text += buf;
    text += '\n';
    expected.push_back(std::strtod(buf, nullptr));
  }
  std::vector<double> out;
  std::vector<Span> ids;
  const Numbers r = csv::read_numbers(text.data(), text.size(), true, Format{}, all(1), SIZE_MAX, out, ids);
  ASSERT_EQ(r.problem, Problem::None);
  ASSERT_EQ(out.size(), expected.size());
  for (std::size_t i = 0; i < out.size(); ++i) ASSERT_EQ(out[i], expected[i]) << "row " << i;
}

TEST(CsvNumbers, TheSameRowsWhereverTheTextIsCut) {
  const std::string text =
      "# a comment, \"quoted\"\n1.5,-2e3,\"3\"\r\n\n  4 , +.5,6.\n\"7\",\"8\"\"\",9\n10,11,12";
  Format format;
  format.comment = '#';
  Selection s = all(3);
  s.take = {2, 0};
  // The third record's second field is 8" (not a number), so take fields 2 and 0 only.
  const std::vector<double> whole = readCut(text, 0, format, s);
  EXPECT_EQ(whole, (std::vector<double>{3, 1.5, 6, 4, 9, 7, 12, 10}));
  for (std::size_t cut = 0; cut <= text.size(); ++cut) EXPECT_EQ(readCut(text, cut, format, s), whole) << "cut at " << cut;
}

TEST(CsvNumbers, RecordsWithQuotesAndLineEnds) {
  const std::string text = "\"a, \"\"b\"\"\",\"c\nd\"\n1,2\n";
  csv::Record r;
  ASSERT_TRUE(csv::next_record(text.data(), text.size(), 0, true, Format{}, r));
  ASSERT_EQ(r.fields.size(), 2u);
  EXPECT_EQ(csv::field_text(text.data(), r.fields[0]), "a, \"b\"");
  EXPECT_EQ(csv::field_text(text.data(), r.fields[1]), "c\nd");
  EXPECT_EQ(r.lines, 2u);
  // Not final and cut inside the quotes: no record yet.
  EXPECT_FALSE(csv::next_record(text.data(), 14, 0, false, Format{}, r));
}

TEST(CsvNumbers, DecimalCommaAndProblemsWhereTheyAre) {
  Format format;
  format.delimiter = ';';
  format.decimal = ',';
  const std::string text = "1,25;2\n3;NA\n5;x\n6\n";
  std::vector<double> out;
  std::vector<Span> ids;
  Numbers r = csv::read_numbers(text.data(), text.size(), true, format, all(2), SIZE_MAX, out, ids);
  EXPECT_EQ(r.problem, Problem::Missing);
  EXPECT_EQ(r.problem_line, 1u);
  EXPECT_EQ(r.problem_field, 1u);
  EXPECT_EQ(out, (std::vector<double>{1.25, 2}));
  Selection drop = all(2);
  drop.missing = csv::Missing::Drop;
  out.clear();
  r = csv::read_numbers(text.data(), text.size(), true, format, drop, SIZE_MAX, out, ids);
  EXPECT_EQ(r.problem, Problem::NotANumber);
  EXPECT_EQ(r.dropped, 1u);
  EXPECT_EQ(r.problem_line, 2u);
  EXPECT_EQ(csv::field_text(text.data(), r.problem_span), "x");
  const std::string ragged = "1;2\n3\n";
  r = csv::read_numbers(ragged.data(), ragged.size(), true, format, all(2), SIZE_MAX, out, ids);
  EXPECT_EQ(r.problem, Problem::Ragged);
  EXPECT_EQ(r.problem_line, 1u);
  EXPECT_EQ(r.problem_field, 1u);
  EXPECT_EQ(r.consumed, 4u);
}

TEST(CsvNumbers, TheGrammarOfANumber) {
  double x = 0;
  const auto number = [&](const char* s, char decimal = '.') {
    return csv::parse_number(s, Span{0, std::strlen(s), false}, decimal, x);
  };
  for (const char* bad : {"inf", "-nan", "1e", "1e+", ".", "-", "1.2.3", "0x10", "1e400", "1,5", " 1"}) {
    EXPECT_FALSE(number(bad)) << bad;
  }
  EXPECT_TRUE(number("+.5") && x == 0.5);
  EXPECT_TRUE(number("5.") && x == 5);
  EXPECT_TRUE(number("1e-400") && x == 0);
  EXPECT_TRUE(number("-1,5e2", ',') && x == -150);
}

}  // namespace
}  // namespace gaussmix::testing
