// SPDX-License-Identifier: Apache-2.0
// The --wrap side of the instrumented crypto port (crypto_probe.h).

#include "crypto_probe.h"

#include "hush/crypto.h"

using hush::ByteSpan;
using hush::ConstByteSpan;
using hush::Error;
using hush::crypto::Aead;
using hush::crypto::KeyType;
using hush::crypto::PrivateKey;
using hush::test::probe;

namespace hush::test {
CryptoProbe probe;
}  // namespace hush::test

// The mangled names of the hush::crypto functions (Itanium ABI, 64-bit host).
#define HUSH_PK_ECDH_GENERATE _ZN4hush6crypto13ecdh_generateENS0_7KeyTypeERA32_hS3_
#define HUSH_PK_ECDH _ZN4hush6crypto4ecdhENS0_7KeyTypeERKNS0_10PrivateKeyENS_4SpanIKhEERA32_h
#define HUSH_PK_PUBLIC_KEY _ZN4hush6crypto10public_keyENS0_7KeyTypeERKNS0_10PrivateKeyERA64_hRm
#define HUSH_PK_SIGN _ZN4hush6crypto4signENS0_7KeyTypeERKNS0_10PrivateKeyENS_4SpanIKhEERA64_h
#define HUSH_PK_VERIFY _ZN4hush6crypto6verifyENS0_7KeyTypeENS_4SpanIKhEES4_S4_
#define HUSH_AEAD_SEAL _ZN4hush6crypto9aead_sealENS0_4AeadENS_4SpanIKhEES4_S4_S4_NS2_IhEE
#define HUSH_HKDF_EXPAND _ZN4hush6crypto11hkdf_expandENS_4SpanIKhEES3_NS1_IhEE
#define HUSH_CAT(a, b) a##b
#define HUSH_REAL(f) HUSH_CAT(__real_, f)
#define HUSH_WRAP(f) HUSH_CAT(__wrap_, f)

extern "C" {
Error HUSH_REAL(HUSH_PK_ECDH_GENERATE)(KeyType, uint8_t (&)[32], uint8_t (&)[32]);
Error HUSH_REAL(HUSH_PK_ECDH)(KeyType, const PrivateKey&, ConstByteSpan, uint8_t (&)[32]);
Error HUSH_REAL(HUSH_PK_PUBLIC_KEY)(KeyType, const PrivateKey&, uint8_t (&)[64], size_t&);
Error HUSH_REAL(HUSH_PK_SIGN)(KeyType, const PrivateKey&, ConstByteSpan, uint8_t (&)[64]);
Error HUSH_REAL(HUSH_PK_VERIFY)(KeyType, ConstByteSpan, ConstByteSpan, ConstByteSpan);
Error HUSH_REAL(HUSH_AEAD_SEAL)(Aead, ConstByteSpan, ConstByteSpan, ConstByteSpan, ConstByteSpan, ByteSpan);
Error HUSH_REAL(HUSH_HKDF_EXPAND)(ConstByteSpan, ConstByteSpan, ByteSpan);

Error HUSH_WRAP(HUSH_PK_ECDH_GENERATE)(KeyType t, uint8_t (&priv)[32], uint8_t (&pub)[32]) {
  ++probe.public_key_ops;
  return HUSH_REAL(HUSH_PK_ECDH_GENERATE)(t, priv, pub);
}
Error HUSH_WRAP(HUSH_PK_ECDH)(KeyType t, const PrivateKey& k, ConstByteSpan peer, uint8_t (&out)[32]) {
  ++probe.public_key_ops;
  return HUSH_REAL(HUSH_PK_ECDH)(t, k, peer, out);
}
Error HUSH_WRAP(HUSH_PK_PUBLIC_KEY)(KeyType t, const PrivateKey& k, uint8_t (&pub)[64], size_t& len) {
  ++probe.public_key_ops;
  return HUSH_REAL(HUSH_PK_PUBLIC_KEY)(t, k, pub, len);
}
Error HUSH_WRAP(HUSH_PK_SIGN)(KeyType t, const PrivateKey& k, ConstByteSpan msg, uint8_t (&sig)[64]) {
  ++probe.public_key_ops;
  return HUSH_REAL(HUSH_PK_SIGN)(t, k, msg, sig);
}
Error HUSH_WRAP(HUSH_PK_VERIFY)(KeyType t, ConstByteSpan pub, ConstByteSpan msg, ConstByteSpan sig) {
  ++probe.public_key_ops;
  return HUSH_REAL(HUSH_PK_VERIFY)(t, pub, msg, sig);
}
Error HUSH_WRAP(HUSH_AEAD_SEAL)(Aead a, ConstByteSpan k, ConstByteSpan n, ConstByteSpan aad, ConstByteSpan in,
                                ByteSpan out) {
  ++probe.seals;
  return HUSH_REAL(HUSH_AEAD_SEAL)(a, k, n, aad, in, out);
}
Error HUSH_WRAP(HUSH_HKDF_EXPAND)(ConstByteSpan prk, ConstByteSpan info, ByteSpan out) {
  // Not kCryptoFailed: the old code aborted on that one, but not on others.
  if (probe.fail_expand_after_seal && probe.seals > 0) return Error::kInvalidArgument;
  return HUSH_REAL(HUSH_HKDF_EXPAND)(prk, info, out);
}
}
