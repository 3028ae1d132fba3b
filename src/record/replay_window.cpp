// SPDX-License-Identifier: Apache-2.0
#include "hush/replay_window.h"

namespace hush::record {
namespace {

// Bit d of the bitmap (word d / 32, bit d % 32) stands for sequence number
// top - d; bit 0 is the right edge itself.
constexpr unsigned kWordBits = 32;

bool test_bit(Span<const uint32_t> bits, uint64_t d) noexcept {
  return ((bits[static_cast<size_t>(d / kWordBits)] >> (d % kWordBits)) & 1u) != 0;
}

// Moves every mark `delta` positions further from the edge, dropping those
// that fall off the end. Works from the far end so it can shift in place.
void slide(Span<uint32_t> bits, uint64_t delta) noexcept {
  const size_t n = bits.size();
  if (delta >= static_cast<uint64_t>(n) * kWordBits) {
    for (size_t i = 0; i < n; ++i) bits[i] = 0;
    return;
  }
  const size_t ws = static_cast<size_t>(delta / kWordBits);
  const unsigned bs = static_cast<unsigned>(delta % kWordBits);
  for (size_t i = n; i-- > 0;) {
    uint32_t v = 0;
    if (i >= ws) {
      v = bits[i - ws] << bs;
      if (bs != 0 && i >= ws + 1) v |= bits[i - ws - 1] >> (kWordBits - bs);
    }
    bits[i] = v;
  }
}

}  // namespace

Error ReplayWindowBase::check_in(Span<const uint32_t> bits, uint64_t seq) const noexcept {
  if (seq > kMaxSequence) return Error::kInvalidArgument;
  switch (state_) {
    case WindowState::kUnknown: return Error::kFreshnessUnknown;
    case WindowState::kEmpty: return Error::kOk;
    case WindowState::kActive: break;
  }
  if (seq > top_) return Error::kOk;
  const uint64_t d = top_ - seq;
  if (d >= static_cast<uint64_t>(bits.size()) * kWordBits) return Error::kTooOld;
  return test_bit(bits, d) ? Error::kReplay : Error::kOk;
}

Error ReplayWindowBase::accept_in(Span<uint32_t> bits, uint64_t seq) noexcept {
  HUSH_TRY(check_in(Span<const uint32_t>(bits.data(), bits.size()), seq));
  if (state_ == WindowState::kEmpty) {
    clear_in(bits, WindowState::kActive);
    top_ = seq;
  } else if (seq > top_) {
    slide(bits, seq - top_);
    top_ = seq;
  }
  const uint64_t d = top_ - seq;
  bits[static_cast<size_t>(d / kWordBits)] |= uint32_t{1} << (d % kWordBits);
  return Error::kOk;
}

void ReplayWindowBase::start_at_in(Span<uint32_t> bits, uint64_t seq) noexcept {
  // Every slot below the new edge counts as received: a record sent before
  // the proof of freshness may be an old one replayed, so none is let in.
  for (size_t i = 0; i < bits.size(); ++i) bits[i] = 0xFFFFFFFFu;
  top_ = seq > kMaxSequence ? kMaxSequence : seq;
  state_ = WindowState::kActive;
}

void ReplayWindowBase::clear_in(Span<uint32_t> bits, WindowState next) noexcept {
  for (size_t i = 0; i < bits.size(); ++i) bits[i] = 0;
  top_ = 0;
  state_ = next;
}

}  // namespace hush::record
