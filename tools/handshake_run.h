// SPDX-License-Identifier: Apache-2.0
#pragma once

// Runs a complete EDHOC handshake between an in-process Initiator and
// Responder, recording every message and intermediate value. Shared by
// hush-trace, hush-demo and the tests; host only.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "hush/edhoc.h"

namespace hush::host {

using Bytes = std::vector<uint8_t>;

struct HandshakeInput {
  int method = 3;
  std::vector<uint8_t> suites_i{0};
  Bytes x, y;            // ephemeral private keys; empty = fresh random keys
  Bytes c_i, c_r;        // CBOR encodings of the connection identifiers
  Bytes sk_i, sk_r;      // authentication private keys
  Bytes cred_i, cred_r;  // as they enter the transcript
  Bytes id_cred_i, id_cred_r;
  Bytes ead_1, ead_2, ead_3, ead_4;
  bool use_message_4 = false;
  Bytes key_update_context;  // if set, EDHOC_KeyUpdate runs after the handshake
};

struct HandshakeOutput {
  bool ok = false;
  std::string error;                    // which step failed and why
  std::vector<Bytes> messages;          // message_1 .. message_3 (and _4)
  std::map<std::string, Bytes> values;  // th_2, prk_2e, ..., oscore_master_secret
  std::map<std::string, Bytes> initiator_values, responder_values;
};

/// The key type of an authentication key for a role under a method and suite.
crypto::KeyType auth_key_type(int method, uint8_t suite, bool responder);

/// Decodes a connection identifier given as its CBOR encoding.
std::optional<edhoc::ConnId> conn_id_from_cbor(const Bytes& cbor);

HandshakeOutput run_handshake(const HandshakeInput& in);

}  // namespace hush::host
