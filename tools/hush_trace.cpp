// SPDX-License-Identifier: Apache-2.0
// hush-trace IN.json: runs both EDHOC roles on fixed inputs and prints every
// message and intermediate value as one JSON object, then the OSCORE context
// (RFC 8613 §3.2, with the suite's application AEAD, RFC 9528 Appendix A.1)
// that each role derives from its own exporter output: oscore_common_iv,
// oscore_initiator_sender_key, oscore_initiator_recipient_key. The responder's
// keys must be the initiator's two swapped, or the run fails. If the file
// holds {"input": ..., "expected": ..., "computed": ...} (the test-vector
// format; "computed" holds values that are not printed in the vector's
// source), the outputs are also compared with both and any mismatch fails.
// Exit status: 0 ok, 1 failed or mismatch, 2 bad usage/input, 3 unsupported.

#include <cstdio>
#include <fstream>
#include <iostream>

#include <nlohmann/json.hpp>

#include "context_probe.h"
#include "handshake_run.h"
#include "hex.h"
#include "hush/security_context.h"

using nlohmann::json;
using namespace hush::host;

namespace {

Bytes hex_field(const json& j, const char* key) {
  return j.contains(key) ? from_hex(j.at(key).get<std::string>()) : Bytes();
}

HandshakeInput parse_input(const json& j) {
  HandshakeInput in;
  in.method = j.at("method").get<int>();
  in.suites_i.clear();
  for (const auto& s : j.at("suites_i")) in.suites_i.push_back(static_cast<uint8_t>(s.get<int>()));
  in.x = hex_field(j, "x");
  in.y = hex_field(j, "y");
  in.c_i = hex_field(j, "c_i");
  in.c_r = hex_field(j, "c_r");
  in.sk_i = hex_field(j, "sk_i");
  in.sk_r = hex_field(j, "sk_r");
  in.cred_i = hex_field(j, "cred_i");
  in.cred_r = hex_field(j, "cred_r");
  in.id_cred_i = hex_field(j, "id_cred_i");
  in.id_cred_r = hex_field(j, "id_cred_r");
  in.ead_1 = hex_field(j, "ead_1");
  in.ead_2 = hex_field(j, "ead_2");
  in.ead_3 = hex_field(j, "ead_3");
  in.ead_4 = hex_field(j, "ead_4");
  in.use_message_4 = j.value("use_message_4", false);
  in.key_update_context = hex_field(j, "key_update_context");
  return in;
}

struct Oscore {
  Bytes sender_key, recipient_key, common_iv;
};

// The record-layer context one role derives from its own exporter output.
bool derive_oscore(const HandshakeInput& in, const HandshakeOutput& r, hush::record::Side side, Oscore& out,
                   std::string& err) {
  using namespace hush;
  const auto& vals = side == record::Side::kInitiator ? r.initiator_values : r.responder_values;
  const Bytes& secret = vals.at("oscore_master_secret");
  const Bytes& salt = vals.at("oscore_master_salt");
  const auto c_i = conn_id_from_cbor(in.c_i);
  const auto c_r = conn_id_from_cbor(in.c_r);
  record::SecurityContext ctx;
  const Error e = ctx.derive(
      record::EdhocSecrets{record::aead_for_suite(in.suites_i.back()), ConstByteSpan(secret.data(), secret.size()),
                           ConstByteSpan(salt.data(), salt.size()), c_i->view(), c_r->view(), side});
  uint8_t iv[record::kNonceLen];
  if (!ok(e) || !record::ContextProbe::common_iv(ctx, iv)) {
    err = std::string("OSCORE context: ") + error_name(e);
    return false;
  }
  const ConstByteSpan sk = record::ContextProbe::sender_key(ctx);
  const ConstByteSpan rk = record::ContextProbe::recipient_key(ctx);
  out.sender_key.assign(sk.begin(), sk.end());
  out.recipient_key.assign(rk.begin(), rk.end());
  out.common_iv.assign(iv, iv + sizeof(iv));
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: hush-trace IN.json\n");
    return 2;
  }
  json doc;
  try {
    std::ifstream f(argv[1]);
    if (!f) throw std::runtime_error("cannot open file");
    doc = json::parse(f);
  } catch (const std::exception& ex) {
    std::fprintf(stderr, "hush-trace: %s: %s\n", argv[1], ex.what());
    return 2;
  }
  const json& input = doc.contains("input") ? doc.at("input") : doc;

  HandshakeInput in;
  HandshakeOutput r;
  try {
    in = parse_input(input);
    // The vector files carry the key-update context with the expected values.
    if (in.key_update_context.empty() && doc.contains("expected") &&
        doc.at("expected").contains("key_update_context")) {
      in.key_update_context = hex_field(doc.at("expected"), "key_update_context");
    }
    r = run_handshake(in);
  } catch (const std::exception& ex) {
    std::fprintf(stderr, "hush-trace: bad input: %s\n", ex.what());
    return 2;
  }

  // The OSCORE context of the handshake's exporter output (before any
  // EDHOC_KeyUpdate), as each role derives it.
  Oscore ini, res;
  if (r.ok) {
    if (!derive_oscore(in, r, hush::record::Side::kInitiator, ini, r.error) ||
        !derive_oscore(in, r, hush::record::Side::kResponder, res, r.error)) {
      r.ok = false;
    } else if (res.sender_key != ini.recipient_key || res.recipient_key != ini.sender_key ||
               res.common_iv != ini.common_iv) {
      r.ok = false;
      r.error = "the responder's OSCORE keys are not the initiator's swapped";
    }
  }

  json out;
  out["ok"] = r.ok;
  if (!r.ok) out["error"] = r.error;
  for (size_t i = 0; i < r.messages.size(); ++i) out["message_" + std::to_string(i + 1)] = to_hex(r.messages[i]);
  for (const auto& [name, value] : r.values) out[name] = to_hex(value);
  if (r.ok) {
    out["oscore_common_iv"] = to_hex(ini.common_iv);
    out["oscore_initiator_sender_key"] = to_hex(ini.sender_key);
    out["oscore_initiator_recipient_key"] = to_hex(ini.recipient_key);
  }

  // Exit 3 (not 1) when the crypto backend lacks an algorithm the input
  // needs, e.g. EdDSA on mbed TLS 2.28, so that a test runner can report a skip.
  int status = r.ok ? 0 : (r.error.find("unsupported") != std::string::npos ? 3 : 1);
  if (doc.contains("expected") || doc.contains("computed")) {
    json mismatches = json::array();
    for (const char* section : {"expected", "computed"}) {
      if (!doc.contains(section)) continue;
      for (const auto& [key, want] : doc.at(section).items()) {
        if (!out.contains(key)) continue;  // values hush does not report (e.g. G_XY) are checked by unit tests
        if (out.at(key) != want) mismatches.push_back(key);
      }
    }
    out["mismatches"] = mismatches;
    if (!mismatches.empty()) {
      out["ok"] = false;
      status = 1;
    }
  }
  std::cout << out.dump() << "\n";
  return status;
}
