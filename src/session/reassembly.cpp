// SPDX-License-Identifier: Apache-2.0
#include "reassembly.h"

#include "hush/ct.h"

namespace hush::session {

namespace {

bool has(const detail::Reassembly& r, size_t i) noexcept {
  return (r.have[i / 8] >> (i % 8)) & 1u;
}

}  // namespace

void reassembly_reset(detail::Reassembly& r) noexcept {
  ct::wipe(ByteSpan(r.buf, sizeof(r.buf)));
  ct::wipe(ByteSpan(r.have, sizeof(r.have)));
  r.total = 0;
  r.received = 0;
  r.kind = 0;
}

Error reassembly_add(detail::Reassembly& r, uint8_t kind, uint16_t total, uint16_t offset,
                     ConstByteSpan bytes) noexcept {
  if (total == 0 || total > sizeof(r.buf) || bytes.empty() || offset >= total ||
      bytes.size() > size_t{total} - offset) {
    return Error::kMalformed;
  }
  // A fragment that disagrees with what is held (another total or kind, or
  // other bytes where they overlap) means one of them is forged or stale.
  // Keeping the first would let one forged fragment block every genuine
  // one, so the newest wins and the gathering starts over with it.
  bool conflict = r.total != 0 && (r.total != total || r.kind != kind);
  size_t fresh = 0;
  for (size_t i = 0; i < bytes.size() && !conflict; ++i) {
    const size_t at = offset + i;
    if (r.total != 0 && has(r, at)) {
      if (r.buf[at] != bytes[i]) conflict = true;
    } else {
      ++fresh;
    }
  }
  if (conflict) {
    reassembly_reset(r);
    fresh = bytes.size();
  } else if (fresh == 0) {
    return Error::kReplay;
  }

  r.total = total;
  r.kind = kind;
  for (size_t i = 0; i < bytes.size(); ++i) {
    const size_t at = offset + i;
    if (!has(r, at)) {
      r.buf[at] = bytes[i];
      r.have[at / 8] = static_cast<uint8_t>(r.have[at / 8] | (1u << (at % 8)));
    }
  }
  r.received = static_cast<uint16_t>(r.received + fresh);
  if (r.received == r.total) return Error::kOk;
  return conflict ? Error::kInvalidState : Error::kNeedMore;
}

}  // namespace hush::session
