// SPDX-License-Identifier: Apache-2.0
#pragma once

// The crypto port: every primitive hush uses, and nothing else. Exactly one
// backend implements it, chosen at build time (ports/crypto/<backend>/).
// The protocol code never sees a backend type; it sees fixed-size opaque
// state and plain byte strings, so the core compiles the same for each port.

#include <cstddef>
#include <cstdint>

#include "hush/config.h"
#include "hush/error.h"
#include "hush/span.h"

namespace hush::crypto {

inline constexpr size_t kHashLen = 32;          ///< SHA-256
inline constexpr size_t kAesKeyLen = 16;        ///< AES-128
inline constexpr size_t kCcmNonceLen = 13;      ///< CCM with L = 2 ("-16-")
inline constexpr size_t kScalarLen = 32;        ///< X25519 / Ed25519 seed / P-256 scalar
inline constexpr size_t kCoordLen = 32;         ///< X25519 u, Ed25519 key, P-256 x
inline constexpr size_t kMaxPublicKeyLen = 64;  ///< P-256 x||y
inline constexpr size_t kSignatureLen = 64;     ///< Ed25519, or ECDSA P-256 as raw r||s

enum class KeyType : uint8_t {
  kX25519,   ///< ECDH on Curve25519
  kEd25519,  ///< EdDSA on edwards25519
  kP256,     ///< secp256r1, for both ECDH and ECDSA (ES256)
};

enum class Aead : uint8_t {
  kAesCcm16_64_128,   ///< COSE alg 10: 13-byte nonce, 8-byte tag
  kAesCcm16_128_128,  ///< COSE alg 30: 13-byte nonce, 16-byte tag
};

constexpr size_t tag_len(Aead a) noexcept {
  return a == Aead::kAesCcm16_64_128 ? 8 : 16;
}

/// A static private key. Either raw bytes the caller holds (wiped by the
/// caller), or an opaque backend key id (a PSA key id in a secure element),
/// whose material never leaves the backend.
struct PrivateKey {
  const uint8_t* raw = nullptr;  ///< kScalarLen bytes, or nullptr to use key_id
  uint32_t key_id = 0;

