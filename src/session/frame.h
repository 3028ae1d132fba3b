// SPDX-License-Identifier: Apache-2.0
#pragma once

// The frame codec: kind byte, correlation byte, fragment header (layouts in
// include/hush/wire.h and docs/PROTOCOL.md "Frames"). It only splits and
// joins bytes; what a frame means is the endpoint's business.

#include <cstddef>
#include <cstdint>

#include "hush/error.h"
#include "hush/session.h"
#include "hush/span.h"

namespace hush::session {

/// EDHOC message kinds as they appear in the low bits of a session frame.
enum class EdhocKind : uint8_t {
  kNone = 0,
  kMessage1 = wire::kFrameMessage1,
  kMessage2 = wire::kFrameMessage2,
  kMessage3 = wire::kFrameMessage3,
  kMessage4 = wire::kFrameMessage4,
  kError = wire::kFrameError,
};

enum class FrameType : uint8_t { kEdhoc, kFragment, kRecord, kDiscovery, kAnnounce, kCookieRetry, kReserved };

struct Frame {
  FrameType type = FrameType::kReserved;
  EdhocKind edhoc = EdhocKind::kNone;
  bool has_cid = false;
  uint8_t cid = 0;           // the receiver's own connection identifier
  uint16_t frag_total = 0;   // kFragment: length of the whole message
  uint16_t frag_offset = 0;  // kFragment: where `body` goes
  ConstByteSpan body{};      // the EDHOC message, the fragment's bytes, or the whole record
  ConstByteSpan record{};    // message_3 only: the record riding with it
  uint8_t m1_flags = 0;      // message_1 (whole or fragment): wire::kFrameKeyMac | kFrameWithCookie
};

/// The parts of a message_1 frame body: kind | [mac] | [cookie] | message_1.
struct Message1Parts {
  ConstByteSpan mac{};
  ConstByteSpan cookie{};
  ConstByteSpan message{};
};

/// Splits a (reassembled) message_1 body by its flags; false if too short.
bool split_message_1(uint8_t flags, ConstByteSpan body, Message1Parts& out) noexcept;

/// Splits a received frame. kMalformed for anything that is not exactly one
/// of the layouts; kUnsupported for the reserved wake kind, which this
/// build does not handle. Discovery and announce bodies are checked by
/// discovery.cpp; a cookie retry's length here.
Error parse_frame(ConstByteSpan in, Frame& out) noexcept;

/// The counter class of a frame from its first byte.
FrameClass classify(ConstByteSpan frame) noexcept;

/// Whether an EDHOC kind carries the receiver's connection identifier.
constexpr bool kind_has_cid(EdhocKind k) noexcept {
  return k != EdhocKind::kMessage1;
}

/// Header bytes before an unfragmented EDHOC message.
constexpr size_t edhoc_header_len(EdhocKind k) noexcept {
  return 1 + (kind_has_cid(k) ? wire::kConnIdWireLen : 0);
}

/// kind | [cid] | message. kBufferTooSmall if it does not fit `out`.
Error compose_edhoc(EdhocKind kind, uint8_t cid, ConstByteSpan message, ByteSpan out, size_t& len) noexcept;

/// kind|fragment | [cid] | total offset | message[offset .. offset + n], with
/// n as large as `out` allows. `taken` receives n.
/// `flags` (message_1 only) go into every fragment's kind byte.
Error compose_fragment(EdhocKind kind, uint8_t cid, ConstByteSpan message, size_t offset, ByteSpan out, size_t& len,
                       size_t& taken, uint8_t flags = 0) noexcept;

}  // namespace hush::session
