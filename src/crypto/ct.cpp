// SPDX-License-Identifier: Apache-2.0
#include "hush/ct.h"

#include <cstdint>

namespace hush::ct {

bool equal(ConstByteSpan a, ConstByteSpan b) noexcept {
  if (a.size() != b.size()) return false;  // lengths are public
  volatile uint8_t diff = 0;
  for (size_t i = 0; i < a.size(); ++i) diff = static_cast<uint8_t>(diff | (a[i] ^ b[i]));
  return diff == 0;
}

void wipe(void* p, size_t n) noexcept {
  if (p == nullptr) return;
  volatile uint8_t* v = static_cast<volatile uint8_t*>(p);
  for (size_t i = 0; i < n; ++i) v[i] = 0;
  // Keeps the stores alive even if the object dies right after.
  __asm__ __volatile__("" : : "r"(p) : "memory");
}

}  // namespace hush::ct
