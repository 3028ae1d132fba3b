// SPDX-License-Identifier: Apache-2.0
// The EDHOC Initiator: message_1, message_2 processing, message_3,
// message_4 processing. Each step checks the phase on entry, computes on
// locals and commits the new state last, so a rejected message changes
// nothing.

#include <cstring>

#include "edhoc/edhoc_internal.h"
#include "hush/ct.h"

namespace hush::edhoc {

using detail::AuthInput;

Error Initiator::prepare_message_1(const Message1Params& p, ByteSpan out, size_t& out_len) noexcept {
  if constexpr (!config::kInitiator) return Error::kUnsupported;
  if (phase_ != Phase::kStart) return Error::kInvalidState;
  const auto m = static_cast<unsigned>(p.method);
  if (m > 3 || !config::method_enabled(m)) return Error::kUnsupportedMethod;
  if (p.suites_i.empty() || p.suites_i.size() > kMaxSuites || !p.c_i.is_set()) return Error::kInvalidArgument;
  const Suite* suite = find_suite(p.suites_i[p.suites_i.size() - 1]);
  if (suite == nullptr) return Error::kUnsupported;

  uint8_t x[crypto::kScalarLen];
  uint8_t g_x[crypto::kCoordLen];
  Error e = Error::kOk;
  if (!p.test_ephemeral.empty()) {
    if (p.test_ephemeral.size() != crypto::kScalarLen) return Error::kInvalidArgument;
    std::memcpy(x, p.test_ephemeral.data(), crypto::kScalarLen);
    uint8_t pub[crypto::kMaxPublicKeyLen];
    size_t pub_len = 0;
    e = crypto::public_key(suite->ecdh, crypto::PrivateKey::from_raw(x), pub, pub_len);
    std::memcpy(g_x, pub, crypto::kCoordLen);  // P-256: x of x||y
  } else {
    e = crypto::ecdh_generate(suite->ecdh, x, g_x);
  }

  // message_1 = (METHOD, SUITES_I, G_X, C_I, ? EAD_1)
  uint8_t c_i_wire[detail::kMaxIdWireLen];
  const size_t c_i_len = detail::encode_id(p.c_i.view(), c_i_wire);
  cbor::Encoder enc(out);
  enc.put_uint(m);
  if (p.suites_i.size() == 1) {
    enc.put_uint(p.suites_i[0]);
  } else {
    enc.put_array(p.suites_i.size());
    for (uint8_t s : p.suites_i) enc.put_uint(s);
  }
  enc.put_bstr(ConstByteSpan(g_x, sizeof(g_x)));
  enc.put_raw(ConstByteSpan(c_i_wire, c_i_len));
  enc.put_raw(p.ead_1);
  if (ok(e)) e = enc.status();
  if (ok(e) && !p.ead_1.empty()) e = detail::check_ead(p.ead_1, settings_);
  uint8_t h1[crypto::kHashLen];
  if (ok(e)) {
    crypto::Sha256 st;
    e = crypto::sha256_start(st);
    if (ok(e)) e = crypto::sha256_update(st, enc.encoded());
    if (ok(e)) e = crypto::sha256_finish(st, h1);
  }
  if (!ok(e)) {
    ct::wipe_object(x);
    return e;
  }

  method_ = p.method;
  suite_ = suite;
  c_i_ = p.c_i;
  std::memcpy(eph_priv_, x, sizeof(x));
  std::memcpy(g_x_, g_x, sizeof(g_x));
  std::memcpy(h_msg1_, h1, sizeof(h1));
  ct::wipe_object(x);
  out_len = enc.size();
  phase_ = Phase::kSentMessage1;
  return Error::kOk;
}

Error Initiator::process_message_2(ConstByteSpan message_2, Message2Info& info) noexcept {
  if constexpr (!config::kInitiator) return Error::kUnsupported;
  // A decrypted but unverified message_2 (say, its ID_CRED_R is still being
  // looked up) stays pending until another one passes accept_plaintext; an
  // unauthenticated frame that fails earlier must not cost us the genuine one.
  if (phase_ != Phase::kSentMessage1 && phase_ != Phase::kReceivedMessage2) return Error::kInvalidState;
  if (looks_like_error(message_2)) {
    PeerError pe;
    HUSH_TRY(parse_error(message_2, pe));
    peer_error_ = pe;  // reported only: an error message never changes the handshake state
    return pe.code == static_cast<int64_t>(wire::ErrCode::kWrongSelectedSuite) ? Error::kWrongSelectedSuite
                                                                               : Error::kPeerError;
  }

  // message_2 = (G_Y_CIPHERTEXT_2 : bstr)
  cbor::Decoder dec(message_2);
  ConstByteSpan g_y_ct;
  HUSH_TRY(dec.read_bstr(g_y_ct));
  if (!dec.at_end()) return Error::kTrailingData;
  if (g_y_ct.size() <= crypto::kCoordLen) return Error::kMalformed;
  const ConstByteSpan g_y = g_y_ct.first(crypto::kCoordLen);
  const ConstByteSpan ct2 = g_y_ct.subspan(crypto::kCoordLen);
  if (ct2.size() > work_.size() / 2) return Error::kInvalidLength;  // half stays for a pending candidate
  const ByteSpan pt = candidate_area(ct2.size());
  uint8_t kdf_info[detail::kThInfoLen];

  // G_XY, TH_2, PRK_2e
  uint8_t g_xy[crypto::kCoordLen];
  uint8_t th2[crypto::kHashLen];
  uint8_t prk_2e[crypto::kHashLen];
  Error e = crypto::ecdh(suite_->ecdh, crypto::PrivateKey::from_raw(eph_priv_), g_y, g_xy);
  if (ok(e)) e = detail::hash_th2(g_y, h_msg1_, th2);
  if (ok(e)) e = crypto::hkdf_extract(ConstByteSpan(th2), ConstByteSpan(g_xy), prk_2e);
  ct::wipe_object(g_xy);
  // KEYSTREAM_2 = EDHOC_KDF(PRK_2e, 0, TH_2, plaintext_length); PLAINTEXT_2 = CIPHERTEXT_2 XOR KEYSTREAM_2
  if (ok(e)) e = detail::kdf_th(prk_2e, wire::KdfLabel::kKeystream2, th2, pt, ByteSpan(kdf_info));
  if (ok(e)) {
    for (size_t i = 0; i < pt.size(); ++i) pt[i] = static_cast<uint8_t>(pt[i] ^ ct2[i]);
  }

  // PLAINTEXT_2 = (C_R, ID_CRED_R / bstr / -24..23, Signature_or_MAC_2, ? EAD_2)
  ConnId c_r;
  if (ok(e)) e = accept_plaintext(pt, detail::sig_or_mac_len(true, method_, *suite_), &c_r);
  if (!ok(e)) {
    ct::wipe(pt);
    ct::wipe_object(prk_2e);
    return e;
  }

  std::memcpy(g_y_, g_y.data(), crypto::kCoordLen);
  std::memcpy(th_, th2, sizeof(th2));
  std::memcpy(prk_, prk_2e, sizeof(prk_2e));
  ct::wipe_object(prk_2e);
  c_r_ = c_r;
  trace(TraceId::kTh2, ConstByteSpan(th_));
  trace(TraceId::kPrk2e, ConstByteSpan(prk_));
  phase_ = Phase::kReceivedMessage2;

  info.c_r = c_r_;
  info.id_cred_r = id_cred_view();
  info.ead_2 = ConstByteSpan(work_.data() + pt_ead_off_, pt_ead_len_);
  return Error::kOk;
}

Error Initiator::verify_message_2(const PeerCredential& cred_r) noexcept {
  if constexpr (!config::kInitiator) return Error::kUnsupported;
  if (phase_ != Phase::kReceivedMessage2) return Error::kInvalidState;
  const ConstByteSpan pt(work_.data(), pt_len_);
  const ByteSpan scratch = work_.subspan(pt_len_);
  const IdCredView id_cred = id_cred_view();

  // PRK_3e2m = PRK_2e, or Extract(SALT_3e2m, G_RX) when R authenticates with static DH.
  uint8_t prk_3e2m[crypto::kHashLen];
  Error e = detail::derive_auth_prk(*suite_, detail::signs(true, method_), prk_, th_, wire::KdfLabel::kSalt3e2m,
                                    crypto::PrivateKey::from_raw(eph_priv_), cred_r.public_key, prk_3e2m, scratch);

  uint8_t c_r_wire[detail::kMaxIdWireLen];
  const size_t c_r_len = detail::encode_id(c_r_.view(), c_r_wire);
  const AuthInput in{true,        method_,     suite_,
                     prk_3e2m,    th_,         ConstByteSpan(c_r_wire, c_r_len),
                     id_cred.map, cred_r.cred, ConstByteSpan(work_.data() + pt_ead_off_, pt_ead_len_)};
  if (ok(e)) {
    e = detail::verify_sig_or_mac(in, cred_r.public_key, ConstByteSpan(work_.data() + pt_sig_off_, pt_sig_len_),
                                  scratch);
  }
  uint8_t th3[crypto::kHashLen];
  if (ok(e)) e = detail::hash_th_next(th_, pt, cred_r.cred, th3);
  if (!ok(e)) {
    // A forged message_2 must not end the handshake: wait for the real one.
    ct::wipe_object(prk_3e2m);
    wipe_plaintext();
    phase_ = Phase::kSentMessage1;
    return e;
  }

  trace(TraceId::kPrk3e2m, ConstByteSpan(prk_3e2m));
  trace(TraceId::kTh3, ConstByteSpan(th3));
  std::memcpy(prk_, prk_3e2m, sizeof(prk_3e2m));
  std::memcpy(th_, th3, sizeof(th3));
  ct::wipe_object(prk_3e2m);
  wipe_plaintext();
  phase_ = Phase::kVerifiedMessage2;
  return Error::kOk;
}

Error Initiator::prepare_message_3(const LocalCredential& cred_i, ConstByteSpan ead_3, ByteSpan out,
                                   size_t& out_len) noexcept {
  if constexpr (!config::kInitiator) return Error::kUnsupported;
  if (phase_ != Phase::kVerifiedMessage2) return Error::kInvalidState;
  HUSH_TRY(detail::check_ead(ead_3, settings_));

  // PRK_4e3m = PRK_3e2m, or Extract(SALT_4e3m, G_IY) when I authenticates with static DH.
  uint8_t prk_4e3m[crypto::kHashLen];
  Error e = detail::derive_auth_prk(*suite_, detail::signs(false, method_), prk_, th_, wire::KdfLabel::kSalt4e3m,
                                    cred_i.key, ConstByteSpan(g_y_), prk_4e3m, work_);

  // Signature_or_MAC_3 over context_3 = << ID_CRED_I, TH_3, CRED_I, ? EAD_3 >>
  uint8_t sig[crypto::kSignatureLen];
  size_t sig_len = 0;
  const AuthInput in{false, method_, suite_, prk_4e3m, th_, ConstByteSpan(), cred_i.id_cred, cred_i.cred, ead_3};
  if (ok(e)) e = detail::compose_sig_or_mac(in, cred_i.key, work_, sig, sig_len);

  // PLAINTEXT_3 = (ID_CRED_I / bstr / -24..23, Signature_or_MAC_3, ? EAD_3), composed at the
  // front of work_, sealed into `out` behind the bstr head.
  ConstByteSpan kid;
  uint8_t kid_wire[detail::kMaxIdWireLen];
  cbor::Encoder pt_enc(work_.first(work_.size() / 2));
  if (detail::id_cred_kid(cred_i.id_cred, kid)) {
    pt_enc.put_raw(ConstByteSpan(kid_wire, detail::encode_id(kid, kid_wire)));
  } else {
    pt_enc.put_raw(cred_i.id_cred);
  }
  pt_enc.put_bstr(ConstByteSpan(sig, sig_len));
  pt_enc.put_raw(ead_3);
  if (ok(e)) e = pt_enc.status();
  const ConstByteSpan pt3 = pt_enc.encoded();
  const size_t ct_len = pt3.size() + crypto::tag_len(suite_->aead);
  const size_t head = cbor::head_size(ct_len);
  if (ok(e) && out.size() < head + ct_len) e = Error::kBufferTooSmall;
  const ByteSpan scratch = work_.subspan(work_.size() / 2);
  // TH_4 is computed before sealing, and any failure from the seal on aborts:
  // K_3/IV_3 are fixed by the transcript, so a retry would seal a second,
  // freshly signed PLAINTEXT_3 under the same key and nonce (RFC 9528 §7).
  uint8_t th4[crypto::kHashLen];
  if (ok(e)) e = detail::hash_th_next(th_, pt3, cred_i.cred, th4);
  bool sealed = false;
  if (ok(e)) {
    sealed = true;
    e = detail::seal_or_open(true, *suite_, prk_, th_, wire::KdfLabel::kK3, wire::KdfLabel::kIv3, pt3,
                             out.subspan(head, ct_len), scratch);
  }
  ct::wipe_object(sig);
  if (ok(e)) e = complete(prk_4e3m, th4, scratch);
  ct::wipe(work_);
  ct::wipe_object(prk_4e3m);
  if (!ok(e)) {
    if (sealed || e == Error::kCryptoFailed) abort();
    return e;
  }
  cbor::Encoder head_enc(out.first(head));
  head_enc.put_bstr_head(ct_len);
  out_len = head + ct_len;
  return Error::kOk;
}

Error Initiator::process_message_4(ConstByteSpan message_4, ConstByteSpan& ead_4) noexcept {
  if constexpr (!config::kInitiator) return Error::kUnsupported;
  if (phase_ != Phase::kCompleted || message_4_done_) return Error::kInvalidState;
  if (looks_like_error(message_4)) {
    PeerError pe;
    HUSH_TRY(parse_error(message_4, pe));
    peer_error_ = pe;
    return Error::kPeerError;
  }
  cbor::Decoder dec(message_4);
  ConstByteSpan ct4;
  HUSH_TRY(dec.read_bstr(ct4));
  if (!dec.at_end()) return Error::kTrailingData;
  const size_t tag = crypto::tag_len(suite_->aead);
  if (ct4.size() < tag || ct4.size() - tag > work_.size() / 2) return Error::kInvalidLength;
  const ByteSpan pt = work_.first(ct4.size() - tag);
  Error e = message_4_aead(false, ct4, pt);
  if (ok(e)) e = detail::check_ead(pt, settings_);
  if (!ok(e)) {
    ct::wipe(pt);
    return e;
  }
  end_message_4();
  pt_len_ = static_cast<uint16_t>(pt.size());  // EAD_4 stays readable until the next call
  ead_4 = ConstByteSpan(pt);
  return Error::kOk;
}

}  // namespace hush::edhoc
