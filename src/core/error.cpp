// SPDX-License-Identifier: Apache-2.0
#include "hush/error.h"

namespace hush {

const char* error_name(Error e) noexcept {
  switch (e) {
    case Error::kOk: return "ok";
    case Error::kNeedMore: return "need-more";
    case Error::kInvalidArgument: return "invalid-argument";
    case Error::kInvalidState: return "invalid-state";
    case Error::kBufferTooSmall: return "buffer-too-small";
    case Error::kUnsupported: return "unsupported";
    case Error::kMalformed: return "malformed";
    case Error::kNonDeterministic: return "non-deterministic";
    case Error::kTrailingData: return "trailing-data";
    case Error::kInvalidLength: return "invalid-length";
    case Error::kInvalidPoint: return "invalid-point";
    case Error::kAuthFailed: return "auth-failed";
    case Error::kUnknownCredential: return "unknown-credential";
    case Error::kCriticalEad: return "critical-ead";
    case Error::kUnsupportedMethod: return "unsupported-method";
    case Error::kWrongSelectedSuite: return "wrong-selected-suite";
    case Error::kPeerError: return "peer-error";
    case Error::kReplay: return "replay";
    case Error::kTooOld: return "too-old";
    case Error::kUnknownContext: return "unknown-context";
    case Error::kFreshnessUnknown: return "freshness-unknown";
    case Error::kLimitReached: return "limit-reached";
    case Error::kCryptoFailed: return "crypto-failed";
  }
  return "unknown";
}

}  // namespace hush
