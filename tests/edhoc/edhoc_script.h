// SPDX-License-Identifier: Apache-2.0
#pragma once

// A scripted EDHOC handshake between an in-process Initiator and Responder,
// shared by the EDHOC test files: every message is kept so that a test can
// tamper with any of them.

#include <gtest/gtest.h>

#include <cstring>
#include <vector>

#include "handshake_run.h"
#include "hush/credential.h"
#include "hush/edhoc.h"

namespace hush::edhoc::test {

using host::Bytes;

inline ConstByteSpan view(const Bytes& b) {
  return ConstByteSpan(b.data(), b.size());
}

inline bool backend_has_eddsa() {
  uint8_t sk[32] = {1};
  uint8_t pub[crypto::kMaxPublicKeyLen];
  size_t len = 0;
  return crypto::public_key(crypto::KeyType::kEd25519, crypto::PrivateKey::from_raw(sk), pub, len) == Error::kOk;
}

inline bool needs_eddsa(int method, uint8_t suite) {
  return suite < 2 && method != 3;
}

#define SKIP_WITHOUT_EDDSA(method, suite)                 \
  if (needs_eddsa(method, suite) && !backend_has_eddsa()) \
  GTEST_SKIP() << "crypto backend '" << crypto::backend_name() << "' has no EdDSA"

// One party: random authentication key and a CCS built from its serial.
struct Party {
  uint8_t sk[32];
  uint8_t pk[crypto::kMaxPublicKeyLen];
  size_t pk_len = 0;
  credential::Ccs ccs;

  Party(crypto::KeyType type, uint8_t serial_byte, uint8_t kid) {
    EXPECT_EQ(crypto::random_bytes(ByteSpan(sk)), Error::kOk);
    if (type == crypto::KeyType::kX25519 || type == crypto::KeyType::kP256) {
      uint8_t pub32[32];
      EXPECT_EQ(crypto::ecdh_generate(type, sk, pub32), Error::kOk);
    }
    EXPECT_EQ(crypto::public_key(type, crypto::PrivateKey::from_raw(sk), pk, pk_len), Error::kOk);
    const uint8_t serial[4] = {0xAB, 0xCD, 0x00, serial_byte};
    const uint8_t kid_bytes[1] = {kid};
    EXPECT_EQ(ccs.build(ConstByteSpan(serial), ConstByteSpan(kid_bytes), type, ConstByteSpan(pk, pk_len)), Error::kOk);
  }
  LocalCredential local() const { return {ccs.cred_view(), ccs.id_cred_view(), crypto::PrivateKey::from_raw(sk)}; }
  PeerCredential peer() const { return {ccs.cred_view(), ConstByteSpan(pk, pk_len)}; }
};

// A scripted handshake with every message kept, so tests can tamper with any.
struct Script {
  int method;
  uint8_t suite;
  Party i, r;
  InitiatorBuffer<> ini;
  ResponderBuffer<> res;
  Bytes m1, m2, m3, m4;
  ConnId c_i = ConnId::from_int(-24);
  ConnId c_r = ConnId::from_int(-8);

  Script(int m, uint8_t s)
      : method(m),
        suite(s),
        i(host::auth_key_type(m, s, false), 1, 0x2B),
        r(host::auth_key_type(m, s, true), 2, 0x32) {}

  Bytes out_bytes(const uint8_t* p, size_t n) { return Bytes(p, p + n); }

  Error step1(ConstByteSpan ead_1 = ConstByteSpan()) {
    uint8_t buf[300];
    size_t len = 0;
    Message1Params p;
    p.method = static_cast<Method>(method);
    p.suites_i = ConstByteSpan(&suite, 1);
    p.c_i = c_i;
    p.ead_1 = ead_1;
    HUSH_TRY(ini.prepare_message_1(p, buf, len));
    m1 = out_bytes(buf, len);
    return Error::kOk;
  }
  Error step2(ConstByteSpan ead_2 = ConstByteSpan()) {
    Message1Info info;
    HUSH_TRY(res.process_message_1(view(m1), info));
    uint8_t buf[300];
    size_t len = 0;
    Error e;
    while ((e = res.prepare_message_2(r.local(), c_r, ead_2, buf, len)) == Error::kNeedMore) {
    }
    HUSH_TRY(e);
    m2 = out_bytes(buf, len);
    return Error::kOk;
  }
  Error recv2(const Bytes& msg) {
    Message2Info info;
    HUSH_TRY(ini.process_message_2(view(msg), info));
    if (!info.id_cred_r.is_kid || info.id_cred_r.kid.size() != 1 || info.id_cred_r.kid[0] != 0x32) {
      return Error::kUnknownCredential;
    }
    return ini.verify_message_2(r.peer());
  }
  Error step3(ConstByteSpan ead_3 = ConstByteSpan()) {
    uint8_t buf[300];
    size_t len = 0;
    HUSH_TRY(ini.prepare_message_3(i.local(), ead_3, buf, len));
    m3 = out_bytes(buf, len);
    return Error::kOk;
  }
  Error recv3(const Bytes& msg) {
    Message3Info info;
    HUSH_TRY(res.process_message_3(view(msg), info));
    return res.verify_message_3(i.peer());
  }
  Error step4(ConstByteSpan ead_4 = ConstByteSpan()) {
    uint8_t buf[300];
    size_t len = 0;
    HUSH_TRY(res.prepare_message_4(ead_4, buf, len));
    m4 = out_bytes(buf, len);
    return Error::kOk;
  }
  Error recv4(const Bytes& msg) {
    ConstByteSpan ead_4;
    return ini.process_message_4(view(msg), ead_4);
  }
  Error all() {
    HUSH_TRY(step1());
    HUSH_TRY(step2());
    HUSH_TRY(recv2(m2));
    HUSH_TRY(step3());
    HUSH_TRY(recv3(m3));
    HUSH_TRY(step4());
    return recv4(m4);
  }
};

inline void expect_same_keys(Script& run) {
  uint8_t a[32], b[32];
  ASSERT_EQ(run.ini.exporter(40, ConstByteSpan(), ByteSpan(a)), Error::kOk);
  ASSERT_EQ(run.res.exporter(40, ConstByteSpan(), ByteSpan(b)), Error::kOk);
  EXPECT_EQ(0, std::memcmp(a, b, 32));
  uint8_t s1[16], t1[8], s2[16], t2[8];
  ASSERT_EQ(run.ini.oscore_secrets(s1, t1), Error::kOk);
  ASSERT_EQ(run.res.oscore_secrets(s2, t2), Error::kOk);
  EXPECT_EQ(0, std::memcmp(s1, s2, 16));
  EXPECT_EQ(0, std::memcmp(t1, t2, 8));
}
}  // namespace hush::edhoc::test
