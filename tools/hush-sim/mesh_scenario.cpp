// SPDX-License-Identifier: Apache-2.0
// hush-sim --scenario mesh: see mesh_scenario.h.
//
// The model, shared by both stacks (hush and DTLS run the same schedule,
// drawn once from --seed):
//
// - Wake windows. Every node listens for 100 ms once a minute, in the
//   network's wake slot (30 s into each minute), shifted by its clock error,
//   a fresh uniform draw in +-100 ms for every node and minute. Outside its
//   windows a node's radio is off: frames are not received and cost no RX
//   energy. The controller is mains-powered and always listens (its energy
//   is not reported). The profiles give energy per byte only, so idle
//   listening is not charged; its duration is reported instead.
// - Commands: one per hour at a random minute, 4 bytes, alternately to the
//   whole group and to one random node. The controller cannot know the
//   nodes' clock errors, so it repeats the frame `repeats` times, evenly
//   through the wake period (the slot +-100 ms plus the 100 ms window);
//   with 5 repeats every window overlaps one or two copies.
// - Reports: 8 bytes from every node every 10 minutes, at its own phase;
//   sending needs no listening (the controller always listens).
// - Reboots: one per node at a random time; the node is down for 500 ms and
//   keeps only what its storage hooks wrote (sequence reservations and v).
//   At boot it asks for freshness (hush: Echo challenges to the controller,
//   group and pairwise; DTLS: a full handshake) and stays awake until that
//   finishes or 10 tries (hush) / mbed TLS's timer (DTLS) give up.
// - Radio: the hush-sim radio model and profile, `loss` per frame and
//   receiver, everything broadcast (a node pays RX for any frame on the air
//   while it listens).

#include "mesh_scenario.h"
#include "mesh_model.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <functional>
#include <memory>
#include <queue>
#include <set>
#include <stdexcept>

#include "dtls_endpoint.h"
#include "hush/crypto.h"
#include "hush/psk.h"
#include "hush/record.h"
#include "hush/wire.h"

