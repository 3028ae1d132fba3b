// SPDX-License-Identifier: Apache-2.0
// The responder's DoS defence (docs/SECURITY.md "Denial of service"): the
// key-knowledge MAC drops junk before any work, cookies are stateless and
// expire with the secret's rotation, cookies are bound to the link address,
// handshakes are rate limited, and no unauthenticated reply is larger than
// the documented bound.

#include <gtest/gtest.h>

#include "forged_frames.h"
#include "session/cookie.h"
#include "session/discovery.h"
#include "test_net.h"

namespace hush::session::test {
namespace {

bool is_message_1(const Bytes& f) {
  return !f.empty() && (f[0] & 0x17) == wire::kFrameMessage1;
}

TEST(Dos, Message1WithoutValidMacIsDroppedBeforeAnyWork) {
  Net net(201);
  Node& client = net.add();
  Node& server = net.add();
  Bytes m1;
  net.attacker = [&](InFlight& f) {
    if (f.from == 0 && is_message_1(f.frame) && m1.empty()) m1 = f.frame;
    return f.from != 0;  // the server sees none of the client's frames
  };
  PeerHandle peer;
  ASSERT_EQ(client.ep.connect(net.addr(1), peer, net.now(), net.expect(1)), Error::kOk);
  net.run(50);
  ASSERT_EQ(m1.size(), 42u) << "kind, 4-byte MAC, 37-byte message_1";
  EXPECT_EQ(m1[0], wire::kFrameMessage1 | wire::kFrameKeyMac);
  // Every bit flipped after the kind byte: the MAC or message_1 changed.
  for (size_t bit = 8; bit < m1.size() * 8; ++bit) {
    Bytes f = m1;
    f[bit / 8] = static_cast<uint8_t>(f[bit / 8] ^ (1u << (bit % 8)));
    input(server, f, net.addr(0), net.now());
  }
  // No MAC at all (a client that does not know the server), and junk.
  Bytes bare = {wire::kFrameMessage1};
  bare.insert(bare.end(), m1.begin() + 5, m1.end());
  input(server, bare, net.addr(0), net.now());
  input(server, Bytes(40, 0x41), net.addr(7), net.now());
  const Counters& c = server.ep.counters();
  EXPECT_EQ(c.drops.key_mac, (m1.size() - 1) * 8 + 2);
  EXPECT_EQ(c.pk_operations, 0u);
  EXPECT_EQ(c.handshakes_started, 0u);
  EXPECT_EQ(server.ep.next_deadline(net.now()), UINT32_MAX) << "junk left state behind";
  for (size_t k = 0; k < 8; ++k) EXPECT_EQ(c.frames_out[k], 0u) << "junk got an answer";
}

TEST(Dos, CookieRetryKeepsNoStateAndTheClientConnects) {
  Net net(202);
  Node& client = net.add();
  Settings always;
  always.dos.cookie_load = 0;
  Node& server = net.add(always);
  bool checked = false;
  net.attacker = [&](InFlight& f) {
    // When the client answers the cookie retry, the server holds nothing.
    if (f.from == 0 && is_message_1(f.frame) && (f.frame[0] & wire::kFrameWithCookie) != 0 && !checked) {
      checked = true;
      EXPECT_EQ(server.ep.next_deadline(net.now()), UINT32_MAX);
      EXPECT_EQ(server.ep.counters().pk_operations, 0u);
      EXPECT_EQ(server.ep.counters().handshakes_started, 0u);
      EXPECT_EQ(f.frame.size(), 42u + wire::kCookieLen);
    }
    return true;
  };
  PeerHandle peer;
  ASSERT_EQ(client.ep.connect(net.addr(1), peer, net.now(), net.expect(1)), Error::kOk);
  ASSERT_TRUE(net.run(60000, [&] { return client.count(EventType::kConnected) == 1; }));
  EXPECT_TRUE(checked);
  EXPECT_EQ(server.ep.counters().cookie_retries_sent, 1u);
  EXPECT_EQ(server.ep.counters().drops.cookie, 0u);
  EXPECT_EQ(server.count(EventType::kConnected), 1u);
}

// A message_1 with a cookie, kept away from the server and delivered later
// (from `from`), after `delay` ms; the server rotates its secret every second.
struct HeldCookie {
  Net net;
  Node* client;
  Node* server;
  Bytes with_cookie;
  explicit HeldCookie(uint64_t seed) : net(seed) {
    client = &net.add();
    Settings s;
    s.dos.cookie_load = 0;
    s.dos.cookie_rotate_ms = 1000;
    server = &net.add(s);
    net.attacker = [this](InFlight& f) {
      if (f.from == 0 && is_message_1(f.frame) && (f.frame[0] & wire::kFrameWithCookie) != 0) {
        if (with_cookie.empty()) with_cookie = f.frame;
        return false;
      }
      return true;
    };
    PeerHandle peer;
    EXPECT_EQ(client->ep.connect(net.addr(1), peer, net.now(), net.expect(1)), Error::kOk);
    net.run(100);
    EXPECT_FALSE(with_cookie.empty());
  }
};

TEST(Dos, CookieLivesOneRotationAndExpiresAfterTwo) {
  HeldCookie young(203);
  young.net.advance(1200);  // one rotation: the previous secret still checks it
  input(*young.server, young.with_cookie, young.net.addr(0), young.net.now());
  EXPECT_EQ(young.server->ep.counters().drops.cookie, 0u);
  EXPECT_EQ(young.server->ep.counters().handshakes_started, 1u);

  HeldCookie old(204);
  old.net.advance(2200);  // two rotations: both secrets are new
  const size_t retries = old.server->ep.counters().cookie_retries_sent;
  input(*old.server, old.with_cookie, old.net.addr(0), old.net.now());
  EXPECT_EQ(old.server->ep.counters().drops.cookie, 1u);
  EXPECT_EQ(old.server->ep.counters().handshakes_started, 0u);
  EXPECT_EQ(old.server->ep.counters().cookie_retries_sent, retries + 1) << "a stale cookie earns a fresh one";
}

TEST(Dos, CookieReplayedFromAnotherAddressIsRefused) {
  HeldCookie h(205);
  input(*h.server, h.with_cookie, h.net.addr(6), h.net.now());
  EXPECT_EQ(h.server->ep.counters().drops.cookie, 1u);
  EXPECT_EQ(h.server->ep.counters().handshakes_started, 0u);
  EXPECT_EQ(h.server->ep.counters().pk_operations, 0u);
  // Every flipped bit of the cookie is refused too.
  for (size_t bit = 0; bit < wire::kCookieLen * 8; ++bit) {
    Bytes f = h.with_cookie;
    const size_t at = 1 + wire::kKeyMacLen + bit / 8;
    f[at] = static_cast<uint8_t>(f[at] ^ (1u << (bit % 8)));
    input(*h.server, f, h.net.addr(0), h.net.now());
  }
  EXPECT_EQ(h.server->ep.counters().drops.cookie, 1u + wire::kCookieLen * 8);
  EXPECT_EQ(h.server->ep.counters().handshakes_started, 0u);
  // The genuine one from the genuine address goes through.
  input(*h.server, h.with_cookie, h.net.addr(0), h.net.now());
  EXPECT_EQ(h.server->ep.counters().handshakes_started, 1u);
}

TEST(Dos, HandshakesAreRateLimitedPerAddressAndGlobally) {
  Net net(206);
  Settings s;
  s.dos.cookie_load = 0xFF;  // never: the rate limits alone
  s.dos.handshakes_per_addr = {2, 60000};
  s.dos.handshakes = {3, 60000};
  Node& server = net.add(s);
  net.add();
  // Four new handshakes from one address: two pass.
  for (uint8_t i = 0; i < 4; ++i)
    input(server, forged_message_1(server, static_cast<uint8_t>(0x10 * i)), net.addr(9), net.now());
  EXPECT_EQ(server.ep.counters().drops.rate_limited, 2u);
  // From other addresses: one more passes the global bucket, then none.
  for (uint8_t i = 0; i < 3; ++i) {
    input(server, forged_message_1(server, static_cast<uint8_t>(0x80 + 0x10 * i)), net.addr(20 + i), net.now());
  }
  EXPECT_EQ(server.ep.counters().drops.rate_limited, 4u);
  // The buckets refill with time.
  net.advance(60000);
  input(server, forged_message_1(server, 0xF0), net.addr(30), net.now());
  EXPECT_EQ(server.ep.counters().drops.rate_limited, 4u);
}

// Every frame the server sends before the peer is verified, against the
// frame that caused it (docs/SECURITY.md "No amplification"): a cookie
// retry and an announce are never larger; message_2 without a cookie at
// most `unverified_slack` (8) bytes larger; with a valid cookie, any size.
void check_replies(edhoc::Method method, uint64_t seed, uint8_t slack = Settings{}.dos.unverified_slack) {
  Net net(seed);
  Settings s;
  s.method = method;
  s.dos.unverified_slack = slack;
  net.next_is_responder(true);
  Node& server = net.add(s);
  net.next_is_responder(false);
  Node& client = net.add(s);
  size_t violations = 0, replies = 0;
  size_t seen = 0;
  size_t cause = 0;
  bool verified = false;
  const auto check = [&] {
    for (; seen < net.sent.size(); ++seen) {
      const InFlight& f = net.sent[seen];
      if (f.from != 0) continue;
      ++replies;
      const size_t n = f.frame.size();
      const bool m2 = (f.frame[0] & 0x07) == wire::kFrameMessage2;
      const bool ok_size = m2 ? (verified || n <= cause + s.dos.unverified_slack) : n <= cause;
      if (f.frame[0] < 0x80 && !ok_size) {
        ++violations;
        ADD_FAILURE() << "reply of " << n << " bytes (kind " << int(f.frame[0]) << ") to a " << cause << "-byte frame";
      }
    }
  };
  net.attacker = [&](InFlight& f) {
    if (f.to == 0 && f.frame[0] < 0x80) {
      cause = f.frame.size();
      verified = is_message_1(f.frame) && (f.frame[0] & wire::kFrameWithCookie) != 0;
    }
    return true;
  };
  net.after_call = [&](bool) { check(); };
  // A genuine handshake, discovery requests, junk and forged message_1.
  ASSERT_EQ(client.ep.discover(ConstByteSpan(), 100, net.now()), Error::kOk);
  net.run(500);
  PeerHandle peer;
  ASSERT_EQ(client.ep.connect(net.addr(0), peer, net.now(), net.expect(0)), Error::kOk);
  ASSERT_TRUE(net.run(60000, [&] { return client.count(EventType::kConnected) == 1; }));
  for (uint8_t i = 0; i < 20; ++i) {
    const Bytes m1 = forged_message_1(server, static_cast<uint8_t>(i * 7));
    cause = m1.size();
    verified = false;
    net.inject(0, m1, 1);
    net.run(200);
  }
  Bytes short_request = {wire::kFrameDiscovery, 1, 2, 3, 4, 0, 0};  // unpadded: the announce would be larger
  cause = short_request.size();
  net.inject(0, short_request, 1);
  net.run(1000);
  check();
  EXPECT_EQ(violations, 0u);
  EXPECT_GT(replies, 3u);
  EXPECT_GE(server.ep.counters().announces_sent, 1u);
  EXPECT_GE(server.ep.counters().drops.rate_limited, 1u) << "the unpadded request got no announce";
}

TEST(Dos, NoUnauthenticatedReplyExceedsItsBoundMethod3) {
  check_replies(edhoc::Method::kStatStat, 207);
}

// The strict reading of "no reply larger than the request": with no slack,
// message_2 of method 3 (47 bytes against 42) also waits for a cookie, every
// unauthenticated reply is at most its request, and the handshake still
// completes (5 frames instead of 3).
TEST(Dos, ZeroSlackKeepsEveryUnauthenticatedReplyWithinItsRequest) {
  check_replies(edhoc::Method::kStatStat, 209, 0);
  Net net(210);
  Settings s;
  s.dos.unverified_slack = 0;
  net.next_is_responder(true);
  Node& server = net.add(s);
  net.next_is_responder(false);
  Node& client = net.add(s);
  PeerHandle peer;
  ASSERT_EQ(client.ep.connect(net.addr(0), peer, net.now(), net.expect(0)), Error::kOk);
  ASSERT_TRUE(net.run(60000, [&] { return client.count(EventType::kConnected) == 1; }));
  EXPECT_EQ(server.ep.counters().cookie_retries_sent, 1u);
  EXPECT_EQ(client.ep.counters().frames_out[static_cast<size_t>(FrameClass::kMessage1)], 2u);
}

TEST(Dos, NoUnauthenticatedReplyExceedsItsBoundMethod0) {
  if (!config::method_enabled(0)) GTEST_SKIP();
  uint8_t sk[32] = {}, pk[64];
  size_t n = 0;
  if (crypto::public_key(crypto::KeyType::kEd25519, crypto::PrivateKey::from_raw(sk), pk, n) != Error::kOk) {
    GTEST_SKIP() << "no EdDSA in this crypto backend";
  }
  check_replies(edhoc::Method::kSigSig, 208);
}

// The first cookie retry gives message_1 with the cookie a fresh retry
// budget (it is the server's answer, not a loss); forged retries after it
// cannot refresh it again, so a client that hears only an attacker stops
// after at most two budgets of message_1 frames and reports the failure.
TEST(Dos, ForgedCookieRetriesRefreshTheRetryBudgetOnlyOnce) {
  Net net(211);
  Node& client = net.add();
  Node& server = net.add();
  (void)server;
  net.attacker = [](InFlight& f) { return f.to != 1; };  // the server hears nothing
  PeerHandle peer;
  ASSERT_EQ(client.ep.connect(net.addr(1), peer, net.now(), net.expect(1)), Error::kOk);
  net.run(10);
  ASSERT_FALSE(net.sent.empty());
  const uint8_t c_i = net.sent.front().frame.back();  // message_1 ends with C_I
  const Settings st;
  for (int i = 0; i < 400 && client.count(EventType::kHandshakeFailed) == 0; ++i) {
    Bytes retry(wire::kCookieRetryLen, static_cast<uint8_t>(i));
    retry[0] = wire::kFrameCookieRetry;
    retry[1] = c_i;
    net.inject(0, retry, 1);
    net.run(st.retransmit.initial_ms);
  }
  EXPECT_EQ(client.count(EventType::kHandshakeFailed), 1u);
  const size_t sends = client.ep.counters().frames_out[static_cast<size_t>(FrameClass::kMessage1)];
  EXPECT_LE(sends, 2u * (st.retransmit.retries + 1u));
  EXPECT_GT(sends, st.retransmit.retries + 1u);  // the first retry did refresh it
}

TEST(Dos, PredictedMessage2LengthMatchesTheWire) {
  const uint8_t kid = 0x11;
  EXPECT_EQ(message_2_frame_len(edhoc::Method::kStatStat, 0, ConstByteSpan(&kid, 1)), 47u);
  EXPECT_EQ(message_2_frame_len(edhoc::Method::kSigSig, 0, ConstByteSpan(&kid, 1)), 104u);
}

}  // namespace
}  // namespace hush::session::test
