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
  if (r.total != 0 && (r.total != total || r.kind != kind)) return Error::kMalformed;

  // Check everything before storing anything, so a conflicting fragment
  // leaves the buffer as it was.
  size_t fresh = 0;
  for (size_t i = 0; i < bytes.size(); ++i) {
    const size_t at = offset + i;
    if (r.total != 0 && has(r, at)) {
      if (r.buf[at] != bytes[i]) return Error::kMalformed;
    } else {
      ++fresh;
    }
  }
  if (fresh == 0) return Error::kReplay;

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
  return r.received == r.total ? Error::kOk : Error::kNeedMore;
}

}  // namespace hush::session
