// Columnar data (Apache Arrow record batches) into the row-major Float64Array every fit reads:
// one pass over the rows in tiles, each tile's rows gathered from every column while they are
// in cache, the finite check folded in (a stream's chunks are written and checked in one pass,
// with no second read). The TypeScript side has checked the types and the nulls.
#include <napi.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <type_traits>
#include <vector>

#include "convert.h"
#include "core/scan.h"
#include "core/types.h"
#include "entries.h"
#include "errors.h"

namespace gaussmix::binding {
namespace {

// A column's values as the typed array it is (its element type decides the conversion).
struct Column {
  napi_typedarray_type type;
  const void* data;
};

// Writes the column's rows; whether any value written is not finite (integers always are).
template <class T>
bool gather(const T* in, Index rows, Index d, double* out) {
  if (d == 1) {
    // Consecutive doubles (a chunk laid out by column): the core's checked copy.
    if constexpr (std::is_floating_point_v<T>) return !copyFinite(in, rows, out);
    for (Index r = 0; r < rows; ++r) out[r] = static_cast<double>(in[r]);
    return false;
  }
  if constexpr (std::is_floating_point_v<T>) {
    // v − v is 0 for a finite v and NaN otherwise (NaN != 0): a branch-free test that vectorises.
    bool bad = false;
    for (Index r = 0; r < rows; ++r) {
      const double v = static_cast<double>(in[r]);
      out[r * d] = v;
      bad |= (v - v) != 0.0;
    }
    return bad;
  } else {
    for (Index r = 0; r < rows; ++r) out[r * d] = static_cast<double>(in[r]);
    return false;
  }
}

bool gatherColumn(const Column& c, Index first, Index rows, Index d, double* out) {
  switch (c.type) {
    case napi_float64_array: return gather(static_cast<const double*>(c.data) + first, rows, d, out);
    case napi_float32_array: return gather(static_cast<const float*>(c.data) + first, rows, d, out);
    case napi_int8_array: return gather(static_cast<const std::int8_t*>(c.data) + first, rows, d, out);
    case napi_uint8_array:
    case napi_uint8_clamped_array:
      return gather(static_cast<const std::uint8_t*>(c.data) + first, rows, d, out);
    case napi_int16_array: return gather(static_cast<const std::int16_t*>(c.data) + first, rows, d, out);
    case napi_uint16_array: return gather(static_cast<const std::uint16_t*>(c.data) + first, rows, d, out);
    case napi_int32_array: return gather(static_cast<const std::int32_t*>(c.data) + first, rows, d, out);
    case napi_uint32_array: return gather(static_cast<const std::uint32_t*>(c.data) + first, rows, d, out);
    case napi_bigint64_array: return gather(static_cast<const std::int64_t*>(c.data) + first, rows, d, out);
    case napi_biguint64_array: return gather(static_cast<const std::uint64_t*>(c.data) + first, rows, d, out);
    default: break;
  }
  return false;
}

// The first non-finite value of a rows x count block with row stride d, as r·d + j, or -1.
Index firstNonFiniteIn(const double* out, Index rows, Index count, Index d) {
  for (Index r = 0; r < rows; ++r) {
    for (Index j = 0; j < count; ++j) {
      const double v = out[r * d + j];
      if ((v - v) != 0.0) return r * d + j;
    }
  }
  return -1;
}

// All-Float64 columns, four at a time: each row's four values stored together (a quarter of
// the strided stores of one column at a time); whether any value is not finite.
bool gatherFloat64Rows(const Column* columns, Index count, Index first, Index rows, Index d,
                       double* out) {
  bool bad = false;
  Index j = 0;
  for (; j + 4 <= count; j += 4) {
    const double* a = static_cast<const double*>(columns[j].data) + first;
    const double* b = static_cast<const double*>(columns[j + 1].data) + first;
    const double* c = static_cast<const double*>(columns[j + 2].data) + first;
    const double* e = static_cast<const double*>(columns[j + 3].data) + first;
    double* o = out + j;
    for (Index r = 0; r < rows; ++r) {
      const double v0 = a[r], v1 = b[r], v2 = c[r], v3 = e[r];
      o[r * d] = v0;
      o[r * d + 1] = v1;
      o[r * d + 2] = v2;
      o[r * d + 3] = v3;
      bad |= ((v0 - v0) + (v1 - v1) + (v2 - v2) + (v3 - v3)) != 0.0;
    }
  }
  for (; j < count; ++j) bad |= gather(static_cast<const double*>(columns[j].data) + first, rows, d, out + j);
  return bad;
}

}  // namespace

// columnsToRows(columns: TypedArray[c], out: Float64Array, firstRow, rows, width?, firstColumn?,
// sourceRow?, columnStride?): out[(firstRow + r)·width + firstColumn + j] = columns[j][sourceRow + r]
// for r < rows (each column holds at least sourceRow + rows values; width defaults to c,
// firstColumn and sourceRow to 0). With columnStride, out is laid out by column instead:
// out[(firstColumn + j)·columnStride + firstRow + r] (a stream's chunk for the E-step, which
// works by column: each column is copied as it is). Returns the first non-finite value written
// as r·width + j (row-major order from row firstRow), or -1; the rows after it may be left
// unwritten.
Napi::Value ColumnsToRows(const Napi::CallbackInfo& info) {
  return guarded(info.Env(), [&]() -> Napi::Value {
    Napi::Env env = info.Env();
    if (!info[0].IsArray()) throw Napi::TypeError::New(env, "columns must be an array");
    const Napi::Array list = info[0].As<Napi::Array>();
    const Index count = static_cast<Index>(list.Length());
    const Index first = countArgument(info[2], "firstRow");
    const Index rows = countArgument(info[3], "rows");
    const Index d = info[4].IsUndefined() ? count : countArgument(info[4], "width");
    const Index column = info[5].IsUndefined() ? 0 : countArgument(info[5], "firstColumn");
    const Index source = info[6].IsUndefined() ? 0 : countArgument(info[6], "sourceRow");
    if (count < 1) throw Napi::RangeError::New(env, "columns must not be empty");
    if (column + count > d) throw Napi::RangeError::New(env, "the columns do not fit the width");
    const Index byColumn = info[7].IsUndefined() ? 0 : countArgument(info[7], "columnStride");
    if (byColumn > 0 && first + rows > byColumn) {
      throw Napi::RangeError::New(env, "the rows do not fit the columnStride");
    }
    // out is an array the facade owns (a fresh one, or a stream's chunk buffer).
    const size_t outLength = static_cast<size_t>(byColumn > 0 ? (d - 1) * byColumn + first + rows
                                                              : (first + rows) * d);
    double* out = const_cast<double*>(float64Data(info[1], outLength, "out"));
    std::vector<Column> columns(static_cast<size_t>(count));
    for (Index j = 0; j < count; ++j) {
      const Napi::Value v = list.Get(static_cast<uint32_t>(j));
      if (!v.IsTypedArray()) throw Napi::TypeError::New(env, "every column must be a typed array");
      const Napi::TypedArray a = v.As<Napi::TypedArray>();
      if (a.ElementLength() < static_cast<size_t>(source + rows)) {
        throw Napi::RangeError::New(env, "a column holds fewer values than rows");
      }
      const auto type = a.TypedArrayType();
      if (type == napi_float64_array || type == napi_float32_array || type == napi_int8_array ||
          type == napi_uint8_array || type == napi_uint8_clamped_array ||
          type == napi_int16_array || type == napi_uint16_array || type == napi_int32_array ||
          type == napi_uint32_array || type == napi_bigint64_array ||
          type == napi_biguint64_array) {
        const auto* base = static_cast<const std::uint8_t*>(a.ArrayBuffer().Data()) + a.ByteOffset();
        columns[j] = {type, base};
      } else {
        throw Napi::TypeError::New(env, "a column is not a numeric typed array");
      }
    }
    if (byColumn > 0) {
      // Each column copied along its rows; of those with a non-finite value, the first one in
      // row-major order.
      Index bad = -1;
      for (Index j = 0; j < count; ++j) {
        double* to = out + (column + j) * byColumn + first;
        if (!gatherColumn(columns[j], source, rows, 1, to)) continue;
        const Index r = firstNonFiniteIn(to, rows, 1, 1);
        const Index at = r * d + column + j;
        if (bad < 0 || at < bad) bad = at;
      }
      return Napi::Number::New(env, static_cast<double>(bad));
    }
    out += column;
    const bool allFloat64 = std::all_of(columns.begin(), columns.end(),
                                        [](const Column& c) { return c.type == napi_float64_array; });
    // Tiles of rows whose output stays in the level-1/2 cache while every column fills it.
    const Index tile = std::max<Index>(16, (Index{1} << 14) / d);
    for (Index t = 0; t < rows; t += tile) {
      const Index tileRows = std::min(tile, rows - t);
      double* tileOut = out + (first + t) * d;
      bool bad = false;
      if (allFloat64) {
        bad = gatherFloat64Rows(columns.data(), count, source + t, tileRows, d, tileOut);
      } else {
        for (Index j = 0; j < count; ++j) bad |= gatherColumn(columns[j], source + t, tileRows, d, tileOut + j);
      }
      if (bad) {
        const Index at = firstNonFiniteIn(tileOut, tileRows, count, d);
        return Napi::Number::New(env, static_cast<double>(t * d + column + at));
      }
    }
    return Napi::Number::New(env, -1);
  });
}

// rowsToColumns(rows: Float64Array, sourceRow, count, d, out: Float64Array, firstRow,
// columnStride): out[j·columnStride + firstRow + r] = rows[(sourceRow + r)·d + j] for r < count:
// checked row-major rows into a stream's chunk laid out by column.
Napi::Value RowsToColumns(const Napi::CallbackInfo& info) {
  return guarded(info.Env(), [&]() -> Napi::Value {
    Napi::Env env = info.Env();
    const Index source = countArgument(info[1], "sourceRow");
    const Index rows = countArgument(info[2], "count");
    const Index d = countArgument(info[3], "d");
    const Index first = countArgument(info[5], "firstRow");
    const Index stride = countArgument(info[6], "columnStride");
    if (d < 1) throw Napi::RangeError::New(env, "d must be at least 1");
    if (first + rows > stride) throw Napi::RangeError::New(env, "the rows do not fit the columnStride");
    const double* in = float64Data(info[0], static_cast<size_t>((source + rows) * d), "rows");
    double* out = const_cast<double*>(
        float64Data(info[4], static_cast<size_t>((d - 1) * stride + first + rows), "out"));
    transposeRows(in + source * d, rows, d, out + first, stride);
    return env.Undefined();
  });
}

}  // namespace gaussmix::binding
