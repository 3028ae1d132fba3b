// SPDX-License-Identifier: Apache-2.0
// Group contexts (include/hush/group.h): frame layout, nonces per sender,
// Echo freshness, the bounded sender table, reboots at every point of the
// reserve-ahead cycle, duplicates, epochs with grace, usage limits.

#include <gtest/gtest.h>

#include "group/group_test_util.h"

namespace hush::group {
namespace {

using namespace test;

TEST(GroupRecord, LayoutAndOverheadIsElevenBytes) {
  Member a(1);
  const Bytes payload = hex("01020304");
  GroupSealed s;
  const Bytes frame = a.seal(payload, false, &s);
  // kind (111 C=0 E=00 L-1=00) | sender | PSN | 4 bytes | 8-byte tag
  ASSERT_EQ(frame.size(), payload.size() + 11);
  EXPECT_EQ(frame[0], 0xE0);
  EXPECT_EQ(frame[1], 1);
  EXPECT_EQ(frame[2], 0);
  EXPECT_EQ(overhead(255), 11u);
  EXPECT_EQ(overhead(256), 12u);
  EXPECT_EQ(overhead(UINT32_MAX), 14u);
  GroupHeader h;
  ASSERT_EQ(parse_header(span(frame), 8, h), Error::kOk);
  EXPECT_EQ(h.size, 3u);
  // A non-minimal PSN, a short record and a foreign kind are malformed.
  Bytes longer = frame;
  longer[0] = 0xE1;
  longer.insert(longer.begin() + 2, 0);
  EXPECT_EQ(parse_header(span(longer), 8, h), Error::kMalformed);
  EXPECT_EQ(parse_header(span(Bytes(frame.begin(), frame.begin() + 10)), 8, h), Error::kMalformed);
  Bytes tunnel = frame;
  tunnel[0] = 0x80;
  EXPECT_EQ(parse_header(span(tunnel), 8, h), Error::kMalformed);
}

TEST(GroupRecord, EveryHeaderBitIsAuthenticated) {
  Member a(1), b(2);
  b.prove(a);
  const Bytes frame = a.seal(hex("0a0b0c"));
  for (size_t i = 0; i < frame.size(); ++i) {
    for (int bit = 0; bit < 8; ++bit) {
      Bytes bad = frame;
      bad[i] = static_cast<uint8_t>(bad[i] ^ (1 << bit));
      EXPECT_NE(b.open(bad), Error::kOk) << "byte " << i << " bit " << bit;
    }
  }
  EXPECT_EQ(b.open(frame), Error::kOk);
}

TEST(GroupRecord, SendersNeverShareANonceOrKey) {
  // Members seal the same sequence numbers under one master secret: every
  // (key, nonce) pair is different, because both carry the sender id.
  std::vector<std::unique_ptr<Member>> members;
  NonceLog log;
  for (uint8_t id = 0; id < 6; ++id) members.push_back(std::make_unique<Member>(id));
  for (int round = 0; round < 20; ++round) {
    for (auto& m : members) log.add(m->seal(hex("00")), 0);
  }
  EXPECT_EQ(log.reuses, 0u);
  EXPECT_EQ(log.seen.size(), 6u * 20u);
}

TEST(GroupEcho, UnknownSenderIsChallengedThenAccepted) {
  Member ctrl(1), node(2);
  const Bytes before = ctrl.seal(hex("c0ffee"));
  GroupOpened o;
  Bytes got;
  // Strict: authentic, but never delivered before the proof.
  EXPECT_EQ(node.open(before, o, &got), Error::kFreshnessUnknown);
  EXPECT_TRUE(o.challenge);
  EXPECT_TRUE(got.empty());
  EXPECT_EQ(node.ctx.freshness(1), Freshness::kUnknown);
  // Its repeats cost no AES: the held sequence number drops them.
  EXPECT_EQ(node.open(before), Error::kReplay);
  node.prove(ctrl);
  // Everything sealed before the answer stays refused; new records pass.
  EXPECT_NE(node.open(before), Error::kOk);
  EXPECT_EQ(node.open(ctrl.seal(hex("01")), o, &got), Error::kOk);
  EXPECT_EQ(got, hex("01"));
  EXPECT_EQ(o.freshness, Freshness::kFresh);
  EXPECT_EQ(node.ctx.current().failed_decryptions(), 0u);
}

TEST(GroupEcho, WrongOrStaleEchoProvesNothing) {
  Member ctrl(1), node(2), other(3);
  Bytes msg(wire::kGroupEchoMessageLen);
  size_t len = 0;
  ASSERT_EQ(node.ctx.make_challenge(1, 0, 0, ByteSpan(msg.data(), msg.size()), len), Error::kOk);
  // Rate limit: no second challenge inside the interval, the same echo after it.
  Bytes again(wire::kGroupEchoMessageLen);
  EXPECT_EQ(node.ctx.make_challenge(1, 10, 1000, ByteSpan(again.data(), again.size()), len), Error::kInvalidState);
  ASSERT_EQ(node.ctx.make_challenge(1, 1000, 1000, ByteSpan(again.data(), again.size()), len), Error::kOk);
  EXPECT_EQ(again, msg);
  Bytes wrong = msg;
  wrong[0] = static_cast<uint8_t>(wire::GroupControl::kEchoResponse);
  wrong[1] = 2;
  wrong[5] ^= 1;
  GroupOpened o;
  EXPECT_EQ(node.open(ctrl.seal(wrong, true), o), Error::kFreshnessUnknown);
  EXPECT_FALSE(o.proved);
  // The right value from the wrong member proves nothing for that member.
  Bytes right = msg;
  right[0] = static_cast<uint8_t>(wire::GroupControl::kEchoResponse);
  right[1] = 2;
  EXPECT_EQ(node.open(other.seal(right, true), o), Error::kFreshnessUnknown);
  EXPECT_EQ(node.ctx.freshness(1), Freshness::kUnknown);
  // As data rather than control it proves nothing either.
  EXPECT_EQ(node.open(ctrl.seal(right, false), o), Error::kFreshnessUnknown);
  EXPECT_EQ(node.open(ctrl.seal(right, true), o), Error::kOk);
  EXPECT_TRUE(o.proved);
}

TEST(GroupEcho, AcceptOnceThenChallengeDeliversOneRecord) {
  Member ctrl(1), node(2, FreshnessPolicy::kAcceptOnceThenChallenge);
  const Bytes cmd = ctrl.seal(hex("0101"));
  GroupOpened o;
  Bytes got;
  ASSERT_EQ(node.open(cmd, o, &got), Error::kOk);
  EXPECT_EQ(got, hex("0101"));
  EXPECT_EQ(o.freshness, Freshness::kProvisional);
  EXPECT_TRUE(o.challenge);
  // Once: its repeats are duplicates, and other records wait for the proof.
  EXPECT_EQ(node.open(cmd), Error::kReplay);
  EXPECT_EQ(node.open(ctrl.seal(hex("0202"))), Error::kFreshnessUnknown);
  node.prove(ctrl);
  EXPECT_NE(node.open(cmd), Error::kOk);
  EXPECT_EQ(node.open(ctrl.seal(hex("0303"))), Error::kOk);
}

TEST(GroupEcho, ReceiverRebootLosesFreshness) {
  Member ctrl(1), node(2);
  node.prove(ctrl);
  const Bytes old = ctrl.seal(hex("aa"));
  ASSERT_EQ(node.open(old), Error::kOk);
  node.reboot();
  // The recorded frame is authentic but may not be replayed after the reboot.
  EXPECT_EQ(node.open(old), Error::kFreshnessUnknown);
  node.prove(ctrl);
  EXPECT_NE(node.open(old), Error::kOk);
}

TEST(GroupEcho, EchoRequestFromUnprovenSenderIsOnlyAnswerable) {
  Member a(1), b(2);
  Bytes msg(wire::kGroupEchoMessageLen);
  size_t len = 0;
  ASSERT_EQ(a.ctx.make_challenge(2, 0, 0, ByteSpan(msg.data(), msg.size()), len), Error::kOk);
  GroupOpened o;
  ASSERT_EQ(b.open(a.seal(msg, true), o), Error::kOk);
  EXPECT_TRUE(o.control);
  EXPECT_EQ(o.freshness, Freshness::kUnknown);
  // An epoch command from the unproven sender is not delivered.
  const Bytes epoch_cmd = hex("0300000001");
  EXPECT_EQ(b.open(a.seal(epoch_cmd, true), o), Error::kFreshnessUnknown);
}

TEST(GroupSenderTable, EvictionAtTheBoundAndNewSenderAfterEviction) {
  Member node(0);
  std::vector<std::unique_ptr<Member>> senders;
  for (uint8_t i = 1; i <= kMaxSenders; ++i) {
    senders.push_back(std::make_unique<Member>(i));
    node.prove(*senders.back());
  }
  EXPECT_EQ(node.ctx.senders().used(), kMaxSenders);
  EXPECT_EQ(node.ctx.senders().evictions(), 0u);
  // Sender 1 is the least recently authenticated once all others spoke again.
  for (size_t i = 1; i < senders.size(); ++i) ASSERT_EQ(node.open(senders[i]->seal(hex("01"))), Error::kOk);
  // Forgeries from a new id evict nothing.
  Member newcomer(200);
  Bytes forged = newcomer.seal(hex("01"));
  forged.back() ^= 1;
  EXPECT_EQ(node.open(forged), Error::kAuthFailed);
  EXPECT_EQ(node.ctx.senders().evictions(), 0u);
  // An authentic new sender takes the LRU entry, and starts unknown.
  EXPECT_EQ(node.open(newcomer.seal(hex("02"))), Error::kFreshnessUnknown);
  EXPECT_EQ(node.ctx.senders().evictions(), 1u);
  EXPECT_EQ(node.ctx.freshness(1), Freshness::kUnknown);
  EXPECT_EQ(node.ctx.freshness(2), Freshness::kFresh);
  node.prove(newcomer);
  EXPECT_EQ(node.open(newcomer.seal(hex("03"))), Error::kOk);
  // The evicted sender is freshness unknown again, never fresh.
  const Bytes from_evicted = senders[0]->seal(hex("04"));
  EXPECT_EQ(node.open(from_evicted), Error::kFreshnessUnknown);
  EXPECT_EQ(node.ctx.freshness(2), Freshness::kUnknown);  // it took the LRU entry, sender 2's
  EXPECT_EQ(node.ctx.senders().evictions(), 2u);
  // Unproven entries are evicted first: sender 1 (unproven) goes before
  // sender 3, the least recently authenticated proven one.
  Member another(201);
  EXPECT_EQ(node.open(another.seal(hex("05"))), Error::kFreshnessUnknown);
  EXPECT_EQ(node.ctx.senders().find(1, 0), nullptr);
  EXPECT_EQ(node.ctx.senders().used(), kMaxSenders);
  for (size_t i = 2; i < senders.size(); ++i) EXPECT_EQ(node.ctx.freshness(senders[i]->id), Freshness::kFresh);
  EXPECT_EQ(node.ctx.freshness(200), Freshness::kFresh);
}

// Reboots the sender at every point of the reserve-ahead cycle, for several
// K: after n records, and between a reservation and the record that took
// it (the hook stored the value, then the device died before the seal).
TEST(GroupPersistence, RebootAtEveryPointOfTheReserveCycleNeverReusesANonce) {
  for (uint32_t k : {1u, 2u, 3u, 5u}) {
    for (uint32_t point = 0; point <= 2 * k + 1; ++point) {
      for (bool between : {false, true}) {
        Member s(7, FreshnessPolicy::kStrict, {}, k);
        Member r(9);
        r.prove(s);
        NonceLog log;
        uint64_t last_seq = 0;
        for (int cycle = 0; cycle < 3; ++cycle) {
          for (uint32_t i = 0; i < point; ++i) {
            GroupSealed info;
            const Bytes f = s.seal(hex("5a"), false, &info);
            log.add(f, 0);
            last_seq = info.seq;
            ASSERT_EQ(r.open(f), Error::kOk);
          }
          if (between) {
            // Storage takes the next reservation, then power fails.
            const uint64_t before = s.nvm.stored;
            s.nvm.fail = false;
            Bytes out(64);
            GroupSealed info;
            if (s.ctx.current().next_sequence() >= s.ctx.current().reserved_until()) {
              struct Crash {
                static bool hook(void* user, uint64_t v) noexcept {
                  static_cast<FakeNvm*>(user)->stored = v;
                  return false;  // stored, but the device is gone before the seal
                }
              };
              GroupOptions o = s.options();
              o.persistence.reserve = &Crash::hook;
              GroupContext dying;
              ASSERT_EQ(dying.begin(secrets(7, s.nvm), o), Error::kOk);
              EXPECT_EQ(dying.seal(span(hex("5a")), ByteSpan(out.data(), out.size()), info), Error::kLimitReached);
              EXPECT_GT(s.nvm.stored, before);
            }
          }
          s.reboot();
          EXPECT_GT(s.ctx.current().next_sequence(), point == 0 && cycle == 0 ? 0 : last_seq);
          // The receiver kept its state: the sender's new numbers are above the old ones.
        }
        EXPECT_EQ(log.reuses, 0u) << "K=" << k << " point=" << point;
      }
    }
  }
}

TEST(GroupSleepy, RepeatsAreDuplicatesBeforeAnyAesAndNotForgeries) {
  Member ctrl(1), node(2);
  node.prove(ctrl);
  const Bytes cmd = ctrl.seal(hex("0a"));
  ASSERT_EQ(node.open(cmd), Error::kOk);
  const uint32_t v = node.ctx.current().failed_decryptions();
  for (int i = 0; i < 5; ++i) EXPECT_EQ(node.open(cmd), Error::kReplay);
  // A repeat whose tag was damaged is still dropped as a duplicate: the
  // window decided before any decryption was attempted.
  Bytes damaged = cmd;
  damaged.back() ^= 0xFF;
  EXPECT_EQ(node.open(damaged), Error::kReplay);
  EXPECT_EQ(node.ctx.current().failed_decryptions(), v);
}

TEST(GroupEpoch, RotationKeepsOldKeysForGraceThenRetiresThem) {
  Member ctrl(1), node(2);
  node.prove(ctrl);
  const Bytes old_epoch = ctrl.seal(hex("01"));
  ASSERT_EQ(ctrl.ctx.rotate(1), Error::kOk);
  ASSERT_EQ(node.ctx.rotate(1), Error::kOk);
  EXPECT_EQ(ctrl.ctx.rotate(1), Error::kInvalidArgument);  // never back, never the same
  EXPECT_EQ(ctrl.ctx.rotate(0), Error::kInvalidArgument);
  const Bytes new_epoch = ctrl.seal(hex("02"));
  EXPECT_EQ((new_epoch[0] & wire::kGroupEpochMask) >> wire::kGroupEpochShift, 1);
  // New keys, new sequence numbers from 0, and the proven sender stays proven.
  EXPECT_EQ(new_epoch[2], 0);
  EXPECT_EQ(node.open(new_epoch), Error::kOk);
  EXPECT_EQ(node.open(old_epoch), Error::kOk);  // grace: the old key still opens
  EXPECT_EQ(node.open(old_epoch), Error::kReplay);
  node.ctx.retire_previous();
  EXPECT_FALSE(node.ctx.has_previous());
  EXPECT_EQ(node.open(ctrl.seal(hex("03"))), Error::kOk);
  Member late(1);  // a member still on epoch 0 after the grace period
  late.nvm.stored = 1000;
  late.reboot();
  EXPECT_EQ(node.open(late.seal(hex("04"))), Error::kUnknownContext);
}

TEST(GroupEpoch, NewMasterSecretFromTheApplication) {
  Member a(1), b(2);
  b.prove(a);
  const Bytes fresh_secret = hex("ffeeddccbbaa99887766554433221100");
  ASSERT_EQ(a.ctx.rotate(4, span(fresh_secret)), Error::kOk);
  // Epoch 4 has the same two wire bits as epoch 0, but other keys: refused
  // (its sequence number 0 looks like a duplicate of epoch 0's, then the tag fails).
  EXPECT_EQ(b.open(a.seal(hex("00"))), Error::kReplay);
  EXPECT_EQ(b.open(a.seal(hex("01"))), Error::kAuthFailed);
  ASSERT_EQ(b.ctx.rotate(4, span(fresh_secret)), Error::kOk);
  EXPECT_EQ(b.open(a.seal(hex("02"))), Error::kOk);
}

TEST(GroupLimits, SenderKeyRefusesPastQ) {
  record::UsageLimits l{10, 8, 5, 4};
  Member a(1, FreshnessPolicy::kStrict, l);
  GroupSealed s;
  for (int i = 0; i < 10; ++i) a.seal(hex("00"), false, &s);
  EXPECT_EQ(s.limit, record::LimitState::kReached);
  Bytes out(64);
  EXPECT_EQ(a.ctx.seal(span(hex("00")), ByteSpan(out.data(), out.size()), s), Error::kLimitReached);
  // A new epoch is a new key with its own q.
  ASSERT_EQ(a.ctx.rotate(1), Error::kOk);
  a.seal(hex("00"), false, &s);
  EXPECT_EQ(s.limit, record::LimitState::kOk);
}

TEST(GroupLimits, ReceiverRefusesPastVAndVSurvivesReboot) {
  record::UsageLimits l{1000, 900, 5, 4};
  Member a(1), b(2, FreshnessPolicy::kStrict, l);
  b.prove(a);
  for (int i = 0; i < 5; ++i) {
    Bytes f = a.seal(hex("00"));
    f.back() ^= 1;
    EXPECT_EQ(b.open(f), Error::kAuthFailed);
  }
  GroupOpened o;
  EXPECT_EQ(b.open(a.seal(hex("00")), o), Error::kLimitReached);
  EXPECT_EQ(o.limit, record::LimitState::kReached);
  b.reboot();  // storage holds v: no new budget
  EXPECT_EQ(b.open(a.seal(hex("00"))), Error::kLimitReached);
}

TEST(GroupReflection, OwnRecordsComingBackAreDropped) {
  Member a(1), b(2);
  b.prove(a);
  const Bytes mine = a.seal(hex("01"));
  EXPECT_EQ(a.open(mine), Error::kUnknownContext);
  // An Echo request reflected to its own sender is dropped the same way.
  Bytes msg(wire::kGroupEchoMessageLen);
  size_t len = 0;
  ASSERT_EQ(a.ctx.make_challenge(2, 0, 0, ByteSpan(msg.data(), msg.size()), len), Error::kOk);
  EXPECT_EQ(a.open(a.seal(msg, true)), Error::kUnknownContext);
}

TEST(GroupContextApi, RejectsBadArgumentsAndWipes) {
  FakeNvm nvm;
  GroupContext c;
  GroupOptions o;
  EXPECT_EQ(c.begin(secrets(1, nvm), o), Error::kInvalidArgument);  // no hooks
  o.persistence = nvm.persistence(4, 4);
  GroupSecrets s = secrets(1, nvm);
  s.master_secret = ConstByteSpan();
  EXPECT_EQ(c.begin(s, o), Error::kInvalidArgument);
  EXPECT_FALSE(c.ready());
  ASSERT_EQ(c.begin(secrets(1, nvm), o), Error::kOk);
  c.reset();
  EXPECT_FALSE(c.ready());
  Bytes out(64);
  GroupSealed sealed;
  EXPECT_EQ(c.seal(span(hex("00")), ByteSpan(out.data(), out.size()), sealed), Error::kInvalidState);
  static_assert(kSenderEntrySize <= 64, "per-sender entry grew");
}

}  // namespace
}  // namespace hush::group
