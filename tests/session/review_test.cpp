// SPDX-License-Identifier: Apache-2.0
// Independent review of the session layer (include/hush/session.h,
// src/session/, docs/PROTOCOL.md "Frames" / "Session behaviour",
// docs/SECURITY.md "Sessions"). Every SessionReview.* test below failed on
// the code it was written against: each pins a bug the review confirmed,
// with a comment that explains the bug and the fix, and passes since the
// fix. All are seeded and deterministic.
//
// They run on the seeded radio of tests/session/test_net.h; Node::on_event
// runs inside Platform::event (the documented re-entrancy: send/close/connect
// from the callback), and Node::busy_count answers several transmits with
// kBusy.

#include <gtest/gtest.h>

#include "session/cookie.h"
#include "test_net.h"

namespace hush::session::review {
using test::Channel;
using test::InFlight;
using test::Net;
using test::Node;
using Bytes = test::Bytes;
}  // namespace hush::session::review

namespace hush::session::review {
namespace {

Bytes payload(uint32_t n, size_t len = 8) {
  Bytes b(len, 0);
  for (size_t i = 0; i < len && i < 4; ++i) b[i] = static_cast<uint8_t>(n >> (8 * i));
  return b;
}

bool both_connected(Node& a, Node& b) {
  return a.count(EventType::kConnected) >= 1 && b.count(EventType::kConnected) >= 1;
}

// A real X25519 public key whose first byte is `first` (so that it wins or
// loses the RFC 9528 §9.8 G_X comparison as the test wants).
Bytes x25519_key_with_first_byte(uint8_t first) {
  for (int i = 0; i < 100000; ++i) {
    uint8_t sk[32], pk[32];
    EXPECT_EQ(crypto::random_bytes(ByteSpan(sk)), Error::kOk);
    if (crypto::ecdh_generate(crypto::KeyType::kX25519, sk, pk) != Error::kOk) continue;
    if (pk[0] == first) return Bytes(pk, pk + 32);
  }
  ADD_FAILURE() << "no key found";
  return Bytes(32, first);
}

// A whole message_1 frame: | 0x01 | METHOD | SUITES_I | G_X | C_I |.
// With `receiver_cred`, the key-knowledge MAC that anyone holding the
// receiver's public credential can compute comes with it. Built in sized
// buffers: GCC 12 at -O3 takes vector inserts here for out-of-bounds copies
// (-Warray-bounds false positive).
Bytes message_1_frame(uint8_t method, uint8_t suite, const Bytes& g_x, uint8_t c_i, ConstByteSpan receiver_cred = {}) {
  Bytes m(4 + g_x.size() + 1);
  const uint8_t head[4] = {method, suite, 0x58, 0x20};
  for (size_t i = 0; i < 4; ++i) m[i] = head[i];
  for (size_t i = 0; i < g_x.size(); ++i) m[4 + i] = g_x[i];
  m.back() = c_i;
  const bool with_mac = !receiver_cred.empty();
  const size_t pre = 1 + (with_mac ? wire::kKeyMacLen : 0);
  Bytes f(pre + m.size());
  f[0] = static_cast<uint8_t>(wire::kFrameMessage1 | (with_mac ? wire::kFrameKeyMac : 0));
  if (with_mac) {
    uint8_t key[wire::kKeyMacKeyLen], mac[wire::kKeyMacLen];
    EXPECT_EQ(key_mac_key(receiver_cred, key), Error::kOk);
    EXPECT_EQ(key_mac(ConstByteSpan(key), ConstByteSpan(m.data(), m.size()), mac), Error::kOk);
    for (size_t i = 0; i < sizeof(mac); ++i) f[1 + i] = mac[i];
  }
  for (size_t i = 0; i < m.size(); ++i) f[pre + i] = m[i];
  return f;
}

size_t fragment_frames_out(const Node& n) {
  return n.ep.counters().frames_out[static_cast<size_t>(FrameClass::kFragment)];
}

}  // namespace
}  // namespace hush::session::review

