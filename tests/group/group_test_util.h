// SPDX-License-Identifier: Apache-2.0
// Shared helpers of the group and PSK-node tests.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <memory>
#include <set>
#include <utility>
#include <vector>

#include "group/group_codec.h"
#include "hush/group.h"
#include "hush/psk.h"
#include "record/oscore_kdf.h"
#include "record/record_test_util.h"

namespace hush::group::test {

using record::test::Bytes;
using record::test::FakeNvm;
using record::test::hex;
using record::test::span;

inline const Bytes kGroupSecret = hex("00112233445566778899aabbccddeeff");
inline const Bytes kGroupSalt = hex("9e7ca92223786340");
inline const Bytes kGroupId = hex("37cbf3210017a2d3");

inline GroupSecrets secrets(uint8_t id, const FakeNvm& nvm, uint32_t epoch = 0) {
  GroupSecrets s;
  s.master_secret = span(kGroupSecret);
  s.master_salt = span(kGroupSalt);
  s.group_id = span(kGroupId);
  s.epoch = epoch;
  s.sender_id = id;
  s.sender_sequence = nvm.stored;
  s.failed_decryptions = nvm.failures_stored;
  return s;
}

// A member with its own storage, which survives reboot().
struct Member {
  uint8_t id;
  FakeNvm nvm;
  GroupContext ctx;
  record::UsageLimits limits{};
  FreshnessPolicy policy = FreshnessPolicy::kStrict;
  uint32_t ahead = 4;

  explicit Member(uint8_t id_, FreshnessPolicy p = FreshnessPolicy::kStrict, record::UsageLimits l = {}, uint32_t k = 4)
      : id(id_), limits(l), policy(p), ahead(k) {
    reboot();
  }
  GroupOptions options() {
    GroupOptions o;
    o.limits = limits;
    o.persistence = nvm.persistence(ahead, 4);
    o.policy = policy;
    return o;
  }
  // RAM is lost; storage is not.
  void reboot(uint32_t epoch = 0) { EXPECT_EQ(ctx.begin(secrets(id, nvm, epoch), options()), Error::kOk); }

  Bytes seal(const Bytes& payload, bool control = false, GroupSealed* info = nullptr) {
    Bytes out(payload.size() + 32);
    GroupSealed s;
    EXPECT_EQ(ctx.seal(span(payload), ByteSpan(out.data(), out.size()), s, control), Error::kOk);
    out.resize(s.size);
    if (info != nullptr) *info = s;
    return out;
  }
  Error open(const Bytes& frame, GroupOpened& o, Bytes* payload = nullptr) {
    Bytes out(frame.size());
    const Error e = ctx.open(span(frame), ByteSpan(out.data(), out.size()), o);
    out.resize(o.size);
    if (payload != nullptr) *payload = out;
    return e;
  }
  Error open(const Bytes& frame) {
    GroupOpened o;
    return open(frame, o);
  }
  // The whole Echo exchange with `sender`: challenge, answer, proof.
  void prove(Member& sender) {
    Bytes msg(wire::kGroupEchoMessageLen);
    size_t len = 0;
    ASSERT_EQ(ctx.make_challenge(sender.id, 0, 0, ByteSpan(msg.data(), msg.size()), len), Error::kOk);
    const Bytes request = seal(msg, true);
    GroupOpened o;
    Bytes got;
    ASSERT_EQ(sender.open(request, o, &got), Error::kOk);
    ASSERT_TRUE(o.control);
    got[0] = static_cast<uint8_t>(wire::GroupControl::kEchoResponse);
    got[1] = id;
    const Bytes response = sender.seal(got, true);
    ASSERT_EQ(open(response, o), Error::kOk);
    ASSERT_TRUE(o.proved);
    ASSERT_EQ(ctx.freshness(sender.id), Freshness::kFresh);
  }
};

// Every (key, nonce) pair a group seals, recomputed from the wire: the
// sender id and sequence number in the header, the epoch's keys from the
// master secret, so the check does not trust the code under test.
struct NonceLog {
  std::set<std::pair<Bytes, Bytes>> seen;
  size_t reuses = 0;

  void add(const Bytes& frame, uint32_t epoch) {
    GroupHeader h;
    ASSERT_EQ(parse_header(span(frame), 8, h), Error::kOk);
    uint8_t prk[crypto::kHashLen];
    ASSERT_EQ(crypto::hkdf_extract(span(kGroupSalt), span(kGroupSecret), prk), Error::kOk);
    uint8_t key[record::kKeyLen];
    ASSERT_EQ(
        detail::sender_key(crypto::Aead::kAesCcm16_64_128, ConstByteSpan(prk), span(kGroupId), epoch, h.sender, key),
        Error::kOk);
    uint8_t idc[kMaxGroupIdLen + kEpochLen];
    const size_t idc_len = detail::id_context(span(kGroupId), epoch, idc);
    uint8_t iv[record::kNonceLen];
    ASSERT_EQ(record::detail::expand(crypto::Aead::kAesCcm16_64_128, ConstByteSpan(prk), ConstByteSpan(),
                                     record::IdContext{ConstByteSpan(idc, idc_len), true}, true, ByteSpan(iv)),
              Error::kOk);
    uint8_t nonce[record::kNonceLen];
    detail::sender_nonce(iv, h.sender, h.seq, nonce);
    if (!seen.emplace(Bytes(key, key + sizeof(key)), Bytes(nonce, nonce + sizeof(nonce))).second) ++reuses;
  }
};

}  // namespace hush::group::test
