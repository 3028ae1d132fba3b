// SPDX-License-Identifier: Apache-2.0
// The session layer's promise about public-key operations, checked against
// the instrumented crypto port (tests/crypto/crypto_probe.h): input() never
// runs one, so a radio interrupt is never held up by a scalar
// multiplication, and each poll() runs at most one.

#include <gtest/gtest.h>

#include "crypto/crypto_probe.h"
#include "test_net.h"

namespace hush::session::test {
namespace {

using hush::test::probe;

bool has_eddsa() {
  uint8_t sk[32] = {1}, pub[crypto::kMaxPublicKeyLen];
  size_t len = 0;
  return crypto::public_key(crypto::KeyType::kEd25519, crypto::PrivateKey::from_raw(sk), pub, len) == Error::kOk;
}

TEST(SessionProbe, InputRunsNoPublicKeyOperationAndPollAtMostOne) {
  struct Case {
    edhoc::Method method;
    uint8_t suite;
  };
  const Case cases[] = {{edhoc::Method::kStatStat, 0},
                        {edhoc::Method::kSigSig, 0},
                        {edhoc::Method::kStatStat, 2},
                        {edhoc::Method::kSigSig, 2}};
  for (const Case& c : cases) {
    if (c.suite == 0 && c.method == edhoc::Method::kSigSig && !has_eddsa()) continue;
    SCOPED_TRACE(static_cast<int>(c.method) * 10 + c.suite);
    Settings s;
    s.method = c.method;
    s.suite = c.suite;
    Net net(21);
    Node& client = net.add(s);
    Node& server = net.add(s);
    int before = 0, max_poll = 0, input_ops = 0, total = 0, polls_with_op = 0;
    net.before_call = [&] { before = probe.public_key_ops; };
    net.after_call = [&](bool is_poll) {
      const int ops = probe.public_key_ops - before;
      total += ops;
      if (is_poll) {
        max_poll = std::max(max_poll, ops);
        polls_with_op += ops > 0 ? 1 : 0;
      } else {
        input_ops += ops;
      }
    };
    PeerHandle peer;
    ASSERT_EQ(client.ep.connect(net.addr(1), peer, net.now(), net.expect(1)), Error::kOk);
    ASSERT_TRUE(net.run(
        60000, [&] { return client.count(EventType::kConnected) == 1 && server.count(EventType::kConnected) == 1; }));
    EXPECT_EQ(input_ops, 0);
    EXPECT_EQ(max_poll, 1);
    // At least: X, G_XY and one authentication step a side, and Y, G_XY.
    EXPECT_GE(total, 6);
    EXPECT_EQ(polls_with_op, total);
    EXPECT_EQ(static_cast<uint32_t>(total), client.ep.counters().pk_operations + server.ep.counters().pk_operations);
  }
}

}  // namespace
}  // namespace hush::session::test
