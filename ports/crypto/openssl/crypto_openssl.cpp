// SPDX-License-Identifier: Apache-2.0
// Crypto port on OpenSSL 3: the complete host backend. Raw private keys only
// (no key ids). OpenSSL allocates internally; only incremental SHA-256 has to
// live in caller-provided storage, which is why the low-level SHA256_CTX API
// (deprecated in 3.0 but allocation-free) is used for it.

// Must precede every OpenSSL include: SHA256_Init and friends are deprecated.
#define OPENSSL_SUPPRESS_DEPRECATED

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/kdf.h>
#include <openssl/obj_mac.h>
#include <openssl/param_build.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

#include <climits>
#include <cstdint>
#include <cstring>
#include <memory>
#include <new>

#include "hush/crypto.h"
#include "hush/ct.h"

namespace hush::crypto {

static_assert(sizeof(SHA256_CTX) <= kSha256StateSize, "kSha256StateSize too small for SHA256_CTX");
static_assert(alignof(SHA256_CTX) <= alignof(Sha256), "Sha256 storage under-aligned for SHA256_CTX");

namespace {

constexpr size_t kP256PointLen = 65;         // 0x04 || x || y
constexpr size_t kMaxDerSigLen = 72;         // SEQUENCE of two INTEGERs of up to 33 bytes
constexpr size_t kCcmMaxPlaintext = 0xFFFF;  // L = 2
constexpr uint8_t kNoBytes[1] = {0};         // stands in for data() of empty spans

template <typename T, void (*F)(T*)>
struct Deleter {
  void operator()(T* p) const noexcept { F(p); }
};
template <typename T, void (*F)(T*)>
using Owned = std::unique_ptr<T, Deleter<T, F>>;

using Pkey = Owned<EVP_PKEY, EVP_PKEY_free>;
using PkeyCtx = Owned<EVP_PKEY_CTX, EVP_PKEY_CTX_free>;
using MdCtx = Owned<EVP_MD_CTX, EVP_MD_CTX_free>;
using CipherCtx = Owned<EVP_CIPHER_CTX, EVP_CIPHER_CTX_free>;
using Bn = Owned<BIGNUM, BN_clear_free>;
using BnCtx = Owned<BN_CTX, BN_CTX_free>;
using Group = Owned<EC_GROUP, EC_GROUP_free>;
using Point = Owned<EC_POINT, EC_POINT_free>;
using EcdsaSig = Owned<ECDSA_SIG, ECDSA_SIG_free>;
using ParamBld = Owned<OSSL_PARAM_BLD, OSSL_PARAM_BLD_free>;
using Params = Owned<OSSL_PARAM, OSSL_PARAM_free>;
using Kdf = Owned<EVP_KDF, EVP_KDF_free>;
using KdfCtx = Owned<EVP_KDF_CTX, EVP_KDF_CTX_free>;

// OpenSSL queues an error record on most failures; drop it so a long-running
// host process does not accumulate them.
Error fail(Error e) noexcept {
  ERR_clear_error();
  return e;
}

const uint8_t* ptr(ConstByteSpan s) noexcept {
  return s.empty() ? kNoBytes : s.data();
}

SHA256_CTX* sha_ctx(Sha256& st) noexcept {
  return std::launder(reinterpret_cast<SHA256_CTX*>(st.opaque));
}

// ---------------------------------------------------------------------------
// P-256 helpers

// Builds a P-256 key pair from a raw scalar and returns the uncompressed public
// point. A scalar of 0 or >= n is the caller's mistake: kInvalidArgument.
Error p256_keypair(const uint8_t* scalar, Pkey& out, uint8_t (&point)[kP256PointLen]) noexcept {
  Group group(EC_GROUP_new_by_curve_name(NID_X9_62_prime256v1));
  BnCtx bn_ctx(BN_CTX_new());
  Bn d(BN_secure_new());
  if (!group || !bn_ctx || !d) return fail(Error::kCryptoFailed);
  BN_set_flags(d.get(), BN_FLG_CONSTTIME);
  if (BN_bin2bn(scalar, static_cast<int>(kScalarLen), d.get()) == nullptr) return fail(Error::kCryptoFailed);
  if (BN_is_zero(d.get()) || BN_cmp(d.get(), EC_GROUP_get0_order(group.get())) >= 0) {
    return fail(Error::kInvalidArgument);
  }
  Point q(EC_POINT_new(group.get()));
  if (!q || EC_POINT_mul(group.get(), q.get(), d.get(), nullptr, nullptr, bn_ctx.get()) != 1 ||
      EC_POINT_point2oct(group.get(), q.get(), POINT_CONVERSION_UNCOMPRESSED, point, sizeof(point), bn_ctx.get()) !=
          sizeof(point)) {
    return fail(Error::kCryptoFailed);
  }
  ParamBld bld(OSSL_PARAM_BLD_new());
  if (!bld || OSSL_PARAM_BLD_push_utf8_string(bld.get(), OSSL_PKEY_PARAM_GROUP_NAME, SN_X9_62_prime256v1, 0) != 1 ||
      OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_PRIV_KEY, d.get()) != 1 ||
      OSSL_PARAM_BLD_push_octet_string(bld.get(), OSSL_PKEY_PARAM_PUB_KEY, point, sizeof(point)) != 1) {
    return fail(Error::kCryptoFailed);
  }
  // OSSL_PARAM_free does not wipe; the builder copied the scalar into it.
  Params params(OSSL_PARAM_BLD_to_param(bld.get()));
  PkeyCtx ctx(EVP_PKEY_CTX_new_from_name(nullptr, "EC", nullptr));
  EVP_PKEY* raw = nullptr;
  const bool built = params && ctx && EVP_PKEY_fromdata_init(ctx.get()) == 1 &&
                     EVP_PKEY_fromdata(ctx.get(), &raw, EVP_PKEY_KEYPAIR, params.get()) == 1;
  if (params) {
    OSSL_PARAM* p = OSSL_PARAM_locate(params.get(), OSSL_PKEY_PARAM_PRIV_KEY);
    if (p != nullptr) ct::wipe(p->data, p->data_size);
  }
  out.reset(raw);
  return built ? Error::kOk : fail(Error::kCryptoFailed);
}

// Imports an encoded P-256 point (0x02/0x03 || x, or 0x04 || x || y). OpenSSL
// rejects x or y >= p, points not on the curve and x with no square root.
Error p256_public(const uint8_t* encoded, size_t len, Pkey& out) noexcept {
  char group_name[] = SN_X9_62_prime256v1;  // OSSL_PARAM wants a mutable pointer
  OSSL_PARAM params[] = {
      OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, group_name, 0),
      OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PUB_KEY, const_cast<uint8_t*>(encoded), len),
      OSSL_PARAM_construct_end(),
  };
  PkeyCtx ctx(EVP_PKEY_CTX_new_from_name(nullptr, "EC", nullptr));
  if (!ctx || EVP_PKEY_fromdata_init(ctx.get()) != 1) return fail(Error::kCryptoFailed);
  EVP_PKEY* raw = nullptr;
  if (EVP_PKEY_fromdata(ctx.get(), &raw, EVP_PKEY_PUBLIC_KEY, params) != 1) return fail(Error::kInvalidPoint);
  out.reset(raw);
  // Belt and braces: the full public-key check (on curve, not infinity, order).
  PkeyCtx check(EVP_PKEY_CTX_new(out.get(), nullptr));
  if (!check) return fail(Error::kCryptoFailed);
  if (EVP_PKEY_public_check(check.get()) != 1) return fail(Error::kInvalidPoint);
  return Error::kOk;
}