namespace hush::session::review {
namespace {

// ---------------------------------------------------------------------------
// Found by review, now fixed (high): re-entrant close()+connect() from the responder's kConnected
// callback wedges the new session forever.
//
// handshake_step(kProcessMessage3) calls established(peer, now,
// /*release_handshake=*/false), which emits kConnected, and afterwards
// unconditionally runs `handshake_release(ep, index)` and
// `if (peers[peer].handshake == index) peers[peer].handshake = kNoSlot`.
// When the callback ends the session (close() ends at once when the close
// record cannot be queued, e.g. the shared tx queue is full) and then calls
// connect() (documented as allowed from the callback), connect() gets the
// very same peer slot and the very same handshake slot; the code after the
// callback then frees the *new* handshake and unlinks it from the new peer.
// The new handle stays kConnecting forever: no timer, no kConnected, no
// kHandshakeFailed, and the peer slot is leaked.
// (The same happens from the kData callback of the record riding with
// message_3, which runs in the same place.)
//
// Fix: after established() returns, re-check the handle (as established()
// itself does with peer_by_handle) and only release `index` if it still
// belongs to that same peer/generation, e.g. capture the PeerHandle before
// the call and skip the tail if peer_by_handle(handle) == kNoSlot; or
// release the handshake slot *before* emitting kConnected (copy the riding
// record to rx_scratch first).
// ---------------------------------------------------------------------------
TEST(SessionReview, ReentrantCloseAndConnectInConnectedCallbackWork) {
  Net net(101);
  Node& a = net.add();
  Node& server = net.add();
  Node& b = net.add();
  PeerHandle pa;
  ASSERT_EQ(a.ep.connect(net.addr(1), pa, net.now(), net.expect(1)), Error::kOk);
  ASSERT_TRUE(net.run(60000, [&] { return both_connected(a, server); }));
  const PeerHandle sa = server.last(EventType::kConnected)->peer;

  // Fill the server's shared tx queue with confirmed records that A never
  // acks (A's incoming frames are lost for now).
  net.attacker = [&](InFlight& f) { return f.to != 0; };
  for (size_t i = 0; i < kTxSlots; ++i) {
    const Bytes p = payload(static_cast<uint32_t>(i));
    ASSERT_EQ(server.ep.send(sa, ConstByteSpan(p.data(), p.size()), kSendConfirmed, net.now()), Error::kOk);
  }

  PeerHandle reconnect{};
  Error reconnect_err = Error::kInvalidState;
  bool done = false;
  server.on_event = [&](const Event& ev) {
    if (ev.type != EventType::kConnected || ev.peer == sa || done) return;
    done = true;
    // The application decides it does not want this session and dials the
    // peer back instead: both calls are documented as allowed here.
    EXPECT_EQ(server.ep.close(ev.peer, net.now()), Error::kOk);
    reconnect_err = server.ep.connect(net.addr(2), reconnect, net.now(), net.expect(2));
  };
  PeerHandle pb;
  ASSERT_EQ(b.ep.connect(net.addr(1), pb, net.now(), net.expect(1)), Error::kOk);
  ASSERT_TRUE(net.run(60000, [&] { return done; }));
  ASSERT_EQ(reconnect_err, Error::kOk);
  net.attacker = nullptr;

  // The new outgoing session must end one way or the other.
  net.run(300000, [&] {
    for (const Event& e : server.events) {
      if (e.peer == reconnect && (e.type == EventType::kConnected || e.type == EventType::kHandshakeFailed)) {
        return true;
      }
    }
    return false;
  });
  size_t outcome = 0;
  for (const Event& e : server.events) {
    if (e.peer == reconnect && (e.type == EventType::kConnected || e.type == EventType::kHandshakeFailed)) ++outcome;
  }
  EXPECT_EQ(outcome, 1u) << "connect() from the callback never connects nor fails";
  EXPECT_NE(server.ep.state(reconnect), PeerState::kConnecting) << "wedged in kConnecting after 300 s";
}

// ---------------------------------------------------------------------------
// Found by review, now fixed (high, remote, no attacker needed): at an MTU that fragments message_1
// (e.g. 32), a resent message_1 leaks a responder handshake slot and its
// peer slot forever.
//
// message_1 fragments are gathered in a fresh kReassemble1 slot. When the
// reassembled message_1 is a duplicate (same G_X: our message_2 was lost and
// the initiator resent message_1) on_message_1() resends message_2 and
// returns, but never releases the kReassemble1 slot it was gathered in; its
// reassembly timer was already cancelled by on_fragment(). The same happens
// when peek_message_1() fails or choose_id() fails. The slot has no timer,
// app_known is false (no event ever), and evict_half_open() only runs for
// *whole* message_1 frames, so at MTU 32 it is never reclaimed. After one
// such loss per handshake slot, the responder accepts no handshake at all.
//
// Here client A loses its first message_2 and still connects, leaking one of
// the server's two handshake slots; then client B loses its first message_2
// too, and can no longer get its resent message_1 in (drops.no_resources):
// B's handshake fails although nothing else is going on.
//
// Fix: in on_message_1(), whenever `target != kNoSlot` and the message is
// not taken into that slot (duplicate, peek failure, no id, refused),
// release the target slot and its peer slot; and/or arm a retransmit-style
// timeout on every kReassemble1 slot that fails it when it has no progress.
// Also let on_fragment() evict half-open handshakes like on_message_1().
// ---------------------------------------------------------------------------
TEST(SessionReview, ResentFragmentedMessage1FreesItsSlot) {
  Settings s;
  s.mtu = 32;
  Net net(102);
  Node& server = net.add(s);
  Node& a = net.add(s);
  Node& b = net.add(s);
  // The first message_2 flight to each client is lost.
  std::map<size_t, uint32_t> retrans_at_first;
  net.attacker = [&](InFlight& f) {
    if (f.from != 0 || (f.frame[0] & 0x80) != 0 || (f.frame[0] & 0x07) != wire::kFrameMessage2) return true;
    const uint32_t r = server.ep.counters().retransmissions;
    if (!retrans_at_first.count(f.to)) retrans_at_first[f.to] = r;
    return r != retrans_at_first[f.to];  // drop until the server resent message_2 once
  };
  PeerHandle pa;
  ASSERT_EQ(a.ep.connect(net.addr(0), pa, net.now(), net.expect(0)), Error::kOk);
  ASSERT_TRUE(net.run(120000, [&] { return both_connected(a, server); }));
  ASSERT_GT(fragment_frames_out(a), 0u);
  net.run(120000);  // anything half-open has long timed out by now

  PeerHandle pb;
  ASSERT_EQ(b.ep.connect(net.addr(0), pb, net.now(), net.expect(0)), Error::kOk);
  net.run(200000, [&] { return b.count(EventType::kConnected) + b.count(EventType::kHandshakeFailed) > 0; });
  EXPECT_EQ(b.count(EventType::kConnected), 1u) << "second client locked out by a leaked kReassemble1 slot";
  EXPECT_EQ(b.count(EventType::kHandshakeFailed), 0u);
  EXPECT_EQ(server.ep.counters().drops.no_resources, 0u);
}

// ---------------------------------------------------------------------------
// Found by review, now fixed (high): PeerHandle generations are 8 bits and are spent by every
// peer_alloc(), including the ones for message_1 frames that are refused
// at once (wrong method: no public-key work, no rate limit). 255 junk
// message_1 frames from anywhere bring a freed slot back to the generation
// of a closed session, so the application's stale handle to that closed
// session reaches the next peer that connects: send() succeeds and the new
// peer receives data meant for the old one. session.h promises "a handle to
// a closed session never reaches its successor".
//
// Fix: widen the generation (uint16_t/uint32_t in PeerSlot, PeerHandle and
// TxSlot), and do not spend a generation on slots the application never saw
// (bump it when an app-visible session ends, or only on connect()/
// kConnected); refuse message_1 before peer_alloc() when it cannot be taken.
// ---------------------------------------------------------------------------
TEST(SessionReview, StaleHandleNeverReachesANewSession) {
  Net net(103);
  Node& a = net.add();
  Node& server = net.add();
  Node& b = net.add();
  PeerHandle pa;
  ASSERT_EQ(a.ep.connect(net.addr(1), pa, net.now(), net.expect(1)), Error::kOk);
  ASSERT_TRUE(net.run(60000, [&] { return both_connected(a, server); }));
  const PeerHandle stale = server.last(EventType::kConnected)->peer;
  ASSERT_EQ(server.ep.close(stale, net.now()), Error::kOk);
  ASSERT_TRUE(net.run(60000, [&] { return server.count(EventType::kClosed) == 1; }));
  ASSERT_EQ(server.ep.state(stale), PeerState::kFree);

  // 255 message_1 frames with a method the server does not run: each is
  // refused without any public-key operation.
  const Bytes g_x(32, 0x42);
  const uint32_t pk_before = server.ep.counters().pk_operations;
  for (int i = 0; i < 255; ++i) {
    const Bytes m1 = message_1_frame(0x00 /* SigSig */, 0x00, g_x, 0x01);
    server.ep.input(ConstByteSpan(m1.data(), m1.size()), net.addr(9), net.now());
  }
  EXPECT_EQ(server.ep.counters().pk_operations, pk_before) << "junk costs the server no public-key work";

  PeerHandle pb;
  ASSERT_EQ(b.ep.connect(net.addr(1), pb, net.now(), net.expect(1)), Error::kOk);
  ASSERT_TRUE(net.run(60000, [&] { return both_connected(b, server) && server.count(EventType::kConnected) == 2; }));
  const PeerHandle fresh = server.last(EventType::kConnected)->peer;
  EXPECT_FALSE(fresh == stale) << "the new session got the closed session's handle";
  EXPECT_EQ(server.ep.state(stale), PeerState::kFree) << "stale handle reaches the new session";
  const Bytes secret = {'f', 'o', 'r', ' ', 'A'};
  (void)server.ep.send(stale, ConstByteSpan(secret.data(), secret.size()), kSendDefault, net.now());
  net.run(5000);
  for (const Bytes& d : b.data) EXPECT_NE(d, secret) << "B received data sent through A's stale handle";
}

}  // namespace
}  // namespace hush::session::review

