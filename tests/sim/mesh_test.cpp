// SPDX-License-Identifier: Apache-2.0
// hush-sim --scenario mesh, run in-process: the contract of issue 10 item 9
// (ok, no replay accepted, no nonce reused, every heard command consumed
// exactly once, hush's bytes per command at most 1/3 of DTLS 1.2 PSK's).

#include <gtest/gtest.h>

#include <string>

#include "hush-sim/mesh_scenario.h"

namespace hush::sim {
namespace {

void expect_contract(const MeshReport& r) {
  std::string why;
  for (const std::string& p : r.problems) why += p + "; ";
  EXPECT_TRUE(r.ok) << why;
  EXPECT_EQ(r.replays_accepted, 0u);
  EXPECT_EQ(r.nonce_reuses, 0u);
  EXPECT_GT(r.hush.commands_sent, 0u);
  EXPECT_GT(r.hush.targets_heard, 0u);
  EXPECT_EQ(r.hush.heard_consumed_once, r.hush.targets_heard);
  EXPECT_EQ(r.hush.consumed_twice, 0u);
  ASSERT_TRUE(r.dtls_ran);
  EXPECT_GT(r.dtls.bytes_per_command, 0);
  EXPECT_LE(r.hush.bytes_per_command * 3, r.dtls.bytes_per_command);
  const nlohmann::json j = mesh_json(r);
  for (const char* k : {"scenario", "ok", "commands_sent", "commands_consumed_exactly_once", "replays_accepted",
                        "nonce_reuses", "bytes_per_command", "energy_uj_per_node_per_day",
                        "dtls12_psk_bytes_per_command", "dtls12_psk_energy_uj_per_node_per_day"}) {
    EXPECT_TRUE(j.contains(k)) << k;
  }
  EXPECT_TRUE(j["commands_consumed_exactly_once"]["every_command_consumed_exactly_once"].get<bool>());
}

TEST(MeshScenario, SixHoursMeetTheContract) {
  MeshOptions o;
  o.hours = 6;
  const MeshReport r = run_mesh(o);
  expect_contract(r);
  // The attacker did act, and the reboots did happen inside the 6 hours for some nodes.
  EXPECT_GT(r.attacker_frames, 0u);
  EXPECT_GT(r.hush.command_frames, r.hush.commands_sent);  // repeats on the air
  EXPECT_GT(r.byte_identical_repeats, 0u);
  EXPECT_EQ(r.hush.record_overhead, 11u);
  EXPECT_EQ(r.dtls.record_overhead, 29u);
}

TEST(MeshScenario, DefaultDayIsDeterministicPerSeed) {
  MeshOptions o;
  o.timeline = false;
  const MeshReport a = run_mesh(o);
  expect_contract(a);
  EXPECT_EQ(a.reboots, static_cast<uint64_t>(o.nodes));
  const MeshReport b = run_mesh(o);
  expect_contract(b);
  // hush-sim seeds the crypto port's RNG only on the openssl backend (the
  // psa backend draws from mbed TLS's own generator): there the whole run
  // repeats; on psa the radio repeats but retransmission jitter and Echo
  // values do not, so only the contract is compared.
  if (std::string(crypto::backend_name()) != "openssl") return;
  // Everything but the host time it took (cpu_ms, wall clock: 99 ms in one
  // run and 100 in the next made the sizes differ).
  nlohmann::json ja = mesh_json(a), jb = mesh_json(b);
  ja.erase("cpu_ms");
  jb.erase("cpu_ms");
  EXPECT_EQ(ja.dump(), jb.dump());
  EXPECT_EQ(a.hush.command_bytes, b.hush.command_bytes);
  EXPECT_EQ(a.dtls.command_bytes, b.dtls.command_bytes);
  EXPECT_DOUBLE_EQ(a.hush.energy_uj_per_node_per_day, b.hush.energy_uj_per_node_per_day);
  EXPECT_DOUBLE_EQ(a.dtls.energy_uj_per_node_per_day, b.dtls.energy_uj_per_node_per_day);
}

TEST(MeshScenario, OtherSeedsAndWorkloadsHold) {
  for (uint64_t seed : {2u, 3u, 4u}) {
    MeshOptions o;
    o.seed = seed;
    o.hours = 8;
    o.nodes = 12;
    o.repeats = 3;
    o.timeline = false;
    SCOPED_TRACE(seed);
    expect_contract(run_mesh(o));
  }
}

}  // namespace
}  // namespace hush::sim
