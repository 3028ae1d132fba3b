// SPDX-License-Identifier: Apache-2.0
// libFuzzer target: arbitrary frames into a session endpoint in every state.
// A client and a server run a genuine handshake over a lossless in-memory
// link; the first input byte says how many genuine frames are delivered
// first (0: idle, then each handshake step, then established with traffic),
// the second which endpoint gets the fuzz frames (bit 0), whether the
// server always demands a cookie (bit 1) and which frame kind, if any, is
// forced onto the fuzz frames (bits 4..2: discovery, announce, cookie
// retry, message_1 with MAC, with MAC and cookie, their fragment, wake), so
// that the discovery and DoS paths are reached at once. The rest is a
// sequence of frames (1 length byte each). Afterwards the genuine exchange must still be
// able to go on: a fuzz frame never crashes an endpoint, breaks an
// established session's ability to move data, or produces a frame larger
// than the MTU.

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <vector>

#include "hush/credential.h"
#include "hush/session.h"

namespace {

using namespace hush;
using namespace hush::session;

void check(bool cond) {
  if (!cond) std::abort();
}

struct Frame {
  size_t to;
  std::vector<uint8_t> bytes;
};

struct Node;
std::deque<Frame>* g_queue = nullptr;

struct Node {
  size_t index = 0;
  uint8_t sk[32] = {};
  uint8_t pk[crypto::kMaxPublicKeyLen] = {};
  size_t pk_len = 0;
  credential::Ccs ccs;
  Endpoint ep;
  const Node* other = nullptr;
  size_t connected = 0, data = 0;
  PeerHandle peer;
};

TxResult tx(void* user, const LinkAddr& to, ConstByteSpan frame) {
  Node& n = *static_cast<Node*>(user);
  check(frame.size() <= kMaxFrame);
  (void)to;
  g_queue->push_back({1 - n.index, std::vector<uint8_t>(frame.begin(), frame.end())});
  return TxResult::kSent;
}

void on_event(void* user, const Event& ev) {
  Node& n = *static_cast<Node*>(user);
  if (ev.type == EventType::kConnected) {
    ++n.connected;
    n.peer = ev.peer;
  }
  if (ev.type == EventType::kData) ++n.data;
}

bool lookup(void* user, const edhoc::IdCredView& id, edhoc::PeerCredential& out) {
  const Node& n = *static_cast<Node*>(user);
  if (!id.is_kid || id.kid.size() != 1 || id.kid[0] != 0x10 + n.other->index) return false;
  out.cred = n.other->ccs.cred_view();
  out.public_key = ConstByteSpan(n.other->pk, n.other->pk_len);
  return true;
}

void make(Node& n, size_t index, bool always_cookie) {
  n.index = index;
  for (size_t i = 0; i < 32; ++i) n.sk[i] = static_cast<uint8_t>(0x40 + 3 * i + index);
  uint8_t pub[32];
  check(crypto::ecdh_generate(crypto::KeyType::kX25519, n.sk, pub) == Error::kOk);
  check(crypto::public_key(crypto::KeyType::kX25519, crypto::PrivateKey::from_raw(n.sk), n.pk, n.pk_len) == Error::kOk);
  const uint8_t serial[2] = {0x01, static_cast<uint8_t>(index)};
  const uint8_t kid[1] = {static_cast<uint8_t>(0x10 + index)};
  check(n.ccs.build(ConstByteSpan(serial), ConstByteSpan(kid), crypto::KeyType::kX25519,
                    ConstByteSpan(n.pk, n.pk_len)) == Error::kOk);
  Platform pf;
  pf.transmit = tx;
  pf.event = on_event;
  pf.lookup = lookup;
  pf.user = &n;
  Settings s;
  s.keepalive_ms = 2000;
  if (always_cookie) s.dos.cookie_load = 0;
  check(n.ep.begin(pf, {n.ccs.cred_view(), n.ccs.id_cred_view(), crypto::PrivateKey::from_raw(n.sk)}, s) == Error::kOk);
}

void pump(Node* nodes, uint32_t now) {
  for (int i = 0; i < 16; ++i) {
    bool more = false;
    for (size_t k = 0; k < 2; ++k) more |= nodes[k].ep.poll(now) == Error::kNeedMore;
    if (!more) return;
  }
}

// Delivers up to `n` queued genuine frames, polling after each.
void deliver(Node* nodes, size_t n, uint32_t now) {
  for (size_t i = 0; i < n && !g_queue->empty(); ++i) {
    Frame f = g_queue->front();
    g_queue->pop_front();
    nodes[f.to].ep.input(ConstByteSpan(f.bytes.data(), f.bytes.size()), LinkAddr::from_u32(uint32_t(1 - f.to)), now);
    pump(nodes, now);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2) return 0;
  std::deque<Frame> queue;
  g_queue = &queue;
  static Node nodes_storage[2];
  Node* nodes = new (nodes_storage) Node[2];  // fresh endpoints each run
  const bool always_cookie = (data[1] & 2) != 0;
  make(nodes[0], 0, always_cookie);
  make(nodes[1], 1, always_cookie);
  nodes[0].other = &nodes[1];
  nodes[1].other = &nodes[0];
  uint32_t now = 1000;
  PeerHandle peer;
  ConnectOptions options;
  const uint8_t server_kid = 0x11;
  options.peer_kid = ConstByteSpan(&server_kid, 1);
  check(nodes[0].ep.connect(LinkAddr::from_u32(1), peer, now, options) == Error::kOk);
  // An open discovery request, so that announces reach the client's parser.
  check(nodes[0].ep.discover(ConstByteSpan(), 0, now) == Error::kOk);
  g_queue->clear();
  pump(nodes, now);
  const uint8_t queued[4] = {1, 2, 3, 4};
  check(nodes[0].ep.send(peer, ConstByteSpan(queued), kSendConfirmed, now) == Error::kOk);
  pump(nodes, now);

  const size_t genuine = data[0] % 8;
  const size_t target = data[1] & 1;
  static constexpr uint8_t kForced[8] = {0, 0x20, 0x21, 0x23, 0x41, 0x49, 0x51, 0x22};
  const uint8_t forced = kForced[(data[1] >> 2) & 7];
  deliver(nodes, genuine, now);

  // Bit 1 of data[1]: the target's session is paused while the fuzz frames
  // (WAKE 0x22 among them) arrive, then resumed.
  const bool pause = (data[1] & 2) != 0 && nodes[target].peer.valid() &&
                     nodes[target].ep.state(nodes[target].peer) == PeerState::kEstablished;
  if (pause) check(nodes[target].ep.pause(nodes[target].peer, now) == Error::kOk);

  // The fuzz frames.
  size_t pos = 2;
  while (pos < size) {
    const size_t len = data[pos++];
    const size_t n = len < size - pos ? len : size - pos;
    std::vector<uint8_t> frame(data + pos, data + pos + n);
    if (forced != 0 && !frame.empty()) frame[0] = forced;
    nodes[target].ep.input(ConstByteSpan(frame.data(), frame.size()), LinkAddr::from_u32(7), now);
    pos += n;
    now += 3;
    pump(nodes, now);
  }

  if (pause && nodes[target].ep.state(nodes[target].peer) == PeerState::kEstablished) {
    check(nodes[target].ep.resume(nodes[target].peer, now) == Error::kOk);
  }

  // The genuine exchange goes on: it completes, and data flows.
  for (int round = 0; round < 200 && (nodes[0].connected == 0 || nodes[1].connected == 0); ++round) {
    deliver(nodes, queue.size(), now);
    now += 500;
    pump(nodes, now);
  }
  if (nodes[0].connected == 1 && nodes[1].connected == 1 &&
      nodes[0].ep.state(nodes[0].peer) == PeerState::kEstablished) {
    const size_t before = nodes[1].data;
    const uint8_t more[3] = {9, 9, 9};
    check(nodes[0].ep.send(nodes[0].peer, ConstByteSpan(more), kSendDefault, now) == Error::kOk);
    deliver(nodes, queue.size(), now);
    check(nodes[1].data == before + 1);
  }
  nodes[0].~Node();
  nodes[1].~Node();
  g_queue = nullptr;
  return 0;
}
