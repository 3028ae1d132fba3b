// SPDX-License-Identifier: Apache-2.0
// The DTLS half of the mesh scenario: mbed TLS's DTLS 1.2 PSK over the
// shared model (mesh_model.h).
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

void run_dtls_mesh(const MeshOptions& o, const Schedule& s, MeshReport& r) {
  DtlsMesh(o, s, r).run();
}

}  // namespace hush::sim::mesh
