// SPDX-License-Identifier: Apache-2.0
#pragma once

// A seeded, deterministic radio for session tests: endpoints exchange frames
// through a queue with loss, duplication, reordering and delay, and a clock
// that jumps to the next frame or deadline. An attacker hook sees and may
// rewrite or inject every frame.

#include <gtest/gtest.h>

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "hush/credential.h"
#include "hush/session.h"

namespace hush::session::test {

using Bytes = std::vector<uint8_t>;

struct Identity {
  uint8_t sk[32] = {};
  uint8_t pk[crypto::kMaxPublicKeyLen] = {};
  size_t pk_len = 0;
  crypto::KeyType type = crypto::KeyType::kX25519;
  credential::Ccs ccs;

  void make(crypto::KeyType t, uint8_t id) {
    type = t;
    ASSERT_EQ(crypto::random_bytes(ByteSpan(sk)), Error::kOk);
    if (t != crypto::KeyType::kEd25519) {
      uint8_t pub32[32];
      ASSERT_EQ(crypto::ecdh_generate(t, sk, pub32), Error::kOk);
    }
    ASSERT_EQ(crypto::public_key(t, crypto::PrivateKey::from_raw(sk), pk, pk_len), Error::kOk);
    const uint8_t serial[4] = {0x48, 0x55, 0x00, id};
    const uint8_t kid[1] = {id};
    ASSERT_EQ(ccs.build(ConstByteSpan(serial), ConstByteSpan(kid), t, ConstByteSpan(pk, pk_len)), Error::kOk);
  }
  edhoc::LocalCredential local() const {
    return {ccs.cred_view(), ccs.id_cred_view(), crypto::PrivateKey::from_raw(sk)};
  }
};

inline crypto::KeyType key_type(edhoc::Method m, uint8_t suite, bool responder) {
  const int mi = static_cast<int>(m);
  const bool signs = responder ? (mi == 0 || mi == 2) : (mi == 0 || mi == 1);
  if (suite >= 2) return crypto::KeyType::kP256;
  return signs ? crypto::KeyType::kEd25519 : crypto::KeyType::kX25519;
}

struct Channel {
  double loss = 0;
  double duplicate = 0;
  double reorder = 0;  // probability a frame is held back behind later ones
  uint32_t delay_ms = 5;
  uint32_t jitter_ms = 0;
};

class Net;

// What a kDiscovered event said, copied out of the callback.
struct Discovered {
  LinkAddr from;
  Bytes serial, kid, cookie;
  uint8_t info = 0;
};

struct Node {
  Net* net = nullptr;
  size_t index = 0;
  Identity id;
  Endpoint ep;
  std::vector<Event> events;
  std::vector<Bytes> data;  // payloads received, in order
  std::vector<Discovered> discovered;
  uint8_t kid = 0;         // its credential's kid (0x10 + index)
  bool busy_next = false;  // answer the next transmit with kBusy
  int busy_count = 0;      // answer this many transmits with kBusy
  // Runs inside Platform::event, so tests can call the endpoint from there.
  std::function<void(const Event&)> on_event;

  size_t count(EventType t) const {
    size_t n = 0;
    for (const auto& e : events) n += e.type == t ? 1 : 0;
    return n;
  }
  const Event* last(EventType t) const {
    for (auto it = events.rbegin(); it != events.rend(); ++it) {
      if (it->type == t) return &*it;
    }
    return nullptr;
  }
};

struct InFlight {
  uint32_t at;
  uint64_t order;
  size_t from, to;
  Bytes frame;
};

class Net {
 public:
  explicit Net(uint64_t seed, Channel ch = {}) : rng_(seed), ch_(ch) {}

  // Adds an endpoint; all use the same method and suite.
  Node& add(Settings s = {}) {
    auto n = std::make_unique<Node>();
    n->net = this;
    n->index = nodes_.size();
    Node& node = *n;
    nodes_.push_back(std::move(n));
    // Keys: responder-capable and initiator-capable identities need the
    // key type of their role; tests use one role per node or static DH.
    node.kid = static_cast<uint8_t>(0x10 + node.index);
    node.id.make(key_type(s.method, s.suite, roles_responder_ ? true : false), node.kid);
    Platform pf;
    pf.transmit = &Net::tx_hook;
    pf.event = &Net::event_hook;
    pf.lookup = &Net::lookup_hook;
    pf.user = &node;
    EXPECT_EQ(node.ep.begin(pf, node.id.local(), s), Error::kOk);
    return node;
  }
  // Power-cycles node i: its endpoint loses all RAM state and starts again
  // with the same identity (deep sleep with RAM off).
  void reboot(size_t i, Settings s = {}) {
    Node& node = *nodes_[i];
    node.ep.~Endpoint();
    new (&node.ep) Endpoint();
    Platform pf;
    pf.transmit = &Net::tx_hook;
    pf.event = &Net::event_hook;
    pf.lookup = &Net::lookup_hook;
    pf.user = &node;
    EXPECT_EQ(node.ep.begin(pf, node.id.local(), s), Error::kOk);
  }
  // The next add() provisions a key for the responder role (signature methods).
  void next_is_responder(bool r) { roles_responder_ = r; }

