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

Error EndpointAccess::send_control(Ep& ep, uint8_t index, wire::RecordControl type, uint32_t now) noexcept {
  PeerSlot& p = ep.s_.peers[index];
  if (!p.ctx.ready()) return Error::kInvalidState;
  // ack | bitmap | largest, or the type alone.
  uint8_t payload[1 + wire::kAckBitmapLen + wire::kRecordMaxPsnLen];
  size_t n = 0;
  payload[n++] = static_cast<uint8_t>(type);
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
      if (ok(record::seal(p.ctx, body, out, once, record::RecordKind::kControl))) {
        (void)transmit(ep, to, ConstByteSpan(out.data(), once.size));
      }
      return Error::kBufferTooSmall;
    }
    TxSlot& ts = ep.s_.tx[t];
    record::Sealed sealed;
    HUSH_TRY(record::seal(p.ctx, body, ByteSpan(ts.bytes, ep.s_.settings.mtu), sealed, record::RecordKind::kControl));
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
  const Error e = record::seal(p.ctx, body, out, sealed, record::RecordKind::kControl);
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

void EndpointAccess::on_ack(Ep& ep, uint8_t index, ConstByteSpan payload) noexcept {
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
  for (uint8_t i = 0; i < kTxSlots; ++i) {
    TxSlot& t = ep.s_.tx[i];
    if (!tx_belongs(t, p, index) || !t.confirmed) continue;
    if (t.state != static_cast<uint8_t>(TxState::kAwaitAck) && t.state != static_cast<uint8_t>(TxState::kRiding)) {
      continue;
    }
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

void EndpointAccess::on_control(Ep& ep, uint8_t index, uint64_t seq, ConstByteSpan payload, uint32_t now) noexcept {
  PeerSlot& p = ep.s_.peers[index];
  if (payload.empty()) {
    alert(ep, index, Error::kMalformed);  // authentic, yet no honest peer sends it
    return;
  }
  switch (static_cast<wire::RecordControl>(payload[0])) {
    case wire::RecordControl::kAck: on_ack(ep, index, payload); return;
    case wire::RecordControl::kKeepalive:
      note_ack(p, seq);
      timers::arm(p.timers, TimerId::kAck, now);
      return;
    case wire::RecordControl::kClose: {
      // Ack it under the keys about to go, then wipe them.
      note_ack(p, seq);
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
  if (index == kNoSlot || !ep.s_.peers[index].ctx.ready()) {
    ++ep.counters_.drops.unknown_context;
    return;
  }
  PeerSlot& p = ep.s_.peers[index];
  if (record.size() > sizeof(ep.s_.rx_scratch)) {
    ++ep.counters_.drops.malformed;
    return;
  }
  for (size_t i = 0; i < record.size(); ++i) ep.s_.rx_scratch[i] = record[i];
  const ByteSpan buf(ep.s_.rx_scratch, record.size());
  ConstByteSpan payload;
  record::Opened opened;
  const Error e = record::open_in_place(p.ctx, buf, payload, opened);

  if (e == Error::kReplay || e == Error::kTooOld) {
    ++(e == Error::kReplay ? ep.counters_.drops.replay : ep.counters_.drops.too_old);
    // A resent record that asks for an ack: its ack was lost. Ack it again
    // if it is authentic; the window holds it, so it is not delivered
    // again. A record below the window is another matter: it may never
    // have been delivered, so it is never acked, and its sender learns
    // kDeliveryFailed rather than a false kDelivered.
    // (rx_scratch is unchanged: open refused before decrypting.)
    if (e == Error::kReplay && hdr.kind != record::RecordKind::kData) {
      const ByteSpan scratch(ep.s_.frame_scratch, sizeof(ep.s_.frame_scratch));
      if (ok(record::authenticate_seen(p.ctx, record, scratch, opened))) {
        note_ack(p, opened.seq);
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
    return;
  }

  timers::on_authenticated_rx(p, ep.s_.settings, now);
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
    on_control(ep, index, opened.seq, payload, now);
    return;
  }
  if (opened.kind == record::RecordKind::kConfirmed) {
    note_ack(p, opened.seq);
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
  const size_t need = record::overhead(true, p.ctx.next_sequence(), p.ctx.alg()) + t.len;
  if (need > out.size()) return 0;
  record::Sealed sealed;
  const record::RecordKind kind = t.confirmed ? record::RecordKind::kConfirmed : record::RecordKind::kData;
  if (!ok(record::seal(p.ctx, ConstByteSpan(t.bytes, t.len), out, sealed, kind))) return 0;
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
  const LinkAddr to = addr_of(p);
  for (;;) {
    uint8_t best = kNoSlot;
    for (uint8_t i = 0; i < kTxSlots; ++i) {
      const TxSlot& t = ep.s_.tx[i];
      if (!tx_belongs(t, p, index) || t.state != static_cast<uint8_t>(TxState::kPending)) continue;
      if (best == kNoSlot || static_cast<int32_t>(t.order - ep.s_.tx[best].order) < 0) best = i;
    }
    if (best == kNoSlot) return;
    TxSlot& t = ep.s_.tx[best];
    record::Sealed sealed;
    const record::RecordKind kind = t.confirmed ? record::RecordKind::kConfirmed : record::RecordKind::kData;
    const ByteSpan out(ep.s_.frame_scratch, ep.s_.settings.mtu);
    const Error e = record::seal(p.ctx, ConstByteSpan(t.bytes, t.len), out, sealed, kind);
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
    for (size_t i = 0; i < sealed.size; ++i) t.bytes[i] = out[i];
    t.len = static_cast<uint16_t>(sealed.size);
    t.seq = sealed.seq;
    t.rto = ep.s_.settings.retransmit.initial_ms;
    t.resend_at = now + timers::jittered(t.rto, ep.s_.settings.retransmit);
    const bool sent = transmit(ep, to, ConstByteSpan(t.bytes, t.len)) == TxResult::kSent;
    if (!sent) {
      t.state = static_cast<uint8_t>(TxState::kUnsent);
      return;  // keep the order: later records wait behind this one
    }
    if (t.confirmed) {
      t.state = static_cast<uint8_t>(TxState::kAwaitAck);
    } else {
      tx_free(ep, best);
    }
  }
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
    t.rto = timers::backoff(t.rto, rs);
    t.resend_at = now + timers::jittered(t.rto, rs);
    (void)transmit(ep, to, ConstByteSpan(t.bytes, t.len));
  }
}

void EndpointAccess::peer_timers(Ep& ep, uint8_t index, uint32_t now) noexcept {
  PeerSlot& p = ep.s_.peers[index];
  if (!is_active(p)) return;
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
