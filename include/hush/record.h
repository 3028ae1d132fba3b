// SPDX-License-Identifier: Apache-2.0
#pragma once

// The protected record: the compact frame every post-handshake byte and every
// PSK/group byte travels in (docs/PROTOCOL.md "Records"):
//
//   header (1) | connection id (0/1) | partial sequence number (1..5) | ciphertext | tag
//
// seal() turns a payload into a record with the context's next sequence
// number; open() checks the header, the context, the replay window and the
// tag, in that order, and returns the payload or the precise reason for the
// drop. Nothing here allocates.

#include <cstddef>
#include <cstdint>

#include "hush/crypto.h"
#include "hush/error.h"
#include "hush/security_context.h"
#include "hush/span.h"
#include "hush/wire.h"

namespace hush::record {

/// Bytes of the minimal partial sequence number encoding of `seq` (1..5).
constexpr size_t psn_len(uint64_t seq) noexcept {
  size_t n = 1;
  while (n < wire::kRecordMaxPsnLen && (seq >> (8 * n)) != 0) ++n;
  return n;
}

/// Header bytes of a record: kind byte, optional connection id, PSN.
constexpr size_t header_len(bool cid, uint64_t seq) noexcept {
  return 1 + (cid ? wire::kRecordCidLen : 0) + psn_len(seq);
}

/// Everything a record adds to its payload.
constexpr size_t overhead(bool cid, uint64_t seq, crypto::Aead alg) noexcept {
  return header_len(cid, seq) + crypto::tag_len(alg);
}

/// The BRIEF's budget: 1-byte connection id, 8-byte tag, sequence number < 256.
static_assert(overhead(true, 255, crypto::Aead::kAesCcm16_64_128) <= 11, "hush: record overhead over budget");

/// What a record carries, from bits 7..5 of its header byte (authenticated
/// with the rest of the header).
enum class RecordKind : uint8_t {
  kData,       ///< application payload
  kConfirmed,  ///< application payload; the sender asks for an ack
  kControl,    ///< session control: the first payload byte is a wire::RecordControl
};

/// The clear part of a record, as parsed before any context is chosen.
struct RecordHeader {
  RecordKind kind = RecordKind::kData;
  bool key_phase = false;
  bool has_cid = false;
  uint8_t cid = 0;
  uint8_t psn_len = 0;
  uint64_t seq = 0;  ///< the sender's sequence number (the Partial IV)
  size_t size = 0;   ///< header bytes, i.e. where the ciphertext starts
};

/// Parses and checks the header only: kind bits, PSN length (1..5, minimal
/// encoding), enough bytes. A session layer uses it to route a record to a
/// context by connection id and key phase before calling open().
/// kMalformed on any deviation.
Error parse_header(ConstByteSpan record, RecordHeader& header) noexcept;

/// What seal() did.
struct Sealed {
  size_t size = 0;                     ///< record bytes written to `out`
  uint64_t seq = 0;                    ///< sequence number used
  LimitState limit = LimitState::kOk;  ///< sender key after this record
};

/// Seals `payload` into `out` with the next sequence number. `out` needs
/// overhead(...) + payload.size() bytes and must not overlap `payload`.
/// Refuses with kLimitReached once q (the sequence number, see UsageLimits)
/// reaches limit_q, or the reserve hook fails; kBufferTooSmall /
/// kInvalidArgument touch no state.
/// Sealed::limit reports kNear in time for a rekey.
Error seal(SecurityContext& ctx, ConstByteSpan payload, ByteSpan out, Sealed& sealed,
           RecordKind kind = RecordKind::kData) noexcept;

/// Lets open() accept the first record after a loss of replay state: called
/// with an authenticated record's payload while the window is unknown; it
/// returns true if the payload proves freshness (e.g. it echoes a challenge
/// sent after the reboot). The payload must not be acted on otherwise.
struct FreshnessProof {
  bool (*proves)(void* user, uint64_t seq, ConstByteSpan payload) noexcept = nullptr;
  void* user = nullptr;
};

/// What open() found. Valid on every return, including drops.
struct Opened {
  size_t size = 0;                      ///< payload bytes written to `out` (0 on a drop)
  uint64_t seq = 0;                     ///< sequence number, once the header parsed
  RecordKind kind = RecordKind::kData;  ///< once the header parsed
  LimitState limit = LimitState::kOk;   ///< recipient key after this record
};

/// Opens a record. `out` needs record.size() - overhead bytes; it may be the
/// record's own buffer at the ciphertext offset. Returns kOk with the
/// payload, or the drop reason: kMalformed, kUnknownContext (context not
/// ready, connection id or key phase mismatch), kReplay, kTooOld,
/// kFreshnessUnknown (window lost and no proof), kAuthFailed, kLimitReached
/// (v used up, or the reserve_failures hook failed before the decryption),
/// kBufferTooSmall. No drop changes the replay window, and only kAuthFailed
/// counts against v. On a drop `out` holds no plaintext.
Error open(SecurityContext& ctx, ConstByteSpan record, ByteSpan out, Opened& opened,
           const FreshnessProof* freshness = nullptr) noexcept;

/// For a record that open() refused as kReplay or kTooOld: kOk if it is
/// nevertheless authentic (a resent confirmed record whose ack was lost, to
/// be acked again), without accepting it, touching the window or returning
/// its payload (`scratch`, record.size() - overhead bytes, is wiped). A bad
/// tag counts against v like any other. kInvalidState if the window would
/// accept the record: use open().
Error authenticate_seen(SecurityContext& ctx, ConstByteSpan record, ByteSpan scratch, Opened& opened) noexcept;
/// open() decrypting inside `record`; `payload` then points into it.
Error open_in_place(SecurityContext& ctx, ByteSpan record, ConstByteSpan& payload, Opened& opened,
                    const FreshnessProof* freshness = nullptr) noexcept;

}  // namespace hush::record