  // What a client knows of server i: its kid, which keys the key-knowledge MAC.
  ConnectOptions expect(size_t i) const {
    ConnectOptions o;
    o.peer_kid = ConstByteSpan(&nodes_[i]->kid, 1);
    return o;
  }
  LinkAddr addr(size_t i) const { return LinkAddr::from_u32(static_cast<uint32_t>(0x1000 + i)); }
  Node& node(size_t i) { return *nodes_[i]; }
  uint32_t now() const { return now_; }
  Channel& channel() { return ch_; }

  // Called around every input() and poll() the net makes (is_poll).
  std::function<void()> before_call;
  std::function<void(bool is_poll)> after_call;

  // Every frame sent, for tests that replay or inspect them.
  std::vector<InFlight> sent;
  // Returns false to drop the frame (the attacker ate it); may edit it.
  std::function<bool(InFlight&)> attacker;
  // Frames whose delivery was counted, by (from, to).
  uint64_t delivered = 0, lost = 0;

  void inject(size_t to, const Bytes& frame, size_t from_addr, uint32_t delay = 1) {
    queue_.push_back({now_ + delay, order_++, from_addr, to, frame});
  }

  // Runs until `until` returns true or the time limit passes. Returns whether `until` held.
  bool run(
      uint32_t limit_ms, const std::function<bool()>& until = [] { return false; }) {
    const uint32_t end = now_ + limit_ms;
    for (int guard = 0; guard < 2000000; ++guard) {
      if (until()) return true;
      // Work first: poll() until nothing is pending now.
      bool worked = false;
      for (auto& n : nodes_) {
        if (n->ep.next_deadline(now_) == now_) {
          poll(*n);
          worked = true;
        }
      }
      if (worked) continue;
      uint32_t next = UINT32_MAX;
      for (auto& n : nodes_) {
        const uint32_t d = n->ep.next_deadline(now_);
        if (d != UINT32_MAX && (next == UINT32_MAX || d - now_ < next - now_)) next = d;
      }
      size_t best = SIZE_MAX;
      for (size_t i = 0; i < queue_.size(); ++i) {
        if (best == SIZE_MAX || queue_[i].at < queue_[best].at ||
            (queue_[i].at == queue_[best].at && queue_[i].order < queue_[best].order)) {
          best = i;
        }
      }
      // The clock stops at `end`: what is due later stays for the next run().
      if (best != SIZE_MAX && (next == UINT32_MAX || queue_[best].at <= next)) {
        if (queue_[best].at > end) {
          now_ = end;
          return until();
        }
        InFlight f = queue_[best];
        queue_.erase(queue_.begin() + static_cast<long>(best));
        if (f.at > now_) now_ = f.at;
        deliver(f);
        continue;
      }
      if (next == UINT32_MAX || static_cast<int32_t>(next - end) > 0) {
        now_ = end;
        return until();
      }
      if (next > now_) now_ = next;
      for (auto& n : nodes_) {
        if (timers_reached(n->ep.next_deadline(now_))) poll(*n);
      }
    }
    ADD_FAILURE() << "run(): guard exhausted (busy loop)";
    return false;
  }

  void advance(uint32_t ms) { now_ += ms; }

 private:
  bool timers_reached(uint32_t d) const { return d != UINT32_MAX && static_cast<int32_t>(now_ - d) >= 0; }

  double uniform() { return std::uniform_real_distribution<double>(0, 1)(rng_); }

  void poll(Node& n) {
    if (before_call) before_call();
    (void)n.ep.poll(now_);
    if (after_call) after_call(true);
  }

  void deliver(const InFlight& f) {
    if (f.to >= nodes_.size()) return;
    ++delivered;
    if (before_call) before_call();
    nodes_[f.to]->ep.input(ConstByteSpan(f.frame.data(), f.frame.size()), addr(f.from), now_);
    if (after_call) after_call(false);
  }

