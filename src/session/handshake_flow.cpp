// SPDX-License-Identifier: Apache-2.0
// EDHOC over frames: correlation, duplicates, fragments, retransmission and
// the public-key steps, one per poll().
//
// input() only files a message into its handshake slot; poll() runs the
// step that needs a public-key operation. A message that does not verify
// puts the slot back to waiting for the genuine one, so a forged frame costs
// the attacker a frame and the victim one step, never the handshake.

#include "endpoint_internal.h"
#include "hush/cbor.h"
#include "hush/ct.h"
#include "reassembly.h"

namespace hush::session::detail {

namespace {

// A one-byte CBOR int as a connection identifier, in the byte-string form
// the EDHOC engine and the record layer use.
edhoc::ConnId conn_id(uint8_t wire_byte) noexcept {
  return edhoc::ConnId::from_bytes(ConstByteSpan(&wire_byte, 1));
}

bool one_byte_int(uint8_t b) noexcept {
  return b <= 0x17 || (b >= 0x20 && b <= 0x37);
}

// G_X and C_I of a message_1 (METHOD, SUITES_I, G_X, C_I, ?EAD_1), read
// without an engine: duplicates and simultaneous opens are recognised before
// any state is spent. Full validation is process_message_1's.
bool peek_message_1(ConstByteSpan m1, ConstByteSpan& g_x, int& c_i, int& method, int& suite) noexcept {
  cbor::Decoder d(m1);
  int64_t m = 0;
  ConstByteSpan suites, c;
  if (!ok(d.read_int(m)) || !ok(d.read_item(suites)) || !ok(d.read_bstr(g_x))) return false;
  if (g_x.size() != crypto::kCoordLen || m < 0 || m > 3) return false;
  method = static_cast<int>(m);
  // SUITES_I: an int, or an array whose last entry is the selected suite.
  suite = -1;
  if (suites.size() == 1 && suites[0] <= 0x17) {
    suite = suites[0];
  } else if (suites.size() >= 2 && (suites[0] & 0xE0) == 0x80 && suites[suites.size() - 1] <= 0x17) {
    suite = suites[suites.size() - 1];
  }
  c_i = -1;
  cbor::Major major;
  if (!ok(d.peek(major))) return false;
  if (major == cbor::Major::kBstr) return ok(d.read_bstr(c));  // not a one-byte id: refused by the caller
  if (!ok(d.read_item(c)) || c.size() != 1 || !one_byte_int(c[0])) return false;
  c_i = c[0];
  return true;
}

}  // namespace

HandshakeSlot* EndpointAccess::slot_of(Ep& ep, uint8_t peer) noexcept {
  const uint8_t h = ep.s_.peers[peer].handshake;
  // A rekey's EDHOC run travels inside records (rekey.cpp): plaintext
  // EDHOC frames never reach it.
  return h == kNoSlot || ep.s_.handshakes[h].rekey ? nullptr : &ep.s_.handshakes[h];
}

namespace {

// Answers to duplicates are limited to one per half initial timeout, so a
// replayed frame cannot make this side transmit at the attacker's rate.
bool reply_allowed(HandshakeSlot& h, const Settings& s, Counters& c, uint32_t now) noexcept {
  if (h.replied && !timers::reached(now, h.last_reply + s.retransmit.initial_ms / 2)) {
    ++c.drops.rate_limited;
    return false;
  }
  h.replied = true;
  h.last_reply = now;
  return true;
}

}  // namespace

// --- Sending flights -----------------------------------------------------------

void EndpointAccess::send_flight(Ep& ep, uint8_t index, uint32_t now) noexcept {
  HandshakeSlot& h = ep.s_.handshakes[index];
  const PeerSlot& p = ep.s_.peers[h.peer];
  const LinkAddr to = addr_of(p);
  const size_t mtu = ep.s_.settings.mtu;
  h.flight_pending = false;
  const ConstByteSpan flight(h.flight, h.flight_len);
  if (flight.size() <= mtu) {
    // A whole frame, stored as sent (message_3 may carry a record).
    if (transmit(ep, to, flight) == TxResult::kBusy) h.flight_pending = true;
    return;
  }
  // Too large for one frame: the stored message (after its header) goes out
  // in fragments, every one of them each time, so a lost fragment is
  // recovered by the next retransmission of the flight.
  const EdhocKind kind = static_cast<EdhocKind>(h.flight_kind);
  const ConstByteSpan message = flight.subspan(edhoc_header_len(kind));
  size_t offset = 0;
  while (offset < message.size()) {
    size_t len = 0, taken = 0;
    const ByteSpan out(ep.s_.frame_scratch, mtu);
    const uint8_t flags = kind == EdhocKind::kMessage1 ? h.flight_flags : 0;
    if (!ok(compose_fragment(kind, h.flight_cid, message, offset, out, len, taken, flags))) return;
    if (transmit(ep, to, ConstByteSpan(out.data(), len)) == TxResult::kBusy) {
      h.flight_pending = true;
      return;
    }
    offset += taken;
  }
  (void)now;
}

// Where a message of `kind` is composed in the slot's flight buffer: after
// its frame header, so nothing is copied and nothing large sits on the stack.
ByteSpan EndpointAccess::flight_body(HandshakeSlot& h, EdhocKind kind) noexcept {
  const size_t hl = edhoc_header_len(kind);
  return ByteSpan(h.flight + hl, sizeof(h.flight) - hl);
}

// The flight buffer holds a composed message (and maybe a record after it):
// writes the frame header, sends it, and arms the retransmission timer.
void EndpointAccess::start_flight(Ep& ep, uint8_t index, EdhocKind kind, uint8_t cid, size_t message_len,
                                  size_t record_len, uint32_t now) noexcept {
  HandshakeSlot& h = ep.s_.handshakes[index];
  h.flight[0] = static_cast<uint8_t>(static_cast<uint8_t>(kind) | (record_len != 0 ? wire::kFrameWithRecord : 0) |
                                     (kind == EdhocKind::kMessage1 ? h.flight_flags : 0));
  if (kind_has_cid(kind)) h.flight[1] = cid;
  h.flight_len = static_cast<uint16_t>(edhoc_header_len(kind) + message_len + record_len);
  h.flight_kind = static_cast<uint8_t>(kind);
  h.flight_cid = cid;
  h.rto = ep.s_.settings.retransmit.initial_ms;
  h.retries = 0;
  h.replied = false;
  EndpointAccess::send_flight(ep, index, now);
  // The responder never resends on its own: it answers a resent message_1
  // or message_3, so an unauthenticated initiator cannot make it transmit
  // more than it receives. The timer then only bounds how long it waits.
  timers::arm(h.timers, TimerId::kRetransmit, now + timers::jittered(h.rto, ep.s_.settings.retransmit));
}

void EndpointAccess::handshake_fail(Ep& ep, uint8_t index, HandshakeFailure why, Error error) noexcept {
  HandshakeSlot& h = ep.s_.handshakes[index];
  const uint8_t peer = h.peer;
  const bool tell = ep.s_.peers[peer].app_known;
  Event ev;
  ev.type = EventType::kHandshakeFailed;
  ev.failure = why;
  ev.error = error;
  ev.peer_error_code = h.last_peer_error;
  log(ep, "handshake failed", error);
  if (tell) {
    end_session(ep, peer, ev);
  } else {
    // A half-open responder handshake the application never saw: drop it
    // quietly (it may have been an attacker's message_1).
    handshake_release(ep, index);
    peer_release(ep, peer);
  }
}

// --- Timers ---------------------------------------------------------------------

void EndpointAccess::handshake_timers(Ep& ep, uint8_t index, uint32_t now) noexcept {
  HandshakeSlot& h = ep.s_.handshakes[index];
  if (h.step == HandshakeStep::kFree) return;
  if (h.rekey) {
    rekey_timers(ep, index, now);
    return;
  }
  if (timers::due(h.timers, TimerId::kReassembly, now)) {
    timers::cancel(h.timers, TimerId::kReassembly);
    if (reassembly_active(h.reassembly)) {
      ++ep.counters_.drops.fragment;
      reassembly_reset(h.reassembly);
      if (h.step == HandshakeStep::kReassemble1) {
        handshake_fail(ep, index, HandshakeFailure::kTimeout, Error::kNeedMore);
        return;
      }
    }
  }
  if (h.flight_pending && h.flight_len != 0) send_flight(ep, index, now);
  if (!timers::due(h.timers, TimerId::kRetransmit, now)) return;
  const RetransmitSettings& rs = ep.s_.settings.retransmit;
  if (h.retries >= rs.retries) {
    // A message that failed verification and no genuine one after it is
    // reported as such; plain silence as a timeout.
    const bool verification = h.last_failure != Error::kOk;
    handshake_fail(ep, index, verification ? HandshakeFailure::kVerification : HandshakeFailure::kTimeout,
                   verification ? h.last_failure : Error::kNeedMore);
    return;
  }
  ++h.retries;
  h.rto = timers::backoff(h.rto, rs);
  timers::arm(h.timers, TimerId::kRetransmit, now + timers::jittered(h.rto, rs));
  // Only the initiator resends on a timer, and only a flight it has sent.
  const bool resend = h.initiator && h.flight_len != 0 &&
                      (h.step == HandshakeStep::kAwaitMessage2 || h.step == HandshakeStep::kAwaitConfirm);
  if (resend) {
    ++ep.counters_.retransmissions;
    send_flight(ep, index, now);
  }
}

// --- Input ------------------------------------------------------------------------

void EndpointAccess::on_fragment(Ep& ep, const Frame& f, const LinkAddr& from, uint32_t now) noexcept {
  HandshakeSlot* h = nullptr;
  uint8_t index = kNoSlot;
  if (f.edhoc == EdhocKind::kMessage1) {
    // No identifier yet: message_1 fragments are gathered per link address.
    // That is a routing hint, not trust; the message is checked whole.
    for (uint8_t i = 0; i < kMaxHandshakes; ++i) {
      HandshakeSlot& c = ep.s_.handshakes[i];
      if (c.step == HandshakeStep::kReassemble1 && addr_of(ep.s_.peers[c.peer]) == from) {
        h = &c;
        index = i;
      }
    }
    if (h == nullptr) {
      if (!config::kResponder || !ep.s_.settings.accept_incoming) {
        ++ep.counters_.drops.unknown_context;
        return;
      }
      uint8_t p = kNoSlot;
      for (int attempt = 0; attempt < 2 && index == kNoSlot; ++attempt) {
        p = peer_alloc(ep, from, false, -1);
        index = p == kNoSlot ? kNoSlot : handshake_alloc(ep, false, p, now);
        if (index == kNoSlot) {
          if (p != kNoSlot) peer_release(ep, p);
          if (attempt == 0 && !evict_half_open(ep, now)) break;
        }
      }
      if (index == kNoSlot) {
        ++ep.counters_.drops.no_resources;
        return;
      }
      ep.s_.peers[p].handshake = index;
      h = &ep.s_.handshakes[index];
    }
  } else {
    const uint8_t p = peer_by_own_id(ep, f.cid);
    h = p == kNoSlot ? nullptr : slot_of(ep, p);
    if (h == nullptr) {
      ++ep.counters_.drops.unknown_context;
      return;
    }
    index = ep.s_.peers[p].handshake;
    // Only the message this step waits for (or the resent message_2 that
    // says our message_3 was lost) may take the reassembly buffer.
    const bool expected =
        (h->initiator && f.edhoc == EdhocKind::kMessage2 &&
         (h->step == HandshakeStep::kAwaitMessage2 || h->step == HandshakeStep::kAwaitConfirm)) ||
        (h->initiator && f.edhoc == EdhocKind::kMessage4 && h->step == HandshakeStep::kAwaitConfirm) ||
        (!h->initiator && f.edhoc == EdhocKind::kMessage3 && h->step == HandshakeStep::kAwaitMessage3) ||
        f.edhoc == EdhocKind::kError;
    if (!expected) {
      ++ep.counters_.drops.fragment;
      return;
    }
  }
  const Error e = reassembly_add(h->reassembly, static_cast<uint8_t>(static_cast<uint8_t>(f.edhoc) | f.m1_flags),
                                 f.frag_total, f.frag_offset, f.body);
  if (e == Error::kInvalidState) {
    // It disagreed with what was gathered, and replaced it: whichever was
    // forged, the sender's next flight completes the genuine message.
    ++ep.counters_.drops.fragment;
    timers::arm(h->timers, TimerId::kReassembly, now + ep.s_.settings.reassembly_timeout_ms);
    return;
  }
  if (e == Error::kNeedMore) {
    if (!timers::armed(h->timers, TimerId::kReassembly)) {
      timers::arm(h->timers, TimerId::kReassembly, now + ep.s_.settings.reassembly_timeout_ms);
    }
    return;
  }
  if (!ok(e)) {
    ++ep.counters_.drops.fragment;
    return;
  }
  // Complete: handle it as if it had come whole, straight from the
  // reassembly buffer, then free that buffer for the next message.
  timers::cancel(h->timers, TimerId::kReassembly);
  Frame g = f;
  g.type = FrameType::kEdhoc;
  on_edhoc(ep, g, ConstByteSpan(h->reassembly.buf, h->reassembly.total), from, now);
  reassembly_reset(ep.s_.handshakes[index].reassembly);
}

void EndpointAccess::on_message_1(Ep& ep, uint8_t flags, ConstByteSpan body, const LinkAddr& from,
                                  uint32_t now) noexcept {
  if constexpr (!config::kResponder) {
    (void)flags;
    (void)body;
    (void)from;
    (void)now;
    ++ep.counters_.drops.unknown_context;
    return;
  } else {
    // The key-knowledge MAC first: junk costs one HMAC and nothing else.
    Message1Parts parts;
    if (!split_message_1(flags, body, parts)) {
      ++ep.counters_.drops.malformed;
      return;
    }
    if (!key_mac_ok(ep, parts, from)) return;
    on_message_1_responder(ep, parts, 1 + body.size(), from, now);
  }
}

void EndpointAccess::on_message_1_responder(Ep& ep, const Message1Parts& parts, size_t frame_len, const LinkAddr& from,
                                            uint32_t now) noexcept {
  const ConstByteSpan m1 = parts.message;
  // A responder slot already gathering this message_1's fragments, if any.
  // Every way out below that does not take the message into it frees it.
  uint8_t target = kNoSlot;
  for (uint8_t i = 0; i < kMaxHandshakes; ++i) {
    const HandshakeSlot& h = ep.s_.handshakes[i];
    if (!h.initiator && h.step == HandshakeStep::kReassemble1 && addr_of(ep.s_.peers[h.peer]) == from) target = i;
  }
  ConstByteSpan g_x;
  int c_i = -1;
  int method = -1, suite = -1;
  if (!peek_message_1(m1, g_x, c_i, method, suite)) {
    ++ep.counters_.drops.malformed;
    drop_half_open(ep, target);
    return;
  }
  // Refused before any slot or generation is spent on it: a method or
  // suite this endpoint does not run, or an identifier hush cannot use.
  if (method != static_cast<int>(ep.s_.settings.method) || suite != ep.s_.settings.suite || c_i < 0) {
    ++ep.counters_.drops.malformed;
    log(ep, "message_1 refused", Error::kUnsupported);
    drop_half_open(ep, target);
    return;
  }
  for (uint8_t i = 0; i < kMaxHandshakes; ++i) {
    HandshakeSlot& h = ep.s_.handshakes[i];
    // A rekey's slot is no plaintext handshake: its flight travels sealed
    // inside the session, and must never go out as an answer to a frame.
    if (h.step == HandshakeStep::kFree || h.initiator || h.rekey || h.step == HandshakeStep::kReassemble1) continue;
    if (!ct::equal(ConstByteSpan(h.g_x), g_x)) continue;
    // The same message_1 again: our message_2 was lost. Resend it, never
    // process message_1 twice (RFC 9528 §7).
    ++ep.counters_.drops.duplicate;
    drop_half_open(ep, target);
    if (h.step == HandshakeStep::kAwaitMessage3 && reply_allowed(h, ep.s_.settings, ep.counters_, now)) {
      ++ep.counters_.retransmissions;
      send_flight(ep, i, now);
    }
    return;
  }
  if (!config::kResponder || !ep.s_.settings.accept_incoming) {
    // A side that cannot answer keeps its own handshake, whatever the
    // tie-break would say.
    ++ep.counters_.drops.unknown_context;
    drop_half_open(ep, target);
    return;
  }
  // RFC 9528 §9.8 simultaneous open: we are connecting to the address this
  // message_1 came from. The handshake with the larger G_X goes on. If it is
  // ours, theirs is dropped. If it is theirs, we answer it as responder but
  // keep our own handshake too: the address proves nothing, and a forged
  // message_1 must not end our connect(). Whichever authenticates first
  // takes the application's handle (responder_step, kProcessMessage3).
  uint8_t adopt_for = kNoSlot;
  for (uint8_t i = 0; i < kMaxHandshakes; ++i) {
    const HandshakeSlot& h = ep.s_.handshakes[i];
    if (!h.initiator || !(addr_of(ep.s_.peers[h.peer]) == from)) continue;
    if (h.step != HandshakeStep::kSendMessage1 && h.step != HandshakeStep::kAwaitMessage2) continue;
    ++ep.counters_.simultaneous_opens;
    if (h.step == HandshakeStep::kSendMessage1) {
      // Ours is not out yet: wait; the peer resends, and then the tie-break runs.
      drop_half_open(ep, target);
      return;
    }
    int cmp = 0;
    for (size_t k = 0; k < crypto::kCoordLen && cmp == 0; ++k) cmp = int{h.g_x[k]} - int{g_x[k]};
    if (cmp > 0) {
      drop_half_open(ep, target);
      return;  // ours goes on: the peer answers our message_1
    }
    adopt_for = h.peer;
  }
  // A new handshake: cookie (or a cookie retry, and nothing kept) and rate limits.
  if (!admit_message_1(ep, parts, frame_len, static_cast<uint8_t>(c_i), from, now)) {
    drop_half_open(ep, target);
    return;
  }

  uint8_t index = target;
  uint8_t peer = kNoSlot;
  for (int attempt = 0; attempt < 2 && index == kNoSlot; ++attempt) {
    peer = peer_alloc(ep, from, false, c_i);
    index = peer == kNoSlot ? kNoSlot : handshake_alloc(ep, false, peer, now);
    if (index == kNoSlot) {
      if (peer != kNoSlot) peer_release(ep, peer);
      // Full: like a SYN cache, the oldest half-open responder handshake
      // that the application never saw gives way. message_1 is not
      // authenticated, so a full pool must not lock genuine peers out for
      // a whole timeout (the key-knowledge MAC keeps junk out earlier).
      if (attempt == 0 && !evict_half_open(ep, now)) break;
    }
  }
  if (index == kNoSlot) {
    ++ep.counters_.drops.no_resources;
    return;
  }
  HandshakeSlot& h = ep.s_.handshakes[index];
  peer = h.peer;
  PeerSlot& p = ep.s_.peers[peer];
  p.handshake = index;
  if (static_cast<int>(p.own_id) == c_i) {
    uint8_t id = 0;
    if (!choose_id(ep, c_i, id)) {
      drop_half_open(ep, index);
      ++ep.counters_.drops.no_resources;
      return;
    }
    p.own_id = id;
  }
  edhoc::Message1Info info;
  const Error e = responder(h).process_message_1(m1, info);
  if (!ok(e)) {
    // Nothing is kept. (An EDHOC error reply would let anyone make this
    // side transmit; the initiator times out instead, and its application
    // sees why.)
    ++ep.counters_.drops.malformed;
    log(ep, "message_1 refused", e);
    drop_half_open(ep, index);
    return;
  }
  for (size_t k = 0; k < crypto::kCoordLen; ++k) h.g_x[k] = g_x[k];
  p.peer_id = static_cast<uint8_t>(c_i);
  p.adopt_for = adopt_for;
  p.adopt_generation = adopt_for == kNoSlot ? 0 : ep.s_.peers[adopt_for].generation;
  h.step = HandshakeStep::kSendMessage2;
  ++ep.counters_.handshakes_started;
}

void EndpointAccess::on_edhoc(Ep& ep, const Frame& f, ConstByteSpan message, const LinkAddr& from,
                              uint32_t now) noexcept {
  if (message.size() > kMaxEdhocMessage) {
    ++ep.counters_.drops.malformed;
    return;
  }
  if (f.edhoc == EdhocKind::kMessage1) {
    on_message_1(ep, f.m1_flags, message, from, now);
    return;
  }
  const uint8_t peer = peer_by_own_id(ep, f.cid);
  if (peer == kNoSlot) {
    ++ep.counters_.drops.unknown_context;
    return;
  }
  PeerSlot& p = ep.s_.peers[peer];
  HandshakeSlot* h = slot_of(ep, peer);

  if (f.edhoc == EdhocKind::kError) {
    // Unauthenticated: it is noted for the failure report and changes
    // nothing, so a forged error cannot end a handshake.
    edhoc::PeerError pe;
    if (h == nullptr || !ok(edhoc::parse_error(message, pe))) {
      ++ep.counters_.drops.malformed;
      return;
    }
    h->last_peer_error = pe.code;
    log(ep, "EDHOC error message noted", Error::kPeerError);
    return;
  }

  if (f.edhoc == EdhocKind::kMessage2) {
    if (h == nullptr || !h->initiator) {
      ++ep.counters_.drops.unknown_context;
      return;
    }
    if (h->step == HandshakeStep::kAwaitMessage2) {
      for (size_t i = 0; i < message.size(); ++i) h->rx[i] = message[i];
      h->rx_len = static_cast<uint16_t>(message.size());
      h->step = HandshakeStep::kProcessMessage2;
      return;
    }
    ++ep.counters_.drops.duplicate;
    // Our message_3 was lost and the responder resent message_2: resend
    // message_3 (stored, never regenerated: with ECDSA it is randomized).
    if (h->step == HandshakeStep::kAwaitConfirm && reply_allowed(*h, ep.s_.settings, ep.counters_, now)) {
      ++ep.counters_.retransmissions;
      send_flight(ep, p.handshake, now);
    }
    return;
  }

  if (f.edhoc == EdhocKind::kMessage3) {
    if (p.initiator) {
      ++ep.counters_.drops.unknown_context;
      return;
    }
    if (h != nullptr && h->step == HandshakeStep::kAwaitMessage3) {
      if (message.size() + f.record.size() > sizeof(h->rx)) {
        ++ep.counters_.drops.malformed;
        return;
      }
      for (size_t i = 0; i < message.size(); ++i) h->rx[i] = message[i];
      for (size_t i = 0; i < f.record.size(); ++i) h->rx[message.size() + i] = f.record[i];
      h->rx_len = static_cast<uint16_t>(message.size());
      h->rx_record_len = static_cast<uint16_t>(f.record.size());
      h->step = HandshakeStep::kProcessMessage3;
      return;
    }
    ++ep.counters_.drops.duplicate;
    // The initiator did not see our confirmation and resent message_3: the
    // same bytes as the one we accepted, and only until the initiator's own
    // records show that it has the confirmation. Then confirm again (rate
    // limited), and let the record layer judge the record that rode along.
    if (h != nullptr || p.state != static_cast<uint8_t>(PeerState::kEstablished) || !p.m3_digest_set) return;
    uint8_t digest[kMessage3DigestLen];
    message_3_digest(message, digest);
    if (!ct::equal(ConstByteSpan(digest), ConstByteSpan(p.m3_digest))) return;
    const uint32_t gap = ep.s_.settings.retransmit.initial_ms / 2;
    if (p.reconfirmed && !timers::reached(now, p.last_reconfirm + gap)) {
      ++ep.counters_.drops.rate_limited;
      return;
    }
    p.reconfirmed = true;
    p.last_reconfirm = now;
    if (!f.record.empty()) on_record(ep, f.record, from, now);
    if (peer_by_own_id(ep, f.cid) != peer) return;
    p.ack_pending = true;
    timers::arm(p.timers, TimerId::kAck, now);
    return;
  }

  // message_4: hush responders confirm with a record instead, but a peer
  // may send it; it confirms the keys like any record.
  if (h == nullptr || !h->initiator || h->step != HandshakeStep::kAwaitConfirm) {
    ++ep.counters_.drops.unknown_context;
    return;
  }
  if constexpr (config::kInitiator) {
    ConstByteSpan ead_4;
    const Error e = initiator(*h).process_message_4(message, ead_4);
    if (!ok(e)) {
      ++(e == Error::kAuthFailed ? ep.counters_.drops.auth_fail : ep.counters_.drops.malformed);
      return;
    }
    established(ep, peer, now);
  }
}

// --- The public-key steps, one per poll() ------------------------------------------

void EndpointAccess::count_drop(Ep& ep, Error e) noexcept {
  if (e == Error::kAuthFailed || e == Error::kUnknownCredential) {
    ++ep.counters_.drops.auth_fail;
  } else {
    ++ep.counters_.drops.malformed;
  }
}

// Derives the session's security context from the finished handshake.
Error EndpointAccess::derive_context(Ep& ep, edhoc::detail::Handshake& hs, PeerSlot& p, record::SecurityContext* into,
                                     bool phase) noexcept {
  uint8_t secret[16], salt[wire::kOscoreMasterSaltLen];
  Error e = hs.oscore_secrets(secret, salt);
  if (ok(e)) {
    record::EdhocSecrets in;
    in.alg = record::aead_for_suite(ep.s_.settings.suite);
    in.master_secret = ConstByteSpan(secret);
    in.master_salt = ConstByteSpan(salt);
    const uint8_t c_i = p.initiator ? p.own_id : p.peer_id;
    const uint8_t c_r = p.initiator ? p.peer_id : p.own_id;
    in.c_i = ConstByteSpan(&c_i, 1);
    in.c_r = ConstByteSpan(&c_r, 1);
    in.side = p.initiator ? record::Side::kInitiator : record::Side::kResponder;
    record::ContextOptions opt;
    opt.limits = ep.s_.settings.limits;
    opt.send_cid = true;
    opt.key_phase = phase;
    e = (into != nullptr ? *into : p.ctx()).derive(in, opt);
  }
  ct::wipe_object(secret);
  ct::wipe_object(salt);
  return e;
}

namespace {

bool copy_kid(PeerSlot& p, const edhoc::IdCredView& id) noexcept {
  if (!id.is_kid || id.kid.size() > sizeof(p.kid)) return false;
  for (size_t i = 0; i < id.kid.size(); ++i) p.kid[i] = id.kid[i];
  p.kid_len = static_cast<uint8_t>(id.kid.size());
  return true;
}

}  // namespace

uint8_t EndpointAccess::adopt(Ep& ep, uint8_t index) noexcept {
  HandshakeSlot& h = ep.s_.handshakes[index];
  const uint8_t temp = h.peer;
  const PeerSlot& t = ep.s_.peers[temp];
  const uint8_t target = t.adopt_for;
  if (target == kNoSlot) return temp;
  PeerSlot& app = ep.s_.peers[target];
  if (app.state != static_cast<uint8_t>(PeerState::kConnecting) || !app.app_known || !app.initiator ||
      app.generation != t.adopt_generation) {
    return temp;  // the connect() it answered is over; this stays a session of its own
  }
  if (app.handshake != kNoSlot) handshake_release(ep, app.handshake);
  app.handshake = index;
  app.initiator = false;
  app.own_id = t.own_id;
  app.peer_id = t.peer_id;
  app.kid_len = t.kid_len;
  for (size_t i = 0; i < t.kid_len; ++i) app.kid[i] = t.kid[i];
  h.peer = target;
  peer_release(ep, temp);
  return target;
}

void EndpointAccess::message_3_digest(ConstByteSpan message_3, uint8_t (&digest)[kMessage3DigestLen]) noexcept {
  crypto::Sha256 st;
  uint8_t full[crypto::kHashLen] = {};
  if (ok(crypto::sha256_start(st)) && ok(crypto::sha256_update(st, message_3)) && ok(crypto::sha256_finish(st, full))) {
    for (size_t i = 0; i < kMessage3DigestLen; ++i) digest[i] = full[i];
  } else {
    crypto::sha256_abort(st);
    // No digest: no resent message_3 will match, and the initiator's own
    // retransmission budget ends its wait instead.
    for (size_t i = 0; i < kMessage3DigestLen; ++i) digest[i] = static_cast<uint8_t>(~full[i]);
  }
}

// Each role's steps in a function of its own, so that a firmware built for
// one role links none of the other's.
bool EndpointAccess::initiator_step(Ep& ep, uint8_t index, uint32_t now) noexcept {
  HandshakeSlot& h = ep.s_.handshakes[index];
  PeerSlot& p = ep.s_.peers[h.peer];
  size_t out_len = 0;
  switch (h.step) {
    case HandshakeStep::kSendMessage1: {
      edhoc::Message1Params params;
      params.method = ep.s_.settings.method;
      const uint8_t suites[1] = {ep.s_.settings.suite};
      params.suites_i = ConstByteSpan(suites);
      params.c_i = conn_id(p.own_id);
      // Room for the key-knowledge MAC and a cookie in front of message_1.
      const ByteSpan out = flight_body(h, EdhocKind::kMessage1).subspan(message_1_prefix(h));
      const Error e = initiator(h).prepare_message_1(params, out, out_len);
      if (!ok(e)) {
        handshake_fail(ep, index, HandshakeFailure::kLocal, e);
        return true;
      }
      ConstByteSpan g_x;
      int unused_c_i = -1, unused_method = -1, unused_suite = -1;
      if (peek_message_1(out.first(out_len), g_x, unused_c_i, unused_method, unused_suite)) {
        for (size_t k = 0; k < crypto::kCoordLen; ++k) h.g_x[k] = g_x[k];
      }
      h.step = HandshakeStep::kAwaitMessage2;
      fill_message_1_prefix(ep, index, out_len);
      start_flight(ep, index, EdhocKind::kMessage1, 0, message_1_prefix(h) + out_len, 0, now);
      return true;
    }

    case HandshakeStep::kProcessMessage2: {
      edhoc::Message2Info info;
      const Error e = initiator(h).process_message_2(ConstByteSpan(h.rx, h.rx_len), info);
      h.rx_len = 0;
      if (!ok(e)) {
        count_drop(ep, e);
        h.step = HandshakeStep::kAwaitMessage2;
        return true;
      }
      // The session layer's records carry one-byte identifiers.
      if (info.c_r.view().size() != 1 || !one_byte_int(info.c_r.view()[0]) || info.c_r.view()[0] == p.own_id ||
          !copy_kid(p, info.id_cred_r)) {
        ++ep.counters_.drops.malformed;
        h.step = HandshakeStep::kAwaitMessage2;
        return true;
      }
      if (!ep.s_.platform.lookup(ep.s_.platform.user, info.id_cred_r, h.peer_cred)) {
        // Not yet authenticated: a forged message_2 can name any kid. Wait
        // for the genuine one; the failure report says why if none comes.
        count_drop(ep, Error::kUnknownCredential);
        h.last_failure = Error::kUnknownCredential;
        h.step = HandshakeStep::kAwaitMessage2;
        return true;
      }
      p.peer_id = info.c_r.view()[0];
      h.step = HandshakeStep::kVerifyMessage2;
      return true;
    }

    case HandshakeStep::kVerifyMessage2: {
      const Error e = initiator(h).verify_message_2(h.peer_cred);
      if (!ok(e)) {
        count_drop(ep, e);
        h.last_failure = e;
        h.step = HandshakeStep::kAwaitMessage2;
        return true;
      }
      h.step = HandshakeStep::kSendMessage3;
      return true;
    }

    case HandshakeStep::kSendMessage3: {
      const ByteSpan out = flight_body(h, EdhocKind::kMessage3);
      const Error e = initiator(h).prepare_message_3(ep.s_.self, ConstByteSpan(), out, out_len);
      const Error d = ok(e) ? derive_context(ep, initiator(h), p) : e;
      if (!ok(d)) {
        handshake_fail(ep, index, HandshakeFailure::kLocal, d);
        return true;
      }
      // First data with message_3: the oldest queued payload rides in the
      // same frame if the whole frame fits the MTU.
      size_t rec_len = 0;
      const size_t head = edhoc_header_len(EdhocKind::kMessage3) + out_len;
      if (head < ep.s_.settings.mtu) {
        rec_len = seal_riding(ep, h.peer, out.subspan(out_len, ep.s_.settings.mtu - head));
      }
      h.step = HandshakeStep::kAwaitConfirm;
      start_flight(ep, index, EdhocKind::kMessage3, p.peer_id, out_len, rec_len, now);
      return true;
    }

    default: break;
  }
  return false;
}

bool EndpointAccess::responder_step(Ep& ep, uint8_t index, uint32_t now) noexcept {
  HandshakeSlot& h = ep.s_.handshakes[index];
  PeerSlot& p = ep.s_.peers[h.peer];
  size_t out_len = 0;
  switch (h.step) {
    case HandshakeStep::kSendMessage2: {
      const ByteSpan out = flight_body(h, EdhocKind::kMessage2);
      const Error e = responder(h).prepare_message_2(ep.s_.self, conn_id(p.own_id), ConstByteSpan(), out, out_len);
      if (e == Error::kNeedMore) return true;  // one public-key operation done, more to come
      if (!ok(e)) {
        handshake_fail(ep, index, HandshakeFailure::kLocal, e);
        return true;
      }
      h.step = HandshakeStep::kAwaitMessage3;
      start_flight(ep, index, EdhocKind::kMessage2, p.peer_id, out_len, 0, now);
      return true;
    }

    case HandshakeStep::kProcessMessage3: {
      edhoc::Message3Info info;
      Error e = responder(h).process_message_3(ConstByteSpan(h.rx, h.rx_len), info);
      if (ok(e) && !copy_kid(p, info.id_cred_i)) e = Error::kUnsupported;
      if (ok(e) && !ep.s_.platform.lookup(ep.s_.platform.user, info.id_cred_i, h.peer_cred)) {
        e = Error::kUnknownCredential;
      }
      if (ok(e)) e = responder(h).verify_message_3(h.peer_cred);
      if (!ok(e)) {
        count_drop(ep, e);
        h.last_failure = e;
        h.rx_len = 0;
        h.rx_record_len = 0;
        h.step = HandshakeStep::kAwaitMessage3;
        return true;
      }
      // Authenticated. A simultaneous open's answer takes over the
      // application's connecting handle (and ends our own attempt).
      const uint8_t peer = adopt(ep, index);
      PeerSlot& q = ep.s_.peers[peer];
      e = derive_context(ep, responder(h), q);
      if (!ok(e)) {
        handshake_fail(ep, index, HandshakeFailure::kLocal, e);
        return true;
      }
      // What a resent message_3 must match to be confirmed again (a forged
      // one must not make this side seal anything).
      message_3_digest(ConstByteSpan(h.rx, h.rx_len), q.m3_digest);
      q.m3_digest_set = true;
      // Connected first, then the record that rode along (it waits in the
      // slot's buffer), then the slot goes. The application may end the
      // session, and even start a new one in the same slots, from inside
      // either event: the handle says whether this session is still there.
      const PeerHandle handle = handle_of(ep, peer);
      established(ep, peer, now, false);
      if (peer_by_handle(ep, handle) == kNoSlot) return true;
      if (h.rx_record_len != 0) on_record(ep, ConstByteSpan(h.rx + h.rx_len, h.rx_record_len), addr_of(q), now);
      if (peer_by_handle(ep, handle) == kNoSlot) return true;
      handshake_release(ep, index);
      q.handshake = kNoSlot;
      // Confirm the keys to the initiator at once: an ack (of the record
      // that rode along, or of nothing) is the proof it waits for.
      q.ack_pending = true;
      timers::arm(q.timers, TimerId::kAck, now);
      return true;
    }

    default: break;
  }
  return false;
}

bool EndpointAccess::handshake_step(Ep& ep, uint32_t now) noexcept {
  for (uint8_t index = 0; index < kMaxHandshakes; ++index) {
    const HandshakeSlot& h = ep.s_.handshakes[index];
    if (!handshake_needs_compute(h)) continue;
    ++ep.counters_.pk_operations;
    if (h.rekey) return rekey_step(ep, index, now);
    if constexpr (config::kInitiator) {
      if (h.initiator) return initiator_step(ep, index, now);
    }
    if constexpr (config::kResponder) {
      if (!h.initiator) return responder_step(ep, index, now);
    }
  }
  return false;
}

}  // namespace hush::session::detail
