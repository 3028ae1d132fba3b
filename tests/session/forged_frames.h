// SPDX-License-Identifier: Apache-2.0
#pragma once
// Frames an attacker who holds a server's public credential can build
// (docs/SECURITY.md "Denial of service"), for the DoS tests.

#include "session/cookie.h"
#include "test_net.h"

namespace hush::session::test {

// A MAC-valid message_1 (method 3, suite 0) with this G_X and C_I for the
// node `to`, as anyone holding its public credential can build it.
inline Bytes forged_message_1(const Node& to, uint8_t g_x_byte, uint8_t c_i = 0x01) {
  Bytes m = {0x03, 0x00, 0x58, 0x20};
  for (int i = 0; i < 32; ++i) m.push_back(static_cast<uint8_t>(g_x_byte + i));
  m.push_back(c_i);
  uint8_t key[wire::kKeyMacKeyLen], mac[wire::kKeyMacLen];
  EXPECT_EQ(key_mac_key(to.id.ccs.cred_view(), key), Error::kOk);
  EXPECT_EQ(key_mac(ConstByteSpan(key), ConstByteSpan(m.data(), m.size()), mac), Error::kOk);
  // Built by index: GCC 12 at -O3 takes an insert into a one-element
  // vector for an out-of-bounds copy (-Warray-bounds).
  Bytes f(1 + sizeof(mac) + m.size());
  f[0] = static_cast<uint8_t>(wire::kFrameMessage1 | wire::kFrameKeyMac);
  for (size_t i = 0; i < sizeof(mac); ++i) f[1 + i] = mac[i];
  for (size_t i = 0; i < m.size(); ++i) f[1 + sizeof(mac) + i] = m[i];
  return f;
}

}  // namespace hush::session::test
