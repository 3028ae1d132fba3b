// SPDX-License-Identifier: Apache-2.0
// Review of the session layer's DoS defence and discovery (review-a). Each
// test states the documented claim it checks; a failing test is a finding.

#include <gtest/gtest.h>

#include "forged_frames.h"
#include "session/cookie.h"
#include "test_net.h"

namespace hush::session::test {
namespace {

bool is_message_1(const Bytes& f) {
  return !f.empty() && (f[0] & 0x17) == wire::kFrameMessage1;
}

// SECURITY.md "Stateless cookies": "Forged cookie retries reach a client only
// as a resend of its own stored message_1 ... a forged cookie earns it a
// genuine retry from the server"; "A forged message does not kill a
// handshake". Here an attacker who only knows C_I (sent in clear in
// message_1) injects one forged cookie retry every initial_ms/2: no race with
// the server is needed. Each forged retry is accepted, resets the client's
// retransmission timer and arms the "one per half initial timeout" limit,
// so the server's genuine retry, which answers the resend within a few ms,
// is always dropped as rate_limited. The client never connects.
TEST(ReviewDos, ForgedCookieRetriesEvery500msLockOutAClientThatNeedsACookie) {
  Net net(901);
  Node& client = net.add();
  Settings always;
  always.dos.cookie_load = 0;  // a server under load (or any method 0/2 or suite 1/3 server)
  Node& server = net.add(always);
  PeerHandle peer;
  ASSERT_EQ(client.ep.connect(net.addr(1), peer, net.now(), net.expect(1)), Error::kOk);
  net.run(2);  // message_1 is out (it reaches the server at +5 ms)
  ASSERT_FALSE(net.sent.empty());
  ASSERT_TRUE(is_message_1(net.sent.front().frame));
  const uint8_t c_i = net.sent.front().frame.back();
  const Settings st;
  int forged = 0;
  for (int i = 0; i < 120 && client.count(EventType::kConnected) == 0 && client.count(EventType::kHandshakeFailed) == 0;
       ++i) {
    Bytes retry(wire::kCookieRetryLen, static_cast<uint8_t>(0xA0 + i));
    retry[0] = wire::kFrameCookieRetry;
    retry[1] = c_i;
    net.inject(0, retry, 1);
    ++forged;
    net.run(st.retransmit.initial_ms / 2 + 1);
  }
  net.run(30000, [&] { return client.count(EventType::kConnected) + client.count(EventType::kHandshakeFailed) > 0; });
  EXPECT_EQ(client.count(EventType::kConnected), 1u)
      << "after " << forged << " forged 10-byte frames: client failed=" << client.count(EventType::kHandshakeFailed)
      << ", server sent " << server.ep.counters().cookie_retries_sent << " genuine retries, client dropped "
      << client.ep.counters().drops.rate_limited << " as rate_limited";
}

// SECURITY.md "Rate limits": handshakes "(8, then one per 250 ms)". The
// buckets compare `now - last` as int32: after 2^31 ms (24.9 days) without a
// new handshake the elapsed time is negative, the bucket never refills and
// `last` is never moved on, so after its remaining tokens the server refuses
// every new handshake for up to another 24.9 days. timers.h promises only
// that deadlines stay within 24 days, not that nothing idles that long.
TEST(ReviewDos, HandshakeBucketStopsRefillingAfterAMonthOfIdle) {
  Net net(902);
  Settings s;
  s.dos.cookie_load = 0xFF;  // rate limits alone
  Node& server = net.add(s);
  net.add();
  uint32_t now = 1000;
  input(server, forged_message_1(server, 0x00), LinkAddr::from_u32(0x5000), now);
  ASSERT_EQ(server.ep.counters().drops.rate_limited, 0u);
  now += 25u * 24u * 3600u * 1000u;  // 25 days later, one new client a second
  for (uint32_t i = 0; i < 12; ++i) {
    input(server, forged_message_1(server, static_cast<uint8_t>(0x10 + 0x10 * i)), LinkAddr::from_u32(0x6000 + i), now);
    now += 1000;
  }
  EXPECT_EQ(server.ep.counters().drops.rate_limited, 0u)
      << "one handshake a second from distinct addresses is within (8, 250 ms)";
}

// The same clock comparison in the cookie secret's rotation: after 2^31 ms
// without a cookie made or checked, the secret stops rotating, so a cookie
// made then is accepted weeks later (documented: "valid for 30 to 60 s").
TEST(ReviewDos, CookieNeverExpiresAfterAMonthOfIdle) {
  Net net(903);
  Settings s;
  s.dos.cookie_load = 0;
  Node& server = net.add(s);
  net.add();
  uint32_t now = 1000;
  input(server, forged_message_1(server, 0x00), LinkAddr::from_u32(0x5000), now);  // secrets start
  now += 25u * 24u * 3600u * 1000u;
  // A cookie retry for node 1's address now (recorded in net.sent).
  Bytes cookie;
  net.attacker = nullptr;
  const size_t before = net.sent.size();
  input(server, forged_message_1(server, 0x40), net.addr(1), now);
  ASSERT_GT(net.sent.size(), before);
  const Bytes retry = net.sent.back().frame;
  ASSERT_EQ(retry.size(), wire::kCookieRetryLen);
  cookie.assign(retry.begin() + 2, retry.end());
  // Ten minutes later (ten cookie periods), with cookie traffic in between.
  for (int k = 0; k < 10; ++k) {
    now += 60000;
    input(server, forged_message_1(server, static_cast<uint8_t>(0x80 + k)), LinkAddr::from_u32(0x7100 + k), now);
  }
  Bytes m1 = forged_message_1(server, 0x40);
  Bytes f;
  f.push_back(static_cast<uint8_t>(m1[0] | wire::kFrameWithCookie));
  f.insert(f.end(), m1.begin() + 1, m1.begin() + 1 + wire::kKeyMacLen);
  f.insert(f.end(), cookie.begin(), cookie.end());
  f.insert(f.end(), m1.begin() + 1 + wire::kKeyMacLen, m1.end());
  const uint32_t drops = server.ep.counters().drops.cookie;
  input(server, f, net.addr(1), now);
  EXPECT_EQ(server.ep.counters().drops.cookie, drops + 1) << "a 10-minute-old cookie was accepted";
}

// Without any long idle: the lazy rotation restarts the period at the moment
// of the check (rotated_at = now), so a cookie outlives "one to two periods"
// (session.h, SECURITY.md "valid for 30 to 60 s",
// Dos.CookieLivesOneRotationAndExpiresAfterTwo). Period 1 s: a cookie made at
// t0 is still accepted at t0 + 2.9 s when one cookie was handed out at
// t0 + 1.99 s.
TEST(ReviewDos, CookieOutlivesTwoPeriodsBecauseRotationIsLazy) {
  Net net(904);
  Settings s;
  s.dos.cookie_load = 0;
  s.dos.cookie_rotate_ms = 1000;
  Node& server = net.add(s);
  net.add();
  const uint32_t t0 = 5000;
  const size_t before = net.sent.size();
  input(server, forged_message_1(server, 0x40), net.addr(1), t0);
  ASSERT_GT(net.sent.size(), before);
  const Bytes retry = net.sent.back().frame;
  ASSERT_EQ(retry.size(), wire::kCookieRetryLen);
  const Bytes cookie(retry.begin() + 2, retry.end());
  // Someone else gets a cookie retry at t0 + 1.99 s (this rotates once).
  input(server, forged_message_1(server, 0x60), LinkAddr::from_u32(0x7001), t0 + 1990);
  Bytes m1 = forged_message_1(server, 0x40);
  Bytes f;
  f.push_back(static_cast<uint8_t>(m1[0] | wire::kFrameWithCookie));
  f.insert(f.end(), m1.begin() + 1, m1.begin() + 1 + wire::kKeyMacLen);
  f.insert(f.end(), cookie.begin(), cookie.end());
  f.insert(f.end(), m1.begin() + 1 + wire::kKeyMacLen, m1.end());
  input(server, f, net.addr(1), t0 + 2900);
  EXPECT_EQ(server.ep.counters().drops.cookie, 1u) << "a cookie 2.9 periods old was accepted";
  EXPECT_EQ(server.ep.counters().handshakes_started, 0u);
}

// SECURITY.md "Rate limits": "Duplicates of an accepted message_1 take no
// token: their answer is the stored message_2". The duplicate test compares
// G_X against every responder slot, but handshake_release() does not clear
// g_x and a rekey's responder slot (rekey = true) is not skipped. A replay
// of the client's original message_1 (MAC valid: it is genuine) during a
// rekey matches the stale G_X of the slot's former occupant, and the server
// sends that slot's flight buffer as a plain frame: the rekey's EDHOC
// message_2, meant to travel only sealed inside a record.
TEST(ReviewDos, ReplayedMessage1DuringRekeySendsTheRekeyFlightInTheClear) {
  Net net(905);
  Settings st;
  st.limits.max_encryptions = 160;
  st.limits.near_encryptions = 64;
  st.limits.max_failed_decryptions = 1u << 14;
  st.limits.near_failed_decryptions = (1u << 14) - (1u << 11);
  st.rekey.retire_after_ms = 20000;
  Node& client = net.add(st);
  Node& server = net.add(st);
  Bytes original_m1;
  net.attacker = [&](InFlight& f) {
    if (f.from == 0 && is_message_1(f.frame) && original_m1.empty()) original_m1 = f.frame;
    return true;
  };
  PeerHandle c;
  ASSERT_EQ(client.ep.connect(net.addr(1), c, net.now(), net.expect(1)), Error::kOk);
  ASSERT_TRUE(net.run(
      60000, [&] { return client.count(EventType::kConnected) == 1 && server.count(EventType::kConnected) == 1; }));
  ASSERT_FALSE(original_m1.empty());
  const size_t established_at = net.sent.size();
  bool injected = false;
  uint32_t sent_c = 0, next_c = net.now();
  net.after_call = [&](bool) {
    if (!injected && server.ep.responder_handshakes() > 0) {
      injected = true;
      net.inject(1, original_m1, 0, 1);
    }
    if (sent_c < 120 && net.now() >= next_c) {
      const Bytes b = {static_cast<uint8_t>(sent_c), 1, 2, 3};
      if (ok(client.ep.send(c, ConstByteSpan(b.data(), b.size()), kSendConfirmed, net.now()))) {
        ++sent_c;
        next_c = net.now() + 100;
      }
    }
  };
  net.run(60000, [&] { return injected && client.count(EventType::kRekeyed) >= 1; });
  net.after_call = nullptr;
  net.run(2000);
  ASSERT_TRUE(injected) << "no rekey started";
  // The replay is not a duplicate of the rekey (a rekey slot is skipped):
  // it is answered like any new message_1 with a valid MAC, by a fresh
  // plaintext message_2 of its own (kind 0x02) that the attacker cannot
  // complete. What must never go out in the clear is the rekey's flight
  // (control type kRekeyMessage 0x07 at its head).
  size_t leaked = 0;
  for (size_t i = established_at; i < net.sent.size(); ++i) {
    const InFlight& f = net.sent[i];
    if (f.from == 1 && !f.frame.empty() && f.frame[0] < 0x80 &&
        (f.frame[0] == static_cast<uint8_t>(wire::RecordControl::kRekeyMessage) ||
         (f.frame[0] & 0x07) != wire::kFrameMessage2)) {
      ++leaked;
      ADD_FAILURE() << "server sent a " << f.frame.size() << "-byte plaintext frame, first bytes " << int(f.frame[0])
                    << " " << int(f.frame[1]);
    }
  }
  EXPECT_EQ(leaked, 0u);
  EXPECT_GE(client.count(EventType::kRekeyed), 1u);
  EXPECT_EQ(client.count(EventType::kClosed) + client.count(EventType::kPeerDead), 0u);
}

}  // namespace
}  // namespace hush::session::test
