// SPDX-License-Identifier: Apache-2.0
// libFuzzer target: arbitrary bytes through the CBOR decoder. Whatever
// read_item accepts must then also survive the typed reads, and an accepted
// prefix must be exactly the bytes consumed.

#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "hush/cbor.h"

namespace {

using hush::ConstByteSpan;
using hush::Error;
using hush::cbor::Decoder;
using hush::cbor::Major;

void check(bool cond) {
  if (!cond) std::abort();
}

// Walks one item with the typed reads; returns false on any error.
bool walk(Decoder& d, unsigned depth) {
  Major m{};
  if (d.peek(m) != Error::kOk) return false;
  switch (m) {
    case Major::kUint: {
      uint64_t v = 0;
      return d.read_uint(v) == Error::kOk;
    }
    case Major::kNint: {
      int64_t v = 0;
      return d.read_int(v) == Error::kOk;
    }
    case Major::kBstr: {
      ConstByteSpan v;
      return d.read_bstr(v) == Error::kOk;
    }
    case Major::kTstr: {
      ConstByteSpan v;
      return d.read_tstr(v) == Error::kOk;
    }
    case Major::kArray:
    case Major::kMap: {
      if (depth > hush::cbor::kMaxDepth) return false;
      size_t n = 0;
      if ((m == Major::kArray ? d.read_array(n) : d.read_map(n)) != Error::kOk) return false;
      const size_t items = m == Major::kArray ? n : 2 * n;
      for (size_t i = 0; i < items; ++i) {
        if (!walk(d, depth + 1)) return false;
      }
      return true;
    }
    case Major::kSimple: {
      ConstByteSpan raw;
      return d.read_item(raw) == Error::kOk;
    }
    case Major::kTag: break;
  }
  return false;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const ConstByteSpan in(data, size);
  Decoder d(in);
  ConstByteSpan raw;
  while (!d.at_end()) {
    const size_t before = d.offset();
    if (d.read_item(raw) != Error::kOk) {
      check(d.status() != Error::kOk && d.offset() <= size);
      break;
    }
    check(raw.data() == data + before && raw.size() == d.offset() - before && raw.size() > 0);
    // The same item must pass the typed reads (a -2^64..-2^63-1 integer is
    // the one well-formed thing read_int may refuse).
    Decoder typed(raw);
    if (walk(typed, 0)) check(typed.at_end());
  }
  return 0;
}
