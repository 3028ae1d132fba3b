// SPDX-License-Identifier: Apache-2.0
// Discovery (docs/PROTOCOL.md "Discovery", docs/SECURITY.md "Discovery"):
// many servers answer one broadcast within a jittered window, by serial or
// for anyone, while sessions run; announces are rate limited; a cookie in an
// announce saves the cookie retry; replayed and flipped announce and cookie
// retry frames change nothing that matters.

#include <gtest/gtest.h>

#include <set>

#include "session/discovery.h"
#include "test_net.h"

namespace hush::session::test {
namespace {

TEST(Discovery, ManyServersAnswerOneBroadcastWithinTheJitterWindow) {
  Net net(301);
  Node& client = net.add();
  constexpr size_t kServers = 12;
  for (size_t i = 0; i < kServers; ++i) net.add();
  const uint32_t start = net.now();
  ASSERT_EQ(client.ep.discover(ConstByteSpan(), 1000, net.now()), Error::kOk);
  net.run(1500);
  std::set<uint8_t> kids;
  for (const Discovered& d : client.discovered) kids.insert(d.kid.at(0));
  EXPECT_EQ(kids.size(), kServers);
  std::set<uint32_t> times;
  for (const InFlight& f : net.sent) {
    if (f.frame[0] != wire::kFrameAnnounce) continue;
    EXPECT_LE(f.frame.size(), wire::kDiscoveryRequestLen);
    EXPECT_LE(f.at - start, 1000u + 10u);
    times.insert(f.at);
  }
  EXPECT_GE(times.size(), kServers - 2) << "announces were not spread over the window";
  // The announce names the serial the credential holds, and the kid.
  const Discovered& d = client.discovered.front();
  const size_t index = static_cast<size_t>(d.kid[0] - 0x10);
  EXPECT_EQ(d.from, net.addr(index));
  EXPECT_EQ(d.serial, (Bytes{0x48, 0x55, 0x00, d.kid[0]}));
  EXPECT_NE(d.info & wire::kAnnounceKeyMac, 0);
  EXPECT_TRUE(d.cookie.empty()) << "no load, no cookie";
}

TEST(Discovery, BySerialOnlyThatServerAnswersAndSessionsKeepRunning) {
  Net net(302);
  Node& client = net.add();
  Node& a = net.add();
  Node& b = net.add();
  PeerHandle peer;
  ASSERT_EQ(client.ep.connect(net.addr(1), peer, net.now(), net.expect(1)), Error::kOk);
  ASSERT_TRUE(net.run(60000, [&] { return client.count(EventType::kConnected) == 1; }));
  const uint8_t serial[4] = {0x48, 0x55, 0x00, b.kid};
  ASSERT_EQ(client.ep.discover(ConstByteSpan(serial), 0, net.now()), Error::kOk);
  net.run(2000);
  ASSERT_EQ(client.discovered.size(), 1u);
  EXPECT_EQ(client.discovered[0].kid, Bytes{b.kid});
  EXPECT_EQ(a.ep.counters().announces_sent, 0u);
  const Bytes data = {1, 2, 3};
  ASSERT_EQ(client.ep.send(peer, ConstByteSpan(data.data(), data.size()), kSendConfirmed, net.now()), Error::kOk);
  ASSERT_TRUE(net.run(10000, [&] { return a.data.size() == 1; }));
  EXPECT_EQ(client.ep.state(peer), PeerState::kEstablished);
}

TEST(Discovery, RequestFloodStaysWithinTheAnnounceLimit) {
  Net net(303);
  Node& server = net.add();
  const Settings s;
  // 1000 padded requests from 1000 addresses in 10 s.
  for (uint32_t i = 0; i < 1000; ++i) {
    uint8_t nonce[4] = {static_cast<uint8_t>(i), static_cast<uint8_t>(i >> 8), 7, 7};
    DiscoveryRequest r;
    r.nonce = ConstByteSpan(nonce);
    uint8_t frame[64];
    size_t len = 0;
    ASSERT_EQ(compose_discovery_request(r, ByteSpan(frame), len), Error::kOk);
    server.ep.input(ConstByteSpan(frame, len), LinkAddr::from_u32(0x9000 + i), net.now());
    net.run(10);
  }
  const uint32_t limit = s.discovery.announces.burst + 10000 / s.discovery.announces.every_ms + 1;
  EXPECT_LE(server.ep.counters().announces_sent, limit);
  EXPECT_GE(server.ep.counters().drops.rate_limited, 1000u - limit);
}

TEST(Discovery, AnnounceCookieSavesTheCookieRetry) {
  Net net(304);
  Node& client = net.add();
  Settings always;
  always.dos.cookie_load = 0;
  Node& server = net.add(always);
  ASSERT_EQ(client.ep.discover(ConstByteSpan(), 0, net.now()), Error::kOk);
  net.run(1000);
  ASSERT_EQ(client.discovered.size(), 1u);
  const Discovered d = client.discovered[0];
  ASSERT_EQ(d.cookie.size(), wire::kCookieLen);
  ConnectOptions o;
  o.peer_kid = ConstByteSpan(d.kid.data(), d.kid.size());
  o.cookie = ConstByteSpan(d.cookie.data(), d.cookie.size());
  PeerHandle peer;
  ASSERT_EQ(client.ep.connect(d.from, peer, net.now(), o), Error::kOk);
  ASSERT_TRUE(net.run(60000, [&] { return client.count(EventType::kConnected) == 1; }));
  EXPECT_EQ(server.ep.counters().cookie_retries_sent, 0u);
  EXPECT_EQ(server.ep.counters().drops.cookie, 0u);
}

// An attacker records announce and cookie retry frames, replays them later
// and flips every bit of each: old announces are refused by the nonce,
// flipped ones at worst report a wrong server (the handshake authenticates),
// and cookie retries, replayed or flipped, never stop a genuine client.
TEST(Discovery, ReplayedAndFlippedAnnounceAndCookieFrames) {
  Net net(305);
  Node& client = net.add();
  Settings always;
  always.dos.cookie_load = 0;
  Node& server = net.add(always);
  ASSERT_EQ(client.ep.discover(ConstByteSpan(), 0, net.now()), Error::kOk);
  net.run(1000);
  Bytes announce;
  for (const InFlight& f : net.sent) {
    if (f.frame[0] == wire::kFrameAnnounce) announce = f.frame;
  }
  ASSERT_FALSE(announce.empty());
  ASSERT_EQ(client.discovered.size(), 1u);
  // A new request: the old announce no longer matches.
  ASSERT_EQ(client.ep.discover(ConstByteSpan(), 0, net.now()), Error::kOk);
  net.run(1000);
  const size_t found = client.discovered.size();
  const uint32_t replays = client.ep.counters().drops.replay;
  input(client, announce, net.addr(1), net.now());
  EXPECT_EQ(client.discovered.size(), found);
  EXPECT_EQ(client.ep.counters().drops.replay, replays + 1);
  // Flipped current announces: dropped or reported, never more.
  Bytes current;
  for (const InFlight& f : net.sent) {
    if (f.frame[0] == wire::kFrameAnnounce) current = f.frame;
  }
  for (size_t bit = 0; bit < current.size() * 8; ++bit) {
    Bytes f = current;
    f[bit / 8] = static_cast<uint8_t>(f[bit / 8] ^ (1u << (bit % 8)));
    input(client, f, net.addr(1), net.now());
  }
  EXPECT_LE(client.discovered.size(), found + current.size() * 8);

  // The handshake, while the attacker flips a bit of the first three cookie
  // retries and replays old ones: the client still connects.
  Bytes old_retry;
  int flipped = 0;
  net.attacker = [&](InFlight& f) {
    if (f.frame[0] == wire::kFrameCookieRetry) {
      if (old_retry.empty()) old_retry = f.frame;
      if (flipped < 3) f.frame[2 + flipped] ^= 0x04;
      ++flipped;
    }
    return true;
  };
  PeerHandle peer;
  ASSERT_EQ(client.ep.connect(net.addr(1), peer, net.now(), net.expect(1)), Error::kOk);
  ASSERT_TRUE(net.run(120000, [&] { return client.count(EventType::kConnected) == 1; }));
  EXPECT_GE(server.ep.counters().drops.cookie, 1u);
  // Replayed and flipped cookie retries after the handshake: no session, dropped.
  ASSERT_FALSE(old_retry.empty());
  const uint32_t unknown = client.ep.counters().drops.unknown_context;
  for (size_t bit = 0; bit < old_retry.size() * 8; ++bit) {
    Bytes f = old_retry;
    f[bit / 8] = static_cast<uint8_t>(f[bit / 8] ^ (1u << (bit % 8)));
    input(client, f, net.addr(1), net.now());
  }
  input(client, old_retry, net.addr(1), net.now());
  EXPECT_GE(client.ep.counters().drops.unknown_context, unknown + 1);
  EXPECT_EQ(client.ep.state(peer), PeerState::kEstablished);
  EXPECT_EQ(client.count(EventType::kHandshakeFailed), 0u);
}

TEST(Discovery, FrameCodecRefusesMalformedForms) {
  Announce a;
  const Bytes bad[] = {
      {1, 2, 3},                                   // too short
      {1, 2, 3, 4, 0x00, 9, 1},                    // serial longer than 8
      {1, 2, 3, 4, 0x00, 1, 0xAA, 0},              // empty kid
      {1, 2, 3, 4, 0x80, 1, 0xAA, 1, 0x11},        // cookie flag, no cookie
      {1, 2, 3, 4, 0x00, 1, 0xAA, 1, 0x11, 0xFF},  // trailing byte
  };
  for (const Bytes& b : bad) EXPECT_EQ(parse_announce(ConstByteSpan(b.data(), b.size()), a), Error::kMalformed);
  DiscoveryRequest r;
  const Bytes bad_req[] = {{1, 2, 3, 4, 0}, {1, 2, 3, 4, 0, 9}, {1, 2, 3, 4, 0, 2, 0xAA}};
  for (const Bytes& b : bad_req) {
    EXPECT_EQ(parse_discovery_request(ConstByteSpan(b.data(), b.size()), r), Error::kMalformed);
  }
}

}  // namespace
}  // namespace hush::session::test
