// SPDX-License-Identifier: Apache-2.0
// EDHOC: round trips over every method and suite, tampering, truncation,
// EAD policy, error messages, state-machine misuse and key update.
// The RFC 9529 vectors are checked in rfc9529_test.cpp.

#include <gtest/gtest.h>

#include <cstring>
#include <vector>

#include "edhoc_script.h"
#include "handshake_run.h"
#include "hex.h"
#include "hush/cbor.h"
#include "hush/credential.h"
#include "hush/edhoc.h"

namespace hush::edhoc {
namespace {

using namespace test;

struct MethodSuite {
  int method;
  uint8_t suite;
};

std::vector<MethodSuite> all_combinations() {
  std::vector<MethodSuite> v;
  for (int m = 0; m < 4; ++m) {
    for (uint8_t s = 0; s < 4; ++s) v.push_back({m, s});
  }
  return v;
}

std::string combo_name(const testing::TestParamInfo<MethodSuite>& p) {
  return "method" + std::to_string(p.param.method) + "_suite" + std::to_string(p.param.suite);
}

class EdhocRoundTrip : public testing::TestWithParam<MethodSuite> {};

TEST_P(EdhocRoundTrip, BothRolesDeriveTheSameKeys) {
  const auto [method, suite] = GetParam();
  SKIP_WITHOUT_EDDSA(method, suite);
  Script run(method, suite);
  ASSERT_EQ(run.all(), Error::kOk);
  EXPECT_EQ(run.ini.phase(), Phase::kCompleted);
  EXPECT_EQ(run.res.phase(), Phase::kCompleted);
  expect_same_keys(run);
  // Sizes with 1-byte kids and connection identifiers (RFC 9528 §1.2 for method 3).
  const size_t sig_i = (method == 0 || method == 1) ? 64 : (suite % 2 ? 16 : 8);
  const size_t sig_r = (method == 0 || method == 2) ? 64 : (suite % 2 ? 16 : 8);
  EXPECT_EQ(run.m1.size(), 37u);
  EXPECT_EQ(run.m2.size(),
            cbor::head_size(32 + 2 + cbor::head_size(sig_r) + sig_r) + 32 + 2 + cbor::head_size(sig_r) + sig_r);
  const size_t pt3 = 1 + cbor::head_size(sig_i) + sig_i + (suite % 2 ? 16 : 8);
  EXPECT_EQ(run.m3.size(), cbor::head_size(pt3) + pt3);
}

TEST_P(EdhocRoundTrip, KeyUpdateKeepsBothSidesInStep) {
  const auto [method, suite] = GetParam();
  SKIP_WITHOUT_EDDSA(method, suite);
  Script run(method, suite);
  ASSERT_EQ(run.all(), Error::kOk);
  uint8_t before[16];
  ASSERT_EQ(run.ini.exporter(0, ConstByteSpan(), ByteSpan(before)), Error::kOk);
  const uint8_t ctx[] = {0xa0, 0x11};
  ASSERT_EQ(run.ini.key_update(ConstByteSpan(ctx)), Error::kOk);
  ASSERT_EQ(run.res.key_update(ConstByteSpan(ctx)), Error::kOk);
  expect_same_keys(run);
  uint8_t after[16];
  ASSERT_EQ(run.ini.exporter(0, ConstByteSpan(), ByteSpan(after)), Error::kOk);
  EXPECT_NE(0, std::memcmp(before, after, 16));
}

// Flipping any bit of any byte of message_2, _3 or _4 is rejected, and the
// genuine message is still accepted afterwards: a forgery does not kill the handshake.
TEST_P(EdhocRoundTrip, EveryByteFlipIsRejectedAndTheGenuineMessageStillWorks) {
  const auto [method, suite] = GetParam();
  SKIP_WITHOUT_EDDSA(method, suite);
  Script run(method, suite);
  ASSERT_EQ(run.step1(), Error::kOk);
  ASSERT_EQ(run.step2(), Error::kOk);
  for (size_t k = 0; k < run.m2.size(); ++k) {
    Bytes bad = run.m2;
    bad[k] ^= 0x01;
    EXPECT_NE(run.recv2(bad), Error::kOk) << "message_2 byte " << k;
    ASSERT_TRUE(run.ini.phase() == Phase::kSentMessage1 || run.ini.phase() == Phase::kReceivedMessage2);
  }
  ASSERT_EQ(run.recv2(run.m2), Error::kOk);
  ASSERT_EQ(run.step3(), Error::kOk);
  for (size_t k = 0; k < run.m3.size(); ++k) {
    Bytes bad = run.m3;
    bad[k] ^= 0x80;
    EXPECT_NE(run.recv3(bad), Error::kOk) << "message_3 byte " << k;
    ASSERT_TRUE(run.res.phase() == Phase::kSentMessage2 || run.res.phase() == Phase::kReceivedMessage3);
  }
  ASSERT_EQ(run.recv3(run.m3), Error::kOk);
  ASSERT_EQ(run.step4(), Error::kOk);
  for (size_t k = 0; k < run.m4.size(); ++k) {
    Bytes bad = run.m4;
    bad[k] ^= 0x10;
    EXPECT_NE(run.recv4(bad), Error::kOk) << "message_4 byte " << k;
  }
  ASSERT_EQ(run.recv4(run.m4), Error::kOk);
  expect_same_keys(run);
}

// message_1 is not protected; a changed byte must still make the handshake
// fail: at the Responder, or at the Initiator through TH_2.
TEST_P(EdhocRoundTrip, EveryMessage1ByteFlipMakesTheHandshakeFail) {
  const auto [method, suite] = GetParam();
  SKIP_WITHOUT_EDDSA(method, suite);
  Script base(method, suite);
  ASSERT_EQ(base.step1(), Error::kOk);
  for (size_t k = 0; k < base.m1.size(); ++k) {
    ResponderBuffer<> res;
    Bytes bad = base.m1;
    bad[k] ^= 0x04;
    Message1Info info;
    uint8_t buf[300];
    size_t len = 0;
    if (res.process_message_1(view(bad), info) != Error::kOk) continue;
    Error e;
    while ((e = res.prepare_message_2(base.r.local(), ConnId::from_int(-8), ConstByteSpan(), buf, len)) ==
           Error::kNeedMore) {
    }
    if (e != Error::kOk) continue;
    EXPECT_NE(base.recv2(Bytes(buf, buf + len)), Error::kOk) << "message_1 byte " << k;
  }
}

TEST_P(EdhocRoundTrip, EveryTruncationIsRejected) {
  const auto [method, suite] = GetParam();
  SKIP_WITHOUT_EDDSA(method, suite);
  Script run(method, suite);
  ASSERT_EQ(run.step1(), Error::kOk);
  for (size_t n = 0; n < run.m1.size(); ++n) {
    ResponderBuffer<> res;
    Message1Info info;
    // A prefix that ends after C_I is a valid message_1 without EAD only at full length.
    EXPECT_NE(res.process_message_1(ConstByteSpan(run.m1.data(), n), info), Error::kOk) << n;
  }
  ASSERT_EQ(run.step2(), Error::kOk);
  for (size_t n = 0; n < run.m2.size(); ++n) {
    EXPECT_NE(run.recv2(Bytes(run.m2.begin(), run.m2.begin() + static_cast<long>(n))), Error::kOk) << n;
  }
  ASSERT_EQ(run.recv2(run.m2), Error::kOk);
  ASSERT_EQ(run.step3(), Error::kOk);
  for (size_t n = 0; n < run.m3.size(); ++n) {
    EXPECT_NE(run.recv3(Bytes(run.m3.begin(), run.m3.begin() + static_cast<long>(n))), Error::kOk) << n;
  }
  ASSERT_EQ(run.recv3(run.m3), Error::kOk);
}

INSTANTIATE_TEST_SUITE_P(AllMethodsAndSuites, EdhocRoundTrip, testing::ValuesIn(all_combinations()), combo_name);

TEST(Edhoc, DemoSizesMatchRfc9528) {
  // RFC 9528 §1.2: method 3, kid, 1-byte C_x, suite 0 = 37 + 45 + 19 = 101 bytes.
  Script run(3, 0);
  ASSERT_EQ(run.all(), Error::kOk);
  EXPECT_EQ(run.m1.size() + run.m2.size() + run.m3.size(), 101u);
  EXPECT_EQ(run.m1.size(), 37u);
  EXPECT_EQ(run.m2.size(), 45u);
  EXPECT_EQ(run.m3.size(), 19u);
}

TEST(Edhoc, EadItemsReachTheApplicationAndUnknownCriticalOnesAbort) {
  Script run(3, 0);
  const uint8_t ead_1[] = {0x00, 0x41, 0xe9, 0x18, 0x2a, 0x43, 1, 2, 3};  // padding, then label 42 with a value
  ASSERT_EQ(run.step1(ConstByteSpan(ead_1)), Error::kOk);
  Message1Info info;
  ASSERT_EQ(run.res.process_message_1(view(run.m1), info), Error::kOk);
  ASSERT_EQ(info.ead_1.size(), sizeof(ead_1));
  EXPECT_EQ(0, std::memcmp(info.ead_1.data(), ead_1, sizeof(ead_1)));

  // A critical item (negative label) that nobody recognises aborts processing.
  Script crit(3, 0);
  const uint8_t critical[] = {0x38, 0x29, 0x41, 0x07};                  // label -42
  EXPECT_EQ(crit.step1(ConstByteSpan(critical)), Error::kCriticalEad);  // we refuse to send what we could not accept

  // With a callback that recognises label -42, it is accepted.
  Settings s;
  s.accept_critical_ead = [](void*, int64_t label, ConstByteSpan value) {
    return label == -42 && value.size() == 1 && value[0] == 0x07;
  };
  InitiatorBuffer<> ini(s);
  uint8_t suite = 0;
  Message1Params p;
  p.suites_i = ConstByteSpan(&suite, 1);
  p.c_i = ConnId::from_int(1);
  p.ead_1 = ConstByteSpan(critical);
  uint8_t buf[100];
  size_t len = 0;
  ASSERT_EQ(ini.prepare_message_1(p, buf, len), Error::kOk);
  ResponderBuffer<> plain;  // no callback: rejects
  EXPECT_EQ(plain.process_message_1(ConstByteSpan(buf, len), info), Error::kCriticalEad);
  EXPECT_EQ(plain.phase(), Phase::kStart);
  ResponderBuffer<> aware(s);
  EXPECT_EQ(aware.process_message_1(ConstByteSpan(buf, len), info), Error::kOk);

  // EAD_2, EAD_3 and EAD_4 travel encrypted and arrive intact.
  Script full(3, 0);
  const uint8_t ead_2[] = {0x05, 0x42, 0xaa, 0xbb};
  const uint8_t ead_3[] = {0x06};
  const uint8_t ead_4[] = {0x07, 0x40};
  ASSERT_EQ(full.step1(), Error::kOk);
  ASSERT_EQ(full.step2(ConstByteSpan(ead_2)), Error::kOk);
  Message2Info i2;
  ASSERT_EQ(full.ini.process_message_2(view(full.m2), i2), Error::kOk);
  ASSERT_EQ(i2.ead_2.size(), sizeof(ead_2));
  EXPECT_EQ(0, std::memcmp(i2.ead_2.data(), ead_2, sizeof(ead_2)));
  ASSERT_EQ(full.ini.verify_message_2(full.r.peer()), Error::kOk);
  ASSERT_EQ(full.step3(ConstByteSpan(ead_3)), Error::kOk);
  Message3Info i3;
  ASSERT_EQ(full.res.process_message_3(view(full.m3), i3), Error::kOk);
  ASSERT_EQ(i3.ead_3.size(), 1u);
  EXPECT_EQ(i3.ead_3[0], 0x06);
  ASSERT_EQ(full.res.verify_message_3(full.i.peer()), Error::kOk);
  ASSERT_EQ(full.step4(ConstByteSpan(ead_4)), Error::kOk);
  ConstByteSpan got4;
  ASSERT_EQ(full.ini.process_message_4(view(full.m4), got4), Error::kOk);
  ASSERT_EQ(got4.size(), sizeof(ead_4));
  expect_same_keys(full);
}

TEST(Edhoc, WrongCredentialFailsVerificationAndTheRealOneStillWorks) {
  Script run(3, 0);
  ASSERT_EQ(run.step1(), Error::kOk);
  ASSERT_EQ(run.step2(), Error::kOk);
  Message2Info info;
  ASSERT_EQ(run.ini.process_message_2(view(run.m2), info), Error::kOk);
  Party impostor(crypto::KeyType::kX25519, 2, 0x32);
  EXPECT_EQ(run.ini.verify_message_2(impostor.peer()), Error::kAuthFailed);
  EXPECT_EQ(run.ini.phase(), Phase::kSentMessage1);
  ASSERT_EQ(run.recv2(run.m2), Error::kOk);
}

TEST(Edhoc, CallsOutOfOrderAreRefused) {
  Script run(3, 0);
  uint8_t buf[300];
  size_t len = 0;
  Message2Info i2;
  EXPECT_EQ(run.ini.verify_message_2(run.r.peer()), Error::kInvalidState);
  EXPECT_EQ(run.ini.prepare_message_3(run.i.local(), ConstByteSpan(), buf, len), Error::kInvalidState);
  EXPECT_EQ(run.res.prepare_message_2(run.r.local(), ConnId::from_int(3), ConstByteSpan(), buf, len),
            Error::kInvalidState);
  EXPECT_EQ(run.res.prepare_message_4(ConstByteSpan(), buf, len), Error::kInvalidState);
  uint8_t k[16];
  EXPECT_EQ(run.ini.exporter(0, ConstByteSpan(), ByteSpan(k)), Error::kInvalidState);
  ASSERT_EQ(run.step1(), Error::kOk);
  EXPECT_EQ(run.step1(), Error::kInvalidState);  // a second message_1 in the same session
  ASSERT_EQ(run.step2(), Error::kOk);
  ASSERT_EQ(run.recv2(run.m2), Error::kOk);
  EXPECT_EQ(run.ini.process_message_2(view(run.m2), i2), Error::kInvalidState);  // duplicate message_2
  run.ini.abort();
  EXPECT_EQ(run.ini.phase(), Phase::kFailed);
  EXPECT_EQ(run.step3(), Error::kInvalidState);
  run.ini.reset();
  EXPECT_EQ(run.ini.phase(), Phase::kStart);
}

TEST(Edhoc, BufferTooSmallIsAnErrorNotACrash) {
  Script run(0 + 3, 0);
  uint8_t small[20];
  size_t len = 0;
  uint8_t suite = 0;
  Message1Params p;
  p.suites_i = ConstByteSpan(&suite, 1);
  p.c_i = ConnId::from_int(0);
  EXPECT_EQ(run.ini.prepare_message_1(p, ByteSpan(small), len), Error::kBufferTooSmall);
  EXPECT_EQ(run.ini.phase(), Phase::kStart);
}

TEST(EdhocErrors, ComposeAndParseEveryCode) {
  uint8_t buf[64];
  size_t len = 0;
  const char diag[] = "bad";
  ASSERT_EQ(compose_error(wire::ErrCode::kUnspecified, ConstByteSpan(reinterpret_cast<const uint8_t*>(diag), 3),
                          Span<const uint8_t>(), buf, len),
            Error::kOk);
  const uint8_t want1[] = {0x01, 0x63, 'b', 'a', 'd'};
  ASSERT_EQ(len, sizeof(want1));
  EXPECT_EQ(0, std::memcmp(buf, want1, len));
  PeerError pe;
  ASSERT_EQ(parse_error(ConstByteSpan(buf, len), pe), Error::kOk);
  EXPECT_EQ(pe.code, 1);

  const uint8_t two[] = {2};
  ASSERT_EQ(compose_error(wire::ErrCode::kWrongSelectedSuite, ConstByteSpan(), Span<const uint8_t>(two), buf, len),
            Error::kOk);
  ASSERT_EQ(len, 2u);  // RFC 9529 trace 2: error = 02 02
  EXPECT_EQ(buf[0], 0x02);
  EXPECT_EQ(buf[1], 0x02);
  const uint8_t many[] = {9, 8};
  ASSERT_EQ(compose_error(wire::ErrCode::kWrongSelectedSuite, ConstByteSpan(), Span<const uint8_t>(many), buf, len),
            Error::kOk);
  ASSERT_EQ(parse_error(ConstByteSpan(buf, len), pe), Error::kOk);
  ASSERT_EQ(pe.suites_r_len, 2);
  EXPECT_EQ(pe.suites_r[0], 9);

  ASSERT_EQ(compose_error(wire::ErrCode::kUnknownCredential, ConstByteSpan(), Span<const uint8_t>(), buf, len),
            Error::kOk);
  const uint8_t want3[] = {0x03, 0xf5};
  ASSERT_EQ(len, 2u);
  EXPECT_EQ(0, std::memcmp(buf, want3, 2));
  ASSERT_EQ(parse_error(ConstByteSpan(buf, len), pe), Error::kOk);
  EXPECT_EQ(pe.code, 3);
}

TEST(EdhocErrors, MalformedErrorMessagesAreRejected) {
  const std::vector<Bytes> bad = {
      {},                        // empty
      {0x00, 0xf5},              // code 0 is success and never sent
      {0x02, 0x81, 0x02},        // single suite as an array
      {0x03, 0xf4},              // code 3 needs true
      {0x01, 0x41, 0x00},        // code 1 needs a tstr
      {0x02, 0x02, 0x02},        // trailing data
      {0x01},                    // truncated
      {0x19, 0x00, 0x02, 0x02},  // non-deterministic code
  };
  for (const auto& b : bad) {
    PeerError pe;
    EXPECT_NE(parse_error(view(b), pe), Error::kOk) << host::to_hex(b);
  }
}

TEST(EdhocNegotiation, SuitesAfterErrorKeepsPreferredSuitesInFront) {
  const uint8_t pref[] = {5, 6, 7, 8, 9};
  const uint8_t r1[] = {6};
  uint8_t out[kMaxSuites];
  size_t len = 0;
  ASSERT_EQ(suites_after_error(ConstByteSpan(pref), ConstByteSpan(r1), out, len), Error::kOk);
  ASSERT_EQ(len, 2u);  // RFC 9528 §6.3.2 example 1: [5, 6]
  EXPECT_EQ(out[1], 6);
  const uint8_t r2[] = {9, 8};
  ASSERT_EQ(suites_after_error(ConstByteSpan(pref), ConstByteSpan(r2), out, len), Error::kOk);
  ASSERT_EQ(len, 4u);  // example 2: [5, 6, 7, 8]
  EXPECT_EQ(out[3], 8);
  const uint8_t none[] = {24};
  EXPECT_EQ(suites_after_error(ConstByteSpan(pref), ConstByteSpan(none), out, len), Error::kUnsupported);
}

TEST(EdhocNegotiation, ResponderRejectsASuiteWhenItSupportsAPreferredOne) {
  // SUITES_I = [0, 2]: the Initiator prefers 0 but selected 2; a Responder
  // supporting 0 must refuse and point at 0 (§5.2.3, §6.3.1).
  const uint8_t suites[] = {0, 2};
  InitiatorBuffer<> ini;
  Message1Params p;
  p.suites_i = ConstByteSpan(suites);
  p.c_i = ConnId::from_int(4);
  uint8_t buf[100];
  size_t len = 0;
  ASSERT_EQ(ini.prepare_message_1(p, buf, len), Error::kOk);
  ResponderBuffer<> res;
  Message1Info info;
  EXPECT_EQ(res.process_message_1(ConstByteSpan(buf, len), info), Error::kWrongSelectedSuite);
  uint8_t sr[kMaxSuites];
  size_t n = 0;
  ASSERT_EQ(res.suites_r(sr, n), Error::kOk);
  ASSERT_EQ(n, 1u);
  EXPECT_EQ(sr[0], 0);
  // A Responder configured for suite 2 only accepts it.
  Settings only2;
  only2.responder_suites = 1u << 2;
  ResponderBuffer<> res2(only2);
  EXPECT_EQ(res2.process_message_1(ConstByteSpan(buf, len), info), Error::kOk);
  EXPECT_EQ(info.suite, 2);
}

TEST(EdhocConnId, WireFormFollowsBstrRepr) {
  // RFC 9528 §3.3.2 examples.
  EXPECT_EQ(ConnId::from_int(-2).view()[0], 0x21);
  EXPECT_EQ(ConnId::from_int(13).view()[0], 0x0D);
  EXPECT_EQ(ConnId::from_int(-24).view()[0], 0x37);
  EXPECT_FALSE(ConnId::from_int(24).is_set());  // not a one-byte int
}

TEST(EdhocCredential, CcsMatchesRfc9529Trace2) {
  // RFC 9529 §3 (trace 2): CRED_R = {2: "example.edu", 8: {1: {1: 2, 2: h'32', -1: 1, -2: x, -3: y}}}.
  const Bytes want = host::from_hex(
      "a2026b6578616d706c652e65647508a101a501020241322001215820bbc34960526ea4d32e940cad2a234148ddc21791a12afbcbac9362"
      "2046dd44f02258204519e257236b2a0ce2023f0931f1f386ca7afda64fcde0108c224c51eabf6072");
  const Bytes x = Bytes(want.begin() + 28, want.begin() + 60);
  const Bytes y = Bytes(want.begin() + 63, want.end());
  Bytes xy = x;
  xy.insert(xy.end(), y.begin(), y.end());
  const char* sub = "example.edu";
  const uint8_t kid[] = {0x32};
  uint8_t out[credential::kMaxCcsLen + 8];
  size_t len = 0;
  ASSERT_EQ(credential::build_ccs(ConstByteSpan(reinterpret_cast<const uint8_t*>(sub), 11), ConstByteSpan(kid),
                                  crypto::KeyType::kP256, view(xy), out, len),
            Error::kOk);
  EXPECT_EQ(host::to_hex(out, len), host::to_hex(want));
  uint8_t idc[credential::kMaxIdCredLen];
  ASSERT_EQ(credential::build_id_cred_kid(ConstByteSpan(kid), idc, len), Error::kOk);
  EXPECT_EQ(host::to_hex(idc, len), "a1044132");
}

}  // namespace
}  // namespace hush::edhoc