  void send_from(Node& n, const LinkAddr& to, ConstByteSpan frame) {
    std::vector<size_t> targets;
    for (size_t i = 0; i < nodes_.size(); ++i) {
      if (i != n.index && (to.is_broadcast() || addr(i) == to)) targets.push_back(i);
    }
    for (size_t t : targets) {
      InFlight f{now_, order_++, n.index, t, Bytes(frame.begin(), frame.end())};
      sent.push_back(f);
      if (attacker && !attacker(f)) continue;
      if (uniform() < ch_.loss) {
        ++lost;
        continue;
      }
      const uint32_t jitter = ch_.jitter_ms ? static_cast<uint32_t>(uniform() * ch_.jitter_ms) : 0;
      f.at = now_ + ch_.delay_ms + jitter;
      if (uniform() < ch_.reorder) f.at += 3 * ch_.delay_ms + 20;
      queue_.push_back(f);
      if (uniform() < ch_.duplicate) {
        InFlight d = f;
        d.order = order_++;
        d.at += 7;
        queue_.push_back(d);
      }
    }
  }

  static TxResult tx_hook(void* user, const LinkAddr& to, ConstByteSpan frame) {
    Node& n = *static_cast<Node*>(user);
    if (n.busy_next) {
      n.busy_next = false;
      return TxResult::kBusy;
    }
    if (n.busy_count > 0) {
      --n.busy_count;
      return TxResult::kBusy;
    }
    EXPECT_LE(frame.size(), size_t{1024});
    n.net->send_from(n, to, frame);
    return TxResult::kSent;
  }
  static void event_hook(void* user, const Event& ev) {
    Node& n = *static_cast<Node*>(user);
    Event copy = ev;
    if (ev.type == EventType::kData) n.data.emplace_back(ev.data.begin(), ev.data.end());
    if (ev.type == EventType::kDiscovered) {
      n.discovered.push_back({ev.from, Bytes(ev.data.begin(), ev.data.end()),
                              Bytes(ev.peer_kid.begin(), ev.peer_kid.end()), Bytes(ev.cookie.begin(), ev.cookie.end()),
                              ev.announce_info});
    }
    copy.data = ConstByteSpan();
    copy.peer_kid = ConstByteSpan();
    copy.cookie = ConstByteSpan();
    n.events.push_back(copy);
    if (n.on_event) n.on_event(ev);
  }
  static bool lookup_hook(void* user, const edhoc::IdCredView& id, edhoc::PeerCredential& out) {
    Node& n = *static_cast<Node*>(user);
    if (!id.is_kid || id.kid.size() != 1) return false;
    for (auto& other : n.net->nodes_) {
      if (other->index == n.index) continue;
      if (static_cast<uint8_t>(0x10 + other->index) == id.kid[0]) {
        out.cred = other->id.ccs.cred_view();
        out.public_key = ConstByteSpan(other->id.pk, other->id.pk_len);
        return true;
      }
    }
    return false;
  }

  std::mt19937_64 rng_;
  Channel ch_;
  uint32_t now_ = 1000;
  uint64_t order_ = 0;
  bool roles_responder_ = false;
  std::vector<std::unique_ptr<Node>> nodes_;
  std::deque<InFlight> queue_;
};

// --- Helpers the session tests share ------------------------------------------

// An 8-byte reading numbered n (4 bytes of n, little-endian, then zeros).
inline Bytes reading(uint32_t n, size_t len = 8) {
  Bytes b(len, 0);
  for (size_t i = 0; i < len && i < 4; ++i) b[i] = static_cast<uint8_t>(n >> (8 * i));
  return b;
}

// Connects node 0 to node 1; returns the client's handle.
inline PeerHandle connect(Net& net, uint32_t limit = 120000) {
  PeerHandle peer;
  EXPECT_EQ(net.node(0).ep.connect(net.addr(1), peer, net.now(), net.expect(1)), Error::kOk);
  EXPECT_TRUE(net.run(limit, [&] {
    return net.node(0).count(EventType::kConnected) == 1 && net.node(1).count(EventType::kConnected) == 1;
  }));
  return peer;
}

// The server's handle of its last connected session.
inline PeerHandle server_handle(Node& server) {
  const Event* e = server.last(EventType::kConnected);
  return e ? e->peer : PeerHandle{};
}

inline Error send(Node& n, PeerHandle p, const Bytes& b, uint8_t flags, uint32_t now) {
  return n.ep.send(p, ConstByteSpan(b.data(), b.size()), flags, now);
}

inline void input(Node& n, const Bytes& f, const LinkAddr& from, uint32_t now) {
  n.ep.input(ConstByteSpan(f.data(), f.size()), from, now);
}

// Frames node `from` sent, from net.sent[first] on.
inline size_t frames_from(const Net& net, size_t from, size_t first = 0) {
  size_t n = 0;
  for (size_t i = first; i < net.sent.size(); ++i) n += net.sent[i].from == from ? 1 : 0;
  return n;
}

}  // namespace hush::session::test
