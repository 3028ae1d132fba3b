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

namespace {

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

uint64_t mix(uint64_t x) {
  x += 0x9E3779B97F4A7C15ull;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}

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

// ---------------------------------------------------------------------------
// hush

struct NodeNvm {
  uint64_t seq = 0;
  uint32_t failures = 0;
  uint64_t writes = 0;
  static bool hook(void* u, uint64_t v) noexcept {
    auto* n = static_cast<NodeNvm*>(u);
    n->seq = v;
    ++n->writes;
    return true;
  }
  static bool fhook(void* u, uint32_t v) noexcept {
    auto* n = static_cast<NodeNvm*>(u);
    n->failures = v;
    ++n->writes;
    return true;
  }
  record::Persistence persistence(uint32_t ahead) { return {&NodeNvm::hook, this, ahead, &NodeNvm::fhook, 8}; }
};

const uint8_t kGroupSecret[16] = {0x6d, 0x65, 0x73, 0x68, 0x2d, 0x67, 0x72, 0x6f,
                                  0x75, 0x70, 0x2d, 0x6b, 0x65, 0x79, 0x21, 0x01};
const uint8_t kGroupSalt[8] = {0x9e, 0x7c, 0xa9, 0x22, 0x23, 0x78, 0x63, 0x40};
const uint8_t kGroupId[4] = {0x6d, 0x65, 0x73, 0x68};

class HushMesh {
 public:
  // One psk::Node with its hooks. Device 0 is the controller's group node,
  // devices 1..N the sleepy nodes, devices N+1..2N the controller's
  // pairwise nodes (one per sleepy node: a psk::Node holds at most
  // HUSH_PSK_MAX_PAIRWISE <= 16 pairwise peers).
  struct Dev {
    HushMesh* sim = nullptr;
    int index = 0;
    int node = -1;  // sleepy node index, -1 for the controller's
    std::unique_ptr<psk::Node> n;
    NodeNvm group_nvm, pair_nvm;
    uint8_t pair = 0;
    SimTime booted = 0;
    int proof_tries = 0;
    bool up = true;
  };

  HushMesh(const MeshOptions& o, const Schedule& s, MeshReport& r)
      : o_(o), s_(s), r_(r), radio_(mesh_radio(o, 1)), prng_(mix(o.seed ^ 0xa77ac4ull)) {
    ctrl_radio_ = radio_.add_node();
    for (int i = 0; i < o.nodes; ++i) node_radio_.push_back(radio_.add_node());
    attacker_radio_ = radio_.add_node();
    listen_.resize(static_cast<size_t>(o.nodes));
    devs_.resize(static_cast<size_t>(2 * o.nodes + 1));
    for (size_t i = 0; i < devs_.size(); ++i) {
      devs_[i] = std::make_unique<Dev>();
      devs_[i]->sim = this;
      devs_[i]->index = static_cast<int>(i);
      devs_[i]->node = i >= 1 && i <= static_cast<size_t>(o.nodes) ? static_cast<int>(i) - 1 : -1;
    }
    targets_.resize(s.commands.size());
    for (size_t c = 0; c < s.commands.size(); ++c) {
      targets_[c].resize(s.commands[c].group ? static_cast<size_t>(o.nodes) : 1);
    }
  }

  void run() {
    boot_controller();
    for (int i = 0; i < o_.nodes; ++i) {
      listen_[static_cast<size_t>(i)].down_until = s_.first_boot[static_cast<size_t>(i)];
      dev(i + 1).up = false;
    }
    schedule_workload(loop_, s_, this);
    if (o_.attacker) {
      for (uint64_t m = 0; m * kMinute + kSlot < s_.end; ++m) {
        if (prng_.chance(0.3)) {
          const SimTime t = m * kMinute + kSlot - kClockError + prng_.upto(2 * kClockError + kWindow - 10 * kMs);
          loop_.at(t, [this] { attack(); });
        }
      }
    }
    while (true) {
      const SimTime t = std::min(loop_.next(), radio_.next_time());
      if (t == kNever || t > s_.end + 10 * kSec) break;
      now_ = std::max(now_, t);
      RadioEvent ev;
      while (radio_.pop(now_, ev)) on_radio(ev);
      loop_.run_due(now_);
    }
    finish();
  }

  // The workload's entry points (schedule_workload).
  void first_boot(int i) { boot_node(i, true); }
  void reboot(int i) { reboot_node(i); }
  void report(int i) { send_report(i); }
  void command(size_t c, size_t k) { send_command(c, k); }

 private:
  struct Sealed {
    std::string bytes;
    SimTime first = 0;
    int device = 0;
  };
  struct Meta {
    int device = -1;  // -1: the attacker
    int original = -1;
    Traffic purpose = Traffic::kFreshness;
    int command = -1;
    std::string key;  // (key, nonce) identity of the record
  };

