// SPDX-License-Identifier: Apache-2.0
#pragma once

// One party's long-term key and its CCS credential, for the test image's
// handshakes (tests.cpp) and tunnels (tunnel_test.cpp).

#include <cstddef>
#include <cstdint>
#include <cstring>

#include "hush/credential.h"
#include "hush/crypto.h"
#include "hush/edhoc.h"

namespace hush::m33 {

struct Party {
  uint8_t priv[crypto::kScalarLen];
  uint8_t pub[crypto::kMaxPublicKeyLen];
  size_t pub_len = 0;
  credential::Ccs ccs;

  Error make(crypto::KeyType type, uint8_t serial_byte, uint8_t kid) noexcept {
    uint8_t x[crypto::kCoordLen];
    HUSH_TRY(crypto::ecdh_generate(type, priv, x));
    if (type == crypto::KeyType::kP256) {
      HUSH_TRY(crypto::public_key(type, crypto::PrivateKey::from_raw(priv), pub, pub_len));
    } else {
      std::memcpy(pub, x, sizeof(x));
      pub_len = sizeof(x);
    }
    const uint8_t serial[4] = {0x12, 0x34, 0x56, serial_byte};
    const uint8_t kid_bytes[1] = {kid};
    return ccs.build(ConstByteSpan(serial), ConstByteSpan(kid_bytes), type, ConstByteSpan(pub, pub_len));
  }
  edhoc::LocalCredential local() const noexcept {
    return edhoc::LocalCredential{ccs.cred_view(), ccs.id_cred_view(), crypto::PrivateKey::from_raw(priv)};
  }
  edhoc::PeerCredential peer() const noexcept {
    return edhoc::PeerCredential{ccs.cred_view(), ConstByteSpan(pub, pub_len)};
  }
};

}  // namespace hush::m33
