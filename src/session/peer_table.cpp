// SPDX-License-Identifier: Apache-2.0
// The peer table: one slot per session, established or being set up, found
// by the connection identifier this side chose (the cid of records sent to
// it), never by link address.

#include "endpoint_internal.h"
#include "hush/ct.h"

namespace hush::session::detail {

namespace {

// The one-byte CBOR ints: 0x00..0x17 (0..23) and 0x20..0x37 (-1..-24).
constexpr uint8_t kIdSpace = 48;

constexpr uint8_t id_byte(uint8_t n) noexcept {
  return n < 24 ? n : static_cast<uint8_t>(0x20 + (n - 24));
}

}  // namespace

bool EndpointAccess::choose_id(Ep& ep, int avoid, uint8_t& id) noexcept {
  // Start after the last one handed out, so an identifier is not reused
  // right after its session ended (a late record then finds no session
  // rather than the wrong keys).
  for (uint8_t k = 0; k < kIdSpace; ++k) {
    const uint8_t candidate = id_byte(static_cast<uint8_t>((ep.s_.next_id + k) % kIdSpace));
    if (static_cast<int>(candidate) == avoid) continue;
    bool used = false;
    for (const PeerSlot& p : ep.s_.peers) {
      if (p.state != static_cast<uint8_t>(PeerState::kFree) && p.own_id == candidate) used = true;
    }
    if (!used) {
      id = candidate;
      ep.s_.next_id = static_cast<uint8_t>((ep.s_.next_id + k + 1) % kIdSpace);
      return true;
    }
  }
  return false;
}

uint8_t EndpointAccess::peer_alloc(Ep& ep, const LinkAddr& addr, bool initiator, int avoid_id) noexcept {
  for (uint8_t i = 0; i < kMaxPeers; ++i) {
    PeerSlot& p = ep.s_.peers[i];
    if (p.state != static_cast<uint8_t>(PeerState::kFree)) continue;
    uint8_t id = 0;
    if (!choose_id(ep, avoid_id, id)) return kNoSlot;
    p.keys[0].reset();
    p.keys[1].reset();
    p.fresh_floor = 0;
    p.fresh_floor_slot = kNoSlot;
    p.cur = 0;
    p.flags = 0;
    p.rekey = 0;
    p.rekey_attempts = 0;
    p.keys_born = 0;
    p.bytes_sealed = 0;
    p.probe_seq = 0;
    p.state = static_cast<uint8_t>(PeerState::kConnecting);
    p.own_id = id;
    p.peer_id = 0;
    p.initiator = initiator;
    p.app_known = false;
    p.adopt_for = kNoSlot;
    p.adopt_generation = 0;
    p.handshake = kNoSlot;
    p.kid_len = 0;
    p.addr_len = addr.len;
    for (size_t k = 0; k < addr.len; ++k) p.addr[k] = addr.bytes[k];
    p.silent_intervals = 0;
    p.probe_rto = 0;
    p.ack_pending = false;
    p.ack_has_records = false;
    p.ack_bitmap = 0;
    p.ack_largest = 0;
    p.reconfirmed = false;
    p.m3_digest_set = false;
    timers::cancel_all(p.timers);
    return i;
  }
  return kNoSlot;
}

void EndpointAccess::peer_release(Ep& ep, uint8_t index) noexcept {
  PeerSlot& p = ep.s_.peers[index];
  // A handle the application held dies here: the next one for this slot
  // differs. Slots it never saw spend no generation, so no amount of junk
  // message_1 can wrap the counter onto a live handle.
  if (p.app_known) p.generation = static_cast<uint16_t>(p.generation + 1);
  p.app_known = false;
  p.keys[0].reset();  // wipes the keys, both phases
  p.keys[1].reset();
  p.flags = 0;
  p.rekey = 0;
  ct::wipe(ByteSpan(p.kid, sizeof(p.kid)));
  p.kid_len = 0;
  p.state = static_cast<uint8_t>(PeerState::kFree);
  p.handshake = kNoSlot;
  p.ack_pending = false;
  timers::cancel_all(p.timers);
}

uint8_t EndpointAccess::peer_by_own_id(const Ep& ep, uint8_t own_id) noexcept {
  for (uint8_t i = 0; i < kMaxPeers; ++i) {
    const PeerSlot& p = ep.s_.peers[i];
    if (p.state != static_cast<uint8_t>(PeerState::kFree) && p.own_id == own_id) return i;
  }
  return kNoSlot;
}

uint8_t EndpointAccess::peer_by_handle(const Ep& ep, PeerHandle h) noexcept {
  if (!h.valid() || h.slot >= kMaxPeers) return kNoSlot;
  const PeerSlot& p = ep.s_.peers[h.slot];
  if (p.state == static_cast<uint8_t>(PeerState::kFree) || p.generation != h.generation) return kNoSlot;
  return h.slot;
}

}  // namespace hush::session::detail
