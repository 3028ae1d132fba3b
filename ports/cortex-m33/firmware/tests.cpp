// SPDX-License-Identifier: Apache-2.0
// Cases run on the Cortex-M33 under QEMU: the crypto port on the target's
// mbed TLS build, and complete EDHOC handshakes with both roles in one image.
//
// This image has no Ed25519: mbed TLS 2.28 has no EdDSA, so suite 0 runs
// with method 3 (static DH) and signatures are tested with suite 2 (ES256).

#include <cstring>

#include "check.h"
#include "hush/credential.h"
#include "hush/crypto.h"
#include "hush/edhoc.h"
#include "party.h"
#include "rfc9529_trace2.h"

#if !HUSH_EDHOC_TRACE
#error "the QEMU test image compares PRK_out through the trace hook: build it with HUSH_EDHOC_TRACE=ON"
#endif

namespace hush::m33 {
namespace {

using crypto::KeyType;
using crypto::PrivateKey;
using edhoc::Method;

// --- crypto port ------------------------------------------------------------

void sha256_abc() {
  // FIPS 180-2, Appendix B.1.
  static const uint8_t kWant[32] = {0xba, 0x78, 0x16, 0xbf, 0x8f, 0x01, 0xcf, 0xea, 0x41, 0x41, 0x40,
                                    0xde, 0x5d, 0xae, 0x22, 0x23, 0xb0, 0x03, 0x61, 0xa3, 0x96, 0x17,
                                    0x7a, 0x9c, 0xb4, 0x10, 0xff, 0x61, 0xf2, 0x00, 0x15, 0xad};
  static const uint8_t kAbc[3] = {'a', 'b', 'c'};
  crypto::Sha256 st;
  uint8_t digest[crypto::kHashLen];
  M33_REQUIRE_OK(crypto::sha256_start(st));
  M33_REQUIRE_OK(crypto::sha256_update(st, ConstByteSpan(kAbc, 1)));
  M33_REQUIRE_OK(crypto::sha256_update(st, ConstByteSpan(kAbc + 1, 2)));
  M33_REQUIRE_OK(crypto::sha256_finish(st, digest));
  M33_CHECK(bytes_equal(digest, kWant, sizeof(kWant)));
}

void x25519_rfc7748() {
  // RFC 7748 §6.1: Alice's private key, Bob's public key, their shared secret.
  static const uint8_t kAlicePriv[32] = {0x77, 0x07, 0x6d, 0x0a, 0x73, 0x18, 0xa5, 0x7d, 0x3c, 0x16, 0xc1,
                                         0x72, 0x51, 0xb2, 0x66, 0x45, 0xdf, 0x4c, 0x2f, 0x87, 0xeb, 0xc0,
                                         0x99, 0x2a, 0xb1, 0x77, 0xfb, 0xa5, 0x1d, 0xb9, 0x2c, 0x2a};
  static const uint8_t kBobPub[32] = {0xde, 0x9e, 0xdb, 0x7d, 0x7b, 0x7d, 0xc1, 0xb4, 0xd3, 0x5b, 0x61,
                                      0xc2, 0xec, 0xe4, 0x35, 0x37, 0x3f, 0x83, 0x43, 0xc8, 0x5b, 0x78,
                                      0x67, 0x4d, 0xad, 0xfc, 0x7e, 0x14, 0x6f, 0x88, 0x2b, 0x4f};
  static const uint8_t kShared[32] = {0x4a, 0x5d, 0x9d, 0x5b, 0xa4, 0xce, 0x2d, 0xe1, 0x72, 0x8e, 0x3b,
                                      0xf4, 0x80, 0x35, 0x0f, 0x25, 0xe0, 0x7e, 0x21, 0xc9, 0x47, 0xd1,
                                      0x9e, 0x33, 0x76, 0xf0, 0x9b, 0x3c, 0x1e, 0x16, 0x17, 0x42};
  uint8_t shared[crypto::kCoordLen];
  M33_REQUIRE_OK(crypto::ecdh(KeyType::kX25519, PrivateKey::from_raw(kAlicePriv), ConstByteSpan(kBobPub), shared));
  M33_CHECK(bytes_equal(shared, kShared, sizeof(kShared)));
}

void p256_ecdh_agreement() {
  uint8_t a[crypto::kScalarLen], b[crypto::kScalarLen], ga[crypto::kCoordLen], gb[crypto::kCoordLen];
  M33_REQUIRE_OK(crypto::ecdh_generate(KeyType::kP256, a, ga));
  M33_REQUIRE_OK(crypto::ecdh_generate(KeyType::kP256, b, gb));
  uint8_t s1[crypto::kCoordLen], s2[crypto::kCoordLen];
  // x-coordinate only, as EDHOC sends it.
  M33_REQUIRE_OK(crypto::ecdh(KeyType::kP256, PrivateKey::from_raw(a), ConstByteSpan(gb), s1));
  M33_REQUIRE_OK(crypto::ecdh(KeyType::kP256, PrivateKey::from_raw(b), ConstByteSpan(ga), s2));
  M33_CHECK(bytes_equal(s1, s2, sizeof(s1)));
  // A point that is not on the curve is refused.
  uint8_t bad[crypto::kCoordLen];
  std::memset(bad, 0xff, sizeof(bad));
  M33_REQUIRE_ERR(crypto::ecdh(KeyType::kP256, PrivateKey::from_raw(a), ConstByteSpan(bad), s1), Error::kInvalidPoint);
}

void ccm_seal_open() {
  static const uint8_t kKey[16] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};
  static const uint8_t kNonce[13] = {0xa0, 0xa1, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7, 0xa8, 0xa9, 0xaa, 0xab, 0xac};
  static const uint8_t kAad[4] = {0xde, 0xad, 0xbe, 0xef};
  static const uint8_t kPlain[20] = {'r', 'a', 'd', 'i', 'o', ' ', 'f', 'r', 'a', 'm',
                                     'e', ' ', 'p', 'a', 'y', 'l', 'o', 'a', 'd', '!'};
  uint8_t sealed[sizeof(kPlain) + 8];
  uint8_t opened[sizeof(kPlain)];
  const auto alg = crypto::Aead::kAesCcm16_64_128;
  M33_REQUIRE_OK(crypto::aead_seal(alg, ConstByteSpan(kKey), ConstByteSpan(kNonce), ConstByteSpan(kAad),
                                   ConstByteSpan(kPlain), ByteSpan(sealed)));
  M33_REQUIRE_OK(crypto::aead_open(alg, ConstByteSpan(kKey), ConstByteSpan(kNonce), ConstByteSpan(kAad),
                                   ConstByteSpan(sealed), ByteSpan(opened)));
  M33_CHECK(bytes_equal(opened, kPlain, sizeof(kPlain)));
  sealed[3] ^= 0x01;
  M33_REQUIRE_ERR(crypto::aead_open(alg, ConstByteSpan(kKey), ConstByteSpan(kNonce), ConstByteSpan(kAad),
                                    ConstByteSpan(sealed), ByteSpan(opened)),
                  Error::kAuthFailed);
}

void es256_sign_verify() {
  uint8_t priv[crypto::kScalarLen], x[crypto::kCoordLen], pub[crypto::kMaxPublicKeyLen];
  size_t pub_len = 0;
  M33_REQUIRE_OK(crypto::ecdh_generate(KeyType::kP256, priv, x));
  M33_REQUIRE_OK(crypto::public_key(KeyType::kP256, PrivateKey::from_raw(priv), pub, pub_len));
  M33_CHECK(pub_len == 64 && bytes_equal(pub, x, sizeof(x)));
  static const uint8_t kMsg[5] = {'h', 'e', 'l', 'l', 'o'};
  uint8_t sig[crypto::kSignatureLen];
  M33_REQUIRE_OK(crypto::sign(KeyType::kP256, PrivateKey::from_raw(priv), ConstByteSpan(kMsg), sig));
  M33_REQUIRE_OK(crypto::verify(KeyType::kP256, ConstByteSpan(pub, pub_len), ConstByteSpan(kMsg), ConstByteSpan(sig)));
  sig[10] ^= 0x80;
  M33_REQUIRE_ERR(crypto::verify(KeyType::kP256, ConstByteSpan(pub, pub_len), ConstByteSpan(kMsg), ConstByteSpan(sig)),
                  Error::kAuthFailed);
}

void ed25519_not_on_this_image() {
  // mbed TLS 2.28 has no EdDSA: the port must say so, not fail obscurely.
  uint8_t seed[crypto::kScalarLen] = {7};
  uint8_t sig[crypto::kSignatureLen];
  static const uint8_t kMsg[1] = {0};
  M33_REQUIRE_ERR(crypto::sign(KeyType::kEd25519, PrivateKey::from_raw(seed), ConstByteSpan(kMsg), sig),
                  Error::kUnsupported);
}

// --- EDHOC ------------------------------------------------------------------

/// Captures PRK_out from the trace hook (test builds only).
struct PrkOut {
  uint8_t value[crypto::kHashLen] = {};
  bool seen = false;
};

void capture(void* user, edhoc::TraceId id, ConstByteSpan v) {
  auto* out = static_cast<PrkOut*>(user);
  if (id == edhoc::TraceId::kPrkOut && v.size() == sizeof(out->value)) {
    std::memcpy(out->value, v.data(), v.size());
    out->seen = true;
  }
}

// Both roles live in the image; static so the test's stack stays small.
edhoc::InitiatorBuffer<> initiator;
edhoc::ResponderBuffer<> responder;

// The responder of RFC 9529 trace 2 supports suite 2 only.
edhoc::Settings suite2_only() {
  edhoc::Settings s;
  s.responder_suites = 1u << 2;
  return s;
}
edhoc::ResponderBuffer<> responder_suite2(suite2_only());

// prepare_message_2 runs one public-key operation per call: repeat until done.
Error prepare_message_2(edhoc::Responder& r, const edhoc::LocalCredential& cred, const edhoc::ConnId& c_r, ByteSpan out,
                        size_t& len, ConstByteSpan test_ephemeral = ConstByteSpan()) {
  Error e;
  while ((e = r.prepare_message_2(cred, c_r, ConstByteSpan(), out, len, test_ephemeral)) == Error::kNeedMore) {
  }
  return e;
}

void handshake(uint8_t suite_id, Method method) {
  initiator.reset();
  responder.reset();
  const edhoc::Suite* suite = edhoc::find_suite(suite_id);
  M33_CHECK(suite != nullptr);
  if (suite == nullptr) return;
  const auto m = static_cast<unsigned>(method);
  const bool i_signs = m == 0 || m == 1;
  const bool r_signs = m == 0 || m == 2;

  Party alice, bob;  // initiator, responder
  M33_REQUIRE_OK(alice.make(i_signs ? suite->signing : suite->ecdh, 0x01, 0x2b));
  M33_REQUIRE_OK(bob.make(r_signs ? suite->signing : suite->ecdh, 0x02, 0x32));

  PrkOut prk_i, prk_r;
  initiator.set_trace(capture, &prk_i);
  responder.set_trace(capture, &prk_r);

  uint8_t msg[config::kMaxMessageLen];
  size_t len = 0;
  const uint8_t suites_i[1] = {suite_id};
  edhoc::Message1Params p1;
  p1.method = method;
  p1.suites_i = ConstByteSpan(suites_i);
  p1.c_i = edhoc::ConnId::from_int(-24);
  M33_REQUIRE_OK(initiator.prepare_message_1(p1, ByteSpan(msg), len));

  edhoc::Message1Info info1;
  M33_REQUIRE_OK(responder.process_message_1(ConstByteSpan(msg, len), info1));
  M33_CHECK(info1.suite == suite_id && info1.method == method);
  M33_REQUIRE_OK(prepare_message_2(responder, bob.local(), edhoc::ConnId::from_int(-8), ByteSpan(msg), len));

  // A truncated message_2 is rejected and leaves the initiator waiting.
  edhoc::Message2Info info2;
  M33_CHECK(initiator.process_message_2(ConstByteSpan(msg, len - 1), info2) != Error::kOk);
  M33_CHECK(initiator.phase() == edhoc::Phase::kSentMessage1);

  M33_REQUIRE_OK(initiator.process_message_2(ConstByteSpan(msg, len), info2));
  M33_CHECK(info2.id_cred_r.is_kid && info2.id_cred_r.kid.size() == 1 && info2.id_cred_r.kid[0] == 0x32);
  M33_REQUIRE_OK(initiator.verify_message_2(bob.peer()));
  M33_REQUIRE_OK(initiator.prepare_message_3(alice.local(), ConstByteSpan(), ByteSpan(msg), len));

  edhoc::Message3Info info3;
  M33_REQUIRE_OK(responder.process_message_3(ConstByteSpan(msg, len), info3));
  M33_CHECK(info3.id_cred_i.is_kid && info3.id_cred_i.kid.size() == 1 && info3.id_cred_i.kid[0] == 0x2b);
  M33_REQUIRE_OK(responder.verify_message_3(alice.peer()));
  M33_REQUIRE_OK(responder.prepare_message_4(ConstByteSpan(), ByteSpan(msg), len));
  ConstByteSpan ead_4;
  M33_REQUIRE_OK(initiator.process_message_4(ConstByteSpan(msg, len), ead_4));
  M33_CHECK(initiator.phase() == edhoc::Phase::kCompleted && responder.phase() == edhoc::Phase::kCompleted);

  // Same PRK_out on both sides.
  M33_CHECK(prk_i.seen && prk_r.seen);
  M33_CHECK(bytes_equal(prk_i.value, prk_r.value, sizeof(prk_i.value)));

  // Same exporter output, and different outputs for different labels.
  static const uint8_t kContext[3] = {'m', '3', '3'};
  uint8_t ei[32], er[32], other[32];
  M33_REQUIRE_OK(initiator.exporter(40000, ConstByteSpan(kContext), ByteSpan(ei)));
  M33_REQUIRE_OK(responder.exporter(40000, ConstByteSpan(kContext), ByteSpan(er)));
  M33_REQUIRE_OK(responder.exporter(40001, ConstByteSpan(kContext), ByteSpan(other)));
  M33_CHECK(bytes_equal(ei, er, sizeof(ei)));
  M33_CHECK(!bytes_equal(ei, other, sizeof(ei)));

  uint8_t ms_i[16], salt_i[8], ms_r[16], salt_r[8];
  M33_REQUIRE_OK(initiator.oscore_secrets(ms_i, salt_i));
  M33_REQUIRE_OK(responder.oscore_secrets(ms_r, salt_r));
  M33_CHECK(bytes_equal(ms_i, ms_r, sizeof(ms_i)) && bytes_equal(salt_i, salt_r, sizeof(salt_i)));

  // After a key update on both sides the exporters agree again, on new keys.
  static const uint8_t kNonce[4] = {0xa0, 0x11, 0x58, 0xfd};
  M33_REQUIRE_OK(initiator.key_update(ConstByteSpan(kNonce)));
  M33_REQUIRE_OK(responder.key_update(ConstByteSpan(kNonce)));
  M33_REQUIRE_OK(initiator.exporter(40000, ConstByteSpan(kContext), ByteSpan(ei)));
  M33_REQUIRE_OK(responder.exporter(40000, ConstByteSpan(kContext), ByteSpan(other)));
  M33_CHECK(bytes_equal(ei, other, sizeof(ei)) && !bytes_equal(ei, er, sizeof(ei)));
}

void edhoc_suite0_method3() {
  handshake(0, Method::kStatStat);
}
void edhoc_suite2_method0() {
  handshake(2, Method::kSigSig);
}
void edhoc_suite2_method3() {
  handshake(2, Method::kStatStat);
}

void edhoc_suite0_method0_needs_eddsa() {
  // Suite 0 with signatures needs Ed25519, which this image lacks: the
  // responder reports kUnsupported instead of producing a bad message.
  initiator.reset();
  responder.reset();
  Party bob;
  uint8_t seed[crypto::kScalarLen] = {3};
  uint8_t msg[config::kMaxMessageLen];
  size_t len = 0;
  const uint8_t suites_i[1] = {0};
  edhoc::Message1Params p1;
  p1.method = Method::kSigSig;
  p1.suites_i = ConstByteSpan(suites_i);
  p1.c_i = edhoc::ConnId::from_int(1);
  M33_REQUIRE_OK(initiator.prepare_message_1(p1, ByteSpan(msg), len));
  edhoc::Message1Info info1;
  M33_REQUIRE_OK(responder.process_message_1(ConstByteSpan(msg, len), info1));
  static const uint8_t kCred[4] = {0xa1, 0x02, 0x61, 0x62};
  static const uint8_t kIdCred[3] = {0xa1, 0x04, 0x41};
  const edhoc::LocalCredential cred{ConstByteSpan(kCred), ConstByteSpan(kIdCred), PrivateKey::from_raw(seed)};
  M33_REQUIRE_ERR(prepare_message_2(responder, cred, edhoc::ConnId::from_int(2), ByteSpan(msg), len),
                  Error::kUnsupported);
}

#define M33_CHECK_BYTES(got, got_len, want) M33_CHECK((got_len) == sizeof(want) && bytes_equal(got, want, sizeof(want)))

void edhoc_rfc9529_trace2() {
  // RFC 9529 §3 on the target, byte for byte: the suite negotiation (error
  // code 2), then method 3 with SUITES_I [6, 2], suite 2 (P-256), with the
  // trace's ephemeral and static keys.
  namespace in = trace2::input;
  namespace want = trace2::expected;
  namespace neg = trace2::negotiation;
  initiator.reset();
  responder_suite2.reset();
  uint8_t msg[config::kMaxMessageLen];
  size_t len = 0;

  // First attempt: the trace's initiator selects suite 6, which hush does not
  // implement, so its message_1 comes from the trace; the responder answers
  // with error code 2 and SUITES_R 2.
  const uint8_t preference[2] = {6, 2};  // the initiator's, best first
  edhoc::Message1Info info1;
  M33_REQUIRE_ERR(responder_suite2.process_message_1(ConstByteSpan(neg::message_1_first), info1),
                  Error::kWrongSelectedSuite);
  uint8_t suites_r[edhoc::kMaxSuites];
  size_t n_suites_r = 0;
  M33_REQUIRE_OK(responder_suite2.suites_r(suites_r, n_suites_r));
  M33_REQUIRE_OK(edhoc::compose_error(wire::ErrCode::kWrongSelectedSuite, ConstByteSpan(),
                                      Span<const uint8_t>(suites_r, n_suites_r), ByteSpan(msg), len));
  M33_CHECK_BYTES(msg, len, neg::error);
  edhoc::PeerError err;
  M33_REQUIRE_OK(edhoc::parse_error(ConstByteSpan(msg, len), err));
  uint8_t next[edhoc::kMaxSuites];
  size_t n_next = 0;
  M33_REQUIRE_OK(edhoc::suites_after_error(ConstByteSpan(preference), ConstByteSpan(err.suites_r, err.suites_r_len),
                                           next, n_next));
  M33_CHECK(n_next == 2 && next[0] == 6 && next[1] == 2);

  PrkOut prk_i, prk_r;
  initiator.set_trace(capture, &prk_i);
  responder_suite2.set_trace(capture, &prk_r);
  const edhoc::LocalCredential cred_r{ConstByteSpan(in::cred_r), ConstByteSpan(in::id_cred_r),
                                      PrivateKey::from_raw(in::sk_r)};
  const edhoc::LocalCredential cred_i{ConstByteSpan(in::cred_i), ConstByteSpan(in::id_cred_i),
                                      PrivateKey::from_raw(in::sk_i)};

  edhoc::Message1Params p1;
  p1.method = Method::kStatStat;
  p1.suites_i = ConstByteSpan(next, n_next);
  p1.c_i = edhoc::ConnId::from_bytes(ConstByteSpan(in::c_i));
  p1.test_ephemeral = ConstByteSpan(in::x);
  M33_REQUIRE_OK(initiator.prepare_message_1(p1, ByteSpan(msg), len));
  M33_CHECK_BYTES(msg, len, want::message_1);

  M33_REQUIRE_OK(responder_suite2.process_message_1(ConstByteSpan(msg, len), info1));
  M33_REQUIRE_OK(prepare_message_2(responder_suite2, cred_r, edhoc::ConnId::from_bytes(ConstByteSpan(in::c_r)),
                                   ByteSpan(msg), len, ConstByteSpan(in::y)));
  M33_CHECK_BYTES(msg, len, want::message_2);

  edhoc::Message2Info info2;
  M33_REQUIRE_OK(initiator.process_message_2(ConstByteSpan(msg, len), info2));
  M33_REQUIRE_OK(
      initiator.verify_message_2(edhoc::PeerCredential{ConstByteSpan(in::cred_r), ConstByteSpan(want::pk_r)}));
  M33_REQUIRE_OK(initiator.prepare_message_3(cred_i, ConstByteSpan(), ByteSpan(msg), len));
  M33_CHECK_BYTES(msg, len, want::message_3);

  edhoc::Message3Info info3;
  M33_REQUIRE_OK(responder_suite2.process_message_3(ConstByteSpan(msg, len), info3));
  M33_REQUIRE_OK(
      responder_suite2.verify_message_3(edhoc::PeerCredential{ConstByteSpan(in::cred_i), ConstByteSpan(want::pk_i)}));
  M33_REQUIRE_OK(responder_suite2.prepare_message_4(ConstByteSpan(), ByteSpan(msg), len));
  M33_CHECK_BYTES(msg, len, want::message_4);
  ConstByteSpan ead_4;
  M33_REQUIRE_OK(initiator.process_message_4(ConstByteSpan(msg, len), ead_4));

  M33_CHECK(prk_i.seen && prk_r.seen);
  M33_CHECK_BYTES(prk_i.value, sizeof(prk_i.value), want::prk_out);
  M33_CHECK_BYTES(prk_r.value, sizeof(prk_r.value), want::prk_out);
  uint8_t secret[16], salt[8];
  M33_REQUIRE_OK(initiator.oscore_secrets(secret, salt));
  M33_CHECK_BYTES(secret, sizeof(secret), want::oscore_master_secret);
  M33_CHECK_BYTES(salt, sizeof(salt), want::oscore_master_salt);
  M33_REQUIRE_OK(responder_suite2.oscore_secrets(secret, salt));
  M33_CHECK_BYTES(secret, sizeof(secret), want::oscore_master_secret);
  M33_CHECK_BYTES(salt, sizeof(salt), want::oscore_master_salt);

  M33_REQUIRE_OK(initiator.key_update(ConstByteSpan(want::key_update_context)));
  M33_REQUIRE_OK(responder_suite2.key_update(ConstByteSpan(want::key_update_context)));
  M33_REQUIRE_OK(initiator.oscore_secrets(secret, salt));
  M33_CHECK_BYTES(secret, sizeof(secret), want::oscore_master_secret_after_key_update);
  M33_CHECK_BYTES(salt, sizeof(salt), want::oscore_master_salt_after_key_update);
  M33_REQUIRE_OK(responder_suite2.oscore_secrets(secret, salt));
  M33_CHECK_BYTES(secret, sizeof(secret), want::oscore_master_secret_after_key_update);
  M33_CHECK_BYTES(salt, sizeof(salt), want::oscore_master_salt_after_key_update);
}

}  // namespace

const TestCase kTests[] = {
    {"crypto.sha256_abc", sha256_abc},
    {"crypto.x25519_rfc7748", x25519_rfc7748},
    {"crypto.p256_ecdh_agreement", p256_ecdh_agreement},
    {"crypto.ccm_seal_open", ccm_seal_open},
    {"crypto.es256_sign_verify", es256_sign_verify},
    {"crypto.ed25519_not_on_this_image", ed25519_not_on_this_image},
    {"edhoc.suite0_method3", edhoc_suite0_method3},
    {"edhoc.suite2_method0", edhoc_suite2_method0},
    {"edhoc.suite2_method3", edhoc_suite2_method3},
    {"edhoc.suite0_method0_needs_eddsa", edhoc_suite0_method0_needs_eddsa},
    {"edhoc.rfc9529_trace2", edhoc_rfc9529_trace2},
};
const size_t kTestCount = sizeof(kTests) / sizeof(kTests[0]);

}  // namespace hush::m33
