// SPDX-License-Identifier: Apache-2.0
// Records (include/hush/record.h): wire layout and overhead, round trips,
// every drop reason, byte flips, replay, freshness after reboot, usage
// limits, the 40-bit limit and sequence persistence across reboots.

#include <gtest/gtest.h>

#include <cstdio>
#include <random>
#include <set>
#include <string>

#include "hush/record.h"
#include "hush/security_context.h"
#include "hush/wire.h"
#include "record/record_test_util.h"

namespace hush::record {
namespace {

using test::Bytes;
using test::FakeNvm;
using test::hex;
using test::open_one;
using test::Pair;
using test::seal_one;
using test::span;

// A PSK pair with a fake NVM each.
struct PskPair {
  FakeNvm nvm_a, nvm_b;
  SecurityContext a, b;
  Bytes id_a = hex("a1"), id_b = hex("b2");

  static Error derive(SecurityContext& ctx, FakeNvm& nvm, const Bytes& sid, const Bytes& rid, uint64_t seq, bool fresh,
                      uint32_t ahead = 16, UsageLimits limits = {}) {
    PskSecrets in;
    in.master_secret = span(test::kSecret);
    in.master_salt = span(test::kSalt);
    in.sender_id = span(sid);
    in.recipient_id = span(rid);
    in.sender_sequence = seq;
    in.replay_state_fresh = fresh;
    ContextOptions o;
    o.send_cid = true;
    o.limits = limits;
    o.persistence = nvm.persistence(ahead);
    return ctx.derive(in, o);
  }

