// SPDX-License-Identifier: Apache-2.0
// The transmit queue: a few fixed slots shared by all peers, holding
// payloads until their keys exist, records the radio refused, and confirmed
// records until they are acked. A full queue is the application's "would
// block".

#include "endpoint_internal.h"
#include "hush/ct.h"

namespace hush::session::detail {

uint8_t EndpointAccess::tx_alloc(Ep& ep) noexcept {
  for (uint8_t i = 0; i < kTxSlots; ++i) {
    TxSlot& t = ep.s_.tx[i];
    if (t.state != static_cast<uint8_t>(TxState::kFree)) continue;
    t.retries = 0;
    t.confirmed = false;
    t.control = 0;
    t.len = 0;
    t.seq = 0;
    t.rto = ep.s_.settings.retransmit.initial_ms;
    t.resend_at = 0;
    return i;
  }
  return kNoSlot;
}

void EndpointAccess::tx_free(Ep& ep, uint8_t index) noexcept {
  TxSlot& t = ep.s_.tx[index];
  // A pending slot holds a plaintext payload.
  ct::wipe(ByteSpan(t.bytes, sizeof(t.bytes)));
  t.len = 0;
  t.state = static_cast<uint8_t>(TxState::kFree);
}

size_t EndpointAccess::tx_free_count(const Ep& ep) noexcept {
  size_t n = 0;
  for (const TxSlot& t : ep.s_.tx) n += t.state == static_cast<uint8_t>(TxState::kFree) ? 1 : 0;
  return n;
}

}  // namespace hush::session::detail