  Dev& dev(int i) { return *devs_[static_cast<size_t>(i)]; }
  double ms() const { return static_cast<double>(now_) / 1000.0; }
  uint32_t now_ms() const { return static_cast<uint32_t>(now_ / kMs); }
  std::string name(int d) const {
    if (d < 0) return "attacker";
    if (d == 0) return "ctrl";
    if (d <= o_.nodes) return "node" + std::to_string(d);
    return "ctrl/p" + std::to_string(d - o_.nodes);
  }
  // The excerpt: up to 24 lines from each of three moments (the first
  // command, the first reboot, an attack after the first hour).
  void note(const std::string& who, const std::string& what) {
    if (!o_.timeline) return;
    for (int k = 0; k < 3; ++k) {
      if (now_ < excerpt_until_[k] && excerpt_lines_[k] < 24) {
        ++excerpt_lines_[k];
        r_.timeline.push_back(MeshTimelineEntry{now_, who, what});
        return;
      }
    }
  }

  // The identity of the (key, nonce) a record was sealed with, from its header.
  static std::string record_key(const std::vector<uint8_t>& f) {
    if (f.empty()) return "";
    if ((f[0] & wire::kFrameGroupMask) == wire::kFrameGroup) {
      group::GroupHeader h;
      if (!ok(group::parse_header(ConstByteSpan(f.data(), f.size()), 8, h))) return "";
      return "g/e" + std::to_string(h.epoch_bits) + "/s" + std::to_string(h.sender) + "#" + std::to_string(h.seq);
    }
    record::RecordHeader h;
    if (!ok(record::parse_header(ConstByteSpan(f.data(), f.size()), h)) || !h.has_cid) return "";
    return "p/c" + std::to_string(h.cid) + "/k" + std::to_string(h.key_phase) + "#" + std::to_string(h.seq);
  }

  static psk::TxResult tx_hook(void* user, ConstByteSpan frame) {
    auto* d = static_cast<Dev*>(user);
    d->sim->transmit(*d, std::vector<uint8_t>(frame.begin(), frame.end()));
    return psk::TxResult::kSent;
  }
  static void ev_hook(void* user, const psk::Event& e) {
    auto* d = static_cast<Dev*>(user);
    d->sim->on_event(*d, e);
  }

  void transmit(Dev& d, const std::vector<uint8_t>& f) {
    Meta m;
    m.device = d.index;
    m.original = d.index;
    m.purpose = purpose_;
    m.command = command_;
    m.key = record_key(f);
    const std::string bytes(f.begin(), f.end());
    auto it = sealed_.find(m.key);
    if (it == sealed_.end()) {
      sealed_.emplace(m.key, Sealed{bytes, now_, d.index});
    } else if (it->second.bytes == bytes && it->second.device == d.index) {
      ++r_.byte_identical_repeats;
    } else {
      ++r_.nonce_reuses;
      r_.problems.push_back("nonce reuse: " + m.key + " sealed twice by " + name(d.index));
    }
    count(r_.hush, m.purpose, f.size());
    note(name(d.index), std::string(m.purpose == Traffic::kCommand  ? "puts on air"
                                    : m.purpose == Traffic::kReport ? "sends report"
                                                                    : "sends Echo") +
                            " " + m.key + " (" + std::to_string(f.size()) + " B)");
    const NodeId from = d.node >= 0 ? node_radio_[static_cast<size_t>(d.node)] : ctrl_radio_;
    const uint64_t id = radio_.transmit(from, kBroadcast, f, now_);
    meta_[id] = m;
    if (m.purpose == Traffic::kCommand) command_frames_.push_back(recorded_.size());
    recorded_.push_back({f, d.index});
  }

  void on_event(Dev& d, const psk::Event& e) {
    if (e.type == psk::EventType::kFresh) {
      ++r_.freshness_proven;
      note(name(d.index),
           std::string("controller proven fresh (") + (e.source == psk::Source::kGroup ? "group" : "pairwise") + ")");
      return;
    }
    if (e.type != psk::EventType::kData) return;
    const Meta& m = *in_meta_;
    // Replay accounting, by the record's (key, nonce) identity.
    auto& seen = delivered_[d.index];
    const bool dup = !seen.insert(m.key).second;
    const auto it = sealed_.find(m.key);
    const bool reflected = it != sealed_.end() && it->second.device == d.index;
    const bool stale = it != sealed_.end() && it->second.first < d.booted && d.node >= 0;
    if (dup || reflected || stale) {
      ++r_.replays_accepted;
      r_.duplicates_accepted += dup;
      r_.reflections_accepted += reflected;
      r_.stale_after_reboot_accepted += stale && !dup;
      r_.problems.push_back("replay accepted by " + name(d.index) + ": " + m.key);
    } else if (m.device < 0) {
      ++r_.attacker_first_deliveries;
    }
    if (e.data.size() == kCommandLen && d.node >= 0 && (e.data[0] == 0xC0 || e.data[0] == 0xC1)) {
      const uint16_t id = static_cast<uint16_t>(e.data[1] << 8 | e.data[2]);
      if (id >= 1 && id <= s_.commands.size() + 1) {
        for (size_t c = 0; c < s_.commands.size(); ++c) {
          if (s_.commands[c].id != id) continue;
          const size_t slot = s_.commands[c].group ? static_cast<size_t>(d.node) : 0;
          if (s_.commands[c].group || s_.commands[c].target == d.node) ++targets_[c][slot].consumed;
        }
      }
      note(name(d.index), "consumes command #" + std::to_string(id) + (m.device < 0 ? " (attacker's copy)" : ""));
    } else if (e.data.size() == kReportLen && d.node < 0) {
      ++r_.hush.reports_delivered;
    }
  }