  explicit PskPair(uint32_t ahead = 16, UsageLimits limits = {}) {
    EXPECT_EQ(derive(a, nvm_a, id_a, id_b, 0, true, ahead, limits), Error::kOk);
    EXPECT_EQ(derive(b, nvm_b, id_b, id_a, 0, true, ahead, limits), Error::kOk);
  }
};

TEST(Record, OverheadBudget) {
  Pair p;
  const Bytes payload = {0x42};
  Sealed s;
  const Bytes rec = seal_one(p.initiator, payload, &s);
  EXPECT_EQ(s.seq, 0u);
  const size_t overhead_bytes = rec.size() - payload.size();
  EXPECT_EQ(overhead_bytes, 11u) << "1 header + 1 CID + 1 PSN + 8 tag";
  EXPECT_LE(overhead_bytes, 11u);
  ::testing::Test::RecordProperty("record_overhead_bytes", static_cast<int>(overhead_bytes));
  std::printf("[ info ] record overhead (1-byte payload, 1-byte CID, seq 0, CCM_8): %zu bytes\n", overhead_bytes);

  EXPECT_EQ(overhead(true, 0, crypto::Aead::kAesCcm16_64_128), 11u);
  EXPECT_EQ(overhead(true, 255, crypto::Aead::kAesCcm16_64_128), 11u);
  EXPECT_EQ(overhead(true, 256, crypto::Aead::kAesCcm16_64_128), 12u);
  EXPECT_EQ(overhead(false, 0, crypto::Aead::kAesCcm16_64_128), 10u);
  EXPECT_EQ(overhead(true, kMaxSequence, crypto::Aead::kAesCcm16_64_128), 15u);
  EXPECT_EQ(overhead(true, 0, crypto::Aead::kAesCcm16_128_128), 19u);
}

TEST(Record, WireLayoutByteByByte) {
  Pair p;
  const Bytes payload = {1, 2, 3};
  Bytes rec;
  for (int i = 0; i < 300; ++i) rec = seal_one(p.initiator, payload);  // seq 0..299
  // seq 299 = 0x012b: header 1 0 0 | K=0 | C=1 | L-1=1  -> 0x89
  ASSERT_EQ(rec.size(), 1 + 1 + 2 + payload.size() + 8);
  EXPECT_EQ(rec[0], 0x89);
  EXPECT_EQ(rec[1], 0x18) << "CID = the initiator's Sender ID (C_R)";
  EXPECT_EQ(rec[2], 0x01);
  EXPECT_EQ(rec[3], 0x2b);
  RecordHeader h;
  ASSERT_EQ(parse_header(span(rec), h), Error::kOk);
  EXPECT_TRUE(h.has_cid);
  EXPECT_FALSE(h.key_phase);
  EXPECT_EQ(h.cid, 0x18);
  EXPECT_EQ(h.psn_len, 2);
  EXPECT_EQ(h.seq, 299u);
  EXPECT_EQ(h.size, 4u);

  // The AAD is exactly header || alg || S || sender id: recompute the record
  // with the crypto port directly and compare every byte.
  uint8_t nonce[kNonceLen];
  ASSERT_EQ(p.initiator.sender_nonce(299, nonce), Error::kOk);
  const Bytes aad = {0x89, 0x18, 0x01, 0x2b, 10, 1, 0x18};
  Bytes ct(payload.size() + 8);
  ASSERT_EQ(crypto::aead_seal(crypto::Aead::kAesCcm16_64_128, ContextProbe::sender_key(p.initiator),
                              ConstByteSpan(nonce), span(aad), span(payload), ByteSpan(ct.data(), ct.size())),
            Error::kOk);
  EXPECT_EQ(Bytes(rec.begin() + 4, rec.end()), ct);
}

TEST(Record, RoundTripBothDirectionsAndAlgorithms) {
  for (auto alg : {crypto::Aead::kAesCcm16_64_128, crypto::Aead::kAesCcm16_128_128}) {
    for (bool cid : {true, false}) {
      Pair p(alg, cid);
      for (size_t len : {size_t{0}, size_t{1}, size_t{15}, size_t{16}, size_t{17}, size_t{200}}) {
        Bytes msg(len);
        for (size_t i = 0; i < len; ++i) msg[i] = static_cast<uint8_t>(i * 7 + len);
        Bytes got;
        EXPECT_EQ(open_one(p.responder, seal_one(p.initiator, msg), &got), Error::kOk);
        EXPECT_EQ(got, msg);
        EXPECT_EQ(open_one(p.initiator, seal_one(p.responder, msg), &got), Error::kOk);
        EXPECT_EQ(got, msg);
      }
    }
  }
}

TEST(Record, MaxRecordSize) {
  Pair p;
  const size_t max_payload = wire::kRecordMaxLen - overhead(true, 0, crypto::Aead::kAesCcm16_64_128);
  Bytes big(max_payload, 0x5a);
  Bytes got;
  ASSERT_EQ(open_one(p.responder, seal_one(p.initiator, big), &got), Error::kOk);
  EXPECT_EQ(got, big);
  big.push_back(0);
  Bytes out(big.size() + 64);
  Sealed s;
  const uint64_t next = p.initiator.next_sequence();
  EXPECT_EQ(seal(p.initiator, span(big), ByteSpan(out.data(), out.size()), s), Error::kInvalidArgument);
  EXPECT_EQ(p.initiator.next_sequence(), next) << "a refused seal burns no sequence number";
  Bytes huge(wire::kRecordMaxLen + 1, 0x80);
  EXPECT_EQ(open_one(p.responder, huge), Error::kMalformed);
}

TEST(Record, SealBufferTooSmallTouchesNoState) {
  Pair p;
  const Bytes msg = {1, 2, 3, 4};
  Bytes out(msg.size() + 10);  // one short
  Sealed s;
  EXPECT_EQ(seal(p.initiator, span(msg), ByteSpan(out.data(), out.size()), s), Error::kBufferTooSmall);
  EXPECT_EQ(p.initiator.next_sequence(), 0u);
  EXPECT_EQ(p.initiator.encryptions(), 0u);
  Opened o;
  const Bytes rec = seal_one(p.initiator, msg);
  Bytes small(msg.size() - 1);
  EXPECT_EQ(open(p.responder, span(rec), ByteSpan(small.data(), small.size()), o), Error::kBufferTooSmall);
  Bytes got;
  EXPECT_EQ(open_one(p.responder, rec, &got), Error::kOk) << "kBufferTooSmall did not mark the record";
}

TEST(Record, OpenInPlace) {
  Pair p;
  const Bytes msg = {9, 8, 7, 6, 5};
  Bytes rec = seal_one(p.initiator, msg);
  ConstByteSpan payload;
  Opened o;
  ASSERT_EQ(open_in_place(p.responder, ByteSpan(rec.data(), rec.size()), payload, o), Error::kOk);
  EXPECT_EQ(Bytes(payload.begin(), payload.end()), msg);
  EXPECT_EQ(payload.data(), rec.data() + 3);
  Bytes junk = {0x01};
  EXPECT_EQ(open_in_place(p.responder, ByteSpan(junk.data(), junk.size()), payload, o), Error::kMalformed);
  EXPECT_TRUE(payload.empty());
}

// Drop reasons of parse_header / open, one row each.
// The record kind (data, confirmed, control) is in the header byte, which
// the AAD covers: it costs no byte, and changing it breaks the tag.
TEST(Record, KindsAreAuthenticatedHeaderBits) {
  Pair p;
  const Bytes msg = {1, 2, 3};
  const struct {
    RecordKind kind;
    uint8_t bits;
  } kinds[] = {{RecordKind::kData, 0x80}, {RecordKind::kConfirmed, 0xA0}, {RecordKind::kControl, 0xC0}};
  for (const auto& k : kinds) {
    Bytes out(64);
    Sealed sealed;
    ASSERT_EQ(seal(p.initiator, span(msg), ByteSpan(out.data(), out.size()), sealed, k.kind), Error::kOk);
    out.resize(sealed.size);
    EXPECT_EQ(out.size(), 3u + 11u);  // same overhead for every kind
    EXPECT_EQ(out[0] & 0xE0, k.bits);
    RecordHeader h;
    ASSERT_EQ(parse_header(span(out), h), Error::kOk);
    EXPECT_EQ(h.kind, k.kind);
    // Another kind with the same bytes fails authentication.
    for (const auto& other : kinds) {
      if (other.kind == k.kind) continue;
      Bytes forged = out;
      forged[0] = static_cast<uint8_t>((forged[0] & 0x1F) | other.bits);
      EXPECT_EQ(open_one(p.responder, forged), Error::kAuthFailed);
    }
    Bytes got;
    Opened opened;
    Bytes buf(out.size());
    ASSERT_EQ(open(p.responder, span(out), ByteSpan(buf.data(), buf.size()), opened), Error::kOk);
    EXPECT_EQ(opened.kind, k.kind);
  }
}

// A record already accepted can be authenticated again (to re-ack a resend
// whose ack was lost) without being accepted or its payload released; a
// forged one still fails and counts against v.
TEST(Record, AuthenticateSeenNeverAcceptsTwice) {
  Pair p;
  const Bytes msg = {7, 7, 7, 7};
  Bytes rec(64);
  Sealed sealed;
  ASSERT_EQ(seal(p.initiator, span(msg), ByteSpan(rec.data(), rec.size()), sealed, RecordKind::kConfirmed), Error::kOk);
  rec.resize(sealed.size);
  Bytes scratch(rec.size(), 0xEE);
  Opened opened;
  // Not yet seen: authenticate_seen refuses, open() is the way in.
  EXPECT_EQ(authenticate_seen(p.responder, span(rec), ByteSpan(scratch.data(), scratch.size()), opened),
            Error::kInvalidState);
  EXPECT_EQ(open_one(p.responder, rec), Error::kOk);
  EXPECT_EQ(open_one(p.responder, rec), Error::kReplay);
  EXPECT_EQ(authenticate_seen(p.responder, span(rec), ByteSpan(scratch.data(), scratch.size()), opened), Error::kOk);
  EXPECT_EQ(opened.seq, sealed.seq);
  for (size_t i = 0; i < msg.size(); ++i) EXPECT_EQ(scratch[i], 0u) << "payload released";
  EXPECT_EQ(open_one(p.responder, rec), Error::kReplay);  // still refused
  Bytes forged = rec;
  forged.back() ^= 1;
  const uint32_t v = p.responder.failed_decryptions();
  EXPECT_EQ(authenticate_seen(p.responder, span(forged), ByteSpan(scratch.data(), scratch.size()), opened),
            Error::kAuthFailed);
  EXPECT_EQ(p.responder.failed_decryptions(), v + 1);
}

TEST(Record, MalformedHeaders) {
  struct Row {
    const char* name;
    Bytes bytes;
  };
  const std::vector<Row> rows = {
      {"empty", {}},
      {"session-layer kind 0x00", {0x00, 0x00, 0, 0, 0, 0, 0, 0, 0, 0, 0}},
      {"session-layer kind 0x7f", {0x7f, 0x00, 0, 0, 0, 0, 0, 0, 0, 0, 0}},
      {"reserved kind 0xe0", {0xe0, 0x00, 0, 0, 0, 0, 0, 0, 0, 0, 0}},
      {"reserved kind 0xff", {0xff, 0x00, 0, 0, 0, 0, 0, 0, 0, 0, 0}},
      {"PSN length 6", {0x85, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0}},
      {"PSN length 8", {0x87, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0}},
      {"header only, no PSN", {0x80}},
      {"CID but nothing after", {0x88, 0x2d}},
      {"PSN cut short", {0x8c, 0x2d, 0x01}},
      {"non-minimal PSN 00 05", {0x81, 0x00, 0x05, 0, 0, 0, 0, 0, 0, 0, 0}},
      {"non-minimal PSN 00 00 00 00 00", {0x84, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}},
  };
  Pair p;
  for (const Row& r : rows) {
    SCOPED_TRACE(r.name);
    RecordHeader h;
    EXPECT_EQ(parse_header(span(r.bytes), h), Error::kMalformed);
    EXPECT_EQ(open_one(p.responder, r.bytes), Error::kMalformed);
  }
  // Header fine but shorter than the tag.
  const Bytes short_tag = {0x88, 0x18, 0x00, 1, 2, 3, 4, 5, 6, 7};
  RecordHeader h;
  EXPECT_EQ(parse_header(span(short_tag), h), Error::kOk);
  EXPECT_EQ(open_one(p.responder, short_tag), Error::kMalformed);
  EXPECT_EQ(p.responder.failed_decryptions(), 0u) << "malformed input never reaches the AEAD";
}

TEST(Record, UnknownContext) {
  Pair p;
  const Bytes msg = {1};
  Bytes rec = seal_one(p.initiator, msg);
  // Wrong CID.
  Bytes wrong = rec;
  wrong[1] ^= 0x01;
  EXPECT_EQ(open_one(p.responder, wrong), Error::kUnknownContext);
  // Reflection: the initiator's own record comes back to it.
  EXPECT_EQ(open_one(p.initiator, rec), Error::kUnknownContext);
  // Key phase mismatch.
  Bytes kp = rec;
  kp[0] |= wire::kRecordKeyPhase;
  EXPECT_EQ(open_one(p.responder, kp), Error::kUnknownContext);
  // A context that is not ready.
  SecurityContext dead;
  EXPECT_EQ(open_one(dead, rec), Error::kUnknownContext);
  Sealed s;
  Bytes out(64);
  EXPECT_EQ(seal(dead, span(msg), ByteSpan(out.data(), out.size()), s), Error::kInvalidState);
  EXPECT_EQ(p.responder.failed_decryptions(), 0u);
  Bytes got;
  EXPECT_EQ(open_one(p.responder, rec, &got), Error::kOk);
}

TEST(Record, ReflectionWithoutCidFailsAuthentication) {
  Pair p(crypto::Aead::kAesCcm16_64_128, false);
  const Bytes rec = seal_one(p.initiator, {1, 2, 3});
  EXPECT_EQ(open_one(p.initiator, rec), Error::kAuthFailed);
}

TEST(Record, KeyPhaseIsCarriedAndChecked) {
  const Bytes secret = hex("1e1c6beac3a8a1cac435de7e2f9ae7ff");
  const Bytes salt = hex("ce7ab844c0106d73");
  const Bytes c_i = hex("2d");
  const Bytes c_r = hex("18");
  EdhocSecrets s{crypto::Aead::kAesCcm16_64_128, span(secret), span(salt), span(c_i), span(c_r), Side::kInitiator};
  ContextOptions o;
  o.send_cid = true;
  o.key_phase = true;
  SecurityContext i, r, r0;
  ASSERT_EQ(i.derive(s, o), Error::kOk);
  s.side = Side::kResponder;
  ASSERT_EQ(r.derive(s, o), Error::kOk);
  o.key_phase = false;
  ASSERT_EQ(r0.derive(s, o), Error::kOk);
  const Bytes rec = seal_one(i, {5});
  EXPECT_EQ(rec[0] & wire::kRecordKeyPhase, wire::kRecordKeyPhase);
  RecordHeader h;
  ASSERT_EQ(parse_header(span(rec), h), Error::kOk);
  EXPECT_TRUE(h.key_phase);
  EXPECT_EQ(open_one(r0, rec), Error::kUnknownContext);
  EXPECT_EQ(open_one(r, rec), Error::kOk);
  Bytes cleared = rec;
  cleared[0] &= static_cast<uint8_t>(~wire::kRecordKeyPhase);
  EXPECT_EQ(open_one(r0, cleared), Error::kAuthFailed) << "K is in the AAD";
}

TEST(Record, EveryByteAndBitFlipFailsCleanly) {
  for (bool cid : {true, false}) {
    Pair p(crypto::Aead::kAesCcm16_64_128, cid);
    // Bring the sequence number to 2 bytes so every header field is present.
    for (int i = 0; i < 300; ++i) ASSERT_EQ(open_one(p.responder, seal_one(p.initiator, {0})), Error::kOk);
    const Bytes msg = {'h', 'e', 'l', 'l', 'o'};
    for (int round = 0; round < 2; ++round) {
      const Bytes rec = seal_one(p.initiator, msg);
      for (size_t pos = 0; pos < rec.size(); ++pos) {
        for (uint8_t mask : {uint8_t{0x01}, uint8_t{0x80}, uint8_t{0xff}, uint8_t{0x10}}) {
          Bytes bad = rec;
          bad[pos] = static_cast<uint8_t>(bad[pos] ^ mask);
          Bytes got = {0xee};
          const Error e = open_one(p.responder, bad, &got);
          SCOPED_TRACE("cid " + std::to_string(cid) + " byte " + std::to_string(pos) + " mask " + std::to_string(mask));
          EXPECT_NE(e, Error::kOk);
          EXPECT_TRUE(e == Error::kAuthFailed || e == Error::kMalformed || e == Error::kUnknownContext ||
                      e == Error::kTooOld || e == Error::kReplay)
              << error_name(e);
          EXPECT_TRUE(got.empty()) << "no plaintext on a drop";
        }
      }
      // The genuine record still opens, exactly once.
      Bytes got;
      EXPECT_EQ(open_one(p.responder, rec, &got), Error::kOk);
      EXPECT_EQ(got, msg);
      EXPECT_EQ(open_one(p.responder, rec), Error::kReplay);
    }
    // Truncations and extensions.
    const Bytes rec = seal_one(p.initiator, msg);
    for (size_t n = 0; n < rec.size(); ++n) {
      EXPECT_NE(open_one(p.responder, Bytes(rec.begin(), rec.begin() + static_cast<std::ptrdiff_t>(n))), Error::kOk);
    }
    Bytes longer = rec;
    longer.push_back(0);
    EXPECT_EQ(open_one(p.responder, longer), Error::kAuthFailed);
    EXPECT_EQ(open_one(p.responder, rec), Error::kOk);
    EXPECT_GT(p.responder.failed_decryptions(), 0u);
    EXPECT_LT(p.responder.failed_decryptions(), p.responder.limits().max_failed_decryptions);
  }
}

TEST(Record, ReplayAndReorder) {
  Pair p;
  const size_t w = kReplayWindowBits;
  std::vector<Bytes> recs;
  for (size_t i = 0; i < w + 8; ++i) recs.push_back(seal_one(p.initiator, {static_cast<uint8_t>(i)}));
  // Deliver the newest first, then the window's worth below it in reverse.
  Bytes got;
  Opened o;
  ASSERT_EQ(open_one(p.responder, recs[w + 7], &got, nullptr, &o), Error::kOk);
  EXPECT_EQ(o.seq, w + 7);
  for (size_t i = w + 6; i >= 8; --i) EXPECT_EQ(open_one(p.responder, recs[i]), Error::kOk) << i;
  EXPECT_EQ(open_one(p.responder, recs[7]), Error::kTooOld);
  EXPECT_EQ(open_one(p.responder, recs[0]), Error::kTooOld);
  for (size_t i = 8; i < w + 8; ++i) EXPECT_EQ(open_one(p.responder, recs[i]), Error::kReplay) << i;
  EXPECT_EQ(p.responder.failed_decryptions(), 0u) << "replays are refused before decryption and not counted";
}

bool echo_proof(void* user, uint64_t, ConstByteSpan payload) noexcept {
  const Bytes* challenge = static_cast<const Bytes*>(user);
  return Bytes(payload.begin(), payload.end()) == *challenge;
}

TEST(Record, FreshnessAfterReceiverReboot) {
  PskPair p;
  std::vector<Bytes> old;
  for (uint8_t i = 0; i < 5; ++i) {
    old.push_back(seal_one(p.a, {i}));
    ASSERT_EQ(open_one(p.b, old.back()), Error::kOk);
  }
  // b reboots: keys come back from the PSK, the replay window does not.
  p.b.reset();
  ASSERT_EQ(PskPair::derive(p.b, p.nvm_b, p.id_b, p.id_a, p.nvm_b.stored, false), Error::kOk);
  ASSERT_EQ(p.b.replay_window().state(), WindowState::kUnknown);

  Bytes got = {0xee};
  for (const Bytes& r : old) {
    EXPECT_EQ(open_one(p.b, r, &got), Error::kFreshnessUnknown) << "an old record is authentic but not fresh";
    EXPECT_TRUE(got.empty()) << "unproven plaintext is not released";
  }
  const Bytes challenge = {'e', 'c', 'h', 'o', 7};
  FreshnessProof proof{&echo_proof, const_cast<Bytes*>(&challenge)};
  EXPECT_EQ(open_one(p.b, old[4], &got, &proof), Error::kFreshnessUnknown) << "a replay cannot carry the echo";
  const Bytes normal = seal_one(p.a, {42});
  EXPECT_EQ(open_one(p.b, normal, &got, &proof), Error::kFreshnessUnknown);

  // A forged record in the unknown state fails authentication and counts.
  Bytes forged = seal_one(p.a, challenge);
  forged.back() ^= 1;
  EXPECT_EQ(open_one(p.b, forged, &got, &proof), Error::kAuthFailed);
  EXPECT_EQ(p.b.failed_decryptions(), 1u);

  const Bytes answer = seal_one(p.a, challenge);
  Opened o;
  ASSERT_EQ(open_one(p.b, answer, &got, &proof, &o), Error::kOk);
  EXPECT_EQ(got, challenge);
  EXPECT_EQ(p.b.replay_window().state(), WindowState::kActive);
  EXPECT_EQ(p.b.replay_window().highest(), o.seq);
  // From now on: nothing from before the proof, the proof itself once, new records yes.
  EXPECT_EQ(open_one(p.b, answer), Error::kReplay);
  EXPECT_EQ(open_one(p.b, normal), Error::kReplay);
  for (const Bytes& r : old) EXPECT_NE(open_one(p.b, r), Error::kOk);
  EXPECT_EQ(open_one(p.b, seal_one(p.a, {43}), &got), Error::kOk);
  EXPECT_EQ(got, Bytes{43});
}

TEST(Record, SenderRebootNeverReusesANonce) {
  // The sender reboots at many points; each time it re-derives from the PSK
  // and the value its reserve hook stored. No sequence number (hence no
  // nonce under this key) may repeat, and the receiver accepts every record.
  for (uint32_t ahead : {1u, 3u, 16u}) {
    PskPair p(ahead);
    std::set<uint64_t> used;
    std::set<std::string> nonces;
    std::mt19937 rng(ahead);
    unsigned total = 0;
    for (int boot = 0; boot < 30; ++boot) {
      const int n = static_cast<int>(rng() % 40);
      for (int i = 0; i < n; ++i) {
        Sealed s;
        const Bytes rec = seal_one(p.a, {static_cast<uint8_t>(i)}, &s);
        EXPECT_TRUE(used.insert(s.seq).second) << "sequence number reused: " << s.seq;
        uint8_t nonce[kNonceLen];
        ASSERT_EQ(p.a.sender_nonce(s.seq, nonce), Error::kOk);
        EXPECT_TRUE(nonces.insert(test::to_hex(ConstByteSpan(nonce))).second);
        EXPECT_LT(s.seq, p.nvm_a.stored) << "every used number lies below the stored reservation";
        Opened o;
        const Error e = open_one(p.b, rec, nullptr, nullptr, &o);
        EXPECT_TRUE(e == Error::kOk || e == Error::kTooOld) << error_name(e);
        ++total;
      }
      // Power loss: RAM is gone, only nvm_a.stored survives.
      p.a.reset();
      ASSERT_EQ(PskPair::derive(p.a, p.nvm_a, p.id_a, p.id_b, p.nvm_a.stored, true, ahead), Error::kOk);
    }
    EXPECT_EQ(used.size(), total);
    // Storage is written about once per K records, plus once per boot.
    EXPECT_LE(p.nvm_a.writes, total / ahead + 31);
  }
}

TEST(Record, ReserveHookFailureRefusesToSeal) {
  PskPair p(4);
  for (int i = 0; i < 4; ++i) seal_one(p.a, {1});
  EXPECT_EQ(p.nvm_a.stored, 4u);
  p.nvm_a.fail = true;
  Bytes out(64);
  Sealed s;
  const Bytes msg = {1};
  EXPECT_EQ(seal(p.a, span(msg), ByteSpan(out.data(), out.size()), s), Error::kLimitReached);
  EXPECT_EQ(p.a.next_sequence(), 4u) << "nothing sealed beyond the reservation";
  p.nvm_a.fail = false;
  ASSERT_EQ(seal(p.a, span(msg), ByteSpan(out.data(), out.size()), s), Error::kOk);
  EXPECT_EQ(s.seq, 4u);
  EXPECT_EQ(p.nvm_a.stored, 8u);
}

TEST(Record, RestoreSequenceOnlyMovesForward) {
  FakeNvm nvm;
  Pair p;
  const Bytes msg = {1};
  for (int i = 0; i < 10; ++i) seal_one(p.initiator, msg);
  EXPECT_EQ(p.initiator.restore_sequence(3), Error::kOk);
  EXPECT_EQ(p.initiator.next_sequence(), 10u);
  EXPECT_EQ(p.initiator.restore_sequence(1000), Error::kOk);
  EXPECT_EQ(p.initiator.next_sequence(), 1000u);
  EXPECT_EQ(p.initiator.restore_sequence(kMaxSequence + 2), Error::kInvalidArgument);
  Sealed s;
  seal_one(p.initiator, msg, &s);
  EXPECT_EQ(s.seq, 1000u);
}

TEST(Record, FortyBitSequenceLimit) {
  // q is the sequence number and limit_q < 2^32, so a sender stops at q long
  // before the 40-bit space (RFC 8613 §7.2.1) could run out; a context
  // restored anywhere at or above limit_q, up to 2^40, refuses to seal.
  const Bytes ia = hex("a1"), ib = hex("b2");
  Bytes out(64);
  const Bytes msg = {3};
  for (uint64_t seq : {uint64_t{1} << 20, uint64_t{UINT32_MAX}, kMaxSequence - 1, kMaxSequence, kMaxSequence + 1}) {
    SCOPED_TRACE(seq);
    SecurityContext a;
    FakeNvm nvm;
    ASSERT_EQ(PskPair::derive(a, nvm, ia, ib, seq, true), Error::kOk);
    EXPECT_EQ(a.sender_limit(), LimitState::kReached);
    Sealed s;
    EXPECT_EQ(seal(a, span(msg), ByteSpan(out.data(), out.size()), s), Error::kLimitReached);
    EXPECT_EQ(s.limit, LimitState::kReached);
    EXPECT_EQ(nvm.writes, 0u);
    EXPECT_EQ(a.next_sequence(), seq) << "a refusal burns no sequence number";
  }
  // The largest limit_q a context accepts still ends below 2^32.
  UsageLimits l;
  l.max_encryptions = UINT32_MAX;
  l.near_encryptions = UINT32_MAX;
  SecurityContext a;
  FakeNvm nvm;
  ASSERT_EQ(PskPair::derive(a, nvm, ia, ib, UINT32_MAX - 1, true, 16, l), Error::kOk);
  Sealed s;
  ASSERT_EQ(seal(a, span(msg), ByteSpan(out.data(), out.size()), s), Error::kOk);
  EXPECT_EQ(s.seq, uint64_t{UINT32_MAX} - 1);
  EXPECT_EQ(s.limit, LimitState::kReached);
  EXPECT_EQ(seal(a, span(msg), ByteSpan(out.data(), out.size()), s), Error::kLimitReached);

  // A peer may still send 5-byte PSNs; the largest is 0xffffffffff.
  const Bytes top = {0x8c, 0xb2, 0xff, 0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0, 0, 0, 0, 0};
  RecordHeader h;
  ASSERT_EQ(parse_header(span(top), h), Error::kOk);
  EXPECT_EQ(h.seq, kMaxSequence);
}

TEST(Record, EncryptionLimitQ) {
  UsageLimits l;
  l.max_encryptions = 6;
  l.near_encryptions = 4;
  Pair p(crypto::Aead::kAesCcm16_64_128, true, l);
  const std::vector<LimitState> want = {LimitState::kOk,   LimitState::kOk,   LimitState::kOk,
                                        LimitState::kNear, LimitState::kNear, LimitState::kReached};
  for (size_t i = 0; i < want.size(); ++i) {
    Sealed s;
    const Bytes rec = seal_one(p.initiator, {static_cast<uint8_t>(i)}, &s);
    EXPECT_EQ(s.limit, want[i]) << i;
    EXPECT_EQ(open_one(p.responder, rec), Error::kOk);
  }
  EXPECT_EQ(p.initiator.encryptions(), 6u);
  Bytes out(64);
  Sealed s;
  const Bytes msg = {1};
  EXPECT_EQ(seal(p.initiator, span(msg), ByteSpan(out.data(), out.size()), s), Error::kLimitReached);
  EXPECT_EQ(s.limit, LimitState::kReached);
  EXPECT_EQ(p.initiator.encryptions(), 6u);
  // The other direction has its own key and counter.
  EXPECT_EQ(open_one(p.initiator, seal_one(p.responder, msg)), Error::kOk);
}

TEST(Record, FailedDecryptionLimitV) {
  UsageLimits l;
  l.max_failed_decryptions = 5;
  l.near_failed_decryptions = 3;
  Pair p(crypto::Aead::kAesCcm16_64_128, true, l);
  const Bytes msg = {7};
  std::vector<LimitState> seen;
  for (int i = 0; i < 5; ++i) {
    Bytes forged = seal_one(p.initiator, msg);
    forged.back() ^= 0x5a;
    Opened o;
    EXPECT_EQ(open_one(p.responder, forged, nullptr, nullptr, &o), Error::kAuthFailed);
    seen.push_back(o.limit);
  }
  EXPECT_EQ(seen, (std::vector<LimitState>{LimitState::kOk, LimitState::kOk, LimitState::kNear, LimitState::kNear,
                                           LimitState::kReached}));
  EXPECT_EQ(p.responder.failed_decryptions(), 5u);
  EXPECT_EQ(p.responder.recipient_limit(), LimitState::kReached);
  // Now even a genuine record is refused without decryption.
  const Bytes genuine = seal_one(p.initiator, msg);
  Opened o;
  EXPECT_EQ(open_one(p.responder, genuine, nullptr, nullptr, &o), Error::kLimitReached);
  EXPECT_EQ(o.limit, LimitState::kReached);
  EXPECT_EQ(p.responder.failed_decryptions(), 5u);
  // Sending from the same context is unaffected (q and v are per key).
  EXPECT_EQ(open_one(p.initiator, seal_one(p.responder, msg)), Error::kOk);
}

TEST(Record, RecordsBindTheirContext) {
  // Same master secret and ids, other ID Context: the record must not open.
  FakeNvm n1, n2;
  SecurityContext a, b;
  const Bytes ia = hex("a1"), ib = hex("b2"), g1 = hex("01020304"), g2 = hex("01020305");
  auto derive = [&](SecurityContext& c, FakeNvm& nvm, const Bytes& s, const Bytes& r, const Bytes& g) {
    PskSecrets in;
    in.master_secret = span(test::kSecret);
    in.sender_id = span(s);
    in.recipient_id = span(r);
    in.id_context = IdContext{span(g), true};
    in.replay_state_fresh = true;
    ContextOptions o;
    o.send_cid = true;
    o.persistence = nvm.persistence(8);
    return c.derive(in, o);
  };
  ASSERT_EQ(derive(a, n1, ia, ib, g1), Error::kOk);
  ASSERT_EQ(derive(b, n2, ib, ia, g2), Error::kOk);
  EXPECT_EQ(open_one(b, seal_one(a, {1, 2})), Error::kAuthFailed);
  ASSERT_EQ(derive(b, n2, ib, ia, g1), Error::kOk);
  EXPECT_EQ(open_one(b, seal_one(a, {1, 2})), Error::kOk);
}

TEST(Record, DropsNeverMoveTheWindow) {
  Pair p;
  const Bytes r0 = seal_one(p.initiator, {0});
  const Bytes r1 = seal_one(p.initiator, {1});
  Bytes forged_high = seal_one(p.initiator, {2});  // seq 2
  forged_high.back() ^= 1;
  EXPECT_EQ(open_one(p.responder, forged_high), Error::kAuthFailed);
  EXPECT_EQ(p.responder.replay_window().state(), WindowState::kEmpty);
  EXPECT_EQ(open_one(p.responder, r1), Error::kOk);
  EXPECT_EQ(open_one(p.responder, r0), Error::kOk);
}

}  // namespace
}  // namespace hush::record