Error raw_private(KeyType type, const PrivateKey& priv, Pkey& out, uint8_t (&p256_point)[kP256PointLen]) noexcept {
  if (priv.raw == nullptr) return Error::kUnsupported;  // no key ids on this backend
  switch (type) {
    case KeyType::kX25519:
    case KeyType::kEd25519: {
      out.reset(EVP_PKEY_new_raw_private_key(type == KeyType::kX25519 ? EVP_PKEY_X25519 : EVP_PKEY_ED25519, nullptr,
                                             priv.raw, kScalarLen));
      return out ? Error::kOk : fail(Error::kCryptoFailed);
    }
    case KeyType::kP256: return p256_keypair(priv.raw, out, p256_point);
  }
  return Error::kInvalidArgument;
}

// ---------------------------------------------------------------------------
// AES-CCM

Error ccm(bool encrypt, Aead alg, ConstByteSpan key, ConstByteSpan nonce, ConstByteSpan aad, const uint8_t* in,
          size_t len, uint8_t* out, uint8_t* tag) noexcept {
  const size_t tl = tag_len(alg);
  CipherCtx ctx(EVP_CIPHER_CTX_new());
  if (!ctx) return fail(Error::kCryptoFailed);
  const int enc = encrypt ? 1 : 0;
  int outl = 0;
  uint8_t dummy = 0;  // OpenSSL tells "process data" from "set length" by non-null pointers
  if (EVP_CipherInit_ex(ctx.get(), EVP_aes_128_ccm(), nullptr, nullptr, nullptr, enc) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_AEAD_SET_IVLEN, static_cast<int>(kCcmNonceLen), nullptr) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_AEAD_SET_TAG, static_cast<int>(tl), encrypt ? nullptr : tag) != 1 ||
      EVP_CipherInit_ex(ctx.get(), nullptr, nullptr, key.data(), nonce.data(), enc) != 1 ||
      EVP_CipherUpdate(ctx.get(), nullptr, &outl, nullptr, static_cast<int>(len)) != 1) {
    return fail(Error::kCryptoFailed);
  }
  if (!aad.empty() && EVP_CipherUpdate(ctx.get(), nullptr, &outl, aad.data(), static_cast<int>(aad.size())) != 1) {
    return fail(Error::kCryptoFailed);
  }
  const uint8_t* src = len == 0 ? &dummy : in;
  uint8_t* dst = len == 0 ? &dummy : out;
  if (EVP_CipherUpdate(ctx.get(), dst, &outl, src, static_cast<int>(len)) != 1) {
    // For decryption the only data-dependent failure here is the tag check.
    return fail(encrypt ? Error::kCryptoFailed : Error::kAuthFailed);
  }
  if (encrypt && (EVP_CipherFinal_ex(ctx.get(), &dummy, &outl) != 1 ||
                  EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_AEAD_GET_TAG, static_cast<int>(tl), tag) != 1)) {
    return fail(Error::kCryptoFailed);
  }
  return Error::kOk;
}

