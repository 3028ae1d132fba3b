// SPDX-License-Identifier: Apache-2.0
// Regression tests for the EDHOC findings of issue 11, one (or a few) per
// finding; docs/SECURITY.md cites them by name.

#include <gtest/gtest.h>

#include <cstring>
#include <map>
#include <new>
#include <type_traits>
#include <vector>

#include "edhoc/edhoc_internal.h"
#include "edhoc_script.h"
#include "hex.h"
#include "hush/edhoc.h"

namespace hush::edhoc {
namespace {

using namespace test;
using crypto::PrivateKey;

// Whether any 8-byte piece of `secret` occurs anywhere in `n` bytes at `p`:
// an engine object (its work buffer included) or a work buffer.
bool holds_any_piece(const void* p, size_t n, const Bytes& secret) {
  const auto* bytes = static_cast<const uint8_t*>(p);
  for (size_t piece = 0; piece + 8 <= secret.size(); piece += 8) {
    for (size_t i = 0; i + 8 <= n; ++i) {
      if (std::memcmp(bytes + i, secret.data() + piece, 8) == 0) return true;
    }
  }
  return false;
}

template <typename Engine>
bool holds(const Engine& engine, const Bytes& secret) {
  return holds_any_piece(&engine, sizeof(engine), secret);
}

#if HUSH_EDHOC_TRACE
using Traced = std::map<TraceId, Bytes>;
void record(void* user, TraceId id, ConstByteSpan v) {
  (*static_cast<Traced*>(user))[id] = Bytes(v.begin(), v.end());
}
#endif

// Finding 6: a ConnId cannot hold more than kMaxConnIdLen bytes, so no entry
// point can read past its array (run under ASan in CI).
TEST(EdhocRegression, ConnIdLongerThanSevenBytesCannotBeBuiltOrUsed) {
  static_assert(!std::is_aggregate_v<ConnId>, "a ConnId must be built through from_bytes/from_int");
  for (size_t n : {size_t{8}, size_t{255}}) {
    SCOPED_TRACE(n);
    const std::vector<uint8_t> long_id(n, 0xA5);
    const ConnId c = ConnId::from_bytes(ConstByteSpan(long_id.data(), long_id.size()));
    EXPECT_FALSE(c.is_set());
    EXPECT_EQ(c.size(), 0u);
    EXPECT_TRUE(c.view().empty());
    EXPECT_TRUE(c == ConnId());

    Script run(3, 0);
    run.c_i = c;
    EXPECT_EQ(run.step1(), Error::kInvalidArgument);
    EXPECT_EQ(run.ini.phase(), Phase::kStart);
    run.c_i = ConnId::from_int(-24);
    ASSERT_EQ(run.step1(), Error::kOk);
    run.c_r = c;
    EXPECT_EQ(run.step2(), Error::kInvalidArgument);
    EXPECT_EQ(run.res.phase(), Phase::kReceivedMessage1);
  }
  // Seven bytes is the largest identifier.
  const uint8_t seven[7] = {1, 2, 3, 4, 5, 6, 7};
  EXPECT_EQ(ConnId::from_bytes(ConstByteSpan(seven)).size(), 7u);
}

// Finding 11: h'' (wire byte 0x40) is a valid C_I and C_R, sent and received.
TEST(EdhocRegression, EmptyConnIdIsAcceptedAsCiAndCrByBothEngines) {
  const ConnId empty = ConnId::from_bytes(ConstByteSpan());
  ASSERT_TRUE(empty.is_set());
  EXPECT_FALSE(empty == ConnId());

  Script as_c_i(3, 0);
  as_c_i.c_i = empty;
  ASSERT_EQ(as_c_i.all(), Error::kOk);
  EXPECT_EQ(as_c_i.m1.back(), 0x40);
  EXPECT_TRUE(as_c_i.res.c_i() == empty);
  EXPECT_TRUE(as_c_i.ini.c_i() == empty);
  expect_same_keys(as_c_i);

  Script as_c_r(3, 2);
  as_c_r.c_r = empty;
  ASSERT_EQ(as_c_r.all(), Error::kOk);
  EXPECT_TRUE(as_c_r.ini.c_r() == empty);
  EXPECT_TRUE(as_c_r.res.c_r() == empty);
  expect_same_keys(as_c_r);
}

// Finding 5: C_R = C_I is refused by the Responder choosing it and by the
// Initiator receiving it (RFC 9528 §3.3.3).
TEST(EdhocRegression, CrEqualToCiIsRejectedByBothRoles) {
  Script own(3, 0);
  ASSERT_EQ(own.step1(), Error::kOk);
  own.c_r = own.c_i;
  EXPECT_EQ(own.step2(), Error::kInvalidArgument);
  EXPECT_EQ(own.res.phase(), Phase::kReceivedMessage1);

  // PLAINTEXT_2 starts with C_R right after the bstr head and G_Y; flipping
  // the ciphertext bit turns C_R = -8 (0x27) into -24 (0x37), which is C_I.
  Script run(3, 0);
  ASSERT_EQ(run.step1(), Error::kOk);
  ASSERT_EQ(run.step2(), Error::kOk);
  Bytes same = run.m2;
  same[2 + 32] ^= 0x27 ^ 0x37;
  Message2Info info;
  EXPECT_EQ(run.ini.process_message_2(view(same), info), Error::kMalformed);
  EXPECT_EQ(run.ini.phase(), Phase::kSentMessage1);
  ASSERT_EQ(run.recv2(run.m2), Error::kOk);
}

// Frames that are not an acceptable message_2/3: the one-byte bstr h'', two
// forged EDHOC error messages, and a message that decodes but whose
// plaintext does not parse.
std::vector<Bytes> unauthenticated_frames(const Bytes& genuine) {
  Bytes short_bstr = {0x58, static_cast<uint8_t>(genuine.size() - 3)};
  short_bstr.insert(short_bstr.end(), genuine.begin() + 2, genuine.end() - 1);
  if (genuine[0] != 0x58) short_bstr = {0x41, 0x00};
  return {{0x40}, {0x01, 0x63, 'b', 'a', 'd'}, {0x02, 0x02}, short_bstr};
}

// Finding 2: a decrypted but unverified message_2 survives every frame that
// does not itself pass accept_plaintext, and verifies afterwards.
TEST(EdhocRegression, UnauthenticatedFrameKeepsPendingMessage2) {
  Script run(3, 0);
  ASSERT_EQ(run.step1(), Error::kOk);
  ASSERT_EQ(run.step2(), Error::kOk);
  Message2Info info;
  ASSERT_EQ(run.ini.process_message_2(view(run.m2), info), Error::kOk);
  for (const Bytes& frame : unauthenticated_frames(run.m2)) {
    SCOPED_TRACE(host::to_hex(frame));
    EXPECT_NE(run.ini.process_message_2(view(frame), info), Error::kOk);
    EXPECT_EQ(run.ini.phase(), Phase::kReceivedMessage2);
  }
  EXPECT_EQ(run.ini.peer_error().code, 2);  // reported, not acted on
  ASSERT_EQ(run.ini.verify_message_2(run.r.peer()), Error::kOk);
  ASSERT_EQ(run.step3(), Error::kOk);
  ASSERT_EQ(run.recv3(run.m3), Error::kOk);
  expect_same_keys(run);
}

TEST(EdhocRegression, UnauthenticatedFrameKeepsPendingMessage3) {
  Script run(0, 2);
  ASSERT_EQ(run.step1(), Error::kOk);
  ASSERT_EQ(run.step2(), Error::kOk);
  ASSERT_EQ(run.recv2(run.m2), Error::kOk);
  ASSERT_EQ(run.step3(), Error::kOk);
  Message3Info info;
  ASSERT_EQ(run.res.process_message_3(view(run.m3), info), Error::kOk);
  for (const Bytes& frame : unauthenticated_frames(run.m3)) {
    SCOPED_TRACE(host::to_hex(frame));
    EXPECT_NE(run.res.process_message_3(view(frame), info), Error::kOk);
    EXPECT_EQ(run.res.phase(), Phase::kReceivedMessage3);
  }
  ASSERT_EQ(run.res.verify_message_3(run.i.peer()), Error::kOk);
  expect_same_keys(run);
}

// Finding 1: after completion neither engine keeps PRK_4e3m (only K_4/IV_4
// for message_4), skip_message_4() wipes K_4/IV_4, and after key_update()
// nothing from which the old PRK_out could be rebuilt is left in either
// engine object, work buffer included.
TEST(EdhocRegression, KeyUpdateWipesPrk4e3mAndOldPrkOut) {
#if !HUSH_EDHOC_TRACE
  GTEST_SKIP() << "needs HUSH_EDHOC_TRACE";
#else
  Script run(3, 0);
  Traced ti, tr;
  run.ini.set_trace(record, &ti);
  run.res.set_trace(record, &tr);
  ASSERT_EQ(run.step1(), Error::kOk);
  ASSERT_EQ(run.step2(), Error::kOk);
  ASSERT_EQ(run.recv2(run.m2), Error::kOk);
  ASSERT_EQ(run.step3(), Error::kOk);
  ASSERT_EQ(run.recv3(run.m3), Error::kOk);
  const Bytes prk_4e3m = ti.at(TraceId::kPrk4e3m);
  const Bytes th_4 = ti.at(TraceId::kTh4);
  const Bytes prk_out = ti.at(TraceId::kPrkOut);
  const Bytes prk_exporter = ti.at(TraceId::kPrkExporter);
  ASSERT_EQ(prk_out, tr.at(TraceId::kPrkOut));
  Bytes k_4(crypto::kAesKeyLen);
  uint8_t scratch[64];
  ASSERT_EQ(detail::kdf_th(prk_4e3m.data(), wire::KdfLabel::kK4, th_4.data(), ByteSpan(k_4.data(), k_4.size()),
                           ByteSpan(scratch)),
            Error::kOk);

  EXPECT_FALSE(holds(run.ini, prk_4e3m));
  EXPECT_FALSE(holds(run.res, prk_4e3m));
  EXPECT_TRUE(holds(run.ini, k_4));  // the scan finds what is there
  EXPECT_TRUE(holds(run.ini, prk_out));

  // The Initiator knows no message_4 will come; the Responder still sends one.
  ASSERT_EQ(run.ini.skip_message_4(), Error::kOk);
  EXPECT_FALSE(holds(run.ini, k_4));
  ASSERT_EQ(run.step4(), Error::kOk);
  EXPECT_EQ(run.recv4(run.m4), Error::kInvalidState);
  EXPECT_FALSE(holds(run.res, k_4));

  const uint8_t ctx[] = {0xa0, 0x11};
  ASSERT_EQ(run.ini.key_update(ConstByteSpan(ctx)), Error::kOk);
  ASSERT_EQ(run.res.key_update(ConstByteSpan(ctx)), Error::kOk);
  for (const Bytes* old : {&prk_4e3m, &prk_out, &prk_exporter, static_cast<const Bytes*>(&k_4)}) {
    EXPECT_FALSE(holds(run.ini, *old));
    EXPECT_FALSE(holds(run.res, *old));
  }
  EXPECT_NE(ti.at(TraceId::kPrkOut), prk_out);
  expect_same_keys(run);

  // key_update() also ends message_4 for an engine that never skipped it.
  Script other(3, 0);
  ASSERT_EQ(other.step1(), Error::kOk);
  ASSERT_EQ(other.step2(), Error::kOk);
  ASSERT_EQ(other.recv2(other.m2), Error::kOk);
  ASSERT_EQ(other.step3(), Error::kOk);
  ASSERT_EQ(other.recv3(other.m3), Error::kOk);
  ASSERT_EQ(other.res.key_update(ConstByteSpan(ctx)), Error::kOk);
  EXPECT_EQ(other.step4(), Error::kInvalidState);
  EXPECT_EQ(other.ini.skip_message_4(), Error::kOk);
  InitiatorBuffer<> fresh;
  EXPECT_EQ(fresh.skip_message_4(), Error::kInvalidState);
#endif
}

bool all_zero(const uint8_t* p, size_t n) {
  for (size_t i = 0; i < n; ++i) {
    if (p[i] != 0) return false;
  }
  return true;
}

// Finding 10 (documented limit, docs/PROTOCOL.md "Limits"): a kid longer
// than kMaxKidLen travels as the full map {4: kid}, and is accepted as one.
TEST(EdhocRegression, KidLongerThanEightBytesTravelsAsAMap) {
  Script run(3, 2);
  ASSERT_EQ(run.step1(), Error::kOk);
  Message1Info i1;
  ASSERT_EQ(run.res.process_message_1(view(run.m1), i1), Error::kOk);
  const uint8_t id_cred_r[] = {0xa1, 0x04, 0x49, 1, 2, 3, 4, 5, 6, 7, 8, 9};  // {4: h'010203040506070809'}
  const LocalCredential own{run.r.ccs.cred_view(), ConstByteSpan(id_cred_r), PrivateKey::from_raw(run.r.sk)};
  uint8_t m2[300];
  size_t len = 0;
  Error e;
  while ((e = run.res.prepare_message_2(own, run.c_r, ConstByteSpan(), m2, len)) == Error::kNeedMore) {
  }
  ASSERT_EQ(e, Error::kOk);
  Message2Info i2;
  ASSERT_EQ(run.ini.process_message_2(ConstByteSpan(m2, len), i2), Error::kOk);
  EXPECT_FALSE(i2.id_cred_r.is_kid);
  ASSERT_EQ(i2.id_cred_r.map.size(), sizeof(id_cred_r));
  EXPECT_EQ(0, std::memcmp(i2.id_cred_r.map.data(), id_cred_r, sizeof(id_cred_r)));
  ASSERT_EQ(run.ini.verify_message_2(run.r.peer()), Error::kOk);
  ASSERT_EQ(run.step3(), Error::kOk);
  ASSERT_EQ(run.recv3(run.m3), Error::kOk);
  expect_same_keys(run);
}

// Finding 7: with signatures on both sides (method 0, suite 2: ES256 on every
// backend), no MAC_x, Sig_structure or plaintext stays in a work buffer after
// a verify step, after completion or after abort().
TEST(EdhocRegression, WorkBufferIsWipedAfterVerifyCompletionAndAbort) {
  static uint8_t wi[kDefaultWorkLen], wr[kDefaultWorkLen];
  Initiator ini{ByteSpan(wi)};
  Responder res{ByteSpan(wr)};
  Party pi(crypto::KeyType::kP256, 1, 0x2B), pr(crypto::KeyType::kP256, 2, 0x32);
  Party impostor(crypto::KeyType::kP256, 1, 0x2B);
  const uint8_t suite = 2;
  Message1Params p;
  p.method = Method::kSigSig;
  p.suites_i = ConstByteSpan(&suite, 1);
  p.c_i = ConnId::from_int(1);
  uint8_t m1[300], m2[300], m3[300];
  size_t n1 = 0, n2 = 0, n3 = 0;
  ASSERT_EQ(ini.prepare_message_1(p, m1, n1), Error::kOk);
  Message1Info i1;
  ASSERT_EQ(res.process_message_1(ConstByteSpan(m1, n1), i1), Error::kOk);
  Error e;
  while ((e = res.prepare_message_2(pr.local(), ConnId::from_int(2), ConstByteSpan(), m2, n2)) == Error::kNeedMore) {
  }
  ASSERT_EQ(e, Error::kOk);
  EXPECT_TRUE(all_zero(wr, sizeof(wr)));
  Message2Info i2;
  ASSERT_EQ(ini.process_message_2(ConstByteSpan(m2, n2), i2), Error::kOk);
  ASSERT_EQ(ini.verify_message_2(pr.peer()), Error::kOk);
  EXPECT_TRUE(all_zero(wi, sizeof(wi)));
  ASSERT_EQ(ini.prepare_message_3(pi.local(), ConstByteSpan(), m3, n3), Error::kOk);
  EXPECT_TRUE(all_zero(wi, sizeof(wi)));

  Message3Info i3;
  ASSERT_EQ(res.process_message_3(ConstByteSpan(m3, n3), i3), Error::kOk);
  EXPECT_EQ(res.verify_message_3(impostor.peer()), Error::kAuthFailed);
  EXPECT_TRUE(all_zero(wr, sizeof(wr)));  // a failed verify leaves no Sig_structure behind
  ASSERT_EQ(res.process_message_3(ConstByteSpan(m3, n3), i3), Error::kOk);
  ASSERT_EQ(res.verify_message_3(pi.peer()), Error::kOk);
  EXPECT_TRUE(all_zero(wr, sizeof(wr)));

  // abort() with a decrypted, unverified message_3 pending.
  ini.reset();
  ASSERT_EQ(ini.prepare_message_1(p, m1, n1), Error::kOk);
  res.reset();
  ASSERT_EQ(res.process_message_1(ConstByteSpan(m1, n1), i1), Error::kOk);
  while ((e = res.prepare_message_2(pr.local(), ConnId::from_int(2), ConstByteSpan(), m2, n2)) == Error::kNeedMore) {
  }
  ASSERT_EQ(e, Error::kOk);
  ASSERT_EQ(ini.process_message_2(ConstByteSpan(m2, n2), i2), Error::kOk);
  ASSERT_EQ(ini.verify_message_2(pr.peer()), Error::kOk);
  ASSERT_EQ(ini.prepare_message_3(pi.local(), ConstByteSpan(), m3, n3), Error::kOk);
  ASSERT_EQ(res.process_message_3(ConstByteSpan(m3, n3), i3), Error::kOk);
  EXPECT_FALSE(all_zero(wr, sizeof(wr)));
  res.abort();
  EXPECT_TRUE(all_zero(wr, sizeof(wr)));
}

// Finding 8: reset() forgets the suites of a refused message_1.
TEST(EdhocRegression, ResetClearsOfferedSuites) {
  const uint8_t suites[] = {0, 2};
  InitiatorBuffer<> ini;
  Message1Params p;
  p.suites_i = ConstByteSpan(suites);
  p.c_i = ConnId::from_int(4);
  uint8_t buf[100];
  size_t len = 0;
  ASSERT_EQ(ini.prepare_message_1(p, buf, len), Error::kOk);
  ResponderBuffer<> res;
  Message1Info info;
  ASSERT_EQ(res.process_message_1(ConstByteSpan(buf, len), info), Error::kWrongSelectedSuite);
  uint8_t sr[kMaxSuites];
  size_t n = 0;
  ASSERT_EQ(res.suites_r(sr, n), Error::kOk);
  res.reset();
  EXPECT_EQ(res.suites_r(sr, n), Error::kInvalidState);
}

// ~Handshake() no longer wipes a buffer that has already died; the owning
// template wipes it while it is alive. The storage outlives the object here,
// so it can be inspected after the destructor ran.
TEST(EdhocRegression, OwningEngineWipesItsBufferOnDestruction) {
#if !HUSH_EDHOC_TRACE
  GTEST_SKIP() << "needs HUSH_EDHOC_TRACE";
#else
  alignas(InitiatorBuffer<>) static unsigned char storage[sizeof(InitiatorBuffer<>)];
  Script run(3, 0);
  Traced t;
  auto* ini = new (storage) InitiatorBuffer<>();
  ini->set_trace(record, &t);
  uint8_t m1[100], m3[100];
  size_t n1 = 0, n3 = 0;
  Message1Params p;
  const uint8_t suite = 0;
  p.method = Method::kStatStat;
  p.suites_i = ConstByteSpan(&suite, 1);
  p.c_i = ConnId::from_int(-24);
  ASSERT_EQ(ini->prepare_message_1(p, m1, n1), Error::kOk);
  run.m1 = Bytes(m1, m1 + n1);
  ASSERT_EQ(run.step2(), Error::kOk);
  Message2Info i2;
  ASSERT_EQ(ini->process_message_2(view(run.m2), i2), Error::kOk);
  ASSERT_EQ(ini->verify_message_2(run.r.peer()), Error::kOk);
  ASSERT_EQ(ini->prepare_message_3(run.i.local(), ConstByteSpan(), m3, n3), Error::kOk);
  const Bytes prk_out = t.at(TraceId::kPrkOut);
  ASSERT_TRUE(holds_any_piece(storage, sizeof(storage), prk_out));
  ini->~InitiatorBuffer<>();
  EXPECT_FALSE(holds_any_piece(storage, sizeof(storage), prk_out));
#endif
}

}  // namespace
}  // namespace hush::edhoc