  void on_radio(const RadioEvent& ev) {
    auto mit = meta_.find(ev.frame_id);
    if (mit == meta_.end()) return;
    const Meta& m = mit->second;
    if (ev.outcome == Outcome::kSent || ev.outcome == Outcome::kTooBig) return;
    const SimTime air = radio_.airtime_us(ev.frame.size());
    const bool intact = ev.outcome == Outcome::kDelivered || ev.outcome == Outcome::kDuplicate;
    if (ev.to == attacker_radio_) {
      return;  // the attacker records at transmission (it hears everything)
    }
    Dev* receiver = nullptr;  // at most one device takes a frame
    int node = -1;
    if (ev.to == ctrl_radio_) {
      if (!intact) return;
      // The controller's radio hands group records to its group node and
      // pairwise records to the node holding that connection id.
      if ((ev.frame[0] & wire::kFrameGroupMask) == wire::kFrameGroup) {
        receiver = &dev(0);
      } else {
        record::RecordHeader h;
        if (ok(record::parse_header(ConstByteSpan(ev.frame.data(), ev.frame.size()), h)) && h.has_cid && h.cid >= 1 &&
            h.cid <= o_.nodes) {
          receiver = &dev(o_.nodes + h.cid);
        } else {
          ++r_.drops["unknown_context"];
        }
      }
    } else {
      node = static_cast<int>(ev.to - node_radio_[0]);
      Listener& l = listen_[static_cast<size_t>(node)];
      if (!listening(s_, l, node, ev.at - air, ev.at)) return;
      if (m.device >= 0 && m.purpose == Traffic::kCommand && m.command >= 0) {
        const Command& c = s_.commands[static_cast<size_t>(m.command)];
        if (c.group || c.target == node) {
          TargetState& t = targets_[static_cast<size_t>(m.command)][c.group ? static_cast<size_t>(node) : 0];
          ++t.awake_copies;
          t.heard += intact;
        }
      }
      if (ev.outcome == Outcome::kLost) return;
      l.rx_uj += static_cast<double>(ev.frame.size() + radio_.config().profile.phy_overhead) *
                 radio_.config().profile.rx_uj_per_byte;
      if (!intact || !dev(node + 1).up) return;
      note(name(node + 1), "hears " + m.key + (m.device < 0 ? " (attacker)" : ""));
      receiver = &dev(node + 1);
    }
    if (receiver != nullptr) {
      in_meta_ = &m;
      receiver->n->input(ConstByteSpan(ev.frame.data(), ev.frame.size()), now_ms());
      in_meta_ = nullptr;
    }
  }

  psk::Settings settings(bool controller) const {
    psk::Settings st;
    st.policy = group::FreshnessPolicy::kStrict;
    // The controller is mains-powered and serves N nodes: it answers one
    // Echo per 20 ms; a node challenges at most every 40 ms.
    st.challenge_interval_ms = controller ? 20 : 40;
    return st;
  }

  record::PskSecrets pair_secrets(int node, bool controller_side, const NodeNvm& nvm, bool fresh, uint8_t (&secret)[16],
                                  uint8_t (&ids)[2]) const {
    for (size_t i = 0; i < 16; ++i) secret[i] = static_cast<uint8_t>(0x50 + i * 7 + static_cast<size_t>(node) * 13);
    ids[0] = static_cast<uint8_t>(node + 1);     // the node's sender id
    ids[1] = static_cast<uint8_t>(0x81 + node);  // the controller's sender id toward it
    record::PskSecrets p;
    p.master_secret = ConstByteSpan(secret, 16);
    p.master_salt = ConstByteSpan(kGroupSalt, sizeof(kGroupSalt));
    p.sender_id = ConstByteSpan(controller_side ? &ids[1] : &ids[0], 1);
    p.recipient_id = ConstByteSpan(controller_side ? &ids[0] : &ids[1], 1);
    p.sender_sequence = nvm.seq;
    p.failed_decryptions = nvm.failures;
    p.replay_state_fresh = fresh;
    return p;
  }

