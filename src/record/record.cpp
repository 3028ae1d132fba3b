// SPDX-License-Identifier: Apache-2.0
#include "hush/record.h"

#include "hush/ct.h"

namespace hush::record {

// The AAD: every header byte as sent, then the context binding
// alg_aead (1 byte) || S (1 byte) || Sender ID of the sealing side.
inline constexpr size_t kMaxAadLen = wire::kRecordMaxHeaderLen + 2 + kMaxIdLen;

constexpr uint8_t kind_byte(RecordKind kind) noexcept {
  return kind == RecordKind::kConfirmed ? wire::kFrameRecordConfirmed
         : kind == RecordKind::kControl ? wire::kFrameRecordControl
                                        : wire::kFrameRecord;
}

struct RecordAccess {
  static size_t build_aad(const SecurityContext& ctx, ConstByteSpan header, bool sealing,
                          uint8_t (&aad)[kMaxAadLen]) noexcept {
    size_t n = 0;
    for (size_t i = 0; i < header.size(); ++i) aad[n++] = header[i];
    aad[n++] = static_cast<uint8_t>(cose_alg(ctx.alg_));
    const ConstByteSpan id = sealing ? ctx.sender_id() : ctx.recipient_id();
    aad[n++] = static_cast<uint8_t>(id.size());
    for (size_t i = 0; i < id.size(); ++i) aad[n++] = id[i];
    return n;
  }

  static Error seal(SecurityContext& ctx, ConstByteSpan payload, ByteSpan out, Sealed& sealed,
                    RecordKind kind) noexcept {
    sealed = Sealed{};
    if (kind != RecordKind::kData && kind != RecordKind::kConfirmed && kind != RecordKind::kControl) {
      return Error::kInvalidArgument;
    }
    if (!ctx.ready_) return Error::kInvalidState;
    sealed.limit = ctx.sender_limit();
    // Sizes are checked against the number about to be used, so a refusal
    // here burns no sequence number.
    const size_t hlen = header_len(ctx.send_cid_, ctx.ssn_);
    const size_t tlen = ctx.tag_len();
    if (payload.size() > wire::kRecordMaxLen - hlen - tlen) return Error::kInvalidArgument;
    const size_t total = hlen + payload.size() + tlen;
    if (out.size() < total) return Error::kBufferTooSmall;

    uint64_t seq = 0;
    const Error taken = ctx.take_sequence(seq);
    sealed.limit = ctx.sender_limit();
    HUSH_TRY(taken);

    const size_t plen = psn_len(seq);
    size_t pos = 0;
    out[pos++] = static_cast<uint8_t>(kind_byte(kind) | (ctx.key_phase_ ? wire::kRecordKeyPhase : 0) |
                                      (ctx.send_cid_ ? wire::kRecordCid : 0) | (plen - 1));
    if (ctx.send_cid_) out[pos++] = ctx.sender_id_[0];
    for (size_t i = plen; i-- > 0;) out[pos++] = static_cast<uint8_t>(seq >> (8 * i));

    uint8_t aad[kMaxAadLen];
    const size_t aad_len = build_aad(ctx, ConstByteSpan(out.data(), pos), true, aad);
    uint8_t nonce[kNonceLen];
    HUSH_TRY(ctx.sender_nonce(seq, nonce));
    const Error e = crypto::aead_seal(ctx.alg_, ConstByteSpan(ctx.sender_key_), ConstByteSpan(nonce),
                                      ConstByteSpan(aad, aad_len), payload, out.subspan(pos, payload.size() + tlen));
    if (!ok(e)) {
      ct::wipe(out.first(total));
      return e;
    }
    sealed.size = total;
    sealed.seq = seq;
    return Error::kOk;
  }

