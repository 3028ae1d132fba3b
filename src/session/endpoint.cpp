// SPDX-License-Identifier: Apache-2.0
// The Endpoint's API: set-up, the application's calls, input dispatch by
// frame type, poll() and next_deadline(). The protocol steps are in
// handshake_flow.cpp and record_flow.cpp.

#include "cookie.h"
#include "endpoint_internal.h"
#include "hush/cbor.h"
#include "hush/ct.h"

namespace hush::session {

using detail::EndpointAccess;
using detail::HandshakeSlot;
using detail::HandshakeStep;
using detail::PeerSlot;
using detail::TimerId;
using detail::TxSlot;

// --- LinkAddr ------------------------------------------------------------------

LinkAddr LinkAddr::from_bytes(ConstByteSpan b) noexcept {
  LinkAddr a;
  a.len = static_cast<uint8_t>(b.size() > kMaxLen ? kMaxLen : b.size());
  for (size_t i = 0; i < a.len; ++i) a.bytes[i] = b[i];
  return a;
}

LinkAddr LinkAddr::from_u32(uint32_t v) noexcept {
  LinkAddr a;
  a.len = 4;
  for (size_t i = 0; i < 4; ++i) a.bytes[i] = static_cast<uint8_t>(v >> (24 - 8 * i));
  return a;
}

LinkAddr LinkAddr::broadcast() noexcept {
  return LinkAddr{};
}

bool LinkAddr::operator==(const LinkAddr& o) const noexcept {
  if (len != o.len || len > kMaxLen) return false;
  for (size_t i = 0; i < len; ++i) {
    if (bytes[i] != o.bytes[i]) return false;
  }
  return true;
}

namespace detail {

ConstByteSpan EndpointAccess::own_kid(const Ep& ep) noexcept {
  return ConstByteSpan(ep.s_.own_kid, ep.s_.own_kid_len);
}

int EndpointAccess::kid_compare(ConstByteSpan a, ConstByteSpan b) noexcept {
  const size_t n = a.size() < b.size() ? a.size() : b.size();
  for (size_t i = 0; i < n; ++i) {
    if (a[i] != b[i]) return a[i] < b[i] ? -1 : 1;
  }
  return a.size() == b.size() ? 0 : (a.size() < b.size() ? -1 : 1);
}

void EndpointAccess::emit(Ep& ep, Event& ev) noexcept {
  if (ep.s_.platform.event != nullptr) ep.s_.platform.event(ep.s_.platform.user, ev);
}

void EndpointAccess::log(Ep& ep, const char* what, Error reason) noexcept {
  if (ep.s_.platform.log != nullptr) ep.s_.platform.log(ep.s_.platform.user, what, reason);
}

TxResult EndpointAccess::transmit(Ep& ep, const LinkAddr& to, ConstByteSpan frame) noexcept {
  const TxResult r = ep.s_.platform.transmit(ep.s_.platform.user, to, frame);
  if (r == TxResult::kSent) {
    const size_t c = static_cast<size_t>(classify(frame));
    ++ep.counters_.frames_out[c];
    ep.counters_.bytes_out[c] += static_cast<uint32_t>(frame.size());
  }
  return r;
}

LinkAddr EndpointAccess::addr_of(const PeerSlot& p) noexcept {
  return LinkAddr::from_bytes(ConstByteSpan(p.addr, p.addr_len));
}

PeerHandle EndpointAccess::handle_of(const Ep& ep, uint8_t index) noexcept {
  PeerHandle h;
  h.slot = index;
  h.generation = ep.s_.peers[index].generation;
  return h;
}

void EndpointAccess::end_session(Ep& ep, uint8_t index, const Event& why) noexcept {
  PeerSlot& p = ep.s_.peers[index];
  Event ev = why;
  ev.peer = handle_of(ep, index);
  ev.from = addr_of(p);
  if (p.handshake != kNoSlot) handshake_release(ep, p.handshake);
  // Messages that can no longer be delivered are reported, after the
  // session's own event, so the application sees why.
  uint16_t failed[kTxSlots] = {};
  size_t n_failed = 0;
  for (uint8_t i = 0; i < kTxSlots; ++i) {
    TxSlot& t = ep.s_.tx[i];
    if (t.state == static_cast<uint8_t>(TxState::kFree) || t.peer != index || t.generation != p.generation) continue;
    if (t.confirmed && t.control == 0) failed[n_failed++] = t.message;
    tx_free(ep, i);
  }
  peer_release(ep, index);
  emit(ep, ev);
  for (size_t i = 0; i < n_failed; ++i) {
    Event f;
    f.type = EventType::kDeliveryFailed;
    f.peer = ev.peer;
    f.message = failed[i];
    emit(ep, f);
  }
}

}  // namespace detail

// --- API -------------------------------------------------------------------------

Endpoint::~Endpoint() {
  for (uint8_t i = 0; i < kMaxHandshakes; ++i) EndpointAccess::handshake_release(*this, i);
  for (uint8_t i = 0; i < kMaxPeers; ++i) EndpointAccess::peer_release(*this, i);
  for (uint8_t i = 0; i < kTxSlots; ++i) EndpointAccess::tx_free(*this, i);
  ct::wipe_object(s_.dos);
}

Error Endpoint::begin(const Platform& platform, const edhoc::LocalCredential& self, const Settings& settings) noexcept {
  if (platform.transmit == nullptr || platform.event == nullptr || platform.lookup == nullptr) {
    return Error::kInvalidArgument;
  }
  if (settings.mtu < wire::kMinMtu || settings.mtu > kMaxFrame) return Error::kInvalidArgument;
  if (!config::method_enabled(static_cast<unsigned>(settings.method)) || !config::suite_enabled(settings.suite)) {
    return Error::kUnsupported;
  }
  if (self.cred.empty() || self.id_cred.empty()) return Error::kInvalidArgument;
  if (settings.retransmit.initial_ms == 0 || settings.retransmit.max_ms < settings.retransmit.initial_ms ||
      settings.dead_after == 0) {
    return Error::kInvalidArgument;
  }
  if (s_.ready) return Error::kInvalidState;
  // Our own kid, from ID_CRED = {4: kid}.
  cbor::Decoder d(self.id_cred);
  size_t n = 0;
  int64_t label = 0;
  ConstByteSpan kid;
  if (!ok(d.read_map(n)) || n != 1 || !ok(d.read_int(label)) || label != wire::kCoseHeaderKid ||
      !ok(d.read_bstr(kid)) || kid.empty() || kid.size() > sizeof(s_.own_kid)) {
    return Error::kInvalidArgument;
  }
  for (size_t i = 0; i < kid.size(); ++i) s_.own_kid[i] = kid[i];
  s_.own_kid_len = static_cast<uint8_t>(kid.size());
  // Our key-knowledge MAC key, from our own credential, once: a message_1
  // then costs one HMAC to check. Responders only, like the serial they announce.
  if constexpr (config::kResponder) {
    if (!ok(key_mac_key(self.cred, s_.dos.key_mac_key))) return Error::kCryptoFailed;
  }
  s_.platform = platform;
  s_.self = self;
  s_.settings = settings;
  if constexpr (config::kResponder) (void)EndpointAccess::own_serial(*this);
  s_.ready = true;
  return Error::kOk;
}

Error Endpoint::connect(const LinkAddr& to, PeerHandle& peer, uint32_t now, const ConnectOptions& options) noexcept {
  peer = PeerHandle{};
  if (!s_.ready) return Error::kInvalidState;
  if (!config::kInitiator) return Error::kUnsupported;
  if (to.is_broadcast() || to.len > LinkAddr::kMaxLen) return Error::kInvalidArgument;
  if (!options.cookie.empty() && options.cookie.size() != wire::kCookieLen) return Error::kInvalidArgument;
  // The server's credential keys the key-knowledge MAC: given, or looked up by kid.
  ConstByteSpan cred_r = options.peer_cred;
  if (cred_r.empty() && !options.peer_kid.empty()) {
    if (options.peer_kid.size() > edhoc::kMaxKidLen) return Error::kInvalidArgument;
    uint8_t map[3 + edhoc::kMaxKidLen] = {0xA1, static_cast<uint8_t>(wire::kCoseHeaderKid),
                                          static_cast<uint8_t>(0x40 | options.peer_kid.size())};
    for (size_t i = 0; i < options.peer_kid.size(); ++i) map[3 + i] = options.peer_kid[i];
    edhoc::IdCredView id;
    id.is_kid = true;
    id.kid = options.peer_kid;
    id.map = ConstByteSpan(map, 3 + options.peer_kid.size());
    edhoc::PeerCredential pc;
    if (!s_.platform.lookup(s_.platform.user, id, pc) || pc.cred.empty()) return Error::kUnknownCredential;
    cred_r = pc.cred;
  }
  uint8_t mac_key[wire::kKeyMacKeyLen] = {};
  if (!cred_r.empty() && s_.settings.dos.key_mac && !ok(key_mac_key(cred_r, mac_key))) {
    return Error::kCryptoFailed;
  }
  uint8_t p = kNoSlot, h = kNoSlot;
  for (int attempt = 0; attempt < 2 && h == kNoSlot; ++attempt) {
    p = EndpointAccess::peer_alloc(*this, to, true, -1);
    h = p == kNoSlot ? kNoSlot : EndpointAccess::handshake_alloc(*this, true, p, now);
    if (h == kNoSlot) {
      if (p != kNoSlot) EndpointAccess::peer_release(*this, p);
      // The application's own handshake outranks a stale half-open one.
      if (attempt == 0 && !EndpointAccess::evict_half_open(*this, now)) break;
    }
  }
  if (h == kNoSlot) {
    ct::wipe_object(mac_key);
    return Error::kBufferTooSmall;
  }
  s_.peers[p].handshake = h;
  s_.peers[p].app_known = true;
  HandshakeSlot& hs = s_.handshakes[h];
  hs.key_mac = !cred_r.empty() && s_.settings.dos.key_mac;
  for (size_t i = 0; i < wire::kKeyMacKeyLen; ++i) hs.key_mac_key[i] = mac_key[i];
  ct::wipe_object(mac_key);
  hs.has_cookie = !options.cookie.empty();
  for (size_t i = 0; i < options.cookie.size(); ++i) hs.cookie[i] = options.cookie[i];
  ++counters_.handshakes_started;
  // message_1 is prepared by the next poll(): it costs a key generation.
  peer = EndpointAccess::handle_of(*this, p);
  return Error::kOk;
}

size_t Endpoint::max_payload(PeerHandle peer) const noexcept {
  const uint8_t p = EndpointAccess::peer_by_handle(*this, peer);
  if (p == kNoSlot) return 0;
  const record::SecurityContext& ctx = s_.peers[p].ctx();
  const uint64_t seq = ctx.ready() ? ctx.next_sequence() : 0;
  const crypto::Aead alg = record::aead_for_suite(s_.settings.suite);
  const size_t over = record::overhead(true, seq, alg);
  return s_.settings.mtu > over ? s_.settings.mtu - over : 0;
}

Error Endpoint::send(PeerHandle peer, ConstByteSpan payload, uint8_t flags, uint16_t& message, uint32_t now) noexcept {
  message = 0;
  const uint8_t p = EndpointAccess::peer_by_handle(*this, peer);
  if (p == kNoSlot) return Error::kInvalidArgument;
  if ((flags & ~static_cast<uint8_t>(kSendConfirmed)) != 0) return Error::kInvalidArgument;
  PeerSlot& ps = s_.peers[p];
  if (ps.state == static_cast<uint8_t>(PeerState::kClosing)) return Error::kInvalidState;
  if (payload.size() > max_payload(peer)) return Error::kInvalidLength;
  const uint8_t t = EndpointAccess::tx_alloc(*this);
  if (t == kNoSlot) return Error::kBufferTooSmall;
  TxSlot& ts = s_.tx[t];
  ts.peer = p;
  ts.generation = ps.generation;
  ts.confirmed = (flags & kSendConfirmed) != 0;
  ts.message = s_.next_message;
  ts.order = s_.next_order++;
  s_.next_message = static_cast<uint16_t>(s_.next_message == UINT16_MAX ? 1 : s_.next_message + 1);
  for (size_t i = 0; i < payload.size(); ++i) ts.bytes[i] = payload[i];
  ts.len = static_cast<uint16_t>(payload.size());
  ts.state = static_cast<uint8_t>(TxState::kPending);
  message = ts.message;
  if (ps.state == static_cast<uint8_t>(PeerState::kEstablished)) EndpointAccess::flush_pending(*this, p, now);
  return Error::kOk;
}

Error Endpoint::close(PeerHandle peer, uint32_t now) noexcept {
  const uint8_t p = EndpointAccess::peer_by_handle(*this, peer);
  if (p == kNoSlot) return Error::kInvalidArgument;
  PeerSlot& ps = s_.peers[p];
  if (ps.state == static_cast<uint8_t>(PeerState::kClosing)) return Error::kOk;
  if (ps.state == static_cast<uint8_t>(PeerState::kEstablished) &&
      ok(EndpointAccess::send_control(*this, p, wire::RecordControl::kClose, now))) {
    // Waits for the ack of the close (or the retry budget), then wipes.
    ps.state = static_cast<uint8_t>(PeerState::kClosing);
    timers::cancel(ps.timers, detail::TimerId::kKeepalive);
    return Error::kOk;
  }
  Event ev;
  ev.type = EventType::kClosed;
  EndpointAccess::end_session(*this, p, ev);
  return Error::kOk;
}

PeerState Endpoint::state(PeerHandle peer) const noexcept {
  const uint8_t p = EndpointAccess::peer_by_handle(*this, peer);
  return p == kNoSlot ? PeerState::kFree : static_cast<PeerState>(s_.peers[p].state);
}

size_t Endpoint::responder_handshakes() const noexcept {
  size_t n = 0;
  for (const HandshakeSlot& h : s_.handshakes) n += (h.step != HandshakeStep::kFree && !h.initiator) ? 1 : 0;
  return n;
}

const record::SecurityContext* Endpoint::context(PeerHandle peer) const noexcept {
  const uint8_t p = EndpointAccess::peer_by_handle(*this, peer);
  return p == kNoSlot ? nullptr : &s_.peers[p].ctx();
}

void Endpoint::input(ConstByteSpan frame, const LinkAddr& from, uint32_t now) noexcept {
  if (!s_.ready) return;
  const size_t c = static_cast<size_t>(classify(frame));
  ++counters_.frames_in[c];
  counters_.bytes_in[c] += static_cast<uint32_t>(frame.size());
  if (frame.size() > kMaxFrame) {
    ++counters_.drops.malformed;
    EndpointAccess::log(*this, "frame larger than the endpoint's MTU", Error::kInvalidLength);
    return;
  }
  if (!frame.empty() && frame[0] == wire::kFrameWake) {
    EndpointAccess::on_wake(*this, frame, now);
    return;
  }
  Frame f;
  const Error e = parse_frame(frame, f);
  if (!ok(e)) {
    ++counters_.drops.malformed;
    EndpointAccess::log(*this, "frame dropped", e);
    return;
  }
  switch (f.type) {
    case FrameType::kRecord: EndpointAccess::on_record(*this, f.body, from, now); break;
    case FrameType::kEdhoc: EndpointAccess::on_edhoc(*this, f, f.body, from, now); break;
    case FrameType::kFragment: EndpointAccess::on_fragment(*this, f, from, now); break;
    case FrameType::kCookieRetry: EndpointAccess::on_cookie_retry(*this, f, now); break;
    case FrameType::kDiscovery: EndpointAccess::on_discovery(*this, f.body, frame.size(), from, now); break;
    case FrameType::kAnnounce: EndpointAccess::on_announce(*this, f.body, from); break;
    case FrameType::kReserved: ++counters_.drops.malformed; break;
  }
}

Error Endpoint::poll(uint32_t now) noexcept {
  if (!s_.ready) return Error::kInvalidState;
  // Timers first: they only send stored bytes, so they are cheap.
  for (uint8_t i = 0; i < kMaxHandshakes; ++i) EndpointAccess::handshake_timers(*this, i, now);
  for (uint8_t i = 0; i < kMaxPeers; ++i) EndpointAccess::peer_timers(*this, i, now);
  EndpointAccess::tx_timers(*this, now);
  EndpointAccess::discovery_timers(*this, now);
  // Then at most one public-key operation. Whatever that step left due now
  // (more public-key work, an ack to send at once) makes it kNeedMore.
  EndpointAccess::handshake_step(*this, now);
  return next_deadline(now) == now ? Error::kNeedMore : Error::kOk;
}

uint32_t Endpoint::next_deadline(uint32_t now) const noexcept {
  if (!s_.ready) return UINT32_MAX;
  uint32_t best = UINT32_MAX;
  for (const HandshakeSlot& h : s_.handshakes) {
    if (h.step == HandshakeStep::kFree) continue;
    if (EndpointAccess::handshake_needs_compute(h)) return now;
    if (h.flight_pending) best = timers::sooner(now, best, now + kBusyRetryMs);
    best = timers::earliest(h.timers, now, best);
  }
  // A paused session has no deadline: nothing of it is serviced until it
  // resumes, so a timer or resend of its that is due must not make poll()
  // report more work forever (ReviewSleep.ReplayedRecordMakesPausedSessionSpinForever,
  // ReviewSleep.PauseWithUnackedConfirmedRecordSpinsForever).
  for (const PeerSlot& p : s_.peers) {
    if (p.state != static_cast<uint8_t>(PeerState::kFree) && !EndpointAccess::is_paused(p)) {
      best = timers::earliest(p.timers, now, best);
    }
  }
  if (s_.discovery.pending) {
    best = timers::sooner(now, best, timers::reached(now, s_.discovery.due) ? now : s_.discovery.due);
  }
  for (const TxSlot& t : s_.tx) {
    if (t.state != static_cast<uint8_t>(TxState::kFree) && t.peer < kMaxPeers &&
        EndpointAccess::is_paused(s_.peers[t.peer])) {
      continue;
    }
    uint32_t at = UINT32_MAX;
    if (t.state == static_cast<uint8_t>(TxState::kUnsent)) {
      at = now + kBusyRetryMs;
    } else if (t.state == static_cast<uint8_t>(TxState::kAwaitAck)) {
      at = timers::reached(now, t.resend_at) ? now : t.resend_at;
    }
    if (at != UINT32_MAX) best = timers::sooner(now, best, at);
  }
  return best;
}

}  // namespace hush::session
