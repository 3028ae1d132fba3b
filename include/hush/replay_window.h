// SPDX-License-Identifier: Apache-2.0
#pragma once

// The anti-replay sliding window of RFC 6347 §4.1.2.6 (the default of
// RFC 8613 §3.2.2), over 40-bit sequence numbers, with one state more than
// DTLS has: "unknown", for a receiver that rebooted and lost its window. An
// unknown window accepts nothing until the layer above proves freshness
// (an Echo-style challenge, RFC 8613 Appendix B.1.2) and calls start_at().
//
// The logic lives once, in ReplayWindowBase, over a span of bitmap words; the
// ReplayWindow<Bits> template only owns the words, so several window sizes
// cost no extra code.

#include <cstddef>
#include <cstdint>

#include "hush/error.h"
#include "hush/span.h"

/// Replay window size of a security context, in records: 32 (RFC 8613
/// default), 64 or 128.
#ifndef HUSH_REPLAY_WINDOW_BITS
#define HUSH_REPLAY_WINDOW_BITS 32
#endif

namespace hush::record {

/// Largest sequence number: RFC 8613 §7.2.1 keeps them below 2^40.
inline constexpr uint64_t kMaxSequence = (uint64_t{1} << 40) - 1;

enum class WindowState : uint8_t {
  kEmpty,    ///< Nothing received yet with these keys: the first record sets the edge.
  kActive,   ///< Tracking: highest() is the right edge.
  kUnknown,  ///< State lost (reboot): every record is refused until start_at().
};

/// The window logic, shared by every size. Use ReplayWindow<Bits>.
class ReplayWindowBase {
 public:
  WindowState state() const noexcept { return state_; }
  /// Highest sequence number accepted so far (meaningful when kActive).
  uint64_t highest() const noexcept { return top_; }

 protected:
  ReplayWindowBase() noexcept = default;
  Error check_in(Span<const uint32_t> bits, uint64_t seq) const noexcept;
  Error accept_in(Span<uint32_t> bits, uint64_t seq) noexcept;
  void start_at_in(Span<uint32_t> bits, uint64_t seq) noexcept;
  void clear_in(Span<uint32_t> bits, WindowState next) noexcept;

 private:
  uint64_t top_ = 0;
  WindowState state_ = WindowState::kEmpty;
};

/// A sliding window of `Bits` records below the highest accepted sequence
/// number. Records above it slide the window; records inside it are accepted
/// once; older ones are too old.
template <unsigned Bits>
class ReplayWindow : public ReplayWindowBase {
  static_assert(Bits == 32 || Bits == 64 || Bits == 128, "hush: replay window must be 32, 64 or 128 records");

 public:
  static constexpr unsigned kBits = Bits;

  /// Whether `seq` would be accepted now: kOk, kReplay, kTooOld,
  /// kFreshnessUnknown (window unknown) or kInvalidArgument (seq > kMaxSequence).
  /// Changes nothing; call it before spending an AEAD decryption.
  Error check(uint64_t seq) const noexcept { return check_in(Span<const uint32_t>(words_), seq); }
  /// check(), then records `seq` as received. Call only after the record
  /// authenticated (RFC 6347: a forged record must never move the window).
  Error accept(uint64_t seq) noexcept { return accept_in(Span<uint32_t>(words_), seq); }
  /// Freshness of `seq` was proven after a loss of state: `seq` becomes the
  /// right edge and counts as received, and every lower number is refused, so
  /// nothing sent before the reboot can be replayed (RFC 8613 App. B.1.2).
  void start_at(uint64_t seq) noexcept { start_at_in(Span<uint32_t>(words_), seq); }
  /// The window's state was lost: refuse everything until start_at().
  void forget() noexcept { clear_in(Span<uint32_t>(words_), WindowState::kUnknown); }
  /// The bitmap below highest(), for a snapshot: bit i of word w is the
  /// record highest() - (32 w + i).
  Span<const uint32_t> words() const noexcept { return Span<const uint32_t>(words_); }
  /// A saved window comes back as it was: `top` the right edge, `words` the
  /// bitmap (words beyond this window's width are ignored; missing ones
  /// count as received).
  void restore(uint64_t top, Span<const uint32_t> words) noexcept {
    start_at_in(Span<uint32_t>(words_), top);
    for (size_t i = 0; i < Bits / 32 && i < words.size(); ++i) words_[i] = words[i];
    words_[0] |= 1u;  // the edge itself was received
  }
  /// Fresh keys: the next authenticated record starts the window.
  void reset() noexcept { clear_in(Span<uint32_t>(words_), WindowState::kEmpty); }

 private:
  uint32_t words_[Bits / 32] = {};
};

inline constexpr unsigned kReplayWindowBits = HUSH_REPLAY_WINDOW_BITS;
/// The window every SecurityContext carries.
using ContextReplayWindow = ReplayWindow<kReplayWindowBits>;

}  // namespace hush::record
