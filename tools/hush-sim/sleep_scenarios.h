// SPDX-License-Identifier: Apache-2.0
#pragma once
// hush-sim scenarios of issue 9 item 6 for pause/wake, rekeying and deep
// sleep (sleep_scenarios.cpp):
//
//   sleepy      connect, readings, an hour with the client's RAM off (the
//               session exported, the Endpoint destroyed and rebuilt, the
//               session imported), a wake, readings; and the same exchange
//               over DTLS 1.2 ECDHE-ECDSA AES-128-CBC-SHA256 (mbed TLS,
//               session resumption) on the same radio model
//   rekey       a session driven past its record limit, traffic both ways
//   deep-sleep  export, power cycle, import, many times; every (key, nonce)
//               pair either side sealed is recorded
//
// Each returns one JSON object; every figure comes from that run.

#include <nlohmann/json.hpp>
#include <string>

#include "scenarios.h"

namespace hush::sim {

bool is_sleep_scenario(const std::string& name);
/// Runs o.scenario (one of the three); the object has "ok" and "problems".
nlohmann::json run_sleep_scenario(const Options& o);

}  // namespace hush::sim
