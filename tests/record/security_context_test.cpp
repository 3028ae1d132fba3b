// SPDX-License-Identifier: Apache-2.0
// Security context (include/hush/security_context.h): RFC 8613 Appendix C
// key derivation, nonces and AEAD outputs; RFC 9529 OSCORE parameters fed
// into contexts; argument checks, sequence numbers, persistence, usage
// limits and wiping.
//
// Vectors: tests/vectors/rfc8613/appendix_c.json (RFC 8613 App. C),
// tests/vectors/rfc9529-oscore/oscore_parameters.json (RFC 9529 §2.6 and §3.8)
// and tests/vectors/computed/suite3_trace2_keys.json (computed, suite 3).

#include <gtest/gtest.h>

#include <cstring>
#include <new>
#include <nlohmann/json.hpp>
#include <set>
#include <string>

#include "hush/crypto.h"
#include "hush/security_context.h"
#include "record/record_test_util.h"

namespace hush::record {
namespace {

using nlohmann::json;
using test::Bytes;
using test::FakeNvm;
using test::hex;
using test::span;
using test::to_hex;

json load(const std::string& rel) {
  return json::parse(test::read_vector_file(rel));
}

// Derives the context of one RFC 8613 App. C key-derivation entry.
Error derive_c(const json& v, SecurityContext& ctx, FakeNvm& nvm) {
  const Bytes secret = hex(v["master_secret"]);
  const Bytes salt = hex(v["master_salt"]);
  const Bytes sid = hex(v["sender_id"]);
  const Bytes rid = hex(v["recipient_id"]);
  const Bytes idc = v["id_context"].is_null() ? Bytes{} : hex(v["id_context"]);
  PskSecrets in;
  in.master_secret = span(secret);
  in.master_salt = span(salt);
  in.sender_id = span(sid);
  in.recipient_id = span(rid);
  in.id_context = IdContext{span(idc), !v["id_context"].is_null()};
  ContextOptions o;
  o.persistence = nvm.persistence(100);
  return ctx.derive(in, o);
}

std::string nonce_hex(const SecurityContext& ctx, bool sender, uint64_t seq) {
  uint8_t n[kNonceLen];
  EXPECT_EQ(sender ? ctx.sender_nonce(seq, n) : ctx.recipient_nonce(seq, n), Error::kOk);
  return to_hex(ConstByteSpan(n));
}

std::string common_iv_from(const SecurityContext& ctx) {
  uint8_t iv[kNonceLen] = {};
  EXPECT_TRUE(ContextProbe::common_iv(ctx, iv));
  return to_hex(ConstByteSpan(iv));
}

TEST(SecurityContext, Rfc8613InfoArrays) {
  const json doc = load("rfc8613/appendix_c.json");
  for (const json& v : doc["key_derivation"]) {
    SCOPED_TRACE(v["name"].get<std::string>());
    const Bytes sid = hex(v["sender_id"]);
    const Bytes rid = hex(v["recipient_id"]);
    const Bytes idc = v["id_context"].is_null() ? Bytes{} : hex(v["id_context"]);
    const IdContext ic{span(idc), !v["id_context"].is_null()};
    uint8_t buf[kMaxInfoLen];
    size_t len = 0;
    ASSERT_EQ(encode_info(crypto::Aead::kAesCcm16_64_128, span(sid), ic, false, ByteSpan(buf), len), Error::kOk);
    EXPECT_EQ(to_hex(ConstByteSpan(buf, len)), v["info_sender_key"]);
    ASSERT_EQ(encode_info(crypto::Aead::kAesCcm16_64_128, span(rid), ic, false, ByteSpan(buf), len), Error::kOk);
    EXPECT_EQ(to_hex(ConstByteSpan(buf, len)), v["info_recipient_key"]);
    ASSERT_EQ(encode_info(crypto::Aead::kAesCcm16_64_128, ConstByteSpan(), ic, true, ByteSpan(buf), len), Error::kOk);
    EXPECT_EQ(to_hex(ConstByteSpan(buf, len)), v["info_common_iv"]);
  }
}

TEST(SecurityContext, InfoArrayForAlg30AndLargestInputs) {
  // [h'', nil, 30, "IV", 13]: alg 30 needs the two-byte CBOR head 18 1e.
  uint8_t buf[kMaxInfoLen];
  size_t len = 0;
  ASSERT_EQ(encode_info(crypto::Aead::kAesCcm16_128_128, ConstByteSpan(), IdContext{}, true, ByteSpan(buf), len),
            Error::kOk);
  EXPECT_EQ(to_hex(ConstByteSpan(buf, len)), "8540f6181e6249560d");
  // The largest id and ID Context fill kMaxInfoLen exactly.
  const Bytes id(kMaxIdLen, 0x11);
  const Bytes idc(kMaxIdContextLen, 0x22);
  ASSERT_EQ(
      encode_info(crypto::Aead::kAesCcm16_128_128, span(id), IdContext{span(idc), true}, false, ByteSpan(buf), len),
      Error::kOk);
  EXPECT_EQ(len, kMaxInfoLen);
  EXPECT_EQ(to_hex(ConstByteSpan(buf, 10)), "85471111111111111158");
  EXPECT_EQ(encode_info(crypto::Aead::kAesCcm16_128_128, span(id), IdContext{span(idc), true}, false,
                        ByteSpan(buf, kMaxInfoLen - 1), len),
            Error::kBufferTooSmall);
  const Bytes long_id(kMaxIdLen + 1, 0x11);
  EXPECT_EQ(encode_info(crypto::Aead::kAesCcm16_64_128, span(long_id), IdContext{}, false, ByteSpan(buf), len),
            Error::kInvalidArgument);
}

TEST(SecurityContext, Rfc8613KeyDerivationC1ToC3) {
  const json doc = load("rfc8613/appendix_c.json");
  ASSERT_EQ(doc["key_derivation"].size(), 6u);
  for (const json& v : doc["key_derivation"]) {
    SCOPED_TRACE(v["name"].get<std::string>());
    SecurityContext ctx;
    FakeNvm nvm;
    ASSERT_EQ(derive_c(v, ctx, nvm), Error::kOk);
    EXPECT_EQ(to_hex(ContextProbe::sender_key(ctx)), v["sender_key"]);
    EXPECT_EQ(to_hex(ContextProbe::recipient_key(ctx)), v["recipient_key"]);
    EXPECT_EQ(common_iv_from(ctx), v["common_iv"]);
    EXPECT_EQ(nonce_hex(ctx, true, 0), v["sender_nonce_piv0"]);
    EXPECT_EQ(nonce_hex(ctx, false, 0), v["recipient_nonce_piv0"]);
  }
}

TEST(SecurityContext, Rfc8613MessagesC4ToC8) {
  const json doc = load("rfc8613/appendix_c.json");
  ASSERT_EQ(doc["messages"].size(), 5u);
  for (const json& m : doc["messages"]) {
    SCOPED_TRACE(m["name"].get<std::string>());
    const json* kd = nullptr;
    for (const json& v : doc["key_derivation"]) {
      if (v["name"] == m["context"]) kd = &v;
    }
    ASSERT_NE(kd, nullptr);
    SecurityContext ctx;
    FakeNvm nvm;
    ASSERT_EQ(derive_c(*kd, ctx, nvm), Error::kOk);
    const bool sender = m["nonce_from"] == "sender";
    const uint64_t piv = m["piv"];
    EXPECT_EQ(nonce_hex(ctx, sender, piv), m["nonce"]);

    // The request (or response) ciphertext with the context's key and nonce.
    // C.7 is the server's response reusing the client's request nonce.
    uint8_t nonce[kNonceLen];
    ASSERT_EQ(sender ? ctx.sender_nonce(piv, nonce) : ctx.recipient_nonce(piv, nonce), Error::kOk);
    const Bytes aad = hex(m["aad"]);
    const Bytes pt = hex(m["plaintext"]);
    Bytes ct(pt.size() + 8);
    ASSERT_EQ(crypto::aead_seal(crypto::Aead::kAesCcm16_64_128, ContextProbe::sender_key(ctx), ConstByteSpan(nonce),
                                span(aad), span(pt), ByteSpan(ct.data(), ct.size())),
              Error::kOk);
    EXPECT_EQ(to_hex(span(ct)), m["ciphertext"]);
  }
}

TEST(SecurityContext, Rfc9529OscoreParametersFeedContexts) {
  const json doc = load("rfc9529-oscore/oscore_parameters.json");
  ASSERT_EQ(doc["traces"].size(), 2u);
  for (const json& t : doc["traces"]) {
    SCOPED_TRACE(t["name"].get<std::string>());
    ASSERT_EQ(t["aead_alg"], 10);
    const Bytes secret = hex(t["master_secret"]);
    const Bytes salt = hex(t["master_salt"]);
    const Bytes c_i = hex(t["c_i_oscore"]);
    const Bytes c_r = hex(t["c_r_oscore"]);
    EdhocSecrets in{aead_for_suite(0), span(secret), span(salt), span(c_i), span(c_r), Side::kInitiator};
    SecurityContext client;
    SecurityContext server;
    ASSERT_EQ(client.derive(in), Error::kOk);
    in.side = Side::kResponder;
    ASSERT_EQ(server.derive(in), Error::kOk);

    // RFC 9529: "C_R is mapped to the Recipient ID of the server, i.e., the Sender ID of the client."
    EXPECT_EQ(to_hex(client.sender_id()), t["client_sender_id"]);
    EXPECT_EQ(to_hex(client.recipient_id()), t["server_sender_id"]);
    EXPECT_EQ(to_hex(server.sender_id()), t["server_sender_id"]);
    EXPECT_EQ(to_hex(server.recipient_id()), t["client_sender_id"]);

    const json& d = t["derived"];
    EXPECT_EQ(to_hex(ContextProbe::sender_key(client)), d["client_sender_key"]);
    EXPECT_EQ(to_hex(ContextProbe::recipient_key(client)), d["server_sender_key"]);
    EXPECT_EQ(to_hex(ContextProbe::sender_key(server)), d["server_sender_key"]);
    EXPECT_EQ(to_hex(ContextProbe::recipient_key(server)), d["client_sender_key"]);
    EXPECT_EQ(common_iv_from(client), d["common_iv"]);
    EXPECT_EQ(common_iv_from(server), d["common_iv"]);
    for (uint64_t seq : {uint64_t{0}, uint64_t{1}, uint64_t{255}, kMaxSequence}) {
      EXPECT_EQ(nonce_hex(client, true, seq), nonce_hex(server, false, seq));
      EXPECT_EQ(nonce_hex(server, true, seq), nonce_hex(client, false, seq));
      EXPECT_NE(nonce_hex(client, true, seq), nonce_hex(server, true, seq));
    }
    EXPECT_EQ(client.replay_window().state(), WindowState::kEmpty) << "EDHOC keys are new";
  }
}

TEST(SecurityContext, SuiteToAead) {
  // RFC 9528 §10.2: the application AEAD of suites 0 to 3 is AES-CCM-16-64-128.
  for (uint8_t suite = 0; suite < 4; ++suite) EXPECT_EQ(aead_for_suite(suite), crypto::Aead::kAesCcm16_64_128);
  EXPECT_EQ(cose_alg(crypto::Aead::kAesCcm16_64_128), 10);
  EXPECT_EQ(cose_alg(crypto::Aead::kAesCcm16_128_128), 30);
}

// Issue 11, finding 3: suites 1 and 3 derived their OSCORE context with their
// EDHOC AEAD (alg 30), so a conformant peer's keys differed. The vector is
// computed without hush (tests/vectors/computed/README.md).
TEST(SecurityContextRegression, OddSuitesUseCcm8) {
  EXPECT_EQ(aead_for_suite(1), crypto::Aead::kAesCcm16_64_128);
  EXPECT_EQ(aead_for_suite(3), crypto::Aead::kAesCcm16_64_128);
  const json doc = load("computed/suite3_trace2_keys.json");
  ASSERT_EQ(doc["input"]["suites_i"], json::array({3}));
  const json& v = doc["computed"];
  const Bytes secret = hex(v["oscore_master_secret"]);
  const Bytes salt = hex(v["oscore_master_salt"]);
  const Bytes c_i = hex(doc["input"]["c_i"]);
  const Bytes c_r = hex(doc["input"]["c_r"]);
  SecurityContext ctx;
  ASSERT_EQ(
      ctx.derive(EdhocSecrets{aead_for_suite(3), span(secret), span(salt), span(c_i), span(c_r), Side::kInitiator}),
      Error::kOk);
  EXPECT_EQ(to_hex(ContextProbe::sender_key(ctx)), v["oscore_initiator_sender_key"]);
  EXPECT_EQ(to_hex(ContextProbe::recipient_key(ctx)), v["oscore_initiator_recipient_key"]);
  EXPECT_EQ(common_iv_from(ctx), v["oscore_common_iv"]);
  EXPECT_EQ(ctx.tag_len(), 8u);
  EXPECT_EQ(ctx.limits().max_failed_decryptions, 1u << 14) << "the CCM_8 forgery limit applies";
}

TEST(SecurityContext, Ccm16ByteTagDerivesDifferentKeys) {
  // alg_aead is part of `info`: the same secret gives other keys for alg 30.
  test::Pair a(crypto::Aead::kAesCcm16_64_128);
  test::Pair b(crypto::Aead::kAesCcm16_128_128);
  EXPECT_NE(to_hex(ContextProbe::sender_key(a.initiator)), to_hex(ContextProbe::sender_key(b.initiator)));
  EXPECT_EQ(b.initiator.tag_len(), 16u);
  EXPECT_EQ(b.initiator.limits().max_failed_decryptions, 1u << 20);
}

TEST(SecurityContext, RejectsBadArguments) {
  const Bytes secret = test::kSecret;
  const Bytes a = hex("01");
  const Bytes b = hex("02");
  const Bytes long_id = hex("0102030405060708");
  const Bytes empty;
  const Bytes idc(kMaxIdContextLen + 1, 0x42);
  FakeNvm nvm;
  auto psk = [&](ConstByteSpan sid, ConstByteSpan rid) {
    PskSecrets in;
    in.master_secret = span(secret);
    in.sender_id = sid;
    in.recipient_id = rid;
    return in;
  };
  ContextOptions o;
  o.persistence = nvm.persistence(10);
  SecurityContext ctx;

  EXPECT_EQ(ctx.derive(psk(span(a), span(b)), o), Error::kOk);
  EXPECT_TRUE(ctx.ready());
  EXPECT_EQ(ctx.derive(psk(span(a), span(a)), o), Error::kInvalidArgument) << "equal ids reflect";
  EXPECT_FALSE(ctx.ready()) << "a failed derive leaves the context reset";
  EXPECT_EQ(ctx.derive(psk(span(empty), span(empty)), o), Error::kInvalidArgument);
  EXPECT_EQ(ctx.derive(psk(span(long_id), span(b)), o), Error::kInvalidArgument) << "id > 7 bytes";
  EXPECT_EQ(ctx.derive(psk(span(a), span(long_id)), o), Error::kInvalidArgument);
  PskSecrets in = psk(span(a), span(b));
  in.id_context = IdContext{span(idc), true};
  EXPECT_EQ(ctx.derive(in, o), Error::kInvalidArgument) << "id context over kMaxIdContextLen";
  in = psk(span(a), span(b));
  in.master_secret = ConstByteSpan();
  EXPECT_EQ(ctx.derive(in, o), Error::kInvalidArgument);
  in = psk(span(a), span(b));
  in.alg = static_cast<crypto::Aead>(7);
  EXPECT_EQ(ctx.derive(in, o), Error::kInvalidArgument);
  in = psk(span(a), span(b));
  in.sender_sequence = kMaxSequence + 2;
  EXPECT_EQ(ctx.derive(in, o), Error::kInvalidArgument);

  ContextOptions no_hook;
  EXPECT_EQ(ctx.derive(psk(span(a), span(b)), no_hook), Error::kInvalidArgument) << "PSK needs persistence";
  ContextOptions zero_k = o;
  zero_k.persistence.ahead = 0;
  EXPECT_EQ(ctx.derive(psk(span(a), span(b)), zero_k), Error::kInvalidArgument);
  ContextOptions no_failure_hook = o;
  no_failure_hook.persistence.reserve_failures = nullptr;
  EXPECT_EQ(ctx.derive(psk(span(a), span(b)), no_failure_hook), Error::kInvalidArgument) << "PSK needs v in storage";
  ContextOptions zero_kv = o;
  zero_kv.persistence.failures_ahead = 0;
  EXPECT_EQ(ctx.derive(psk(span(a), span(b)), zero_kv), Error::kInvalidArgument);
  ContextOptions cid = o;
  cid.send_cid = true;
  EXPECT_EQ(ctx.derive(psk(span(empty), span(b)), cid), Error::kInvalidArgument) << "CID needs 1-byte ids";
  EXPECT_EQ(ctx.derive(psk(span(a), span(b)), cid), Error::kOk);
  ContextOptions bad_limits = o;
  bad_limits.limits.max_encryptions = 10;
  bad_limits.limits.near_encryptions = 11;
  EXPECT_EQ(ctx.derive(psk(span(a), span(b)), bad_limits), Error::kInvalidArgument);

  uint8_t n[kNonceLen];
  ASSERT_EQ(ctx.derive(psk(span(a), span(b)), o), Error::kOk);
  EXPECT_EQ(ctx.sender_nonce(kMaxSequence + 1, n), Error::kInvalidArgument);
  ctx.reset();
  EXPECT_EQ(ctx.sender_nonce(0, n), Error::kInvalidState);
  EXPECT_EQ(ctx.restore_sequence(5), Error::kInvalidState);
}

TEST(SecurityContext, PskReplayWindowStartsUnknownUnlessFresh) {
  const Bytes a = hex("01");
  const Bytes b = hex("02");
  FakeNvm nvm;
  PskSecrets in;
  in.master_secret = span(test::kSecret);
  in.sender_id = span(a);
  in.recipient_id = span(b);
  ContextOptions o;
  o.persistence = nvm.persistence(8);
  SecurityContext ctx;
  ASSERT_EQ(ctx.derive(in, o), Error::kOk);
  EXPECT_EQ(ctx.replay_window().state(), WindowState::kUnknown);
  in.replay_state_fresh = true;
  ASSERT_EQ(ctx.derive(in, o), Error::kOk);
  EXPECT_EQ(ctx.replay_window().state(), WindowState::kEmpty);
}

TEST(SecurityContext, DefaultLimitsFromKeyLimitsDraft) {
  const UsageLimits l8 = UsageLimits::defaults(crypto::Aead::kAesCcm16_64_128);
  EXPECT_EQ(l8.max_encryptions, 1u << 20);
  EXPECT_EQ(l8.max_failed_decryptions, 1u << 14);
  EXPECT_LT(l8.near_encryptions, l8.max_encryptions);
  EXPECT_LT(l8.near_failed_decryptions, l8.max_failed_decryptions);
  test::Pair p;
  EXPECT_EQ(p.initiator.limits().max_encryptions, 1u << 20);
  EXPECT_EQ(p.initiator.limits().max_failed_decryptions, 1u << 14);
  EXPECT_EQ(p.initiator.sender_limit(), LimitState::kOk);
  EXPECT_EQ(p.initiator.recipient_limit(), LimitState::kOk);
}

// A PSK context as a device restores it after a reboot.
Error derive_psk(SecurityContext& ctx, FakeNvm& nvm, bool sender_a, uint64_t seq, uint32_t failures,
                 uint32_t failures_ahead = 16, const UsageLimits& limits = {}) {
  static const Bytes a = hex("a1"), b = hex("b2");
  PskSecrets in;
  in.master_secret = span(test::kSecret);
  in.sender_id = span(sender_a ? a : b);
  in.recipient_id = span(sender_a ? b : a);
  in.sender_sequence = seq;
  in.failed_decryptions = failures;
  in.replay_state_fresh = true;
  ContextOptions o;
  o.limits = limits;
  o.persistence = nvm.persistence(16, failures_ahead);
  return ctx.derive(in, o);
}

// Issue 11, finding 4: q was counted from the last boot, so a PSK context
// restored at sequence number 2^22 had encrypted 2^22 times with its key and
// still reported kOk and sealed. q is now the sequence number.
TEST(SecurityContextRegression, RestoredPskAtHighSequenceReportsLimit) {
  const uint64_t seq = uint64_t{1} << 22;
  FakeNvm nvm;
  SecurityContext ctx;
  ASSERT_EQ(derive_psk(ctx, nvm, true, seq, 0), Error::kOk);
  EXPECT_EQ(ctx.encryptions(), seq);
  EXPECT_EQ(ctx.sender_limit(), LimitState::kReached);
  Bytes out(64);
  const Bytes msg = {1};
  Sealed s;
  EXPECT_EQ(seal(ctx, span(msg), ByteSpan(out.data(), out.size()), s), Error::kLimitReached);
  EXPECT_EQ(s.limit, LimitState::kReached);
  EXPECT_EQ(nvm.writes, 0u);

  // restore_sequence() on a running context counts the same way.
  ASSERT_EQ(derive_psk(ctx, nvm, true, 0, 0), Error::kOk);
  EXPECT_EQ(ctx.sender_limit(), LimitState::kOk);
  ASSERT_EQ(ctx.restore_sequence(seq), Error::kOk);
  EXPECT_EQ(ctx.sender_limit(), LimitState::kReached);
  EXPECT_EQ(seal(ctx, span(msg), ByteSpan(out.data(), out.size()), s), Error::kLimitReached);

  // Restored past 7/8 of limit_q it warns, and stops exactly at limit_q.
  const UsageLimits d = UsageLimits::defaults(crypto::Aead::kAesCcm16_64_128);
  ASSERT_EQ(derive_psk(ctx, nvm, true, d.max_encryptions - 1, 0), Error::kOk);
  EXPECT_EQ(ctx.sender_limit(), LimitState::kNear);
  ASSERT_EQ(seal(ctx, span(msg), ByteSpan(out.data(), out.size()), s), Error::kOk);
  EXPECT_EQ(s.limit, LimitState::kReached);
  EXPECT_EQ(seal(ctx, span(msg), ByteSpan(out.data(), out.size()), s), Error::kLimitReached);
}

// Issue 11, finding 4: v restarted at 0 on every boot, so a forger who can
// reboot the device got a new budget each time. v is reserved in storage
// before each decryption and restored from PskSecrets::failed_decryptions.
TEST(SecurityContextRegression, FailedDecryptionsSurviveReboot) {
  const uint32_t limit_v = UsageLimits::defaults(crypto::Aead::kAesCcm16_64_128).max_failed_decryptions;
  ASSERT_EQ(limit_v, 1u << 14);
  FakeNvm nvm_tx, nvm_rx;
  SecurityContext tx, rx;
  ASSERT_EQ(derive_psk(tx, nvm_tx, true, 0, 0), Error::kOk);
  ASSERT_EQ(derive_psk(rx, nvm_rx, false, 0, 0, 1), Error::kOk);
  const Bytes genuine = test::seal_one(tx, {1, 2, 3});
  Bytes forged = genuine;
  forged.back() ^= 0x01;
  // A forgery never moves the window, so the same one is tried again and again.
  for (uint32_t i = 0; i < limit_v - 1; ++i) ASSERT_EQ(test::open_one(rx, forged), Error::kAuthFailed) << i;
  EXPECT_EQ(rx.failed_decryptions(), limit_v - 1);
  EXPECT_EQ(rx.recipient_limit(), LimitState::kNear);
  EXPECT_EQ(nvm_rx.failures_stored, limit_v - 1) << "with K = 1 storage holds v exactly";

  // Reboot: the application restores what the hook stored.
  SecurityContext rebooted;
  ASSERT_EQ(derive_psk(rebooted, nvm_rx, false, 0, nvm_rx.failures_stored, 1), Error::kOk);
  EXPECT_EQ(rebooted.failed_decryptions(), limit_v - 1) << "failed decryptions reset by a reboot";
  EXPECT_EQ(rebooted.recipient_limit(), LimitState::kNear);
  EXPECT_EQ(test::open_one(rebooted, forged), Error::kAuthFailed);
  EXPECT_EQ(rebooted.recipient_limit(), LimitState::kReached);
  EXPECT_EQ(test::open_one(rebooted, genuine), Error::kLimitReached) << "the key is used up for good";
  SecurityContext again;
  ASSERT_EQ(derive_psk(again, nvm_rx, false, 0, nvm_rx.failures_stored, 1), Error::kOk);
  EXPECT_EQ(again.recipient_limit(), LimitState::kReached);
  EXPECT_EQ(test::open_one(again, genuine), Error::kLimitReached);
}

// Failures are reserved K at a time: storage is written about limit_v / K
// times in a key's life, never per forged record, and the reservation is
// always ahead of the count, so a crash can only overestimate v.
TEST(SecurityContext, FailureReservationWritesOncePerK) {
  const uint32_t k = 64;
  UsageLimits l;
  l.max_failed_decryptions = 1000;
  l.near_failed_decryptions = 900;
  FakeNvm nvm_tx, nvm_rx;
  SecurityContext tx, rx;
  ASSERT_EQ(derive_psk(tx, nvm_tx, true, 0, 0), Error::kOk);
  ASSERT_EQ(derive_psk(rx, nvm_rx, false, 0, 0, k, l), Error::kOk);
  Bytes forged = test::seal_one(tx, {9});
  forged.back() ^= 0x01;
  for (uint32_t i = 0; i < l.max_failed_decryptions; ++i) {
    ASSERT_EQ(test::open_one(rx, forged), Error::kAuthFailed);
    ASSERT_GE(nvm_rx.failures_stored, rx.failed_decryptions()) << "storage covers every counted failure";
  }
  EXPECT_EQ(nvm_rx.failure_writes, (l.max_failed_decryptions + k - 1) / k);
  EXPECT_EQ(nvm_rx.failures_stored, l.max_failed_decryptions) << "the last reservation is clamped to limit_v";
  EXPECT_EQ(test::open_one(rx, forged), Error::kLimitReached);

  // A failing hook refuses the decryption rather than let a failure go unrecorded.
  nvm_rx = FakeNvm{};
  ASSERT_EQ(derive_psk(rx, nvm_rx, false, 0, 0, k, l), Error::kOk);
  nvm_rx.fail_failures = true;
  const Bytes genuine = test::seal_one(tx, {7});
  EXPECT_EQ(test::open_one(rx, genuine), Error::kLimitReached);
  EXPECT_EQ(rx.failed_decryptions(), 0u);
  nvm_rx.fail_failures = false;
  EXPECT_EQ(test::open_one(rx, genuine), Error::kOk);
  EXPECT_EQ(nvm_rx.failures_stored, k);
}

TEST(SecurityContext, ResetAndDestructionWipeSecrets) {
  test::Pair p;
  const Bytes sk(ContextProbe::sender_key(p.initiator).begin(), ContextProbe::sender_key(p.initiator).end());
  p.initiator.reset();
  EXPECT_FALSE(p.initiator.ready());
  for (uint8_t byte : ContextProbe::sender_key(p.initiator)) EXPECT_EQ(byte, 0);
  for (uint8_t byte : ContextProbe::recipient_key(p.initiator)) EXPECT_EQ(byte, 0);
  EXPECT_TRUE(p.initiator.sender_id().empty());
  EXPECT_EQ(p.initiator.replay_window().state(), WindowState::kUnknown) << "a dead context accepts nothing";

  // Destruction: no byte string of either key survives in the storage.
  alignas(SecurityContext) unsigned char storage[sizeof(SecurityContext)];
  auto* ctx = new (storage) SecurityContext();
  const Bytes secret = hex("1e1c6beac3a8a1cac435de7e2f9ae7ff");
  const Bytes salt = hex("ce7ab844c0106d73");
  const Bytes c_i = hex("2d");
  const Bytes c_r = hex("18");
  ASSERT_EQ(ctx->derive(EdhocSecrets{crypto::Aead::kAesCcm16_64_128, span(secret), span(salt), span(c_i), span(c_r),
                                     Side::kInitiator}),
            Error::kOk);
  const Bytes key(ContextProbe::sender_key(*ctx).begin(), ContextProbe::sender_key(*ctx).end());
  ASSERT_EQ(key, sk);
  ctx->~SecurityContext();
  const std::string mem = to_hex(ConstByteSpan(storage, sizeof(storage)));
  EXPECT_EQ(mem.find(to_hex(span(key)).substr(0, 8)), std::string::npos) << "sender key left in memory";
}

TEST(SecurityContext, ContextSizeIsPublished) {
  static_assert(kSecurityContextSize == sizeof(SecurityContext), "published size");
  static_assert(kSecurityContextSize <= 256, "a context fits the 1 KB per-session budget several times");
  ::testing::Test::RecordProperty("security_context_bytes", static_cast<int>(kSecurityContextSize));
  ::testing::Test::RecordProperty("replay_window_bytes", static_cast<int>(sizeof(ContextReplayWindow)));
  std::printf("[ info ] sizeof(SecurityContext) = %zu bytes, sizeof(ReplayWindow<%u>) = %zu bytes\n",
              kSecurityContextSize, kReplayWindowBits, sizeof(ContextReplayWindow));
}

}  // namespace
}  // namespace hush::record