Error check_aead_args(ConstByteSpan key, ConstByteSpan nonce, ConstByteSpan aad) noexcept {
  if (key.size() != kAesKeyLen || nonce.size() != kCcmNonceLen) return Error::kInvalidArgument;
  if (aad.size() > INT_MAX) return Error::kInvalidArgument;
  return Error::kOk;
}

}  // namespace

// ---------------------------------------------------------------------------

const char* backend_name() noexcept {
  return "openssl";
}

Error random_bytes(ByteSpan out) noexcept {
  if (out.empty()) return Error::kOk;
  if (out.size() > INT_MAX) return Error::kInvalidArgument;
  return RAND_bytes(out.data(), static_cast<int>(out.size())) == 1 ? Error::kOk : fail(Error::kCryptoFailed);
}

Error sha256_start(Sha256& st) noexcept {
  SHA256_CTX* ctx = new (st.opaque) SHA256_CTX;
  return SHA256_Init(ctx) == 1 ? Error::kOk : Error::kCryptoFailed;
}

Error sha256_update(Sha256& st, ConstByteSpan data) noexcept {
  if (data.empty()) return Error::kOk;
  if (SHA256_Update(sha_ctx(st), data.data(), data.size()) == 1) return Error::kOk;
  sha256_abort(st);
  return Error::kCryptoFailed;
}

Error sha256_finish(Sha256& st, uint8_t (&digest)[kHashLen]) noexcept {
  const int rc = SHA256_Final(digest, sha_ctx(st));
  sha256_abort(st);
  return rc == 1 ? Error::kOk : Error::kCryptoFailed;
}

void sha256_abort(Sha256& st) noexcept {
  ct::wipe_object(st.opaque);
}

Error hmac_sha256(ConstByteSpan key, ConstByteSpan data, uint8_t (&mac)[kHashLen]) noexcept {
  if (key.size() > INT_MAX) return Error::kInvalidArgument;
  unsigned int len = 0;
  if (HMAC(EVP_sha256(), ptr(key), static_cast<int>(key.size()), ptr(data), data.size(), mac, &len) == nullptr ||
      len != kHashLen) {
    ct::wipe_object(mac);
    return fail(Error::kCryptoFailed);
  }
  return Error::kOk;
}

