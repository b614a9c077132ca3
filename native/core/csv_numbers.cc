#include "csv_numbers.h"

#include <charconv>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <system_error>

namespace gaussmix::csv {
namespace {

// Where a field ends and how the scan of a record goes on.
enum class Stop { Delimiter, LineEnd, Incomplete };

struct Scanner {
  const char* text;
  std::size_t size;
  bool final;
  const Format& format;

  bool blank(char c) const { return c == ' ' || c == '\r' || (c == '\t' && format.delimiter != '\t'); }

  // Skips blank and comment lines from `at`; counts their line ends. False: no record left
  // (or, not final, a comment line not yet ended).
  bool skipEmpty(std::size_t& at, std::size_t& lines) const {
    for (;;) {
      std::size_t p = at;
      while (p < size && blank(text[p])) ++p;
      if (p == size) {
        at = p;
        return false;
      }
      const bool comment = format.comment >= 0 && text[p] == static_cast<char>(format.comment);
      if (text[p] != '\n' && !comment) return true;
      const void* nl = std::memchr(text + p, '\n', size - p);
      if (nl == nullptr) {
        // A comment line at the very end: nothing more to read (not final: wait for its end).
        if (final) at = size;
        return false;
      }
      at = static_cast<std::size_t>(static_cast<const char*>(nl) - text) + 1;
      ++lines;
    }
  }

  // The unquoted number at `p` read in place with from_chars up to its delimiter or line end;
  // `p` then ends after that byte. False (nothing changed) for anything else: a quoted field,
  // a malformed number, its record not complete in the bytes, a range error.
  bool plainNumber(std::size_t& p, double& x, Stop& stop, std::size_t& lines) const {
#if defined(__cpp_lib_to_chars) && __cpp_lib_to_chars >= 201611L
    std::size_t q = p;
    while (q < size && blank(text[q])) ++q;
    if (q < size && text[q] == '+') ++q;
    const std::size_t digit = q < size && text[q] == '-' ? q + 1 : q;
    // from_chars also reads inf and nan: a number starts with a digit or the point.
    if (digit >= size || !((text[digit] >= '0' && text[digit] <= '9') || text[digit] == '.')) return false;
    double value;
    const std::from_chars_result r = std::from_chars(text + q, text + size, value);
    if (r.ec != std::errc()) return false;
    std::size_t e = static_cast<std::size_t>(r.ptr - text);
    while (e < size && blank(text[e])) ++e;
    if (e >= size || (text[e] != format.delimiter && text[e] != '\n')) return false;
    x = value;
    if (text[e] == '\n') {
      ++lines;
      stop = Stop::LineEnd;
    } else {
      stop = Stop::Delimiter;
    }
    p = e + 1;
    return true;
#else
    return false;
#endif
  }

  // Scans the field at `p` (blanks before it skipped): its span; `p` ends on the byte after
  // the field's delimiter or line end. Line ends inside quotes are added to `lines`.
  Stop field(std::size_t& p, Span& span, std::size_t& lines) const {
    while (p < size && blank(text[p])) ++p;
    if (p < size && text[p] == format.quote) {
      span.quoted = true;
      span.begin = ++p;
      for (;;) {
        const void* q = std::memchr(text + p, format.quote, size - p);
        if (q == nullptr) {
          if (!final) return Stop::Incomplete;
          // A quote left open: the field runs to the end of the text.
          for (std::size_t i = p; i < size; ++i) lines += text[i] == '\n';
          span.end = p = size;
          return Stop::LineEnd;
        }
        const std::size_t at = static_cast<std::size_t>(static_cast<const char*>(q) - text);
        for (std::size_t i = p; i < at; ++i) lines += text[i] == '\n';
        if (at + 1 < size && text[at + 1] == format.quote) {
          p = at + 2;  // "" inside quotes: one quote
          continue;
        }
        if (at + 1 == size && !final) return Stop::Incomplete;  // maybe the first of a ""
        span.end = at;
        p = at + 1;
        break;
      }
      // Whatever follows the closing quote up to the delimiter is ignored, as blanks are.
      while (p < size && text[p] != format.delimiter && text[p] != '\n') ++p;
    } else {
      span.quoted = false;
      span.begin = p;
      while (p < size && text[p] != format.delimiter && text[p] != '\n') ++p;
      std::size_t end = p;
      while (end > span.begin && blank(text[end - 1])) --end;
      span.end = end;
    }
    if (p == size) {
      if (!final) return Stop::Incomplete;
      return Stop::LineEnd;
    }
    const bool delimiter = text[p] == format.delimiter;
    ++p;
    if (delimiter) return Stop::Delimiter;
    ++lines;
    return Stop::LineEnd;
  }
};

#if defined(__cpp_lib_to_chars) && __cpp_lib_to_chars >= 201611L
constexpr bool fromCharsInPlace = true;
#else
constexpr bool fromCharsInPlace = false;
#endif

bool equals(const char* text, const Span& s, const char* word) {
  const std::size_t n = std::strlen(word);
  return s.end - s.begin == n && std::memcmp(text + s.begin, word, n) == 0;
}

// from_chars (correctly rounded) where the standard library has it for double, else strtod
// on a terminated copy (also correctly rounded on glibc, musl, macOS and MSVC).
bool convert(const char* first, const char* last, double& x) {
#if defined(__cpp_lib_to_chars) && __cpp_lib_to_chars >= 201611L
  const std::from_chars_result r = std::from_chars(first, last, x);
  if (r.ptr != last) return false;
  if (r.ec == std::errc()) return true;
  if (r.ec != std::errc::result_out_of_range) return false;
  // Out of range: underflow rounds to ±0 (as Number() does), overflow is not a number.
#endif
  const std::string copy(first, last);
  char* end = nullptr;
  x = std::strtod(copy.c_str(), &end);
  return end == copy.c_str() + copy.size() && std::isfinite(x);
}

}  // namespace

bool is_missing(const char* text, const Span& s) {
  if (s.begin == s.end) return true;
  // pandas' default markers, less its spreadsheet error codes.
  static const char* const kMarkers[] = {"NA", "N/A", "n/a", "NaN", "nan", "-NaN", "-nan",
                                         "NULL", "null", "None", "<NA>", "#N/A"};
  for (const char* m : kMarkers) {
    if (equals(text, s, m)) return true;
  }
  return false;
}

bool parse_number(const char* text, const Span& s, char decimal, double& x) {
  const char* p = text + s.begin;
  const char* end = text + s.end;
  if (p < end && *p == '+') ++p;  // from_chars takes no '+'
  // The grammar: [-]digits[.digits][e[+-]digits] with at least one digit in the mantissa;
  // checked here so that from_chars's extras (inf, nan) are refused.
  const char* q = p;
  if (q < end && *q == '-') ++q;
  std::size_t digits = 0;
  bool point = false;
  for (; q < end; ++q) {
    if (*q >= '0' && *q <= '9') {
      ++digits;
    } else if (*q == decimal && !point) {
      point = true;
    } else {
      break;
    }
  }
  if (digits == 0) return false;
  if (q < end && (*q == 'e' || *q == 'E')) {
    ++q;
    if (q < end && (*q == '+' || *q == '-')) ++q;
    const char* exponent = q;
    while (q < end && *q >= '0' && *q <= '9') ++q;
    if (q == exponent) return false;
  }
  if (q != end) return false;
  if (decimal == '.' || !point) return convert(p, end, x);
  std::string copy(p, end);
  for (char& c : copy) c = c == decimal ? '.' : c;
  return convert(copy.data(), copy.data() + copy.size(), x);
}

std::string field_text(const char* text, const Span& span) {
  std::string s(text + span.begin, span.end - span.begin);
  if (!span.quoted) return s;
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    out.push_back(s[i]);
    if (s[i] == '"' && i + 1 < s.size() && s[i + 1] == '"') ++i;
  }
  return out;
}