  static constexpr PrivateKey from_raw(const uint8_t* bytes) noexcept { return PrivateKey{bytes, 0}; }
  static constexpr PrivateKey from_id(uint32_t id) noexcept { return PrivateKey{nullptr, id}; }
};

// Opaque incremental SHA-256 state; the backend static_asserts that its
// native context fits. OpenSSL's SHA256_CTX is 112 bytes, mbed TLS 2.28's
// psa_hash_operation_t 232; a PSA platform whose driver contexts are larger
// sets HUSH_SHA256_STATE_SIZE (a multiple of 8).
#if defined(HUSH_SHA256_STATE_SIZE)
inline constexpr size_t kSha256StateSize = HUSH_SHA256_STATE_SIZE;
#elif defined(HUSH_CRYPTO_OPENSSL)
inline constexpr size_t kSha256StateSize = 112;
#else
inline constexpr size_t kSha256StateSize = 240;
#endif

struct Sha256 {
  alignas(8) uint8_t opaque[kSha256StateSize];
};

/// Fills `out` from the platform's cryptographic RNG.
Error random_bytes(ByteSpan out) noexcept;

/// Incremental SHA-256. After start(), call finish() or abort() exactly once.
/// A failing start() or update() aborts the state itself (abort() is then
/// harmless). finish() and abort() wipe the state.
Error sha256_start(Sha256& st) noexcept;
Error sha256_update(Sha256& st, ConstByteSpan data) noexcept;
Error sha256_finish(Sha256& st, uint8_t (&digest)[kHashLen]) noexcept;
void sha256_abort(Sha256& st) noexcept;

Error hmac_sha256(ConstByteSpan key, ConstByteSpan data, uint8_t (&mac)[kHashLen]) noexcept;

/// RFC 5869 HKDF-Extract with SHA-256.
Error hkdf_extract(ConstByteSpan salt, ConstByteSpan ikm, uint8_t (&prk)[kHashLen]) noexcept;
/// RFC 5869 HKDF-Expand with SHA-256; prk.size() >= 32 (RFC 5869 §2.3) and
/// out.size() <= 255 * 32, else kInvalidArgument.
Error hkdf_expand(ConstByteSpan prk, ConstByteSpan info, ByteSpan out) noexcept;

// Argument rules for both AEAD calls: key 16 bytes and nonce 13 bytes, and at
// most 65535 bytes of plaintext (CCM with L = 2), else kInvalidArgument; an
// `out` shorter than needed gives kBufferTooSmall; `out` may start exactly at
// the input (in place) but must not otherwise overlap it (kInvalidArgument).

/// AES-CCM seal. `out` receives ciphertext || tag and must hold
/// plaintext.size() + tag_len(alg) bytes. out.data() may equal plaintext.data().
Error aead_seal(Aead alg, ConstByteSpan key, ConstByteSpan nonce, ConstByteSpan aad, ConstByteSpan plaintext,
                ByteSpan out) noexcept;
/// AES-CCM open. `ciphertext` includes the tag (shorter than the tag:
/// kInvalidArgument); `out` must hold ciphertext.size() - tag_len(alg) bytes
/// and may alias it. Returns kAuthFailed on a bad tag, and then `out` holds
/// no plaintext (those bytes are zeroed).
Error aead_open(Aead alg, ConstByteSpan key, ConstByteSpan nonce, ConstByteSpan aad, ConstByteSpan ciphertext,
                ByteSpan out) noexcept;

/// Fresh ephemeral ECDH key pair: `priv` (wipe it after use) and the public
/// key as sent in EDHOC: the X25519 u-coordinate, or the P-256 x-coordinate.
Error ecdh_generate(KeyType type, uint8_t (&priv)[kScalarLen], uint8_t (&pub)[kCoordLen]) noexcept;

/// ECDH. `peer` is 32 bytes (X25519 u, or P-256 x-coordinate, whose y sign
/// does not change the shared x) or, for P-256, 64 bytes x||y. Invalid or
/// off-curve points (including a P-256 coordinate >= p, or an x with no y)
/// and an all-zero X25519 result give kInvalidPoint; other peer lengths
/// kInvalidArgument. A raw P-256 scalar of 0 or >= n is kInvalidArgument.
Error ecdh(KeyType type, const PrivateKey& priv, ConstByteSpan peer, uint8_t (&shared)[kCoordLen]) noexcept;

/// The public key for a private key: 32 bytes for X25519 and Ed25519,
/// 64 bytes (x||y) for P-256. `len` receives the length.
///
/// For this, ecdh() and sign(): a PrivateKey with raw == nullptr is a backend
/// key id; backends without key ids (openssl) return kUnsupported, and an id
/// that names no key, or a key of the wrong type, gives kInvalidArgument.
/// Ed25519 on a backend without EdDSA (psa on mbed TLS 2.28) is kUnsupported.
Error public_key(KeyType type, const PrivateKey& priv, uint8_t (&pub)[kMaxPublicKeyLen], size_t& len) noexcept;

/// Ed25519 (PureEdDSA) or ECDSA P-256 with SHA-256 over `msg`, raw r||s.
Error sign(KeyType type, const PrivateKey& priv, ConstByteSpan msg, uint8_t (&sig)[kSignatureLen]) noexcept;
/// `pub` is 32 bytes for Ed25519, 64 bytes (x||y) for P-256, and `sig` 64
/// bytes (other lengths: kInvalidArgument). kAuthFailed if the signature does
/// not verify, kInvalidPoint if the key is not a valid point. (OpenSSL only
/// decodes an Ed25519 key while verifying, so there a bad Ed25519 key shows up
/// as kAuthFailed; P-256 keys are checked up front on every backend.)
Error verify(KeyType type, ConstByteSpan pub, ConstByteSpan msg, ConstByteSpan sig) noexcept;

/// Short backend name for reports ("openssl", "psa").
const char* backend_name() noexcept;

}  // namespace hush::crypto
