// Numeric CSV text into row-major doubles: the CLI's reader (cli/data.ts through the binding's
// csvRecord / csvNumbers). One pass over the bytes, fields split by RFC 4180's rules (quoted
// fields, "" for a quote, delimiters and newlines inside quotes), each number converted with
// std::from_chars (correctly rounded, as JavaScript's Number() is). Works on a buffer that may
// end in the middle of a record: only complete records are read, and the caller carries the
// rest over to the next buffer.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace gaussmix::csv {

// How the text is laid out.
struct Format {
  char delimiter = ',';
  // The decimal separator: '.' or ',' (a decimal comma; the delimiter is then another byte).
  char decimal = '.';
  char quote = '"';
  // A line whose first byte other than blanks is this one is skipped; -1: no comment lines.
  int comment = -1;
};

// What a missing value does: an empty field or a marker (is_missing).
enum class Missing { Error, Drop };

// A field's bytes [begin, end) in the buffer: blanks around it trimmed, and for a quoted field
// the bytes between its quotes (whose "" pairs field_text turns into ").
struct Span {
  std::size_t begin = 0;
  std::size_t end = 0;
  bool quoted = false;
};

// One record: its fields, where the next one starts, and the lines passed.
struct Record {
  std::vector<Span> fields;
  // The offset just past the record's line end.
  std::size_t next = 0;
  // Line ends before the record's first line (blank and comment lines skipped on the way).
  std::size_t line = 0;
  // Line ends from the start up to `next`.
  std::size_t lines = 0;
};

// Reads the record at `at` of text[0, size), skipping blank and comment lines. False when no
// record is left, or when it does not end within the bytes and `final` is false (more bytes
// are coming). A quote left open at the end of the final bytes ends the record there.
bool next_record(const char* text, std::size_t size, std::size_t at, bool final, const Format& format,
                 Record& out);

// A field's text: the bytes of its span, with "" turned into " when it was quoted.
std::string field_text(const char* text, const Span& span);

// Why reading stopped before the end of the bytes.
enum class Problem { None, NotANumber, Missing, Ragged };

struct Numbers {
  // Rows appended to `out`.
  std::size_t rows = 0;
  // Rows left out for a missing value (Missing::Drop).
  std::size_t dropped = 0;
  // Bytes read: complete records only (the caller carries text[consumed, size) over).
  std::size_t consumed = 0;
  // Line ends in text[0, consumed).
  std::size_t lines = 0;
  // With a problem: the line ends before its record, the field it is in (for Ragged: the
  // number of fields the record has) and the field's span. `consumed` is then the record's start.
  Problem problem = Problem::None;
  std::size_t problem_line = 0;
  std::size_t problem_field = 0;
  Span problem_span;
};

// What read_numbers takes from each record.
struct Selection {
  // take[j]: the field read into output column j.
  std::vector<std::size_t> take;
  // Every record has exactly this many fields.
  std::size_t fields = 0;
  // The field whose span is kept per row in `ids` (e.g. a row id), or -1.
  long id_field = -1;
  Missing missing = Missing::Error;
};

// Reads up to `max_rows` records of text[0, size) into `out` (row-major, take.size() values a
// row) and, when selection.id_field >= 0, the id field's span into `ids`; stops at the first
// record with a problem (nothing of it appended). Blank and comment lines are skipped.
Numbers read_numbers(const char* text, std::size_t size, bool final, const Format& format,
                     const Selection& selection, std::size_t max_rows, std::vector<double>& out,
                     std::vector<Span>& ids);

// Whether text[span] is empty or a missing-value marker: NA, N/A, n/a, NaN, nan, -NaN, -nan,
// NULL, null, None, <NA>, #N/A (pandas' defaults, less its spreadsheet error codes).
bool is_missing(const char* text, const Span& span);

// Parses text[span] as a decimal number (an optional sign, digits with at most one decimal
// separator, an optional exponent: what JavaScript's Number() reads, less hexadecimal,
// Infinity and blanks) into x, correctly rounded. False when it is not one, or overflows.
bool parse_number(const char* text, const Span& span, char decimal, double& x);

}  // namespace gaussmix::csv
