// SPDX-License-Identifier: Apache-2.0
// The EDHOC Responder: message_1 processing and suite negotiation,
// message_2, message_3 processing, message_4. Same discipline as the
// Initiator: check the phase, compute on locals, commit last.

#include <cstring>

#include "edhoc/edhoc_internal.h"
#include "hush/ct.h"

namespace hush::edhoc {

using detail::AuthInput;

namespace {

bool responder_accepts(const Settings& s, uint8_t suite) noexcept {
  return suite < 4 && find_suite(suite) != nullptr && ((s.responder_suites >> suite) & 1u) != 0;
}

}  // namespace

Error Responder::process_message_1(ConstByteSpan message_1, Message1Info& info) noexcept {
  if constexpr (!config::kResponder) return Error::kUnsupported;
  if (phase_ != Phase::kStart) return Error::kInvalidState;

  // message_1 = (METHOD : int, SUITES_I : suites, G_X : bstr, C_I : bstr / -24..23, ? EAD_1)
  cbor::Decoder dec(message_1);
  int64_t method = 0;
  HUSH_TRY(dec.read_int(method));
  uint8_t suites[kMaxSuites];
  size_t n_suites = 0;
  HUSH_TRY(detail::read_suites(dec, suites, n_suites));
  ConstByteSpan g_x;
  HUSH_TRY(dec.read_bstr(g_x));
  uint8_t c_i_bytes[kMaxConnIdLen];
  size_t c_len = 0;
  HUSH_TRY(detail::read_id(dec, kMaxConnIdLen, c_i_bytes, c_len));
  const ConnId c_i = ConnId::from_bytes(ConstByteSpan(c_i_bytes, c_len));
  const ConstByteSpan ead_1 = dec.rest();
  HUSH_TRY(detail::check_ead(ead_1, settings_));

  if (method < 0 || method > 3 || !config::method_enabled(static_cast<unsigned>(method)) ||
      ((settings_.responder_methods >> method) & 1u) == 0) {
    return Error::kUnsupportedMethod;
  }
  // The selected suite is the last; none the Initiator prefers may be one we support (§5.2.3).
  const uint8_t selected = suites[n_suites - 1];
  bool acceptable = responder_accepts(settings_, selected);
  for (size_t i = 0; i + 1 < n_suites; ++i) {
    if (responder_accepts(settings_, suites[i])) acceptable = false;
  }
  if (!acceptable) {
    std::memcpy(offered_, suites, n_suites);
    offered_len_ = static_cast<uint8_t>(n_suites);
    return Error::kWrongSelectedSuite;
  }
  const Suite* suite = find_suite(selected);
  if (g_x.size() != crypto::kCoordLen) return Error::kInvalidLength;

  uint8_t h1[crypto::kHashLen];
  crypto::Sha256 st;
  Error e = crypto::sha256_start(st);
  if (ok(e)) e = crypto::sha256_update(st, message_1);
  if (ok(e)) e = crypto::sha256_finish(st, h1);
  if (!ok(e)) return e;

  method_ = static_cast<Method>(method);
  suite_ = suite;
  c_i_ = c_i;
  offered_len_ = 0;
  std::memcpy(g_x_, g_x.data(), crypto::kCoordLen);
  std::memcpy(h_msg1_, h1, sizeof(h1));
  phase_ = Phase::kReceivedMessage1;

  info.method = method_;
  info.suite = selected;
  info.c_i = c_i_;
  info.ead_1 = ead_1;
  return Error::kOk;
}

Error Responder::suites_r(uint8_t (&out)[kMaxSuites], size_t& len) const noexcept {
  if (offered_len_ == 0) return Error::kInvalidState;
  // The supported suite the Initiator prefers most, if any (§6.3.1) ...
  for (size_t i = 0; i < offered_len_; ++i) {
    if (responder_accepts(settings_, offered_[i])) {
      out[0] = offered_[i];
      len = 1;
      return Error::kOk;
    }
  }
  // ... otherwise everything we support.
  len = 0;
  for (uint8_t s = 0; s < 4; ++s) {
    if (responder_accepts(settings_, s)) out[len++] = s;
  }
  return len > 0 ? Error::kOk : Error::kUnsupported;
}

Error Responder::prepare_message_2(const LocalCredential& cred_r, const ConnId& c_r, ConstByteSpan ead_2, ByteSpan out,
                                   size_t& out_len, ConstByteSpan test_ephemeral) noexcept {
  if constexpr (!config::kResponder) return Error::kUnsupported;
  if (phase_ != Phase::kReceivedMessage1) return Error::kInvalidState;
  // The arguments are checked on every call, so a resumed call cannot bring
  // in what the first one would have refused.
  // C_R = C_I would give both sides the same OSCORE Recipient ID (§3.3.3).
  if (!c_r.is_set() || c_r == c_i_) return Error::kInvalidArgument;
  if (!test_ephemeral.empty() && test_ephemeral.size() != crypto::kScalarLen) return Error::kInvalidArgument;
  HUSH_TRY(detail::check_ead(ead_2, settings_));
  // One public-key operation per call (see edhoc.h); each step commits its
  // result to the engine only on success, so a failed call can be repeated.
  Error e = Error::kOk;
  switch (m2_step_) {
    case 0: e = m2_ephemeral(test_ephemeral); break;
    case 1: e = m2_shared_secret(); break;
    default: e = m2_compose(cred_r, c_r, ead_2, out, out_len); break;
  }
  if (e == Error::kCryptoFailed) abort();
  return e;
}

Error Responder::m2_ephemeral(ConstByteSpan test_ephemeral) noexcept {
  uint8_t y[crypto::kScalarLen];
  uint8_t g_y[crypto::kCoordLen];
  Error e = Error::kOk;
  if (!test_ephemeral.empty()) {
    std::memcpy(y, test_ephemeral.data(), crypto::kScalarLen);
    uint8_t pub[crypto::kMaxPublicKeyLen];
    size_t pub_len = 0;
    e = crypto::public_key(suite_->ecdh, crypto::PrivateKey::from_raw(y), pub, pub_len);
    std::memcpy(g_y, pub, crypto::kCoordLen);  // P-256: x of x||y
  } else {
    e = crypto::ecdh_generate(suite_->ecdh, y, g_y);
  }
  if (ok(e)) {
    std::memcpy(eph_priv_, y, sizeof(y));
    std::memcpy(g_y_, g_y, sizeof(g_y));
    m2_step_ = 1;
    e = Error::kNeedMore;
  }
  ct::wipe_object(y);
  return e;
}

Error Responder::m2_shared_secret() noexcept {
  // G_XY (an invalid G_X is caught here), TH_2, PRK_2e
  uint8_t g_xy[crypto::kCoordLen];
  uint8_t th2[crypto::kHashLen];
  uint8_t prk_2e[crypto::kHashLen];
  Error e = crypto::ecdh(suite_->ecdh, crypto::PrivateKey::from_raw(eph_priv_), ConstByteSpan(g_x_), g_xy);
  if (ok(e)) e = detail::hash_th2(ConstByteSpan(g_y_), h_msg1_, th2);
  if (ok(e)) e = crypto::hkdf_extract(ConstByteSpan(th2), ConstByteSpan(g_xy), prk_2e);
  ct::wipe_object(g_xy);
  if (ok(e)) {
    std::memcpy(th_, th2, sizeof(th2));
    std::memcpy(prk_, prk_2e, sizeof(prk_2e));
    m2_step_ = 2;
    e = Error::kNeedMore;
  }
  ct::wipe_object(prk_2e);
  return e;
}

Error Responder::m2_compose(const LocalCredential& cred_r, const ConnId& c_r, ConstByteSpan ead_2, ByteSpan out,
                            size_t& out_len) noexcept {
  const ByteSpan scratch = work_;
  const uint8_t* const prk_2e = prk_;
  const uint8_t* const th2 = th_;

  // PRK_3e2m = PRK_2e, or Extract(SALT_3e2m, G_RX) when R authenticates with static DH.
  uint8_t prk_3e2m[crypto::kHashLen];
  Error e = detail::derive_auth_prk(*suite_, detail::signs(true, method_), prk_2e, th2, wire::KdfLabel::kSalt3e2m,
                                    cred_r.key, ConstByteSpan(g_x_), prk_3e2m, scratch);

  // Signature_or_MAC_2 over context_2 = << C_R, ID_CRED_R, TH_2, CRED_R, ? EAD_2 >>
  uint8_t c_r_wire[detail::kMaxIdWireLen];
  const size_t c_r_len = detail::encode_id(c_r.view(), c_r_wire);
  uint8_t sig[crypto::kSignatureLen];
  size_t sig_len = 0;
  const AuthInput in{true,           method_,     suite_, prk_3e2m, th2, ConstByteSpan(c_r_wire, c_r_len),
                     cred_r.id_cred, cred_r.cred, ead_2};
  if (ok(e)) e = detail::compose_sig_or_mac(in, cred_r.key, scratch, sig, sig_len);

  // PLAINTEXT_2 = (C_R, ID_CRED_R / bstr / -24..23, Signature_or_MAC_2, ? EAD_2), written in
  // place after G_Y, then XORed with KEYSTREAM_2.
  ConstByteSpan kid;
  uint8_t kid_wire[detail::kMaxIdWireLen];
  const bool compact = detail::id_cred_kid(cred_r.id_cred, kid);
  const size_t kid_len = compact ? detail::encode_id(kid, kid_wire) : 0;
  const size_t pt_len =
      c_r_len + (compact ? kid_len : cred_r.id_cred.size()) + cbor::head_size(sig_len) + sig_len + ead_2.size();
  const size_t body = crypto::kCoordLen + pt_len;
  const size_t head = cbor::head_size(body);
  if (ok(e) && out.size() < head + body) e = Error::kBufferTooSmall;
  if (ok(e) && pt_len + 64 > scratch.size()) e = Error::kBufferTooSmall;
  if (ok(e)) {
    cbor::Encoder enc(out);
    enc.put_bstr_head(body);
    enc.put_raw(ConstByteSpan(g_y_));
    enc.put_raw(ConstByteSpan(c_r_wire, c_r_len));
    enc.put_raw(compact ? ConstByteSpan(kid_wire, kid_len) : cred_r.id_cred);
    enc.put_bstr(ConstByteSpan(sig, sig_len));
    enc.put_raw(ead_2);
    e = enc.status();
  }
  const ByteSpan pt = out.subspan(head + crypto::kCoordLen, pt_len);
  uint8_t th3[crypto::kHashLen];
  if (ok(e)) e = detail::hash_th_next(th2, ConstByteSpan(pt), cred_r.cred, th3);  // TH_3
  if (ok(e))
    e = detail::kdf_th(prk_2e, wire::KdfLabel::kKeystream2, th2, scratch.first(pt_len), scratch.subspan(pt_len));
  if (ok(e)) {
    for (size_t i = 0; i < pt_len; ++i) pt[i] = static_cast<uint8_t>(pt[i] ^ scratch[i]);
  }
  ct::wipe(scratch);
  ct::wipe_object(sig);
  if (!ok(e)) {
    ct::wipe(out);
    ct::wipe_object(prk_3e2m);
    return e;
  }

  trace(TraceId::kTh2, ConstByteSpan(th2, crypto::kHashLen));
  trace(TraceId::kPrk2e, ConstByteSpan(prk_2e, crypto::kHashLen));
  trace(TraceId::kPrk3e2m, ConstByteSpan(prk_3e2m));
  trace(TraceId::kTh3, ConstByteSpan(th3));
  std::memcpy(prk_, prk_3e2m, sizeof(prk_3e2m));
  std::memcpy(th_, th3, sizeof(th3));
  ct::wipe_object(prk_3e2m);
  c_r_ = c_r;
  m2_step_ = 0;
  out_len = head + body;
  phase_ = Phase::kSentMessage2;
  return Error::kOk;
}

Error Responder::process_message_3(ConstByteSpan message_3, Message3Info& info) noexcept {
  if constexpr (!config::kResponder) return Error::kUnsupported;
  // A decrypted but unverified message_3 stays pending until another one
  // passes accept_plaintext; an unauthenticated frame changes nothing.
  if (phase_ != Phase::kSentMessage2 && phase_ != Phase::kReceivedMessage3) return Error::kInvalidState;
  if (looks_like_error(message_3)) {
    PeerError pe;
    HUSH_TRY(parse_error(message_3, pe));
    peer_error_ = pe;  // reported only: an error message never changes the handshake state
    return Error::kPeerError;
  }
  cbor::Decoder dec(message_3);
  ConstByteSpan ct3;
  HUSH_TRY(dec.read_bstr(ct3));
  if (!dec.at_end()) return Error::kTrailingData;
  const size_t tag = crypto::tag_len(suite_->aead);
  if (ct3.size() < tag || ct3.size() - tag > work_.size() / 2) return Error::kInvalidLength;
  const ByteSpan pt = candidate_area(ct3.size() - tag);
  uint8_t kdf_info[detail::kThInfoLen];
  Error e = detail::seal_or_open(false, *suite_, prk_, th_, wire::KdfLabel::kK3, wire::KdfLabel::kIv3, ct3, pt,
                                 ByteSpan(kdf_info));

  // PLAINTEXT_3 = (ID_CRED_I / bstr / -24..23, Signature_or_MAC_3, ? EAD_3)
  if (ok(e)) e = accept_plaintext(pt, detail::sig_or_mac_len(false, method_, *suite_), nullptr);
  if (!ok(e)) {
    ct::wipe(pt);
    return e;
  }
  phase_ = Phase::kReceivedMessage3;
  info.id_cred_i = id_cred_view();
  info.ead_3 = ConstByteSpan(work_.data() + pt_ead_off_, pt_ead_len_);
  return Error::kOk;
}

Error Responder::verify_message_3(const PeerCredential& cred_i) noexcept {
  if constexpr (!config::kResponder) return Error::kUnsupported;
  if (phase_ != Phase::kReceivedMessage3) return Error::kInvalidState;
  const ConstByteSpan pt(work_.data(), pt_len_);
  const ByteSpan scratch = work_.subspan(pt_len_);
  const IdCredView id_cred = id_cred_view();

  // PRK_4e3m = PRK_3e2m, or Extract(SALT_4e3m, G_IY) when I authenticates with static DH.
  uint8_t prk_4e3m[crypto::kHashLen];
  Error e = detail::derive_auth_prk(*suite_, detail::signs(false, method_), prk_, th_, wire::KdfLabel::kSalt4e3m,
                                    crypto::PrivateKey::from_raw(eph_priv_), cred_i.public_key, prk_4e3m, scratch);
  const AuthInput in{false,       method_,     suite_,
                     prk_4e3m,    th_,         ConstByteSpan(),
                     id_cred.map, cred_i.cred, ConstByteSpan(work_.data() + pt_ead_off_, pt_ead_len_)};
  if (ok(e)) {
    e = detail::verify_sig_or_mac(in, cred_i.public_key, ConstByteSpan(work_.data() + pt_sig_off_, pt_sig_len_),
                                  scratch);
  }
  uint8_t th4[crypto::kHashLen];
  if (ok(e)) e = detail::hash_th_next(th_, pt, cred_i.cred, th4);
  if (ok(e)) e = complete(prk_4e3m, th4, scratch);
  ct::wipe_object(prk_4e3m);
  wipe_plaintext();
  if (!ok(e)) phase_ = Phase::kSentMessage2;  // a forged message_3 does not end the handshake
  return e;
}

Error Responder::prepare_message_4(ConstByteSpan ead_4, ByteSpan out, size_t& out_len) noexcept {
  if constexpr (!config::kResponder) return Error::kUnsupported;
  if (phase_ != Phase::kCompleted || message_4_done_) return Error::kInvalidState;
  HUSH_TRY(detail::check_ead(ead_4, settings_));
  // message_4 = bstr(COSE_Encrypt0 ciphertext of PLAINTEXT_4 = ? EAD_4), with the K_4/IV_4 kept at completion.
  const size_t ct_len = ead_4.size() + crypto::tag_len(suite_->aead);
  const size_t head = cbor::head_size(ct_len);
  if (out.size() < head + ct_len) return Error::kBufferTooSmall;
  HUSH_TRY(message_4_aead(true, ead_4, out.subspan(head, ct_len)));
  cbor::Encoder enc(out.first(head));
  enc.put_bstr_head(ct_len);
  end_message_4();
  out_len = head + ct_len;
  return Error::kOk;
}

}  // namespace hush::edhoc
