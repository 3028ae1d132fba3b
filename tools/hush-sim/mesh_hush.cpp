// SPDX-License-Identifier: Apache-2.0
// The hush half of the mesh scenario: a group-keyed controller and sleepy
// psk::Nodes, an attacker, over the shared model (mesh_model.h).
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

namespace hush::sim::mesh {

namespace {

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

}  // namespace

void run_hush_mesh(const MeshOptions& o, const Schedule& s, MeshReport& r) {
  HushMesh(o, s, r).run();
}

}  // namespace hush::sim::mesh
