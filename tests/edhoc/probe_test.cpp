// SPDX-License-Identifier: Apache-2.0
// EDHOC against an instrumented crypto port: the test binary is linked with
// --wrap for the public-key operations, aead_seal and hkdf_expand (see
// tests/CMakeLists.txt), so that it can count what the engine calls and make
// a call fail. The library itself is unchanged.

#include <gtest/gtest.h>

#include <fstream>
#include <string>

#include <nlohmann/json.hpp>

#include "crypto/crypto_probe.h"
#include "edhoc_script.h"
#include "hex.h"
#include "hush/edhoc.h"

using hush::ByteSpan;
using hush::ConstByteSpan;
using hush::Error;
using hush::crypto::Aead;
using hush::crypto::KeyType;
using hush::crypto::PrivateKey;

namespace hush::edhoc {
namespace {

using namespace test;
using hush::test::probe;

// Public-key operations done by `step`.
template <typename F>
int pk_ops(F&& step) {
  const int before = probe.public_key_ops;
  step();
  return probe.public_key_ops - before;
}

// Finding 9: a failure after message_3 was sealed aborts the handshake, so
// K_3/IV_3 never seal a second PLAINTEXT_3.
TEST(EdhocRegression, FailureAfterSealingMessage3Aborts) {
  for (int method : {0, 3}) {
    SCOPED_TRACE(method);
    Script run(method, 2);
    ASSERT_EQ(run.step1(), Error::kOk);
    ASSERT_EQ(run.step2(), Error::kOk);
    ASSERT_EQ(run.recv2(run.m2), Error::kOk);
    probe.seals = 0;
    probe.fail_expand_after_seal = true;
    const Error e = run.step3();
    probe.fail_expand_after_seal = false;
    EXPECT_EQ(e, Error::kInvalidArgument);
    EXPECT_EQ(probe.seals, 1);
    EXPECT_EQ(run.ini.phase(), Phase::kFailed);
    EXPECT_EQ(run.step3(), Error::kInvalidState);
    EXPECT_EQ(probe.seals, 1);
  }
}

// Every EDHOC step runs at most one public-key operation; prepare_message_2
// takes exactly three calls (edhoc.h).
TEST(EdhocPkOps, AtMostOnePublicKeyOperationPerCall) {
  for (int method = 0; method < 4; ++method) {
    for (uint8_t suite : {uint8_t{0}, uint8_t{2}}) {
      if (needs_eddsa(method, suite) && !backend_has_eddsa()) continue;
      SCOPED_TRACE(std::to_string(method) + "/" + std::to_string(suite));
      Script run(method, suite);
      Error e = Error::kOk;
      EXPECT_LE(pk_ops([&] { e = run.step1(); }), 1);
      ASSERT_EQ(e, Error::kOk);
      Message1Info i1;
      EXPECT_EQ(pk_ops([&] { e = run.res.process_message_1(view(run.m1), i1); }), 0);
      ASSERT_EQ(e, Error::kOk);
      uint8_t m2[300];
      size_t len = 0;
      int calls = 0;
      do {
        EXPECT_EQ(pk_ops([&] { e = run.res.prepare_message_2(run.r.local(), run.c_r, ConstByteSpan(), m2, len); }), 1);
        ++calls;
        if (e == Error::kNeedMore) {
          EXPECT_EQ(run.res.phase(), Phase::kReceivedMessage1);
          EXPECT_EQ(run.res.process_message_1(view(run.m1), i1), Error::kInvalidState);
        }
      } while (e == Error::kNeedMore && calls < 10);
      ASSERT_EQ(e, Error::kOk);
      EXPECT_EQ(calls, 3);
      run.m2 = Bytes(m2, m2 + len);
      Message2Info i2;
      EXPECT_LE(pk_ops([&] { e = run.ini.process_message_2(view(run.m2), i2); }), 1);
      ASSERT_EQ(e, Error::kOk);
      EXPECT_LE(pk_ops([&] { e = run.ini.verify_message_2(run.r.peer()); }), 1);
      ASSERT_EQ(e, Error::kOk);
      EXPECT_LE(pk_ops([&] { e = run.step3(); }), 1);
      ASSERT_EQ(e, Error::kOk);
      Message3Info i3;
      EXPECT_LE(pk_ops([&] { e = run.res.process_message_3(view(run.m3), i3); }), 1);
      ASSERT_EQ(e, Error::kOk);
      EXPECT_LE(pk_ops([&] { e = run.res.verify_message_3(run.i.peer()); }), 1);
      ASSERT_EQ(e, Error::kOk);
      EXPECT_EQ(pk_ops([&] { e = run.step4(); }), 0);
      ASSERT_EQ(e, Error::kOk);
      EXPECT_EQ(pk_ops([&] { e = run.recv4(run.m4); }), 0);
      ASSERT_EQ(e, Error::kOk);
      expect_same_keys(run);
    }
  }
}

// The resumable prepare_message_2 still gives RFC 9529 trace 2's message_2
// byte for byte, in three calls of one public-key operation each.
TEST(EdhocPkOps, ResumableMessage2MatchesRfc9529Trace2) {
  const char* env = std::getenv("HUSH_TEST_DATA_DIR");
  std::ifstream f(std::string(env != nullptr ? env : HUSH_TEST_DATA_DIR) + "/rfc9529/trace2.json");
  ASSERT_TRUE(f);
  const nlohmann::json v = nlohmann::json::parse(f);
  const auto hex = [&](const char* part, const char* key) {
    return host::from_hex(v.at(part).at(key).get<std::string>());
  };
  const Bytes x = hex("input", "x"), y = hex("input", "y"), sk_r = hex("input", "sk_r");
  const Bytes cred_r = hex("input", "cred_r"), id_cred_r = hex("input", "id_cred_r");
  const uint8_t suites[] = {6, 2};
  InitiatorBuffer<> ini;
  Message1Params p;
  p.suites_i = ConstByteSpan(suites);
  p.c_i = ConnId::from_int(-24);
  p.test_ephemeral = view(x);
  uint8_t m1[100], m2[300];
  size_t n1 = 0, n2 = 0;
  ASSERT_EQ(ini.prepare_message_1(p, m1, n1), Error::kOk);
  Settings only2;
  only2.responder_suites = 1u << 2;
  ResponderBuffer<> res(only2);
  Message1Info i1;
  ASSERT_EQ(res.process_message_1(ConstByteSpan(m1, n1), i1), Error::kOk);
  const LocalCredential own{view(cred_r), view(id_cred_r), crypto::PrivateKey::from_raw(sk_r.data())};
  const ConnId c_r = ConnId::from_int(-8);
  Error e = Error::kOk;
  int calls = 0;
  do {
    EXPECT_EQ(pk_ops([&] { e = res.prepare_message_2(own, c_r, ConstByteSpan(), m2, n2, view(y)); }), 1);
    ++calls;
  } while (e == Error::kNeedMore && calls < 10);
  ASSERT_EQ(e, Error::kOk);
  EXPECT_EQ(calls, 3);
  EXPECT_EQ(host::to_hex(m2, n2), v.at("expected").at("message_2").get<std::string>());
  EXPECT_EQ(res.phase(), Phase::kSentMessage2);
  EXPECT_EQ(res.prepare_message_2(own, c_r, ConstByteSpan(), m2, n2, view(y)), Error::kInvalidState);
}

// A failing call of prepare_message_2 changes nothing; a bad argument on a
// resumed call is refused like on the first.
TEST(EdhocPkOps, ResumedMessage2ChecksItsArgumentsAndCanRetry) {
  Script run(3, 0);
  ASSERT_EQ(run.step1(), Error::kOk);
  Message1Info i1;
  ASSERT_EQ(run.res.process_message_1(view(run.m1), i1), Error::kOk);
  uint8_t m2[300], tiny[4];
  size_t len = 0;
  ASSERT_EQ(run.res.prepare_message_2(run.r.local(), run.c_r, ConstByteSpan(), m2, len), Error::kNeedMore);
  EXPECT_EQ(run.res.prepare_message_2(run.r.local(), run.c_i, ConstByteSpan(), m2, len), Error::kInvalidArgument);
  ASSERT_EQ(run.res.prepare_message_2(run.r.local(), run.c_r, ConstByteSpan(), m2, len), Error::kNeedMore);
  EXPECT_EQ(run.res.prepare_message_2(run.r.local(), run.c_r, ConstByteSpan(), tiny, len), Error::kBufferTooSmall);
  EXPECT_EQ(run.res.phase(), Phase::kReceivedMessage1);
  ASSERT_EQ(run.res.prepare_message_2(run.r.local(), run.c_r, ConstByteSpan(), m2, len), Error::kOk);
  run.m2 = Bytes(m2, m2 + len);
  ASSERT_EQ(run.recv2(run.m2), Error::kOk);
  ASSERT_EQ(run.step3(), Error::kOk);
  ASSERT_EQ(run.recv3(run.m3), Error::kOk);
  expect_same_keys(run);
}

}  // namespace
}  // namespace hush::edhoc
