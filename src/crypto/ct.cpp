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

bool is_zero(ConstByteSpan a) noexcept {
  volatile uint8_t acc = 0;
  for (size_t i = 0; i < a.size(); ++i) acc = static_cast<uint8_t>(acc | a[i]);
  return acc == 0;
}

bool partially_overlaps(const uint8_t* a, size_t an, const uint8_t* b, size_t bn) noexcept {
  const auto pa = reinterpret_cast<uintptr_t>(a);
  const auto pb = reinterpret_cast<uintptr_t>(b);
  if (pa == pb || an == 0 || bn == 0) return false;
  return pa < pb + bn && pb < pa + an;
}

void wipe(void* p, size_t n) noexcept {
  if (p == nullptr) return;
  volatile uint8_t* v = static_cast<volatile uint8_t*>(p);
  for (size_t i = 0; i < n; ++i) v[i] = 0;
  // Keeps the stores alive even if the object dies right after.
  __asm__ __volatile__("" : : "r"(p) : "memory");
}

}  // namespace hush::ct