namespace hush::session::review {
namespace {

// ---------------------------------------------------------------------------
// Found by review, now fixed (medium-high): one spoofed message_1 ends the application's own
// connect(). The simultaneous-open tie-break (on_message_1) trusts the link
// address: a message_1 "from the address we are connecting to" with a larger
// G_X makes the initiator release its handshake and turn the application's
// handle into a responder for the forged message_1. The genuine message_2
// then meets a responder slot and is dropped (unknown_context), nothing is
// resent (the initiator slot is gone), and the handle ends in
// kHandshakeFailed after the responder timeout. SECURITY.md: "A link address
// is never trusted", "A forged or corrupted EDHOC message does not end a
// handshake"; session.h: "a session is found by the connection identifier in
// the frame, never by who sent it".
//
// Fix: do not give up the initiator handshake on an unauthenticated
// message_1. Run the responder side in a separate slot and keep the
// initiator going; whichever handshake *authenticates* first (message_2
// verified with the expected peer, or message_3 verified) takes the
// application's handle, and the other is dropped.
// ---------------------------------------------------------------------------
TEST(SessionReview, SpoofedMessage1DoesNotEndOwnConnect) {
  Net net(104);
  Node& client = net.add();
  net.add();  // the server
  const Bytes big = x25519_key_with_first_byte(0xFF);
  bool injected = false;
  net.attacker = [&](InFlight& f) {
    if (!injected && f.from == 0 && (f.frame[0] & 0x17) == wire::kFrameMessage1) {
      injected = true;
      // Claims to come from the server's address; G_X wins the comparison;
      // the MAC is right (the client's credential is public).
      net.inject(0, message_1_frame(0x03, 0x00, big, 0x07, net.node(0).id.ccs.cred_view()), /*from_addr=*/1,
                 /*delay=*/1);
    }
    return true;
  };
  PeerHandle peer;
  ASSERT_EQ(client.ep.connect(net.addr(1), peer, net.now(), net.expect(1)), Error::kOk);
  net.run(200000, [&] { return client.count(EventType::kConnected) + client.count(EventType::kHandshakeFailed) > 0; });
  ASSERT_TRUE(injected);
  ASSERT_EQ(client.count(EventType::kConnected), 1u) << "one forged frame ended the handshake";
  EXPECT_EQ(client.last(EventType::kConnected)->peer, peer);
  EXPECT_EQ(client.count(EventType::kHandshakeFailed), 0u);
}

// ---------------------------------------------------------------------------
// Found by review, now fixed (high): simultaneous open at an MTU that fragments message_1 is never
// detected, and both handshakes complete; the session-replacement rule
// ("one session per authenticated peer") then keeps a *different* session
// on each side, so each side holds keys the other has wiped.
//
// on_fragment() gathers message_1 fragments in a new responder slot and
// calls on_message_1() with `target` set; on_message_1() skips the §9.8
// tie-break loop whenever `target != kNoSlot`. Both sides then run two
// handshakes (one per role). Each side's responder finishes first (when
// message_3 verifies) and its initiator a little later (when the
// confirmation arrives), so established() on A keeps A's initiator session
// and on B keeps B's initiator session: the two survivors are different
// sessions. Data then fails its tag both ways until kPeerDead.
//
// Fix: run the tie-break for a reassembled message_1 too (do it before the
// `target` shortcut, or run it in on_fragment on the first fragment). And
// make replacement deterministic on both sides (e.g. the session whose
// initiator has the larger G_X wins, as in §9.8), not "whichever finished
// last here".
// ---------------------------------------------------------------------------
TEST(SessionReview, SimultaneousOpenAtMtu32GivesOneSession) {
  Settings s;
  s.mtu = 32;
  Net net(105);
  Node& a = net.add(s);
  Node& b = net.add(s);
  PeerHandle pa, pb;
  ASSERT_EQ(a.ep.connect(net.addr(1), pa, net.now(), net.expect(1)), Error::kOk);
  ASSERT_EQ(b.ep.connect(net.addr(0), pb, net.now(), net.expect(0)), Error::kOk);
  net.run(120000, [&] { return both_connected(a, b); });
  ASSERT_TRUE(both_connected(a, b));
  EXPECT_GT(a.ep.counters().simultaneous_opens + b.ep.counters().simultaneous_opens, 0u)
      << "simultaneous open not detected";
  const Bytes x = payload(5);
  ASSERT_EQ(a.ep.send(pa, ConstByteSpan(x.data(), x.size()), kSendConfirmed, net.now()), Error::kOk);
  net.run(120000, [&] { return a.count(EventType::kDelivered) + a.count(EventType::kDeliveryFailed) > 0; });
  EXPECT_EQ(a.count(EventType::kDelivered), 1u);
  EXPECT_EQ(b.data.size(), 1u);
  EXPECT_EQ(a.ep.counters().drops.auth_fail + b.ep.counters().drops.auth_fail + a.ep.counters().drops.unknown_context +
                b.ep.counters().drops.unknown_context,
            0u);
}

// ---------------------------------------------------------------------------
// Found by review, now fixed (medium): simultaneous open with accept_incoming = false wedges the
// application's handle. When this side's G_X is the smaller one,
// on_message_1() releases the initiator handshake and allocates a responder
// slot for the handle *before* it checks `accept_incoming`; that check then
// returns, leaving the handle with a kReassemble1 responder slot that has no
// timer and is never evicted (app_known). No kConnected, no
// kHandshakeFailed, ever; next_deadline() has nothing for it.
//
// Fix: check `config::kResponder && accept_incoming` before the §9.8
// tie-break; a side that cannot answer keeps its own handshake (as if its
// G_X were the larger).
// ---------------------------------------------------------------------------
TEST(SessionReview, SimultaneousOpenWithoutAcceptIncomingConnects) {
  int wedged = 0, runs = 0;
  for (int seed = 0; seed < 8; ++seed) {
    Settings client_only;
    client_only.accept_incoming = false;
    Net net(static_cast<uint64_t>(seed) + 1060);
    Node& a = net.add(client_only);
    Node& b = net.add();
    PeerHandle pa, pb;
    ASSERT_EQ(a.ep.connect(net.addr(1), pa, net.now(), net.expect(1)), Error::kOk);
    ASSERT_EQ(b.ep.connect(net.addr(0), pb, net.now(), net.expect(0)), Error::kOk);
    net.run(400000, [&] { return a.count(EventType::kConnected) + a.count(EventType::kHandshakeFailed) > 0; });
    ++runs;
    if (a.count(EventType::kConnected) + a.count(EventType::kHandshakeFailed) == 0) ++wedged;
    EXPECT_NE(a.ep.state(pa), PeerState::kConnecting) << "seed " << seed << ": handle wedged for 400 s";
  }
  EXPECT_EQ(wedged, 0) << "of " << runs;
}

// ---------------------------------------------------------------------------
// Found by review, now fixed (medium): HandshakeSlot::started is only set for a whole message_1
// (on_message_1 with target == kNoSlot). A handshake whose message_1 came
// in fragments (and a simultaneous-open loser's slot) keeps the `started`
// of the slot's previous use (0 for a fresh endpoint), so evict_half_open()
// treats a handshake that began milliseconds ago as "older than two initial
// timeouts" and evicts it for any whole message_1 (which a responder with
// MTU 32 still accepts: input() only checks kMaxFrame). SECURITY.md:
// "younger ones are kept, so peers arriving together cannot evict each
// other". Two junk message_1 frames per handshake are enough to keep a
// fragmenting client out.
//
// Fix: set `started = now` in handshake_alloc() (or in on_fragment() and in
// the simultaneous-open branch as well).
// ---------------------------------------------------------------------------
TEST(SessionReview, YoungFragmentedHandshakeIsNotEvicted) {
  Settings s;
  s.mtu = 32;
  Net net(107);
  Node& client = net.add(s);
  Node& server = net.add(s);
  net.advance(60000);  // a device that has been up for a minute
  int injected = 0;
  net.attacker = [&](InFlight& f) {
    // As soon as the server answers the client, two junk message_1 frames
    // (valid, fresh X25519 keys) arrive from elsewhere.
    if (f.from == 1 && (f.frame[0] & 0x80) == 0 && (f.frame[0] & 0x07) == wire::kFrameMessage2 && injected < 8) {
      for (int k = 0; k < 2; ++k, ++injected) {
        const Bytes g = x25519_key_with_first_byte(static_cast<uint8_t>(injected));
        net.inject(1, message_1_frame(0x03, 0x00, g, 0x09), /*from_addr=*/static_cast<size_t>(20 + injected), 1);
      }
    }
    return true;
  };
  PeerHandle peer;
  ASSERT_EQ(client.ep.connect(net.addr(1), peer, net.now(), net.expect(1)), Error::kOk);
  net.run(200000, [&] { return client.count(EventType::kConnected) + client.count(EventType::kHandshakeFailed) > 0; });
  ASSERT_GT(injected, 0);
  EXPECT_EQ(client.count(EventType::kConnected), 1u) << "a handshake a few ms old was evicted as 'old'";
  EXPECT_EQ(client.count(EventType::kHandshakeFailed), 0u);
  EXPECT_EQ(server.count(EventType::kConnected), 1u);
}

// ---------------------------------------------------------------------------
// Found by review, now fixed (medium): queued payloads behind a confirmed record that the radio
// refused are never sent. flush_pending() stops at the first kBusy and
// leaves later payloads kPending; tx_timers() resends the kUnsent record but,
// for a *confirmed* one, does not call flush_pending() again (it does for an
// unconfirmed one). kPending slots have no deadline, so the rest of the
// queue waits until the application happens to call send() again: no
// transmission, no kDelivered, no kDeliveryFailed, and the tx slots stay
// taken. PROTOCOL.md: "Queued payloads are sealed in the order the
// application queued them once the session has keys".
//
// Fix: in tx_timers(), after a kUnsent record goes out, call
// flush_pending(ep, index, now) for confirmed records too (or give kPending
// slots of an established peer a deadline).
// ---------------------------------------------------------------------------
TEST(SessionReview, PayloadsQueuedBehindBusyConfirmedRecordGo) {
  Net net(108);
  Node& client = net.add();
  Node& server = net.add();
  PeerHandle peer;
  ASSERT_EQ(client.ep.connect(net.addr(1), peer, net.now(), net.expect(1)), Error::kOk);
  // Three confirmed payloads queued while connecting: the first rides with
  // message_3, the other two are flushed when the session is up.
  for (uint32_t i = 0; i < 3; ++i) {
    const Bytes p = payload(i);
    ASSERT_EQ(client.ep.send(peer, ConstByteSpan(p.data(), p.size()), kSendConfirmed, net.now()), Error::kOk);
  }
  // The radio is busy for the first transmission after message_3 went out:
  // that is the flush of the second payload when the confirmation arrives.
  bool armed = false;
  net.before_call = [&] {
    if (!armed && client.ep.counters().frames_out[static_cast<size_t>(FrameClass::kMessage3)] == 1) {
      armed = true;
      client.busy_next = true;
    }
  };
  net.run(300000, [&] { return client.count(EventType::kDelivered) + client.count(EventType::kDeliveryFailed) == 3; });
  EXPECT_TRUE(armed);
  EXPECT_EQ(client.count(EventType::kDelivered), 3u);
  EXPECT_EQ(server.data.size(), 3u) << "a queued payload was never transmitted";
}

// ---------------------------------------------------------------------------
// Found by review, now fixed (medium): one forged fragment blocks a fragmented EDHOC message for a
// whole reassembly timeout, and re-sent every few seconds ends the
// handshake. A handshake has one reassembly buffer; the first fragment
// fixes (kind, total), and every later fragment with another total or kind
// is dropped (drops.fragment), including all of the genuine message_2. The
// identifier that routes it (C_I) is in the clear in message_1. Here the
// attacker answers each message_1 the client sends with one 8-byte forged
// message_2 fragment; the genuine message_2 never gets through and the
// handshake fails. SECURITY.md: "A forged or corrupted EDHOC message does
// not end a handshake ... only the retry budget ends it" (here the forged
// frames do the ending) and "Bad frames ... never corrupt state".
//
// Fix: accept fragments only of the kind the step expects (message_2 in
// kAwaitMessage2, message_3 in kAwaitMessage3, ...), and on a conflicting
// total or overlapping bytes start over with the new fragment instead of
// keeping the first (the genuine flight is always resent whole), or keep a
// second buffer; never let an unauthenticated fragment pin the buffer.
// ---------------------------------------------------------------------------
TEST(SessionReview, ForgedFragmentPerFlightDoesNotEndHandshake) {
  Settings s;
  s.mtu = 32;
  Net net(109);
  Node& client = net.add(s);
  Node& server = net.add(s);
  Bytes m1;
  net.attacker = [&](InFlight& f) {
    if (f.from == 0 && (f.frame[0] & 0x07) == wire::kFrameMessage1) {
      // The client's C_I is its first identifier: 0x00 (and readable in the
      // last fragment of message_1). Forge a message_2 fragment for it.
      const Bytes forged = {wire::kFrameMessage2 | wire::kFrameFragment, 0x00, 0x0C, 0x80, 0x00, 0xDE, 0xAD, 0xBE};
      net.inject(0, forged, /*from_addr=*/1, /*delay=*/1);
    }
    return true;
  };
  PeerHandle peer;
  ASSERT_EQ(client.ep.connect(net.addr(1), peer, net.now(), net.expect(1)), Error::kOk);
  net.run(200000, [&] { return client.count(EventType::kConnected) + client.count(EventType::kHandshakeFailed) > 0; });
  EXPECT_EQ(client.count(EventType::kConnected), 1u) << "forged fragments ended the handshake";
  EXPECT_EQ(client.count(EventType::kHandshakeFailed), 0u);
  // The forged fragment was dropped (replaced by the genuine ones) and counted.
  EXPECT_GE(client.ep.counters().drops.fragment, 1u);
  EXPECT_EQ(server.count(EventType::kConnected), 1u);
}

}  // namespace
}  // namespace hush::session::review

