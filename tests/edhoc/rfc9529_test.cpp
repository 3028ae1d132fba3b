// SPDX-License-Identifier: Apache-2.0
// RFC 9529 (EDHOC traces), kept as data in tests/vectors/rfc9529/:
// trace 1 (method 0, x5t, suite 0) and trace 2 (method 3, kid, suite 2,
// with the wrong-selected-suite error first) byte for byte, and every
// message of the "Invalid Traces" section rejected.

#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <string>

#include <nlohmann/json.hpp>

#include "edhoc/edhoc_internal.h"
#include "handshake_run.h"
#include "hex.h"
#include "hush/edhoc.h"

namespace hush::edhoc {
namespace {

using host::Bytes;
using host::from_hex;
using host::to_hex;
using nlohmann::json;

std::string data_dir() {
  const char* env = std::getenv("HUSH_TEST_DATA_DIR");
  return std::string(env != nullptr ? env : HUSH_TEST_DATA_DIR) + "/rfc9529/";
}

json load(const std::string& name) {
  std::ifstream f(data_dir() + name);
  if (!f) throw std::runtime_error("missing test vector file " + data_dir() + name);
  return json::parse(f);
}

Bytes hex(const json& j, const char* key) {
  return from_hex(j.at(key).get<std::string>());
}
ConstByteSpan view(const Bytes& b) {
  return ConstByteSpan(b.data(), b.size());
}

bool backend_has_eddsa() {
  uint8_t sk[32] = {1};
  uint8_t pub[crypto::kMaxPublicKeyLen];
  size_t len = 0;
  return crypto::public_key(crypto::KeyType::kEd25519, crypto::PrivateKey::from_raw(sk), pub, len) == Error::kOk;
}

host::HandshakeInput input_of(const json& j) {
  host::HandshakeInput in;
  in.method = j.at("method").get<int>();
  in.suites_i.clear();
  for (const auto& s : j.at("suites_i")) in.suites_i.push_back(static_cast<uint8_t>(s.get<int>()));
  in.x = hex(j, "x");
  in.y = hex(j, "y");
  in.c_i = hex(j, "c_i");
  in.c_r = hex(j, "c_r");
  in.sk_i = hex(j, "sk_i");
  in.sk_r = hex(j, "sk_r");
  in.cred_i = hex(j, "cred_i");
  in.cred_r = hex(j, "cred_r");
  in.id_cred_i = hex(j, "id_cred_i");
  in.id_cred_r = hex(j, "id_cred_r");
  in.use_message_4 = j.value("use_message_4", false);
  return in;
}

class Rfc9529Trace : public testing::TestWithParam<const char*> {};

// Every value the RFC prints and hush computes, compared byte for byte.
TEST_P(Rfc9529Trace, ReproducedByteForByte) {
  const json v = load(GetParam());
  host::HandshakeInput in = input_of(v.at("input"));
  if (in.suites_i.back() < 2 && !backend_has_eddsa()) {
    GTEST_SKIP() << "crypto backend '" << crypto::backend_name() << "' has no EdDSA";
  }
  const json& want = v.at("expected");
  if (want.contains("key_update_context")) in.key_update_context = hex(want, "key_update_context");
  const host::HandshakeOutput out = host::run_handshake(in);
  ASSERT_TRUE(out.ok) << out.error;

  size_t compared = 0;
  for (size_t i = 0; i < out.messages.size(); ++i) {
    const std::string key = "message_" + std::to_string(i + 1);
    ASSERT_TRUE(want.contains(key)) << key;
    EXPECT_EQ(to_hex(out.messages[i]), want.at(key).get<std::string>()) << key;
    ++compared;
  }
  for (const char* key :
       {"th_2", "th_3", "th_4", "prk_2e", "prk_3e2m", "prk_4e3m", "prk_out", "prk_exporter", "oscore_master_secret",
        "oscore_master_salt", "prk_out_after_key_update", "prk_exporter_after_key_update",
        "oscore_master_secret_after_key_update", "oscore_master_salt_after_key_update"}) {
    if (!want.contains(key)) continue;
    ASSERT_TRUE(out.values.count(key)) << "hush did not report " << key;
    EXPECT_EQ(to_hex(out.values.at(key)), want.at(key).get<std::string>()) << key;
    ++compared;
  }
  // 4 messages, 3 transcript hashes, 5 PRKs, the OSCORE pair at least.
  EXPECT_GE(compared, 14u);
  std::printf("%s: %zu values match RFC 9529\n", GetParam(), compared);
}

INSTANTIATE_TEST_SUITE_P(Traces, Rfc9529Trace, testing::Values("trace1.json", "trace2.json"),
                         [](const testing::TestParamInfo<const char*>& p) {
                           return std::string(p.param).substr(0, 6);
                         });

// Trace 2 starts with message_1 selecting suite 6, which the Responder
// (supporting suite 2 only) answers with error 02 02; the Initiator's next
// SUITES_I is [6, 2].
TEST(Rfc9529Negotiation, WrongSelectedSuiteFlowOfTrace2) {
  const json v = load("trace2.json");
  const json& neg = v.at("negotiation");
  Settings only2;
  only2.responder_suites = 1u << 2;
  ResponderBuffer<> res(only2);
  Message1Info info;
  ASSERT_EQ(res.process_message_1(view(hex(neg, "message_1_first")), info), Error::kWrongSelectedSuite);
  EXPECT_EQ(res.phase(), Phase::kStart);
  uint8_t suites_r[kMaxSuites];
  size_t n = 0;
  ASSERT_EQ(res.suites_r(suites_r, n), Error::kOk);
  uint8_t err[16];
  size_t len = 0;
  ASSERT_EQ(
      compose_error(wire::ErrCode::kWrongSelectedSuite, ConstByteSpan(), Span<const uint8_t>(suites_r, n), err, len),
      Error::kOk);
  EXPECT_EQ(to_hex(err, len), neg.at("error").get<std::string>());

  PeerError pe;
  ASSERT_EQ(parse_error(ConstByteSpan(err, len), pe), Error::kOk);
  const uint8_t preference[] = {6, 2};
  uint8_t next[kMaxSuites];
  ASSERT_EQ(suites_after_error(ConstByteSpan(preference), ConstByteSpan(pe.suites_r, pe.suites_r_len), next, n),
            Error::kOk);
  ASSERT_EQ(n, 2u);
  EXPECT_EQ(next[0], 6);
  EXPECT_EQ(next[1], 2);
  // ... and the second message_1 of the trace is accepted.
  ResponderBuffer<> res2(only2);
  EXPECT_EQ(res2.process_message_1(view(hex(v.at("expected"), "message_1")), info), Error::kOk);
  EXPECT_EQ(info.suite, 2);
}

// An Initiator of trace 2 that has sent message_1 and waits for message_2.
struct Trace2Initiator {
  json v = load("trace2.json");
  InitiatorBuffer<> ini;
  Trace2Initiator() {
    const json& in = v.at("input");
    const uint8_t suites[] = {6, 2};
    Message1Params p;
    p.method = Method::kStatStat;
    p.suites_i = ConstByteSpan(suites);
    p.c_i = ConnId::from_int(-24);
    const Bytes x = hex(in, "x");
    p.test_ephemeral = view(x);
    uint8_t buf[64];
    size_t len = 0;
    // SUITES_I [6, 2] selects 2, which hush supports; suite 6 only has to be named.
    EXPECT_EQ(ini.prepare_message_1(p, buf, len), Error::kOk);
    EXPECT_EQ(to_hex(buf, len), v.at("expected").at("message_1").get<std::string>());
  }
  // message_2 carrying `plaintext` under trace 2's real G_Y and KEYSTREAM_2.
  Bytes message_2_with(const Bytes& plaintext) {
    const json& e = v.at("expected");
    const Bytes prk_2e = hex(e, "prk_2e");
    const Bytes th_2 = hex(e, "th_2");
    const Bytes m2 = hex(e, "message_2");
    Bytes ks(plaintext.size());
    uint8_t scratch[128];
    EXPECT_EQ(detail::kdf_th(prk_2e.data(), wire::KdfLabel::kKeystream2, th_2.data(), ByteSpan(ks.data(), ks.size()),
                             ByteSpan(scratch)),
              Error::kOk);
    // Sized up front: GCC 12 at -O3 reports a false array-bounds error for
    // an insert into a two-byte vector.
    Bytes out(2 + 32);
    out[0] = 0x58;
    out[1] = static_cast<uint8_t>(32 + plaintext.size());
    std::copy(m2.begin() + 2, m2.begin() + 34, out.begin() + 2);  // G_Y
    for (size_t i = 0; i < plaintext.size(); ++i) out.push_back(static_cast<uint8_t>(plaintext[i] ^ ks[i]));
    return out;
  }
};

TEST(Rfc9529Invalid, EveryInvalidTraceIsRejected) {
  const json cases = load("invalid.json");
  ASSERT_GE(cases.size(), 15u);
  size_t checked = 0;
  for (const auto& c : cases) {
    const std::string name = c.at("name").get<std::string>();
    const std::string kind = c.at("kind").get<std::string>();
    const Bytes msg = hex(c, "hex");
    SCOPED_TRACE(name);
    if (kind == "message_1") {
      // Rejected when parsed, or at the latest when the Responder computes G_XY.
      ResponderBuffer<> res;
      Message1Info info;
      Error e = res.process_message_1(view(msg), info);
      if (e == Error::kOk) {
        const crypto::KeyType type = info.suite >= 2 ? crypto::KeyType::kP256 : crypto::KeyType::kX25519;
        uint8_t sk[32] = {7, 7, 7};
        uint8_t pub[32];
        ASSERT_EQ(crypto::ecdh_generate(type, sk, pub), Error::kOk);
        const uint8_t id_cred[] = {0xa1, 0x04, 0x41, 0x32};
        const uint8_t cred[] = {0xa0};
        LocalCredential own{ConstByteSpan(cred), ConstByteSpan(id_cred), crypto::PrivateKey::from_raw(sk)};
        uint8_t out[300];
        size_t len = 0;
        while ((e = res.prepare_message_2(own, ConnId::from_int(-8), ConstByteSpan(), out, len)) == Error::kNeedMore) {
        }
      }
      EXPECT_NE(e, Error::kOk);
      ++checked;
    } else if (kind == "message_2") {
      Trace2Initiator t;
      Message2Info info;
      EXPECT_NE(t.ini.process_message_2(view(msg), info), Error::kOk);
      EXPECT_EQ(t.ini.phase(), Phase::kSentMessage1);
      ++checked;
    } else if (kind == "plaintext_2") {
      Trace2Initiator t;
      Message2Info info;
      const Error e = t.ini.process_message_2(view(t.message_2_with(msg)), info);
      EXPECT_TRUE(e == Error::kNonDeterministic || e == Error::kInvalidLength || e == Error::kMalformed)
          << error_name(e);
      EXPECT_EQ(t.ini.phase(), Phase::kSentMessage1);
      // The genuine message_2 is still accepted afterwards.
      EXPECT_EQ(t.ini.process_message_2(view(hex(t.v.at("expected"), "message_2")), info), Error::kOk);
      ++checked;
    } else {
      ADD_FAILURE() << "unknown kind " << kind;
    }
  }
  EXPECT_EQ(checked, cases.size());
}

// Finding 10 (documented limit): a compact kid over kMaxKidLen bytes is
// refused, and the genuine message_2 is still accepted afterwards.
TEST(EdhocRegression, CompactKidLongerThanEightBytesIsRefused) {
  Trace2Initiator t;
  // C_R = -8, ID_CRED_R = compact kid h'010203040506070809', an 8-byte MAC_2.
  const Bytes plaintext = from_hex(
      "27"
      "49010203040506070809"
      "48"
      "0000000000000000");
  Message2Info info;
  EXPECT_EQ(t.ini.process_message_2(view(t.message_2_with(plaintext)), info), Error::kInvalidLength);
  EXPECT_EQ(t.ini.phase(), Phase::kSentMessage1);
  EXPECT_EQ(t.ini.process_message_2(view(hex(t.v.at("expected"), "message_2")), info), Error::kOk);
}

}  // namespace
}  // namespace hush::edhoc
