// SPDX-License-Identifier: Apache-2.0
// The session layer on the seeded simulated radio: handshakes under loss,
// duplicates and reordering, first data with message_3, fragmentation,
// confirmed sends, keepalive, close, many peers and simultaneous opens.

#include <gtest/gtest.h>

#include "hush/session.h"
#include "test_net.h"

namespace hush::session::test {
namespace {

Bytes reading(uint32_t n, size_t len = 8) {
  Bytes b(len, 0);
  for (size_t i = 0; i < len && i < 4; ++i) b[i] = static_cast<uint8_t>(n >> (8 * i));
  return b;
}

TEST(Session, ConnectsCleanAndFirstDataRidesWithMessage3) {
  Net net(1);
  Node& client = net.add();
  Node& server = net.add();
  PeerHandle peer;
  ASSERT_EQ(client.ep.connect(net.addr(1), peer, net.now()), Error::kOk);
  const Bytes first = reading(7);
  ASSERT_EQ(client.ep.send(peer, ConstByteSpan(first.data(), first.size()), kSendDefault, net.now()), Error::kOk);
  ASSERT_TRUE(net.run(60000, [&] { return client.count(EventType::kConnected) == 1 && server.data.size() == 1; }));
  EXPECT_EQ(server.count(EventType::kConnected), 1u);
  EXPECT_EQ(server.data[0], first);
  // message_1, message_2, message_3 with the record: three EDHOC frames.
  const Counters& c = client.ep.counters();
  const Counters& s = server.ep.counters();
  EXPECT_EQ(c.frames_out[static_cast<size_t>(FrameClass::kMessage1)], 1u);
  EXPECT_EQ(s.frames_out[static_cast<size_t>(FrameClass::kMessage2)], 1u);
  EXPECT_EQ(c.frames_out[static_cast<size_t>(FrameClass::kMessage3)], 1u);
  const uint32_t edhoc_bytes = c.bytes_out[static_cast<size_t>(FrameClass::kMessage1)] +
                               s.bytes_out[static_cast<size_t>(FrameClass::kMessage2)];
  EXPECT_EQ(edhoc_bytes, 38u + 47u);
  EXPECT_EQ(c.retransmissions + s.retransmissions, 0u);
  EXPECT_EQ(client.ep.state(peer), PeerState::kEstablished);
}

}  // namespace
}  // namespace hush::session::test
