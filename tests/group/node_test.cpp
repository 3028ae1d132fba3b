// SPDX-License-Identifier: Apache-2.0
// psk::Node (include/hush/psk.h): the input/poll/event API over group and
// pairwise PSK contexts, with the Echo exchange running between nodes.

#include <gtest/gtest.h>

#include <deque>
#include <memory>

#include "group/group_test_util.h"

namespace hush::psk {
namespace {

using group::test::Bytes;
using group::test::FakeNvm;
using group::test::hex;
using group::test::span;

// A node with its radio queue, its events and its storage.
struct Device {
  Node node;
  FakeNvm group_nvm;
  FakeNvm pair_nvm;
  std::deque<Bytes> sent;
  std::vector<Event> events;
  std::vector<Bytes> data;
  bool busy = false;
  uint8_t id;
  Settings settings;

  static TxResult tx(void* user, ConstByteSpan f) {
    auto* d = static_cast<Device*>(user);
    if (d->busy) return TxResult::kBusy;
    d->sent.emplace_back(f.begin(), f.end());
    return TxResult::kSent;
  }
  static void ev(void* user, const Event& e) {
    auto* d = static_cast<Device*>(user);
    d->events.push_back(e);
    if (e.type == EventType::kData) d->data.emplace_back(e.data.begin(), e.data.end());
  }
  explicit Device(uint8_t id_, FreshnessPolicy policy = FreshnessPolicy::kStrict, record::UsageLimits limits = {})
      : id(id_) {
    settings.policy = policy;
    settings.grace_ms = 1000;
    settings.challenge_interval_ms = 100;
    boot(limits);
  }
  void boot(record::UsageLimits limits = {}, uint32_t epoch = 0) {
    node.~Node();
    new (&node) Node();
    events.clear();
    data.clear();
    sent.clear();
    EXPECT_EQ(node.begin(Platform{&Device::tx, &Device::ev, this}, settings), Error::kOk);
    group::GroupOptions o;
    o.persistence = group_nvm.persistence(8, 4);
    o.limits = limits;
    EXPECT_EQ(node.join_group(group::test::secrets(id, group_nvm, epoch), o), Error::kOk);
  }
  size_t count(EventType t) const {
    size_t n = 0;
    for (const Event& e : events) n += e.type == t ? 1 : 0;
    return n;
  }
};

// Delivers everything `from` sent to each of `to`, until nobody sends.
void pump(Device& a, Device& b, uint32_t now = 0) {
  for (int guard = 0; guard < 50 && (!a.sent.empty() || !b.sent.empty()); ++guard) {
    while (!a.sent.empty()) {
      const Bytes f = a.sent.front();
      a.sent.pop_front();
      b.node.input(span(f), now);
    }
    while (!b.sent.empty()) {
      const Bytes f = b.sent.front();
      b.sent.pop_front();
      a.node.input(span(f), now);
    }
  }
}

TEST(PskNode, GroupEchoFlowAfterReceiverReboot) {
  Device ctrl(1), node(2);
  ASSERT_EQ(ctrl.node.send_group(span(hex("01")), 0), Error::kOk);
  pump(ctrl, node);
  // Strict: the first command was held back, the challenge ran, the
  // controller answered, and the node knows the controller is fresh.
  EXPECT_TRUE(node.data.empty());
  EXPECT_EQ(node.node.counters().challenges_sent, 1u);
  EXPECT_EQ(ctrl.node.counters().echo_answers, 1u);
  EXPECT_EQ(node.count(EventType::kFresh), 1u);
  ASSERT_EQ(ctrl.node.send_group(span(hex("02")), 0), Error::kOk);
  const Bytes recorded = ctrl.sent.back();
  pump(ctrl, node);
  ASSERT_EQ(node.data.size(), 1u);
  EXPECT_EQ(node.data[0], hex("02"));
  // The node reboots: the recorded command replayed now is not delivered.
  node.boot();
  node.node.input(span(recorded), 200);
  EXPECT_TRUE(node.data.empty());
  EXPECT_EQ(node.node.counters().drops.freshness_unknown, 1u);
  pump(ctrl, node, 200);
  EXPECT_EQ(node.count(EventType::kFresh), 1u);
  node.node.input(span(recorded), 300);
  EXPECT_TRUE(node.data.empty());
  ASSERT_EQ(ctrl.node.send_group(span(hex("03")), 300), Error::kOk);
  pump(ctrl, node, 300);
  ASSERT_EQ(node.data.size(), 1u);
  EXPECT_EQ(node.data[0], hex("03"));
}

TEST(PskNode, AcceptOnceThenChallengeDeliversAReplayOnceAfterReboot) {
  // The documented risk of the relaxed policy, shown: an old command
  // replayed to a rebooted node is acted on once (marked provisional), never twice.
  Device ctrl(1), node(2, FreshnessPolicy::kAcceptOnceThenChallenge);
  ASSERT_EQ(ctrl.node.send_group(span(hex("0a")), 0), Error::kOk);
  const Bytes recorded = ctrl.sent.back();
  pump(ctrl, node);
  ASSERT_EQ(node.data.size(), 1u);
  EXPECT_TRUE(node.events.front().provisional);
  node.boot();
  node.node.input(span(recorded), 5);
  node.node.input(span(recorded), 5);
  EXPECT_EQ(node.data.size(), 1u);  // the replay, once
  pump(ctrl, node, 5);
  node.node.input(span(recorded), 6);
  EXPECT_EQ(node.data.size(), 1u);
}

TEST(PskNode, SleepyRepeatsAcrossAWakeWindowAreConsumedOnce) {
  Device ctrl(1), node(2);
  ASSERT_EQ(ctrl.node.send_group(span(hex("00")), 0), Error::kOk);
  pump(ctrl, node);  // proves the controller
  node.data.clear();
  ASSERT_EQ(ctrl.node.send_group(span(hex("0b0c0d0e")), 0), Error::kOk);
  const Bytes first = ctrl.sent.back();
  for (int i = 0; i < 4; ++i) ASSERT_EQ(ctrl.node.repeat_last(static_cast<uint32_t>(100 * i)), Error::kOk);
  ASSERT_EQ(ctrl.sent.size(), 5u);
  for (const Bytes& f : ctrl.sent) EXPECT_EQ(f, first);  // byte-identical, one nonce
  const uint32_t v = node.node.group().current().failed_decryptions();
  pump(ctrl, node);
  ASSERT_EQ(node.data.size(), 1u);
  EXPECT_EQ(node.node.counters().drops.replay, 4u);
  EXPECT_EQ(node.node.counters().drops.auth_fail, 0u);
  EXPECT_EQ(node.node.group().current().failed_decryptions(), v);
}

TEST(PskNode, EpochCommandAndGracePeriod) {
  Device ctrl(1), node(2);
  ASSERT_EQ(ctrl.node.send_group(span(hex("00")), 0), Error::kOk);
  pump(ctrl, node);
  ASSERT_EQ(ctrl.node.send_group(span(hex("01")), 0), Error::kOk);
  const Bytes old_epoch = ctrl.sent.back();
  ctrl.sent.clear();
  ASSERT_EQ(ctrl.node.command_epoch(1, 0), Error::kOk);
  EXPECT_EQ(ctrl.count(EventType::kEpochChanged), 1u);
  EXPECT_EQ(ctrl.node.next_deadline(0), 1000u);
  pump(ctrl, node, 0);
  EXPECT_EQ(node.node.group().epoch(), 1u);
  EXPECT_EQ(node.count(EventType::kEpochChanged), 1u);
  // New-epoch data flows at once (the controller stays proven), and the
  // delayed old-epoch record still opens during the grace period.
  ASSERT_EQ(ctrl.node.send_group(span(hex("02")), 10), Error::kOk);
  pump(ctrl, node, 10);
  node.node.input(span(old_epoch), 20);
  ASSERT_EQ(node.data.size(), 2u);
  // The replayed command changes nothing (epochs only go forward).
  ASSERT_EQ(node.node.poll(1000), Error::kOk);
  EXPECT_EQ(node.count(EventType::kGraceEnded), 1u);
  EXPECT_FALSE(node.node.group().has_previous());
  EXPECT_EQ(node.node.next_deadline(1000), UINT32_MAX);
  node.node.input(span(old_epoch), 1001);
  EXPECT_EQ(node.data.size(), 2u);
  EXPECT_EQ(node.node.group().epoch(), 1u);
}

TEST(PskNode, LimitEventsFireAndTheKeyRefuses) {
  record::UsageLimits l{4, 3, 100, 90};
  Device ctrl(1, FreshnessPolicy::kStrict, l);
  for (int i = 0; i < 4; ++i) ASSERT_EQ(ctrl.node.send_group(span(hex("00")), 0), Error::kOk);
  EXPECT_EQ(ctrl.count(EventType::kLimitNear), 1u);
  EXPECT_EQ(ctrl.count(EventType::kLimitReached), 1u);
  EXPECT_EQ(ctrl.node.send_group(span(hex("00")), 0), Error::kLimitReached);
  EXPECT_EQ(ctrl.count(EventType::kLimitReached), 1u);  // reported once
  ASSERT_EQ(ctrl.node.rotate_group(1, ConstByteSpan(), 0), Error::kOk);
  EXPECT_EQ(ctrl.node.send_group(span(hex("00")), 0), Error::kOk);
}

TEST(PskNode, ReflectedGroupRecordIsDropped) {
  Device a(1);
  ASSERT_EQ(a.node.send_group(span(hex("01")), 0), Error::kOk);
  a.node.input(span(a.sent.back()), 0);
  EXPECT_EQ(a.node.counters().drops.reflected, 1u);
  EXPECT_TRUE(a.data.empty());
}

TEST(PskNode, ChallengesAndAnswersAreRateLimited) {
  Device ctrl(1), node(2);
  ASSERT_EQ(ctrl.node.send_group(span(hex("01")), 0), Error::kOk);
  const Bytes f = ctrl.sent.back();
  ctrl.sent.clear();
  for (int i = 0; i < 10; ++i) node.node.input(span(f), 0);
  Bytes g;
  ASSERT_EQ(ctrl.node.send_group(span(hex("02")), 0), Error::kOk);
  g = ctrl.sent.back();
  ctrl.sent.clear();
  for (int i = 0; i < 10; ++i) node.node.input(span(g), 50);
  EXPECT_EQ(node.node.counters().challenges_sent, 1u);
  EXPECT_EQ(node.sent.size(), 1u);
  // A replayed challenge gets at most one answer per interval.
  const Bytes challenge = node.sent.front();
  for (int i = 0; i < 10; ++i) ctrl.node.input(span(challenge), 0);
  EXPECT_EQ(ctrl.node.counters().echo_answers, 1u);
}

// --- pairwise -------------------------------------------------------------

struct PairwisePair {
  Device a{10};
  Device b{11};
  uint8_t ha = 0, hb = 0;
  const Bytes secret = hex("0102030405060708090a0b0c0d0e0f10");
  const Bytes id_a = hex("0a");
  const Bytes id_b = hex("0b");

