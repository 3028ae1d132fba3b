// SPDX-License-Identifier: Apache-2.0
// Shared helpers of the record-layer tests.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "context_probe.h"
#include "hex.h"
#include "hush/record.h"
#include "hush/security_context.h"

namespace hush::record {

namespace test {

using Bytes = std::vector<uint8_t>;

inline Bytes hex(const std::string& s) {
  return host::from_hex(s);
}

using host::to_hex;

inline ConstByteSpan span(const Bytes& b) {
  return ConstByteSpan(b.data(), b.size());
}

inline std::string read_vector_file(const std::string& rel) {
  const char* env = std::getenv("HUSH_TEST_DATA_DIR");
  const std::string dir = env != nullptr ? env : HUSH_TEST_DATA_DIR;
  std::ifstream f(dir + "/" + rel);
  EXPECT_TRUE(f.good()) << "missing vector file " << dir << "/" << rel;
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

// A stand-in for non-volatile memory behind the two reserve hooks.
struct FakeNvm {
  uint64_t stored = 0;
  unsigned writes = 0;
  bool fail = false;
  uint32_t failures_stored = 0;
  unsigned failure_writes = 0;
  bool fail_failures = false;

  static bool hook(void* user, uint64_t reserved_until) noexcept {
    auto* self = static_cast<FakeNvm*>(user);
    if (self->fail) return false;
    self->stored = reserved_until;
    ++self->writes;
    return true;
  }
  static bool failure_hook(void* user, uint32_t reserved_until) noexcept {
    auto* self = static_cast<FakeNvm*>(user);
    if (self->fail_failures) return false;
    self->failures_stored = reserved_until;
    ++self->failure_writes;
    return true;
  }
  Persistence persistence(uint32_t ahead, uint32_t failures_ahead = 16) {
    return Persistence{&FakeNvm::hook, this, ahead, &FakeNvm::failure_hook, failures_ahead};
  }
};

inline const Bytes kSecret = hex("0102030405060708090a0b0c0d0e0f10");
inline const Bytes kSalt = hex("9e7ca92223786340");

// Two ends of an EDHOC-derived tunnel (RFC 9529 trace 1 parameters).
struct Pair {
  SecurityContext initiator;
  SecurityContext responder;

  explicit Pair(crypto::Aead alg = crypto::Aead::kAesCcm16_64_128, bool cid = true, UsageLimits limits = {}) {
    const Bytes secret = hex("1e1c6beac3a8a1cac435de7e2f9ae7ff");
    const Bytes salt = hex("ce7ab844c0106d73");
    const Bytes c_i = hex("2d");
    const Bytes c_r = hex("18");
    EdhocSecrets s{alg, span(secret), span(salt), span(c_i), span(c_r), Side::kInitiator};
    ContextOptions o;
    o.send_cid = cid;
    o.limits = limits;
    EXPECT_EQ(initiator.derive(s, o), Error::kOk);
    s.side = Side::kResponder;
    EXPECT_EQ(responder.derive(s, o), Error::kOk);
  }
};

inline Bytes seal_one(SecurityContext& ctx, const Bytes& payload, Sealed* info = nullptr) {
  Bytes out(payload.size() + 32);
  Sealed s;
  EXPECT_EQ(seal(ctx, span(payload), ByteSpan(out.data(), out.size()), s), Error::kOk);
  out.resize(s.size);
  if (info != nullptr) *info = s;
  return out;
}

inline Error open_one(SecurityContext& ctx, const Bytes& record, Bytes* payload = nullptr,
                      const FreshnessProof* proof = nullptr, Opened* info = nullptr) {
  Bytes out(record.size() + 1);
  Opened o;
  const Error e = open(ctx, span(record), ByteSpan(out.data(), out.size()), o, proof);
  out.resize(o.size);
  if (payload != nullptr) *payload = out;
  if (info != nullptr) *info = o;
  return e;
}

}  // namespace test
}  // namespace hush::record
