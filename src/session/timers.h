// SPDX-License-Identifier: Apache-2.0
#pragma once

// Every timer of the session layer, and the rules that arm them, in one
// place (in the manner of WireGuard's timers.c). Times are milliseconds on
// the application's monotonic clock; comparisons survive the 49-day wrap of
// a uint32_t as long as no deadline is more than 24 days away.

#include <cstdint>

#include "hush/session.h"

namespace hush::session::timers {

constexpr bool reached(uint32_t now, uint32_t at) noexcept {
  return static_cast<int32_t>(now - at) >= 0;
}

/// The sooner of two deadlines (UINT32_MAX: none), measured from now.
constexpr uint32_t sooner(uint32_t now, uint32_t a, uint32_t b) noexcept {
  if (a == UINT32_MAX) return b;
  if (b == UINT32_MAX) return a;
  return (a - now) <= (b - now) ? a : b;
}

void arm(detail::Timers& t, detail::TimerId id, uint32_t at) noexcept;
void cancel(detail::Timers& t, detail::TimerId id) noexcept;
void cancel_all(detail::Timers& t) noexcept;
bool armed(const detail::Timers& t, detail::TimerId id) noexcept;
/// Armed and reached.
bool due(const detail::Timers& t, detail::TimerId id, uint32_t now) noexcept;
/// The earliest armed deadline, if any is earlier than `best`; else `best`.
/// Deadlines already passed count as `now`.
uint32_t earliest(const detail::Timers& t, uint32_t now, uint32_t best) noexcept;

/// A retransmission timeout `base` plus random jitter (0..jitter_ms), so
/// that peers that lost the same frame do not collide again.
uint32_t jittered(uint32_t base, const RetransmitSettings& s) noexcept;
/// The base timeout after one expired: doubled, up to the cap.
uint32_t backoff(uint32_t base, const RetransmitSettings& s) noexcept;

// Liveness (BRIEF "Keep-alive"): any fresh authenticated record from the
// peer proves life and pushes the keepalive deadline an interval away; a
// keepalive is sent only when an interval passed in silence, resent on the
// retransmission schedule until something authenticated comes back, and
// after `dead_after` silent intervals the peer is dead. A paused session
// cancels the timer, so nothing here runs while it sleeps.

/// An authenticated record from the peer arrived.
void on_authenticated_rx(detail::PeerSlot& p, const Settings& s, uint32_t now) noexcept;

enum class LivenessAction : uint8_t { kNone, kSendKeepalive, kDead };
/// The keepalive timer fired: what to do now (and it is re-armed).
LivenessAction on_keepalive_expired(detail::PeerSlot& p, const Settings& s, uint32_t now) noexcept;

/// Whether a data record sent now carries the liveness probe (asks for an
/// ack) instead of a keepalive of its own: after resume() (kPeerProbeDue),
/// or in the last quarter of a silent keepalive interval.
bool probe_rides(const detail::PeerSlot& p, const Settings& s, uint32_t now) noexcept;
/// A data record that asks for an ack went out as the probe.
void on_probe_rode(detail::PeerSlot& p, const Settings& s, uint32_t now) noexcept;

/// The delay before an ack goes out, so several records share one ack.
constexpr uint32_t ack_delay(const RetransmitSettings& s) noexcept {
  return s.initial_ms / 8;
}

}  // namespace hush::session::timers
