// SPDX-License-Identifier: Apache-2.0
// hush-sim's DTLS baseline: mbed TLS's DTLS 1.2 completes its handshake and
// moves data over the simulated radio, clean and at 10 % loss, for both
// suites, and every datagram mbed TLS sent is one the radio carried.

#include <gtest/gtest.h>

#include <cmath>
#include <ctime>

#include "hush-sim/dtls_scenarios.h"

namespace hush::sim {
namespace {

Options opts(const std::string& scenario, double loss, int mtu) {
  Options o;
  o.scenario = scenario;
  o.loss = loss;
  o.mtu = mtu;
  o.timeline = false;
  return o;
}

// Every datagram mbed TLS handed to the bio went on the air, once.
void expect_all_counted(const DtlsReport& d) {
  EXPECT_EQ(d.datagrams_sent, d.r.radio.transmissions);
  uint64_t frames_tx = 0;
  for (const DeviceFigures& f : d.r.devices) frames_tx += f.frames_tx;
  EXPECT_EQ(frames_tx, d.datagrams_sent);
  EXPECT_EQ(d.r.radio.too_big, 0u);
}

struct Case {
  DtlsSuite suite;
  int mtu;  // ECDHE-ECDSA's ClientHello with a cookie does not fit 127 bytes
  uint64_t overhead_min, overhead_max;
};

class DtlsBaseline : public ::testing::TestWithParam<Case> {};

TEST_P(DtlsBaseline, ConnectsAndMovesDataOnACleanRadio) {
  const Case c = GetParam();
  const DtlsReport d = run_dtls_scenario(opts("connect", 0.0, c.mtu), c.suite);
  ASSERT_FALSE(d.refused) << d.refused_reason;
  EXPECT_TRUE(d.r.ok) << (d.r.problems.empty() ? "" : d.r.problems.front());
  EXPECT_EQ(d.r.clients_connected, 1);
  EXPECT_GE(d.r.handshake.frames, 6u);  // ClientHello, HelloVerifyRequest, ClientHello, ... Finished
  EXPECT_GT(d.r.handshake.bytes_on_air, 300u);
  EXPECT_EQ(d.r.handshake.round_trips, 3.0);  // with the cookie exchange
  EXPECT_EQ(d.r.first_data_round_trips, 3.5);
  EXPECT_EQ(d.r.records.delivered, d.r.records.sent);
  EXPECT_GT(d.r.records.sent, 0u);
  EXPECT_EQ(d.r.retransmissions, 0u);
  EXPECT_GE(d.r.records.overhead_bytes, c.overhead_min);
  EXPECT_LE(d.r.records.overhead_bytes, c.overhead_max);
  EXPECT_GE(d.record_overhead_min, c.overhead_min);
  expect_all_counted(d);
}

TEST_P(DtlsBaseline, ConnectsAndMovesDataAtTenPercentLoss) {
  const Case c = GetParam();
  int connected = 0;
  for (uint64_t seed = 1; seed <= 5; ++seed) {
    Options o = opts("traffic", 0.1, c.mtu);
    o.seed = seed;
    const DtlsReport d = run_dtls_scenario(o, c.suite);
    ASSERT_FALSE(d.refused) << d.refused_reason;
    expect_all_counted(d);
    EXPECT_EQ(d.r.records.accepted_twice, 0u);
    if (d.r.clients_connected == 1) {
      ++connected;
      EXPECT_GT(d.r.records.delivered, 0u);
      EXPECT_LE(d.r.records.delivered, d.r.records.sent);
      EXPECT_EQ(d.r.records.overhead_bytes >= c.overhead_min, true);
    }
  }
  EXPECT_GE(connected, 4);
}

TEST_P(DtlsBaseline, SameSeedSameRun) {
  const Case c = GetParam();
  Options o = opts("traffic", 0.1, c.mtu);
  o.seed = 7;
  const DtlsReport a = run_dtls_scenario(o, c.suite);
  const DtlsReport b = run_dtls_scenario(o, c.suite);
  EXPECT_EQ(a.datagrams_sent, b.datagrams_sent);
  EXPECT_EQ(a.r.handshake.bytes_on_air, b.r.handshake.bytes_on_air);
  EXPECT_EQ(a.r.devices.at(0).bytes_tx, b.r.devices.at(0).bytes_tx);
  EXPECT_EQ(a.r.records.delivered, b.r.records.delivered);
  EXPECT_EQ(a.r.sim_ms, b.r.sim_ms);
}

INSTANTIATE_TEST_SUITE_P(Suites, DtlsBaseline,
                         ::testing::Values(Case{DtlsSuite::kPsk, 127, 29, 29},     // 13 header + 8 nonce + 8 tag
                                           Case{DtlsSuite::kEcdsa, 255, 62, 77}),  // IV 16 + MAC 32 + padding
                         [](const ::testing::TestParamInfo<Case>& i) {
                           return std::string(i.param.suite == DtlsSuite::kPsk ? "Psk" : "Ecdsa");
                         });

TEST(DtlsBaselineSleepy, ClientResumesItsSessionAfterRamOff) {
  for (DtlsSuite suite : {DtlsSuite::kPsk, DtlsSuite::kEcdsa}) {
    const DtlsReport d = run_dtls_scenario(opts("sleepy", 0.0, 255), suite);
    EXPECT_TRUE(d.r.ok) << (d.r.problems.empty() ? "" : d.r.problems.front());
    EXPECT_GT(d.saved_session_bytes, 0u);
    EXPECT_TRUE(d.resumed);
    // Abbreviated: ClientHello, HelloVerifyRequest, ClientHello, ServerHello+CCS+Finished, CCS+Finished.
    EXPECT_GE(d.resumption.frames, 4u);
    // Fewer flights than the full handshake; with PSK not fewer bytes (the
    // 32-byte session id rides in both ClientHellos and the ServerHello).
    EXPECT_LT(d.resumption.frames, d.r.handshake.frames - d.resumption.frames);
    if (suite == DtlsSuite::kEcdsa) {
      EXPECT_LT(d.resumption.bytes_on_air, d.r.handshake.bytes_on_air - d.resumption.bytes_on_air);
    }
    expect_all_counted(d);
  }
}

TEST(DtlsBaselineSleepy, ResumptionDoesNotFitA127ByteMtu) {
  // The resuming ClientHello carries the 32-byte session id and the cookie: 153 bytes, never fragmented.
  const DtlsReport d = run_dtls_scenario(opts("sleepy", 0.0, 127), DtlsSuite::kPsk);
  EXPECT_TRUE(d.refused);
  EXPECT_NE(d.refused_reason.find("ClientHello"), std::string::npos) << d.refused_reason;
}

TEST(DtlsBaselineClock, MbedTlsReadsAFixedDate) {
  // Linked with -Wl,--wrap=time: the Hello randoms, cookies and hence the
  // ECDSA signatures (and their DER length) do not depend on the wall clock.
  EXPECT_EQ(std::time(nullptr), static_cast<std::time_t>(1767225600));
}

TEST(DtlsBaselineMtu, RefusalIsReportedInsteadOfNumbers) {
  // mbed TLS never fragments a ClientHello: with a cookie it is 135 bytes for ECDHE-ECDSA.
  const DtlsReport d = run_dtls_scenario(opts("connect", 0.0, 127), DtlsSuite::kEcdsa);
  EXPECT_TRUE(d.refused);
  EXPECT_NE(d.refused_reason.find("ClientHello"), std::string::npos) << d.refused_reason;
  const nlohmann::json j = dtls_json(d);
  EXPECT_TRUE(j["dtls"]["refused"].get<bool>());
  EXPECT_FALSE(j.contains("handshake"));
  Report hush;
  EXPECT_TRUE(ratio_json(hush, d).is_null());
}

TEST(DtlsBaselineJson, SameKeysAsHushPlusRatio) {
  Options o = opts("connect", 0.0, 127);
  const DtlsReport d = run_dtls_scenario(o, DtlsSuite::kPsk);
  const Report h = run_scenario(o);
  const nlohmann::json b = dtls_json(d);
  for (const char* k : {"handshake", "records", "retransmissions", "energy_uj", "devices", "radio"}) {
    EXPECT_TRUE(b.contains(k)) << k;
  }
  EXPECT_EQ(b["handshake"]["frames"].get<uint64_t>(), d.r.handshake.frames);
  EXPECT_EQ(b["records"]["overhead_bytes"].get<uint64_t>(), 29u);
  EXPECT_EQ(b["dtls"]["handshake_timeout_min_ms"].get<uint32_t>(), session::RetransmitSettings{}.initial_ms);
  EXPECT_EQ(b["dtls"]["handshake_timeout_max_ms"].get<uint32_t>(), session::RetransmitSettings{}.max_ms);
  const nlohmann::json r = ratio_json(h, d);
  EXPECT_DOUBLE_EQ(r["handshake_bytes"].get<double>(),
                   std::round(static_cast<double>(h.handshake.bytes_on_air) /
                              static_cast<double>(d.r.handshake.bytes_on_air) * 10000) /
                       10000);
}

}  // namespace
}  // namespace hush::sim
