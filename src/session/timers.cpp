// SPDX-License-Identifier: Apache-2.0
#include "timers.h"

#include "hush/crypto.h"

namespace hush::session::timers {

namespace {

uint8_t bit(detail::TimerId id) noexcept {
  return static_cast<uint8_t>(1u << static_cast<unsigned>(id));
}

// Jitter needs no cryptographic quality, but the crypto port's RNG is the
// only randomness a firmware is guaranteed to have. A failing RNG gives no
// jitter rather than no timer.
uint32_t jitter(uint32_t max_ms) noexcept {
  if (max_ms == 0) return 0;
  uint8_t r[2] = {};
  if (!ok(crypto::random_bytes(ByteSpan(r, sizeof(r))))) return 0;
  return ((uint32_t{r[0]} << 8) | r[1]) % (max_ms + 1);
}

uint32_t t_at(const detail::Timers& t, detail::TimerId id) noexcept {
  return t.at[static_cast<size_t>(id)];
}

}  // namespace

void arm(detail::Timers& t, detail::TimerId id, uint32_t at) noexcept {
  t.at[static_cast<size_t>(id)] = at;
  t.armed = static_cast<uint8_t>(t.armed | bit(id));
}

void cancel(detail::Timers& t, detail::TimerId id) noexcept {
  t.armed = static_cast<uint8_t>(t.armed & ~bit(id));
}

void cancel_all(detail::Timers& t) noexcept {
  t.armed = 0;
}

bool armed(const detail::Timers& t, detail::TimerId id) noexcept {
  return (t.armed & bit(id)) != 0;
}

bool due(const detail::Timers& t, detail::TimerId id, uint32_t now) noexcept {
  return armed(t, id) && reached(now, t.at[static_cast<size_t>(id)]);
}

uint32_t earliest(const detail::Timers& t, uint32_t now, uint32_t best) noexcept {
  for (size_t i = 0; i < static_cast<size_t>(detail::TimerId::kCount); ++i) {
    if ((t.armed & (1u << i)) == 0) continue;
    const uint32_t at = reached(now, t.at[i]) ? now : t.at[i];
    // Compare as distances from now, so the wrap does not reorder them.
    if (best == UINT32_MAX || (at - now) < (best - now)) best = at;
  }
  return best;
}

uint32_t jittered(uint32_t base, const RetransmitSettings& s) noexcept {
  return base + jitter(s.jitter_ms);
}

uint32_t backoff(uint32_t base, const RetransmitSettings& s) noexcept {
  return base >= s.max_ms / 2 ? s.max_ms : base * 2;
}

void on_authenticated_rx(detail::PeerSlot& p, const Settings& s, uint32_t now) noexcept {
  p.last_auth_rx = now;
  p.silent_intervals = 0;
  p.probe_rto = 0;
  if (s.keepalive_ms != 0) arm(p.timers, detail::TimerId::kKeepalive, now + s.keepalive_ms);
}

LivenessAction on_keepalive_expired(detail::PeerSlot& p, const Settings& s, uint32_t now) noexcept {
  if (s.keepalive_ms == 0) {
    cancel(p.timers, detail::TimerId::kKeepalive);
    return LivenessAction::kNone;
  }
  // Silence is measured from the last authenticated record, whole
  // keepalive intervals of it.
  const uint32_t silent = (now - p.last_auth_rx) / s.keepalive_ms;
  p.silent_intervals = static_cast<uint8_t>(silent > 255 ? 255 : silent);
  if (p.silent_intervals >= s.dead_after) {
    cancel(p.timers, detail::TimerId::kKeepalive);
    return LivenessAction::kDead;
  }
  // A keepalive or its ack can be lost: until something authenticated comes
  // back, the keepalive is resent on the retransmission schedule, never
  // more often than the handshake's own timer, so a lossy link is not taken
  // for a dead peer.
  p.probe_rto = p.probe_rto == 0 ? s.retransmit.initial_ms : backoff(p.probe_rto, s.retransmit);
  uint32_t next = jittered(p.probe_rto, s.retransmit);
  const uint32_t dead_at = p.last_auth_rx + static_cast<uint32_t>(s.dead_after) * s.keepalive_ms;
  // ...but never past the moment the peer is due to be declared dead.
  if (reached(now + next, dead_at)) next = dead_at - now;
  arm(p.timers, detail::TimerId::kKeepalive, now + next);
  return LivenessAction::kSendKeepalive;
}

bool probe_rides(const detail::PeerSlot& p, const Settings& s, uint32_t now) noexcept {
  if (s.keepalive_ms == 0 || !armed(p.timers, detail::TimerId::kKeepalive)) return false;
  if ((p.flags & detail::kPeerProbeDue) != 0) return true;
  // A keepalive already out is resent on its own schedule.
  if (p.probe_rto != 0) return false;
  // A sender of unconfirmed data hears nothing back, so its keepalive would
  // fire while it is still sending: the ack of a record it sends anyway
  // proves the same, without the keepalive's own record (12 bytes and a
  // frame on air, each interval).
  return reached(now + s.keepalive_ms / 4, t_at(p.timers, detail::TimerId::kKeepalive));
}

void on_probe_rode(detail::PeerSlot& p, const Settings& s, uint32_t now) noexcept {
  if ((p.flags & detail::kPeerProbeDue) == 0) return;  // early: the keepalive stays due when it was
  // As a keepalive sent alone: resent on the retransmission schedule until
  // something authenticated comes back.
  p.flags = static_cast<uint8_t>(p.flags & ~detail::kPeerProbeDue);
  p.probe_rto = s.retransmit.initial_ms;
  arm(p.timers, detail::TimerId::kKeepalive, now + jittered(p.probe_rto, s.retransmit));
}

}  // namespace hush::session::timers