  record::PskSecrets psk(Device& d, bool is_a, bool fresh) {
    record::PskSecrets s;
    s.master_secret = span(secret);
    s.sender_id = span(is_a ? id_a : id_b);
    s.recipient_id = span(is_a ? id_b : id_a);
    s.sender_sequence = d.pair_nvm.stored;
    s.failed_decryptions = d.pair_nvm.failures_stored;
    s.replay_state_fresh = fresh;
    return s;
  }
  void add(Device& d, bool is_a, bool fresh, uint8_t& h) {
    record::ContextOptions o;
    o.persistence = d.pair_nvm.persistence(4, 4);
    ASSERT_EQ(d.node.add_pairwise(psk(d, is_a, fresh), o, h), Error::kOk);
  }
  explicit PairwisePair(bool fresh = true) {
    add(a, true, fresh, ha);
    add(b, false, fresh, hb);
  }
};

TEST(PskPairwise, FirstFrameCarriesData) {
  PairwisePair p;  // freshly provisioned: no handshake, no challenge
  ASSERT_EQ(p.a.node.send_pairwise(p.ha, span(hex("68656c6c6f")), 0), Error::kOk);
  EXPECT_EQ(p.a.sent.size(), 1u);
  EXPECT_EQ(p.a.sent.front().size(), 5u + 11u);  // kind | cid | PSN | data | tag
  pump(p.a, p.b);
  ASSERT_EQ(p.b.data.size(), 1u);
  EXPECT_EQ(p.b.data[0], hex("68656c6c6f"));
  EXPECT_EQ(p.b.node.counters().challenges_sent, 0u);
}

TEST(PskPairwise, EchoAfterRebootThenData) {
  PairwisePair p;
  ASSERT_EQ(p.a.node.send_pairwise(p.ha, span(hex("01")), 0), Error::kOk);
  const Bytes recorded = p.a.sent.back();
  pump(p.a, p.b);
  // b reboots: group and pairwise contexts come back with unknown windows.
  p.b.boot();
  p.add(p.b, false, false, p.hb);
  EXPECT_EQ(p.b.node.pairwise_freshness(p.hb), group::Freshness::kUnknown);
  p.b.data.clear();
  p.b.node.input(span(recorded), 0);
  EXPECT_TRUE(p.b.data.empty());
  pump(p.a, p.b);
  EXPECT_EQ(p.b.node.pairwise_freshness(p.hb), group::Freshness::kFresh);
  EXPECT_EQ(p.b.count(EventType::kFresh), 1u);
  p.b.node.input(span(recorded), 0);
  EXPECT_TRUE(p.b.data.empty());
  ASSERT_EQ(p.a.node.send_pairwise(p.ha, span(hex("02")), 0), Error::kOk);
  pump(p.a, p.b);
  ASSERT_EQ(p.b.data.size(), 1u);
  EXPECT_EQ(p.b.data[0], hex("02"));
}

TEST(PskPairwise, BothRebootedProveEachOther) {
  // Each side is unproven for the other: the Echo request from an unproven
  // peer is still answered, and both end up proven.
  PairwisePair p(false);
  ASSERT_EQ(p.a.node.send_pairwise(p.ha, span(hex("01")), 0), Error::kOk);
  pump(p.a, p.b);
  EXPECT_TRUE(p.b.data.empty());
  EXPECT_EQ(p.b.node.pairwise_freshness(p.hb), group::Freshness::kFresh);
  EXPECT_EQ(p.a.node.counters().echo_answers, 1u);
  ASSERT_EQ(p.b.node.send_pairwise(p.hb, span(hex("02")), 200), Error::kOk);
  pump(p.a, p.b, 200);
  EXPECT_EQ(p.a.node.pairwise_freshness(p.ha), group::Freshness::kFresh);
  ASSERT_EQ(p.a.node.send_pairwise(p.ha, span(hex("03")), 400), Error::kOk);
  ASSERT_EQ(p.b.node.send_pairwise(p.hb, span(hex("04")), 400), Error::kOk);
  pump(p.a, p.b, 400);
  ASSERT_EQ(p.b.data.size(), 1u);
  EXPECT_EQ(p.b.data[0], hex("03"));
  ASSERT_EQ(p.a.data.size(), 1u);
  EXPECT_EQ(p.a.data[0], hex("04"));
}

TEST(PskPairwise, AcceptOnceThenChallenge) {
  PairwisePair p(false);
  p.b.settings.policy = FreshnessPolicy::kAcceptOnceThenChallenge;
  p.b.boot();
  p.add(p.b, false, false, p.hb);
  ASSERT_EQ(p.a.node.send_pairwise(p.ha, span(hex("0a")), 0), Error::kOk);
  const Bytes f = p.a.sent.back();
  p.b.node.input(span(f), 0);
  p.b.node.input(span(f), 0);
  ASSERT_EQ(p.b.data.size(), 1u);  // once, marked provisional
  EXPECT_TRUE(p.b.events.front().provisional);
  EXPECT_EQ(p.b.node.pairwise_freshness(p.hb), group::Freshness::kProvisional);
  pump(p.a, p.b);
  EXPECT_EQ(p.b.node.pairwise_freshness(p.hb), group::Freshness::kFresh);
  p.b.node.input(span(f), 0);
  EXPECT_EQ(p.b.data.size(), 1u);
}

TEST(PskPairwise, SenderRebootSkipsPastTheReservation) {
  PairwisePair p;
  std::set<uint64_t> seqs;
  for (int boot = 0; boot < 4; ++boot) {
    for (int i = 0; i < 3; ++i) {
      ASSERT_EQ(p.a.node.send_pairwise(p.ha, span(hex("00")), 0), Error::kOk);
      record::RecordHeader h;
      ASSERT_EQ(record::parse_header(span(p.a.sent.back()), h), Error::kOk);
      EXPECT_TRUE(seqs.insert(h.seq).second);
    }
    p.a.boot();
    p.add(p.a, true, false, p.ha);
  }
}

TEST(PskPairwise, ReflectedRecordIsNotAccepted) {
  PairwisePair p;
  ASSERT_EQ(p.a.node.send_pairwise(p.ha, span(hex("01")), 0), Error::kOk);
  // a's own record comes back to a: its connection id is a's Sender ID,
  // which is not the Recipient ID of any context a holds.
  p.a.node.input(span(p.a.sent.back()), 0);
  EXPECT_TRUE(p.a.data.empty());
  EXPECT_EQ(p.a.node.counters().drops.unknown_context, 1u);
}

TEST(PskPairwise, RekeyKeepsOldKeyForGrace) {
  PairwisePair p;
  ASSERT_EQ(p.a.node.send_pairwise(p.ha, span(hex("01")), 0), Error::kOk);
  const Bytes old_key = p.a.sent.back();
  p.a.sent.clear();
  const Bytes next = hex("a0a1a2a3a4a5a6a7a8a9aaabacadaeaf");
  record::PskSecrets sa = p.psk(p.a, true, true), sb = p.psk(p.b, false, true);
  sa.master_secret = span(next);
  sb.master_secret = span(next);
  sa.sender_sequence = sb.sender_sequence = 0;
  record::ContextOptions oa, ob;
  FakeNvm na, nb;
  oa.persistence = na.persistence(4, 4);
  ob.persistence = nb.persistence(4, 4);
  ASSERT_EQ(p.a.node.rekey_pairwise(p.ha, sa, oa, 0), Error::kOk);
  ASSERT_EQ(p.b.node.rekey_pairwise(p.hb, sb, ob, 0), Error::kOk);
  ASSERT_EQ(p.a.node.send_pairwise(p.ha, span(hex("02")), 0), Error::kOk);
  pump(p.a, p.b);
  p.b.node.input(span(old_key), 10);
  ASSERT_EQ(p.b.data.size(), 2u);
  ASSERT_EQ(p.b.node.poll(1000), Error::kOk);
  EXPECT_EQ(p.b.count(EventType::kGraceEnded), 1u);
}

// --- proving freshness before the first command (issue 10 item 9) ---------

// Under kStrict, a rebooted node that waits for a record to trigger its
// challenge loses that record for good, even when the controller repeats it
// through the wake window: the first copy starts the Echo exchange, and the
// proof makes the answer's number the window's edge, so the other copies
// (older) are refused. This is what the mesh scenario of hush-sim ran into.
TEST(PskNode, StrictRebootLosesTheFirstRepeatedCommandWithoutAnEarlyChallenge) {
  Device ctrl(1), node(2);
  ASSERT_EQ(ctrl.node.send_group(span(hex("00")), 0), Error::kOk);
  pump(ctrl, node);
  node.boot();  // replay state lost
  ASSERT_EQ(ctrl.node.send_group(span(hex("c0010203")), 100), Error::kOk);
  for (int i = 0; i < 4; ++i) ASSERT_EQ(ctrl.node.repeat_last(100), Error::kOk);
  pump(ctrl, node, 100);
  EXPECT_EQ(node.count(EventType::kFresh), 1u);
  EXPECT_TRUE(node.data.empty());
}

// challenge_group() / challenge_pairwise() prove the controller at boot, so
// the next command (and only one copy of it) is consumed.
TEST(PskNode, EarlyChallengeAtBootKeepsTheNextCommand) {
  Device ctrl(1), node(2);
  ASSERT_EQ(ctrl.node.send_group(span(hex("00")), 0), Error::kOk);
  pump(ctrl, node);
  node.boot();
  ASSERT_EQ(node.node.challenge_group(1, 100), Error::kOk);
  EXPECT_EQ(node.node.challenge_group(1, 101), Error::kInvalidState);  // rate-limited
  pump(ctrl, node, 100);
  EXPECT_EQ(node.count(EventType::kFresh), 1u);
  EXPECT_EQ(node.node.challenge_group(1, 500), Error::kInvalidState);  // proven
  ASSERT_EQ(ctrl.node.send_group(span(hex("c0010203")), 600), Error::kOk);
  const Bytes recorded = ctrl.sent.back();
  for (int i = 0; i < 4; ++i) ASSERT_EQ(ctrl.node.repeat_last(600), Error::kOk);
  pump(ctrl, node, 600);
  ASSERT_EQ(node.data.size(), 1u);
  EXPECT_EQ(node.data[0], hex("c0010203"));
  node.node.input(span(recorded), 700);
  EXPECT_EQ(node.data.size(), 1u);
}

TEST(PskPairwise, EarlyChallengeAtBootKeepsTheNextCommand) {
  PairwisePair p;
  ASSERT_EQ(p.a.node.send_pairwise(p.ha, span(hex("01")), 0), Error::kOk);
  pump(p.a, p.b);
  p.b.boot();
  p.add(p.b, false, false, p.hb);
  ASSERT_EQ(p.b.node.pairwise_freshness(p.hb), group::Freshness::kUnknown);
  ASSERT_EQ(p.b.node.challenge_pairwise(p.hb, 100), Error::kOk);
  EXPECT_EQ(p.b.node.challenge_pairwise(p.hb, 101), Error::kInvalidState);
  pump(p.a, p.b, 100);
  EXPECT_EQ(p.b.node.pairwise_freshness(p.hb), group::Freshness::kFresh);
  EXPECT_EQ(p.b.node.challenge_pairwise(p.hb, 500), Error::kInvalidState);
  ASSERT_EQ(p.a.node.send_pairwise(p.ha, span(hex("c0020304")), 600), Error::kOk);
  for (int i = 0; i < 4; ++i) ASSERT_EQ(p.a.node.repeat_last(600), Error::kOk);
  pump(p.a, p.b, 600);
  ASSERT_EQ(p.b.data.size(), 1u);
  EXPECT_EQ(p.b.data[0], hex("c0020304"));
  EXPECT_EQ(p.b.node.challenge_pairwise(7, 600), Error::kInvalidArgument);
}

}  // namespace
}  // namespace hush::psk