namespace hush::session::review {
namespace {

// ---------------------------------------------------------------------------
// Found by review, now fixed (low; doc contradiction): a just-closed connection identifier can be
// handed out again at once. PROTOCOL.md: "Identifiers are handed out in
// rotation, so a closed session's identifier is among the last to be
// reused: a late frame for it meets no session rather than new keys."
// choose_id() starts at next_id, but peer_alloc() only advances next_id by
// one whatever identifier was chosen; after choose_id() skipped identifiers
// that were in use, next_id lags behind the one just given out, and the next
// allocation returns it again as soon as it is free.
//
// Fix: set next_id to (index of the chosen identifier + 1) % 48.
// ---------------------------------------------------------------------------
TEST(SessionReview, ClosedIdentifierIsNotReusedAtOnce) {
  Net net(110);
  Node& client = net.add();
  Node& server = net.add();
  PeerHandle kept;  // a long-lived session holds identifier 0
  ASSERT_EQ(client.ep.connect(net.addr(1), kept, net.now(), net.expect(1)), Error::kOk);
  ASSERT_TRUE(net.run(60000, [&] { return both_connected(client, server); }));
  // 47 short attempts use identifiers 1..47; the rotation is back at 0.
  for (int i = 0; i < 47; ++i) {
    PeerHandle h;
    ASSERT_EQ(client.ep.connect(net.addr(1), h, net.now(), net.expect(1)), Error::kOk);
    ASSERT_EQ(client.ep.close(h, net.now()), Error::kOk);
  }
  // The C_I of the next message_1 the client sends (last byte of the frame).
  const auto next_c_i = [&](PeerHandle& h) -> int {
    const size_t before = net.sent.size();
    EXPECT_EQ(client.ep.connect(net.addr(1), h, net.now(), net.expect(1)), Error::kOk);
    for (int k = 0; k < 8; ++k) (void)client.ep.poll(net.now());
    for (size_t i = before; i < net.sent.size(); ++i) {
      if (net.sent[i].from == 0 && (net.sent[i].frame[0] & 0x17) == wire::kFrameMessage1)
        return net.sent[i].frame.back();
    }
    return -1;
  };
  PeerHandle c, d;
  const int id_c = next_c_i(c);
  ASSERT_GE(id_c, 0);
  ASSERT_EQ(client.ep.close(c, net.now()), Error::kOk);
  const int id_d = next_c_i(d);
  ASSERT_GE(id_d, 0);
  EXPECT_NE(id_d, id_c) << "the identifier of the session closed a moment ago was handed out again";
}

// ---------------------------------------------------------------------------
// Found by review, now fixed (low-medium): any 4-byte frame | 0x03 | C_R | bstr | makes an
// established responder seal and send a fresh authenticated ack (one per
// half initial timeout). on_edhoc() treats every message_3 frame for a
// completed session as "the initiator did not see our confirmation" without
// checking that it is that session's message_3. The answer is not "stored
// bytes" as SECURITY.md says ("answers a repeated message_1 or message_3 at
// most once per half initial timeout, with stored bytes"): it spends a
// sequence number (and AEAD usage budget) on an unauthenticated trigger, and
// it is a fresh authenticated record, which the initiator takes as proof of
// life.
//
// Fix: keep a digest of the accepted message_3 (e.g. 8 bytes of its hash,
// or TH_4) in the PeerSlot while the initiator may still be unconfirmed, and
// reconfirm only for an exact match; stop reconfirming once any record from
// the initiator has been authenticated (it has the keys confirmed then).
// ---------------------------------------------------------------------------
TEST(SessionReview, ForgedMessage3SealsNothing) {
  Net net(111);
  Node& client = net.add();
  Node& server = net.add();
  PeerHandle peer;
  ASSERT_EQ(client.ep.connect(net.addr(1), peer, net.now(), net.expect(1)), Error::kOk);
  ASSERT_TRUE(net.run(60000, [&] { return both_connected(client, server); }));
  // Let data flow once, so the server has authenticated the client's records.
  const Bytes p = payload(1);
  ASSERT_EQ(client.ep.send(peer, ConstByteSpan(p.data(), p.size()), kSendConfirmed, net.now()), Error::kOk);
  ASSERT_TRUE(net.run(60000, [&] { return client.count(EventType::kDelivered) == 1; }));
  // The server's C_R is the C_R of the message_3 the client sent.
  uint8_t c_r = 0xFF;
  for (const auto& f : net.sent) {
    if (f.from == 0 && (f.frame[0] & 0x07) == wire::kFrameMessage3) c_r = f.frame[1];
  }
  ASSERT_NE(c_r, 0xFF);
  const PeerHandle sp = server.last(EventType::kConnected)->peer;
  // Drive the server by hand (no keepalive is due in these 6 s).
  (void)server.ep.poll(net.now());
  const uint64_t seq_before = server.ep.context(sp)->next_sequence();
  const uint32_t records_before = server.ep.counters().frames_out[static_cast<size_t>(FrameClass::kRecord)];
  for (int i = 0; i < 10; ++i) {
    const Bytes junk = {wire::kFrameMessage3, c_r, 0x41, static_cast<uint8_t>(i)};
    server.ep.input(ConstByteSpan(junk.data(), junk.size()), net.addr(7), net.now());
    (void)server.ep.poll(net.now());
    net.advance(600);
  }
  EXPECT_EQ(server.ep.counters().frames_out[static_cast<size_t>(FrameClass::kRecord)], records_before)
      << "forged message_3 frames made the server send authenticated records";
  EXPECT_EQ(server.ep.context(sp)->next_sequence(), seq_before);
}

}  // namespace
}  // namespace hush::session::review
