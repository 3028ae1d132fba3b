// SPDX-License-Identifier: Apache-2.0
#include "group/group_codec.h"
#include "hush/ct.h"
#include "hush/group.h"
#include "record/oscore_kdf.h"

namespace hush::group {
namespace detail {

// The sealing half and the v counter of a group epoch are those of a
// SecurityContext, reached through the friend declaration there, so the
// sequence reservation and the usage limits have one implementation.
struct GroupAccess {
  static Error take_sequence(record::SecurityContext& c, uint64_t& seq) noexcept { return c.take_sequence(seq); }
  static Error reserve_failure(record::SecurityContext& c) noexcept { return c.reserve_failure(); }
  static void note_failure(record::SecurityContext& c) noexcept { c.note_failure(); }
  static auto sender_key(const record::SecurityContext& c) noexcept -> const uint8_t (&)[record::kKeyLen] {
    return c.sender_key_;
  }
  // A context that only opens during a grace period keeps v in RAM: after a
  // reboot its keys are gone, and its reservations must not overwrite the
  // stored count, which belongs to the new epoch.
  static void keep_failures_in_ram(record::SecurityContext& c) noexcept {
    c.persistence_.reserve_failures = &ram_only;
    c.persistence_.reserve = &ram_only_seq;
    c.persistence_.user = nullptr;
  }
  static bool ram_only(void*, uint32_t) noexcept { return true; }
  static bool ram_only_seq(void*, uint64_t) noexcept { return false; }  // never seals again
};

}  // namespace detail

namespace {

using detail::GroupAccess;

bool echo_message(ConstByteSpan p, wire::GroupControl code) noexcept {
  return p.size() == wire::kGroupEchoMessageLen && p[0] == static_cast<uint8_t>(code);
}

}  // namespace

bool GroupContext::ready() const noexcept {
  return slots_[current_].active;
}
uint32_t GroupContext::epoch() const noexcept {
  return slots_[current_].epoch;
}
bool GroupContext::has_previous() const noexcept {
  return slots_[current_ ^ 1].active;
}
uint32_t GroupContext::previous_epoch() const noexcept {
  return slots_[current_ ^ 1].epoch;
}
const record::SecurityContext& GroupContext::current() const noexcept {
  return slots_[current_].ctx;
}

Freshness GroupContext::freshness(uint8_t sender) const noexcept {
  const SenderEntry* e = table_.find(sender, epoch());
  return e != nullptr && ready() ? e->freshness : Freshness::kUnknown;
}

void GroupContext::wipe_slot(Slot& slot) noexcept {
  slot.ctx.reset();
  ct::wipe_object(slot.prk);
  ct::wipe_object(slot.common_iv);
  slot.epoch = 0;
  slot.active = false;
}

void GroupContext::reset() noexcept {
  wipe_slot(slots_[0]);
  wipe_slot(slots_[1]);
  current_ = 0;
  sender_id_ = 0;
  ct::wipe_object(secret_);
  ct::wipe_object(salt_);
  ct::wipe_object(group_id_);
  secret_len_ = salt_len_ = group_id_len_ = 0;
  limits_ = record::UsageLimits{};
  persistence_ = record::Persistence{};
  table_.clear();
}

Error GroupContext::derive_slot(Slot& slot, uint32_t epoch, uint64_t sequence, uint32_t failures) noexcept {
  wipe_slot(slot);
  uint8_t idc[kMaxGroupIdLen + kEpochLen];
  const ConstByteSpan gid(group_id_, group_id_len_);
  const size_t idc_len = detail::id_context(gid, epoch, idc);
  const record::IdContext id_context{ConstByteSpan(idc, idc_len), true};
  const uint8_t own[1] = {sender_id_};
  // The sealing half: an ordinary PSK context whose Recipient ID is h'',
  // which no member has (group ids are one byte); its recipient key is never
  // used. Sequence reservation, restore and q come with it.
  record::PskSecrets psk;
  psk.alg = alg_;
  psk.master_secret = ConstByteSpan(secret_, secret_len_);
  psk.master_salt = ConstByteSpan(salt_, salt_len_);
  psk.sender_id = ConstByteSpan(own);
  psk.id_context = id_context;
  psk.sender_sequence = sequence;
  psk.failed_decryptions = failures;
  record::ContextOptions options;
  options.limits = limits_;
  options.persistence = persistence_;
  HUSH_TRY(slot.ctx.derive(psk, options));
  // The receiving half: the PRK, from which every member's key follows.
  Error e = crypto::hkdf_extract(ConstByteSpan(salt_, salt_len_), ConstByteSpan(secret_, secret_len_), slot.prk);
  if (ok(e))
    e = record::detail::expand(alg_, ConstByteSpan(slot.prk), ConstByteSpan(), id_context, true,
                               ByteSpan(slot.common_iv));
  if (!ok(e)) {
    wipe_slot(slot);
    return e;
  }
  slot.epoch = epoch;
  slot.active = true;
  return Error::kOk;
}

Error GroupContext::begin(const GroupSecrets& s, const GroupOptions& options) noexcept {
  reset();
  if (s.master_secret.empty() || s.master_secret.size() > kMaxMasterSecretLen ||
      s.master_salt.size() > kMaxMasterSaltLen || s.group_id.size() > kMaxGroupIdLen ||
      s.sender_sequence > kMaxGroupSequence + 1 || options.persistence.reserve == nullptr ||
      options.persistence.reserve_failures == nullptr) {
    return Error::kInvalidArgument;
  }
  for (size_t i = 0; i < s.master_secret.size(); ++i) secret_[i] = s.master_secret[i];
  for (size_t i = 0; i < s.master_salt.size(); ++i) salt_[i] = s.master_salt[i];
  for (size_t i = 0; i < s.group_id.size(); ++i) group_id_[i] = s.group_id[i];
  secret_len_ = static_cast<uint8_t>(s.master_secret.size());
  salt_len_ = static_cast<uint8_t>(s.master_salt.size());
  group_id_len_ = static_cast<uint8_t>(s.group_id.size());
  sender_id_ = s.sender_id;
  alg_ = s.alg;
  policy_ = options.policy;
  limits_ = options.limits;
  persistence_ = options.persistence;
  const Error e = derive_slot(slots_[0], s.epoch, s.sender_sequence, s.failed_decryptions);
  if (!ok(e)) reset();
  return e;
}

Error GroupContext::rotate(uint32_t epoch, ConstByteSpan master_secret) noexcept {
  if (!ready()) return Error::kInvalidState;
  // Epochs only move forward: a replayed or delayed epoch command can never
  // bring back keys that were retired.
  if (epoch <= this->epoch() || master_secret.size() > kMaxMasterSecretLen) return Error::kInvalidArgument;
  const uint8_t next = static_cast<uint8_t>(current_ ^ 1);
  if (slots_[next].active) table_.drop_epoch(slots_[next].epoch);
  uint8_t old_secret[kMaxMasterSecretLen];
  const uint8_t old_len = secret_len_;
  for (size_t i = 0; i < kMaxMasterSecretLen; ++i) old_secret[i] = secret_[i];
  if (!master_secret.empty()) {
    ct::wipe_object(secret_);
    for (size_t i = 0; i < master_secret.size(); ++i) secret_[i] = master_secret[i];
    secret_len_ = static_cast<uint8_t>(master_secret.size());
  }
  // New keys: the sequence number and v start again at 0 for them.
  const Error e = derive_slot(slots_[next], epoch, 0, 0);
  if (!ok(e)) {
    for (size_t i = 0; i < kMaxMasterSecretLen; ++i) secret_[i] = old_secret[i];
    secret_len_ = old_len;
    ct::wipe_object(old_secret);
    return e;
  }
  ct::wipe_object(old_secret);
  GroupAccess::keep_failures_in_ram(slots_[current_].ctx);
  current_ = next;
  return Error::kOk;
}

void GroupContext::retire_previous() noexcept {
  Slot& old = slots_[current_ ^ 1];
  if (!old.active) return;
  table_.drop_epoch(old.epoch);
  wipe_slot(old);
}

Error GroupContext::seal(ConstByteSpan payload, ByteSpan out, GroupSealed& sealed, bool control) noexcept {
  sealed = GroupSealed{};
  if (!ready()) return Error::kInvalidState;
  record::SecurityContext& ctx = slots_[current_].ctx;
  sealed.limit = ctx.sender_limit();
  const size_t tlen = ctx.tag_len();
  const size_t over = overhead(ctx.next_sequence(), alg_);
  if (payload.size() > wire::kRecordMaxLen - over) return Error::kInvalidArgument;
  const size_t total = over + payload.size();
  if (out.size() < total) return Error::kBufferTooSmall;

  uint64_t seq = 0;
  const Error taken = GroupAccess::take_sequence(ctx, seq);
  sealed.limit = ctx.sender_limit();
  HUSH_TRY(taken);
  // limit_q < 2^32 ends every key before the 4-byte PSN would overflow.
  if (seq > kMaxGroupSequence) return Error::kLimitReached;

  const size_t hlen = detail::write_header(control, epoch(), sender_id_, seq, out);
  uint8_t aad[detail::kMaxAadLen];
  const size_t aad_len = detail::build_aad(alg_, ConstByteSpan(out.data(), hlen), aad);
  uint8_t nonce[record::kNonceLen];
  detail::sender_nonce(slots_[current_].common_iv, sender_id_, seq, nonce);
  const Error e = crypto::aead_seal(alg_, ConstByteSpan(GroupAccess::sender_key(ctx)), ConstByteSpan(nonce),
                                    ConstByteSpan(aad, aad_len), payload, out.subspan(hlen, payload.size() + tlen));
  if (!ok(e)) {
    ct::wipe(out.first(total));
    return e;
  }
  sealed.size = total;
  sealed.seq = seq;
  return Error::kOk;
}

Error GroupContext::open(ConstByteSpan record, ByteSpan out, GroupOpened& opened) noexcept {
  opened = GroupOpened{};
  if (!ready()) return Error::kUnknownContext;
  GroupHeader h;
  HUSH_TRY(parse_header(record, crypto::tag_len(alg_), h));
  opened.seq = h.seq;
  opened.sender = h.sender;
  opened.control = h.control;
  // A member never needs its own records back; one that comes back was
  // reflected (it would authenticate: the key is this member's own).
  if (h.sender == sender_id_) return Error::kUnknownContext;
  Slot* slot = nullptr;
  for (Slot& s : slots_) {
    if (s.active && (s.epoch & 3u) == h.epoch_bits) slot = &s;
  }
  if (slot == nullptr) return Error::kUnknownContext;
  opened.epoch = slot->epoch;
  opened.limit = slot->ctx.recipient_limit();
  const size_t plen = record.size() - h.size - crypto::tag_len(alg_);
  if (out.size() < plen) return Error::kBufferTooSmall;
  if (opened.limit == record::LimitState::kReached) return Error::kLimitReached;

  // Duplicates go before any AES and never count against v: a sleepy
  // receiver's repeats cost one table lookup each.
  SenderEntry* entry = table_.find(h.sender, slot->epoch);
  if (entry != nullptr) {
    opened.freshness = entry->freshness;
    if (entry->freshness == Freshness::kFresh) {
      HUSH_TRY(entry->window.check(h.seq));
    } else if (entry->held && entry->held_seq == h.seq) {
      return Error::kReplay;
    }
  }

  uint8_t key[record::kKeyLen];
  uint8_t nonce[record::kNonceLen];
  uint8_t aad[detail::kMaxAadLen];
  const size_t aad_len = detail::build_aad(alg_, record.first(h.size), aad);
  detail::sender_nonce(slot->common_iv, h.sender, h.seq, nonce);
  Error e = detail::sender_key(alg_, ConstByteSpan(slot->prk), ConstByteSpan(group_id_, group_id_len_), slot->epoch,
                               h.sender, key);
  // Any decryption may fail, so storage must cover one more failure first.
  if (ok(e)) e = GroupAccess::reserve_failure(slot->ctx);
  const ByteSpan pt = out.first(plen);
  if (ok(e)) {
    e = crypto::aead_open(alg_, ConstByteSpan(key), ConstByteSpan(nonce), ConstByteSpan(aad, aad_len),
                          record.subspan(h.size), pt);
    if (e == Error::kAuthFailed) GroupAccess::note_failure(slot->ctx);
  }
  ct::wipe_object(key);
  opened.limit = slot->ctx.recipient_limit();
  if (!ok(e)) {
    ct::wipe(pt);
    return e;
  }

  // Authentic: only now may the sender take (or evict for) a table entry.
  if (entry == nullptr) {
    entry = &table_.claim(h.sender, slot->epoch);
    // Keys rotated within this boot: a sender proven under the previous
    // epoch has had continuous state here, and nothing was accepted under
    // the new keys before they were derived, so its new window starts empty.
    const Slot& other = slots_[(slot - slots_) ^ 1];
    const SenderEntry* before =
        other.active && other.epoch < slot->epoch ? table_.find(h.sender, other.epoch) : nullptr;
    if (before != nullptr && before->freshness == Freshness::kFresh) {
      entry->freshness = Freshness::kFresh;
      entry->window.reset();
    }
  }
  table_.touch(*entry);
  const uint32_t seq32 = static_cast<uint32_t>(h.seq);
  const ConstByteSpan payload(pt.data(), pt.size());

  if (entry->freshness == Freshness::kFresh) {
    // check() passed before the decryption and nothing moved the window since.
    HUSH_TRY(entry->window.accept(h.seq));
  } else if (h.control && echo_message(payload, wire::GroupControl::kEchoResponse) && payload[1] == sender_id_ &&
             entry->challenged && ct::equal(payload.subspan(2), ConstByteSpan(entry->echo))) {
    // RFC 8613 Appendix B.1.2: this record is fresh, so its number becomes
    // the window's edge and everything sent before it is refused.
    entry->window.start_at(h.seq);
    entry->freshness = Freshness::kFresh;
    entry->challenged = false;
    entry->held = false;
    ct::wipe_object(entry->echo);
    opened.proved = true;
  } else if (h.control && echo_message(payload, wire::GroupControl::kEchoRequest)) {
    // Answering a challenge commits to nothing, so an unproven sender may
    // ask; the caller must do nothing else with it.
  } else if (!h.control && policy_ == FreshnessPolicy::kAcceptOnceThenChallenge &&
             entry->freshness == Freshness::kUnknown) {
    entry->freshness = Freshness::kProvisional;
    entry->held = true;
    entry->held_seq = seq32;
    opened.challenge = true;
  } else {
    if (entry->freshness == Freshness::kUnknown) {
      entry->held = true;
      entry->held_seq = seq32;
    }
    ct::wipe(pt);
    opened.freshness = entry->freshness;
    opened.challenge = true;
    return Error::kFreshnessUnknown;
  }
  opened.freshness = entry->freshness;
  opened.size = plen;
  return Error::kOk;
}

Error GroupContext::make_challenge(uint8_t sender, uint32_t now, uint32_t min_interval_ms, ByteSpan out,
                                   size_t& len) noexcept {
  len = 0;
  if (!ready() || sender == sender_id_) return Error::kInvalidState;
  if (out.size() < wire::kGroupEchoMessageLen) return Error::kBufferTooSmall;
  SenderEntry& e = table_.claim(sender, epoch());
  if (e.freshness == Freshness::kFresh) return Error::kInvalidState;
  if (e.challenged && now - e.challenged_at < min_interval_ms) return Error::kInvalidState;
  if (!e.challenged) {
    HUSH_TRY(crypto::random_bytes(ByteSpan(e.echo)));
    e.challenged = true;
  }
  e.challenged_at = now;
  out[0] = static_cast<uint8_t>(wire::GroupControl::kEchoRequest);
  out[1] = sender;
  for (size_t i = 0; i < kEchoLen; ++i) out[2 + i] = e.echo[i];
  len = wire::kGroupEchoMessageLen;
  return Error::kOk;
}

}  // namespace hush::group