  group::GroupSecrets group_secrets(uint8_t id, const NodeNvm& nvm) const {
    group::GroupSecrets g;
    g.master_secret = ConstByteSpan(kGroupSecret, sizeof(kGroupSecret));
    g.master_salt = ConstByteSpan(kGroupSalt, sizeof(kGroupSalt));
    g.group_id = ConstByteSpan(kGroupId, sizeof(kGroupId));
    g.sender_id = id;
    g.sender_sequence = nvm.seq;
    g.failed_decryptions = nvm.failures;
    return g;
  }

  void start(Dev& d, bool controller) {
    d.n = std::make_unique<psk::Node>();
    if (!ok(d.n->begin(psk::Platform{&HushMesh::tx_hook, &HushMesh::ev_hook, &d}, settings(controller)))) {
      throw std::runtime_error("psk::Node::begin failed");
    }
  }

  void boot_controller() {
    Dev& g = dev(0);
    start(g, true);
    group::GroupOptions go;
    go.persistence = g.group_nvm.persistence(16);
    if (!ok(g.n->join_group(group_secrets(0, g.group_nvm), go))) throw std::runtime_error("controller join_group");
    for (int i = 0; i < o_.nodes; ++i) {
      Dev& p = dev(o_.nodes + 1 + i);
      start(p, true);
      record::ContextOptions co;
      co.persistence = p.pair_nvm.persistence(16);
      uint8_t secret[16], ids[2];
      if (!ok(p.n->add_pairwise(pair_secrets(i, true, p.pair_nvm, true, secret, ids), co, p.pair))) {
        throw std::runtime_error("controller add_pairwise");
      }
    }
  }

  void boot_node(int i, bool first) {
    Dev& d = dev(i + 1);
    start(d, false);
    d.booted = now_;
    d.up = true;
    group::GroupOptions go;
    go.persistence = d.group_nvm.persistence(8);
    if (!ok(d.n->join_group(group_secrets(static_cast<uint8_t>(i + 1), d.group_nvm), go))) {
      throw std::runtime_error("node join_group");
    }
    record::ContextOptions co;
    co.persistence = d.pair_nvm.persistence(16);
    uint8_t secret[16], ids[2];
    // Freshly provisioned keys have never received anything; after a reboot
    // the pairwise window is unknown and must be proven.
    if (!ok(d.n->add_pairwise(pair_secrets(i, false, d.pair_nvm, first, secret, ids), co, d.pair))) {
      throw std::runtime_error("node add_pairwise");
    }
    note(name(d.index), first ? "boots (provisioned)" : "boots after reboot: seq from storage, replay state lost");
    d.proof_tries = 0;
    prove(i);
  }

  bool proven(int i) {
    Dev& d = dev(i + 1);
    return d.n->group().freshness(0) == group::Freshness::kFresh &&
           d.n->pairwise_freshness(d.pair) == group::Freshness::kFresh;
  }

  // Echo challenges to the controller, listening in between, until proven.
  void prove(int i) {
    Dev& d = dev(i + 1);
    Listener& l = listen_[static_cast<size_t>(i)];
    if (!d.up) return;
    if (proven(i)) {
      l.sleep(now_);
      return;
    }
    if (d.proof_tries >= kProofTries) {
      // Give up for now; try again in the next wake window.
      l.sleep(now_);
      d.proof_tries = 0;
      const uint64_t m = (now_ + kClockError) / kMinute + 1;
      loop_.at(s_.window_start(i, m) + kMs, [this, i, booted = d.booted] {
        if (dev(i + 1).booted == booted) prove(i);
      });
      return;
    }
    ++d.proof_tries;
    l.wake(now_);
    purpose_ = Traffic::kFreshness;
    if (d.n->group().freshness(0) != group::Freshness::kFresh && ok(d.n->challenge_group(0, now_ms()))) {
      ++r_.echo_challenges;
    }
    if (d.n->pairwise_freshness(d.pair) != group::Freshness::kFresh && ok(d.n->challenge_pairwise(d.pair, now_ms()))) {
      ++r_.echo_challenges;
    }
    loop_.at(now_ + kProofListen, [this, i, booted = d.booted] {
      if (dev(i + 1).booted == booted) prove(i);
    });
  }

  void reboot_node(int i) {
    Dev& d = dev(i + 1);
    ++r_.reboots;
    collect_counters(d);
    d.n.reset();  // RAM lost; group_nvm and pair_nvm are the storage
    d.up = false;
    d.booted = now_;  // invalidates pending proof timers
    Listener& l = listen_[static_cast<size_t>(i)];
    l.sleep(now_);
    l.down_until = now_ + kBootTime;
    note(name(d.index), "reboots (down " + std::to_string(kBootTime / kMs) + " ms)");
    if (excerpt_until_[1] == 0) excerpt_until_[1] = now_ + 2 * kSec;
    loop_.at(now_ + kBootTime, [this, i] { boot_node(i, false); });
  }