  // `replay_ok`: authenticate a record the window already holds (a resent
  // confirmed record whose ack was lost) without accepting it again.
  static Error open(SecurityContext& ctx, ConstByteSpan record, ByteSpan out, Opened& opened,
                    const FreshnessProof* freshness, bool replay_ok = false) noexcept {
    opened = Opened{};
    if (!ctx.ready_) return Error::kUnknownContext;
    opened.limit = ctx.recipient_limit();

    RecordHeader h;
    HUSH_TRY(parse_header(record, h));
    opened.seq = h.seq;
    opened.kind = h.kind;
    const size_t tlen = ctx.tag_len();
    if (record.size() > wire::kRecordMaxLen || record.size() - h.size < tlen) return Error::kMalformed;
    if (h.has_cid && (ctx.recipient_id_len_ != 1 || h.cid != ctx.recipient_id_[0])) return Error::kUnknownContext;
    if (h.key_phase != ctx.key_phase_) return Error::kUnknownContext;
    const size_t plen = record.size() - h.size - tlen;
    if (out.size() < plen) return Error::kBufferTooSmall;
    if (opened.limit == LimitState::kReached) return Error::kLimitReached;

    // Replays are refused before any decryption and do not count against v.
    const Error fresh = ctx.window_.check(h.seq);
    const bool seen = replay_ok && (fresh == Error::kReplay || fresh == Error::kTooOld);
    if (fresh != Error::kOk && fresh != Error::kFreshnessUnknown && !seen) return fresh;
    if (replay_ok && !seen) return Error::kInvalidState;

    uint8_t aad[kMaxAadLen];
    const size_t aad_len = build_aad(ctx, record.first(h.size), false, aad);
    uint8_t nonce[kNonceLen];
    HUSH_TRY(ctx.recipient_nonce(h.seq, nonce));
    // Any decryption may fail, so storage must cover one more failure first.
    HUSH_TRY(ctx.reserve_failure());
    const ByteSpan pt = out.first(plen);
    const Error e = crypto::aead_open(ctx.alg_, ConstByteSpan(ctx.recipient_key_), ConstByteSpan(nonce),
                                      ConstByteSpan(aad, aad_len), record.subspan(h.size), pt);
    if (!ok(e)) {
      ct::wipe(pt);
      if (e == Error::kAuthFailed) ctx.note_failure();
      opened.limit = ctx.recipient_limit();
      return e;
    }

    if (seen) {
      // Authentic, but already delivered: the caller acks it again and
      // drops the payload.
      ct::wipe(pt);
      return Error::kOk;
    }
    if (fresh == Error::kFreshnessUnknown) {
      if (freshness == nullptr || freshness->proves == nullptr ||
          !freshness->proves(freshness->user, h.seq, ConstByteSpan(pt.data(), pt.size()))) {
        ct::wipe(pt);
        return Error::kFreshnessUnknown;
      }
      ctx.window_.start_at(h.seq);
    } else {
      HUSH_TRY(ctx.window_.accept(h.seq));
    }
    opened.size = plen;
    return Error::kOk;
  }
};

Error parse_header(ConstByteSpan record, RecordHeader& header) noexcept {
  header = RecordHeader{};
  if (record.empty()) return Error::kMalformed;
  const uint8_t b = record[0];
  const uint8_t kind = b & wire::kFrameRecordMask;
  if (kind == wire::kFrameRecord) {
    header.kind = RecordKind::kData;
  } else if (kind == wire::kFrameRecordConfirmed) {
    header.kind = RecordKind::kConfirmed;
  } else if (kind == wire::kFrameRecordControl) {
    header.kind = RecordKind::kControl;
  } else {
    return Error::kMalformed;
  }
  const size_t plen = static_cast<size_t>(b & wire::kRecordPsnLenMask) + 1;
  if (plen > wire::kRecordMaxPsnLen) return Error::kMalformed;
  const bool has_cid = (b & wire::kRecordCid) != 0;
  const size_t size = 1 + (has_cid ? wire::kRecordCidLen : 0) + plen;
  if (record.size() < size) return Error::kMalformed;

  size_t pos = 1;
  if (has_cid) header.cid = record[pos++];
  uint64_t seq = 0;
  for (size_t i = 0; i < plen; ++i) seq = (seq << 8) | record[pos++];
  // One sequence number, one encoding: a longer PSN than needed is refused.
  if (psn_len(seq) != plen) return Error::kMalformed;

  header.key_phase = (b & wire::kRecordKeyPhase) != 0;
  header.has_cid = has_cid;
  header.psn_len = static_cast<uint8_t>(plen);
  header.seq = seq;
  header.size = size;
  return Error::kOk;
}

Error seal(SecurityContext& ctx, ConstByteSpan payload, ByteSpan out, Sealed& sealed, RecordKind kind) noexcept {
  return RecordAccess::seal(ctx, payload, out, sealed, kind);
}

Error authenticate_seen(SecurityContext& ctx, ConstByteSpan record, ByteSpan scratch, Opened& opened) noexcept {
  return RecordAccess::open(ctx, record, scratch, opened, nullptr, true);
}

Error open(SecurityContext& ctx, ConstByteSpan record, ByteSpan out, Opened& opened,
           const FreshnessProof* freshness) noexcept {
  return RecordAccess::open(ctx, record, out, opened, freshness);
}

Error open_in_place(SecurityContext& ctx, ByteSpan record, ConstByteSpan& payload, Opened& opened,
                    const FreshnessProof* freshness) noexcept {
  payload = ConstByteSpan();
  RecordHeader h;
  const ConstByteSpan in(record.data(), record.size());
  // On a bad header open() reports the error before it looks at `body`.
  const ByteSpan body = ok(parse_header(in, h)) ? record.subspan(h.size) : ByteSpan();
  HUSH_TRY(RecordAccess::open(ctx, in, body, opened, freshness));
  payload = ConstByteSpan(body.data(), opened.size);
  return Error::kOk;
}

}  // namespace hush::record
