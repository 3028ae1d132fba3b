// SPDX-License-Identifier: Apache-2.0
#pragma once

// Steps shared by the two EDHOC roles. Not part of the public API.

#include <cstddef>
#include <cstdint>

#include "hush/cbor.h"
#include "hush/crypto.h"
#include "hush/edhoc.h"

namespace hush::edhoc::detail {

/// Largest wire form of a connection identifier or kid: bstr head + bytes.
inline constexpr size_t kMaxIdWireLen = 1 + kMaxKidLen;

/// Largest info of EDHOC_KDF(PRK, label, TH, length) for label <= 23 and
/// length < 2^16: label, bstr head, TH, length.
inline constexpr size_t kThInfoLen = 1 + 2 + crypto::kHashLen + 3;

/// bstr-repr (§3.3.2): a one-byte string that is a one-byte CBOR int goes as
/// that int, anything else as a bstr. Returns the wire length.
size_t encode_id(ConstByteSpan id, uint8_t (&out)[kMaxIdWireLen]) noexcept;

/// Reads an identifier in bstr-repr. Rejects the surplus bstr form of an
/// int-like byte (kNonDeterministic) and ids longer than max_len.
Error read_id(cbor::Decoder& dec, size_t max_len, uint8_t* bytes, size_t& len) noexcept;

/// The kid if `id_cred` is exactly {4: bstr}; otherwise an empty kid and false.
bool id_cred_kid(ConstByteSpan id_cred, ConstByteSpan& kid) noexcept;

/// TH_2 = H(bstr G_Y, bstr H(message_1)).
Error hash_th2(ConstByteSpan g_y, const uint8_t* h_msg1, uint8_t (&th)[crypto::kHashLen]) noexcept;
/// TH_3 = H(bstr TH_2, PLAINTEXT_2, CRED_R), TH_4 = H(bstr TH_3, PLAINTEXT_3, CRED_I).
Error hash_th_next(const uint8_t* prev_th, ConstByteSpan plaintext, ConstByteSpan cred,
                   uint8_t (&th)[crypto::kHashLen]) noexcept;

/// EDHOC_KDF(PRK, label, context, length) with the context given in parts
/// (concatenated inside one bstr); `scratch` holds the encoded info.
Error kdf(const uint8_t* prk, uint64_t label, const ConstByteSpan* parts, size_t n_parts, ByteSpan out,
          ByteSpan scratch) noexcept;

inline Error kdf_th(const uint8_t* prk, wire::KdfLabel label, const uint8_t* th, ByteSpan out,
                    ByteSpan scratch) noexcept {
  const ConstByteSpan part(th, crypto::kHashLen);
  return kdf(prk, static_cast<uint64_t>(label), &part, 1, out, scratch);
}

/// Checks EAD syntax (ead_label int, optional bstr value) and criticality.
Error check_ead(ConstByteSpan ead, const Settings& settings) noexcept;

/// Everything MAC_2 / MAC_3 and their signatures cover.
struct AuthInput {
  bool responder;  // MAC_2 (responder) or MAC_3 (initiator)
  Method method;
  const Suite* suite;
  const uint8_t* prk;      // PRK_3e2m or PRK_4e3m
  const uint8_t* th;       // TH_2 or TH_3
  ConstByteSpan c_r_wire;  // C_R as sent, only for MAC_2
  ConstByteSpan id_cred;   // full ID_CRED map
  ConstByteSpan cred;
  ConstByteSpan ead;
};

/// Signature_or_MAC_x for the local party (§5.3.2, §5.4.2).
Error compose_sig_or_mac(const AuthInput& in, const crypto::PrivateKey& key, ByteSpan scratch,
                         uint8_t (&out)[crypto::kSignatureLen], size_t& out_len) noexcept;
/// Verifies the peer's Signature_or_MAC_x; kAuthFailed when it does not match.
Error verify_sig_or_mac(const AuthInput& in, ConstByteSpan peer_public_key, ConstByteSpan received,
                        ByteSpan scratch) noexcept;

/// Length of Signature_or_MAC_x for a method and suite.
/// Inline and folded against the compiled-in methods, so that a static-DH-only
/// firmware does not link the signature code at all.
inline bool signs(bool responder, Method method) noexcept {
  if constexpr (!config::kSignatures) return false;
  return responder ? (method == Method::kSigSig || method == Method::kStatSig)
                   : (method == Method::kSigSig || method == Method::kSigStat);
}
inline size_t sig_or_mac_len(bool responder, Method method, const Suite& suite) noexcept {
  return signs(responder, method) ? crypto::kSignatureLen : suite.mac_len;
}

/// K_3/IV_3 or K_4/IV_4: EDHOC_KDF(PRK, label, TH, length) for both labels.
Error derive_key_iv(const uint8_t* prk, const uint8_t* th, wire::KdfLabel key_label, wire::KdfLabel iv_label,
                    uint8_t (&key)[crypto::kAesKeyLen], uint8_t (&iv)[crypto::kCcmNonceLen], ByteSpan scratch) noexcept;

/// COSE_Encrypt0 of message_3 / message_4 under a given key and IV,
/// AAD = Enc_structure ["Encrypt0", h'', TH].
Error encrypt0(bool seal, const Suite& suite, const uint8_t* key, const uint8_t* iv, const uint8_t* th,
               ConstByteSpan in, ByteSpan out) noexcept;

/// derive_key_iv() then encrypt0(), with the key and IV wiped afterwards.
Error seal_or_open(bool seal, const Suite& suite, const uint8_t* prk, const uint8_t* th, wire::KdfLabel key_label,
                   wire::KdfLabel iv_label, ConstByteSpan in, ByteSpan out, ByteSpan scratch) noexcept;

/// The ECDH key to use for a peer credential: P-256 x||y keys give x only.
ConstByteSpan ecdh_peer_key(const Suite& suite, ConstByteSpan public_key) noexcept;

/// PRK_3e2m (salt label 1) or PRK_4e3m (salt label 5): `prk_in` itself when
/// the authenticating party signs, else Extract(EDHOC_KDF(prk_in, label, TH),
/// ECDH(key, peer)).
Error derive_auth_prk(const Suite& suite, bool signer, const uint8_t* prk_in, const uint8_t* th,
                      wire::KdfLabel salt_label, const crypto::PrivateKey& key, ConstByteSpan peer,
                      uint8_t (&out)[crypto::kHashLen], ByteSpan scratch) noexcept;

/// Parses ID_CRED_x from a plaintext: compact kid or full map.
Error read_id_cred(cbor::Decoder& dec, ConstByteSpan& raw, bool& is_kid, uint8_t* kid, size_t& kid_len) noexcept;

/// SUITES_I or SUITES_R: an int, or an array of at least two ints.
Error read_suites(cbor::Decoder& dec, uint8_t (&out)[kMaxSuites], size_t& len) noexcept;

}  // namespace hush::edhoc::detail
