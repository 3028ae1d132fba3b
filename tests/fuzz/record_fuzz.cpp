// SPDX-License-Identifier: Apache-2.0
// libFuzzer target: arbitrary bytes as a received record, and as a payload.
//  - parse_header() either refuses or returns a header that re-encodes to
//    exactly the input's first bytes;
//  - open() never crashes, returns only a documented drop reason, releases
//    no plaintext on a drop, and accepts a record at most once;
//  - open_in_place() decides exactly as open() does on an identical context;
//  - the input sealed as a payload opens back to itself.
// The contexts are the RFC 9529 trace 1 ones (initiator -> responder, 1-byte
// connection id), so seeds in corpus/record_fuzz/ can be genuine records.

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>

#include "hush/record.h"
#include "hush/security_context.h"
#include "hush/wire.h"

namespace {

using namespace hush;
using namespace hush::record;

void check(bool cond) {
  if (!cond) std::abort();
}

constexpr uint8_t kSecret[] = {0x1e, 0x1c, 0x6b, 0xea, 0xc3, 0xa8, 0xa1, 0xca,
                               0xc4, 0x35, 0xde, 0x7e, 0x2f, 0x9a, 0xe7, 0xff};
constexpr uint8_t kSalt[] = {0xce, 0x7a, 0xb8, 0x44, 0xc0, 0x10, 0x6d, 0x73};
constexpr uint8_t kCi[] = {0x2d};
constexpr uint8_t kCr[] = {0x18};

void derive(SecurityContext& ctx, Side side) {
  ContextOptions o;
  o.send_cid = true;
  check(ctx.derive(EdhocSecrets{crypto::Aead::kAesCcm16_64_128, ConstByteSpan(kSecret), ConstByteSpan(kSalt),
                                ConstByteSpan(kCi), ConstByteSpan(kCr), side},
                   o) == Error::kOk);
}

bool drop_reason(Error e) {
  return e == Error::kMalformed || e == Error::kUnknownContext || e == Error::kReplay || e == Error::kTooOld ||
         e == Error::kAuthFailed || e == Error::kFreshnessUnknown || e == Error::kLimitReached ||
         e == Error::kBufferTooSmall;
}

bool all_zero(const uint8_t* p, size_t n) {
  for (size_t i = 0; i < n; ++i) {
    if (p[i] != 0) return false;
  }
  return true;
}

void check_header(const uint8_t* data, size_t size) {
  RecordHeader h;
  if (parse_header(ConstByteSpan(data, size), h) != Error::kOk) return;
  check(h.size <= size && h.psn_len >= 1 && h.psn_len <= wire::kRecordMaxPsnLen && h.seq <= kMaxSequence);
  check(h.size == header_len(h.has_cid, h.seq) && h.psn_len == psn_len(h.seq));
  uint8_t again[wire::kRecordMaxHeaderLen];
  size_t n = 0;
  const uint8_t kind = h.kind == RecordKind::kConfirmed ? wire::kFrameRecordConfirmed
                       : h.kind == RecordKind::kControl ? wire::kFrameRecordControl
                                                        : wire::kFrameRecord;
  again[n++] = static_cast<uint8_t>(kind | (h.key_phase ? wire::kRecordKeyPhase : 0) |
                                    (h.has_cid ? wire::kRecordCid : 0) | (h.psn_len - 1));
  if (h.has_cid) again[n++] = h.cid;
  for (size_t i = h.psn_len; i-- > 0;) again[n++] = static_cast<uint8_t>(h.seq >> (8 * i));
  check(n == h.size && std::memcmp(again, data, n) == 0);
}

void check_open(const uint8_t* data, size_t size) {
  static uint8_t out[wire::kRecordMaxLen + 64];
  static uint8_t copy[wire::kRecordMaxLen + 64];
  SecurityContext rx;
  derive(rx, Side::kResponder);
  std::memset(out, 0, sizeof(out));
  Opened o;
  const size_t out_len = size < sizeof(out) ? size : sizeof(out);
  const Error e = open(rx, ConstByteSpan(data, size), ByteSpan(out, out_len), o);
  if (e == Error::kOk) {
    check(o.size + 10 <= size);
    Opened again;
    check(open(rx, ConstByteSpan(data, size), ByteSpan(out, out_len), again) == Error::kReplay);
  } else {
    check(drop_reason(e));
    check(o.size == 0 && all_zero(out, out_len));
  }

  if (size > sizeof(copy)) return;
  SecurityContext rx2;
  derive(rx2, Side::kResponder);
  std::memcpy(copy, data, size);
  ConstByteSpan payload;
  Opened o2;
  const Error e2 = open_in_place(rx2, ByteSpan(copy, size), payload, o2);
  check(e2 == e);
  if (e == Error::kOk) check(payload.size() == o.size && std::memcmp(payload.data(), out, o.size) == 0);
}

void check_seal(const uint8_t* data, size_t size) {
  static uint8_t rec[wire::kRecordMaxLen];
  static uint8_t back[wire::kRecordMaxLen];
  SecurityContext tx;
  SecurityContext rx;
  derive(tx, Side::kInitiator);
  derive(rx, Side::kResponder);
  const size_t max_payload = wire::kRecordMaxLen - overhead(true, 0, crypto::Aead::kAesCcm16_64_128);
  const size_t n = size < max_payload ? size : max_payload;
  Sealed s;
  check(seal(tx, ConstByteSpan(data, n), ByteSpan(rec), s) == Error::kOk);
  check(s.size == n + 11 && s.seq == 0);
  Opened o;
  check(open(rx, ConstByteSpan(rec, s.size), ByteSpan(back), o) == Error::kOk);
  check(o.size == n && std::memcmp(back, data, n) == 0);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  check_header(data, size);
  check_open(data, size);
  check_seal(data, size);
  return 0;
}
