// SPDX-License-Identifier: Apache-2.0
// Rekeying: a new EDHOC run on an established session, make-before-break
// (docs/PROTOCOL.md "Rekeying", docs/SECURITY.md "Rekeying").
//
// The run travels inside the session's own records (control kRekeyMessage),
// so it needs no plaintext frame, no cookie and no key-knowledge MAC: only
// the peer that holds the old keys can start or answer it. The session's
// EDHOC initiator always runs the initiator role (its responder asks with
// kRekeyRequest), so two runs never cross. The new keys carry the other
// key phase (header bit K):
//
//   initiator                                   responder
//   message_1, message_2 and message_3 sealed with the old keys
//   derives the new keys after message_3;       derives them after message_3
//   still seals with the old ones               and seals with the new at once
//   first record with the new keys: switches    (message_3 proved the peer has them)
//   kRekeyRetire once no record of its own needs the old keys: the receiver
//   wipes them. A retire deadline bounds the time with two key sets.
//
// Nothing queued is lost: a payload that the old keys refuse (hard limit)
// waits for the new ones, and a confirmed record sealed with the old keys is
// resent byte for byte while the peer still opens them.

#include "endpoint_internal.h"
#include "hush/ct.h"

namespace hush::session::detail {

namespace {

constexpr size_t kRekeyHeaderLen = 2;  // kRekeyMessage | n

bool other_ready(const PeerSlot& p) noexcept {
  return p.keys[p.cur ^ 1].ready();
}

// Records a rekey's own EDHOC messages may take from the old keys: the
// initiator sends message_1 and message_3, the responder answers with
// message_2, each at most retries + 1 times, and the responder asks once.
uint32_t flight_reserve(const Settings& s) noexcept {
  return 2u * (uint32_t{s.retransmit.retries} + 1u) + 1u;
}

uint32_t remaining(const record::SecurityContext& c) noexcept {
  const uint64_t max = c.limits().max_encryptions;
  return c.encryptions() >= max ? 0u : static_cast<uint32_t>(max - c.encryptions());
}

uint32_t retire_after(const Settings& s) noexcept {
  if (s.rekey.retire_after_ms != 0) return s.rekey.retire_after_ms;
  // The retransmission budget of a confirmed record: every resend at the
  // capped timeout, plus its jitter.
  const RetransmitSettings& r = s.retransmit;
  return (r.max_ms + r.jitter_ms) * (uint32_t{r.retries} + 1);
}

}  // namespace

namespace {

// Whether a record the peer may still have to open was sealed with the
// old keys: a confirmed record waiting for its ack, or one the radio refused.
bool old_phase_outstanding(const EndpointState& s, const PeerSlot& p, uint8_t index) noexcept {
  const bool phase = p.keys[p.cur].key_phase();
  for (const TxSlot& t : s.tx) {
    if (t.state == static_cast<uint8_t>(TxState::kFree) || t.peer != index || t.generation != p.generation) continue;
    if (t.state == static_cast<uint8_t>(TxState::kPending)) continue;  // plaintext: sealed later, new keys
    if (((t.bytes[0] & wire::kRecordKeyPhase) != 0) != phase) return true;
  }
  return false;
}

}  // namespace

// Seals [kRekeyMessage | n | message] (stored in the slot's flight buffer)
// with the current keys and sends it. Each send takes a new sequence
// number; the EDHOC message inside is never regenerated (RFC 9528 §7).
Error EndpointAccess::send_rekey_flight(Ep& ep, uint8_t index, HandshakeSlot& h) noexcept {
  PeerSlot& p = ep.s_.peers[index];
  record::Sealed sealed;
  const ByteSpan out(ep.s_.frame_scratch, ep.s_.settings.mtu);
  HUSH_TRY(record::seal(p.ctx(), ConstByteSpan(h.flight, h.flight_len), out, sealed, record::RecordKind::kControl));
  h.flight_pending = EndpointAccess::transmit(ep, EndpointAccess::addr_of(p), ConstByteSpan(out.data(), sealed.size)) !=
                     TxResult::kSent;
  return Error::kOk;
}

namespace {

bool limit_due(const PeerSlot& p, const Settings& s, uint32_t now) noexcept {
  const record::SecurityContext& c = p.keys[p.cur];
  if ((p.flags & kPeerRekeyAsked) != 0) return true;
  if (c.sender_limit() != record::LimitState::kOk || c.recipient_limit() != record::LimitState::kOk) return true;
  // Start early enough that what is left covers the run at the configured
  // retry budget: its flights, and as much again for the acks, keepalives
  // and data sealed while it runs (a near threshold set close to the hard
  // limit, or a small limit on a lossy link, would otherwise leave the run
  // without records). At most half the limit, so small limits still work.
  const uint32_t start = 3u * flight_reserve(s);
  const uint32_t half = c.limits().max_encryptions / 2u;
  if (remaining(c) <= (start < half ? start : half)) return true;
  if (s.rekey.after_bytes != 0 && p.bytes_sealed >= s.rekey.after_bytes) return true;
  return s.rekey.after_ms != 0 && timers::reached(now, p.keys_born + s.rekey.after_ms);
}

}  // namespace

bool EndpointAccess::rekey_reserved(const Ep& ep, const PeerSlot& p) noexcept {
  const auto r = static_cast<RekeyState>(p.rekey);
  if (r != RekeyState::kRequested && r != RekeyState::kRunning && r != RekeyState::kNextReady) return false;
  return remaining(p.keys[p.cur]) <= flight_reserve(ep.s_.settings);
}

void EndpointAccess::rekey_check(Ep& ep, uint8_t index, uint32_t now) noexcept {
  PeerSlot& p = ep.s_.peers[index];
  if (p.state != static_cast<uint8_t>(PeerState::kEstablished) || is_paused(p) ||
      p.rekey != static_cast<uint8_t>(RekeyState::kNone)) {
    return;
  }
  const Settings& s = ep.s_.settings;
  if (!limit_due(p, s, now)) {
    if (s.rekey.after_ms != 0) timers::arm(p.timers, TimerId::kRekey, p.keys_born + s.rekey.after_ms);
    return;
  }
  timers::cancel(p.timers, TimerId::kRekey);
  if (!p.initiator) {
    // Our peer runs the initiator role: ask, and ask again later if nothing comes.
    uint8_t body[1] = {static_cast<uint8_t>(wire::RecordControl::kRekeyRequest)};
    record::Sealed sealed;
    const ByteSpan out(ep.s_.frame_scratch, ep.s_.settings.mtu);
    if (ok(record::seal(p.ctx(), ConstByteSpan(body), out, sealed, record::RecordKind::kControl))) {
      (void)transmit(ep, addr_of(p), ConstByteSpan(out.data(), sealed.size));
    }
    p.rekey = static_cast<uint8_t>(RekeyState::kRequested);
    // Asked again after twice the initial timeout: a lost request must not
    // leave the keys running toward their limit (each costs one record).
    timers::arm(p.timers, TimerId::kRekey, now + timers::jittered(2 * s.retransmit.initial_ms, s.retransmit));
    return;
  }
  if constexpr (config::kInitiator) {
    const uint8_t h = handshake_alloc(ep, true, index, now);
    if (h == kNoSlot) {
      // Every handshake slot is busy: the old keys still work; try later.
      timers::arm(p.timers, TimerId::kRekey, now + s.retransmit.max_ms);
      return;
    }
    ep.s_.handshakes[h].rekey = true;
    p.handshake = h;
    p.rekey = static_cast<uint8_t>(RekeyState::kRunning);
    ++ep.counters_.handshakes_started;
  }
}

void EndpointAccess::rekey_abort(Ep& ep, uint8_t index) noexcept {
  PeerSlot& p = ep.s_.peers[index];
  if (p.handshake != kNoSlot && ep.s_.handshakes[p.handshake].rekey) {
    handshake_release(ep, p.handshake);
    p.handshake = kNoSlot;
  }
  const RekeyState r = static_cast<RekeyState>(p.rekey);
  if (r == RekeyState::kRunning || r == RekeyState::kNextReady || r == RekeyState::kRequested) {
    p.keys[p.cur ^ 1].reset();
    p.rekey = static_cast<uint8_t>(RekeyState::kNone);
  }
}

void EndpointAccess::rekey_pause(Ep& ep, uint8_t index) noexcept {
  PeerSlot& p = ep.s_.peers[index];
  if (p.rekey != static_cast<uint8_t>(RekeyState::kNextReady)) {
    rekey_abort(ep, index);
    return;
  }
  // Our message_3 is out: the responder may already seal with the new
  // keys, so both sets stay (wiping the new ones stranded the session:
  // ReviewSleep.PauseWhileInitiatorAwaitsRekeyConfirmationStrandsSession).
  // Its flight goes: a paused session sends nothing. rekey_resume() gives
  // the confirmation a retire period, as when message_3's retries run out.
  if (p.handshake != kNoSlot && ep.s_.handshakes[p.handshake].rekey) {
    handshake_release(ep, p.handshake);
    p.handshake = kNoSlot;
  }
}

void EndpointAccess::rekey_resume(Ep& ep, uint8_t index, uint32_t now) noexcept {
  PeerSlot& p = ep.s_.peers[index];
  if (p.rekey == static_cast<uint8_t>(RekeyState::kNextReady) && p.handshake == kNoSlot) {
    timers::arm(p.timers, TimerId::kRekey, now + retire_after(ep.s_.settings));
  } else if (p.rekey == static_cast<uint8_t>(RekeyState::kRetiring)) {
    timers::arm(p.timers, TimerId::kRekey, now + ep.s_.settings.retransmit.max_ms);
  }
}

void EndpointAccess::rekey_fail(Ep& ep, uint8_t index, Error why, uint32_t now) noexcept {
  EndpointAccess::log(ep, "rekey failed; old keys kept", why);
  EndpointAccess::rekey_abort(ep, index);
  PeerSlot& p = ep.s_.peers[index];
  // The next attempt waits, so a peer that cannot rekey is not asked at the radio's pace.
  timers::arm(p.timers, TimerId::kRekey, now + 4 * ep.s_.settings.retransmit.max_ms);
}

// The other key phase's keys are confirmed: seal with them from now on.
void EndpointAccess::rekey_switch(Ep& ep, uint8_t index, uint32_t now) noexcept {
  PeerSlot& p = ep.s_.peers[index];
  if (p.handshake != kNoSlot && ep.s_.handshakes[p.handshake].rekey) {
    EndpointAccess::handshake_release(ep, p.handshake);
    p.handshake = kNoSlot;
  }
  p.cur = static_cast<uint8_t>(p.cur ^ 1);
  p.rekey = static_cast<uint8_t>(RekeyState::kRetiring);
  p.flags = static_cast<uint8_t>(p.flags & ~(kPeerRetireSent | kPeerRetireAcked | kPeerRekeyAsked));
  p.keys_born = now;
  p.bytes_sealed = 0;
  ++ep.counters_.rekeys;
  ++ep.counters_.handshakes_completed;
  p.retire_deadline = now + retire_after(ep.s_.settings);
  timers::arm(p.timers, TimerId::kRekey, p.retire_deadline);
  const PeerHandle handle = EndpointAccess::handle_of(ep, index);
  Event ev;
  ev.type = EventType::kRekeyed;
  ev.peer = handle;
  ev.from = EndpointAccess::addr_of(p);
  EndpointAccess::emit(ep, ev);
  if (EndpointAccess::peer_by_handle(ep, handle) == kNoSlot) return;
  // A record with the new keys at once: it is the initiator's proof, and
  // the retire if nothing of ours needs the old keys.
  // Our records still sealed with the old keys go again now, not at their
  // backed-off timers: their acks are what lets both sides retire the old keys.
  for (TxSlot& t : ep.s_.tx) {
    if (t.state == static_cast<uint8_t>(TxState::kAwaitAck) && t.peer == index && t.generation == p.generation &&
        ((t.bytes[0] & wire::kRecordKeyPhase) != 0) != p.ctx().key_phase()) {
      t.resend_at = now;
      t.rto = ep.s_.settings.retransmit.initial_ms;
      // A fresh budget: the retire, and with it the next rekey, waits on
      // these acks, and their sends so far went before the switch.
      t.retries = 0;
    }
  }
  rekey_maybe_retire(ep, index, now);
  if ((p.flags & kPeerRetireSent) == 0) {
    (void)EndpointAccess::send_control(ep, index, wire::RecordControl::kKeepalive, now);
  }
  EndpointAccess::flush_pending(ep, index, now);
}

void EndpointAccess::rekey_retire_old(Ep& ep, uint8_t index, uint32_t now) noexcept {
  PeerSlot& p = ep.s_.peers[index];
  if (other_ready(p)) {
    p.keys[p.cur ^ 1].reset();
    ep.counters_.dual_key_ms += now - p.dual_since;
  }
  rekey_settle(ep, index, now);
}

// The rekey is over once the old keys are gone (the peer's retire came, or
// the deadline passed) and the peer acked our retire: until then our retire
// is resent, so a lost retire or a lost ack strands neither side.
void EndpointAccess::rekey_settle(Ep& ep, uint8_t index, uint32_t now) noexcept {
  PeerSlot& p = ep.s_.peers[index];
  if (p.rekey != static_cast<uint8_t>(RekeyState::kRetiring) || other_ready(p) || (p.flags & kPeerRetireAcked) == 0) {
    return;
  }
  p.rekey = static_cast<uint8_t>(RekeyState::kNone);
  p.flags = static_cast<uint8_t>(p.flags & ~(kPeerRetireSent | kPeerRetireAcked));
  timers::cancel(p.timers, TimerId::kRekey);
  rekey_check(ep, index, now);
}

// Seals a retire with the new keys and sends it; it asks for an ack, and
// goes again on its own short timer (the initial timeout, not the backed-off
// one of data records) until acked or the deadline.
void EndpointAccess::send_retire(Ep& ep, uint8_t index, uint32_t now) noexcept {
  PeerSlot& p = ep.s_.peers[index];
  const Settings& s = ep.s_.settings;
  const uint32_t again = now + timers::jittered(s.retransmit.initial_ms, s.retransmit);
  timers::arm(p.timers, TimerId::kRekey, timers::sooner(now, p.retire_deadline, again));
  uint8_t body[1] = {static_cast<uint8_t>(wire::RecordControl::kRekeyRetire)};
  record::Sealed sealed;
  const ByteSpan out(ep.s_.frame_scratch, s.mtu);
  if (!ok(record::seal(p.ctx(), ConstByteSpan(body), out, sealed, record::RecordKind::kControl))) return;
  p.retire_seq = sealed.seq;
  p.flags = static_cast<uint8_t>(p.flags | kPeerRetireSent);
  (void)transmit(ep, addr_of(p), ConstByteSpan(out.data(), sealed.size));
}

void EndpointAccess::rekey_maybe_retire(Ep& ep, uint8_t index, uint32_t now) noexcept {
  PeerSlot& p = ep.s_.peers[index];
  if (p.rekey != static_cast<uint8_t>(RekeyState::kRetiring) || (p.flags & kPeerRetireSent) != 0 || is_paused(p)) {
    return;
  }
  if (old_phase_outstanding(ep.s_, p, index)) return;
  send_retire(ep, index, now);
}

void EndpointAccess::rekey_on_ack(Ep& ep, uint8_t index, uint32_t bitmap, uint64_t largest, bool phase,
                                  uint32_t now) noexcept {
  PeerSlot& p = ep.s_.peers[index];
  if (p.rekey != static_cast<uint8_t>(RekeyState::kRetiring) || (p.flags & kPeerRetireSent) == 0 ||
      (p.flags & kPeerRetireAcked) != 0 || phase != p.ctx().key_phase()) {
    return;
  }
  const uint64_t seq = p.retire_seq;
  if (seq == largest || (seq < largest && largest - seq <= 32 && ((bitmap >> (largest - seq - 1)) & 1u) != 0)) {
    p.flags = static_cast<uint8_t>(p.flags | kPeerRetireAcked);
    rekey_settle(ep, index, now);
  }
}

void EndpointAccess::rekey_timer(Ep& ep, uint8_t index, uint32_t now) noexcept {
  PeerSlot& p = ep.s_.peers[index];
  timers::cancel(p.timers, TimerId::kRekey);
  switch (static_cast<RekeyState>(p.rekey)) {
    case RekeyState::kRetiring:
      if (!timers::reached(now, p.retire_deadline)) {
        // Our retire (or its ack) was lost: send another.
        if ((p.flags & kPeerRetireSent) != 0 && (p.flags & kPeerRetireAcked) == 0) {
          ++ep.counters_.retransmissions;
          send_retire(ep, index, now);
        } else {
          timers::arm(p.timers, TimerId::kRekey, p.retire_deadline);
        }
        return;
      }
      // Deadline: the peer's retire (or its ack of ours) never came. The old
      // keys go now; a record still sealed with them finds no keys.
      p.flags = static_cast<uint8_t>(p.flags | kPeerRetireSent | kPeerRetireAcked);
      rekey_retire_old(ep, index, now);
      return;
    case RekeyState::kNextReady:
      if (p.handshake == kNoSlot) {
        // message_3's retry budget ran out and no record with the new keys
        // came in a retire period after it: the responder never switched.
        rekey_fail(ep, index, Error::kNeedMore, now);
      }
      return;
    case RekeyState::kRequested: p.rekey = static_cast<uint8_t>(RekeyState::kNone); break;
    case RekeyState::kNone: break;
    default: return;  // a run in progress has its own timer
  }
  rekey_check(ep, index, now);
}

void EndpointAccess::rekey_other_phase(Ep& ep, uint8_t index, uint32_t now) noexcept {
  PeerSlot& p = ep.s_.peers[index];
  // The initiator's confirmation: the responder sealed with the new keys.
  if (p.rekey == static_cast<uint8_t>(RekeyState::kNextReady)) rekey_switch(ep, index, now);
}

namespace {}  // namespace

// The EDHOC message in the flight buffer is complete: frame it as a rekey
// record payload, send it and arm the slot's timer.
bool EndpointAccess::start_rekey_flight(Ep& ep, uint8_t hindex, uint8_t n, size_t len, uint32_t now) noexcept {
  HandshakeSlot& h = ep.s_.handshakes[hindex];
  h.flight[0] = static_cast<uint8_t>(wire::RecordControl::kRekeyMessage);
  h.flight[1] = n;
  h.flight_len = static_cast<uint16_t>(kRekeyHeaderLen + len);
  h.rto = ep.s_.settings.retransmit.initial_ms;
  h.retries = 0;
  h.replied = false;
  const Error e = send_rekey_flight(ep, h.peer, h);
  if (!ok(e)) {
    // The old keys refuse (hard limit), or the message does not fit one record.
    rekey_fail(ep, h.peer, e, now);
    return false;
  }
  timers::arm(h.timers, TimerId::kRetransmit, now + timers::jittered(h.rto, ep.s_.settings.retransmit));
  return true;
}

namespace {

bool same_kid(const PeerSlot& p, const edhoc::IdCredView& id) noexcept {
  return id.is_kid && id.kid.size() == p.kid_len && ct::equal(id.kid, ConstByteSpan(p.kid, p.kid_len));
}

// Answers to duplicates, at most one per half initial timeout.
bool answer_allowed(HandshakeSlot& h, const Settings& s, uint32_t now) noexcept {
  if (h.replied && !timers::reached(now, h.last_reply + s.retransmit.initial_ms / 2)) return false;
  h.replied = true;
  h.last_reply = now;
  return true;
}

}  // namespace

bool EndpointAccess::rekey_step(Ep& ep, uint8_t hindex, uint32_t now) noexcept {
  HandshakeSlot& h = ep.s_.handshakes[hindex];
  const uint8_t index = h.peer;
  PeerSlot& p = ep.s_.peers[index];
  const ByteSpan body(h.flight + kRekeyHeaderLen, sizeof(h.flight) - kRekeyHeaderLen);
  size_t len = 0;
  const bool next_phase = !p.ctx().key_phase();
  Error e = Error::kOk;
  switch (h.step) {
    case HandshakeStep::kSendMessage1:
      if constexpr (config::kInitiator) {
        edhoc::Message1Params params;
        params.method = ep.s_.settings.method;
        const uint8_t suites[1] = {ep.s_.settings.suite};
        params.suites_i = ConstByteSpan(suites);
        params.c_i = edhoc::ConnId::from_bytes(ConstByteSpan(&p.own_id, 1));
        e = initiator(h).prepare_message_1(params, body, len);
        if (!ok(e)) break;
        h.step = HandshakeStep::kAwaitMessage2;
        (void)start_rekey_flight(ep, hindex, 1, len, now);
      }
      return true;
    case HandshakeStep::kProcessMessage2:
      if constexpr (config::kInitiator) {
        edhoc::Message2Info info;
        e = initiator(h).process_message_2(ConstByteSpan(h.rx, h.rx_len), info);
        h.rx_len = 0;
        if (ok(e) && (info.c_r.view().size() != 1 || info.c_r.view()[0] != p.peer_id || !same_kid(p, info.id_cred_r))) {
          e = Error::kUnknownCredential;  // a rekey never changes who the peer is
        }
        if (ok(e) && !ep.s_.platform.lookup(ep.s_.platform.user, info.id_cred_r, h.peer_cred)) {
          e = Error::kUnknownCredential;
        }
        if (!ok(e)) break;
        h.step = HandshakeStep::kVerifyMessage2;
      }
      return true;
    case HandshakeStep::kVerifyMessage2:
      if constexpr (config::kInitiator) {
        e = initiator(h).verify_message_2(h.peer_cred);
        if (!ok(e)) break;
        h.step = HandshakeStep::kSendMessage3;
      }
      return true;
    case HandshakeStep::kSendMessage3:
      if constexpr (config::kInitiator) {
        e = initiator(h).prepare_message_3(ep.s_.self, ConstByteSpan(), body, len);
        if (ok(e)) e = derive_context(ep, initiator(h), p, &p.keys[p.cur ^ 1], next_phase);
        if (p.fresh_floor_slot == (p.cur ^ 1)) p.fresh_floor_slot = kNoSlot;  // new keys, new window
        if (!ok(e)) break;
        p.rekey = static_cast<uint8_t>(RekeyState::kNextReady);
        p.dual_since = now;
        h.step = HandshakeStep::kAwaitConfirm;
        (void)start_rekey_flight(ep, hindex, 3, len, now);
      }
      return true;
    case HandshakeStep::kSendMessage2:
      if constexpr (config::kResponder) {
        e = responder(h).prepare_message_2(ep.s_.self, edhoc::ConnId::from_bytes(ConstByteSpan(&p.own_id, 1)),
                                           ConstByteSpan(), body, len);
        if (e == Error::kNeedMore) return true;  // one public-key operation done, more to come
        if (!ok(e)) break;
        h.step = HandshakeStep::kAwaitMessage3;
        (void)start_rekey_flight(ep, hindex, 2, len, now);
      }
      return true;
    case HandshakeStep::kProcessMessage3:
      if constexpr (config::kResponder) {
        edhoc::Message3Info info;
        e = responder(h).process_message_3(ConstByteSpan(h.rx, h.rx_len), info);
        if (ok(e) && !same_kid(p, info.id_cred_i)) e = Error::kUnknownCredential;
        if (ok(e) && !ep.s_.platform.lookup(ep.s_.platform.user, info.id_cred_i, h.peer_cred)) {
          e = Error::kUnknownCredential;
        }
        if (ok(e)) e = responder(h).verify_message_3(h.peer_cred);
        if (ok(e)) e = derive_context(ep, responder(h), p, &p.keys[p.cur ^ 1], next_phase);
        if (p.fresh_floor_slot == (p.cur ^ 1)) p.fresh_floor_slot = kNoSlot;  // new keys, new window
        if (!ok(e)) break;
        // message_3 authenticated the initiator, who derived the keys
        // before sending it: they are confirmed; seal with them now.
        p.dual_since = now;
        rekey_switch(ep, index, now);
      }
      return true;
    default: return false;
  }
  // Authenticated under the old keys, yet it failed: an honest peer never
  // does this, so it is reported, and the old keys stay.
  count_drop(ep, e);
  alert(ep, index, e);
  rekey_fail(ep, index, e, now);
  return true;
}

void EndpointAccess::rekey_timers(Ep& ep, uint8_t hindex, uint32_t now) noexcept {
  HandshakeSlot& h = ep.s_.handshakes[hindex];
  if (h.flight_pending && h.flight_len != 0) (void)send_rekey_flight(ep, h.peer, h);
  if (!timers::due(h.timers, TimerId::kRetransmit, now)) return;
  const RetransmitSettings& rs = ep.s_.settings.retransmit;
  if (h.retries >= rs.retries) {
    if (h.initiator && h.step == HandshakeStep::kAwaitConfirm) {
      // message_3 may have arrived and its confirmation been lost: the
      // responder then seals with the new keys, and dropping them here would
      // strand the session. Keep them and wait a retire period for a record
      // with the new keys (rekey_other_phase switches); then give up.
      PeerSlot& p = ep.s_.peers[h.peer];
      handshake_release(ep, hindex);
      p.handshake = kNoSlot;
      timers::arm(p.timers, TimerId::kRekey, now + retire_after(ep.s_.settings));
      return;
    }
    rekey_fail(ep, h.peer, Error::kNeedMore, now);
    return;
  }
  ++h.retries;
  h.rto = timers::backoff(h.rto, rs);
  timers::arm(h.timers, TimerId::kRetransmit, now + timers::jittered(h.rto, rs));
  // As in the handshake, only the initiator resends on a timer.
  if (h.initiator && h.flight_len != 0 &&
      (h.step == HandshakeStep::kAwaitMessage2 || h.step == HandshakeStep::kAwaitConfirm)) {
    ++ep.counters_.retransmissions;
    (void)send_rekey_flight(ep, h.peer, h);
  }
}

void EndpointAccess::rekey_on_control(Ep& ep, uint8_t index, ConstByteSpan payload, uint32_t now) noexcept {
  PeerSlot& p = ep.s_.peers[index];
  const auto type = static_cast<wire::RecordControl>(payload[0]);
  if (type == wire::RecordControl::kRekeyRequest) {
    if (payload.size() != 1 || !p.initiator) {
      alert(ep, index, Error::kMalformed);
      return;
    }
    if (!is_paused(p)) {
      // The peer's limit counts as ours: start now, or as soon as the last
      // rekey has retired its keys (a request is not resent for long).
      if (p.rekey != static_cast<uint8_t>(RekeyState::kRunning) &&
          p.rekey != static_cast<uint8_t>(RekeyState::kNextReady)) {
        p.flags = static_cast<uint8_t>(p.flags | kPeerRekeyAsked);
      }
      rekey_check(ep, index, now);
    }
    return;
  }
  if (type == wire::RecordControl::kRekeyRetire) {
    // (on_control acks it, also when it is a copy after we settled.)
    if (p.rekey == static_cast<uint8_t>(RekeyState::kRetiring)) rekey_retire_old(ep, index, now);
    return;
  }
  // kRekeyMessage: n | message_n
  if (payload.size() <= kRekeyHeaderLen || payload.size() - kRekeyHeaderLen > sizeof(HandshakeSlot::rx)) {
    alert(ep, index, Error::kMalformed);
    return;
  }
  const uint8_t n = payload[1];
  const ConstByteSpan message = payload.subspan(kRekeyHeaderLen);
  HandshakeSlot* h =
      p.handshake != kNoSlot && ep.s_.handshakes[p.handshake].rekey ? &ep.s_.handshakes[p.handshake] : nullptr;
  const bool want_initiator = n == 2;
  if ((n != 1 && n != 2 && n != 3) || want_initiator != p.initiator) {
    alert(ep, index, Error::kMalformed);
    return;
  }
  if (n == 1) {
    if (h != nullptr) {
      // The same message_1 again: our message_2 was lost; resend it.
      if (h->step == HandshakeStep::kAwaitMessage3 && message.size() == h->rx_record_len &&
          ct::equal(message, ConstByteSpan(h->rx, h->rx_record_len)) && answer_allowed(*h, ep.s_.settings, now)) {
        ++ep.counters_.retransmissions;
        (void)send_rekey_flight(ep, index, *h);
      }
      return;
    }
    if (p.rekey != static_cast<uint8_t>(RekeyState::kNone) && p.rekey != static_cast<uint8_t>(RekeyState::kRequested)) {
      return;  // still retiring the last keys: the initiator retries
    }
    if constexpr (config::kResponder) {
      const uint8_t hi = handshake_alloc(ep, false, index, now);
      if (hi == kNoSlot) {
        ++ep.counters_.drops.no_resources;
        return;  // the initiator's retransmission tries again
      }
      HandshakeSlot& s = ep.s_.handshakes[hi];
      s.rekey = true;
      edhoc::Message1Info info;
      if (!ok(responder(s).process_message_1(message, info))) {
        handshake_release(ep, hi);
        alert(ep, index, Error::kMalformed);
        return;
      }
      // Kept to recognise a resent message_1 (rx is free until message_3).
      for (size_t i = 0; i < message.size(); ++i) s.rx[i] = message[i];
      s.rx_record_len = static_cast<uint16_t>(message.size());
      s.step = HandshakeStep::kSendMessage2;
      timers::cancel(p.timers, TimerId::kRekey);
      p.handshake = hi;
      p.rekey = static_cast<uint8_t>(RekeyState::kRunning);
      ++ep.counters_.handshakes_started;
    }
    return;
  }
  if (n == 2) {
    if (h == nullptr) return;
    if (h->step == HandshakeStep::kAwaitMessage2) {
      for (size_t i = 0; i < message.size(); ++i) h->rx[i] = message[i];
      h->rx_len = static_cast<uint16_t>(message.size());
      h->step = HandshakeStep::kProcessMessage2;
    } else if (h->step == HandshakeStep::kAwaitConfirm && answer_allowed(*h, ep.s_.settings, now)) {
      ++ep.counters_.retransmissions;
      (void)send_rekey_flight(ep, index, *h);  // our message_3 was lost
    }
    return;
  }
  // n == 3
  if (h != nullptr && h->step == HandshakeStep::kAwaitMessage3) {
    for (size_t i = 0; i < message.size(); ++i) h->rx[i] = message[i];
    h->rx_len = static_cast<uint16_t>(message.size());
    h->step = HandshakeStep::kProcessMessage3;
    return;
  }
  // A resent message_3: the initiator missed our first record with the new
  // keys. Send another (rate limited like a repeated message_3).
  if (h == nullptr && p.rekey == static_cast<uint8_t>(RekeyState::kRetiring) &&
      (!p.reconfirmed || timers::reached(now, p.last_reconfirm + ep.s_.settings.retransmit.initial_ms / 2))) {
    p.reconfirmed = true;
    p.last_reconfirm = now;
    (void)send_control(ep, index, wire::RecordControl::kKeepalive, now);
  }
}

}  // namespace hush::session::detail
