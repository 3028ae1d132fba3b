// SPDX-License-Identifier: Apache-2.0
#pragma once

// Reassembly of a fragmented EDHOC message into a bounded buffer. Fragments
// may come in any order and more than once. A fragment that exceeds the
// buffer or its own total is dropped; one that disagrees with what is held
// (another total or kind, other bytes where they overlap) replaces it, so a
// forged fragment cannot lock the genuine message out.

#include "hush/error.h"
#include "hush/session.h"

namespace hush::session {

/// kNeedMore: stored, more to come. kOk: complete, the message is
/// r.buf[0 .. r.total). kInvalidState: it conflicted with what was held,
/// which was dropped; the gathering restarted with this fragment.
/// kMalformed: dropped (oversized or out of range). kReplay: every byte was
/// already held (a duplicate), dropped.
Error reassembly_add(detail::Reassembly& r, uint8_t kind, uint16_t total, uint16_t offset,
                     ConstByteSpan bytes) noexcept;

/// Forgets the message in progress.
void reassembly_reset(detail::Reassembly& r) noexcept;

inline bool reassembly_active(const detail::Reassembly& r) noexcept {
  return r.total != 0;
}

}  // namespace hush::session
