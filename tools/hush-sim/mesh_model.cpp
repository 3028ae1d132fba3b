// SPDX-License-Identifier: Apache-2.0
// The mesh scenario's shared model (mesh_model.h).
#include "mesh_model.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "sim_rng.h"

namespace hush::sim::mesh {

uint64_t mix(uint64_t x) {
  x += 0x9E3779B97F4A7C15ull;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}

Schedule make_schedule(const MeshOptions& o) {
  Schedule s;
  s.nodes = o.nodes;
  s.seed = o.seed;
  s.end = static_cast<SimTime>(o.hours * 3600.0 * 1e6);
  Prng rng(mix(o.seed ^ 0x6d657368ull));
  for (int i = 0; i < o.nodes; ++i) {
    s.first_boot.push_back(rng.upto(kMinute - 1));
    s.report_phase.push_back(kMinute + rng.upto(kReportPeriod - 1));
    s.reboot.push_back(s.end > 2 * kMinute ? kMinute + rng.upto(s.end - 2 * kMinute) : kNever);
  }
  const uint64_t hours = static_cast<uint64_t>(std::ceil(o.hours));
  for (uint64_t h = 0; h < hours; ++h) {
    Command c;
    c.id = static_cast<uint16_t>(h + 1);
    c.group = h % 2 == 0;
    const uint64_t minute = h * 60 + 1 + rng.upto(57);
    c.target = c.group ? -1 : static_cast<int>(rng.upto(static_cast<uint64_t>(o.nodes - 1)));
    c.slot = minute * kMinute + kSlot;
    if (c.slot + kMinute > s.end) continue;
    const SimTime period = 2 * kClockError + kWindow;
    for (int k = 0; k < o.repeats; ++k) {
      c.copies.push_back(c.slot - kClockError +
                         period * (2 * static_cast<SimTime>(k) + 1) / (2 * static_cast<SimTime>(o.repeats)));
    }
    s.commands.push_back(c);
  }
  return s;
}

std::vector<uint8_t> command_payload(const Command& c) {
  return {static_cast<uint8_t>(c.group ? 0xC1 : 0xC0), static_cast<uint8_t>(c.id >> 8), static_cast<uint8_t>(c.id),
          static_cast<uint8_t>(c.target < 0 ? 0xFF : c.target)};
}

void count(MeshSide& m, Traffic t, size_t len) {
  switch (t) {
    case Traffic::kCommand:
      ++m.command_frames;
      m.command_bytes += len;
      m.command_frame_bytes = std::max(m.command_frame_bytes, len);
      m.record_overhead = std::max(m.record_overhead, len - kCommandLen);
      break;
    case Traffic::kReport:
      ++m.report_frames;
      m.report_bytes += len;
      break;
    case Traffic::kFreshness:
      ++m.freshness_frames;
      m.freshness_bytes += len;
      break;
    case Traffic::kOther:
      ++m.other_frames;
      m.other_bytes += len;
      break;
  }
}

RadioConfig mesh_radio(const MeshOptions& o, uint64_t salt) {
  RadioConfig c;
  const RadioProfile* p = find_radio_profile(o.profile);
  if (!p) throw std::invalid_argument("unknown radio profile '" + o.profile + "'");
  c.profile = *p;
  c.seed = mix(o.seed ^ salt);
  c.loss = o.loss;
  c.mtu = 127;
  return c;
}

bool listening(const Schedule& s, const Listener& l, int n, SimTime a, SimTime b) {
  if (b < l.down_until) return false;
  if (l.awake_since != kNever && a >= l.awake_since) return true;
  return s.in_window(n, a, b);
}

void finish_side(MeshSide& m, const std::vector<std::vector<TargetState>>& st, const std::vector<Command>& cmds) {
  for (size_t c = 0; c < cmds.size(); ++c) {
    bool any = false;
    for (const TargetState& t : st[c]) {
      ++m.targets;
      if (!t.sent) ++m.not_sent_to_target;
      if (t.consumed == 1) ++m.targets_consumed_once;
      if (t.consumed > 1) ++m.consumed_twice;
      if (t.consumed > 0) any = true;
      if (t.heard > 0) {
        ++m.targets_heard;
        if (t.consumed == 1) ++m.heard_consumed_once;
        if (t.consumed == 0) ++m.heard_not_consumed;
      } else if (t.awake_copies > 0) {
        ++m.awake_all_copies_lost;
      } else if (t.sent) {
        ++m.asleep_through_all;
      }
    }
    if (any) ++m.commands_delivered;
  }
  if (m.commands_delivered > 0) {
    m.bytes_per_command = static_cast<double>(m.command_bytes) / static_cast<double>(m.commands_delivered);
    m.bytes_per_command_with_freshness =
        static_cast<double>(m.command_bytes + m.freshness_bytes) / static_cast<double>(m.commands_delivered);
  }
}

void node_energy(MeshSide& m, const Radio& radio, const std::vector<NodeId>& ids, const std::vector<Listener>& ls,
                 const Schedule& s, double hours) {
  const double scale = 24.0 / hours;
  double tx = 0, rx = 0, listen = 0, worst = 0;
  for (size_t i = 0; i < ids.size(); ++i) {
    const double t = radio.node_stats(ids[i]).tx_uj;
    tx += t;
    rx += ls[i].rx_uj;
    worst = std::max(worst, (t + ls[i].rx_uj) * scale);
    // Windows in the run (a window cut by the end counts whole) plus boot-time listening.
    const double windows = static_cast<double>((s.end + kMinute - kSlot) / kMinute);
    listen += windows * static_cast<double>(kWindow) / 1000.0 + static_cast<double>(ls[i].awake_total) / 1000.0;
  }
  const double n = static_cast<double>(ids.size());
  m.tx_uj_per_node_per_day = tx / n * scale;
  m.rx_uj_per_node_per_day = rx / n * scale;
  m.energy_uj_per_node_per_day = (tx + rx) / n * scale;
  m.energy_uj_max_node_per_day = worst;
  m.listen_ms_per_node_per_day = listen / n * scale;
}

}  // namespace hush::sim::mesh
