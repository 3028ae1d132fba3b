// SPDX-License-Identifier: Apache-2.0
// Records in a session: routing by connection id, data and confirmed data,
// acks, keepalives, close, and the transmit queue's timers.
//
// Only a record that authenticated and was fresh (accepted by the replay
// window) proves that the peer is alive. A resent confirmed record whose ack
// was lost is authenticated again and acked again, but never delivered
// twice and never taken as proof of life.

#include "endpoint_internal.h"
#include "hush/ct.h"

namespace hush::session::detail {

namespace {

bool is_active(const PeerSlot& p) noexcept {
  return p.state == static_cast<uint8_t>(PeerState::kEstablished) ||
         p.state == static_cast<uint8_t>(PeerState::kClosing);
}

bool tx_belongs(const TxSlot& t, const PeerSlot& p, uint8_t index) noexcept {
  return t.state != static_cast<uint8_t>(TxState::kFree) && t.peer == index && t.generation == p.generation;
}

}  // namespace

void EndpointAccess::alert(Ep& ep, uint8_t index, Error why) noexcept {
  Event ev;
  ev.type = EventType::kSecurityAlert;
  ev.peer = handle_of(ep, index);
  ev.error = why;
  log(ep, "security alert", why);
  emit(ep, ev);
}

void EndpointAccess::note_ack(PeerSlot& p, uint64_t seq) noexcept {
  if (!p.ack_has_records) {
    p.ack_has_records = true;
    p.ack_largest = seq;
    p.ack_bitmap = 0;
  } else if (seq > p.ack_largest) {
    const uint64_t shift = seq - p.ack_largest;
    p.ack_bitmap = shift >= 32 ? 0 : p.ack_bitmap << shift;
    if (shift <= 32) p.ack_bitmap |= uint32_t{1} << (shift - 1);
    p.ack_largest = seq;
  } else if (seq < p.ack_largest && p.ack_largest - seq <= 32) {
    p.ack_bitmap |= uint32_t{1} << (p.ack_largest - seq - 1);
  }
  p.ack_pending = true;
}

void EndpointAccess::ack_record(Ep& ep, uint8_t index, uint64_t seq, bool phase, uint32_t now) noexcept {
  PeerSlot& p = ep.s_.peers[index];
  // Sequence numbers of the two key phases overlap: an ack names records
  // of one phase (kAck: its own, kAckOtherPhase: the other).
  if (p.ack_has_records && p.ack_phase != phase) (void)send_control(ep, index, wire::RecordControl::kAck, now);
  p.ack_phase = phase;
  note_ack(p, seq);
}

Error EndpointAccess::send_control(Ep& ep, uint8_t index, wire::RecordControl type, uint32_t now) noexcept {
  PeerSlot& p = ep.s_.peers[index];
  if (!p.ctx().ready()) return Error::kInvalidState;
  // A paused session sends nothing but the probes that wake it.
  if (is_paused(p) && type != wire::RecordControl::kKeepalive) return Error::kInvalidState;
  // Every control record, acks of the other phase's records included, is
  // sealed with the current keys: the peer holds them whenever we do (the
  // switch follows its proof), and the old keys' last records stay for the
  // rekey's own messages.
  if ((type == wire::RecordControl::kAck || type == wire::RecordControl::kKeepalive) && rekey_reserved(ep, p)) {
    return Error::kNeedMore;  // sent with the new keys once they are in use
  }
  record::SecurityContext& keys = p.ctx();
  // ack | bitmap | largest, or the type alone.
  uint8_t payload[1 + wire::kAckBitmapLen + wire::kRecordMaxPsnLen];
  size_t n = 0;
  payload[n++] = static_cast<uint8_t>(type);
  if (type == wire::RecordControl::kAck && p.ack_has_records && p.ack_phase != keys.key_phase()) {
    payload[0] = static_cast<uint8_t>(wire::RecordControl::kAckOtherPhase);
  }
  if (type == wire::RecordControl::kAck && p.ack_has_records) {
    for (size_t i = wire::kAckBitmapLen; i-- > 0;) payload[n++] = static_cast<uint8_t>(p.ack_bitmap >> (8 * i));
    const size_t len = record::psn_len(p.ack_largest);
    for (size_t i = len; i-- > 0;) payload[n++] = static_cast<uint8_t>(p.ack_largest >> (8 * i));
  }
  const ConstByteSpan body(payload, n);
  const LinkAddr to = addr_of(p);

  if (type == wire::RecordControl::kClose) {
    // A close is retransmitted until acked, from a transmit slot. With the
    // queue full it still goes out once, unconfirmed, before the keys go.
    const uint8_t t = tx_alloc(ep);
    if (t == kNoSlot) {
      record::Sealed once;
      const ByteSpan out(ep.s_.frame_scratch, ep.s_.settings.mtu);
      if (ok(record::seal(p.ctx(), body, out, once, record::RecordKind::kControl))) {
        (void)transmit(ep, to, ConstByteSpan(out.data(), once.size));
      }
      return Error::kBufferTooSmall;
    }
    TxSlot& ts = ep.s_.tx[t];
    record::Sealed sealed;
    HUSH_TRY(record::seal(p.ctx(), body, ByteSpan(ts.bytes, ep.s_.settings.mtu), sealed, record::RecordKind::kControl));
    ts.peer = index;
    ts.generation = p.generation;
    ts.confirmed = true;
    ts.control = static_cast<uint8_t>(type);
    ts.len = static_cast<uint16_t>(sealed.size);
    ts.seq = sealed.seq;
    ts.order = ep.s_.next_order++;
    ts.resend_at = now + timers::jittered(ts.rto, ep.s_.settings.retransmit);
    ts.state = static_cast<uint8_t>(
        transmit(ep, to, ConstByteSpan(ts.bytes, ts.len)) == TxResult::kSent ? TxState::kAwaitAck : TxState::kUnsent);
    return Error::kOk;
  }

  record::Sealed sealed;
  const ByteSpan out(ep.s_.frame_scratch, ep.s_.settings.mtu);
  const Error e = record::seal(keys, body, out, sealed, record::RecordKind::kControl);
  if (!ok(e)) {
    if (e == Error::kLimitReached) alert(ep, index, e);
    return e;
  }
  if (type == wire::RecordControl::kAck) {
    p.ack_pending = false;
    p.ack_has_records = false;
    p.ack_bitmap = 0;
  }
  // An ack or keepalive that the busy radio refused is not worth keeping:
  // the next one carries the same information.
  return transmit(ep, to, ConstByteSpan(out.data(), sealed.size)) == TxResult::kSent ? Error::kOk : Error::kNeedMore;
}

// --- Receiving ---------------------------------------------------------------------

void EndpointAccess::on_ack(Ep& ep, uint8_t index, ConstByteSpan payload, bool phase, uint32_t now) noexcept {
  PeerSlot& p = ep.s_.peers[index];
  if (payload.size() == 1) return;  // proof of life only
  if (payload.size() < 1 + wire::kAckBitmapLen + 1 ||
      payload.size() > 1 + wire::kAckBitmapLen + wire::kRecordMaxPsnLen) {
    ++ep.counters_.drops.malformed;
    return;
  }
  uint32_t bitmap = 0;
  for (size_t i = 0; i < wire::kAckBitmapLen; ++i) bitmap = (bitmap << 8) | payload[1 + i];
  uint64_t largest = 0;
  for (size_t i = 1 + wire::kAckBitmapLen; i < payload.size(); ++i) largest = (largest << 8) | payload[i];
  const PeerHandle handle = handle_of(ep, index);
  rekey_on_ack(ep, index, bitmap, largest, phase, now);
  for (uint8_t i = 0; i < kTxSlots; ++i) {
    TxSlot& t = ep.s_.tx[i];
    if (!tx_belongs(t, p, index) || !t.confirmed) continue;
    if (t.state != static_cast<uint8_t>(TxState::kAwaitAck) && t.state != static_cast<uint8_t>(TxState::kRiding)) {
      continue;
    }
    if (((t.bytes[0] & wire::kRecordKeyPhase) != 0) != phase) continue;  // the other keys' numbers
    const bool acked =
        t.seq == largest || (t.seq < largest && largest - t.seq <= 32 && ((bitmap >> (largest - t.seq - 1)) & 1u) != 0);
    if (!acked) continue;
    const uint8_t control = t.control;
    const uint16_t message = t.message;
    tx_free(ep, i);
    if (control == static_cast<uint8_t>(wire::RecordControl::kClose)) {
      Event ev;
      ev.type = EventType::kClosed;
      end_session(ep, index, ev);
      return;
    }
    Event ev;
    ev.type = EventType::kDelivered;
    ev.peer = handle;
    ev.message = message;
    emit(ep, ev);
    if (peer_by_handle(ep, handle) == kNoSlot) return;  // the application closed it
  }
}

void EndpointAccess::on_control(Ep& ep, uint8_t index, uint64_t seq, ConstByteSpan payload, bool phase,
                                uint32_t now) noexcept {
  PeerSlot& p = ep.s_.peers[index];
  if (payload.empty()) {
    alert(ep, index, Error::kMalformed);  // authentic, yet no honest peer sends it
    return;
  }
  switch (static_cast<wire::RecordControl>(payload[0])) {
    case wire::RecordControl::kAck: on_ack(ep, index, payload, phase, now); return;
    case wire::RecordControl::kAckOtherPhase: on_ack(ep, index, payload, !phase, now); return;
    case wire::RecordControl::kKeepalive:
      ack_record(ep, index, seq, phase, now);
      timers::arm(p.timers, TimerId::kAck, now);
      return;
    case wire::RecordControl::kRekeyRetire:
      // Acked so that its sender stops resending it (rekey.cpp).
      ack_record(ep, index, seq, phase, now);
      timers::arm(p.timers, TimerId::kAck, now);
      rekey_on_control(ep, index, payload, now);
      return;
    case wire::RecordControl::kRekeyRequest:
    case wire::RecordControl::kRekeyMessage: rekey_on_control(ep, index, payload, now); return;
    case wire::RecordControl::kClose: {
      // Ack it under the keys about to go, then wipe them.
      ack_record(ep, index, seq, phase, now);
      (void)send_control(ep, index, wire::RecordControl::kAck, now);
      Event ev;
      ev.type = EventType::kClosed;
      end_session(ep, index, ev);
      return;
    }
    // Echo belongs to pre-shared keys (hush/psk.h); a tunnel's keys are new
    // with each handshake, so its peer never needs to prove freshness.
    case wire::RecordControl::kEchoRequest:
    case wire::RecordControl::kEchoResponse: break;
  }
  alert(ep, index, Error::kMalformed);
}

void EndpointAccess::on_record(Ep& ep, ConstByteSpan record, const LinkAddr& from, uint32_t now) noexcept {
  record::RecordHeader hdr;
  if (!ok(record::parse_header(record, hdr))) {
    ++ep.counters_.drops.malformed;
    return;
  }
  // Session records always name the receiver's connection identifier.
  const uint8_t index = hdr.has_cid ? peer_by_own_id(ep, hdr.cid) : kNoSlot;
  if (index == kNoSlot || !ep.s_.peers[index].ctx().ready()) {
    ++ep.counters_.drops.unknown_context;
    return;
  }
  PeerSlot& p = ep.s_.peers[index];
  if (record.size() > sizeof(ep.s_.rx_scratch)) {
    ++ep.counters_.drops.malformed;
    return;
  }
  // The key phase bit picks the keys: during a rekey the other phase's
  // (new, or old and not yet retired) open records too.
  const bool other_phase = hdr.key_phase != p.ctx().key_phase();
  const uint8_t key_slot = other_phase ? static_cast<uint8_t>(p.cur ^ 1) : p.cur;
  record::SecurityContext& keys = p.keys[key_slot];
  if (!keys.ready()) {
    ++ep.counters_.drops.unknown_context;
    return;
  }
  for (size_t i = 0; i < record.size(); ++i) ep.s_.rx_scratch[i] = record[i];
  const ByteSpan buf(ep.s_.rx_scratch, record.size());
  ConstByteSpan payload;
  record::Opened opened;
  // Restored from a blob that was restored before: only an ack of our
  // probe proves a record fresh (sleep.cpp).
  record::FreshnessProof proof;
  proof.proves = &EndpointAccess::proves_fresh;
  proof.user = &p;
  const bool need_proof =
      hdr.kind == record::RecordKind::kControl && keys.replay_window().state() == record::WindowState::kUnknown;
  const Error e = record::open_in_place(keys, buf, payload, opened, need_proof ? &proof : nullptr);

  if (e == Error::kReplay || e == Error::kTooOld) {
    ++(e == Error::kReplay ? ep.counters_.drops.replay : ep.counters_.drops.too_old);
    // A resent record that asks for an ack: its ack was lost. Ack it again
    // if it is authentic; the window holds it, so it is not delivered
    // again. A record below the window is another matter: it may never
    // have been delivered, so it is never acked, and its sender learns
    // kDeliveryFailed rather than a false kDelivered.
    // (rx_scratch is unchanged: open refused before decrypting.)
    // Below the point where freshness was proven, the window marks records
    // as seen without their having been delivered: no ack for those either.
    const bool refused_before_proof = p.fresh_floor_slot == key_slot && hdr.seq < p.fresh_floor;
    if (e == Error::kReplay && hdr.kind != record::RecordKind::kData && !refused_before_proof) {
      const ByteSpan scratch(ep.s_.frame_scratch, sizeof(ep.s_.frame_scratch));
      if (ok(record::authenticate_seen(keys, record, scratch, opened))) {
        ack_record(ep, index, opened.seq, hdr.key_phase, now);
        if (!timers::armed(p.timers, TimerId::kAck)) {
          timers::arm(p.timers, TimerId::kAck, now + timers::ack_delay(ep.s_.settings.retransmit));
        }
      } else {
        ++ep.counters_.drops.auth_fail;
      }
    }
    return;
  }
  if (!ok(e)) {
    switch (e) {
      case Error::kAuthFailed: ++ep.counters_.drops.auth_fail; break;
      case Error::kUnknownContext: ++ep.counters_.drops.unknown_context; break;
      default: ++ep.counters_.drops.malformed; break;
    }
    if (e == Error::kLimitReached || opened.limit == record::LimitState::kReached) alert(ep, index, e);
    // Failed decryptions count against v: near its limit, rekey.
    if (e == Error::kAuthFailed) rekey_check(ep, index, now);
    return;
  }

  if (need_proof) {
    // The ack of our probe proved the peer fresh and started the window
    // here (record::ReplayWindow::start_at).
    p.fresh_floor = opened.seq;
    p.fresh_floor_slot = key_slot;
  }
  const PeerHandle live = handle_of(ep, index);
  if (is_paused(p)) {
    // A fresh authenticated record: the peer is alive and holds the keys.
    resume_proven(ep, index, now);
    if (peer_by_handle(ep, live) == kNoSlot) return;
  }
  p.flags = static_cast<uint8_t>(p.flags & ~kPeerImported);
  timers::on_authenticated_rx(p, ep.s_.settings, now);
  if (other_phase) {
    rekey_other_phase(ep, index, now);
    if (peer_by_handle(ep, live) == kNoSlot) return;
  }
  // The initiator sends a record after the one riding with message_3 only
  // once it has our confirmation: it will not resend message_3 any more.
  if (opened.seq >= 1) p.m3_digest_set = false;
  // The initiator's proof that message_3 arrived: any record from the responder.
  if (p.state == static_cast<uint8_t>(PeerState::kConnecting) && p.initiator) {
    established(ep, index, now);
    if (!is_active(ep.s_.peers[index])) return;
  }
  const PeerHandle handle = handle_of(ep, index);
  if (opened.kind == record::RecordKind::kControl) {
    on_control(ep, index, opened.seq, payload, hdr.key_phase, now);
    if (peer_by_handle(ep, live) != kNoSlot) rekey_maybe_retire(ep, index, now);
    return;
  }
  if (opened.kind == record::RecordKind::kConfirmed) {
    ack_record(ep, index, opened.seq, hdr.key_phase, now);
    if (!timers::armed(p.timers, TimerId::kAck)) {
      timers::arm(p.timers, TimerId::kAck, now + timers::ack_delay(ep.s_.settings.retransmit));
    }
  }
  Event ev;
  ev.type = EventType::kData;
  ev.peer = handle;
  ev.from = from;
  ev.data = payload;
  emit(ep, ev);
  ct::wipe(buf);
}

// --- Session set-up and the transmit queue -----------------------------------------

void EndpointAccess::established(Ep& ep, uint8_t index, uint32_t now, bool release_handshake) noexcept {
  PeerSlot& p = ep.s_.peers[index];
  if (release_handshake && p.handshake != kNoSlot) {
    handshake_release(ep, p.handshake);
    p.handshake = kNoSlot;
  }
  p.state = static_cast<uint8_t>(PeerState::kEstablished);
  p.app_known = true;
  p.keys_born = now;
  ++ep.counters_.handshakes_completed;
  timers::on_authenticated_rx(p, ep.s_.settings, now);
  // A simultaneous open's answer still waiting to take this slot over is
  // not needed any more.
  for (uint8_t i = 0; i < kMaxHandshakes; ++i) {
    const HandshakeSlot& h = ep.s_.handshakes[i];
    if (h.step != HandshakeStep::kFree && !h.initiator && ep.s_.peers[h.peer].adopt_for == index &&
        ep.s_.peers[h.peer].state == static_cast<uint8_t>(PeerState::kConnecting)) {
      drop_half_open(ep, i);
    }
  }
  // One session per authenticated peer. A peer that connects again (it
  // rebooted, or lost the session) replaces its old session. Two sessions
  // set up at once in opposite directions (a simultaneous open neither side
  // caught) are settled the same way on both sides: the one initiated by
  // the party with the larger kid stays.
  for (uint8_t i = 0; i < kMaxPeers; ++i) {
    const PeerSlot& o = ep.s_.peers[i];
    if (i == index || o.state != static_cast<uint8_t>(PeerState::kEstablished) || o.kid_len != p.kid_len ||
        o.kid_len == 0 || !ct::equal(ConstByteSpan(o.kid, o.kid_len), ConstByteSpan(p.kid, p.kid_len))) {
      continue;
    }
    bool keep_new = true;
    if (o.initiator != p.initiator) {
      const bool peer_kid_larger = kid_compare(ConstByteSpan(p.kid, p.kid_len), own_kid(ep)) > 0;
      // The new session was initiated by the peer iff we are its responder.
      keep_new = (!p.initiator) == peer_kid_larger;
    }
    Event old;
    old.type = EventType::kClosed;
    old.error = Error::kInvalidState;
    end_session(ep, keep_new ? i : index, old);
    if (!keep_new) return;
  }
  const PeerHandle handle = handle_of(ep, index);
  Event ev;
  ev.type = EventType::kConnected;
  ev.peer = handle;
  ev.from = addr_of(p);
  ev.peer_kid = ConstByteSpan(p.kid, p.kid_len);
  finish_riding(ep, index, now);
  emit(ep, ev);
  if (peer_by_handle(ep, handle) == kNoSlot) return;
  flush_pending(ep, index, now);
  if (peer_by_handle(ep, handle) != kNoSlot) rekey_check(ep, index, now);
}

size_t EndpointAccess::seal_riding(Ep& ep, uint8_t peer, ByteSpan out) noexcept {
  PeerSlot& p = ep.s_.peers[peer];
  uint8_t best = kNoSlot;
  for (uint8_t i = 0; i < kTxSlots; ++i) {
    const TxSlot& t = ep.s_.tx[i];
    if (!tx_belongs(t, p, peer) || t.state != static_cast<uint8_t>(TxState::kPending)) continue;
    if (best == kNoSlot || static_cast<int32_t>(t.order - ep.s_.tx[best].order) < 0) best = i;
  }
  if (best == kNoSlot) return 0;
  TxSlot& t = ep.s_.tx[best];
  const size_t need = record::overhead(true, p.ctx().next_sequence(), p.ctx().alg()) + t.len;
  if (need > out.size()) return 0;
  record::Sealed sealed;
  const record::RecordKind kind = t.confirmed ? record::RecordKind::kConfirmed : record::RecordKind::kData;
  if (!ok(record::seal(p.ctx(), ConstByteSpan(t.bytes, t.len), out, sealed, kind))) return 0;
  // The slot keeps the record itself from now on, for byte-identical resends.
  for (size_t i = 0; i < sealed.size; ++i) t.bytes[i] = out[i];
  t.len = static_cast<uint16_t>(sealed.size);
  t.seq = sealed.seq;
  t.state = static_cast<uint8_t>(TxState::kRiding);
  return sealed.size;
}

void EndpointAccess::finish_riding(Ep& ep, uint8_t peer, uint32_t now) noexcept {
  PeerSlot& p = ep.s_.peers[peer];
  for (uint8_t i = 0; i < kTxSlots; ++i) {
    TxSlot& t = ep.s_.tx[i];
    if (!tx_belongs(t, p, peer) || t.state != static_cast<uint8_t>(TxState::kRiding)) continue;
    if (!t.confirmed) {
      tx_free(ep, i);
      continue;
    }
    // Still unacked: from now on it is resent alone, byte for byte.
    t.state = static_cast<uint8_t>(TxState::kAwaitAck);
    t.rto = ep.s_.settings.retransmit.initial_ms;
    t.resend_at = now + timers::jittered(t.rto, ep.s_.settings.retransmit);
  }
}

void EndpointAccess::flush_pending(Ep& ep, uint8_t index, uint32_t now) noexcept {
  PeerSlot& p = ep.s_.peers[index];
  if (is_paused(p)) return;  // queued until resume()
  const LinkAddr to = addr_of(p);
  for (;;) {
    uint8_t best = kNoSlot;
    for (uint8_t i = 0; i < kTxSlots; ++i) {
      const TxSlot& t = ep.s_.tx[i];
      if (!tx_belongs(t, p, index) || t.state != static_cast<uint8_t>(TxState::kPending)) continue;
      if (best == kNoSlot || static_cast<int32_t>(t.order - ep.s_.tx[best].order) < 0) best = i;
    }
    if (best == kNoSlot) break;
    // The old keys' last records belong to the rekey's own messages: the
    // payload waits for the new keys.
    if (rekey_reserved(ep, p)) break;
    TxSlot& t = ep.s_.tx[best];
    record::Sealed sealed;
    // An unconfirmed record may carry the liveness probe: it asks for an
    // ack, but is not resent (timers::probe_rides).
    const bool probe = timers::probe_rides(p, ep.s_.settings, now);
    const record::RecordKind kind = t.confirmed || probe ? record::RecordKind::kConfirmed : record::RecordKind::kData;
    const ByteSpan out(ep.s_.frame_scratch, ep.s_.settings.mtu);
    const Error e = record::seal(p.ctx(), ConstByteSpan(t.bytes, t.len), out, sealed, kind);
    if (e == Error::kLimitReached && p.rekey != static_cast<uint8_t>(RekeyState::kNone)) {
      // The old keys are spent and the new ones are on their way: the
      // payload waits for them rather than being lost.
      break;
    }
    if (!ok(e)) {
      // The keys refuse (usage limit): the message cannot go.
      const uint16_t message = t.message;
      const bool confirmed = t.confirmed;
      tx_free(ep, best);
      alert(ep, index, e);
      if (confirmed) {
        Event ev;
        ev.type = EventType::kDeliveryFailed;
        ev.peer = handle_of(ep, index);
        ev.message = message;
        emit(ep, ev);
      }
      return;
    }
    p.bytes_sealed += t.len;
    for (size_t i = 0; i < sealed.size; ++i) t.bytes[i] = out[i];
    t.len = static_cast<uint16_t>(sealed.size);
    t.seq = sealed.seq;
    t.rto = ep.s_.settings.retransmit.initial_ms;
    t.resend_at = now + timers::jittered(t.rto, ep.s_.settings.retransmit);
    if (probe) timers::on_probe_rode(p, ep.s_.settings, now);
    const bool sent = transmit(ep, to, ConstByteSpan(t.bytes, t.len)) == TxResult::kSent;
    if (!sent) {
      t.state = static_cast<uint8_t>(TxState::kUnsent);
      break;  // keep the order: later records wait behind this one
    }
    if (t.confirmed) {
      t.state = static_cast<uint8_t>(TxState::kAwaitAck);
    } else {
      tx_free(ep, best);
    }
  }
  // Records and bytes sent count toward the limits that start a rekey.
  rekey_check(ep, index, now);
}

void EndpointAccess::tx_timers(Ep& ep, uint32_t now) noexcept {
  const RetransmitSettings& rs = ep.s_.settings.retransmit;
  for (uint8_t i = 0; i < kTxSlots; ++i) {
    TxSlot& t = ep.s_.tx[i];
    if (t.state == static_cast<uint8_t>(TxState::kFree)) continue;
    const uint8_t index = t.peer;
    PeerSlot& p = ep.s_.peers[index];
    if (!tx_belongs(t, p, index)) {
      tx_free(ep, i);
      continue;
    }
    if (is_paused(p)) continue;  // nothing is sent, and no retry is spent, while paused
    const LinkAddr to = addr_of(p);
    if (t.state == static_cast<uint8_t>(TxState::kUnsent)) {
      if (transmit(ep, to, ConstByteSpan(t.bytes, t.len)) != TxResult::kSent) continue;
      if (t.confirmed) {
        t.state = static_cast<uint8_t>(TxState::kAwaitAck);
        t.resend_at = now + timers::jittered(t.rto, rs);
      } else {
        tx_free(ep, i);
      }
      // Payloads queued behind it go now.
      flush_pending(ep, index, now);
      continue;
    }
    if (t.state != static_cast<uint8_t>(TxState::kAwaitAck) || !timers::reached(now, t.resend_at)) continue;
    if (t.retries >= rs.retries) {
      const uint8_t control = t.control;
      const uint16_t message = t.message;
      tx_free(ep, i);
      Event ev;
      if (control == static_cast<uint8_t>(wire::RecordControl::kClose)) {
        ev.type = EventType::kClosed;  // the peer did not ack; the keys go anyway
        ev.error = Error::kNeedMore;
        end_session(ep, index, ev);
        continue;
      }
      ev.type = EventType::kDeliveryFailed;
      ev.peer = handle_of(ep, index);
      ev.message = message;
      emit(ep, ev);
      continue;
    }
    ++t.retries;
    ++ep.counters_.retransmissions;
    // A record sealed with the old keys holds the retire of a rekey (and,
    // through it, the next rekey): it goes again at the initial timeout
    // rather than a backed-off one.
    const bool holds_retire = p.rekey == static_cast<uint8_t>(RekeyState::kRetiring) &&
                              ((t.bytes[0] & wire::kRecordKeyPhase) != 0) != p.ctx().key_phase();
    t.rto = holds_retire ? rs.initial_ms : timers::backoff(t.rto, rs);
    t.resend_at = now + timers::jittered(t.rto, rs);
    (void)transmit(ep, to, ConstByteSpan(t.bytes, t.len));
  }
}

void EndpointAccess::peer_timers(Ep& ep, uint8_t index, uint32_t now) noexcept {
  PeerSlot& p = ep.s_.peers[index];
  if (!is_active(p) || is_paused(p)) return;
  if (timers::due(p.timers, TimerId::kRekey, now)) {
    const PeerHandle handle = handle_of(ep, index);
    rekey_timer(ep, index, now);
    if (peer_by_handle(ep, handle) == kNoSlot) return;
  }
  rekey_maybe_retire(ep, index, now);
  if (timers::due(p.timers, TimerId::kAck, now)) {
    timers::cancel(p.timers, TimerId::kAck);
    if (p.ack_pending) (void)send_control(ep, index, wire::RecordControl::kAck, now);
  }
  // A closing session waits for the ack of its close, or its retry budget;
  // liveness is no longer a question.
  if (p.state == static_cast<uint8_t>(PeerState::kClosing)) {
    timers::cancel(p.timers, TimerId::kKeepalive);
    return;
  }
  if (!timers::due(p.timers, TimerId::kKeepalive, now)) return;
  switch (timers::on_keepalive_expired(p, ep.s_.settings, now)) {
    case timers::LivenessAction::kSendKeepalive:
      // No record came to carry resume()'s probe: it goes alone.
      p.flags = static_cast<uint8_t>(p.flags & ~kPeerProbeDue);
      (void)send_control(ep, index, wire::RecordControl::kKeepalive, now);
      break;
    case timers::LivenessAction::kDead: {
      Event ev;
      ev.type = EventType::kPeerDead;
      end_session(ep, index, ev);
      break;
    }
    case timers::LivenessAction::kNone: break;
  }
}

}  // namespace hush::session::detail
