// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstdint>

namespace hush {

/// The one error type of the library. Every fallible call returns it and the
/// compiler refuses to let a caller drop it.
enum class [[nodiscard]] Error : uint8_t{
    kOk = 0,
    /// Not a failure: the engine needs more input (another fragment, the peer's
    /// credential, or another poll()) before it can go on.
    kNeedMore,

    // Caller mistakes.
    kInvalidArgument, kInvalidState, kBufferTooSmall,
    kUnsupported,  ///< Not compiled in, or not offered by the crypto backend.

    // Untrusted input.
    kMalformed,          ///< Not well-formed CBOR or wrong structure.
    kNonDeterministic,   ///< Valid CBOR but not in deterministic encoding.
    kTrailingData,       ///< Extra bytes after the expected items.
    kInvalidLength,      ///< A field has the wrong length for the suite.
    kInvalidPoint,       ///< Public key not on the curve, or a low-order result.
    kAuthFailed,         ///< AEAD tag, MAC or signature did not verify.
    kUnknownCredential,  ///< The application does not know the peer's ID_CRED.
    kCriticalEad,        ///< A critical EAD item that the application did not accept.

    // Negotiation and peer-reported errors.
    kUnsupportedMethod,
    kWrongSelectedSuite,  ///< The responder rejects the suite; see SUITES_R.
    kPeerError,           ///< The peer sent an EDHOC error message.

    // Record layer.
    kReplay,            ///< Sequence number already seen.
    kTooOld,            ///< Sequence number below the replay window.
    kUnknownContext,    ///< No security context matches the record.
    kFreshnessUnknown,  ///< Replay state lost; freshness must be proven first.
    kLimitReached,      ///< AEAD usage limit or 40-bit sequence space exhausted.

    kCryptoFailed,  ///< The crypto backend failed for a reason that is not the input's.
};

/// A short stable name for logs and test output.
const char* error_name(Error e) noexcept;

constexpr bool ok(Error e) noexcept {
  return e == Error::kOk;
}

}  // namespace hush

/// Propagates a non-kOk result to the caller.
#define HUSH_TRY(expr)                                         \
  do {                                                         \
    const ::hush::Error hush_try_e_ = (expr);                  \
    if (hush_try_e_ != ::hush::Error::kOk) return hush_try_e_; \
  } while (0)