  void send_report(int i) {
    Dev& d = dev(i + 1);
    if (!d.up) {
      ++r_.hush.reports_skipped;
      return;
    }
    ++r_.hush.reports_sent;
    const uint64_t k = now_ / kReportPeriod;
    const std::vector<uint8_t> p = {
        0x5e, static_cast<uint8_t>(i),     static_cast<uint8_t>(k >> 8), static_cast<uint8_t>(k), 0x00,
        0x17, static_cast<uint8_t>(k * 7), static_cast<uint8_t>(i * 3)};
    purpose_ = Traffic::kReport;
    if (!ok(d.n->send_pairwise(d.pair, ConstByteSpan(p.data(), p.size()), now_ms()))) {
      r_.problems.push_back(name(d.index) + ": a report could not be sealed");
    }
    purpose_ = Traffic::kFreshness;
  }

  void send_command(size_t c, size_t k) {
    const Command& cmd = s_.commands[c];
    Dev& d = cmd.group ? dev(0) : dev(o_.nodes + 1 + cmd.target);
    purpose_ = Traffic::kCommand;
    command_ = static_cast<int>(c);
    if (k == 0) {
      if (excerpt_until_[0] == 0) excerpt_until_[0] = now_ + 2 * kSec;
      ++r_.hush.commands_sent;
      note(name(d.index), "command #" + std::to_string(cmd.id) +
                              (cmd.group ? " to the group" : " to node" + std::to_string(cmd.target + 1)) +
                              ", copy 1/" + std::to_string(cmd.copies.size()));
      const std::vector<uint8_t> p = command_payload(cmd);
      const Error e = cmd.group ? d.n->send_group(ConstByteSpan(p.data(), p.size()), now_ms())
                                : d.n->send_pairwise(d.pair, ConstByteSpan(p.data(), p.size()), now_ms());
      if (!ok(e)) r_.problems.push_back("command could not be sealed");
    } else {
      note(name(d.index), "repeats command #" + std::to_string(cmd.id) + " byte for byte, copy " +
                              std::to_string(k + 1) + "/" + std::to_string(cmd.copies.size()));
      if (!ok(d.n->repeat_last(now_ms()))) r_.problems.push_back("repeat_last failed");
    }
    purpose_ = Traffic::kFreshness;
    command_ = -1;
  }

  // The attacker: injects recorded frames in the wake slot, where they land
  // in the nodes' windows: a replay of 1-3 frames (commands preferred), a
  // reordered batch (the last 4 frames it heard, newest first) or a
  // reflection (a frame sent back to its own sender).
  void attack() {
    if (recorded_.empty()) return;
    if (excerpt_until_[2] == 0 && now_ > 3600 * kSec) excerpt_until_[2] = now_ + kSec;
    const uint64_t what = prng_.upto(2);
    auto inject = [&](const std::vector<uint8_t>& f, int original, NodeId to, const char* kind) {
      Meta m;
      m.device = -1;
      m.original = original;
      m.key = record_key(f);
      note("attacker", std::string(kind) + " " + m.key + " from " + name(original));
      const uint64_t id = radio_.transmit(attacker_radio_, to, f, now_);
      meta_[id] = m;
      ++r_.attacker_frames;
    };
    if (what == 0) {
      const uint64_t n = 1 + prng_.upto(2);
      for (uint64_t k = 0; k < n; ++k) {
        const auto& f = prng_.chance(0.5) && !command_frames_.empty()
                            ? recorded_[command_frames_[prng_.upto(command_frames_.size() - 1)]]
                            : recorded_[prng_.upto(recorded_.size() - 1)];
        inject(f.first, f.second, kBroadcast, "replays");
        ++r_.attacker_replays;
      }
    } else if (what == 1) {
      const size_t n = std::min<size_t>(4, recorded_.size());
      for (size_t k = 0; k < n; ++k) {
        const auto& f = recorded_[recorded_.size() - 1 - k];
        inject(f.first, f.second, kBroadcast, "reorders");
        ++r_.attacker_reordered;
      }
    } else {
      const auto& f = recorded_[prng_.upto(recorded_.size() - 1)];
      const Dev& d = dev(f.second);
      inject(f.first, f.second, d.node >= 0 ? node_radio_[static_cast<size_t>(d.node)] : ctrl_radio_, "reflects");
      ++r_.attacker_reflected;
    }
  }

