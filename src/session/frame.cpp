// SPDX-License-Identifier: Apache-2.0
#include "frame.h"

namespace hush::session {

namespace {

constexpr uint8_t kEdhocKindMask = 0x07;
constexpr uint8_t kSessionFlagsMask = wire::kFrameWithRecord | wire::kFrameFragment;

bool valid_edhoc_kind(uint8_t k) noexcept {
  return k >= wire::kFrameMessage1 && k <= wire::kFrameError;
}

// Length of a CBOR byte string head and body at the start of `in` (message_3
// is one bstr, CIPHERTEXT_3), or 0 if it is not a definite bstr that fits.
size_t bstr_extent(ConstByteSpan in) noexcept {
  if (in.empty() || (in[0] & 0xE0) != 0x40) return 0;
  const uint8_t ai = in[0] & 0x1F;
  size_t head = 1, len = 0;
  if (ai < 24) {
    len = ai;
  } else if (ai == 24 && in.size() >= 2) {
    head = 2;
    len = in[1];
  } else if (ai == 25 && in.size() >= 3) {
    head = 3;
    len = (size_t{in[1]} << 8) | in[2];
  } else {
    return 0;
  }
  return head + len <= in.size() ? head + len : 0;
}

}  // namespace

// The message_1 flags are allowed on message_1 only.
uint8_t strip_m1_flags(uint8_t b) noexcept {
  return (b & kEdhocKindMask) == wire::kFrameMessage1 ? static_cast<uint8_t>(b & ~wire::kFrameKeyMac) : b;
}

FrameClass classify(ConstByteSpan frame) noexcept {
  if (frame.empty()) return FrameClass::kOther;
  const uint8_t b = strip_m1_flags(frame[0]);
  if ((b & 0x80) != 0) return FrameClass::kRecord;
  if ((b & ~(kEdhocKindMask | kSessionFlagsMask)) != 0) return FrameClass::kOther;
  if ((b & wire::kFrameFragment) != 0) return FrameClass::kFragment;
  switch (b & kEdhocKindMask) {
    case wire::kFrameMessage1: return FrameClass::kMessage1;
    case wire::kFrameMessage2: return FrameClass::kMessage2;
    case wire::kFrameMessage3: return FrameClass::kMessage3;
    case wire::kFrameMessage4: return FrameClass::kMessage4;
    case wire::kFrameError: return FrameClass::kError;
    default: return FrameClass::kOther;
  }
}

Error parse_frame(ConstByteSpan in, Frame& out) noexcept {
  out = Frame{};
  if (in.empty() || in.size() > wire::kMaxMtu) return Error::kMalformed;
  const uint8_t b = in[0];
  if ((b & 0x80) != 0) {
    // Records are parsed by the record layer; only the frame type is set here.
    out.type = FrameType::kRecord;
    out.body = in;
    return Error::kOk;
  }
  switch (b) {
    case wire::kFrameDiscovery:
      out.type = FrameType::kDiscovery;
      out.body = in.subspan(1);
      return Error::kOk;
    case wire::kFrameAnnounce:
      out.type = FrameType::kAnnounce;
      out.body = in.subspan(1);
      return Error::kOk;
    case wire::kFrameCookieRetry:
      if (in.size() != wire::kCookieRetryLen) return Error::kMalformed;
      out.type = FrameType::kCookieRetry;
      out.has_cid = true;
      out.cid = in[1];
      out.body = in.subspan(2);
      return Error::kOk;
    case wire::kFrameWake: out.type = FrameType::kReserved; return Error::kUnsupported;
    default: break;
  }
  const uint8_t bs = strip_m1_flags(b);
  if ((bs & ~(kEdhocKindMask | kSessionFlagsMask)) != 0) return Error::kMalformed;
  const uint8_t k = bs & kEdhocKindMask;
  if (!valid_edhoc_kind(k)) return Error::kMalformed;
  const bool fragment = (b & wire::kFrameFragment) != 0;
  // On message_1 this bit is kFrameWithCookie, not a riding record.
  const bool m1 = k == wire::kFrameMessage1;
  const bool with_record = !m1 && (b & wire::kFrameWithRecord) != 0;
  if (m1) out.m1_flags = static_cast<uint8_t>(b & (wire::kFrameKeyMac | wire::kFrameWithCookie));
  // Only a whole message_3 carries a record.
  if (with_record && (fragment || k != wire::kFrameMessage3)) return Error::kMalformed;

  out.edhoc = static_cast<EdhocKind>(k);
  size_t pos = 1;
  if (kind_has_cid(out.edhoc)) {
    if (in.size() < pos + wire::kConnIdWireLen) return Error::kMalformed;
    out.has_cid = true;
    out.cid = in[pos];
    pos += wire::kConnIdWireLen;
  }
  if (fragment) {
    if (in.size() < pos + wire::kFragmentHeaderLen + 1) return Error::kMalformed;
    const uint32_t v = (uint32_t{in[pos]} << 16) | (uint32_t{in[pos + 1]} << 8) | in[pos + 2];
    pos += wire::kFragmentHeaderLen;
    const uint32_t total = v >> 12, offset = v & 0xFFFu;
    const size_t n = in.size() - pos;
    // A fragment is a strict part of a message: never empty, never the whole.
    if (total == 0 || offset >= total || n > total - offset || n == total) return Error::kMalformed;
    out.type = FrameType::kFragment;
    out.frag_total = static_cast<uint16_t>(total);
    out.frag_offset = static_cast<uint16_t>(offset);
    out.body = in.subspan(pos);
    return Error::kOk;
  }
  const ConstByteSpan rest = in.subspan(pos);
  if (rest.empty()) return Error::kMalformed;
  out.type = FrameType::kEdhoc;
  if (with_record) {
    const size_t m3 = bstr_extent(rest);
    if (m3 == 0 || m3 == rest.size()) return Error::kMalformed;
    out.body = rest.first(m3);
    out.record = rest.subspan(m3);
    if ((out.record[0] & 0x80) == 0) return Error::kMalformed;
    return Error::kOk;
  }
  out.body = rest;
  return Error::kOk;
}

bool split_message_1(uint8_t flags, ConstByteSpan body, Message1Parts& out) noexcept {
  out = Message1Parts{};
  size_t pos = 0;
  if ((flags & wire::kFrameKeyMac) != 0) {
    if (body.size() < pos + wire::kKeyMacLen) return false;
    out.mac = body.subspan(pos, wire::kKeyMacLen);
    pos += wire::kKeyMacLen;
  }
  if ((flags & wire::kFrameWithCookie) != 0) {
    if (body.size() < pos + wire::kCookieLen) return false;
    out.cookie = body.subspan(pos, wire::kCookieLen);
    pos += wire::kCookieLen;
  }
  if (body.size() <= pos) return false;
  out.message = body.subspan(pos);
  return true;
}

Error compose_edhoc(EdhocKind kind, uint8_t cid, ConstByteSpan message, ByteSpan out, size_t& len) noexcept {
  len = 0;
  const size_t h = edhoc_header_len(kind);
  if (message.empty()) return Error::kInvalidArgument;
  if (out.size() < h + message.size()) return Error::kBufferTooSmall;
  out[0] = static_cast<uint8_t>(kind);
  if (kind_has_cid(kind)) out[1] = cid;
  for (size_t i = 0; i < message.size(); ++i) out[h + i] = message[i];
  len = h + message.size();
  return Error::kOk;
}

Error compose_fragment(EdhocKind kind, uint8_t cid, ConstByteSpan message, size_t offset, ByteSpan out, size_t& len,
                       size_t& taken, uint8_t flags) noexcept {
  len = 0;
  taken = 0;
  if (message.size() > wire::kFragmentMaxTotal || offset >= message.size()) return Error::kInvalidArgument;
  const size_t h = edhoc_header_len(kind) + wire::kFragmentHeaderLen;
  if (out.size() <= h) return Error::kBufferTooSmall;
  size_t n = message.size() - offset;
  if (n > out.size() - h) n = out.size() - h;
  if (n == message.size()) return Error::kInvalidArgument;  // fits whole: not a fragment
  size_t pos = 0;
  out[pos++] = static_cast<uint8_t>(static_cast<uint8_t>(kind) | wire::kFrameFragment | flags);
  if (kind_has_cid(kind)) out[pos++] = cid;
  const uint32_t v = (static_cast<uint32_t>(message.size()) << 12) | static_cast<uint32_t>(offset);
  out[pos++] = static_cast<uint8_t>(v >> 16);
  out[pos++] = static_cast<uint8_t>(v >> 8);
  out[pos++] = static_cast<uint8_t>(v);
  for (size_t i = 0; i < n; ++i) out[pos + i] = message[offset + i];
  len = pos + n;
  taken = n;
  return Error::kOk;
}

}  // namespace hush::session
