// SPDX-License-Identifier: Apache-2.0
// The pool of handshakes in progress. An EDHOC engine with its work buffer
// is the largest state hush has, so a session holds one only while it
// connects; an established session keeps just its security context.

#include <new>

#include "endpoint_internal.h"
#include "hush/ct.h"
#include "reassembly.h"

namespace hush::session::detail {

namespace {

edhoc::Settings engine_settings(const Settings& s) noexcept {
  edhoc::Settings e;
  // One method and one suite are configured; a responder accepts nothing
  // else, so there is no negotiation to downgrade.
  e.responder_suites = static_cast<uint16_t>(1u << s.suite);
  e.responder_methods = static_cast<uint8_t>(1u << static_cast<unsigned>(s.method));
  return e;
}

}  // namespace

uint8_t EndpointAccess::handshake_alloc(Ep& ep, bool initiator, uint8_t peer, uint32_t now) noexcept {
  for (uint8_t i = 0; i < kMaxHandshakes; ++i) {
    HandshakeSlot& h = ep.s_.handshakes[i];
    if (h.step != HandshakeStep::kFree) continue;
    h.initiator = initiator;
    h.peer = peer;
    h.retries = 0;
    h.started = now;
    h.rto = ep.s_.settings.retransmit.initial_ms;
    timers::cancel_all(h.timers);
    h.last_peer_error = 0;
    h.last_failure = Error::kOk;
    h.rx_len = 0;
    h.rx_record_len = 0;
    h.flight_len = 0;
    h.flight_pending = false;
    h.replied = false;
    h.rekey = false;
    h.peer_cred = edhoc::PeerCredential{};
    reassembly_reset(h.reassembly);
    const ByteSpan work(h.work, sizeof(h.work));
    // A role that is not compiled in gets no slot, so its engine never links.
    if (initiator) {
      if constexpr (config::kInitiator) {
        new (h.engine) edhoc::Initiator(work, engine_settings(ep.s_.settings));
        h.step = HandshakeStep::kSendMessage1;
      } else {
        return kNoSlot;
      }
    } else {
      if constexpr (config::kResponder) {
        new (h.engine) edhoc::Responder(work, engine_settings(ep.s_.settings));
        h.step = HandshakeStep::kReassemble1;
      } else {
        return kNoSlot;
      }
    }
    return i;
  }
  return kNoSlot;
}

void EndpointAccess::handshake_release(Ep& ep, uint8_t index) noexcept {
  HandshakeSlot& h = ep.s_.handshakes[index];
  if (h.step == HandshakeStep::kFree) return;
  if (h.initiator) {
    if constexpr (config::kInitiator) initiator(h).~Initiator();
  } else {
    if constexpr (config::kResponder) responder(h).~Responder();
  }
  // The engine wipes its secrets; the buffers around it held plaintext,
  // transcripts and flights.
  ct::wipe(ByteSpan(h.engine, sizeof(h.engine)));
  ct::wipe(ByteSpan(h.work, sizeof(h.work)));
  ct::wipe(ByteSpan(h.rx, sizeof(h.rx)));
  ct::wipe(ByteSpan(h.flight, sizeof(h.flight)));
  reassembly_reset(h.reassembly);
  // message_1's MAC key and cookie belong to this handshake only, and its
  // G_X, which duplicate detection matches, to no later user of the slot.
  ct::wipe_object(h.g_x);
  ct::wipe_object(h.key_mac_key);
  ct::wipe_object(h.cookie);
  h.key_mac = false;
  h.has_cookie = false;
  h.flight_flags = 0;
  h.rx_len = 0;
  h.rx_record_len = 0;
  h.flight_len = 0;
  timers::cancel_all(h.timers);
  h.step = HandshakeStep::kFree;
}

// Half-open responder handshakes: the SYN-cache rule (docs/SECURITY.md "Sessions").
bool EndpointAccess::evict_half_open(Ep& ep, uint32_t now) noexcept {
  uint8_t oldest = kNoSlot;
  for (uint8_t i = 0; i < kMaxHandshakes; ++i) {
    const HandshakeSlot& h = ep.s_.handshakes[i];
    const bool half_open =
        !h.initiator && (h.step == HandshakeStep::kSendMessage2 || h.step == HandshakeStep::kAwaitMessage3 ||
                         h.step == HandshakeStep::kReassemble1);
    // A young one is left alone, or peers arriving together would evict
    // each other in turn and none would finish.
    const bool young = !timers::reached(now, h.started + 2 * ep.s_.settings.retransmit.initial_ms);
    if (!half_open || young || ep.s_.peers[h.peer].app_known) continue;
    if (oldest == kNoSlot || (now - h.started) > (now - ep.s_.handshakes[oldest].started)) oldest = i;
  }
  if (oldest == kNoSlot) return false;
  ++ep.counters_.drops.no_resources;
  log(ep, "half-open handshake evicted", Error::kBufferTooSmall);
  const uint8_t peer = ep.s_.handshakes[oldest].peer;
  handshake_release(ep, oldest);
  peer_release(ep, peer);
  return true;
}

void EndpointAccess::drop_half_open(Ep& ep, uint8_t index) noexcept {
  if (index == kNoSlot) return;
  const uint8_t peer = ep.s_.handshakes[index].peer;
  handshake_release(ep, index);
  peer_release(ep, peer);
}

edhoc::Initiator& EndpointAccess::initiator(HandshakeSlot& h) noexcept {
  return *std::launder(reinterpret_cast<edhoc::Initiator*>(h.engine));
}

edhoc::Responder& EndpointAccess::responder(HandshakeSlot& h) noexcept {
  return *std::launder(reinterpret_cast<edhoc::Responder*>(h.engine));
}

bool EndpointAccess::handshake_needs_compute(const HandshakeSlot& h) noexcept {
  switch (h.step) {
    case HandshakeStep::kSendMessage1:
    case HandshakeStep::kProcessMessage2:
    case HandshakeStep::kVerifyMessage2:
    case HandshakeStep::kSendMessage3:
    case HandshakeStep::kSendMessage2:
    case HandshakeStep::kProcessMessage3: return true;
    default: return false;
  }
}

}  // namespace hush::session::detail