  void collect_counters(Dev& d) {
    if (!d.n) return;
    const psk::Counters& c = d.n->counters();
    r_.echo_answers += c.echo_answers;
    const auto& x = c.drops;
    r_.drops["malformed"] += x.malformed;
    r_.drops["replay"] += x.replay;
    r_.drops["too_old"] += x.too_old;
    r_.drops["auth_fail"] += x.auth_fail;
    r_.drops["unknown_context"] += x.unknown_context;
    r_.drops["reflected"] += x.reflected;
    r_.drops["freshness_unknown"] += x.freshness_unknown;
    r_.drops["limit"] += x.limit;
    r_.drops["rate_limited"] += x.rate_limited;
  }

  void finish() {
    for (auto& d : devs_) {
      collect_counters(*d);
      r_.nvm_writes += d->group_nvm.writes + d->pair_nvm.writes;
    }
    for (Listener& l : listen_) l.sleep(now_);
    r_.nonces_sealed = sealed_.size();
    finish_side(r_.hush, targets_, s_.commands);
    node_energy(r_.hush, radio_, node_radio_, listen_, s_, o_.hours);
  }

  const MeshOptions& o_;
  const Schedule& s_;
  MeshReport& r_;
  Radio radio_;
  Prng prng_;
  Loop loop_;
  SimTime now_ = 0;
  NodeId ctrl_radio_ = 0, attacker_radio_ = 0;
  std::vector<NodeId> node_radio_;
  std::vector<Listener> listen_;
  std::vector<std::unique_ptr<Dev>> devs_;
  std::vector<std::vector<TargetState>> targets_;
  std::map<uint64_t, Meta> meta_;
  std::map<std::string, Sealed> sealed_;
  std::map<int, std::set<std::string>> delivered_;
  std::vector<std::pair<std::vector<uint8_t>, int>> recorded_;
  std::vector<size_t> command_frames_;
  const Meta* in_meta_ = nullptr;
  Traffic purpose_ = Traffic::kFreshness;
  int command_ = -1;
  SimTime excerpt_until_[3] = {0, 0, 0};
  int excerpt_lines_[3] = {0, 0, 0};
};

// ---------------------------------------------------------------------------
// DTLS 1.2 PSK (CCM_8) on the same radio model and schedule.
//
// One mbed TLS client per node and one mbed TLS server per node at the
// controller (DTLS has no group records: a group command is one record per
// node). A node handshakes at its first boot and again after its reboot
// (its RAM, and so the session, is lost), staying awake until the
// handshake ends. A command is written once per target session when its
// first copy is due, and the datagram mbed TLS produced is put on the air at
// the same `repeats` times as hush's frame (byte-identical copies: mbed
// TLS's anti-replay drops all but one); for a group command the N datagrams
// of each copy go back to back, as the controller's radio serializes them.
// Nodes listen in the same windows as hush's; a datagram for another node
// is received (and paid for) when it lands in a window, then discarded by
// the link layer. No attacker runs on this side.
class DtlsMesh {
 public:
  DtlsMesh(const MeshOptions& o, const Schedule& s, MeshReport& r)
      : o_(o), s_(s), r_(r), radio_(mesh_radio(o, 2)), creds_(DtlsSuite::kPsk, o.seed) {
    settings_.suite = DtlsSuite::kPsk;
    settings_.mtu = 127;
    settings_.cookies = true;
    ctrl_radio_ = radio_.add_node();
    for (int i = 0; i < o.nodes; ++i) node_radio_.push_back(radio_.add_node());
    listen_.resize(static_cast<size_t>(o.nodes));
    nodes_.resize(static_cast<size_t>(o.nodes));
    for (int i = 0; i < o.nodes; ++i) {
      nodes_[static_cast<size_t>(i)].server = make(i, true);
      nodes_[static_cast<size_t>(i)].server->start();
    }
    targets_.resize(s.commands.size());
    for (size_t c = 0; c < s.commands.size(); ++c) {
      targets_[c].resize(s.commands[c].group ? static_cast<size_t>(o.nodes) : 1);
    }
  }

  void run() {
    for (int i = 0; i < o_.nodes; ++i) {
      listen_[static_cast<size_t>(i)].down_until = s_.first_boot[static_cast<size_t>(i)];
    }
    schedule_workload(loop_, s_, this);
    while (true) {
      SimTime t = std::min(loop_.next(), radio_.next_time());
      for (size_t i = 0; i < nodes_.size(); ++i)
        t = std::min({t, deadline(nodes_[i].client), deadline(nodes_[i].server)});
      if (t == kNever || t > s_.end + 10 * kSec) break;
      now_ = std::max(now_, t);
      RadioEvent ev;
      while (radio_.pop(now_, ev)) on_radio(ev);
      loop_.run_due(now_);
      for (size_t i = 0; i < nodes_.size(); ++i) {
        Node& n = nodes_[i];
        if (n.client && deadline(n.client) <= now_) {
          n.client->poll();
          look(static_cast<int>(i));
        }
        if (deadline(n.server) <= now_) {
          n.server->poll();
          look(static_cast<int>(i));
        }
      }
    }
    finish();
  }

