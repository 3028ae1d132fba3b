// SPDX-License-Identifier: Apache-2.0
// hush-demo: an EDHOC handshake between two in-process endpoints with fresh
// keys and run-time CCS credentials, then protected records both ways with
// the exported keys. Prints each message with its size, or one JSON object
// with --json.

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <string>

#include <nlohmann/json.hpp>

#include "handshake_run.h"
#include "hex.h"
#include "hush/credential.h"
#include "hush/record.h"

using nlohmann::json;
using namespace hush;
using namespace hush::host;

namespace {

const char* method_name(int m) {
  static const char* kNames[] = {"signature / signature", "signature / static DH", "static DH / signature",
                                 "static DH / static DH"};
  return kNames[m];
}

// RFC 9528 §10.2: the EDHOC AEAD differs between suites, the application
// (record) AEAD does not: every suite here protects records with
// AES-CCM-16-64-128.
const char* suite_name(int s) {
  static const char* kNames[] = {"X25519, EdDSA, SHA-256, EDHOC AEAD AES-CCM-16-64-128, record AEAD AES-CCM-16-64-128",
                                 "X25519, EdDSA, SHA-256, EDHOC AEAD AES-CCM-16-128-128, record AEAD AES-CCM-16-64-128",
                                 "P-256, ES256, SHA-256, EDHOC AEAD AES-CCM-16-64-128, record AEAD AES-CCM-16-64-128",
                                 "P-256, ES256, SHA-256, EDHOC AEAD AES-CCM-16-128-128, record AEAD AES-CCM-16-64-128"};
  return kNames[s];
}

// A device as hush-keygen would provision it: serial, kid and a key pair.
struct Device {
  Bytes sk = Bytes(32);
  credential::Ccs ccs;
};

bool provision(Device& d, crypto::KeyType type, uint8_t serial_tail, uint8_t kid, std::string& err) {
  Error e = crypto::random_bytes(ByteSpan(d.sk.data(), d.sk.size()));
  if (ok(e) && type != crypto::KeyType::kEd25519) {
    uint8_t pub32[32];
    e = crypto::ecdh_generate(type, *reinterpret_cast<uint8_t(*)[32]>(d.sk.data()), pub32);
  }
  uint8_t pk[crypto::kMaxPublicKeyLen];
  size_t pk_len = 0;
  if (ok(e)) e = crypto::public_key(type, crypto::PrivateKey::from_raw(d.sk.data()), pk, pk_len);
  const uint8_t serial[8] = {0x48, 0x55, 0x53, 0x48, 0x00, 0x00, 0x00, serial_tail};
  const uint8_t kid_bytes[1] = {kid};
  if (ok(e)) e = d.ccs.build(ConstByteSpan(serial), ConstByteSpan(kid_bytes), type, ConstByteSpan(pk, pk_len));
  if (!ok(e)) err = std::string("key provisioning: ") + error_name(e);
  return ok(e);
}

// Records both ways with contexts built from each side's own EDHOC exporter
// output: a few payloads each way, then a replay and a forgery that must be
// refused. `overhead` is the size of a sealed 1-byte payload (CID, seq 0) minus 1.
bool run_records(const HandshakeInput& in, const HandshakeOutput& r, int suite, size_t& overhead, std::string& err) {
  const auto c_i = conn_id_from_cbor(in.c_i);
  const auto c_r = conn_id_from_cbor(in.c_r);
  const Bytes& secret_i = r.initiator_values.at("oscore_master_secret");
  const Bytes& salt_i = r.initiator_values.at("oscore_master_salt");
  const Bytes& secret_r = r.responder_values.at("oscore_master_secret");
  const Bytes& salt_r = r.responder_values.at("oscore_master_salt");
  record::ContextOptions opt;
  opt.send_cid = true;
  const crypto::Aead alg = record::aead_for_suite(static_cast<uint8_t>(suite));
  record::SecurityContext ctx_i, ctx_r;
  Error e = ctx_i.derive(record::EdhocSecrets{alg, ConstByteSpan(secret_i.data(), secret_i.size()),
                                              ConstByteSpan(salt_i.data(), salt_i.size()), c_i->view(), c_r->view(),
                                              record::Side::kInitiator},
                         opt);
  if (ok(e)) {
    e = ctx_r.derive(record::EdhocSecrets{alg, ConstByteSpan(secret_r.data(), secret_r.size()),
                                          ConstByteSpan(salt_r.data(), salt_r.size()), c_i->view(), c_r->view(),
                                          record::Side::kResponder},
                     opt);
  }
  if (!ok(e)) return err = std::string("record context: ") + error_name(e), false;

  const std::string payloads[] = {"!", "hello from the initiator", "temperature=21.5", "ok"};
  uint8_t rec[wire::kRecordMaxLen];
  uint8_t back[wire::kRecordMaxLen];
  for (int round = 0; round < 2; ++round) {
    record::SecurityContext& tx = round == 0 ? ctx_i : ctx_r;
    record::SecurityContext& rx = round == 0 ? ctx_r : ctx_i;
    for (const std::string& p : payloads) {
      const ConstByteSpan msg(reinterpret_cast<const uint8_t*>(p.data()), p.size());
      record::Sealed s;
      record::Opened o;
      if (!ok(e = record::seal(tx, msg, ByteSpan(rec), s))) return err = std::string("seal: ") + error_name(e), false;
      if (round == 0 && s.seq == 0 && p.size() == 1) overhead = s.size - 1;
      if (!ok(e = record::open(rx, ConstByteSpan(rec, s.size), ByteSpan(back), o))) {
        return err = std::string("open: ") + error_name(e), false;
      }
      if (o.size != p.size() || std::memcmp(back, p.data(), p.size()) != 0) return err = "open: payload differs", false;
      if (record::open(rx, ConstByteSpan(rec, s.size), ByteSpan(back), o) != Error::kReplay) {
        return err = "replayed record not refused", false;
      }
      if (!ok(e = record::seal(tx, msg, ByteSpan(rec), s))) return err = std::string("seal: ") + error_name(e), false;
      rec[s.size - 1] ^= 0x01;
      if (record::open(rx, ConstByteSpan(rec, s.size), ByteSpan(back), o) != Error::kAuthFailed) {
        return err = "forged record not refused", false;
      }
    }
  }
  return true;
}

int usage() {
  std::fprintf(stderr, "usage: hush-demo [--method 0-3] [--suite 0-3] [--json]\n");
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  int method = 3;
  int suite = 0;
  bool as_json = false;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--json") {
      as_json = true;
    } else if ((a == "--method" || a == "--suite") && i + 1 < argc) {
      char* end = nullptr;
      const long v = std::strtol(argv[++i], &end, 10);
      if (*end != '\0' || v < 0 || v > 3) return usage();
      (a == "--method" ? method : suite) = static_cast<int>(v);
    } else {
      return usage();
    }
  }

  HandshakeInput in;
  in.method = method;
  in.suites_i = {static_cast<uint8_t>(suite)};
  in.c_i = {0x37};  // C_I = -24, one byte on the wire
  in.c_r = {0x27};  // C_R = -8
  std::string err;
  Device dev_i, dev_r;
  HandshakeOutput r;
  if (provision(dev_i, auth_key_type(method, static_cast<uint8_t>(suite), false), 0x01, 0x2B, err) &&
      provision(dev_r, auth_key_type(method, static_cast<uint8_t>(suite), true), 0x02, 0x32, err)) {
    in.sk_i = dev_i.sk;
    in.sk_r = dev_r.sk;
    in.cred_i.assign(dev_i.ccs.cred, dev_i.ccs.cred + dev_i.ccs.cred_len);
    in.cred_r.assign(dev_r.ccs.cred, dev_r.ccs.cred + dev_r.ccs.cred_len);
    in.id_cred_i.assign(dev_i.ccs.id_cred, dev_i.ccs.id_cred + dev_i.ccs.id_cred_len);
    in.id_cred_r.assign(dev_r.ccs.id_cred, dev_r.ccs.id_cred + dev_r.ccs.id_cred_len);
    r = run_handshake(in);
  } else {
    r.error = err;
  }

  size_t record_overhead = 0;
  std::string record_err;
  const bool records_ok = r.ok && run_records(in, r, suite, record_overhead, record_err);

  size_t total = 0;
  json sizes = json::array();
  for (const auto& m : r.messages) {
    sizes.push_back(m.size());
    total += m.size();
  }

  if (as_json) {
    json out;
    out["ok"] = r.ok;
    out["method"] = method;
    out["suite"] = suite;
    out["crypto_backend"] = crypto::backend_name();
    out["messages"] = sizes;
    out["total_bytes"] = total;
    out["record_overhead_bytes"] = record_overhead;
    out["record_aead_cose_alg"] = record::cose_alg(record::aead_for_suite(static_cast<uint8_t>(suite)));
    out["records_ok"] = records_ok;
    if (!r.ok) out["error"] = r.error;
    if (r.ok && !records_ok) out["error"] = record_err;
    std::cout << out.dump() << "\n";
    return r.ok && records_ok ? 0 : 1;
  }

  std::printf("hush-demo: EDHOC method %d (%s), suite %d (%s), crypto backend %s\n", method, method_name(method), suite,
              suite_name(suite), crypto::backend_name());
  static const char* kArrows[] = {"I -> R", "I <- R", "I -> R", "I <- R"};
  for (size_t i = 0; i < r.messages.size(); ++i) {
    const auto& m = r.messages[i];
    std::printf("  %s  message_%zu %4zu bytes  %s\n", kArrows[i], i + 1, m.size(), to_hex(m).c_str());
  }
  if (!r.ok) {
    std::printf("handshake FAILED: %s\n", r.error.c_str());
    return 1;
  }
  std::printf("  handshake: %zu messages, %zu bytes; both sides derived the same PRK_out and OSCORE master secret\n",
              r.messages.size(), total);
  if (!records_ok) {
    std::printf("records FAILED: %s\n", record_err.c_str());
    return 1;
  }
  std::printf(
      "  records: 4 each way sealed and opened with the exported keys; replays and forgeries refused;\n"
      "           overhead %zu bytes (1-byte payload, 1-byte connection id, sequence number 0)\n",
      record_overhead);
  return 0;
}
