// SPDX-License-Identifier: Apache-2.0
// Helpers shared by the crypto port tests: hex, spans over vectors, vector
// files and the EdDSA-availability rule.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <ostream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "hex.h"
#include "hush/crypto.h"
#include "hush/error.h"

namespace hush {
// Lets GoogleTest print errors by name.
inline void PrintTo(Error e, std::ostream* os) {
  *os << error_name(e);
}
}  // namespace hush

namespace hush::crypto::test {

using Bytes = std::vector<uint8_t>;
using Json = nlohmann::json;

inline Bytes hex(const std::string& s) {
  return host::from_hex(s);
}

using host::to_hex;

inline ConstByteSpan cspan(const Bytes& b) {
  return ConstByteSpan(b.data(), b.size());
}
inline ByteSpan mspan(Bytes& b) {
  return ByteSpan(b.data(), b.size());
}

template <size_t N>
Bytes to_bytes(const uint8_t (&a)[N]) {
  return Bytes(a, a + N);
}

inline bool all_zero(const Bytes& b) {
  for (uint8_t c : b) {
    if (c != 0) return false;
  }
  return true;
}

// A big-endian integer from Wycheproof (which may carry a sign byte 00 or be
// shorter) as exactly `len` bytes; empty if it does not fit.
inline Bytes fixed_be(const std::string& h, size_t len) {
  Bytes b = hex(h);
  size_t skip = 0;
  while (skip < b.size() && b.size() - skip > len && b[skip] == 0) ++skip;
  b.erase(b.begin(), b.begin() + static_cast<std::ptrdiff_t>(skip));
  if (b.size() > len) return {};
  b.insert(b.begin(), len - b.size(), 0);
  return b;
}

inline std::string data_dir() {
  const char* env = std::getenv("HUSH_TEST_DATA_DIR");
  if (env != nullptr && *env != '\0') return env;
  return HUSH_TEST_DATA_DIR;
}

// Loads a vector file relative to the data dir; fails the test if missing.
inline Json load_json(const std::string& relative) {
  const std::string path = data_dir() + "/" + relative;
  std::ifstream in(path);
  EXPECT_TRUE(in.good()) << "cannot open " << path;
  if (!in.good()) return Json();
  return Json::parse(in);
}

// The only tolerated skip: the psa backend on mbed TLS 2.28 has no EdDSA.
// OpenSSL must always have it, so a kUnsupported there is a failure.
inline bool eddsa_missing() {
  if (std::strcmp(backend_name(), "psa") != 0) return false;
  uint8_t seed[kScalarLen] = {1};
  uint8_t pub[kMaxPublicKeyLen];
  size_t len = 0;
  return public_key(KeyType::kEd25519, PrivateKey::from_raw(seed), pub, len) == Error::kUnsupported;
}

#define HUSH_SKIP_WITHOUT_EDDSA() \
  if (::hush::crypto::test::eddsa_missing()) GTEST_SKIP() << "psa backend (mbed TLS 2.28) has no EdDSA"

}  // namespace hush::crypto::test