  // The workload's entry points (schedule_workload).
  void first_boot(int i) { boot(i); }
  void reboot(int i) { power_cycle(i); }
  void report(int i) { send_report(i); }
  void command(size_t c, size_t k) { send_command(c, k); }

 private:
  struct Node {
    std::unique_ptr<DtlsEndpoint> client, server;
    DtlsCounters past;
    bool up = false, handshaking = false, connected = false;
    SimTime poll_guard = 0;
  };
  struct Meta {
    int node = 0;
    bool to_node = false;
    int command = -1;
  };

  SimTime deadline(const std::unique_ptr<DtlsEndpoint>& ep) const {
    if (!ep) return kNever;
    const uint64_t d = ep->next_deadline_us();
    return d == UINT64_MAX ? kNever : std::max<SimTime>(d, now_);
  }

  std::unique_ptr<DtlsEndpoint> make(int i, bool server) {
    DtlsEndpoint::Hooks h;
    h.now_us = [this] { return now_; };
    h.send = [this, i, server](const uint8_t* data, size_t len, bool handshake, bool) {
      on_send(i, server, std::vector<uint8_t>(data, data + len), handshake);
    };
    const std::vector<uint8_t> addr = {0x10, static_cast<uint8_t>(i >> 8), static_cast<uint8_t>(i)};
    return std::make_unique<DtlsEndpoint>(server, settings_, creds_, mix(o_.seed ^ (++made_ << 20)), h, addr);
  }

  void on_send(int i, bool from_server, const std::vector<uint8_t>& f, bool handshake) {
    Traffic k = handshake ? Traffic::kFreshness : purpose_;
    if (!handshake && f.size() > 13 && f[0] != 23) k = Traffic::kOther;  // alerts etc.
    count(r_.dtls, k, f.size());
    if (k == Traffic::kCommand) captured_.push_back(f);
    put(i, from_server, f, k == Traffic::kCommand ? command_ : -1);
  }

  void put(int i, bool from_server, const std::vector<uint8_t>& f, int command) {
    const NodeId from = from_server ? ctrl_radio_ : node_radio_[static_cast<size_t>(i)];
    const uint64_t id = radio_.transmit(from, kBroadcast, f, now_);
    meta_[id] = Meta{i, from_server, command};
  }

  void on_radio(const RadioEvent& ev) {
    auto it = meta_.find(ev.frame_id);
    if (it == meta_.end() || ev.outcome == Outcome::kSent || ev.outcome == Outcome::kTooBig) return;
    const Meta& m = it->second;
    const bool intact = ev.outcome == Outcome::kDelivered || ev.outcome == Outcome::kDuplicate;
    if (ev.to == ctrl_radio_) {
      if (!intact || m.to_node) return;
      Node& n = nodes_[static_cast<size_t>(m.node)];
      n.server->input(ev.frame.data(), ev.frame.size());
      n.server->poll();
      look(m.node);
      return;
    }
    const int node = static_cast<int>(ev.to - node_radio_[0]);
    Listener& l = listen_[static_cast<size_t>(node)];
    const SimTime air = radio_.airtime_us(ev.frame.size());
    if (!listening(s_, l, node, ev.at - air, ev.at)) return;
    if (m.command >= 0 && m.to_node && m.node == node) {
      const Command& c = s_.commands[static_cast<size_t>(m.command)];
      TargetState& t = targets_[static_cast<size_t>(m.command)][c.group ? static_cast<size_t>(node) : 0];
      ++t.awake_copies;
      t.heard += intact;
    }
    if (ev.outcome == Outcome::kLost) return;
    l.rx_uj += static_cast<double>(ev.frame.size() + radio_.config().profile.phy_overhead) *
               radio_.config().profile.rx_uj_per_byte;
    Node& n = nodes_[static_cast<size_t>(node)];
    if (!intact || !m.to_node || m.node != node || !n.client) return;  // link layer: not for this node
    n.client->input(ev.frame.data(), ev.frame.size());
    n.client->poll();
    look(node);
  }

