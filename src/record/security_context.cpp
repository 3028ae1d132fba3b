// SPDX-License-Identifier: Apache-2.0
#include "hush/security_context.h"

#include "hush/cbor.h"
#include "hush/ct.h"
#include "record/oscore_kdf.h"

namespace hush::record {

namespace detail {

Error expand(crypto::Aead alg, ConstByteSpan prk, ConstByteSpan id, const IdContext& idc, bool iv,
             ByteSpan out) noexcept {
  uint8_t info[kMaxInfoLen];
  size_t info_len = 0;
  HUSH_TRY(encode_info(alg, id, idc, iv, ByteSpan(info), info_len));
  return crypto::hkdf_expand(prk, ConstByteSpan(info, info_len), out);
}

void nonce_base(const uint8_t (&common_iv)[kNonceLen], ConstByteSpan id, uint8_t (&base)[kNonceLen]) noexcept {
  for (size_t i = 0; i < kNonceLen; ++i) base[i] = common_iv[i];
  base[0] = static_cast<uint8_t>(base[0] ^ id.size());
  const size_t id_end = kNonceLen - kPivLen;  // ID is right-aligned in bytes 1..7
  for (size_t i = 0; i < id.size(); ++i) {
    const size_t pos = id_end - id.size() + i;
    base[pos] = static_cast<uint8_t>(base[pos] ^ id[i]);
  }
}

void nonce_for(const uint8_t (&base)[kNonceLen], uint64_t seq, uint8_t (&nonce)[kNonceLen]) noexcept {
  for (size_t i = 0; i < kNonceLen; ++i) nonce[i] = base[i];
  for (size_t i = 0; i < kPivLen; ++i) {
    const unsigned shift = static_cast<unsigned>(8 * (kPivLen - 1 - i));
    const size_t pos = kNonceLen - kPivLen + i;
    nonce[pos] = static_cast<uint8_t>(nonce[pos] ^ static_cast<uint8_t>(seq >> shift));
  }
}

}  // namespace detail

namespace {

using detail::expand;
using detail::nonce_base;
using detail::nonce_for;

constexpr uint8_t kLabelKey[] = {'K', 'e', 'y'};
constexpr uint8_t kLabelIv[] = {'I', 'V'};

bool valid_alg(crypto::Aead a) noexcept {
  return a == crypto::Aead::kAesCcm16_64_128 || a == crypto::Aead::kAesCcm16_128_128;
}

// q is the sequence number, and a uint32_t limit_q is reached before the
// 40-bit sequence space ends, so take_sequence() needs only the q check.
static_assert(uint64_t{UINT32_MAX} <= kMaxSequence, "hush: limit_q must end before the sequence space");

bool limits_valid(const UsageLimits& l) noexcept {
  return l.max_encryptions != 0 && l.max_failed_decryptions != 0 && l.near_encryptions <= l.max_encryptions &&
         l.near_failed_decryptions <= l.max_failed_decryptions;
}

void copy_id(ConstByteSpan id, uint8_t (&dst)[kMaxIdLen], uint8_t& len) noexcept {
  for (size_t i = 0; i < id.size(); ++i) dst[i] = id[i];
  len = static_cast<uint8_t>(id.size());
}

bool same_bytes(ConstByteSpan a, ConstByteSpan b) noexcept {
  // Identifiers are public; ct::equal is used only because it is the one compare helper.
  return ct::equal(a, b);
}

}  // namespace

Error encode_info(crypto::Aead alg, ConstByteSpan id, const IdContext& id_context, bool iv, ByteSpan out,
                  size_t& len) noexcept {
  len = 0;
  if (!valid_alg(alg) || id.size() > kMaxIdLen || id_context.value.size() > kMaxIdContextLen) {
    return Error::kInvalidArgument;
  }
  cbor::Encoder enc(out);
  enc.put_array(5);
  enc.put_bstr(id);
  if (id_context.present) {
    enc.put_bstr(id_context.value);
  } else {
    enc.put_null();
  }
  enc.put_int(cose_alg(alg));
  enc.put_tstr(iv ? ConstByteSpan(kLabelIv) : ConstByteSpan(kLabelKey));
  enc.put_uint(iv ? kNonceLen : kKeyLen);
  HUSH_TRY(enc.status());
  len = enc.size();
  return Error::kOk;
}

Error SecurityContext::derive(const EdhocSecrets& in, const ContextOptions& options) noexcept {
  const bool initiator = in.side == Side::kInitiator;
  HUSH_TRY(derive_common(in.alg, in.master_secret, in.master_salt, initiator ? in.c_r : in.c_i,
                         initiator ? in.c_i : in.c_r, IdContext{}, options));
  window_.reset();
  return Error::kOk;
}

Error SecurityContext::derive(const PskSecrets& in, const ContextOptions& options) noexcept {
  // The same keys return after every reboot: without a reservation in
  // storage the sequence number would restart and reuse nonces, and the
  // failed-decryption count would restart and give a forger a new budget.
  if (options.persistence.reserve == nullptr || options.persistence.reserve_failures == nullptr ||
      in.sender_sequence > kMaxSequence + 1) {
    reset();
    return Error::kInvalidArgument;
  }
  HUSH_TRY(
      derive_common(in.alg, in.master_secret, in.master_salt, in.sender_id, in.recipient_id, in.id_context, options));
  ssn_ = in.sender_sequence;
  reserved_ = in.sender_sequence;
  // A stored value above the limit (e.g. after the limit was lowered) still
  // means "used up"; clamping keeps the count's range simple.
  count_v_ =
      in.failed_decryptions < limits_.max_failed_decryptions ? in.failed_decryptions : limits_.max_failed_decryptions;
  reserved_v_ = count_v_;
  if (in.replay_state_fresh) {
    window_.reset();
  } else {
    window_.forget();
  }
  return Error::kOk;
}

Error SecurityContext::derive_common(crypto::Aead alg, ConstByteSpan master_secret, ConstByteSpan master_salt,
                                     ConstByteSpan sender_id, ConstByteSpan recipient_id, const IdContext& id_context,
                                     const ContextOptions& options) noexcept {
  reset();
  UsageLimits limits = options.limits;
  const UsageLimits defaults = UsageLimits::defaults(alg);
  if (limits.max_encryptions == 0) {
    limits.max_encryptions = defaults.max_encryptions;
    limits.near_encryptions = defaults.near_encryptions;
  }
  if (limits.max_failed_decryptions == 0) {
    limits.max_failed_decryptions = defaults.max_failed_decryptions;
    limits.near_failed_decryptions = defaults.near_failed_decryptions;
  }
  const Persistence& p = options.persistence;
  // Equal ids would give both directions the same key and nonces, so a
  // record could be reflected back to its sender.
  if (!valid_alg(alg) || master_secret.empty() || sender_id.size() > kMaxIdLen || recipient_id.size() > kMaxIdLen ||
      id_context.value.size() > kMaxIdContextLen || same_bytes(sender_id, recipient_id) || !limits_valid(limits) ||
      (p.reserve != nullptr && p.ahead == 0) || (p.reserve_failures != nullptr && p.failures_ahead == 0) ||
      (options.send_cid && (sender_id.size() != 1 || recipient_id.size() != 1))) {
    return Error::kInvalidArgument;
  }

  uint8_t prk[crypto::kHashLen];
  uint8_t common_iv[kNonceLen];
  Error e = crypto::hkdf_extract(master_salt, master_secret, prk);
  if (ok(e)) e = expand(alg, ConstByteSpan(prk), sender_id, id_context, false, ByteSpan(sender_key_));
  if (ok(e)) e = expand(alg, ConstByteSpan(prk), recipient_id, id_context, false, ByteSpan(recipient_key_));
  if (ok(e)) e = expand(alg, ConstByteSpan(prk), ConstByteSpan(), id_context, true, ByteSpan(common_iv));
  if (ok(e)) {
    nonce_base(common_iv, sender_id, sender_nonce_base_);
    nonce_base(common_iv, recipient_id, recipient_nonce_base_);
  }
  ct::wipe_object(prk);
  ct::wipe_object(common_iv);
  if (!ok(e)) {
    reset();
    return e;
  }

  copy_id(sender_id, sender_id_, sender_id_len_);
  copy_id(recipient_id, recipient_id_, recipient_id_len_);
  alg_ = alg;
  key_phase_ = options.key_phase;
  send_cid_ = options.send_cid;
  limits_ = limits;
  persistence_ = p;
  ready_ = true;
  return Error::kOk;
}

void SecurityContext::reset() noexcept {
  ct::wipe_object(sender_key_);
  ct::wipe_object(recipient_key_);
  ct::wipe_object(sender_nonce_base_);
  ct::wipe_object(recipient_nonce_base_);
  ct::wipe_object(sender_id_);
  ct::wipe_object(recipient_id_);
  sender_id_len_ = 0;
  recipient_id_len_ = 0;
  alg_ = crypto::Aead::kAesCcm16_64_128;
  key_phase_ = false;
  send_cid_ = false;
  ready_ = false;
  ssn_ = 0;
  reserved_ = 0;
  count_v_ = 0;
  reserved_v_ = 0;
  limits_ = UsageLimits{};
  persistence_ = Persistence{};
  // An unknown window refuses everything, which is what a dead context should do.
  window_.forget();
}

Error SecurityContext::restore_sequence(uint64_t stored) noexcept {
  if (!ready_) return Error::kInvalidState;
  if (stored > kMaxSequence + 1) return Error::kInvalidArgument;
  if (stored > ssn_) ssn_ = stored;
  // The next seal reserves again, even if an older reservation looked larger.
  reserved_ = ssn_;
  return Error::kOk;
}

LimitState SecurityContext::sender_limit() const noexcept {
  // q = ssn_: numbers skipped by a restore count as used, which can only
  // overestimate the encryptions, as the key-limits draft permits.
  if (!ready_ || ssn_ >= limits_.max_encryptions) return LimitState::kReached;
  if (ssn_ >= limits_.near_encryptions) return LimitState::kNear;
  return LimitState::kOk;
}

LimitState SecurityContext::recipient_limit() const noexcept {
  if (!ready_ || count_v_ >= limits_.max_failed_decryptions) return LimitState::kReached;
  if (count_v_ >= limits_.near_failed_decryptions) return LimitState::kNear;
  return LimitState::kOk;
}

Error SecurityContext::sender_nonce(uint64_t seq, uint8_t (&nonce)[kNonceLen]) const noexcept {
  if (!ready_) return Error::kInvalidState;
  if (seq > kMaxSequence) return Error::kInvalidArgument;
  nonce_for(sender_nonce_base_, seq, nonce);
  return Error::kOk;
}

Error SecurityContext::recipient_nonce(uint64_t seq, uint8_t (&nonce)[kNonceLen]) const noexcept {
  if (!ready_) return Error::kInvalidState;
  if (seq > kMaxSequence) return Error::kInvalidArgument;
  nonce_for(recipient_nonce_base_, seq, nonce);
  return Error::kOk;
}

Error SecurityContext::take_sequence(uint64_t& seq) noexcept {
  if (!ready_) return Error::kInvalidState;
  if (ssn_ >= limits_.max_encryptions) return Error::kLimitReached;
  if (persistence_.reserve != nullptr && ssn_ >= reserved_) {
    const uint64_t room = kMaxSequence + 1 - ssn_;
    const uint64_t next = ssn_ + (persistence_.ahead < room ? persistence_.ahead : room);
    // Storage first: if the device dies after this point, it restarts at
    // `next` and never sees a number it may already have used.
    if (!persistence_.reserve(persistence_.user, next)) return Error::kLimitReached;
    reserved_ = next;
  }
  seq = ssn_++;
  return Error::kOk;
}

Error SecurityContext::reserve_failure() noexcept {
  if (count_v_ >= limits_.max_failed_decryptions) return Error::kLimitReached;
  if (persistence_.reserve_failures != nullptr && count_v_ >= reserved_v_) {
    const uint32_t room = limits_.max_failed_decryptions - count_v_;
    const uint32_t next = count_v_ + (persistence_.failures_ahead < room ? persistence_.failures_ahead : room);
    // Storage first: a device that dies during the decryption restarts with
    // at least the failures it may have counted.
    if (!persistence_.reserve_failures(persistence_.user, next)) return Error::kLimitReached;
    reserved_v_ = next;
  }
  return Error::kOk;
}

void SecurityContext::note_failure() noexcept {
  if (count_v_ < limits_.max_failed_decryptions) ++count_v_;
}

}  // namespace hush::record

