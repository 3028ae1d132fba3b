// SPDX-License-Identifier: Apache-2.0
#pragma once
// hush-sim --scenario mesh (issue 10 item 9): one always-on controller and
// N sleepy nodes sharing a group key, over simulated hours, run twice on the
// same radio model and the same workload schedule:
//
//   hush      real psk::Node objects (group + pairwise PSK contexts, Echo
//             freshness, byte-identical repeats), with an attacker that
//             records every frame and replays, reorders and reflects them;
//   DTLS 1.2  the real mbed TLS endpoints of dtls_endpoint.h with
//             TLS-PSK-WITH-AES-128-CCM-8, one session per node (DTLS has no
//             group records), a full handshake at boot and after each reboot.
//
// Time jumps from event to event (radio outcomes, scheduled actions, mbed TLS
// timers), so a simulated day of 21 devices takes seconds. Every figure is
// counted from frames that were put on the simulated air. The model (wake
// windows, repeats, reboots, attacker, DTLS sleepiness) is described in
// mesh_scenario.cpp and in the report's `model` strings.

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <ostream>
#include <string>
#include <vector>

#include "radio.h"
#include "world.h"

namespace hush::sim {

struct MeshOptions {
  int nodes = 20;
  double hours = 24;
  int repeats = 5;
  uint64_t seed = 1;
  std::string profile = "efr32-100k-14dbm";
  double loss = 0.05;
  bool attacker = true;
  bool dtls = true;  ///< also run the DTLS 1.2 side (the tests may skip it)
  bool timeline = true;
};

/// What one stack did with the workload.
struct MeshSide {
  uint64_t commands_sent = 0;          ///< commands the controller's application issued
  uint64_t commands_delivered = 0;     ///< consumed by at least one of their targets
  uint64_t targets = 0;                ///< (command, target node) pairs
  uint64_t targets_heard = 0;          ///< the target's radio got an intact copy while it listened
  uint64_t targets_consumed_once = 0;  ///< of all pairs: the application got it exactly once
  uint64_t heard_consumed_once = 0;    ///< of the heard pairs
  uint64_t consumed_twice = 0;         ///< pairs consumed more than once
  uint64_t heard_not_consumed = 0;     ///< heard, yet never consumed
  uint64_t asleep_through_all = 0;     ///< no copy on the air while the target listened (asleep or rebooting)
  uint64_t awake_all_copies_lost = 0;  ///< the target listened during a copy, but the radio lost every one
  uint64_t not_sent_to_target = 0;     ///< DTLS: no session to the target when the command was issued
  uint64_t command_frames = 0, command_bytes = 0;      ///< every copy on the air (repeats included)
  uint64_t freshness_frames = 0, freshness_bytes = 0;  ///< hush: Echo requests and answers; DTLS: handshakes
  uint64_t report_frames = 0, report_bytes = 0;
  uint64_t other_frames = 0, other_bytes = 0;  ///< DTLS alerts and the like
  uint64_t reports_sent = 0, reports_delivered = 0;
  uint64_t reports_skipped = 0;  ///< the node was down, or (DTLS) had no session
  double bytes_per_command = 0;  ///< command_bytes / commands_delivered
  double bytes_per_command_with_freshness = 0;
  double energy_uj_per_node_per_day = 0;  ///< mean over nodes, TX + RX, scaled to 24 h
  double energy_uj_max_node_per_day = 0;
  double tx_uj_per_node_per_day = 0, rx_uj_per_node_per_day = 0;
  double listen_ms_per_node_per_day = 0;            ///< radio on to receive (windows + boot-time exchanges)
  uint64_t handshakes = 0, handshake_failures = 0;  ///< DTLS
  size_t command_frame_bytes = 0;                   ///< size of one command frame (the largest)
  size_t record_overhead = 0;                       ///< largest record bytes - payload seen for a command
};

struct MeshTimelineEntry {
  SimTime at = 0;
  std::string who, what;
};

struct MeshReport {
  bool ok = false;
  std::vector<std::string> problems;
  MeshOptions options;
  std::string profile_description;
  MeshSide hush, dtls;
  bool dtls_ran = false;
  // Adversarial figures (hush side).
  uint64_t replays_accepted = 0;  ///< duplicates + reflections + stale-after-reboot, delivered to an application
  uint64_t duplicates_accepted = 0, reflections_accepted = 0, stale_after_reboot_accepted = 0;
  uint64_t attacker_frames = 0, attacker_replays = 0, attacker_reordered = 0, attacker_reflected = 0;
  uint64_t attacker_first_deliveries = 0;  ///< records first delivered from an attacker's delayed copy
  uint64_t nonce_reuses = 0, nonces_sealed = 0, byte_identical_repeats = 0;
  uint64_t reboots = 0, echo_challenges = 0, echo_answers = 0, freshness_proven = 0;
  uint64_t nvm_writes = 0;
  std::map<std::string, uint64_t> drops;  ///< summed over every hush device
  double sim_hours = 0, cpu_ms = 0;
  std::vector<std::string> model;
  std::vector<MeshTimelineEntry> timeline;  ///< an excerpt (first command, first reboot, first attack)
};

MeshReport run_mesh(const MeshOptions& o);
nlohmann::json mesh_json(const MeshReport& r);
void print_mesh(const MeshReport& r, std::ostream& out);

}  // namespace hush::sim
