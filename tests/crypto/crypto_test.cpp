// SPDX-License-Identifier: Apache-2.0
// Crypto port tests beyond Wycheproof: known answers from the RFC 9529 traces
// (tests/vectors/rfc9529-crypto/kat.json), which cover the parameters hush
// actually uses (AES-CCM with an 8-byte tag, x-only P-256 peers), and explicit
// checks of the port contract: rejected points, in-place AEAD, no plaintext
// left behind on a failed open, argument errors and key ids.

#include <cstring>
#include <string>

#include "crypto/crypto_test_util.h"
#include "hush/ct.h"

#if defined(HUSH_CRYPTO_PSA)
#include <psa/crypto.h>
#endif

namespace hush::crypto::test {
namespace {

// P-256 field prime p and group order n (SEC 2 §2.4.2), big-endian.
const char* const kP256P = "ffffffff00000001000000000000000000000000ffffffffffffffffffffffff";
const char* const kP256N = "ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551";

Json kat() {
  static const Json doc = load_json("rfc9529-crypto/kat.json");
  return doc;
}

Bytes sha256_of(const std::vector<ConstByteSpan>& parts) {
  Sha256 st;
  EXPECT_EQ(sha256_start(st), Error::kOk);
  for (const auto& p : parts) EXPECT_EQ(sha256_update(st, p), Error::kOk);
  uint8_t d[kHashLen];
  EXPECT_EQ(sha256_finish(st, d), Error::kOk);
  return to_bytes(d);
}

Bytes x25519_public(const Bytes& priv) {
  uint8_t pub[kMaxPublicKeyLen];
  size_t len = 0;
  EXPECT_EQ(public_key(KeyType::kX25519, PrivateKey::from_raw(priv.data()), pub, len), Error::kOk);
  EXPECT_EQ(len, kCoordLen);
  return Bytes(pub, pub + len);
}

Bytes p256_public(const Bytes& priv) {
  uint8_t pub[kMaxPublicKeyLen];
  size_t len = 0;
  EXPECT_EQ(public_key(KeyType::kP256, PrivateKey::from_raw(priv.data()), pub, len), Error::kOk);
  EXPECT_EQ(len, 2 * kCoordLen);
  return Bytes(pub, pub + len);
}

TEST(Backend, NameMatchesBuild) {
#if defined(HUSH_CRYPTO_OPENSSL)
  EXPECT_STREQ(backend_name(), "openssl");
#else
  EXPECT_STREQ(backend_name(), "psa");
#endif
}

TEST(Random, FillsAndDiffers) {
  uint8_t a[32] = {};
  uint8_t b[32] = {};
  ASSERT_EQ(random_bytes(a), Error::kOk);
  ASSERT_EQ(random_bytes(b), Error::kOk);
  EXPECT_FALSE(ct::equal(a, b));
  EXPECT_EQ(random_bytes(ByteSpan()), Error::kOk);
}

// --- RFC 9529 known answers -------------------------------------------------------

TEST(Rfc9529Kat, Sha256) {
  const Json doc = kat();
  ASSERT_FALSE(doc.is_null());
  for (const auto& v : doc["sha256"]) {
    const Bytes msg = hex(v["msg"]);
    EXPECT_EQ(to_hex(cspan(sha256_of({cspan(msg)}))), v["digest"].get<std::string>()) << v["name"];
  }
}

TEST(Rfc9529Kat, Hkdf) {
  const Json doc = kat();
  ASSERT_FALSE(doc.is_null());
  for (const auto& v : doc["hkdf_extract"]) {
    uint8_t prk[kHashLen];
    ASSERT_EQ(hkdf_extract(cspan(hex(v["salt"])), cspan(hex(v["ikm"])), prk), Error::kOk);
    EXPECT_EQ(to_hex(prk), v["prk"].get<std::string>()) << v["name"];
  }
  for (const auto& v : doc["hkdf_expand"]) {
    Bytes okm(hex(v["okm"]).size());
    ASSERT_EQ(hkdf_expand(cspan(hex(v["prk"])), cspan(hex(v["info"])), mspan(okm)), Error::kOk);
    EXPECT_EQ(to_hex(cspan(okm)), v["okm"].get<std::string>()) << v["name"];
  }
}

TEST(Rfc9529Kat, AesCcm16_64_128) {
  const Json doc = kat();
  ASSERT_FALSE(doc.is_null());
  const Aead alg = Aead::kAesCcm16_64_128;
  for (const auto& v : doc["aes_ccm_16_64_128"]) {
    const Bytes key = hex(v["key"]);
    const Bytes nonce = hex(v["nonce"]);
    const Bytes aad = hex(v["aad"]);
    const Bytes pt = hex(v["plaintext"]);
    const Bytes ct = hex(v["ciphertext"]);
    ASSERT_EQ(ct.size(), pt.size() + tag_len(alg));
    Bytes out(ct.size());
    ASSERT_EQ(aead_seal(alg, cspan(key), cspan(nonce), cspan(aad), cspan(pt), mspan(out)), Error::kOk);
    EXPECT_EQ(to_hex(cspan(out)), to_hex(cspan(ct))) << v["name"];
    Bytes back(pt.size());
    ASSERT_EQ(aead_open(alg, cspan(key), cspan(nonce), cspan(aad), cspan(ct), mspan(back)), Error::kOk);
    EXPECT_EQ(back, pt) << v["name"];
  }
}

TEST(Rfc9529Kat, X25519) {
  const Json doc = kat();
  ASSERT_FALSE(doc.is_null());
  for (const auto& v : doc["x25519"]) {
    const Bytes priv = hex(v["private"]);
    uint8_t shared[kCoordLen];
    ASSERT_EQ(ecdh(KeyType::kX25519, PrivateKey::from_raw(priv.data()), cspan(hex(v["public"])), shared), Error::kOk);
    EXPECT_EQ(to_hex(shared), v["shared"].get<std::string>()) << v["name"];
  }
  for (const auto& v : doc["x25519_public"]) {
    EXPECT_EQ(to_hex(cspan(x25519_public(hex(v["private"])))), v["public"].get<std::string>()) << v["name"];
  }
}

TEST(Rfc9529Kat, P256EcdhWithXOnlyPeer) {
  const Json doc = kat();
  ASSERT_FALSE(doc.is_null());
  for (const auto& v : doc["p256_ecdh_x_only"]) {
    const Bytes priv = hex(v["private"]);
    uint8_t shared[kCoordLen];
    ASSERT_EQ(ecdh(KeyType::kP256, PrivateKey::from_raw(priv.data()), cspan(hex(v["public_x"])), shared), Error::kOk)
        << v["name"];
    EXPECT_EQ(to_hex(shared), v["shared"].get<std::string>()) << v["name"];
  }
}

TEST(Rfc9529Kat, P256PublicKey) {
  const Json doc = kat();
  ASSERT_FALSE(doc.is_null());
  for (const auto& v : doc["p256_public"]) {
    const Bytes pub = p256_public(hex(v["private"]));
    ASSERT_EQ(pub.size(), 2 * kCoordLen);
    EXPECT_EQ(to_hex(ConstByteSpan(pub.data(), kCoordLen)), v["x"].get<std::string>()) << v["name"];
    EXPECT_EQ(to_hex(ConstByteSpan(pub.data() + kCoordLen, kCoordLen)), v["y"].get<std::string>()) << v["name"];
  }
}

TEST(Rfc9529Kat, Ed25519) {
  HUSH_SKIP_WITHOUT_EDDSA();
  const Json doc = kat();
  ASSERT_FALSE(doc.is_null());
  for (const auto& v : doc["ed25519"]) {
    const Bytes priv = hex(v["private"]);
    const Bytes msg = hex(v["msg"]);
    uint8_t pub[kMaxPublicKeyLen];
    size_t len = 0;
    ASSERT_EQ(public_key(KeyType::kEd25519, PrivateKey::from_raw(priv.data()), pub, len), Error::kOk);
    EXPECT_EQ(to_hex(ConstByteSpan(pub, len)), v["public"].get<std::string>()) << v["name"];
    uint8_t sig[kSignatureLen];
    ASSERT_EQ(sign(KeyType::kEd25519, PrivateKey::from_raw(priv.data()), cspan(msg), sig), Error::kOk);
    EXPECT_EQ(to_hex(sig), v["sig"].get<std::string>()) << v["name"];
    EXPECT_EQ(verify(KeyType::kEd25519, ConstByteSpan(pub, len), cspan(msg), sig), Error::kOk);
  }
}

// --- SHA-256 / HMAC / HKDF ----------------------------------------------------------

TEST(Sha256, IncrementalEqualsOneShotOnSplitInputs) {
  Bytes data(1000);
  for (size_t i = 0; i < data.size(); ++i) data[i] = static_cast<uint8_t>(i * 31 + 7);
  const Bytes whole = sha256_of({cspan(data)});
  for (size_t cut : {0u, 1u, 31u, 32u, 55u, 56u, 63u, 64u, 65u, 127u, 128u, 500u, 999u, 1000u}) {
    const ConstByteSpan all = cspan(data);
    EXPECT_EQ(sha256_of({all.first(cut), all.subspan(cut)}), whole) << "cut " << cut;
    EXPECT_EQ(sha256_of({all.first(cut), ConstByteSpan(), all.subspan(cut), ConstByteSpan()}), whole);
  }
  Sha256 st;
  ASSERT_EQ(sha256_start(st), Error::kOk);
  for (uint8_t b : data) ASSERT_EQ(sha256_update(st, ConstByteSpan(&b, 1)), Error::kOk);
  uint8_t d[kHashLen];
  ASSERT_EQ(sha256_finish(st, d), Error::kOk);
  EXPECT_EQ(to_bytes(d), whole);
  // The empty message (FIPS 180-4 example value).
  EXPECT_EQ(to_hex(cspan(sha256_of({}))), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

TEST(Sha256, FinishAndAbortWipeTheState) {
  const uint8_t msg[3] = {'a', 'b', 'c'};
  Sha256 st;
  ASSERT_EQ(sha256_start(st), Error::kOk);
  ASSERT_EQ(sha256_update(st, msg), Error::kOk);
  sha256_abort(st);
  EXPECT_TRUE(all_zero(to_bytes(st.opaque)));
  ASSERT_EQ(sha256_start(st), Error::kOk);
  ASSERT_EQ(sha256_update(st, msg), Error::kOk);
  uint8_t d[kHashLen];
  ASSERT_EQ(sha256_finish(st, d), Error::kOk);
  EXPECT_TRUE(all_zero(to_bytes(st.opaque)));
}

TEST(Hmac, EmptyAndLongKeysFollowRfc2104) {
  const Bytes msg = {'h', 'u', 's', 'h'};
  uint8_t a[kHashLen];
  uint8_t b[kHashLen];
  // An empty key and HashLen zero bytes both pad to the same block.
  const Bytes zeros(kHashLen, 0);
  ASSERT_EQ(hmac_sha256(ConstByteSpan(), cspan(msg), a), Error::kOk);
  ASSERT_EQ(hmac_sha256(cspan(zeros), cspan(msg), b), Error::kOk);
  EXPECT_EQ(to_bytes(a), to_bytes(b));
  // A key longer than the block is replaced by its digest.
  Bytes long_key(200);
  for (size_t i = 0; i < long_key.size(); ++i) long_key[i] = static_cast<uint8_t>(i);
  const Bytes digest = sha256_of({cspan(long_key)});
  ASSERT_EQ(hmac_sha256(cspan(long_key), cspan(msg), a), Error::kOk);
  ASSERT_EQ(hmac_sha256(cspan(digest), cspan(msg), b), Error::kOk);
  EXPECT_EQ(to_bytes(a), to_bytes(b));
}

TEST(Hkdf, ArgumentChecks) {
  const Bytes prk(kHashLen, 0x0b);
  Bytes out(32);
  EXPECT_EQ(hkdf_expand(ConstByteSpan(prk.data(), kHashLen - 1), ConstByteSpan(), mspan(out)), Error::kInvalidArgument);
  Bytes too_long(255 * kHashLen + 1);
  EXPECT_EQ(hkdf_expand(cspan(prk), ConstByteSpan(), mspan(too_long)), Error::kInvalidArgument);
  EXPECT_EQ(hkdf_expand(cspan(prk), ConstByteSpan(), ByteSpan()), Error::kOk);
  // Long info strings (EDHOC's MAC context carries whole credentials).
  Bytes info(2000, 0x5a);
  Bytes okm(64);
  EXPECT_EQ(hkdf_expand(cspan(prk), cspan(info), mspan(okm)), Error::kOk);
}

// --- AES-CCM ------------------------------------------------------------------------

struct AeadFixture {
  Bytes key = Bytes(kAesKeyLen, 0x11);
  Bytes nonce = Bytes(kCcmNonceLen, 0x22);
  Bytes aad = {0xa0, 0xa1, 0xa2};
};

Bytes pattern(size_t n) {
  Bytes b(n);
  for (size_t i = 0; i < n; ++i) b[i] = static_cast<uint8_t>(0x40 + i);
  return b;
}

TEST(Aead, RoundTripBothTagLengths) {
  const AeadFixture f;
  for (Aead alg : {Aead::kAesCcm16_64_128, Aead::kAesCcm16_128_128}) {
    for (size_t len : {0u, 1u, 15u, 16u, 17u, 100u, 1024u}) {
      const Bytes pt = pattern(len);
      Bytes sealed(len + tag_len(alg));
      ASSERT_EQ(aead_seal(alg, cspan(f.key), cspan(f.nonce), cspan(f.aad), cspan(pt), mspan(sealed)), Error::kOk);
      Bytes back(len);
      ASSERT_EQ(aead_open(alg, cspan(f.key), cspan(f.nonce), cspan(f.aad), cspan(sealed), mspan(back)), Error::kOk);
      EXPECT_EQ(back, pt) << "len " << len;
      // An empty AAD is a different message.
      EXPECT_EQ(aead_open(alg, cspan(f.key), cspan(f.nonce), ConstByteSpan(), cspan(sealed), mspan(back)),
                Error::kAuthFailed);
    }
  }
}

TEST(Aead, InPlaceSealAndOpen) {
  const AeadFixture f;
  for (Aead alg : {Aead::kAesCcm16_64_128, Aead::kAesCcm16_128_128}) {
    const Bytes pt = pattern(45);
    Bytes expected(pt.size() + tag_len(alg));
    ASSERT_EQ(aead_seal(alg, cspan(f.key), cspan(f.nonce), cspan(f.aad), cspan(pt), mspan(expected)), Error::kOk);

    Bytes buf(pt.size() + tag_len(alg));
    std::memcpy(buf.data(), pt.data(), pt.size());
    ASSERT_EQ(
        aead_seal(alg, cspan(f.key), cspan(f.nonce), cspan(f.aad), ConstByteSpan(buf.data(), pt.size()), mspan(buf)),
        Error::kOk);
    EXPECT_EQ(buf, expected);
    ASSERT_EQ(aead_open(alg, cspan(f.key), cspan(f.nonce), cspan(f.aad), cspan(buf), ByteSpan(buf.data(), pt.size())),
              Error::kOk);
    EXPECT_EQ(Bytes(buf.begin(), buf.begin() + static_cast<std::ptrdiff_t>(pt.size())), pt);
  }
}

TEST(Aead, FlippedTagBitFailsAndLeavesNoPlaintext) {
  const AeadFixture f;
  for (Aead alg : {Aead::kAesCcm16_64_128, Aead::kAesCcm16_128_128}) {
    const Bytes pt = pattern(40);
    Bytes sealed(pt.size() + tag_len(alg));
    ASSERT_EQ(aead_seal(alg, cspan(f.key), cspan(f.nonce), cspan(f.aad), cspan(pt), mspan(sealed)), Error::kOk);
    for (size_t bit = 0; bit < 8 * tag_len(alg); bit += 7) {
      Bytes bad = sealed;
      bad[pt.size() + bit / 8] ^= static_cast<uint8_t>(1u << (bit % 8));
      Bytes out(pt.size(), 0xAA);
      EXPECT_EQ(aead_open(alg, cspan(f.key), cspan(f.nonce), cspan(f.aad), cspan(bad), mspan(out)), Error::kAuthFailed);
      EXPECT_TRUE(all_zero(out)) << "bit " << bit;
      // In place: the buffer must not be left holding the plaintext either.
      EXPECT_EQ(aead_open(alg, cspan(f.key), cspan(f.nonce), cspan(f.aad), cspan(bad), ByteSpan(bad.data(), pt.size())),
                Error::kAuthFailed);
      EXPECT_TRUE(all_zero(Bytes(bad.begin(), bad.begin() + static_cast<std::ptrdiff_t>(pt.size()))));
    }
  }
}

TEST(Aead, TamperedCiphertextNonceOrKeyFails) {
  const AeadFixture f;
  const Aead alg = Aead::kAesCcm16_64_128;
  const Bytes pt = pattern(20);
  Bytes sealed(pt.size() + tag_len(alg));
  ASSERT_EQ(aead_seal(alg, cspan(f.key), cspan(f.nonce), cspan(f.aad), cspan(pt), mspan(sealed)), Error::kOk);
  Bytes out(pt.size());
  Bytes bad = sealed;
  bad[3] ^= 0x01;
  EXPECT_EQ(aead_open(alg, cspan(f.key), cspan(f.nonce), cspan(f.aad), cspan(bad), mspan(out)), Error::kAuthFailed);
  Bytes nonce = f.nonce;
  nonce[12] ^= 0x01;
  EXPECT_EQ(aead_open(alg, cspan(f.key), cspan(nonce), cspan(f.aad), cspan(sealed), mspan(out)), Error::kAuthFailed);
  Bytes key = f.key;
  key[0] ^= 0x80;
  EXPECT_EQ(aead_open(alg, cspan(key), cspan(f.nonce), cspan(f.aad), cspan(sealed), mspan(out)), Error::kAuthFailed);
  // The tag length is part of the algorithm: a 16-byte-tag open fails too.
  EXPECT_NE(aead_open(Aead::kAesCcm16_128_128, cspan(f.key), cspan(f.nonce), cspan(f.aad), cspan(sealed), mspan(out)),
            Error::kOk);
}

TEST(Aead, ArgumentChecks) {
  const AeadFixture f;
  const Aead alg = Aead::kAesCcm16_64_128;
  const Bytes pt = pattern(10);
  Bytes out(pt.size() + 8);
  const Bytes short_key(15, 1);
  const Bytes long_key(32, 1);
  const Bytes short_nonce(12, 2);
  EXPECT_EQ(aead_seal(alg, cspan(short_key), cspan(f.nonce), cspan(f.aad), cspan(pt), mspan(out)),
            Error::kInvalidArgument);
  EXPECT_EQ(aead_seal(alg, cspan(long_key), cspan(f.nonce), cspan(f.aad), cspan(pt), mspan(out)),
            Error::kInvalidArgument);
  EXPECT_EQ(aead_seal(alg, cspan(f.key), cspan(short_nonce), cspan(f.aad), cspan(pt), mspan(out)),
            Error::kInvalidArgument);
  EXPECT_EQ(aead_seal(alg, cspan(f.key), cspan(f.nonce), cspan(f.aad), cspan(pt), ByteSpan(out.data(), 17)),
            Error::kBufferTooSmall);
  Bytes huge(0x10000);
  Bytes huge_out(huge.size() + 8);
  EXPECT_EQ(aead_seal(alg, cspan(f.key), cspan(f.nonce), cspan(f.aad), cspan(huge), mspan(huge_out)),
            Error::kInvalidArgument);
  ASSERT_EQ(aead_seal(alg, cspan(f.key), cspan(f.nonce), cspan(f.aad), cspan(pt), mspan(out)), Error::kOk);
  Bytes back(pt.size());
  EXPECT_EQ(aead_open(alg, cspan(f.key), cspan(f.nonce), cspan(f.aad), ConstByteSpan(out.data(), 7), mspan(back)),
            Error::kInvalidArgument);
  EXPECT_EQ(aead_open(alg, cspan(f.key), cspan(f.nonce), cspan(f.aad), cspan(out), ByteSpan(back.data(), 9)),
            Error::kBufferTooSmall);
  // Output shifted by one byte against the input: neither in place nor apart.
  Bytes buf(pt.size() + 8 + 1);
  std::memcpy(buf.data(), pt.data(), pt.size());
  EXPECT_EQ(aead_seal(alg, cspan(f.key), cspan(f.nonce), cspan(f.aad), ConstByteSpan(buf.data(), pt.size()),
                      ByteSpan(buf.data() + 1, pt.size() + 8)),
            Error::kInvalidArgument);
}

// --- X25519 -------------------------------------------------------------------------

TEST(X25519, AllZeroSharedSecretRejected) {
  Bytes priv(kScalarLen, 0x77);
  // u = 0, u = 1 and u = p + 1 (non-canonical 1) have small order: X25519
  // maps them to 0 for every scalar.
  const Bytes zero(kCoordLen, 0);
  Bytes one(kCoordLen, 0);
  one[0] = 1;
  const Bytes p_plus_one = hex("eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f");
  for (const Bytes& peer : {zero, one, p_plus_one}) {
    uint8_t shared[kCoordLen];
    std::memset(shared, 0xAA, sizeof(shared));
    EXPECT_EQ(ecdh(KeyType::kX25519, PrivateKey::from_raw(priv.data()), cspan(peer), shared), Error::kInvalidPoint)
        << to_hex(cspan(peer));
    EXPECT_TRUE(all_zero(to_bytes(shared)));
  }
}

TEST(X25519, GeneratedPairsAgree) {
  uint8_t a[kScalarLen], a_pub[kCoordLen], b[kScalarLen], b_pub[kCoordLen];
  ASSERT_EQ(ecdh_generate(KeyType::kX25519, a, a_pub), Error::kOk);
  ASSERT_EQ(ecdh_generate(KeyType::kX25519, b, b_pub), Error::kOk);
  EXPECT_EQ(x25519_public(to_bytes(a)), to_bytes(a_pub));
  uint8_t s1[kCoordLen], s2[kCoordLen];
  ASSERT_EQ(ecdh(KeyType::kX25519, PrivateKey::from_raw(a), b_pub, s1), Error::kOk);
  ASSERT_EQ(ecdh(KeyType::kX25519, PrivateKey::from_raw(b), a_pub, s2), Error::kOk);
  EXPECT_EQ(to_bytes(s1), to_bytes(s2));
  const Bytes bad(31, 9);
  EXPECT_EQ(ecdh(KeyType::kX25519, PrivateKey::from_raw(a), cspan(bad), s1), Error::kInvalidArgument);
}

// --- P-256 --------------------------------------------------------------------------

TEST(P256, InvalidPointsRejected) {
  uint8_t priv[kScalarLen], pub[kCoordLen];
  ASSERT_EQ(ecdh_generate(KeyType::kP256, priv, pub), Error::kOk);
  const PrivateKey key = PrivateKey::from_raw(priv);
  uint8_t other[kScalarLen], other_x[kCoordLen];
  ASSERT_EQ(ecdh_generate(KeyType::kP256, other, other_x), Error::kOk);
  const Bytes good = p256_public(to_bytes(other));  // x || y

  const Bytes p = hex(kP256P);
  const Bytes all_ff(kCoordLen, 0xff);
  Bytes one(kCoordLen, 0);
  one[kCoordLen - 1] = 1;  // x = 1: 1 - 3 + b is not a square mod p, so no y
  uint8_t shared[kCoordLen];
  for (const Bytes& x : {p, all_ff, one}) {
    std::memset(shared, 0xAA, sizeof(shared));
    EXPECT_EQ(ecdh(KeyType::kP256, key, cspan(x), shared), Error::kInvalidPoint) << "x-only " << to_hex(cspan(x));
  }

  Bytes x_is_p = good;  // x >= p with the full form
  std::memcpy(x_is_p.data(), p.data(), kCoordLen);
  Bytes y_is_p = good;
  std::memcpy(y_is_p.data() + kCoordLen, p.data(), kCoordLen);
  Bytes off_curve = good;
  off_curve[2 * kCoordLen - 1] ^= 0x01;
  const Bytes infinity(2 * kCoordLen, 0);
  for (const Bytes& xy : {x_is_p, y_is_p, off_curve, infinity}) {
    EXPECT_EQ(ecdh(KeyType::kP256, key, cspan(xy), shared), Error::kInvalidPoint) << "x||y " << to_hex(cspan(xy));
    const Bytes sig(kSignatureLen, 1);
    EXPECT_EQ(verify(KeyType::kP256, cspan(xy), cspan(one), cspan(sig)), Error::kInvalidPoint);
  }
  for (size_t len : {0u, 31u, 33u, 63u, 65u}) {
    const Bytes wrong(len, 3);
    EXPECT_EQ(ecdh(KeyType::kP256, key, cspan(wrong), shared), Error::kInvalidArgument) << "len " << len;
  }
}

TEST(P256, XOnlyAndFullPeerGiveTheSameSecret) {
  uint8_t a[kScalarLen], a_x[kCoordLen], b[kScalarLen], b_x[kCoordLen];
  ASSERT_EQ(ecdh_generate(KeyType::kP256, a, a_x), Error::kOk);
  ASSERT_EQ(ecdh_generate(KeyType::kP256, b, b_x), Error::kOk);
  const Bytes b_full = p256_public(to_bytes(b));
  EXPECT_EQ(Bytes(b_full.begin(), b_full.begin() + kCoordLen), to_bytes(b_x));
  uint8_t s1[kCoordLen], s2[kCoordLen], s3[kCoordLen];
  ASSERT_EQ(ecdh(KeyType::kP256, PrivateKey::from_raw(a), b_x, s1), Error::kOk);
  ASSERT_EQ(ecdh(KeyType::kP256, PrivateKey::from_raw(a), cspan(b_full), s2), Error::kOk);
  ASSERT_EQ(ecdh(KeyType::kP256, PrivateKey::from_raw(b), a_x, s3), Error::kOk);
  EXPECT_EQ(to_bytes(s1), to_bytes(s2));
  EXPECT_EQ(to_bytes(s1), to_bytes(s3));
}

TEST(P256, InvalidScalarIsAnArgumentError) {
  const Bytes zero(kScalarLen, 0);
  const Bytes n = hex(kP256N);
  uint8_t pub[kMaxPublicKeyLen];
  size_t len = 0;
  uint8_t out[kSignatureLen];
  uint8_t peer[kCoordLen], tmp[kScalarLen];
  ASSERT_EQ(ecdh_generate(KeyType::kP256, tmp, peer), Error::kOk);
  const Bytes msg = {1, 2, 3};
  for (const Bytes& d : {zero, n}) {
    const PrivateKey key = PrivateKey::from_raw(d.data());
    EXPECT_EQ(public_key(KeyType::kP256, key, pub, len), Error::kInvalidArgument);
    EXPECT_EQ(sign(KeyType::kP256, key, cspan(msg), out), Error::kInvalidArgument);
    uint8_t shared[kCoordLen];
    EXPECT_EQ(ecdh(KeyType::kP256, key, peer, shared), Error::kInvalidArgument);
  }
}

TEST(Ecdsa, SignVerifyAndRejections) {
  uint8_t d[kScalarLen], x[kCoordLen];
  ASSERT_EQ(ecdh_generate(KeyType::kP256, d, x), Error::kOk);
  const Bytes pub = p256_public(to_bytes(d));
  const Bytes msg = pattern(77);
  uint8_t sig[kSignatureLen];
  ASSERT_EQ(sign(KeyType::kP256, PrivateKey::from_raw(d), cspan(msg), sig), Error::kOk);
  EXPECT_EQ(verify(KeyType::kP256, cspan(pub), cspan(msg), sig), Error::kOk);
  Bytes bad_msg = msg;
  bad_msg[0] ^= 1;
  EXPECT_EQ(verify(KeyType::kP256, cspan(pub), cspan(bad_msg), sig), Error::kAuthFailed);
  for (size_t i : {0u, 31u, 32u, 63u}) {
    Bytes bad = to_bytes(sig);
    bad[i] ^= 0x40;
    EXPECT_EQ(verify(KeyType::kP256, cspan(pub), cspan(msg), cspan(bad)), Error::kAuthFailed) << i;
  }
  const Bytes zeros(kSignatureLen, 0);
  EXPECT_EQ(verify(KeyType::kP256, cspan(pub), cspan(msg), cspan(zeros)), Error::kAuthFailed);
  Bytes r_is_n = to_bytes(sig);
  const Bytes n = hex(kP256N);
  std::memcpy(r_is_n.data(), n.data(), kCoordLen);
  EXPECT_EQ(verify(KeyType::kP256, cspan(pub), cspan(msg), cspan(r_is_n)), Error::kAuthFailed);
  EXPECT_EQ(verify(KeyType::kP256, cspan(pub), cspan(msg), ConstByteSpan(sig, 63)), Error::kInvalidArgument);
  EXPECT_EQ(verify(KeyType::kP256, ConstByteSpan(pub.data(), kCoordLen), cspan(msg), sig), Error::kInvalidArgument);
}

// --- Ed25519 ------------------------------------------------------------------------

TEST(Ed25519, SignVerifyAndRejections) {
  HUSH_SKIP_WITHOUT_EDDSA();
  uint8_t seed[kScalarLen];
  ASSERT_EQ(random_bytes(seed), Error::kOk);
  uint8_t pub[kMaxPublicKeyLen];
  size_t len = 0;
  ASSERT_EQ(public_key(KeyType::kEd25519, PrivateKey::from_raw(seed), pub, len), Error::kOk);
  ASSERT_EQ(len, kCoordLen);
  const Bytes msg = pattern(50);
  uint8_t s1[kSignatureLen], s2[kSignatureLen];
  ASSERT_EQ(sign(KeyType::kEd25519, PrivateKey::from_raw(seed), cspan(msg), s1), Error::kOk);
  ASSERT_EQ(sign(KeyType::kEd25519, PrivateKey::from_raw(seed), cspan(msg), s2), Error::kOk);
  EXPECT_EQ(to_bytes(s1), to_bytes(s2));  // deterministic
  const ConstByteSpan pk(pub, len);
  EXPECT_EQ(verify(KeyType::kEd25519, pk, cspan(msg), s1), Error::kOk);
  s1[10] ^= 1;
  EXPECT_EQ(verify(KeyType::kEd25519, pk, cspan(msg), s1), Error::kAuthFailed);
  EXPECT_EQ(verify(KeyType::kEd25519, pk, cspan(msg), ConstByteSpan(s2, 32)), Error::kInvalidArgument);
  EXPECT_EQ(verify(KeyType::kEd25519, ConstByteSpan(pub, 31), cspan(msg), s2), Error::kInvalidArgument);
}

// The psa build has no EdDSA on mbed TLS 2.28: every Ed25519 entry point must
// say so (kUnsupported) instead of failing in some other way.
TEST(Ed25519, AvailabilityIsConsistent) {
  const bool missing = eddsa_missing();
  const Error want = missing ? Error::kUnsupported : Error::kOk;
  uint8_t seed[kScalarLen] = {7};
  uint8_t pub[kMaxPublicKeyLen] = {};
  size_t len = 0;
  EXPECT_EQ(public_key(KeyType::kEd25519, PrivateKey::from_raw(seed), pub, len), want);
  uint8_t sig[kSignatureLen] = {};
  const Bytes msg = {1};
  EXPECT_EQ(sign(KeyType::kEd25519, PrivateKey::from_raw(seed), cspan(msg), sig), want);
  EXPECT_EQ(verify(KeyType::kEd25519, ConstByteSpan(pub, kCoordLen), cspan(msg), sig), want);
#if defined(HUSH_CRYPTO_OPENSSL)
  EXPECT_FALSE(missing);
#endif
}

// --- key types and key ids ------------------------------------------------------------

TEST(KeyTypes, WrongOperationForTypeIsAnArgumentError) {
  uint8_t d[kScalarLen] = {5};
  uint8_t out[kCoordLen];
  uint8_t sig[kSignatureLen] = {};
  const Bytes peer(kCoordLen, 9);
  EXPECT_EQ(ecdh(KeyType::kEd25519, PrivateKey::from_raw(d), cspan(peer), out), Error::kInvalidArgument);
  EXPECT_EQ(sign(KeyType::kX25519, PrivateKey::from_raw(d), cspan(peer), sig), Error::kInvalidArgument);
  EXPECT_EQ(verify(KeyType::kX25519, cspan(peer), cspan(peer), sig), Error::kInvalidArgument);
  uint8_t pub[kCoordLen];
  EXPECT_EQ(ecdh_generate(KeyType::kEd25519, d, pub), Error::kInvalidArgument);
}

#if defined(HUSH_CRYPTO_OPENSSL)
TEST(KeyIds, UnsupportedOnOpenssl) {
  const PrivateKey key = PrivateKey::from_id(1);
  uint8_t pub[kMaxPublicKeyLen];
  size_t len = 0;
  uint8_t out[kCoordLen];
  uint8_t sig[kSignatureLen];
  const Bytes peer(kCoordLen, 9);
  EXPECT_EQ(public_key(KeyType::kP256, key, pub, len), Error::kUnsupported);
  EXPECT_EQ(ecdh(KeyType::kX25519, key, cspan(peer), out), Error::kUnsupported);
  EXPECT_EQ(sign(KeyType::kP256, key, cspan(peer), sig), Error::kUnsupported);
}
#else
// Stands in for a secure-element key: a PSA key the port may use but not see.
psa_key_id_t import_psa_key(psa_ecc_family_t family, psa_key_usage_t usage, psa_algorithm_t alg, const uint8_t* raw) {
  EXPECT_EQ(psa_crypto_init(), PSA_SUCCESS);
  psa_key_attributes_t attr = psa_key_attributes_init();
  psa_set_key_type(&attr, PSA_KEY_TYPE_ECC_KEY_PAIR(family));
  psa_set_key_usage_flags(&attr, usage);  // no EXPORT: the material stays inside
  psa_set_key_algorithm(&attr, alg);
  psa_key_id_t id = 0;
  EXPECT_EQ(psa_import_key(&attr, raw, kScalarLen, &id), PSA_SUCCESS);
  psa_reset_key_attributes(&attr);
  return id;
}

bool psa_key_exists(psa_key_id_t id) {
  psa_key_attributes_t attr = psa_key_attributes_init();
  const bool ok = psa_get_key_attributes(id, &attr) == PSA_SUCCESS;
  psa_reset_key_attributes(&attr);
  return ok;
}

TEST(KeyIds, PsaKeyIdsWorkLikeRawKeys) {
  for (KeyType type : {KeyType::kX25519, KeyType::kP256}) {
    uint8_t d[kScalarLen], d_pub[kCoordLen], peer_d[kScalarLen], peer[kCoordLen];
    ASSERT_EQ(ecdh_generate(type, d, d_pub), Error::kOk);
    ASSERT_EQ(ecdh_generate(type, peer_d, peer), Error::kOk);
    const psa_ecc_family_t fam = type == KeyType::kP256 ? PSA_ECC_FAMILY_SECP_R1 : PSA_ECC_FAMILY_MONTGOMERY;
    const psa_key_id_t id = import_psa_key(fam, PSA_KEY_USAGE_DERIVE, PSA_ALG_ECDH, d);
    uint8_t s_raw[kCoordLen], s_id[kCoordLen];
    ASSERT_EQ(ecdh(type, PrivateKey::from_raw(d), peer, s_raw), Error::kOk);
    ASSERT_EQ(ecdh(type, PrivateKey::from_id(id), peer, s_id), Error::kOk);
    EXPECT_EQ(to_bytes(s_raw), to_bytes(s_id));
    uint8_t pub_raw[kMaxPublicKeyLen], pub_id[kMaxPublicKeyLen];
    size_t len_raw = 0, len_id = 0;
    ASSERT_EQ(public_key(type, PrivateKey::from_raw(d), pub_raw, len_raw), Error::kOk);
    ASSERT_EQ(public_key(type, PrivateKey::from_id(id), pub_id, len_id), Error::kOk);
    EXPECT_EQ(Bytes(pub_raw, pub_raw + len_raw), Bytes(pub_id, pub_id + len_id));
    // Wrong curve for the id, and an id with no key behind it.
    const KeyType other = type == KeyType::kP256 ? KeyType::kX25519 : KeyType::kP256;
    EXPECT_EQ(ecdh(other, PrivateKey::from_id(id), peer, s_id), Error::kInvalidArgument);
    EXPECT_TRUE(psa_key_exists(id)) << "the port must not destroy a caller's key";
    EXPECT_EQ(psa_destroy_key(id), PSA_SUCCESS);
    EXPECT_EQ(ecdh(type, PrivateKey::from_id(id), peer, s_id), Error::kInvalidArgument);
  }
  uint8_t d[kScalarLen], x[kCoordLen];
  ASSERT_EQ(ecdh_generate(KeyType::kP256, d, x), Error::kOk);
  const psa_key_id_t id =
      import_psa_key(PSA_ECC_FAMILY_SECP_R1, PSA_KEY_USAGE_SIGN_MESSAGE, PSA_ALG_ECDSA(PSA_ALG_SHA_256), d);
  const Bytes msg = pattern(30);
  uint8_t sig[kSignatureLen];
  ASSERT_EQ(sign(KeyType::kP256, PrivateKey::from_id(id), cspan(msg), sig), Error::kOk);
  EXPECT_EQ(verify(KeyType::kP256, cspan(p256_public(to_bytes(d))), cspan(msg), sig), Error::kOk);
  // Its policy allows signing only: using it for ECDH is refused.
  uint8_t shared[kCoordLen];
  EXPECT_EQ(ecdh(KeyType::kP256, PrivateKey::from_id(id), x, shared), Error::kInvalidArgument);
  EXPECT_EQ(psa_destroy_key(id), PSA_SUCCESS);
}
#endif

}  // namespace
}  // namespace hush::crypto::test
