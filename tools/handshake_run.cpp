// SPDX-License-Identifier: Apache-2.0
#include "handshake_run.h"

#include "hush/cbor.h"

namespace hush::host {

namespace {

const char* trace_name(edhoc::TraceId id) {
  switch (id) {
    case edhoc::TraceId::kTh2: return "th_2";
    case edhoc::TraceId::kTh3: return "th_3";
    case edhoc::TraceId::kTh4: return "th_4";
    case edhoc::TraceId::kPrk2e: return "prk_2e";
    case edhoc::TraceId::kPrk3e2m: return "prk_3e2m";
    case edhoc::TraceId::kPrk4e3m: return "prk_4e3m";
    case edhoc::TraceId::kPrkOut: return "prk_out";
    case edhoc::TraceId::kPrkExporter: return "prk_exporter";
    case edhoc::TraceId::kMac2: return "mac_2";
    case edhoc::TraceId::kMac3: return "mac_3";
  }
  return "unknown";
}

#if HUSH_EDHOC_TRACE
void record(void* user, edhoc::TraceId id, ConstByteSpan v) {
  auto* m = static_cast<std::map<std::string, Bytes>*>(user);
  (*m)[trace_name(id)] = Bytes(v.begin(), v.end());
}
#endif

ConstByteSpan view(const Bytes& b) {
  return ConstByteSpan(b.data(), b.size());
}

std::string fail(const char* step, Error e) {
  return std::string(step) + ": " + error_name(e);
}

}  // namespace

crypto::KeyType auth_key_type(int method, uint8_t suite, bool responder) {
  const bool p256 = suite >= 2;
  const bool signs = responder ? (method == 0 || method == 2) : (method == 0 || method == 1);
  if (p256) return crypto::KeyType::kP256;
  return signs ? crypto::KeyType::kEd25519 : crypto::KeyType::kX25519;
}

std::optional<edhoc::ConnId> conn_id_from_cbor(const Bytes& enc) {
  cbor::Decoder dec(view(enc));
  cbor::Major m;
  if (!ok(dec.peek(m))) return std::nullopt;
  if (m == cbor::Major::kBstr) {
    ConstByteSpan b;
    if (!ok(dec.read_bstr(b)) || !dec.at_end() || b.size() > edhoc::kMaxConnIdLen) return std::nullopt;
    return edhoc::ConnId::from_bytes(b);
  }
  int64_t v = 0;
  if (!ok(dec.read_int(v)) || !dec.at_end() || v < -24 || v > 23) return std::nullopt;
  return edhoc::ConnId::from_int(static_cast<int8_t>(v));
}

HandshakeOutput run_handshake(const HandshakeInput& in) {
  HandshakeOutput out;
  if (in.suites_i.empty()) {
    out.error = "suites_i is empty";
    return out;
  }
  const uint8_t suite = in.suites_i.back();
  const auto c_i = conn_id_from_cbor(in.c_i);
  const auto c_r = conn_id_from_cbor(in.c_r);
  if (!c_i || !c_r) {
    out.error = "c_i/c_r: not a connection identifier encoding";
    return out;
  }
  const crypto::KeyType type_i = auth_key_type(in.method, suite, false);
  const crypto::KeyType type_r = auth_key_type(in.method, suite, true);
  uint8_t pk_i[crypto::kMaxPublicKeyLen], pk_r[crypto::kMaxPublicKeyLen];
  size_t pk_i_len = 0, pk_r_len = 0;
  if (in.sk_i.size() != crypto::kScalarLen || in.sk_r.size() != crypto::kScalarLen) {
    out.error = "sk_i/sk_r must be 32 bytes";
    return out;
  }
  Error e = crypto::public_key(type_i, crypto::PrivateKey::from_raw(in.sk_i.data()), pk_i, pk_i_len);
  if (!ok(e)) {
    out.error = fail("public key of sk_i", e);
    return out;
  }
  e = crypto::public_key(type_r, crypto::PrivateKey::from_raw(in.sk_r.data()), pk_r, pk_r_len);
  if (!ok(e)) {
    out.error = fail("public key of sk_r", e);
    return out;
  }

  edhoc::InitiatorBuffer<1024> ini;
  edhoc::ResponderBuffer<1024> res;
#if HUSH_EDHOC_TRACE
  ini.set_trace(record, &out.initiator_values);
  res.set_trace(record, &out.responder_values);
#endif
  uint8_t buf[1024];
  size_t len = 0;

  edhoc::Message1Params p;
  p.method = static_cast<edhoc::Method>(in.method);
  p.suites_i = ConstByteSpan(in.suites_i.data(), in.suites_i.size());
  p.c_i = *c_i;
  p.ead_1 = view(in.ead_1);
  p.test_ephemeral = view(in.x);
  if (!ok(e = ini.prepare_message_1(p, buf, len))) return out.error = fail("prepare_message_1", e), out;
  out.messages.emplace_back(buf, buf + len);

  edhoc::Message1Info i1;
  if (!ok(e = res.process_message_1(view(out.messages[0]), i1))) return out.error = fail("process_message_1", e), out;
  const edhoc::LocalCredential own_r{view(in.cred_r), view(in.id_cred_r), crypto::PrivateKey::from_raw(in.sk_r.data())};
  // One public-key operation per call: repeat while the engine needs more.
  while ((e = res.prepare_message_2(own_r, *c_r, view(in.ead_2), buf, len, view(in.y))) == Error::kNeedMore) {
  }
  if (!ok(e)) {
    return out.error = fail("prepare_message_2", e), out;
  }
  out.messages.emplace_back(buf, buf + len);

  edhoc::Message2Info i2;
  if (!ok(e = ini.process_message_2(view(out.messages[1]), i2))) return out.error = fail("process_message_2", e), out;
  // The application's credential lookup: the only credential it knows.
  if (!(Bytes(i2.id_cred_r.map.begin(), i2.id_cred_r.map.end()) == in.id_cred_r)) {
    out.error = "message_2 names an unknown ID_CRED_R";
    return out;
  }
  if (!ok(e = ini.verify_message_2({view(in.cred_r), ConstByteSpan(pk_r, pk_r_len)}))) {
    return out.error = fail("verify_message_2", e), out;
  }
  const edhoc::LocalCredential own_i{view(in.cred_i), view(in.id_cred_i), crypto::PrivateKey::from_raw(in.sk_i.data())};
  if (!ok(e = ini.prepare_message_3(own_i, view(in.ead_3), buf, len))) {
    return out.error = fail("prepare_message_3", e), out;
  }
  out.messages.emplace_back(buf, buf + len);

  edhoc::Message3Info i3;
  if (!ok(e = res.process_message_3(view(out.messages[2]), i3))) return out.error = fail("process_message_3", e), out;
  if (!(Bytes(i3.id_cred_i.map.begin(), i3.id_cred_i.map.end()) == in.id_cred_i)) {
    out.error = "message_3 names an unknown ID_CRED_I";
    return out;
  }
  if (!ok(e = res.verify_message_3({view(in.cred_i), ConstByteSpan(pk_i, pk_i_len)}))) {
    return out.error = fail("verify_message_3", e), out;
  }
  if (in.use_message_4) {
    if (!ok(e = res.prepare_message_4(view(in.ead_4), buf, len))) return out.error = fail("prepare_message_4", e), out;
    out.messages.emplace_back(buf, buf + len);
    ConstByteSpan ead_4;
    if (!ok(e = ini.process_message_4(view(out.messages[3]), ead_4))) {
      return out.error = fail("process_message_4", e), out;
    }
  }

  edhoc::detail::Handshake* const sides[] = {&ini, &res};
  for (auto* side : sides) {
    uint8_t secret[16], salt[8];
    if (!ok(e = side->oscore_secrets(secret, salt))) return out.error = fail("oscore_secrets", e), out;
    auto& vals = side == static_cast<edhoc::detail::Handshake*>(&ini) ? out.initiator_values : out.responder_values;
    vals["oscore_master_secret"] = Bytes(secret, secret + 16);
    vals["oscore_master_salt"] = Bytes(salt, salt + 8);
  }
  // Both roles must agree on everything both of them computed.
  for (const auto& [name, value] : out.initiator_values) {
    auto it = out.responder_values.find(name);
    if (it != out.responder_values.end() && it->second != value) {
      out.error = "initiator and responder disagree on " + name;
      return out;
    }
  }
  out.values = out.responder_values;
  for (const auto& [name, value] : out.initiator_values) out.values.emplace(name, value);

  if (!in.key_update_context.empty()) {
    std::map<std::string, Bytes> after[2];
    for (int k = 0; k < 2; ++k) {
#if HUSH_EDHOC_TRACE
      if (k == 0) ini.set_trace(record, &after[0]);
      if (k == 1) res.set_trace(record, &after[1]);
#endif
      if (!ok(e = sides[k]->key_update(view(in.key_update_context)))) return out.error = fail("key_update", e), out;
      uint8_t secret[16], salt[8];
      if (!ok(e = sides[k]->oscore_secrets(secret, salt))) return out.error = fail("oscore_secrets", e), out;
      after[k]["oscore_master_secret"] = Bytes(secret, secret + 16);
      after[k]["oscore_master_salt"] = Bytes(salt, salt + 8);
    }
    if (after[0] != after[1]) {
      out.error = "initiator and responder disagree after key update";
      return out;
    }
    for (const auto& [name, value] : after[0]) out.values[name + "_after_key_update"] = value;
  }
  out.ok = out.values.count("prk_out") == 1 || !HUSH_EDHOC_TRACE;
  if (!out.ok) out.error = "no PRK_out recorded";
  return out;
}

}  // namespace hush::host
