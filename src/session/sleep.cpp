// SPDX-License-Identifier: Apache-2.0
// Pause, resume, WAKE and deep sleep (docs/PROTOCOL.md "WAKE" and "Session
// blob", docs/SECURITY.md "Pause and wake" and "Deep sleep").
//
// A paused session is WireGuard's idle peer (session-design-notes §3): it
// has no deadline, so it sends nothing and never renegotiates, and its keys
// stay. What wakes it must prove liveness with the keys. After resume() the
// first record the application sends asks for an ack, and that ack proves
// both sides hold them (a keepalive asks alone if nothing is sent within
// probe_ride_ms). A WAKE frame, which anyone can forge, only ever causes one
// such probe per interval. The session runs again when a fresh authenticated
// record arrives.

#include "endpoint_internal.h"
#include "hush/ct.h"

namespace hush::session {

using detail::EndpointAccess;
using detail::PeerSlot;
using detail::TimerId;

namespace detail {

namespace {

constexpr uint8_t kMagic0 = 'h';
constexpr uint8_t kMagic1 = 'S';
constexpr crypto::Aead kBlobAead = crypto::Aead::kAesCcm16_128_128;
constexpr size_t kBlobTagLen = 16;
static_assert(kSessionBlobLen == kSessionBlobHeaderLen + kSessionBlobBodyLen + kBlobTagLen, "hush: blob layout");

void put_be(uint8_t* out, uint64_t v, size_t n) noexcept {
  for (size_t i = 0; i < n; ++i) out[i] = static_cast<uint8_t>(v >> (8 * (n - 1 - i)));
}

uint64_t get_be(const uint8_t* in, size_t n) noexcept {
  uint64_t v = 0;
  for (size_t i = 0; i < n; ++i) v = (v << 8) | in[i];
  return v;
}

// AAD: the blob's header and this device's own kid, so a blob sealed by
// another device (even under the same application key) does not open.
size_t blob_aad(const EndpointState& s, const uint8_t* header, uint8_t (&aad)[3 + edhoc::kMaxKidLen]) noexcept {
  aad[0] = header[0];
  aad[1] = header[1];
  aad[2] = header[2];
  for (size_t i = 0; i < s.own_kid_len; ++i) aad[3 + i] = s.own_kid[i];
  return 3 + s.own_kid_len;
}

}  // namespace

void EndpointAccess::send_probe(Ep& ep, uint8_t index, uint32_t now) noexcept {
  PeerSlot& p = ep.s_.peers[index];
  (void)send_control(ep, index, wire::RecordControl::kKeepalive, now);
  p.probe_rto = ep.s_.settings.retransmit.initial_ms;
}

void EndpointAccess::resume_proven(Ep& ep, uint8_t index, uint32_t now) noexcept {
  PeerSlot& p = ep.s_.peers[index];
  p.flags = static_cast<uint8_t>(p.flags & ~(kPeerPaused | kPeerWakeProbe | kPeerProbeDue));
  // As resume(): the key age goes on from here
  // (ReviewSleep.SessionResumedByPeerRecordOverrunsKeyAgeLimit).
  p.keys_born = now - p.keys_born;
  timers::on_authenticated_rx(p, ep.s_.settings, now);
  const PeerHandle handle = handle_of(ep, index);
  Event ev;
  ev.type = EventType::kResumed;
  ev.peer = handle;
  ev.from = addr_of(p);
  emit(ep, ev);
  if (peer_by_handle(ep, handle) == kNoSlot) return;
  after_resume(ep, index, now);
}

void EndpointAccess::after_resume(Ep& ep, uint8_t index, uint32_t now) noexcept {
  // A limit that passed while paused (age, or usage) rekeys now, not before;
  // a retire that pause() interrupted gets its timer back, so the old keys
  // go within retire_after_ms and later rekeys can start
  // (ReviewSleep.SessionResumedByPeerRecordWhileRetiringNeverRekeysAgain).
  rekey_resume(ep, index, now);
  rekey_check(ep, index, now);
  flush_pending(ep, index, now);
}

bool EndpointAccess::proves_fresh(void* user, uint64_t /*seq*/, ConstByteSpan payload) noexcept {
  // user: the session; payload: a control record's (on_record checks the kind).
  const PeerSlot& p = *static_cast<const PeerSlot*>(user);
  if (payload.size() < 1 + wire::kAckBitmapLen + 1 ||
      payload.size() > 1 + wire::kAckBitmapLen + wire::kRecordMaxPsnLen ||
      payload[0] != static_cast<uint8_t>(wire::RecordControl::kAck)) {
    return false;
  }
  // The ack names a sequence number we used only after this import: the
  // peer sealed it after our probe, so it is no replay from an earlier
  // life of the same blob.
  uint64_t largest = 0;
  for (size_t i = 1 + wire::kAckBitmapLen; i < payload.size(); ++i) largest = (largest << 8) | payload[i];
  return largest >= p.probe_seq;
}

void EndpointAccess::on_wake(Ep& ep, ConstByteSpan frame, uint32_t now) noexcept {
  ++ep.counters_.wakes;
  if (frame.size() > wire::kWakeMaxLen) {
    ++ep.counters_.drops.malformed;
    return;
  }
  const bool all = frame.size() == 1;
  const uint8_t target = all ? kNoSlot : peer_by_own_id(ep, frame[1]);
  bool probed = false;
  for (uint8_t i = 0; i < kMaxPeers; ++i) {
    if (!all && i != target) continue;
    PeerSlot& p = ep.s_.peers[i];
    if (p.state != static_cast<uint8_t>(PeerState::kEstablished) || !is_paused(p)) continue;
    // One probe per interval, however many WAKEs: a forged WAKE costs one
    // record, never a rekey, a liveness verdict or the session.
    if ((p.flags & kPeerWakeProbe) != 0 && !timers::reached(now, p.last_wake + ep.s_.settings.wake_interval_ms)) {
      continue;
    }
    p.flags = static_cast<uint8_t>(p.flags | kPeerWakeProbe);
    p.last_wake = now;
    ++ep.counters_.wake_probes;
    (void)send_control(ep, i, wire::RecordControl::kKeepalive, now);
    probed = true;
  }
  if (!probed) ++ep.counters_.drops.rate_limited;
}

}  // namespace detail

// --- API -------------------------------------------------------------------------

Error Endpoint::pause(PeerHandle peer, uint32_t now) noexcept {
  const uint8_t i = EndpointAccess::peer_by_handle(*this, peer);
  if (i == kNoSlot) return Error::kInvalidArgument;
  PeerSlot& p = s_.peers[i];
  if (p.state != static_cast<uint8_t>(PeerState::kEstablished)) return Error::kInvalidState;
  if (EndpointAccess::is_paused(p)) return Error::kOk;
  // A rekey not yet confirmed is abandoned (the old keys stay), unless our
  // message_3 is out; one whose new keys are in use keeps both sets until
  // it is resumed (rekey_pause).
  EndpointAccess::rekey_pause(*this, i);
  // Acks owed go now, the last thing sent before the pause: the records
  // were delivered, and the pending ack is neither sent while paused nor
  // kept in a session blob, so their senders would resend them in vain.
  if (p.ack_pending) (void)EndpointAccess::send_control(*this, i, wire::RecordControl::kAck, now);
  p.flags = static_cast<uint8_t>((p.flags | detail::kPeerPaused) & ~(detail::kPeerWakeProbe | detail::kPeerProbeDue));
  // Key age is measured in awake time: it stops here and goes on at resume.
  p.keys_born = now - p.keys_born;
  timers::cancel(p.timers, TimerId::kKeepalive);
  timers::cancel(p.timers, TimerId::kAck);
  timers::cancel(p.timers, TimerId::kRekey);
  p.ack_pending = false;
  Event ev;
  ev.type = EventType::kPaused;
  ev.peer = peer;
  ev.from = EndpointAccess::addr_of(p);
  EndpointAccess::emit(*this, ev);
  return Error::kOk;
}

Error Endpoint::resume(PeerHandle peer, uint32_t now) noexcept {
  const uint8_t i = EndpointAccess::peer_by_handle(*this, peer);
  if (i == kNoSlot) return Error::kInvalidArgument;
  PeerSlot& p = s_.peers[i];
  if (p.state != static_cast<uint8_t>(PeerState::kEstablished)) return Error::kInvalidState;
  if (!EndpointAccess::is_paused(p)) return Error::kOk;
  p.flags = static_cast<uint8_t>(p.flags & ~(detail::kPeerPaused | detail::kPeerWakeProbe));
  p.keys_born = now - p.keys_born;
  // Liveness from now, as for any session. The probe rides on the first
  // record the application sends within probe_ride_ms, or goes alone as a
  // keepalive when that timer fires (without keepalives, at once); it is
  // resent on the keepalive schedule until an authenticated record comes
  // back, and the peer is dead after `dead_after` silent intervals.
  p.last_auth_rx = now;
  p.silent_intervals = 0;
  p.probe_rto = 0;
  if (s_.settings.keepalive_ms == 0) {
    EndpointAccess::send_probe(*this, i, now);
  } else {
    p.flags = static_cast<uint8_t>(p.flags | detail::kPeerProbeDue);
    timers::arm(p.timers, TimerId::kKeepalive, now + s_.settings.probe_ride_ms);
  }
  Event ev;
  ev.type = EventType::kResumed;
  ev.peer = peer;
  ev.from = EndpointAccess::addr_of(p);
  EndpointAccess::emit(*this, ev);
  if (EndpointAccess::peer_by_handle(*this, peer) == kNoSlot) return Error::kOk;
  EndpointAccess::after_resume(*this, i, now);
  return Error::kOk;
}

bool Endpoint::paused(PeerHandle peer) const noexcept {
  const uint8_t i = EndpointAccess::peer_by_handle(*this, peer);
  return i != kNoSlot && EndpointAccess::is_paused(s_.peers[i]);
}

Error Endpoint::export_session(PeerHandle peer, const SleepStore& store, ByteSpan out, size_t& len,
                               uint32_t now) noexcept {
  len = 0;
  const uint8_t i = EndpointAccess::peer_by_handle(*this, peer);
  if (i == kNoSlot) return Error::kInvalidArgument;
  if (store.key.size() != crypto::kAesKeyLen || store.reserve == nullptr || store.ahead == 0) {
    return Error::kInvalidArgument;
  }
  if (out.size() < kSessionBlobLen) return Error::kBufferTooSmall;
  PeerSlot& p = s_.peers[i];
  if (p.state != static_cast<uint8_t>(PeerState::kEstablished) || p.handshake != kNoSlot ||
      p.rekey != static_cast<uint8_t>(detail::RekeyState::kNone)) {
    return Error::kInvalidState;
  }
  for (const detail::TxSlot& t : s_.tx) {
    // Queued or unacknowledged messages would be lost with the RAM.
    if (t.state != static_cast<uint8_t>(TxState::kFree) && t.peer == i && t.generation == p.generation) {
      return Error::kInvalidState;
    }
  }
  record::SecurityContext& c = p.ctx();
  // The blob restarts above every number this life may have reserved, and
  // storage learns that first: it is the mark a second restore of the same
  // blob is recognised by (import_session).
  const uint64_t restart = c.reserved_until() > c.next_sequence() ? c.reserved_until() : c.next_sequence();
  if (!store.reserve(store.user, restart)) return Error::kLimitReached;

  uint8_t body[kSessionBlobBodyLen] = {};
  uint8_t* at = body;
  *at++ = p.own_id;
  *at++ = p.peer_id;
  *at++ = static_cast<uint8_t>(p.initiator ? 1 : 0);
  *at++ = p.kid_len;
  for (size_t k = 0; k < edhoc::kMaxKidLen; ++k) *at++ = p.kid[k];
  *at++ = p.addr_len;
  for (size_t k = 0; k < LinkAddr::kMaxLen; ++k) *at++ = p.addr[k];
  const uint32_t age = detail::EndpointAccess::is_paused(p) ? p.keys_born : now - p.keys_born;
  detail::put_be(at, age, 4);
  detail::put_be(at + 4, p.bytes_sealed, 4);
  at += 8;
  *at++ = static_cast<uint8_t>(p.flags & detail::kPeerPaused);
  Error e = c.save(ByteSpan(at, record::kContextSnapshotLen), restart);

  uint8_t* const blob = out.data();
  blob[0] = detail::kMagic0;
  blob[1] = detail::kMagic1;
  blob[2] = kSessionBlobVersion;
  // A random nonce: the key belongs to the application and to this device,
  // so no counter of ours can promise uniqueness under it; 104 random bits
  // make a repeat negligible for any number of exports a device makes.
  if (ok(e)) e = crypto::random_bytes(ByteSpan(blob + 3, crypto::kCcmNonceLen));
  uint8_t aad[3 + edhoc::kMaxKidLen];
  const size_t aad_len = detail::blob_aad(s_, blob, aad);
  if (ok(e)) {
    e = crypto::aead_seal(detail::kBlobAead, store.key, ConstByteSpan(blob + 3, crypto::kCcmNonceLen),
                          ConstByteSpan(aad, aad_len), ConstByteSpan(body), out.subspan(kSessionBlobHeaderLen));
  }
  ct::wipe_object(body);
  if (!ok(e)) {
    ct::wipe(out.first(kSessionBlobLen));
    return e;
  }
  len = kSessionBlobLen;
  // The session now lives in the blob only: one copy in RAM could reuse
  // the nonces the restored one will use.
  EndpointAccess::peer_release(*this, i);
  return Error::kOk;
}

Error Endpoint::import_session(ConstByteSpan blob, const SleepStore& store, PeerHandle& peer, uint32_t now) noexcept {
  peer = PeerHandle{};
  if (!s_.ready) return Error::kInvalidState;
  if (store.key.size() != crypto::kAesKeyLen || store.reserve == nullptr || store.ahead == 0) {
    return Error::kInvalidArgument;
  }
  if (blob.size() < 2 || blob[0] != detail::kMagic0 || blob[1] != detail::kMagic1) return Error::kMalformed;
  if (blob.size() < 3) return Error::kInvalidLength;
  if (blob[2] != kSessionBlobVersion) return Error::kUnsupported;
  if (blob.size() != kSessionBlobLen) return Error::kInvalidLength;
  uint8_t body[kSessionBlobBodyLen] = {};
  uint8_t aad[3 + edhoc::kMaxKidLen];
  const size_t aad_len = detail::blob_aad(s_, blob.data(), aad);
  Error e = crypto::aead_open(detail::kBlobAead, store.key, blob.subspan(3, crypto::kCcmNonceLen),
                              ConstByteSpan(aad, aad_len), blob.subspan(kSessionBlobHeaderLen), ByteSpan(body));
  if (!ok(e)) {
    ct::wipe_object(body);
    return e == Error::kAuthFailed ? Error::kAuthFailed : e;
  }
  const uint8_t* at = body;
  const uint8_t own_id = at[0], peer_id = at[1];
  const bool initiator = at[2] != 0;
  const uint8_t kid_len = at[3];
  const uint8_t* kid = at + 4;
  at += 4 + edhoc::kMaxKidLen;
  const uint8_t addr_len = *at++;
  const uint8_t* addr = at;
  at += LinkAddr::kMaxLen;
  const uint32_t age = static_cast<uint32_t>(detail::get_be(at, 4));
  const uint32_t bytes_sealed = static_cast<uint32_t>(detail::get_be(at + 4, 4));
  at += 9;  // age, bytes, paused flag (an imported session is always paused)
  const ConstByteSpan snapshot(at, record::kContextSnapshotLen);
  const uint64_t saved_seq = record::snapshot_sequence(snapshot);
  if (kid_len == 0 || kid_len > edhoc::kMaxKidLen || addr_len == 0 || addr_len > LinkAddr::kMaxLen) {
    ct::wipe_object(body);
    return Error::kMalformed;
  }
  if (EndpointAccess::peer_by_own_id(*this, own_id) != kNoSlot) {
    ct::wipe_object(body);
    return Error::kInvalidState;
  }
  // Storage says whether this blob was restored before: its mark moved past
  // the blob's restart point. Then the sequence numbers skip past what that
  // earlier life may have used, and the replay window is unknown (that life
  // may have accepted records an attacker could now replay) until the
  // peer acks our probe.
  const bool restored_before = store.stored_sequence > saved_seq;
  const uint64_t start = restored_before ? store.stored_sequence : saved_seq;
  const uint64_t room = record::kMaxSequence + 1 - (start > record::kMaxSequence ? record::kMaxSequence : start);
  const uint64_t until = start + (store.ahead < room ? store.ahead : room);
  if (!store.reserve(store.user, until)) {
    ct::wipe_object(body);
    return Error::kLimitReached;
  }
  const LinkAddr link = LinkAddr::from_bytes(ConstByteSpan(addr, addr_len));
  const uint8_t i = EndpointAccess::peer_alloc(*this, link, initiator, -1);
  if (i == kNoSlot) {
    ct::wipe_object(body);
    return Error::kBufferTooSmall;
  }
  PeerSlot& p = s_.peers[i];
  record::Persistence persist;
  persist.reserve = store.reserve;
  persist.user = store.user;
  persist.ahead = store.ahead;
  e = p.keys[0].load(snapshot, persist, start, until,
                     restored_before ? record::WindowRestore::kUnknown : record::WindowRestore::kEdge);
  // The kid points into the body: copied before the body is wiped (the
  // peer's identity after a restore is what a rekey checks the new run
  // against: DeepSleep.RestoredSessionRekeysAndLosesNothing).
  p.kid_len = kid_len;
  for (size_t k = 0; k < kid_len; ++k) p.kid[k] = kid[k];
  ct::wipe_object(body);
  if (!ok(e)) {
    EndpointAccess::peer_release(*this, i);
    return e;
  }
  p.cur = 0;
  p.own_id = own_id;
  p.peer_id = peer_id;
  p.state = static_cast<uint8_t>(PeerState::kEstablished);
  p.app_known = true;
  p.keys_born = age;  // paused: the age so far, as pause() keeps it
  p.bytes_sealed = bytes_sealed;
  p.probe_seq = p.keys[0].next_sequence();
  // The blob keeps the replay window whole (edge and bitmap): a record the
  // peer sent before the export and lost is accepted when resent, and one
  // that arrived is a replay, acked again but not delivered again
  // (ReviewSleep.RecordLostBeforeExportIsFalselyAckedAfterImport).
  const bool unknown = p.keys[0].replay_window().state() == record::WindowState::kUnknown;
  p.flags = static_cast<uint8_t>(detail::kPeerPaused | (restored_before || unknown ? detail::kPeerImported : 0));
  (void)now;
  peer = EndpointAccess::handle_of(*this, i);
  return Error::kOk;
}

}  // namespace hush::session
