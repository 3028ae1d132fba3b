// SPDX-License-Identifier: Apache-2.0
// hush-sim's scenarios, run in-process: the "done when" contract of issue 7
// and the JSON keys other tools read.

#include <gtest/gtest.h>

#include <string>

#include "crypto/crypto_test_util.h"
#include "hush-sim/report.h"
#include "hush-sim/scenarios.h"
#include "hush-sim/sim_rng.h"

namespace hush::sim {
namespace {

Options opts(const std::string& scenario) {
  Options o;
  o.scenario = scenario;
  o.timeline = false;
  return o;
}

std::string problems(const Report& r) {
  std::string s;
  for (const std::string& p : r.problems) s += p + "; ";
  return s;
}

// 110 bytes since the key-knowledge MAC (4 bytes on message_1): the issue's
// budget is 112.
TEST(Scenario, ConnectMethod3Suite0IsThreeFramesAndAtMost110Bytes) {
  Options o = opts("connect");
  o.method = 3;
  o.suite = 0;
  const Report r = run_scenario(o);
  ASSERT_TRUE(r.ok) << problems(r);
  EXPECT_EQ(r.handshake.frames, 3u);
  EXPECT_LE(r.handshake.bytes_on_air, 110u);
  EXPECT_EQ(r.handshake.round_trips, 1.5);
  EXPECT_GT(r.handshake.ms_to_connect, 0);
  // The first reading rides with message_3.
  EXPECT_EQ(r.first_data_round_trips, 1.5);
  EXPECT_LE(r.records.overhead_bytes, 11u);
  EXPECT_EQ(r.records.confirmed_delivered, r.records.confirmed_sent);
  EXPECT_EQ(r.retransmissions, 0u);
  for (const DeviceFigures& d : r.devices) EXPECT_GT(d.energy_uj, 0) << d.name;
}

// message_2 of method 0 (104 bytes) is 2.5 times message_1: the server
// demands a cookie first (docs/SECURITY.md "No amplification"), so method 0
// costs a cookie retry (10 bytes) and message_1 again with the cookie.
TEST(Scenario, ConnectMethod0IsAtMost285BytesWithCookieRetry) {
  HUSH_SKIP_WITHOUT_EDDSA();
  Options o = opts("connect");
  o.method = 0;
  const Report r = run_scenario(o);
  ASSERT_TRUE(r.ok) << problems(r);
  EXPECT_EQ(r.handshake.frames, 5u);
  EXPECT_LE(r.handshake.bytes_on_air, 285u);
  EXPECT_EQ(r.first_data_round_trips, 2.5);
}

// Method 0 takes a cookie round trip (above); the cookie'd message_1 has a
// retry budget of its own, so it meets the brief's 99 % at 30 % loss too.
TEST(Scenario, LossSweepMethod0At30PercentSucceeds99PercentOver1000Seeds) {
  Options o = opts("loss-sweep");
  o.method = 0;
  if (crypto::test::eddsa_missing()) o.suite = 2;
  o.loss = 0.3;
  o.seeds = std::string(crypto::backend_name()) == "openssl" ? 1000 : 200;  // as above
  const Report r = run_scenario(o);
  ASSERT_EQ(r.loss_sweep.size(), 1u);
  EXPECT_GE(r.loss_sweep[0].success_rate, 0.99);
}

TEST(Scenario, ConnectMethod0OnMtu32Fragments) {
  HUSH_SKIP_WITHOUT_EDDSA();
  Options o = opts("connect");
  o.method = 0;
  o.mtu = 32;
  const Report r = run_scenario(o);
  ASSERT_TRUE(r.ok) << problems(r);
  EXPECT_TRUE(r.fragmented);
  EXPECT_GT(r.handshake.frames, 3u);
  EXPECT_LE(r.largest_frame, 32u);
  EXPECT_EQ(r.radio.too_big, 0u);
}

TEST(Scenario, TrafficAtLoss20PercentDeliversEveryConfirmedSendOnce) {
  Options o = opts("traffic");
  o.loss = 0.2;
  const Report r = run_scenario(o);
  ASSERT_TRUE(r.ok) << problems(r);
  EXPECT_GT(r.records.confirmed_sent, 0u);
  EXPECT_EQ(r.records.confirmed_delivered, r.records.confirmed_sent);
  EXPECT_EQ(r.records.accepted_twice, 0u);
  EXPECT_GT(r.radio.lost, 0u);
}

TEST(Scenario, TrafficSurvivesDuplicationReorderingAndBursts) {
  for (uint64_t seed = 1; seed <= 5; ++seed) {
    Options o = opts("traffic");
    o.seed = seed;
    o.loss = 0.05;
    o.duplicate = 0.2;
    o.reorder = 0.2;
    o.burst.enabled = true;
    const Report r = run_scenario(o);
    EXPECT_TRUE(r.ok) << "seed " << seed << ": " << problems(r);
    EXPECT_EQ(r.records.accepted_twice, 0u) << "seed " << seed;
    EXPECT_EQ(r.records.confirmed_delivered, r.records.confirmed_sent) << "seed " << seed;
  }
}

// A session-layer bug hush-sim found (now fixed): a confirmed record whose
// every copy was lost until the receiver's replay window moved more than 32
// records past it was finally dropped as too_old and then acknowledged, so
// the sender got kDelivered for a payload the receiving application never
// got (payload #3, client message 3, in this run). A too-old record is
// never acked now: its sender gets kDeliveryFailed.
TEST(Scenario, TooOldConfirmedRecordIsNeverReportedDelivered) {
  Options o = opts("traffic");
  o.seed = 52;
  o.loss = 0.3;
  o.burst.enabled = true;  // --burst 0.05,0.3,0.9
  o.burst.p_good_to_bad = 0.05;
  o.burst.p_bad_to_good = 0.3;
  o.burst.loss_bad = 0.9;
  const Report r = run_scenario(o);
  EXPECT_EQ(r.records.confirmed_received, r.records.confirmed_delivered) << problems(r);
}

TEST(Scenario, LossSweepAt30PercentSucceeds99PercentOver1000Seeds) {
  Options o = opts("loss-sweep");
  o.loss = 0.3;
  // mbed TLS's X25519 (psa) is about 15 times slower than OpenSSL's: there
  // the test runs 200 seeds, and the tool's own 1000-seed row is the figure.
  o.seeds = std::string(crypto::backend_name()) == "openssl" ? 1000 : 200;
  const Report r = run_scenario(o);
  ASSERT_EQ(r.loss_sweep.size(), 1u);
  EXPECT_EQ(r.loss_sweep[0].seeds, o.seeds);
  EXPECT_GE(r.loss_sweep[0].success_rate, 0.99);
}

TEST(Scenario, LossSweepHasRowsFrom0To50Percent) {
  Options o = opts("loss-sweep");
  o.seeds = 10;
  const Report r = run_scenario(o);
  ASSERT_TRUE(r.ok) << problems(r);
  ASSERT_EQ(r.loss_sweep.size(), 11u);
  EXPECT_EQ(r.loss_sweep.front().loss, 0.0);
  EXPECT_EQ(r.loss_sweep.back().loss, 0.5);
  EXPECT_EQ(r.loss_sweep.front().success_rate, 1.0);
  const nlohmann::json j = to_json(r);
  ASSERT_TRUE(j["loss_sweep"].is_array());
  for (const auto& row : j["loss_sweep"]) {
    EXPECT_TRUE(row.contains("loss") && row.contains("success_rate") && row.contains("seeds"));
    EXPECT_GE(row["success_rate"].get<double>(), 0.0);
    EXPECT_LE(row["success_rate"].get<double>(), 1.0);
  }
}

TEST(Scenario, ManyClientsAllConnect) {
  Options o = opts("many");
  const Report r = run_scenario(o);
  EXPECT_TRUE(r.ok) << problems(r);
  EXPECT_EQ(r.clients_connected, r.clients);
  EXPECT_EQ(r.devices.size(), static_cast<size_t>(r.clients) + 1);
}

TEST(Scenario, SameSeedSameReport) {
  Options o = opts("traffic");
  o.loss = 0.2;
  o.seed = 77;
  nlohmann::json a = to_json(run_scenario(o));
  nlohmann::json b = to_json(run_scenario(o));
  a.erase("cpu_ms");
  b.erase("cpu_ms");
  if (!crypto_rng_seeded()) {
    // Without a seeded backend RNG (psa) the endpoints' jitter and keys
    // differ between runs; the handshake's shape does not.
    EXPECT_EQ(a["handshake"]["frames"], b["handshake"]["frames"]);
    EXPECT_EQ(a["handshake"]["bytes_on_air"], b["handshake"]["bytes_on_air"]);
    return;
  }
  EXPECT_EQ(a.dump(), b.dump());
  o.seed = 78;
  nlohmann::json c = to_json(run_scenario(o));
  c.erase("cpu_ms");
  EXPECT_NE(a.dump(), c.dump());
}

TEST(Scenario, JsonHasTheContractKeys) {
  const nlohmann::json j = to_json(run_scenario(opts("connect")));
  for (const char* k :
       {"scenario", "ok", "handshake", "first_data_round_trips", "records", "retransmissions", "drops", "energy_uj"}) {
    EXPECT_TRUE(j.contains(k)) << k;
  }
  for (const char* k : {"frames", "bytes_on_air", "round_trips", "ms_to_connect"}) {
    EXPECT_TRUE(j["handshake"].contains(k)) << k;
  }
  for (const char* k :
       {"sent", "delivered", "overhead_bytes", "confirmed_sent", "confirmed_delivered", "accepted_twice"}) {
    EXPECT_TRUE(j["records"].contains(k)) << k;
  }
  for (const char* k : {"malformed", "replay", "too_old", "auth_fail", "unknown_context", "duplicate", "rate_limited",
                        "fragment", "no_resources"}) {
    EXPECT_TRUE(j["drops"].contains(k)) << k;
  }
  EXPECT_TRUE(j["energy_uj"].contains("client"));
  EXPECT_TRUE(j["energy_uj"].contains("server"));
}

// issue 9 "Done when": 50 servers answer one broadcast (collisions on).
TEST(Scenario, DiscoveryFindsAllFiftyServers) {
  const Report r = run_scenario(opts("discovery"));
  ASSERT_TRUE(r.ok) << problems(r);
  EXPECT_EQ(r.extra.at("servers_found").get<int>(), 50);
  EXPECT_TRUE(r.options.collisions);
  EXPECT_GE(r.extra.at("replies").get<int>(), 50);
  EXPECT_FALSE(r.extra.at("ms_until_all_found").is_null());
}

// issue 9 "Done when": junk costs no public-key operation, and a genuine
// client connects through the flood.
TEST(Scenario, FloodSpendsNoPublicKeyWorkOnJunkAndTheGenuineClientConnects) {
  const Report r = run_scenario(opts("flood"));
  ASSERT_TRUE(r.ok) << problems(r);
  EXPECT_EQ(r.extra.at("pk_ops_on_junk").get<int>(), 0);
  EXPECT_TRUE(r.extra.at("genuine_connected").get<bool>());
  EXPECT_EQ(r.extra.at("server").at("bytes_transmitted_junk_phase").get<int>(), 0);
  EXPECT_LE(r.extra.at("state_held").at("max_half_open_handshakes").get<size_t>(), session::kMaxHandshakes);
  // 800 WAKEs at a paused session: one probe per wake interval at most.
  const auto& wake = r.extra.at("wake");
  EXPECT_GE(wake.at("wakes_received").get<int>(), 800);
  EXPECT_GE(wake.at("probes_sent_while_paused").get<int>(), 1);
  EXPECT_LE(wake.at("probes_sent_while_paused").get<int>(), wake.at("probe_bound").get<int>());
}

}  // namespace
}  // namespace hush::sim
