// SPDX-License-Identifier: Apache-2.0
#pragma once

// The deterministic CBOR (RFC 8949 §4.2.1) subset that EDHOC and OSCORE key
// derivation use: integers, byte and text strings, arrays, maps, false/true/
// null. No tags, floats or indefinite lengths. Both directions are
// allocation-free; the decoder rejects every non-shortest or indefinite
// encoding, so a message has exactly one accepted byte form.

#include <cstddef>
#include <cstdint>

#include "hush/error.h"
#include "hush/span.h"

namespace hush::cbor {

enum class Major : uint8_t {
  kUint = 0,
  kNint = 1,
  kBstr = 2,
  kTstr = 3,
  kArray = 4,
  kMap = 5,
  kTag = 6,
  kSimple = 7,
};

/// Nesting limit for read_item(); deeper input is rejected as malformed.
inline constexpr unsigned kMaxDepth = 8;

/// Size of the head (initial byte plus argument) for an argument value.
constexpr size_t head_size(uint64_t arg) noexcept {
  return arg < 24 ? 1 : arg <= 0xFF ? 2 : arg <= 0xFFFF ? 3 : arg <= 0xFFFFFFFFu ? 5 : 9;
}

/// Appends CBOR items to a caller's buffer. Failure is sticky: once the
/// buffer is too small every later put is ignored and status() reports
/// kBufferTooSmall, so a composer checks once at the end.
class Encoder {
 public:
  explicit Encoder(ByteSpan out) noexcept : out_(out) {}

  void put_uint(uint64_t v) noexcept { put_head(Major::kUint, v); }
  void put_int(int64_t v) noexcept;
  void put_bstr(ConstByteSpan b) noexcept;
  /// Only the head of a bstr whose `len` content bytes the caller puts next.
  void put_bstr_head(size_t len) noexcept { put_head(Major::kBstr, len); }
  void put_tstr(ConstByteSpan utf8) noexcept;
  void put_array(size_t n) noexcept { put_head(Major::kArray, n); }
  void put_map(size_t n) noexcept { put_head(Major::kMap, n); }
  void put_bool(bool v) noexcept;
  void put_null() noexcept;
  /// Already-encoded CBOR (or, inside a bstr, raw content).
  void put_raw(ConstByteSpan bytes) noexcept;

  Error status() const noexcept { return err_; }
  size_t size() const noexcept { return len_; }
  ConstByteSpan encoded() const noexcept { return ConstByteSpan(out_.data(), len_); }

 private:
  void put_head(Major m, uint64_t arg) noexcept;
  ByteSpan out_;
  size_t len_ = 0;
  Error err_ = Error::kOk;
};

/// Reads CBOR items from a span it does not own. On any error the decoder
/// fails for good (sticky) and every later read returns that error.
class Decoder {
 public:
  explicit Decoder(ConstByteSpan in) noexcept : in_(in) {}

  bool at_end() const noexcept { return pos_ == in_.size(); }
  size_t offset() const noexcept { return pos_; }
  ConstByteSpan rest() const noexcept { return in_.subspan(pos_); }
  Error status() const noexcept { return err_; }

  /// Major type of the next item without consuming it; kMalformed at end.
  Error peek(Major& m) noexcept;
  /// The next item is an integer (major 0 or 1) that fits int64_t.
  Error read_int(int64_t& v) noexcept;
  Error read_uint(uint64_t& v) noexcept;
  Error read_bstr(ConstByteSpan& v) noexcept;
  Error read_tstr(ConstByteSpan& v) noexcept;
  Error read_array(size_t& n) noexcept;
  Error read_map(size_t& n) noexcept;
  Error read_bool(bool& v) noexcept;
  /// Consumes one complete data item, checked for well-formedness and
  /// deterministic encoding (map keys sorted and unique), and returns its
  /// encoded bytes.
  Error read_item(ConstByteSpan& raw) noexcept;

 private:
  Error read_head(Major& m, uint64_t& arg) noexcept;
  Error skip_item(unsigned depth) noexcept;
  Error fail(Error e) noexcept {
    err_ = e;
    return e;
  }
  ConstByteSpan in_;
  size_t pos_ = 0;
  Error err_ = Error::kOk;
};

}  // namespace hush::cbor
