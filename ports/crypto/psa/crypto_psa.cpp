// SPDX-License-Identifier: Apache-2.0
// Crypto port on the PSA Crypto API: the production backend for EFR32 (Secure
// Engine) and any PSA platform; tested on the host against mbed TLS 2.28.
//
// Keys: raw private keys are imported as volatile keys and destroyed after the
// single operation that needs them; a PrivateKey without raw bytes names a
// persistent PSA key (e.g. in a secure element), which is used, never exported.
// Such a key must be an ECC key pair of the right family and size whose policy
// permits PSA_ALG_ECDH with PSA_KEY_USAGE_DERIVE, or PSA_ALG_ECDSA(SHA-256) /
// PSA_ALG_PURE_EDDSA with PSA_KEY_USAGE_SIGN_MESSAGE.
//
// Besides PSA this file uses three mbed TLS modules, which a firmware config
// must enable: bignum + ecp (MBEDTLS_BIGNUM_C, MBEDTLS_ECP_C, SECP256R1) to
// recover y for P-256 peers sent as x only, since PSA imports uncompressed
// points only; and MBEDTLS_HKDF_C when the PSA headers lack PSA_ALG_HKDF_EXPAND.

#include <psa/crypto.h>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <new>

#include <mbedtls/bignum.h>
#include <mbedtls/ecp.h>
#if !defined(PSA_ALG_HKDF_EXPAND)
#include <mbedtls/hkdf.h>
#include <mbedtls/md.h>
#endif

#include "hush/crypto.h"
#include "hush/ct.h"

namespace hush::crypto {

static_assert(sizeof(psa_hash_operation_t) <= kSha256StateSize,
              "kSha256StateSize too small for psa_hash_operation_t; raise HUSH_SHA256_STATE_SIZE");
static_assert(alignof(psa_hash_operation_t) <= alignof(Sha256), "Sha256 storage under-aligned");

namespace {

// mbed TLS 2.28 has no EdDSA in PSA; newer PSA configs announce it.
#if defined(PSA_WANT_ALG_PURE_EDDSA) && defined(PSA_WANT_ECC_TWISTED_EDWARDS_255)
constexpr bool kHasEddsa = true;
#else
constexpr bool kHasEddsa = false;
#endif

constexpr size_t kP256PointLen = 65;         // 0x04 || x || y
constexpr size_t kCcmMaxPlaintext = 0xFFFF;  // L = 2
constexpr size_t kHmacBlockLen = 64;
constexpr uint8_t kZeroByte[1] = {0};
constexpr psa_algorithm_t kEcdsa = PSA_ALG_ECDSA(PSA_ALG_SHA_256);
constexpr psa_algorithm_t kHmac = PSA_ALG_HMAC(PSA_ALG_SHA_256);

// psa_crypto_init() is idempotent and cheap after the first call, so every
// entry point calls it rather than keeping an "initialised" flag of our own.
Error init() noexcept {
  return psa_crypto_init() == PSA_SUCCESS ? Error::kOk : Error::kCryptoFailed;
}

Error map(psa_status_t s) noexcept {
  switch (s) {
    case PSA_SUCCESS: return Error::kOk;
    case PSA_ERROR_INVALID_SIGNATURE: return Error::kAuthFailed;
    case PSA_ERROR_NOT_SUPPORTED: return Error::kUnsupported;
    case PSA_ERROR_BUFFER_TOO_SMALL: return Error::kBufferTooSmall;
    case PSA_ERROR_INVALID_ARGUMENT:
    case PSA_ERROR_INVALID_HANDLE:
    case PSA_ERROR_DOES_NOT_EXIST:
    case PSA_ERROR_NOT_PERMITTED: return Error::kInvalidArgument;
    default: return Error::kCryptoFailed;
  }
}

psa_ecc_family_t family(KeyType t) noexcept {
  switch (t) {
    case KeyType::kX25519: return PSA_ECC_FAMILY_MONTGOMERY;
    case KeyType::kEd25519: return PSA_ECC_FAMILY_TWISTED_EDWARDS;
    case KeyType::kP256: return PSA_ECC_FAMILY_SECP_R1;
  }
  return PSA_ECC_FAMILY_SECP_R1;
}

// Curves follow the compiled-in suites; with a constant false here the
// compiler drops the other curve's code (e.g. P-256 y recovery in a
// suite-0-only firmware), and mbed TLS's curve with it.
constexpr bool compiled(KeyType t) noexcept {
  return t == KeyType::kP256 ? config::kP256 : config::kCurve25519;
}

size_t key_bits(KeyType t) noexcept {
  return t == KeyType::kP256 ? 256 : 255;
}

// A key id for one operation; destroys the key at scope exit if it imported or
// generated it (every path, including failures), never a caller's key.
class Key {
 public:
  Key() noexcept = default;
  Key(const Key&) = delete;
  Key& operator=(const Key&) = delete;
  ~Key() {
    if (owned_) (void)psa_destroy_key(id_);
  }

