// SPDX-License-Identifier: Apache-2.0
#pragma once
// The model that both halves of hush-sim's mesh scenario share
// (mesh_scenario.cpp has the model in words): the workload drawn once per
// seed, the event loop, wake windows and listening, and the tallies.
// mesh_hush.cpp runs it with hush's group and pairwise PSK contexts,
// mesh_dtls.cpp with mbed TLS's DTLS 1.2 PSK.

#include <cstdint>
#include <functional>
#include <queue>
#include <vector>

#include "mesh_scenario.h"
#include "radio.h"

namespace hush::sim::mesh {

constexpr SimTime kMs = 1000;
constexpr SimTime kSec = 1000 * kMs;
constexpr SimTime kMinute = 60 * kSec;
constexpr SimTime kSlot = 30 * kSec;        // wake slot within each minute
constexpr SimTime kWindow = 100 * kMs;      // listen window
constexpr SimTime kClockError = 100 * kMs;  // +- per node and minute
constexpr SimTime kBootTime = 500 * kMs;
constexpr SimTime kProofListen = 50 * kMs;  // hush: listening per Echo try at boot
constexpr int kProofTries = 10;
constexpr SimTime kReportPeriod = 10 * kMinute;
constexpr size_t kCommandLen = 4, kReportLen = 8;

uint64_t mix(uint64_t x);

// ---------------------------------------------------------------------------
// The workload, drawn once per seed and run by both stacks.

struct Command {
  uint16_t id = 0;
  bool group = false;
  int target = -1;   // node index for a single-node command
  SimTime slot = 0;  // nominal wake slot it is sent through
  std::vector<SimTime> copies;
};

struct Schedule {
  int nodes = 0;
  SimTime end = 0;
  uint64_t seed = 0;
  std::vector<SimTime> first_boot, reboot, report_phase;
  std::vector<Command> commands;

  SimTime window_start(int node, uint64_t minute) const {
    const uint64_t r = mix(seed ^ mix(static_cast<uint64_t>(node) << 40 ^ minute));
    const SimTime err = r % (2 * kClockError + 1);
    return minute * kMinute + kSlot + err - kClockError;
  }
  // Is node `n` in a wake window for all of [a, b]?
  bool in_window(int n, SimTime a, SimTime b) const {
    if (b + kClockError < kSlot) return false;
    const uint64_t m = (b + kClockError - kSlot) / kMinute;
    for (uint64_t k = m > 0 ? m - 1 : 0; k <= m + 1; ++k) {
      const SimTime s = window_start(n, k);
      if (a >= s && b <= s + kWindow) return true;
    }
    return false;
  }
};

Schedule make_schedule(const MeshOptions& o);

std::vector<uint8_t> command_payload(const Command& c);

// Bookkeeping of one (command, target) pair.
struct TargetState {
  int awake_copies = 0;  // copies on the air while it listened (delivered or lost)
  int heard = 0;         // intact copies received while listening
  int consumed = 0;
  bool sent = true;
};

// The event loop both simulations share: actions at times, radio outcomes.
class Loop {
 public:
  void at(SimTime t, std::function<void()> fn) { q_.push(Action{t, seq_++, std::move(fn)}); }
  SimTime next() const { return q_.empty() ? kNever : q_.top().at; }
  void run_due(SimTime now) {
    while (!q_.empty() && q_.top().at <= now) {
      Action a = q_.top();
      q_.pop();
      a.fn();
    }
  }

 private:
  struct Action {
    SimTime at;
    uint64_t seq;
    std::function<void()> fn;
  };
  struct Later {
    bool operator()(const Action& a, const Action& b) const { return a.at != b.at ? a.at > b.at : a.seq > b.seq; }
  };
  std::priority_queue<Action, std::vector<Action>, Later> q_;
  uint64_t seq_ = 0;
};

// What a frame on the air was for, and its tally.
enum class Traffic : uint8_t { kFreshness, kCommand, kReport, kOther };

void count(MeshSide& m, Traffic t, size_t len);

// Puts the workload into the loop: boots, reboots, reports, command copies.
template <class Sim>
void schedule_workload(Loop& loop, const Schedule& s, Sim* sim) {
  for (int i = 0; i < s.nodes; ++i) {
    loop.at(s.first_boot[static_cast<size_t>(i)], [sim, i] { sim->first_boot(i); });
    loop.at(s.reboot[static_cast<size_t>(i)], [sim, i] { sim->reboot(i); });
    for (SimTime t = s.report_phase[static_cast<size_t>(i)]; t < s.end; t += kReportPeriod) {
      loop.at(t, [sim, i] { sim->report(i); });
    }
  }
  for (size_t c = 0; c < s.commands.size(); ++c) {
    for (size_t k = 0; k < s.commands[c].copies.size(); ++k) {
      loop.at(s.commands[c].copies[k], [sim, c, k] { sim->command(c, k); });
    }
  }
}

RadioConfig mesh_radio(const MeshOptions& o, uint64_t salt);

// Per-node listening bookkeeping (windows come from the schedule).
struct Listener {
  SimTime awake_since = kNever;  // continuous listening (boot exchanges)
  SimTime down_until = 0;        // rebooting: radio off
  SimTime awake_total = 0;
  double rx_uj = 0;
  void wake(SimTime now) {
    if (awake_since == kNever) awake_since = now;
  }
  void sleep(SimTime now) {
    if (awake_since != kNever) awake_total += now - awake_since;
    awake_since = kNever;
  }
};

bool listening(const Schedule& s, const Listener& l, int n, SimTime a, SimTime b);

void finish_side(MeshSide& m, const std::vector<std::vector<TargetState>>& st, const std::vector<Command>& cmds);

void node_energy(MeshSide& m, const Radio& radio, const std::vector<NodeId>& ids, const std::vector<Listener>& ls,
                 const Schedule& s, double hours);

/// The two stacks, each over the same schedule; they fill their side of `r`.
void run_hush_mesh(const MeshOptions& o, const Schedule& s, MeshReport& r);
void run_dtls_mesh(const MeshOptions& o, const Schedule& s, MeshReport& r);

}  // namespace hush::sim::mesh