namespace hush::sim {

using mesh::kCommandLen;
using mesh::kReportLen;

MeshReport run_mesh(const MeshOptions& o) {
  if (o.nodes < 1 || o.nodes > 120) throw std::invalid_argument("--nodes must be 1..120");
  if (o.hours <= 0 || o.hours > 24 * 30) throw std::invalid_argument("--hours must be in (0, 720]");
  if (o.repeats < 1 || o.repeats > 50) throw std::invalid_argument("--repeats must be 1..50");
  const auto t0 = std::chrono::steady_clock::now();
  MeshReport r;
  r.options = o;
  r.sim_hours = o.hours;
  const RadioProfile* p = find_radio_profile(o.profile);
  if (!p) throw std::invalid_argument("unknown radio profile '" + o.profile + "'");
  r.profile_description = p->description;
  const mesh::Schedule s = mesh::make_schedule(o);
  r.model = {
      "wake: every node listens 100 ms once a minute, in the network's slot (30 s into the minute) shifted by its "
      "clock error, uniform in +-100 ms, drawn per node and minute; outside its windows its radio is off (no "
      "reception, no RX energy); the controller always listens and its energy is not reported",
      "commands: one per hour at a random minute, 4 bytes, alternately to the group and to one random node, put on "
      "the air " +
          std::to_string(o.repeats) +
          " times evenly through the wake period (slot +-100 ms plus the 100 ms window), byte-identical copies",
      "reports: 8 bytes from every node every 10 minutes (hush: pairwise record to the controller)",
      "reboots: one per node at a random time; down 500 ms; only the storage hooks' values survive; at boot a hush "
      "node sends Echo challenges (group and pairwise) and listens 50 ms per try, up to 10 tries, then retries in "
      "its next windows; policy kStrict",
      "attacker (hush side): hears every frame; in 30 % of the wake slots it replays 1-3 recorded frames (commands "
      "half the time), replays the last 4 frames newest first, or reflects a frame to its sender",
      "energy: radio TX and RX per byte on air (PHY overhead included) from the profile; idle listening is not "
      "modelled (the profiles give energy per byte only): listen_ms_per_node_per_day says how long radios listened",
      "DTLS 1.2: mbed TLS client per node, server per node at the controller, TLS-PSK-WITH-AES-128-CCM-8, cookies "
      "on; full handshake at first boot and after each reboot with the node awake until it ends; a group command "
      "is one record per node; each command datagram mbed TLS wrote is put on the air at the same times as hush's "
      "copies (the N datagrams of a group copy back to back); nodes listen in the same windows; no attacker",
      "a command whose target slept (or was rebooting) through every copy, or heard copies the radio lost, is not "
      "consumed and is reported as such; exactly-once is checked over the (command, target) pairs whose target "
      "received at least one intact copy while listening",
  };
  mesh::run_hush_mesh(o, s, r);
  if (o.dtls) {
    mesh::run_dtls_mesh(o, s, r);
    r.dtls_ran = true;
  }
  const MeshSide& h = r.hush;
  if (h.commands_sent == 0) r.problems.push_back("no command was sent (--hours too short?)");
  if (r.nonce_reuses > 0) r.problems.push_back("nonce reuse");
  if (r.replays_accepted > 0) r.problems.push_back("replay accepted");
  if (h.heard_consumed_once != h.targets_heard) r.problems.push_back("a heard command was not consumed exactly once");
  if (h.consumed_twice > 0) r.problems.push_back("a command was consumed twice");
  if (r.dtls_ran && r.dtls.bytes_per_command > 0 && h.bytes_per_command * 3 > r.dtls.bytes_per_command) {
    r.problems.push_back("bytes_per_command above 1/3 of DTLS 1.2 PSK's");
  }
  r.ok = r.problems.empty();
  r.cpu_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
  return r;
}

namespace {

nlohmann::json side_json(const MeshSide& m) {
  return {{"commands_sent", m.commands_sent},
          {"commands_delivered", m.commands_delivered},
          {"command_targets", m.targets},
          {"targets_heard_a_copy", m.targets_heard},
          {"targets_consumed_exactly_once", m.targets_consumed_once},
          {"heard_and_consumed_exactly_once", m.heard_consumed_once},
          {"heard_not_consumed", m.heard_not_consumed},
          {"consumed_twice", m.consumed_twice},
          {"asleep_through_all_copies", m.asleep_through_all},
          {"awake_but_every_copy_lost", m.awake_all_copies_lost},
          {"not_sent_no_session", m.not_sent_to_target},
          {"command_frames", m.command_frames},
          {"command_bytes", m.command_bytes},
          {"command_frame_bytes", m.command_frame_bytes},
          {"record_overhead", m.record_overhead},
          {"freshness_frames", m.freshness_frames},
          {"freshness_bytes", m.freshness_bytes},
          {"report_frames", m.report_frames},
          {"report_bytes", m.report_bytes},
          {"other_frames", m.other_frames},
          {"other_bytes", m.other_bytes},
          {"reports_sent", m.reports_sent},
          {"reports_delivered", m.reports_delivered},
          {"reports_skipped", m.reports_skipped},
          {"bytes_per_command", std::round(m.bytes_per_command * 10) / 10},
          {"bytes_per_command_with_freshness", std::round(m.bytes_per_command_with_freshness * 10) / 10},
          {"energy_uj_per_node_per_day", std::round(m.energy_uj_per_node_per_day * 10) / 10},
          {"energy_uj_max_node_per_day", std::round(m.energy_uj_max_node_per_day * 10) / 10},
          {"tx_uj_per_node_per_day", std::round(m.tx_uj_per_node_per_day * 10) / 10},
          {"rx_uj_per_node_per_day", std::round(m.rx_uj_per_node_per_day * 10) / 10},
          {"listen_ms_per_node_per_day", std::round(m.listen_ms_per_node_per_day * 10) / 10},
          {"handshakes", m.handshakes},
          {"handshake_failures", m.handshake_failures}};
}

}  // namespace

nlohmann::json mesh_json(const MeshReport& r) {
  using nlohmann::json;
  const MeshSide& h = r.hush;
  json j;
  j["scenario"] = "mesh";
  j["ok"] = r.ok;
  j["problems"] = r.problems;
  j["config"] = {{"nodes", r.options.nodes},
                 {"hours", r.options.hours},
                 {"repeats", r.options.repeats},
                 {"seed", r.options.seed},
                 {"loss", r.options.loss},
                 {"profile", r.options.profile},
                 {"profile_description", r.profile_description},
                 {"attacker", r.options.attacker},
                 {"crypto_backend", crypto::backend_name()}};
  j["commands_sent"] = h.commands_sent;
  j["commands_consumed_exactly_once"] = {
      {"count", h.heard_consumed_once},
      {"every_command_consumed_exactly_once", h.targets_heard == h.heard_consumed_once && h.consumed_twice == 0},
      {"over", "(command, target) pairs whose target received at least one intact copy while listening"},
      {"pairs", h.targets},
      {"pairs_heard", h.targets_heard},
      {"not_consumed_asleep_through_all_copies", h.asleep_through_all},
      {"not_consumed_awake_but_every_copy_lost", h.awake_all_copies_lost},
      {"what_happens_to_missed_commands",
       "nothing: a target that slept (or was rebooting) through every copy, or whose copies were all lost on the "
       "radio, never gets the command; hush does not resend it (the application would have to, e.g. in the next "
       "hour's slot); these pairs are counted above and left out of every_command_consumed_exactly_once"}};
  j["replays_accepted"] = r.replays_accepted;
  j["nonce_reuses"] = r.nonce_reuses;
  j["bytes_per_command"] = std::round(h.bytes_per_command * 10) / 10;
  j["energy_uj_per_node_per_day"] = std::round(h.energy_uj_per_node_per_day * 10) / 10;
  if (r.dtls_ran) {
    j["dtls12_psk_bytes_per_command"] = std::round(r.dtls.bytes_per_command * 10) / 10;
    j["dtls12_psk_energy_uj_per_node_per_day"] = std::round(r.dtls.energy_uj_per_node_per_day * 10) / 10;
    j["ratio"] = {
        {"bytes_per_command",
         r.dtls.bytes_per_command > 0 ? std::round(h.bytes_per_command / r.dtls.bytes_per_command * 1000) / 1000 : 0.0},
        {"energy_per_node_per_day",
         r.dtls.energy_uj_per_node_per_day > 0
             ? std::round(h.energy_uj_per_node_per_day / r.dtls.energy_uj_per_node_per_day * 1000) / 1000
             : 0.0}};
  }
  j["hush"] = side_json(h);
  if (r.dtls_ran) j["dtls12_psk"] = side_json(r.dtls);
  j["adversary"] = {{"replays_accepted", r.replays_accepted},
                    {"duplicates_accepted", r.duplicates_accepted},
                    {"reflections_accepted", r.reflections_accepted},
                    {"stale_after_reboot_accepted", r.stale_after_reboot_accepted},
                    {"attacker_frames", r.attacker_frames},
                    {"replayed", r.attacker_replays},
                    {"reordered", r.attacker_reordered},
                    {"reflected", r.attacker_reflected},
                    {"first_deliveries_from_attacker_copies", r.attacker_first_deliveries}};
  j["nonces"] = {
      {"sealed", r.nonces_sealed}, {"reuses", r.nonce_reuses}, {"byte_identical_repeats", r.byte_identical_repeats}};
  j["freshness"] = {{"reboots", r.reboots},
                    {"echo_challenges", r.echo_challenges},
                    {"echo_answers", r.echo_answers},
                    {"proven", r.freshness_proven},
                    {"storage_writes", r.nvm_writes}};
  j["drops"] = r.drops;
  j["model"] = r.model;
  j["sim_hours"] = r.sim_hours;
  j["cpu_ms"] = std::round(r.cpu_ms);
  return j;
}

void print_mesh(const MeshReport& r, std::ostream& out) {
  char buf[512];
  const MeshSide& h = r.hush;
  out << "hush-sim mesh: 1 controller, " << r.options.nodes << " sleepy nodes, " << r.options.hours << " h, seed "
      << r.options.seed << ", " << r.profile_description << ", loss " << r.options.loss << "\n\n";
  if (!r.timeline.empty()) {
    out << "timeline excerpt (first command, first reboot, an attack):\n";
    for (const MeshTimelineEntry& e : r.timeline) {
      std::snprintf(buf, sizeof(buf), "  %12.3f s  %-10s %s\n", static_cast<double>(e.at) / 1e6, e.who.c_str(),
                    e.what.c_str());
      out << buf;
    }
    out << "\n";
  }
  auto row = [&](const char* what, double a, double b, const char* f) {
    char fa[64], fb[64];
    std::snprintf(fa, sizeof(fa), f, a);
    if (r.dtls_ran) {
      std::snprintf(fb, sizeof(fb), f, b);
    } else {
      std::snprintf(fb, sizeof(fb), "-");
    }
    std::snprintf(buf, sizeof(buf), "  %-44s %14s %14s\n", what, fa, fb);
    out << buf;
  };
  const MeshSide& d = r.dtls;
  std::snprintf(buf, sizeof(buf), "  %-44s %14s %14s\n", "", "hush", "DTLS 1.2 PSK");
  out << buf;
  row("commands sent", static_cast<double>(h.commands_sent), static_cast<double>(d.commands_sent), "%.0f");
  row("commands delivered (>= 1 target)", static_cast<double>(h.commands_delivered),
      static_cast<double>(d.commands_delivered), "%.0f");
  row("(command, target) pairs", static_cast<double>(h.targets), static_cast<double>(d.targets), "%.0f");
  row("  heard a copy", static_cast<double>(h.targets_heard), static_cast<double>(d.targets_heard), "%.0f");
  row("  heard and consumed exactly once", static_cast<double>(h.heard_consumed_once),
      static_cast<double>(d.heard_consumed_once), "%.0f");
  row("  asleep through all copies", static_cast<double>(h.asleep_through_all),
      static_cast<double>(d.asleep_through_all), "%.0f");
  row("  awake, every copy lost", static_cast<double>(h.awake_all_copies_lost),
      static_cast<double>(d.awake_all_copies_lost), "%.0f");
  row("  not sent (no DTLS session)", static_cast<double>(h.not_sent_to_target),
      static_cast<double>(d.not_sent_to_target), "%.0f");
  row("command bytes on air (all copies)", static_cast<double>(h.command_bytes), static_cast<double>(d.command_bytes),
      "%.0f");
  row("bytes per delivered command", h.bytes_per_command, d.bytes_per_command, "%.1f");
  row("  with Echo / handshakes", h.bytes_per_command_with_freshness, d.bytes_per_command_with_freshness, "%.1f");
  row("command frame, bytes", static_cast<double>(h.command_frame_bytes), static_cast<double>(d.command_frame_bytes),
      "%.0f");
  row("freshness bytes (Echo / handshakes)", static_cast<double>(h.freshness_bytes),
      static_cast<double>(d.freshness_bytes), "%.0f");
  row("reports sent / delivered", static_cast<double>(h.reports_sent), static_cast<double>(d.reports_sent), "%.0f");
  row("", static_cast<double>(h.reports_delivered), static_cast<double>(d.reports_delivered), "%.0f");
  row("energy per node per day, uJ", h.energy_uj_per_node_per_day, d.energy_uj_per_node_per_day, "%.1f");
  row("  TX / RX", h.tx_uj_per_node_per_day, d.tx_uj_per_node_per_day, "%.1f");
  row("", h.rx_uj_per_node_per_day, d.rx_uj_per_node_per_day, "%.1f");
  row("listening per node per day, ms", h.listen_ms_per_node_per_day, d.listen_ms_per_node_per_day, "%.1f");
  out << "\nadversary: " << r.attacker_frames << " frames injected (" << r.attacker_replays << " replayed, "
      << r.attacker_reordered << " reordered, " << r.attacker_reflected << " reflected); replays accepted "
      << r.replays_accepted << "; first deliveries from attacker copies " << r.attacker_first_deliveries << "\n";
  out << "nonces: " << r.nonces_sealed << " sealed, " << r.nonce_reuses << " reused, " << r.byte_identical_repeats
      << " byte-identical repeats; reboots " << r.reboots << ", Echo challenges " << r.echo_challenges << ", answers "
      << r.echo_answers << "\n";
  out << "drops:";
  for (const auto& [k, v] : r.drops) out << " " << k << "=" << v;
  out << "\n\nmodel:\n";
  for (const std::string& m : r.model) out << "  - " << m << "\n";
  out << "\n" << (r.ok ? "ok" : "NOT ok");
  for (const std::string& p : r.problems) out << "\n  problem: " << p;
  out << "\n(" << std::round(r.cpu_ms) << " ms host time)\n";
}

}  // namespace hush::sim