// --- Deep sleep ----------------------------------------------------------------
// Fixed layout, big-endian integers; src/session/sleep.cpp seals it.

namespace hush::record {

namespace {

// The window's edge field: a sequence number (at most kMaxSequence), or one
// of these two states.
constexpr uint64_t kEdgeEmpty = UINT64_MAX;
constexpr uint64_t kEdgeUnknown = UINT64_MAX - 1;

void put_be(uint8_t* out, uint64_t v, size_t n) noexcept {
  for (size_t i = 0; i < n; ++i) out[i] = static_cast<uint8_t>(v >> (8 * (n - 1 - i)));
}

uint64_t get_be(const uint8_t* in, size_t n) noexcept {
  uint64_t v = 0;
  for (size_t i = 0; i < n; ++i) v = (v << 8) | in[i];
  return v;
}

void put_bytes(uint8_t*& at, const uint8_t* src, size_t n) noexcept {
  for (size_t i = 0; i < n; ++i) at[i] = src[i];
  at += n;
}

void get_bytes(const uint8_t*& at, uint8_t* dst, size_t n) noexcept {
  for (size_t i = 0; i < n; ++i) dst[i] = at[i];
  at += n;
}

}  // namespace

// Where save() puts the restart sequence number: after alg, flags, both
// ids with their lengths, both keys and both nonce bases.
constexpr size_t kSnapshotSequenceAt = 2 + 2 * (1 + kMaxIdLen) + 2 * kKeyLen + 2 * kNonceLen;

uint64_t snapshot_sequence(ConstByteSpan snapshot) noexcept {
  if (snapshot.size() < kContextSnapshotLen) return 0;
  return get_be(snapshot.data() + kSnapshotSequenceAt, 8);
}

Error SecurityContext::save(ByteSpan out, uint64_t sequence) const noexcept {
  if (!ready_) return Error::kInvalidState;
  if (out.size() < kContextSnapshotLen) return Error::kBufferTooSmall;
  if (sequence < ssn_ || sequence > kMaxSequence + 1) return Error::kInvalidArgument;
  uint8_t* at = out.data();
  *at++ = static_cast<uint8_t>(alg_);
  *at++ = static_cast<uint8_t>((key_phase_ ? 1 : 0) | (send_cid_ ? 2 : 0));
  *at++ = sender_id_len_;
  put_bytes(at, sender_id_, kMaxIdLen);
  *at++ = recipient_id_len_;
  put_bytes(at, recipient_id_, kMaxIdLen);
  put_bytes(at, sender_key_, kKeyLen);
  put_bytes(at, recipient_key_, kKeyLen);
  put_bytes(at, sender_nonce_base_, kNonceLen);
  put_bytes(at, recipient_nonce_base_, kNonceLen);
  put_be(at, sequence, 8);
  at += 8;
  put_be(at, count_v_, 4);
  at += 4;
  const uint32_t lim[4] = {limits_.max_encryptions, limits_.near_encryptions, limits_.max_failed_decryptions,
                           limits_.near_failed_decryptions};
  for (uint32_t l : lim) {
    put_be(at, l, 4);
    at += 4;
  }
  // The window's right edge; all-ones for "nothing received yet"; all-ones
  // less one for "unknown" (a restored context whose freshness was not yet
  // proven: saving it as empty let an export before the proof accept every
  // record of the earlier lives again,
  // ReviewSleep.BlobExportedWhileWindowUnknownAcceptsReplaysFromEarlierLife).
  const WindowState st = window_.state();
  put_be(at, st == WindowState::kActive ? window_.highest() : (st == WindowState::kUnknown ? kEdgeUnknown : kEdgeEmpty),
         8);
  at += 8;
  // The bitmap, so that a record the peer sent before the export and lost
  // is still accepted (and one received is still a replay) after import.
  const Span<const uint32_t> words = window_.words();
  for (size_t i = 0; i < kSnapshotWindowWords; ++i) {
    put_be(at, st == WindowState::kActive && i < words.size() ? words[i] : 0, 4);
    at += 4;
  }
  return Error::kOk;
}

Error SecurityContext::load(ConstByteSpan in, const Persistence& persistence, uint64_t skip_to, uint64_t reserved_until,
                            WindowRestore window) noexcept {
  reset();
  if (in.size() != kContextSnapshotLen) return Error::kInvalidLength;
  const uint8_t* at = in.data();
  const uint8_t alg = *at++;
  const uint8_t flags = *at++;
  if (alg != static_cast<uint8_t>(crypto::Aead::kAesCcm16_64_128) &&
      alg != static_cast<uint8_t>(crypto::Aead::kAesCcm16_128_128)) {
    return Error::kMalformed;
  }
  sender_id_len_ = *at++;
  get_bytes(at, sender_id_, kMaxIdLen);
  recipient_id_len_ = *at++;
  get_bytes(at, recipient_id_, kMaxIdLen);
  get_bytes(at, sender_key_, kKeyLen);
  get_bytes(at, recipient_key_, kKeyLen);
  get_bytes(at, sender_nonce_base_, kNonceLen);
  get_bytes(at, recipient_nonce_base_, kNonceLen);
  const uint64_t seq = get_be(at, 8);
  at += 8;
  count_v_ = static_cast<uint32_t>(get_be(at, 4));
  at += 4;
  limits_.max_encryptions = static_cast<uint32_t>(get_be(at, 4));
  limits_.near_encryptions = static_cast<uint32_t>(get_be(at + 4, 4));
  limits_.max_failed_decryptions = static_cast<uint32_t>(get_be(at + 8, 4));
  limits_.near_failed_decryptions = static_cast<uint32_t>(get_be(at + 12, 4));
  at += 16;
  const uint64_t edge = get_be(at, 8);
  if (sender_id_len_ > kMaxIdLen || recipient_id_len_ > kMaxIdLen || seq > kMaxSequence + 1 ||
      (edge != kEdgeEmpty && edge != kEdgeUnknown && edge > kMaxSequence) ||
      (persistence.reserve != nullptr && persistence.ahead == 0)) {
    reset();
    return Error::kMalformed;
  }
  alg_ = static_cast<crypto::Aead>(alg);
  key_phase_ = (flags & 1) != 0;
  send_cid_ = (flags & 2) != 0;
  persistence_ = persistence;
  ssn_ = seq > skip_to ? seq : skip_to;
  reserved_ = reserved_until > ssn_ ? reserved_until : ssn_;
  reserved_v_ = count_v_;
  if (window == WindowRestore::kUnknown || edge == kEdgeUnknown) {
    window_.forget();
  } else if (edge == kEdgeEmpty) {
    window_.reset();
  } else {
    uint32_t words[kSnapshotWindowWords] = {};
    for (size_t i = 0; i < kSnapshotWindowWords; ++i) words[i] = static_cast<uint32_t>(get_be(at + 8 + 4 * i, 4));
    window_.restore(edge, Span<const uint32_t>(words));
  }
  ready_ = true;
  return Error::kOk;
}

}  // namespace hush::record
