// SPDX-License-Identifier: Apache-2.0
#include "frames.h"

#include "hush/wire.h"

namespace hush::sim {

namespace {

const char* edhoc_name(uint8_t base) {
  switch (base) {
    case wire::kFrameMessage1: return "message_1";
    case wire::kFrameMessage2: return "message_2";
    case wire::kFrameMessage3: return "message_3";
    case wire::kFrameMessage4: return "message_4";
    case wire::kFrameError: return "error";
    default: return "edhoc?";
  }
}

// Length of a CBOR byte string item (header + contents) at `off`, 0 if there is none.
size_t cbor_bstr_len(const std::vector<uint8_t>& b, size_t off) {
  if (off >= b.size() || (b[off] & 0xE0) != 0x40) return 0;
  const uint8_t ai = b[off] & 0x1F;
  size_t hdr = 1, len = 0;
  if (ai < 24) {
    len = ai;
  } else if (ai == 24 && off + 1 < b.size()) {
    hdr = 2;
    len = b[off + 1];
  } else if (ai == 25 && off + 2 < b.size()) {
    hdr = 3;
    len = static_cast<size_t>(b[off + 1]) << 8 | b[off + 2];
  } else {
    return 0;
  }
  return off + hdr + len <= b.size() ? hdr + len : 0;
}

void describe_record(const std::vector<uint8_t>& b, size_t off, uint8_t suite, FrameInfo& info) {
  const uint8_t h = b[off];
  info.has_record = true;
  info.record_kind = h & wire::kFrameRecordMask;
  info.record_bytes = b.size() - off;
  info.record_overhead = 1 + ((h & wire::kRecordCid) ? wire::kRecordCidLen : 0) + (h & wire::kRecordPsnLenMask) + 1 +
                         tag_len_for_suite(suite);
  if (info.record_overhead > info.record_bytes) info.malformed = true;
}

const char* record_name(uint8_t kind) {
  switch (kind) {
    case wire::kFrameRecord: return "record data";
    case wire::kFrameRecordConfirmed: return "record confirmed";
    case wire::kFrameRecordControl: return "record control";
    default: return "record?";
  }
}

}  // namespace

size_t tag_len_for_suite(uint8_t suite) {
  return (suite == wire::kSuite1 || suite == wire::kSuite3) ? 16 : 8;
}

FrameInfo describe_frame(const std::vector<uint8_t>& b, uint8_t suite) {
  FrameInfo info;
  if (b.empty()) {
    info.name = "empty";
    info.malformed = true;
    return info;
  }
  // message_1 with a key-knowledge MAC (0x41, 0x49, fragments 0x51, 0x59)
  // is an EDHOC frame like the others; bit 3 on it is the cookie flag.
  const bool m1_flags = (b[0] & 0xC7) == (wire::kFrameKeyMac | wire::kFrameMessage1);
  const uint8_t k = m1_flags ? static_cast<uint8_t>(b[0] & ~wire::kFrameKeyMac) : b[0];
  if (k >= 0x01 && k <= 0x1F) {
    info.edhoc = true;
    const uint8_t base = k & 0x07;
    const bool frag = (k & wire::kFrameFragment) != 0;
    const bool with_record = base == wire::kFrameMessage3 && (k & wire::kFrameWithRecord) != 0;
    info.name = std::string(frag ? "frag " : "") + edhoc_name(base);
    if (base == wire::kFrameMessage1 && (k & wire::kFrameWithCookie) != 0) info.name += "+cookie";
    info.edhoc_bytes = b.size();
    if (with_record && !frag) {
      info.name += "+record";
      // kind | C_R | message_3 (a CBOR bstr) | record
      const size_t m3 = cbor_bstr_len(b, 1 + wire::kConnIdWireLen);
      const size_t end = 1 + wire::kConnIdWireLen + m3;
      if (m3 == 0 || end >= b.size()) {
        info.malformed = true;
      } else {
        info.edhoc_bytes = end;
        describe_record(b, end, suite, info);
        info.name = std::string("message_3+") + record_name(info.record_kind);
      }
    }
    return info;
  }
  if (k < 0x80) {
    switch (k) {
      case wire::kFrameDiscovery: info.name = "discovery"; break;
      case wire::kFrameAnnounce: info.name = "announce"; break;
      case wire::kFrameWake: info.name = "wake"; break;
      case wire::kFrameCookieRetry:
        // Part of the handshake's cost: counted with the EDHOC frames.
        info.name = "cookie retry";
        info.edhoc = true;
        info.edhoc_bytes = b.size();
        break;
      default: info.name = "reserved"; info.malformed = true;
    }
    return info;
  }
  if (k >= 0xE0) {
    info.name = "reserved";
    info.malformed = true;
    return info;
  }
  describe_record(b, 0, suite, info);
  info.name = record_name(info.record_kind);
  return info;
}

}  // namespace hush::sim
