// SPDX-License-Identifier: Apache-2.0
#pragma once

// A deterministic handshake (fixed keys, fixed ephemerals) that the EDHOC
// fuzz targets drive up to the message under test. The trace hook captures
// the keys needed to encrypt fuzz data as a valid PLAINTEXT_2/3, so the
// plaintext parsers are reached, not just the AEAD tag check.

#include <cstdint>
#include <cstdlib>
#include <cstring>

#include "edhoc/edhoc_internal.h"
#include "hush/credential.h"
#include "hush/edhoc.h"

namespace hush::fuzz {

inline void check(bool cond) {
  if (!cond) std::abort();
}

struct Captured {
  uint8_t th_2[32], th_3[32], th_4[32], prk_2e[32], prk_3e2m[32], prk_4e3m[32];
};

inline void capture(void* user, edhoc::TraceId id, ConstByteSpan v) {
  auto* c = static_cast<Captured*>(user);
  uint8_t* dst = nullptr;
  switch (id) {
    case edhoc::TraceId::kTh2: dst = c->th_2; break;
    case edhoc::TraceId::kTh3: dst = c->th_3; break;
    case edhoc::TraceId::kTh4: dst = c->th_4; break;
    case edhoc::TraceId::kPrk2e: dst = c->prk_2e; break;
    case edhoc::TraceId::kPrk3e2m: dst = c->prk_3e2m; break;
    case edhoc::TraceId::kPrk4e3m: dst = c->prk_4e3m; break;
    default: return;
  }
  if (v.size() == 32) std::memcpy(dst, v.data(), 32);
}

struct Party {
  uint8_t sk[32];
  uint8_t pk[crypto::kMaxPublicKeyLen];
  size_t pk_len = 0;
  credential::Ccs ccs;
  void make(crypto::KeyType type, uint8_t seed, uint8_t kid) {
    for (int i = 0; i < 32; ++i) sk[i] = static_cast<uint8_t>(seed + i);
    check(crypto::public_key(type, crypto::PrivateKey::from_raw(sk), pk, pk_len) == Error::kOk);
    const uint8_t serial[2] = {0x01, seed};
    check(ccs.build(ConstByteSpan(serial), ConstByteSpan(&kid, 1), type, ConstByteSpan(pk, pk_len)) == Error::kOk);
  }
  edhoc::LocalCredential local() const {
    return {ccs.cred_view(), ccs.id_cred_view(), crypto::PrivateKey::from_raw(sk)};
  }
  edhoc::PeerCredential peer() const { return {ccs.cred_view(), ConstByteSpan(pk, pk_len)}; }
};

/// Static DH on both sides (method 3) or signatures (method 0), suite 0.
struct Fixture {
  edhoc::Method method;
  Party i, r;
  edhoc::InitiatorBuffer<> ini;
  edhoc::ResponderBuffer<> res;
  Captured cap_i{}, cap_r{};
  uint8_t m1[64], m2[200], m3[200];
  size_t m1_len = 0, m2_len = 0, m3_len = 0;

  explicit Fixture(edhoc::Method m) : method(m) {
    const bool sig = m == edhoc::Method::kSigSig;
    i.make(sig ? crypto::KeyType::kEd25519 : crypto::KeyType::kX25519, 0x10, 0x2B);
    r.make(sig ? crypto::KeyType::kEd25519 : crypto::KeyType::kX25519, 0x20, 0x32);
    ini.set_trace(capture, &cap_i);
    res.set_trace(capture, &cap_r);
  }

  void to_message_1() {
    static const uint8_t kX[32] = {0x5c, 1, 2, 3};
    uint8_t suite = 0;
    edhoc::Message1Params p;
    p.method = method;
    p.suites_i = ConstByteSpan(&suite, 1);
    p.c_i = edhoc::ConnId::from_int(-24);
    p.test_ephemeral = ConstByteSpan(kX);
    check(ini.prepare_message_1(p, m1, m1_len) == Error::kOk);
  }
  void to_message_2() {
    static const uint8_t kY[32] = {0xe6, 9, 8, 7};
    to_message_1();
    edhoc::Message1Info info;
    check(res.process_message_1(ConstByteSpan(m1, m1_len), info) == Error::kOk);
    Error e;
    while ((e = res.prepare_message_2(r.local(), edhoc::ConnId::from_int(-8), ConstByteSpan(), m2, m2_len,
                                      ConstByteSpan(kY))) == Error::kNeedMore) {
    }
    check(e == Error::kOk);
  }
  void to_message_3() {
    to_message_2();
    edhoc::Message2Info info;
    check(ini.process_message_2(ConstByteSpan(m2, m2_len), info) == Error::kOk);
    check(ini.verify_message_2(r.peer()) == Error::kOk);
    check(ini.prepare_message_3(i.local(), ConstByteSpan(), m3, m3_len) == Error::kOk);
  }
};

}  // namespace hush::fuzz
