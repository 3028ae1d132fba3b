// SPDX-License-Identifier: Apache-2.0
#pragma once

// hush-sim's named scenarios. Each builds a World, drives real endpoints
// through it and returns a Report with every figure taken from what
// happened in that run (report.h prints it).
//
//   demo        the default: a client and a server connect over a lossy link
//               (10 % loss unless --loss) and exchange readings, then close
//   connect     one client, one server; the client queues its first reading
//               right after connect(), so that it rides with message_3
//   traffic     records both ways, confirmed and unconfirmed, over loss
//   loss-sweep  handshake success and time to connect against loss 0..0.5
//   many        one server and N clients that all start at once
//   discovery   50 servers answer one client's broadcast (dos_scenarios.cpp)
//   flood       junk, MAC-valid and WAKE frames at a server while a genuine
//               client connects (dos_scenarios.cpp)

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "radio.h"
#include "world.h"

namespace hush::sim {

struct Options {
  std::string scenario = "demo";
  int method = 3;
  int suite = 0;
  int mtu = 127;
  std::optional<double> loss;  ///< unset: the scenario's default
  uint64_t seed = 1;
  int seeds = 1000;          ///< loss-sweep: seeds per row
  double sweep_step = 0.05;  ///< loss-sweep: row spacing (0..0.5)
  int jobs = 2;              ///< loss-sweep: threads (rows run in parallel; results do not depend on it)
  std::string profile = "efr32-100k-14dbm";
  int clients = static_cast<int>(session::kMaxPeers);
  int readings = 0;  ///< 0: the scenario's default
  BurstLoss burst{};
  double duplicate = 0;
  double reorder = 0;
  bool collisions = false;
  double pk_ms = 0;  ///< simulated time per public-key operation
  bool timeline = true;
};

struct HandshakeFigures {
  uint64_t frames = 0;        ///< EDHOC frames (message_1 with its flags too) and cookie retries, first transmissions
  uint64_t bytes_on_air = 0;  ///< their bytes, framing included, PHY overhead and riding records not
  double round_trips = 0;     ///< half the causal depth of the deepest EDHOC frame accepted
  double ms_to_connect = -1;  ///< connect() to both sides connected; -1: never
};

struct RecordFigures {
  uint64_t sent = 0;            ///< payloads send() accepted
  uint64_t delivered = 0;       ///< distinct payloads the receiving application got
  uint64_t overhead_bytes = 0;  ///< largest header + tag of a data record seen on air
  uint64_t confirmed_sent = 0;
  uint64_t confirmed_delivered = 0;  ///< kDelivered events at the sender
  uint64_t confirmed_received = 0;   ///< of those, payloads the receiver's application got
  uint64_t delivery_failed = 0;
  uint64_t accepted_twice = 0;  ///< payloads the application received more than once
  uint64_t would_block = 0;     ///< send() answered "queue full"; retried later
};

struct DeviceFigures {
  std::string name;
  double energy_uj = 0, tx_uj = 0, rx_uj = 0;
  uint64_t frames_tx = 0, bytes_tx = 0, frames_rx = 0, bytes_rx = 0;
  uint32_t retransmissions = 0;  ///< the endpoint's own counter
  uint32_t pk_operations = 0;
  session::Counters::Drops drops{};
};

struct SweepRow {
  double loss = 0;
  int seeds = 0;
  int successes = 0;
  double success_rate = 0;
  double mean_ms_to_connect = 0;  ///< over the successful runs
  double p95_ms_to_connect = 0;
  double mean_frames = 0;               ///< all frames on air per run, retransmissions included
  double mean_energy_uj = 0;            ///< both devices, per run
  std::map<std::string, int> failures;  ///< by reason
};

struct Report {
  std::string scenario;
  bool ok = false;
  std::vector<std::string> problems;  ///< why ok is false
  Options options;
  std::string profile_description;
  double mean_loss = 0;  ///< the configured loss (Gilbert-Elliott: long-run mean)
  HandshakeFigures handshake;
  double first_data_round_trips = -1;  ///< -1: no data reached the server
  RecordFigures records;
  uint64_t retransmissions = 0;       ///< sum of the endpoints' counters
  uint64_t retransmitted_frames = 0;  ///< frames seen on air twice or more (byte-identical)
  std::map<std::string, uint64_t> drops;
  std::vector<DeviceFigures> devices;
  RadioStats radio;
  int clients = 0, clients_connected = 0;
  bool fragmented = false;  ///< an EDHOC message went out in fragments
  size_t largest_frame = 0;
  double sim_ms = 0;
  double cpu_ms = 0;  ///< host time the run took
  bool deterministic_crypto = false;
  std::vector<TimelineEntry> timeline;
  bool timeline_truncated = false;
  std::vector<std::string> anomalies;
  std::vector<SweepRow> loss_sweep;
  nlohmann::json extra = nlohmann::json::object();  ///< scenario-specific figures, merged into the JSON top level
};

/// The world a scenario runs in, from the options (loss unless --loss).
WorldConfig world_config(const Options& o, double default_loss, uint64_t seed);
/// Radio, device and drop figures of a finished world into `r`.
void collect_world(const World& w, Report& r);

/// The scenario names, in the order --help lists them.
const std::vector<std::string>& scenario_names();

/// Runs opts.scenario. Throws std::invalid_argument for an unknown scenario
/// or bad options.
Report run_scenario(const Options& opts);

}  // namespace hush::sim
