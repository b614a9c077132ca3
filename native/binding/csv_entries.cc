// Numeric CSV text (core/csv_numbers.h) for lib/csv.ts: conversion of the arguments and the
// results only. The TypeScript side has checked the format and the columns.
#include <napi.h>

#include <cstdint>
#include <string>
#include <vector>

#include "convert.h"
#include "core/csv_numbers.h"
#include "entries.h"
#include "errors.h"

namespace gaussmix::binding {
namespace {

// The bytes of a Uint8Array (a Buffer) argument.
struct Bytes {
  const char* data;
  size_t size;
};

Bytes bytesArgument(const Napi::Value& value) {
  if (!value.IsTypedArray() || value.As<Napi::TypedArray>().TypedArrayType() != napi_uint8_array) {
    throw Napi::TypeError::New(value.Env(), "text must be a Uint8Array");
  }
  const Napi::Uint8Array a = value.As<Napi::Uint8Array>();
  return {reinterpret_cast<const char*>(a.Data()), a.ElementLength()};
}

char byteProperty(const Napi::Object& o, const char* name) {
  const Napi::Value v = o.Get(name);
  if (!v.IsNumber()) throw Napi::TypeError::New(o.Env(), std::string(name) + " must be a byte");
  return static_cast<char>(v.As<Napi::Number>().Int32Value());
}

// { delimiter, decimal, quote, comment } as byte values (comment -1: none).
csv::Format formatArgument(const Napi::Value& value) {
  if (!value.IsObject()) throw Napi::TypeError::New(value.Env(), "format must be an object");
  const Napi::Object o = value.As<Napi::Object>();
  csv::Format f;
  f.delimiter = byteProperty(o, "delimiter");
  f.decimal = byteProperty(o, "decimal");
  f.quote = byteProperty(o, "quote");
  f.comment = o.Get("comment").As<Napi::Number>().Int32Value();
  return f;
}

Napi::String text(Napi::Env env, const char* data, const csv::Span& span) {
  const std::string s = csv::field_text(data, span);
  return Napi::String::New(env, s.data(), s.size());
}

const char* problemName(csv::Problem p) {
  switch (p) {
    case csv::Problem::NotANumber: return "not-a-number";
    case csv::Problem::Missing: return "missing";
    case csv::Problem::Ragged: return "ragged";
    default: return "none";
  }
}

}  // namespace

// csvRecord(text, at, final, format): { fields: string[], next, line, lines } for the record at
// byte `at` (blank and comment lines skipped), or null when none is complete in the bytes.
Napi::Value CsvRecord(const Napi::CallbackInfo& info) {
  return guarded(info.Env(), [&]() -> Napi::Value {
    Napi::Env env = info.Env();
    const Bytes b = bytesArgument(info[0]);
    const size_t at = static_cast<size_t>(countArgument(info[1], "at"));
    const bool final = info[2].ToBoolean();
    const csv::Format format = formatArgument(info[3]);
    csv::Record r;
    if (at > b.size || !csv::next_record(b.data, b.size, at, final, format, r)) return env.Null();
    Napi::Array fields = Napi::Array::New(env, r.fields.size());
    for (size_t i = 0; i < r.fields.size(); ++i) fields.Set(static_cast<uint32_t>(i), text(env, b.data, r.fields[i]));
    Napi::Object out = Napi::Object::New(env);
    out.Set("fields", fields);
    out.Set("next", Napi::Number::New(env, static_cast<double>(r.next)));
    out.Set("line", Napi::Number::New(env, static_cast<double>(r.line)));
    out.Set("lines", Napi::Number::New(env, static_cast<double>(r.lines)));
    return out;
  });
}

// csvNumbers(text, final, format, take: Uint32Array, fields, idField, dropMissing, maxRows):
// { data: Float64Array, rows, dropped, consumed, lines, ids?: string[],
//   problem?: { kind, line, field, text } } (core/csv_numbers.h read_numbers).
Napi::Value CsvNumbers(const Napi::CallbackInfo& info) {
  return guarded(info.Env(), [&]() -> Napi::Value {
    Napi::Env env = info.Env();
    const Bytes b = bytesArgument(info[0]);
    const bool final = info[1].ToBoolean();
    const csv::Format format = formatArgument(info[2]);
    if (!info[3].IsTypedArray() || info[3].As<Napi::TypedArray>().TypedArrayType() != napi_uint32_array) {
      throw Napi::TypeError::New(env, "take must be a Uint32Array");
    }
    const Napi::Uint32Array take = info[3].As<Napi::Uint32Array>();
    csv::Selection s;
    s.fields = static_cast<size_t>(countArgument(info[4], "fields"));
    s.take.assign(take.Data(), take.Data() + take.ElementLength());
    for (size_t f : s.take) {
      if (f >= s.fields) throw Napi::RangeError::New(env, "take names a field past the record's");
    }
    s.id_field = info[5].As<Napi::Number>().Int64Value();
    if (s.id_field >= static_cast<long>(s.fields)) throw Napi::RangeError::New(env, "idField is past the record's fields");
    s.missing = info[6].ToBoolean() ? csv::Missing::Drop : csv::Missing::Error;
    const size_t maxRows = static_cast<size_t>(countArgument(info[7], "maxRows"));

    std::vector<double> values;
    std::vector<csv::Span> ids;
    const csv::Numbers r = csv::read_numbers(b.data, b.size, final, format, s, maxRows, values, ids);
    Napi::Object out = Napi::Object::New(env);
    out.Set("data", toFloat64Array(env, values.data(), values.size()));
    out.Set("rows", Napi::Number::New(env, static_cast<double>(r.rows)));
    out.Set("dropped", Napi::Number::New(env, static_cast<double>(r.dropped)));
    out.Set("consumed", Napi::Number::New(env, static_cast<double>(r.consumed)));
    out.Set("lines", Napi::Number::New(env, static_cast<double>(r.lines)));
    if (s.id_field >= 0) {
      Napi::Array list = Napi::Array::New(env, ids.size());
      for (size_t i = 0; i < ids.size(); ++i) list.Set(static_cast<uint32_t>(i), text(env, b.data, ids[i]));
      out.Set("ids", list);
    }
    if (r.problem != csv::Problem::None) {
      Napi::Object p = Napi::Object::New(env);
      p.Set("kind", Napi::String::New(env, problemName(r.problem)));
      p.Set("line", Napi::Number::New(env, static_cast<double>(r.problem_line)));
      p.Set("field", Napi::Number::New(env, static_cast<double>(r.problem_field)));
      p.Set("text", r.problem == csv::Problem::Ragged ? Napi::String::New(env, "") : text(env, b.data, r.problem_span));
      out.Set("problem", p);
    }
    return out;
  });
}

}  // namespace gaussmix::binding