// Extract is HMAC(salt, IKM) by definition (RFC 5869 §2.2); an empty salt is
// the same HMAC key as HashLen zero bytes, so no special case is needed.
Error hkdf_extract(ConstByteSpan salt, ConstByteSpan ikm, uint8_t (&prk)[kHashLen]) noexcept {
  return hmac_sha256(salt, ikm, prk);
}

Error hkdf_expand(ConstByteSpan prk, ConstByteSpan info, ByteSpan out) noexcept {
  if (prk.size() < kHashLen || out.size() > 255 * kHashLen) return Error::kInvalidArgument;
  if (out.empty()) return Error::kOk;
  Kdf kdf(EVP_KDF_fetch(nullptr, "HKDF", nullptr));
  KdfCtx ctx(kdf ? EVP_KDF_CTX_new(kdf.get()) : nullptr);
  if (!ctx) return fail(Error::kCryptoFailed);
  int mode = EVP_KDF_HKDF_MODE_EXPAND_ONLY;
  char digest[] = "SHA256";
  OSSL_PARAM params[] = {
      OSSL_PARAM_construct_int(OSSL_KDF_PARAM_MODE, &mode),
      OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, digest, 0),
      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, const_cast<uint8_t*>(prk.data()), prk.size()),
      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, const_cast<uint8_t*>(ptr(info)), info.size()),
      OSSL_PARAM_construct_end(),
  };
  if (EVP_KDF_derive(ctx.get(), out.data(), out.size(), params) != 1) {
    ct::wipe(out);
    return fail(Error::kCryptoFailed);
  }
  return Error::kOk;
}

Error aead_seal(Aead alg, ConstByteSpan key, ConstByteSpan nonce, ConstByteSpan aad, ConstByteSpan plaintext,
                ByteSpan out) noexcept {
  HUSH_TRY(check_aead_args(key, nonce, aad));
  if (plaintext.size() > kCcmMaxPlaintext) return Error::kInvalidArgument;
  const size_t tl = tag_len(alg);
  if (out.size() < plaintext.size() + tl) return Error::kBufferTooSmall;
  if (ct::partially_overlaps(plaintext.data(), plaintext.size(), out.data(), plaintext.size() + tl)) {
    return Error::kInvalidArgument;
  }
  const Error e =
      ccm(true, alg, key, nonce, aad, plaintext.data(), plaintext.size(), out.data(), out.data() + plaintext.size());
  if (e != Error::kOk) ct::wipe(out.data(), plaintext.size() + tl);
  return e;
}

Error aead_open(Aead alg, ConstByteSpan key, ConstByteSpan nonce, ConstByteSpan aad, ConstByteSpan ciphertext,
                ByteSpan out) noexcept {
  HUSH_TRY(check_aead_args(key, nonce, aad));
  const size_t tl = tag_len(alg);
  if (ciphertext.size() < tl || ciphertext.size() - tl > kCcmMaxPlaintext) return Error::kInvalidArgument;
  const size_t len = ciphertext.size() - tl;
  if (out.size() < len) return Error::kBufferTooSmall;
  if (ct::partially_overlaps(ciphertext.data(), len, out.data(), len)) return Error::kInvalidArgument;
  // The expected tag is read before decryption starts, so decrypting in place
  // over the ciphertext cannot clobber it; copy it anyway, since the tag may
  // lie inside `out` when the caller's buffer is larger than needed.
  uint8_t tag[16];
  std::memcpy(tag, ciphertext.data() + len, tl);
  const Error e = ccm(false, alg, key, nonce, aad, ciphertext.data(), len, out.data(), tag);
  if (e != Error::kOk) ct::wipe(out.data(), len);
  return e;
}