  psa_status_t import(psa_key_type_t type, psa_key_usage_t usage, psa_algorithm_t alg, const uint8_t* data,
                      size_t len) noexcept {
    psa_key_attributes_t attr = psa_key_attributes_init();
    psa_set_key_type(&attr, type);
    psa_set_key_usage_flags(&attr, usage);
    psa_set_key_algorithm(&attr, alg);
    const psa_status_t s = psa_import_key(&attr, data, len, &id_);
    psa_reset_key_attributes(&attr);
    owned_ = s == PSA_SUCCESS;
    return s;
  }

  psa_status_t generate(psa_key_type_t type, size_t bits, psa_key_usage_t usage, psa_algorithm_t alg) noexcept {
    psa_key_attributes_t attr = psa_key_attributes_init();
    psa_set_key_type(&attr, type);
    psa_set_key_bits(&attr, bits);
    psa_set_key_usage_flags(&attr, usage);
    psa_set_key_algorithm(&attr, alg);
    const psa_status_t s = psa_generate_key(&attr, &id_);
    psa_reset_key_attributes(&attr);
    owned_ = s == PSA_SUCCESS;
    return s;
  }

  void borrow(psa_key_id_t id) noexcept { id_ = id; }
  psa_key_id_t id() const noexcept { return id_; }

