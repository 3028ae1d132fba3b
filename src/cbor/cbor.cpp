// SPDX-License-Identifier: Apache-2.0
#include "hush/cbor.h"

#include <cstring>

namespace hush::cbor {

namespace {

constexpr uint8_t kAiOneByte = 24;
constexpr uint8_t kAiEightBytes = 27;
constexpr uint8_t kAiIndefinite = 31;
constexpr uint8_t kSimpleFalse = 20;
constexpr uint8_t kSimpleTrue = 21;
constexpr uint8_t kSimpleNull = 22;
constexpr uint64_t kInt64Max = 0x7FFFFFFFFFFFFFFFu;

// Smallest argument that needs 1, 2, 4 or 8 following bytes; anything below it
// fits a shorter head, so using the longer one is not deterministic.
constexpr uint64_t kMinArg[4] = {24, 0x100, 0x10000, 0x100000000u};

// Parses one head at `pos` without side effects. On success `len` is the head
// size. The rules here are all that deterministic encoding asks of a head.
Error parse_head(ConstByteSpan in, size_t pos, Major& m, uint64_t& arg, size_t& len) noexcept {
  if (pos >= in.size()) return Error::kMalformed;
  const uint8_t ib = in[pos];
  const uint8_t major = static_cast<uint8_t>(ib >> 5);
  const uint8_t ai = static_cast<uint8_t>(ib & 0x1F);
  m = static_cast<Major>(major);

  if (m == Major::kSimple) {
    // Only false, true and null are in the subset. Floats, other simple
    // values, the two-byte simple form and a stray "break" are all refused.
    if (ai == kSimpleFalse || ai == kSimpleTrue || ai == kSimpleNull) {
      arg = ai;
      len = 1;
      return Error::kOk;
    }
    return Error::kMalformed;
  }
  if (ai < kAiOneByte) {
    arg = ai;
    len = 1;
    return Error::kOk;
  }
  if (ai == kAiIndefinite) {
    // Indefinite strings and containers are valid CBOR, just not
    // deterministic; on integers and tags the value 31 is not well-formed.
    return (m == Major::kUint || m == Major::kNint || m == Major::kTag) ? Error::kMalformed : Error::kNonDeterministic;
  }
  if (ai > kAiEightBytes) return Error::kMalformed;  // 28..30 are reserved

  const unsigned idx = ai - kAiOneByte;
  const size_t n = size_t{1} << idx;
  if (in.size() - pos - 1 < n) return Error::kMalformed;
  uint64_t v = 0;
  for (size_t i = 0; i < n; ++i) v = (v << 8) | in[pos + 1 + i];
  if (v < kMinArg[idx]) return Error::kNonDeterministic;
  arg = v;
  len = 1 + n;
  return Error::kOk;
}

// RFC 3629: no overlong forms, no surrogates, nothing above U+10FFFF.
bool valid_utf8(ConstByteSpan s) noexcept {
  size_t i = 0;
  while (i < s.size()) {
    const uint8_t c = s[i];
    if (c < 0x80) {
      ++i;
      continue;
    }
    size_t n = 0;
    uint8_t lo = 0x80;
    uint8_t hi = 0xBF;
    if (c >= 0xC2 && c <= 0xDF) {
      n = 1;
    } else if (c >= 0xE0 && c <= 0xEF) {
      n = 2;
      if (c == 0xE0) lo = 0xA0;
      if (c == 0xED) hi = 0x9F;
    } else if (c >= 0xF0 && c <= 0xF4) {
      n = 3;
      if (c == 0xF0) lo = 0x90;
      if (c == 0xF4) hi = 0x8F;
    } else {
      return false;
    }
    if (s.size() - i - 1 < n) return false;
    if (s[i + 1] < lo || s[i + 1] > hi) return false;
    for (size_t k = 2; k <= n; ++k) {
      if ((s[i + k] & 0xC0) != 0x80) return false;
    }
    i += n + 1;
  }
  return true;
}

// Strict lexicographic order of encoded keys (RFC 8949 §4.2.1): a proper
// prefix sorts first; equal encodings mean a duplicate key.
bool key_less(ConstByteSpan a, ConstByteSpan b) noexcept {
  const size_t n = a.size() < b.size() ? a.size() : b.size();
  const int c = n == 0 ? 0 : std::memcmp(a.data(), b.data(), n);
  return c < 0 || (c == 0 && a.size() < b.size());
}

}  // namespace

// --- Encoder -----------------------------------------------------------------

void Encoder::put_head(Major m, uint64_t arg) noexcept {
  if (err_ != Error::kOk) return;
  const size_t n = head_size(arg);
  if (out_.size() - len_ < n) {
    err_ = Error::kBufferTooSmall;
    return;
  }
  uint8_t* p = out_.data() + len_;
  const uint8_t mt = static_cast<uint8_t>(static_cast<uint8_t>(m) << 5);
  if (n == 1) {
    p[0] = static_cast<uint8_t>(mt | arg);
  } else {
    const uint8_t ai = n == 2 ? 24 : n == 3 ? 25 : n == 5 ? 26 : 27;
    p[0] = static_cast<uint8_t>(mt | ai);
    for (size_t i = 1; i < n; ++i) p[i] = static_cast<uint8_t>(arg >> (8 * (n - 1 - i)));
  }
  len_ += n;
}

void Encoder::put_int(int64_t v) noexcept {
  if (v >= 0) {
    put_head(Major::kUint, static_cast<uint64_t>(v));
  } else {
    // -1 - v never overflows for negative v, including INT64_MIN.
    put_head(Major::kNint, static_cast<uint64_t>(-(v + 1)));
  }
}

void Encoder::put_bstr(ConstByteSpan b) noexcept {
  put_head(Major::kBstr, b.size());
  put_raw(b);
}

void Encoder::put_tstr(ConstByteSpan utf8) noexcept {
  put_head(Major::kTstr, utf8.size());
  put_raw(utf8);
}

void Encoder::put_bool(bool v) noexcept {
  put_head(Major::kSimple, v ? kSimpleTrue : kSimpleFalse);
}

void Encoder::put_null() noexcept {
  put_head(Major::kSimple, kSimpleNull);
}

void Encoder::put_raw(ConstByteSpan bytes) noexcept {
  if (err_ != Error::kOk) return;
  if (out_.size() - len_ < bytes.size()) {
    err_ = Error::kBufferTooSmall;
    return;
  }
  if (!bytes.empty()) std::memcpy(out_.data() + len_, bytes.data(), bytes.size());
  len_ += bytes.size();
}

// --- Decoder -----------------------------------------------------------------

// Consumes a head only when it is valid, so offset() points at the bad item.
Error Decoder::read_head(Major& m, uint64_t& arg) noexcept {
  if (err_ != Error::kOk) return err_;
  size_t len = 0;
  const Error e = parse_head(in_, pos_, m, arg, len);
  if (e != Error::kOk) return fail(e);
  pos_ += len;
  return Error::kOk;
}

Error Decoder::peek(Major& m) noexcept {
  if (err_ != Error::kOk) return err_;
  if (at_end()) return fail(Error::kMalformed);
  m = static_cast<Major>(in_[pos_] >> 5);
  return Error::kOk;
}

Error Decoder::read_uint(uint64_t& v) noexcept {
  const size_t start = pos_;
  Major m{};
  uint64_t arg = 0;
  HUSH_TRY(read_head(m, arg));
  if (m != Major::kUint) {
    pos_ = start;
    return fail(Error::kMalformed);
  }
  v = arg;
  return Error::kOk;
}

Error Decoder::read_int(int64_t& v) noexcept {
  const size_t start = pos_;
  Major m{};
  uint64_t arg = 0;
  HUSH_TRY(read_head(m, arg));
  if ((m != Major::kUint && m != Major::kNint) || arg > kInt64Max) {
    pos_ = start;
    return fail(Error::kMalformed);
  }
  // Major 1 carries -1 - value; arg <= INT64_MAX keeps the result >= INT64_MIN.
  v = m == Major::kUint ? static_cast<int64_t>(arg) : -1 - static_cast<int64_t>(arg);
  return Error::kOk;
}

Error Decoder::read_bstr(ConstByteSpan& v) noexcept {
  const size_t start = pos_;
  Major m{};
  uint64_t arg = 0;
  HUSH_TRY(read_head(m, arg));
  // Compared in 64 bits so a huge length cannot wrap a 32-bit size_t.
  if (m != Major::kBstr || arg > static_cast<uint64_t>(in_.size() - pos_)) {
    pos_ = start;
    return fail(Error::kMalformed);
  }
  v = in_.subspan(pos_, static_cast<size_t>(arg));
  pos_ += static_cast<size_t>(arg);
  return Error::kOk;
}

Error Decoder::read_tstr(ConstByteSpan& v) noexcept {
  const size_t start = pos_;
  Major m{};
  uint64_t arg = 0;
  HUSH_TRY(read_head(m, arg));
  if (m != Major::kTstr || arg > static_cast<uint64_t>(in_.size() - pos_) ||
      !valid_utf8(in_.subspan(pos_, static_cast<size_t>(arg)))) {
    pos_ = start;
    return fail(Error::kMalformed);
  }
  v = in_.subspan(pos_, static_cast<size_t>(arg));
  pos_ += static_cast<size_t>(arg);
  return Error::kOk;
}

Error Decoder::read_array(size_t& n) noexcept {
  const size_t start = pos_;
  Major m{};
  uint64_t arg = 0;
  HUSH_TRY(read_head(m, arg));
  // Every element takes at least one byte, which bounds any honest count.
  if (m != Major::kArray || arg > static_cast<uint64_t>(in_.size() - pos_)) {
    pos_ = start;
    return fail(Error::kMalformed);
  }
  n = static_cast<size_t>(arg);
  return Error::kOk;
}

Error Decoder::read_map(size_t& n) noexcept {
  const size_t start = pos_;
  Major m{};
  uint64_t arg = 0;
  HUSH_TRY(read_head(m, arg));
  if (m != Major::kMap || arg > static_cast<uint64_t>((in_.size() - pos_) / 2)) {
    pos_ = start;
    return fail(Error::kMalformed);
  }
  n = static_cast<size_t>(arg);
  return Error::kOk;
}

Error Decoder::read_bool(bool& v) noexcept {
  const size_t start = pos_;
  Major m{};
  uint64_t arg = 0;
  HUSH_TRY(read_head(m, arg));
  if (m != Major::kSimple || arg == kSimpleNull) {
    pos_ = start;
    return fail(Error::kMalformed);
  }
  v = arg == kSimpleTrue;
  return Error::kOk;
}

Error Decoder::read_item(ConstByteSpan& raw) noexcept {
  if (err_ != Error::kOk) return err_;
  const size_t start = pos_;
  HUSH_TRY(skip_item(0));
  raw = in_.subspan(start, pos_ - start);
  return Error::kOk;
}

// Recursion is bounded by kMaxDepth and every loop by the input size, since
// each item takes at least one byte.
Error Decoder::skip_item(unsigned depth) noexcept {
  const size_t start = pos_;
  Major m{};
  uint64_t arg = 0;
  HUSH_TRY(read_head(m, arg));
  const uint64_t left = in_.size() - pos_;
  switch (m) {
    case Major::kUint:
    case Major::kNint:
    case Major::kSimple: return Error::kOk;
    case Major::kBstr:
    case Major::kTstr:
      if (arg > left) break;
      if (m == Major::kTstr && !valid_utf8(in_.subspan(pos_, static_cast<size_t>(arg)))) break;
      pos_ += static_cast<size_t>(arg);
      return Error::kOk;
    case Major::kArray:
      if (depth >= kMaxDepth || arg > left) break;
      for (uint64_t i = 0; i < arg; ++i) HUSH_TRY(skip_item(depth + 1));
      return Error::kOk;
    case Major::kMap: {
      if (depth >= kMaxDepth || arg > left / 2) break;
      ConstByteSpan prev;
      for (uint64_t i = 0; i < arg; ++i) {
        const size_t key_start = pos_;
        HUSH_TRY(skip_item(depth + 1));
        const ConstByteSpan key = in_.subspan(key_start, pos_ - key_start);
        if (i > 0 && !key_less(prev, key)) {
          pos_ = key_start;
          return fail(Error::kNonDeterministic);
        }
        prev = key;
        HUSH_TRY(skip_item(depth + 1));
      }
      return Error::kOk;
    }
    case Major::kTag: break;  // EDHOC never uses tags
  }
  pos_ = start;
  return fail(Error::kMalformed);
}

}  // namespace hush::cbor