bool next_record(const char* text, std::size_t size, std::size_t at, bool final, const Format& format,
                 Record& out) {
  const Scanner scan{text, size, final, format};
  out.fields.clear();
  std::size_t lines = 0;
  if (!scan.skipEmpty(at, lines)) return false;
  out.line = lines;
  std::size_t p = at;
  for (;;) {
    Span span;
    const Stop stop = scan.field(p, span, lines);
    if (stop == Stop::Incomplete) return false;
    out.fields.push_back(span);
    if (stop == Stop::LineEnd) break;
  }
  out.next = p;
  out.lines = lines;
  return true;
}

Numbers read_numbers(const char* text, std::size_t size, bool final, const Format& format,
                     const Selection& selection, std::size_t max_rows, std::vector<double>& out,
                     std::vector<Span>& ids) {
  const Scanner scan{text, size, final, format};
  const std::size_t d = selection.take.size();
  // column[f]: the output column of field f, or -1.
  std::vector<long> column(selection.fields, -1);
  for (std::size_t j = 0; j < d; ++j) column[selection.take[j]] = static_cast<long>(j);
  const long idField = selection.id_field;
  std::vector<double> row(d);
  // The common case, a decimal point, converts in place; anything unusual takes the full path.
  const bool fast = format.decimal == '.' && fromCharsInPlace;
  Numbers r;
  std::size_t at = 0;
  std::size_t lines = 0;
  while (r.rows < max_rows) {
    r.consumed = at;
    r.lines = lines;
    if (!scan.skipEmpty(at, lines)) {
      r.consumed = at;
      r.lines = lines;
      return r;
    }
    const std::size_t recordLine = lines;
    std::size_t p = at;
    std::size_t f = 0;
    Span id;
    bool missing = false;
    Stop stop;
    do {
      const long j = f < selection.fields ? column[f] : -1;
      // (The id field, even when also a feature, goes the general way: its span is kept.)
      if (j >= 0 && static_cast<long>(f) != idField && fast &&
          scan.plainNumber(p, row[static_cast<std::size_t>(j)], stop, lines)) {
        ++f;
        continue;
      }
      Span span;
      stop = scan.field(p, span, lines);
      if (stop == Stop::Incomplete) {
        r.consumed = at;
        r.lines = recordLine;
        return r;
      }
      if (f < selection.fields) {
        if (j >= 0 && !parse_number(text, span, format.decimal, row[static_cast<std::size_t>(j)])) {
          if (!is_missing(text, span)) {
            r.problem = Problem::NotANumber;
          } else if (selection.missing == Missing::Error) {
            r.problem = Problem::Missing;
          } else {
            missing = true;
          }
          if (r.problem != Problem::None) {
            r.problem_line = recordLine;
            r.problem_field = f;
            r.problem_span = span;
            r.consumed = at;
            r.lines = recordLine;
            return r;
          }
        }
        if (static_cast<long>(f) == idField) id = span;
      }
      ++f;
    } while (stop == Stop::Delimiter);
    if (f != selection.fields) {
      r.problem = Problem::Ragged;
      r.problem_line = recordLine;
      r.problem_field = f;
      r.consumed = at;
      r.lines = recordLine;
      return r;
    }
    at = p;
    if (missing) {
      ++r.dropped;
      continue;
    }
    out.insert(out.end(), row.begin(), row.end());
    if (idField >= 0) ids.push_back(id);
    ++r.rows;
  }
  r.consumed = at;
  r.lines = lines;
  return r;
}

}  // namespace gaussmix::csv