 private:
  psa_key_id_t id_ = 0;
  bool owned_ = false;
};

Error load_private(KeyType type, const PrivateKey& priv, psa_key_usage_t usage, psa_algorithm_t alg,
                   Key& key) noexcept {
  const psa_key_type_t kt = PSA_KEY_TYPE_ECC_KEY_PAIR(family(type));
  if (priv.raw != nullptr) return map(key.import(kt, usage, alg, priv.raw, kScalarLen));  // bad scalar: invalid-arg
  // A stored key: check its kind first, so that a wrong id fails as a caller
  // mistake and not, say, as an invalid peer point.
  psa_key_attributes_t attr = psa_key_attributes_init();
  const psa_status_t s = psa_get_key_attributes(static_cast<psa_key_id_t>(priv.key_id), &attr);
  const bool match = s == PSA_SUCCESS && psa_get_key_type(&attr) == kt && psa_get_key_bits(&attr) == key_bits(type);
  psa_reset_key_attributes(&attr);
  if (s != PSA_SUCCESS) return map(s);
  if (!match) return Error::kInvalidArgument;
  key.borrow(static_cast<psa_key_id_t>(priv.key_id));
  return Error::kOk;
}

// y for a P-256 x: rhs = x^3 - 3x + b (mod p), y = rhs^((p+1)/4) (mod p), a
// square root because p = 3 (mod 4); it is one only if y^2 = rhs. Either root
// gives the same ECDH x-coordinate. x is public, so timing does not matter.
Error p256_recover_y(const uint8_t* x, uint8_t* y) noexcept {
  mbedtls_ecp_group grp;
  mbedtls_mpi X, Y, rhs, t, e;
  mbedtls_ecp_group_init(&grp);
  mbedtls_mpi_init(&X);
  mbedtls_mpi_init(&Y);
  mbedtls_mpi_init(&rhs);
  mbedtls_mpi_init(&t);
  mbedtls_mpi_init(&e);
  Error result = Error::kCryptoFailed;
  int rc = mbedtls_ecp_group_load(&grp, MBEDTLS_ECP_DP_SECP256R1);
  if (rc == 0) rc = mbedtls_mpi_read_binary(&X, x, kCoordLen);
  if (rc == 0 && mbedtls_mpi_cmp_mpi(&X, &grp.P) >= 0) {
    result = Error::kInvalidPoint;  // non-canonical coordinate
  } else if (rc == 0) {
    rc = mbedtls_mpi_mul_mpi(&t, &X, &X);
    if (rc == 0) rc = mbedtls_mpi_sub_int(&t, &t, 3);
    if (rc == 0) rc = mbedtls_mpi_mul_mpi(&rhs, &t, &X);
    if (rc == 0) rc = mbedtls_mpi_add_mpi(&rhs, &rhs, &grp.B);
    if (rc == 0) rc = mbedtls_mpi_mod_mpi(&rhs, &rhs, &grp.P);
    if (rc == 0) rc = mbedtls_mpi_add_int(&e, &grp.P, 1);
    if (rc == 0) rc = mbedtls_mpi_shift_r(&e, 2);
    if (rc == 0) rc = mbedtls_mpi_exp_mod(&Y, &rhs, &e, &grp.P, nullptr);
    if (rc == 0) rc = mbedtls_mpi_mul_mpi(&t, &Y, &Y);
    if (rc == 0) rc = mbedtls_mpi_mod_mpi(&t, &t, &grp.P);
    if (rc == 0) {
      result = mbedtls_mpi_cmp_mpi(&t, &rhs) == 0 ? Error::kOk : Error::kInvalidPoint;
    }
    if (result == Error::kOk && mbedtls_mpi_write_binary(&Y, y, kCoordLen) != 0) result = Error::kCryptoFailed;
  }
  mbedtls_mpi_free(&e);
  mbedtls_mpi_free(&t);
  mbedtls_mpi_free(&rhs);
  mbedtls_mpi_free(&Y);
  mbedtls_mpi_free(&X);
  mbedtls_ecp_group_free(&grp);
  return result;
}

psa_hash_operation_t* hash_op(Sha256& st) noexcept {
  return std::launder(reinterpret_cast<psa_hash_operation_t*>(st.opaque));
}

psa_algorithm_t ccm_alg(Aead a) noexcept {
  return a == Aead::kAesCcm16_64_128 ? PSA_ALG_AEAD_WITH_SHORTENED_TAG(PSA_ALG_CCM, 8) : PSA_ALG_CCM;
}

Error check_aead_args(ConstByteSpan key, ConstByteSpan nonce) noexcept {
  if (key.size() != kAesKeyLen || nonce.size() != kCcmNonceLen) return Error::kInvalidArgument;
  return init();
}

}  // namespace

// ---------------------------------------------------------------------------

const char* backend_name() noexcept {
  return "psa";
}

Error random_bytes(ByteSpan out) noexcept {
  if (out.empty()) return Error::kOk;
  HUSH_TRY(init());
  return map(psa_generate_random(out.data(), out.size()));
}

Error sha256_start(Sha256& st) noexcept {
  psa_hash_operation_t* op = new (st.opaque) psa_hash_operation_t(psa_hash_operation_init());
  Error e = init();
  if (e == Error::kOk) e = map(psa_hash_setup(op, PSA_ALG_SHA_256));
  if (e != Error::kOk) sha256_abort(st);
  return e;
}

Error sha256_update(Sha256& st, ConstByteSpan data) noexcept {
  if (data.empty()) return Error::kOk;
  const Error e = map(psa_hash_update(hash_op(st), data.data(), data.size()));
  if (e != Error::kOk) sha256_abort(st);
  return e;
}

Error sha256_finish(Sha256& st, uint8_t (&digest)[kHashLen]) noexcept {
  size_t len = 0;
  Error e = map(psa_hash_finish(hash_op(st), digest, kHashLen, &len));
  if (e == Error::kOk && len != kHashLen) e = Error::kCryptoFailed;
  sha256_abort(st);
  return e;
}

void sha256_abort(Sha256& st) noexcept {
  (void)psa_hash_abort(hash_op(st));  // also valid on a finished or zeroed operation
  ct::wipe_object(st.opaque);
}

Error hmac_sha256(ConstByteSpan key, ConstByteSpan data, uint8_t (&mac)[kHashLen]) noexcept {
  HUSH_TRY(init());
  // HMAC pads a short key with zeros and hashes a long one first (RFC 2104),
  // so the empty key is one zero byte (PSA refuses empty keys) and a long key
  // is its digest (no PSA key size limit applies).
  const uint8_t* key_bytes = key.empty() ? kZeroByte : key.data();
  size_t key_len = key.empty() ? 1 : key.size();
  uint8_t hashed[kHashLen];
  if (key.size() > kHmacBlockLen) {
    HUSH_TRY(map(psa_hash_compute(PSA_ALG_SHA_256, key.data(), key.size(), hashed, sizeof(hashed), &key_len)));
    key_bytes = hashed;
  }
  Key k;
  psa_status_t s = k.import(PSA_KEY_TYPE_HMAC, PSA_KEY_USAGE_SIGN_MESSAGE, kHmac, key_bytes, key_len);
  ct::wipe_object(hashed);
  size_t len = 0;
  if (s == PSA_SUCCESS) s = psa_mac_compute(k.id(), kHmac, data.data(), data.size(), mac, kHashLen, &len);
  if (s != PSA_SUCCESS || len != kHashLen) {
    ct::wipe_object(mac);
    return s == PSA_SUCCESS ? Error::kCryptoFailed : map(s);
  }
  return Error::kOk;
}

// Extract is HMAC(salt, IKM) by definition (RFC 5869 §2.2); an empty salt is
// the same HMAC key as HashLen zero bytes.
Error hkdf_extract(ConstByteSpan salt, ConstByteSpan ikm, uint8_t (&prk)[kHashLen]) noexcept {
  return hmac_sha256(salt, ikm, prk);
}

Error hkdf_expand(ConstByteSpan prk, ConstByteSpan info, ByteSpan out) noexcept {
  if (prk.size() < kHashLen || out.size() > 255 * kHashLen) return Error::kInvalidArgument;
  if (out.empty()) return Error::kOk;
  HUSH_TRY(init());
#if defined(PSA_ALG_HKDF_EXPAND)
  psa_key_derivation_operation_t op = psa_key_derivation_operation_init();
  psa_status_t s = psa_key_derivation_setup(&op, PSA_ALG_HKDF_EXPAND(PSA_ALG_SHA_256));
  if (s == PSA_SUCCESS)
    s = psa_key_derivation_input_bytes(&op, PSA_KEY_DERIVATION_INPUT_SECRET, prk.data(), prk.size());
  if (s == PSA_SUCCESS)
    s = psa_key_derivation_input_bytes(&op, PSA_KEY_DERIVATION_INPUT_INFO, info.data(), info.size());
  if (s == PSA_SUCCESS) s = psa_key_derivation_output_bytes(&op, out.data(), out.size());
  (void)psa_key_derivation_abort(&op);
  const Error e = map(s);
#else
  const mbedtls_md_info_t* md = mbedtls_md_info_from_type(MBEDTLS_MD_SHA256);
  const Error e = md != nullptr && mbedtls_hkdf_expand(md, prk.data(), prk.size(), info.data(), info.size(), out.data(),
                                                       out.size()) == 0
                      ? Error::kOk
                      : Error::kCryptoFailed;
#endif
  if (e != Error::kOk) ct::wipe(out);
  return e;
}

Error aead_seal(Aead alg, ConstByteSpan key, ConstByteSpan nonce, ConstByteSpan aad, ConstByteSpan plaintext,
                ByteSpan out) noexcept {
  if (plaintext.size() > kCcmMaxPlaintext) return Error::kInvalidArgument;
  const size_t need = plaintext.size() + tag_len(alg);
  if (out.size() < need) return Error::kBufferTooSmall;
  if (ct::partially_overlaps(plaintext.data(), plaintext.size(), out.data(), need)) return Error::kInvalidArgument;
  HUSH_TRY(check_aead_args(key, nonce));
  Key k;
  psa_status_t s = k.import(PSA_KEY_TYPE_AES, PSA_KEY_USAGE_ENCRYPT, ccm_alg(alg), key.data(), key.size());
  size_t len = 0;
  if (s == PSA_SUCCESS) {
    s = psa_aead_encrypt(k.id(), ccm_alg(alg), nonce.data(), nonce.size(), aad.data(), aad.size(), plaintext.data(),
                         plaintext.size(), out.data(), need, &len);
  }
  if (s != PSA_SUCCESS || len != need) {
    ct::wipe(out.data(), need);
    return s == PSA_SUCCESS ? Error::kCryptoFailed : map(s);
  }
  return Error::kOk;
}

Error aead_open(Aead alg, ConstByteSpan key, ConstByteSpan nonce, ConstByteSpan aad, ConstByteSpan ciphertext,
                ByteSpan out) noexcept {
  const size_t tl = tag_len(alg);
  if (ciphertext.size() < tl || ciphertext.size() - tl > kCcmMaxPlaintext) return Error::kInvalidArgument;
  const size_t len = ciphertext.size() - tl;
  if (out.size() < len) return Error::kBufferTooSmall;
  if (ct::partially_overlaps(ciphertext.data(), len, out.data(), len)) return Error::kInvalidArgument;
  HUSH_TRY(check_aead_args(key, nonce));
  Key k;
  psa_status_t s = k.import(PSA_KEY_TYPE_AES, PSA_KEY_USAGE_DECRYPT, ccm_alg(alg), key.data(), key.size());
  size_t got = 0;
  if (s == PSA_SUCCESS) {
    // Only `len` bytes are written, so in-place decryption leaves the tag
    // (which follows the ciphertext) intact until it has been checked.
    s = psa_aead_decrypt(k.id(), ccm_alg(alg), nonce.data(), nonce.size(), aad.data(), aad.size(), ciphertext.data(),
                         ciphertext.size(), out.data(), len, &got);
  }
  if (s != PSA_SUCCESS || got != len) {
    ct::wipe(out.data(), len);
    return s == PSA_SUCCESS ? Error::kCryptoFailed : map(s);
  }
  return Error::kOk;
}

Error ecdh_generate(KeyType type, uint8_t (&priv)[kScalarLen], uint8_t (&pub)[kCoordLen]) noexcept {
  if (!compiled(type)) return Error::kUnsupported;
  if (type != KeyType::kX25519 && type != KeyType::kP256) return Error::kInvalidArgument;
  HUSH_TRY(init());
  Key k;
  psa_status_t s = k.generate(PSA_KEY_TYPE_ECC_KEY_PAIR(family(type)), key_bits(type),
                              PSA_KEY_USAGE_EXPORT | PSA_KEY_USAGE_DERIVE, PSA_ALG_ECDH);
  size_t priv_len = 0;
  size_t point_len = 0;
  uint8_t point[kP256PointLen];
  if (s == PSA_SUCCESS) s = psa_export_key(k.id(), priv, kScalarLen, &priv_len);
  if (s == PSA_SUCCESS) s = psa_export_public_key(k.id(), point, sizeof(point), &point_len);
  const size_t want = type == KeyType::kP256 ? kP256PointLen : kCoordLen;
  if (s != PSA_SUCCESS || priv_len != kScalarLen || point_len != want) {
    ct::wipe_object(priv);
    return s == PSA_SUCCESS ? Error::kCryptoFailed : map(s);
  }
  std::memcpy(pub, type == KeyType::kP256 ? point + 1 : point, kCoordLen);
  return Error::kOk;
}

Error ecdh(KeyType type, const PrivateKey& priv, ConstByteSpan peer, uint8_t (&shared)[kCoordLen]) noexcept {
  if (!compiled(type)) return Error::kUnsupported;
  if (type == KeyType::kEd25519) return Error::kInvalidArgument;
  uint8_t encoded[kP256PointLen];
  size_t encoded_len = 0;
  if (type == KeyType::kX25519) {
    if (peer.size() != kCoordLen) return Error::kInvalidArgument;
    std::memcpy(encoded, peer.data(), kCoordLen);
    encoded_len = kCoordLen;
  } else {
    if (peer.size() != kCoordLen && peer.size() != 2 * kCoordLen) return Error::kInvalidArgument;
    encoded[0] = 0x04;
    std::memcpy(encoded + 1, peer.data(), peer.size());
    encoded_len = kP256PointLen;
  }
  HUSH_TRY(init());
  Key k;
  // The caller's key first: a wrong key id is reported as such whatever the peer.
  HUSH_TRY(load_private(type, priv, PSA_KEY_USAGE_DERIVE, PSA_ALG_ECDH, k));
  if (type == KeyType::kP256 && peer.size() == kCoordLen) {
    HUSH_TRY(p256_recover_y(encoded + 1, encoded + 1 + kCoordLen));
  }
  size_t len = 0;
  // PSA validates the peer (on the curve; for X25519 mbed TLS also refuses
  // the known low-order points) and reports it as an invalid argument.
  const psa_status_t s = psa_raw_key_agreement(PSA_ALG_ECDH, k.id(), encoded, encoded_len, shared, kCoordLen, &len);
  if (s != PSA_SUCCESS || len != kCoordLen) {
    ct::wipe_object(shared);
    if (s == PSA_ERROR_INVALID_ARGUMENT) return Error::kInvalidPoint;
    return s == PSA_SUCCESS ? Error::kCryptoFailed : map(s);
  }
  if (type == KeyType::kX25519 && ct::is_zero(ConstByteSpan(shared))) return Error::kInvalidPoint;  // RFC 7748 §6.1
  return Error::kOk;
}

Error public_key(KeyType type, const PrivateKey& priv, uint8_t (&pub)[kMaxPublicKeyLen], size_t& len) noexcept {
  if (!compiled(type)) return Error::kUnsupported;
  len = 0;
  if (type == KeyType::kEd25519 && !kHasEddsa) return Error::kUnsupported;
  HUSH_TRY(init());
  Key k;
  HUSH_TRY(load_private(type, priv, 0, 0, k));  // exporting a public key needs no usage flag
  uint8_t point[kP256PointLen];
  size_t n = 0;
  HUSH_TRY(map(psa_export_public_key(k.id(), point, sizeof(point), &n)));
  if (type == KeyType::kP256) {
    if (n != kP256PointLen || point[0] != 0x04) return Error::kCryptoFailed;
    std::memcpy(pub, point + 1, 2 * kCoordLen);
    len = 2 * kCoordLen;
  } else {
    if (n != kCoordLen) return Error::kCryptoFailed;
    std::memcpy(pub, point, kCoordLen);
    len = kCoordLen;
  }
  return Error::kOk;
}

Error sign(KeyType type, const PrivateKey& priv, ConstByteSpan msg, uint8_t (&sig)[kSignatureLen]) noexcept {
  if (!compiled(type)) return Error::kUnsupported;
  if (type == KeyType::kX25519) return Error::kInvalidArgument;
  if (type == KeyType::kEd25519 && !kHasEddsa) return Error::kUnsupported;
  HUSH_TRY(init());
  const psa_algorithm_t alg = type == KeyType::kP256 ? kEcdsa : PSA_ALG_PURE_EDDSA;
  Key k;
  HUSH_TRY(load_private(type, priv, PSA_KEY_USAGE_SIGN_MESSAGE, alg, k));
  size_t n = 0;
  const psa_status_t s = psa_sign_message(k.id(), alg, msg.data(), msg.size(), sig, kSignatureLen, &n);
  if (s != PSA_SUCCESS || n != kSignatureLen) return s == PSA_SUCCESS ? Error::kCryptoFailed : map(s);
  return Error::kOk;
}

Error verify(KeyType type, ConstByteSpan pub, ConstByteSpan msg, ConstByteSpan sig) noexcept {
  if (!compiled(type)) return Error::kUnsupported;
  if (type == KeyType::kX25519) return Error::kInvalidArgument;
  if (type == KeyType::kEd25519 && !kHasEddsa) return Error::kUnsupported;
  if (sig.size() != kSignatureLen) return Error::kInvalidArgument;
  uint8_t encoded[kP256PointLen];
  size_t encoded_len = 0;
  if (type == KeyType::kP256) {
    if (pub.size() != 2 * kCoordLen) return Error::kInvalidArgument;
    encoded[0] = 0x04;
    std::memcpy(encoded + 1, pub.data(), pub.size());
    encoded_len = kP256PointLen;
  } else {
    if (pub.size() != kCoordLen) return Error::kInvalidArgument;
    std::memcpy(encoded, pub.data(), kCoordLen);
    encoded_len = kCoordLen;
  }
  HUSH_TRY(init());
  const psa_algorithm_t alg = type == KeyType::kP256 ? kEcdsa : PSA_ALG_PURE_EDDSA;
  Key k;
  psa_status_t s =
      k.import(PSA_KEY_TYPE_ECC_PUBLIC_KEY(family(type)), PSA_KEY_USAGE_VERIFY_MESSAGE, alg, encoded, encoded_len);
  if (s == PSA_ERROR_INVALID_ARGUMENT) return Error::kInvalidPoint;
  HUSH_TRY(map(s));
  s = psa_verify_message(k.id(), alg, msg.data(), msg.size(), sig.data(), sig.size());
  // mbed TLS reports r or s out of range as either of these.
  if (s == PSA_ERROR_INVALID_SIGNATURE || s == PSA_ERROR_INVALID_ARGUMENT) return Error::kAuthFailed;
  return map(s);
}

}  // namespace hush::crypto
