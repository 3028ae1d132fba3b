// SPDX-License-Identifier: Apache-2.0
#pragma once

// hush-sim's discovery and DoS scenarios (docs/SECURITY.md "Denial of
// service", docs/PROTOCOL.md "Discovery").
//
//   discovery  one client broadcasts a discovery request to 50 servers with
//              radio collisions on, and asks again until it has heard every
//              server: servers_found, collisions, replies, time until all found
//   flood      an attacker floods a server with junk message_1 frames, WAKE
//              frames and then MAC-valid message_1 frames from spoofed
//              addresses that never follow up, while a genuine client
//              connects: pk_ops_on_junk, state held, bytes the server sent,
//              genuine_connected

#include "scenarios.h"

namespace hush::sim {

Report run_discovery(const Options& o);
Report run_flood(const Options& o);

}  // namespace hush::sim
