// SPDX-License-Identifier: Apache-2.0
#pragma once

// A test harness small enough for the target: each case is a function that
// reports failed checks; main() counts and prints `N passed, N failed`.

#include <cstddef>
#include <cstdint>

#include "hush/error.h"

namespace hush::m33 {

struct TestCase {
  const char* name;
  void (*fn)();
};

/// Records a failed check with its location; the running case fails.
void check_failed(const char* expr, const char* file, int line) noexcept;
void check_failed_error(const char* expr, hush::Error got, hush::Error want, const char* file, int line) noexcept;
bool bytes_equal(const uint8_t* a, const uint8_t* b, size_t n) noexcept;

/// The cases of this image: crypto and EDHOC (tests.cpp), then tunnels
/// between two session endpoints (tunnel_test.cpp).
extern const TestCase kTests[];
extern const size_t kTestCount;
extern const TestCase kTunnelTests[];
extern const size_t kTunnelTestCount;

}  // namespace hush::m33

#define M33_CHECK(cond)                                                \
  do {                                                                 \
    if (!(cond)) ::hush::m33::check_failed(#cond, __FILE__, __LINE__); \
  } while (0)

// Checks a hush::Error; on a mismatch the case stops, since later steps
// depend on this one.
#define M33_REQUIRE_ERR(expr, want)                                                 \
  do {                                                                              \
    const ::hush::Error m33_got_ = (expr);                                          \
    if (m33_got_ != (want)) {                                                       \
      ::hush::m33::check_failed_error(#expr, m33_got_, (want), __FILE__, __LINE__); \
      return;                                                                       \
    }                                                                               \
  } while (0)
#define M33_REQUIRE_OK(expr) M33_REQUIRE_ERR(expr, ::hush::Error::kOk)
