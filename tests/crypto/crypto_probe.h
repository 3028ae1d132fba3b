// SPDX-License-Identifier: Apache-2.0
#pragma once

// An instrumented crypto port for tests: a test binary linked with --wrap
// for the public-key operations, aead_seal and hkdf_expand (see
// HUSH_WRAPPED_CRYPTO in tests/CMakeLists.txt) gets these counters and
// failure switches. The library itself is unchanged.

namespace hush::test {

struct CryptoProbe {
  int public_key_ops = 0;  // ecdh_generate, ecdh, public_key, sign, verify
  int seals = 0;
  bool fail_expand_after_seal = false;
};

/// The one probe of the test binary.
extern CryptoProbe probe;

}  // namespace hush::test