Error ecdh_generate(KeyType type, uint8_t (&priv)[kScalarLen], uint8_t (&pub)[kCoordLen]) noexcept {
  if (type != KeyType::kX25519 && type != KeyType::kP256) return Error::kInvalidArgument;
  // Rejection sampling: for P-256 a random 256-bit string is >= n with
  // probability ~2^-32, so a few tries always suffice in practice.
  for (int attempt = 0; attempt < 8; ++attempt) {
    if (RAND_bytes(priv, static_cast<int>(kScalarLen)) != 1) break;
    uint8_t full[kMaxPublicKeyLen];
    size_t len = 0;
    const Error e = public_key(type, PrivateKey::from_raw(priv), full, len);
    if (e == Error::kOk) {
      std::memcpy(pub, full, kCoordLen);
      return Error::kOk;
    }
    if (e != Error::kInvalidArgument) break;
  }
  ct::wipe_object(priv);
  return fail(Error::kCryptoFailed);
}

Error ecdh(KeyType type, const PrivateKey& priv, ConstByteSpan peer, uint8_t (&shared)[kCoordLen]) noexcept {
  if (type == KeyType::kEd25519) return Error::kInvalidArgument;
  if (peer.size() != kCoordLen && (type != KeyType::kP256 || peer.size() != 2 * kCoordLen)) {
    return Error::kInvalidArgument;
  }
  // The caller's key first: a bad key is reported as such whatever the peer.
  Pkey key;
  uint8_t point[kP256PointLen];
  HUSH_TRY(raw_private(type, priv, key, point));
  Pkey peer_key;
  if (type == KeyType::kX25519) {
    peer_key.reset(EVP_PKEY_new_raw_public_key(EVP_PKEY_X25519, nullptr, peer.data(), peer.size()));
    if (!peer_key) return fail(Error::kCryptoFailed);
  } else {
    // For x only, the sign of y does not change the x-coordinate of d*Q, so
    // either root will do; OpenSSL finds one (and rejects x with none).
    uint8_t encoded[kP256PointLen];
    encoded[0] = peer.size() == kCoordLen ? 0x02 : 0x04;
    std::memcpy(encoded + 1, peer.data(), peer.size());
    HUSH_TRY(p256_public(encoded, peer.size() + 1, peer_key));
  }
  PkeyCtx ctx(EVP_PKEY_CTX_new(key.get(), nullptr));
  size_t len = kCoordLen;
  if (!ctx || EVP_PKEY_derive_init(ctx.get()) != 1 || EVP_PKEY_derive_set_peer(ctx.get(), peer_key.get()) != 1) {
    return fail(type == KeyType::kP256 ? Error::kInvalidPoint : Error::kCryptoFailed);
  }
  if (EVP_PKEY_derive(ctx.get(), shared, &len) != 1 || len != kCoordLen) {
    ct::wipe_object(shared);
    // OpenSSL's X25519 refuses an all-zero result (a low-order peer point);
    // that is the only way derivation fails on valid key objects.
    return fail(type == KeyType::kX25519 ? Error::kInvalidPoint : Error::kCryptoFailed);
  }
  if (type == KeyType::kX25519 && ct::is_zero(ConstByteSpan(shared))) return Error::kInvalidPoint;  // RFC 7748 §6.1
  return Error::kOk;
}

Error public_key(KeyType type, const PrivateKey& priv, uint8_t (&pub)[kMaxPublicKeyLen], size_t& len) noexcept {
  len = 0;
  Pkey key;
  uint8_t point[kP256PointLen];
  HUSH_TRY(raw_private(type, priv, key, point));
  if (type == KeyType::kP256) {
    std::memcpy(pub, point + 1, 2 * kCoordLen);
    len = 2 * kCoordLen;
    return Error::kOk;
  }
  size_t n = kCoordLen;
  if (EVP_PKEY_get_raw_public_key(key.get(), pub, &n) != 1 || n != kCoordLen) return fail(Error::kCryptoFailed);
  len = n;
  return Error::kOk;
}

