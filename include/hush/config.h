// SPDX-License-Identifier: Apache-2.0
#pragma once

// Compile-time feature selection. The build sets these macros (CMake options
// HUSH_ROLES, HUSH_METHODS, HUSH_SUITES, HUSH_CRYPTO); a firmware that sets
// nothing gets everything. Code for a feature that is off is removed with
// `if constexpr`, so it does not link at all rather than merely going unused.

#if !defined(HUSH_CRYPTO_OPENSSL) && !defined(HUSH_CRYPTO_PSA)
#error \
    "hush: no crypto backend selected. Define HUSH_CRYPTO_OPENSSL or HUSH_CRYPTO_PSA (CMake: -DHUSH_CRYPTO=openssl|psa)."
#endif
#if defined(HUSH_CRYPTO_OPENSSL) && defined(HUSH_CRYPTO_PSA)
#error "hush: select exactly one crypto backend."
#endif

#ifndef HUSH_ENABLE_INITIATOR
#define HUSH_ENABLE_INITIATOR 1
#endif
#ifndef HUSH_ENABLE_RESPONDER
#define HUSH_ENABLE_RESPONDER 1
#endif
/// Bit m set: EDHOC method m (0..3) is compiled in.
#ifndef HUSH_METHOD_MASK
#define HUSH_METHOD_MASK 0xF
#endif
/// Bit s set: EDHOC cipher suite s (0..3) is compiled in.
#ifndef HUSH_SUITE_MASK
#define HUSH_SUITE_MASK 0xF
#endif
/// Largest EDHOC message (after reassembly) an endpoint accepts or composes.
#ifndef HUSH_EDHOC_MAX_MESSAGE_LEN
#define HUSH_EDHOC_MAX_MESSAGE_LEN 256
#endif
/// Largest EAD_x sequence carried in or out of one message.
#ifndef HUSH_EDHOC_MAX_EAD_LEN
#define HUSH_EDHOC_MAX_EAD_LEN 64
#endif

#include <cstddef>
#include <cstdint>

namespace hush::config {

inline constexpr bool kInitiator = HUSH_ENABLE_INITIATOR != 0;
inline constexpr bool kResponder = HUSH_ENABLE_RESPONDER != 0;
static_assert(kInitiator || kResponder, "hush: enable at least one EDHOC role");

inline constexpr unsigned kMethodMask = HUSH_METHOD_MASK;
inline constexpr unsigned kSuiteMask = HUSH_SUITE_MASK;
static_assert((kMethodMask & 0xFu) != 0 && (kMethodMask & ~0xFu) == 0,
              "hush: HUSH_METHOD_MASK must select methods 0..3");
static_assert((kSuiteMask & 0xFu) != 0 && (kSuiteMask & ~0xFu) == 0, "hush: HUSH_SUITE_MASK must select suites 0..3");

constexpr bool method_enabled(unsigned m) noexcept {
  return m < 4 && ((kMethodMask >> m) & 1u) != 0;
}
constexpr bool suite_enabled(unsigned s) noexcept {
  return s < 4 && ((kSuiteMask >> s) & 1u) != 0;
}

/// Methods 0 and 2 need the responder to sign, 0 and 1 the initiator.
inline constexpr bool kSignatures = (kMethodMask & 0x7u) != 0;
/// Curves in use follow from the suites (0,1: Curve25519; 2,3: P-256).
inline constexpr bool kCurve25519 = (kSuiteMask & 0x3u) != 0;
inline constexpr bool kP256 = (kSuiteMask & 0xCu) != 0;

inline constexpr size_t kMaxMessageLen = HUSH_EDHOC_MAX_MESSAGE_LEN;
inline constexpr size_t kMaxEadLen = HUSH_EDHOC_MAX_EAD_LEN;
static_assert(kMaxMessageLen >= 128 && kMaxMessageLen <= 1024, "hush: HUSH_EDHOC_MAX_MESSAGE_LEN out of range");

}  // namespace hush::config
