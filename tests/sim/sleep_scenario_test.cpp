// SPDX-License-Identifier: Apache-2.0
// hush-sim's scenarios of issue 9 run in-process: sleepy (against mbed TLS's
// DTLS 1.2 with request 1's suite), rekey and deep-sleep, with the figures
// of the "Done when" asserted, not only "ok".

#include <gtest/gtest.h>

#include <string>

#include "crypto/crypto_test_util.h"
#include "hush-sim/sleep_scenarios.h"

namespace hush::sim {
namespace {

using nlohmann::json;

Options opts(const std::string& scenario) {
  Options o;
  o.scenario = scenario;
  o.timeline = false;
  // The psa backend (mbed TLS 2.28) has no EdDSA: method 0 runs with suite 2 there.
  if (crypto::test::eddsa_missing()) o.suite = 2;
  return o;
}

std::string problems(const json& j) {
  return j.at("problems").dump();
}

TEST(SleepScenario, SleepyUsesAtMostAFifthOfDtlsEcdsaEnergy) {
  const json j = run_sleep_scenario(opts("sleepy"));
  ASSERT_TRUE(j.at("ok").get<bool>()) << problems(j);
  EXPECT_EQ(j.at("hush").at("method").get<int>(), 3);
  EXPECT_EQ(j.at("hush").at("frames_during_pause").get<int>(), 0);
  EXPECT_EQ(j.at("hush").at("readings_delivered").get<int>(), 20);
  EXPECT_EQ(j.at("dtls12_ecdsa").at("readings_delivered").get<int>(), 20);
  EXPECT_TRUE(j.at("dtls12_ecdsa").at("resumed").get<bool>());
  EXPECT_LE(j.at("energy_ratio_vs_dtls12_ecdsa").get<double>(), 0.2);
  // Signatures (method 0) are reported too, and still use far less than DTLS.
  EXPECT_EQ(j.at("hush_method_0").at("readings_delivered").get<int>(), 20);
  EXPECT_LT(j.at("hush_method_0").at("energy_ratio_vs_dtls12_ecdsa").get<double>(), 0.3);
}

TEST(SleepScenario, RekeyLosesNoRecord) {
  const json j = run_sleep_scenario(opts("rekey"));
  ASSERT_TRUE(j.at("ok").get<bool>()) << problems(j);
  EXPECT_EQ(j.at("records_lost").get<int>(), 0);
}

TEST(SleepScenario, DeepSleepNeverReusesANonce) {
  const json j = run_sleep_scenario(opts("deep-sleep"));
  ASSERT_TRUE(j.at("ok").get<bool>()) << problems(j);
  EXPECT_EQ(j.at("nonce_reuses").get<int>(), 0);
}

}  // namespace
}  // namespace hush::sim