Error sign(KeyType type, const PrivateKey& priv, ConstByteSpan msg, uint8_t (&sig)[kSignatureLen]) noexcept {
  if (type == KeyType::kX25519) return Error::kInvalidArgument;
  Pkey key;
  uint8_t point[kP256PointLen];
  HUSH_TRY(raw_private(type, priv, key, point));
  MdCtx md(EVP_MD_CTX_new());
  const EVP_MD* digest = type == KeyType::kP256 ? EVP_sha256() : nullptr;  // EdDSA hashes internally
  if (!md || EVP_DigestSignInit(md.get(), nullptr, digest, nullptr, key.get()) != 1) {
    return fail(Error::kCryptoFailed);
  }
  if (type == KeyType::kEd25519) {
    size_t n = kSignatureLen;
    if (EVP_DigestSign(md.get(), sig, &n, ptr(msg), msg.size()) != 1 || n != kSignatureLen) {
      return fail(Error::kCryptoFailed);
    }
    return Error::kOk;
  }
  uint8_t der[kMaxDerSigLen];
  size_t der_len = sizeof(der);
  if (EVP_DigestSign(md.get(), der, &der_len, ptr(msg), msg.size()) != 1) return fail(Error::kCryptoFailed);
  const uint8_t* p = der;
  EcdsaSig parsed(d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(der_len)));
  if (!parsed) return fail(Error::kCryptoFailed);
  const BIGNUM* r = nullptr;
  const BIGNUM* s = nullptr;
  ECDSA_SIG_get0(parsed.get(), &r, &s);
  if (BN_bn2binpad(r, sig, static_cast<int>(kCoordLen)) != static_cast<int>(kCoordLen) ||
      BN_bn2binpad(s, sig + kCoordLen, static_cast<int>(kCoordLen)) != static_cast<int>(kCoordLen)) {
    return fail(Error::kCryptoFailed);
  }
  return Error::kOk;
}

Error verify(KeyType type, ConstByteSpan pub, ConstByteSpan msg, ConstByteSpan sig) noexcept {
  if (type == KeyType::kX25519) return Error::kInvalidArgument;
  if (sig.size() != kSignatureLen) return Error::kInvalidArgument;
  Pkey key;
  const EVP_MD* digest = nullptr;
  const uint8_t* to_verify = sig.data();
  size_t to_verify_len = sig.size();
  uint8_t der[kMaxDerSigLen];
  if (type == KeyType::kEd25519) {
    if (pub.size() != kCoordLen) return Error::kInvalidArgument;
    // OpenSSL decodes the point only inside verification, so an undecodable
    // Ed25519 key shows up as kAuthFailed rather than kInvalidPoint.
    key.reset(EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nullptr, pub.data(), pub.size()));
    if (!key) return fail(Error::kCryptoFailed);
  } else {
    if (pub.size() != 2 * kCoordLen) return Error::kInvalidArgument;
    uint8_t encoded[kP256PointLen];
    encoded[0] = 0x04;
    std::memcpy(encoded + 1, pub.data(), pub.size());
    HUSH_TRY(p256_public(encoded, sizeof(encoded), key));
    digest = EVP_sha256();
    // Raw r||s to DER. Out-of-range r or s encode fine and fail verification.
    EcdsaSig s(ECDSA_SIG_new());
    Bn r_bn(BN_bin2bn(sig.data(), static_cast<int>(kCoordLen), nullptr));
    Bn s_bn(BN_bin2bn(sig.data() + kCoordLen, static_cast<int>(kCoordLen), nullptr));
    if (!s || !r_bn || !s_bn || ECDSA_SIG_set0(s.get(), r_bn.get(), s_bn.get()) != 1) {
      return fail(Error::kCryptoFailed);
    }
    (void)r_bn.release();  // now owned by s
    (void)s_bn.release();
    const int n = i2d_ECDSA_SIG(s.get(), nullptr);
    if (n <= 0 || static_cast<size_t>(n) > sizeof(der)) return fail(Error::kCryptoFailed);
    uint8_t* out = der;
    if (i2d_ECDSA_SIG(s.get(), &out) != n) return fail(Error::kCryptoFailed);
    to_verify = der;
    to_verify_len = static_cast<size_t>(n);
  }
  MdCtx md(EVP_MD_CTX_new());
  if (!md || EVP_DigestVerifyInit(md.get(), nullptr, digest, nullptr, key.get()) != 1) {
    return fail(Error::kCryptoFailed);
  }
  if (EVP_DigestVerify(md.get(), to_verify, to_verify_len, ptr(msg), msg.size()) != 1) {
    return fail(Error::kAuthFailed);
  }
  return Error::kOk;
}

}  // namespace hush::crypto