  void look(int i) {
    Node& n = nodes_[static_cast<size_t>(i)];
    if (n.client) {
      for (const auto& p : n.client->take_received()) {
        if (p.size() != kCommandLen) continue;
        const uint16_t id = static_cast<uint16_t>(p[1] << 8 | p[2]);
        for (size_t c = 0; c < s_.commands.size(); ++c) {
          if (s_.commands[c].id == id) ++targets_[c][s_.commands[c].group ? static_cast<size_t>(i) : 0].consumed;
        }
      }
      if (n.handshaking && n.client->state() == DtlsState::kConnected) {
        n.handshaking = false;
        n.connected = true;
        listen_[static_cast<size_t>(i)].sleep(now_);
      } else if (n.handshaking && n.client->state() == DtlsState::kFailed) {
        n.handshaking = false;
        ++r_.dtls.handshake_failures;
        listen_[static_cast<size_t>(i)].sleep(now_);
        loop_.at(now_ + kMinute, [this, i, c = n.client.get()] {
          if (nodes_[static_cast<size_t>(i)].client.get() == c) boot(i);
        });
      }
    }
    for (const auto& p : n.server->take_received()) {
      if (p.size() == kReportLen) ++r_.dtls.reports_delivered;
    }
  }

  void boot(int i) {
    Node& n = nodes_[static_cast<size_t>(i)];
    if (n.client) add(n.past, n.client->counters());
    n.client = make(i, false);
    n.up = true;
    n.handshaking = true;
    n.connected = false;
    ++r_.dtls.handshakes;
    listen_[static_cast<size_t>(i)].wake(now_);
    n.client->start();
    look(i);
  }

  void power_cycle(int i) {
    Node& n = nodes_[static_cast<size_t>(i)];
    if (n.client) add(n.past, n.client->counters());
    n.client.reset();
    n.up = false;
    n.handshaking = n.connected = false;
    Listener& l = listen_[static_cast<size_t>(i)];
    l.sleep(now_);
    l.down_until = now_ + kBootTime;
    loop_.at(now_ + kBootTime, [this, i] { boot(i); });
  }

  void send_report(int i) {
    Node& n = nodes_[static_cast<size_t>(i)];
    if (!n.up || !n.connected) {
      ++r_.dtls.reports_skipped;
      return;
    }
    const std::vector<uint8_t> p = {0x5e, static_cast<uint8_t>(i), 0, 0, 0, 0x17, 0, 0};
    purpose_ = Traffic::kReport;
    if (n.client->write(p.data(), p.size())) ++r_.dtls.reports_sent;
    purpose_ = Traffic::kOther;
  }

  void send_command(size_t c, size_t k) {
    const Command& cmd = s_.commands[c];
    if (k == 0) {
      ++r_.dtls.commands_sent;
      copies_[c].clear();
      const std::vector<uint8_t> p = command_payload(cmd);
      for (int i = 0; i < o_.nodes; ++i) {
        if (!cmd.group && i != cmd.target) continue;
        TargetState& t = targets_[c][cmd.group ? static_cast<size_t>(i) : 0];
        Node& n = nodes_[static_cast<size_t>(i)];
        // The controller writes only on a session it holds (its server
        // endpoint connected); after a node's reboot that is the new one
        // once the node's handshake has reached it.
        if (n.server->state() != DtlsState::kConnected) {
          t.sent = false;
          continue;
        }
        purpose_ = Traffic::kCommand;
        command_ = static_cast<int>(c);
        captured_.clear();
        n.server->write(p.data(), p.size());
        purpose_ = Traffic::kOther;
        command_ = -1;
        if (captured_.empty()) t.sent = false;
        for (const auto& f : captured_) copies_[c].push_back({i, f});
      }
      return;
    }
    for (const auto& [i, f] : copies_[c]) {
      ++r_.dtls.command_frames;
      r_.dtls.command_bytes += f.size();
      put(i, true, f, static_cast<int>(c));
    }
  }

  static void add(DtlsCounters& a, const DtlsCounters& b) {
    a.app_records += b.app_records;
    a.handshake_failures += b.handshake_failures;
  }

  void finish() {
    for (Listener& l : listen_) l.sleep(now_);
    finish_side(r_.dtls, targets_, s_.commands);
    node_energy(r_.dtls, radio_, node_radio_, listen_, s_, o_.hours);
  }

  const MeshOptions& o_;
  const Schedule& s_;
  MeshReport& r_;
  Radio radio_;
  DtlsCredentials creds_;
  DtlsSettings settings_;
  Loop loop_;
  SimTime now_ = 0;
  uint64_t made_ = 0;
  NodeId ctrl_radio_ = 0;
  std::vector<NodeId> node_radio_;
  std::vector<Listener> listen_;
  std::vector<Node> nodes_;
  std::vector<std::vector<TargetState>> targets_;
  std::map<uint64_t, Meta> meta_;
  std::map<size_t, std::vector<std::pair<int, std::vector<uint8_t>>>> copies_;
  std::vector<std::vector<uint8_t>> captured_;
  Traffic purpose_ = Traffic::kOther;
  int command_ = -1;
};

}  // namespace

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
  const Schedule s = make_schedule(o);
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
  HushMesh(o, s, r).run();
  if (o.dtls) {
    DtlsMesh(o, s, r).run();
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
