// SPDX-License-Identifier: Apache-2.0
#pragma once

// Reassembly of a fragmented EDHOC message into a bounded buffer. Fragments
// may come in any order and more than once; a fragment that disagrees with
// bytes already held, claims another total or kind, or exceeds the buffer is
// dropped, and what was gathered so far is kept.

#include "hush/error.h"
#include "hush/session.h"

namespace hush::session {

/// kNeedMore: stored, more to come. kOk: complete, the message is
/// r.buf[0 .. r.total). kMalformed: dropped (oversized, out of range, a
/// different total or kind, or overlapping bytes that differ). kReplay: every
/// byte was already held (a duplicate), dropped.
Error reassembly_add(detail::Reassembly& r, uint8_t kind, uint16_t total, uint16_t offset,
                     ConstByteSpan bytes) noexcept;

/// Forgets the message in progress.
void reassembly_reset(detail::Reassembly& r) noexcept;

inline bool reassembly_active(const detail::Reassembly& r) noexcept {
  return r.total != 0;
}

}  // namespace hush::session
