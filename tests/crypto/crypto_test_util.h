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
  Bytes out;
  auto nibble = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  EXPECT_EQ(s.size() % 2, 0u) << "odd number of hex digits: " << s;
  for (size_t i = 0; i + 1 < s.size(); i += 2) {
    const int hi = nibble(s[i]);
    const int lo = nibble(s[i + 1]);
    EXPECT_TRUE(hi >= 0 && lo >= 0) << "bad hex: " << s;
    out.push_back(static_cast<uint8_t>(hi * 16 + lo));
  }
  return out;
}

inline std::string to_hex(ConstByteSpan b) {
  static const char* kDigits = "0123456789abcdef";
  std::string s;
  for (uint8_t c : b) {
    s.push_back(kDigits[c >> 4]);
    s.push_back(kDigits[c & 0xF]);
  }
  return s;
}

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
