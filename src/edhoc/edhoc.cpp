// SPDX-License-Identifier: Apache-2.0
// EDHOC steps shared by both roles: suites, identifiers, transcript hashes,
// EDHOC_KDF, EAD checks, MAC/signature, message_3/4 AEAD, exporter and
// error messages.

#include <cstring>

#include "edhoc/edhoc_internal.h"
#include "hush/ct.h"

namespace hush::edhoc {

namespace {

constexpr Suite kSuites[] = {
    {wire::kSuite0, crypto::Aead::kAesCcm16_64_128, crypto::KeyType::kX25519, crypto::KeyType::kEd25519, 8},
    {wire::kSuite1, crypto::Aead::kAesCcm16_128_128, crypto::KeyType::kX25519, crypto::KeyType::kEd25519, 16},
    {wire::kSuite2, crypto::Aead::kAesCcm16_64_128, crypto::KeyType::kP256, crypto::KeyType::kP256, 8},
    {wire::kSuite3, crypto::Aead::kAesCcm16_128_128, crypto::KeyType::kP256, crypto::KeyType::kP256, 16},
};

// One-byte CBOR ints -24..23 are 0x00..0x17 and 0x20..0x37.
constexpr bool is_one_byte_int(uint8_t b) noexcept {
  return b <= 0x17 || (b >= 0x20 && b <= 0x37);
}

constexpr uint8_t kEncrypt0[] = {'E', 'n', 'c', 'r', 'y', 'p', 't', '0'};
constexpr uint8_t kSignature1[] = {'S', 'i', 'g', 'n', 'a', 't', 'u', 'r', 'e', '1'};

}  // namespace

const Suite* find_suite(int64_t id) noexcept {
  if (id < 0 || id > 3 || !config::suite_enabled(static_cast<unsigned>(id))) return nullptr;
  return &kSuites[id];
}

ConnId ConnId::from_bytes(ConstByteSpan b) noexcept {
  ConnId c;
  if (b.size() > kMaxConnIdLen) return c;
  c.set_ = true;
  c.len_ = static_cast<uint8_t>(b.size());
  for (size_t i = 0; i < b.size(); ++i) c.bytes_[i] = b[i];
  return c;
}

ConnId ConnId::from_int(int8_t v) noexcept {
  if (v < -24 || v > 23) return ConnId();
  const uint8_t b = v >= 0 ? static_cast<uint8_t>(v) : static_cast<uint8_t>(0x20 + (-1 - v));
  return from_bytes(ConstByteSpan(&b, 1));
}

bool ConnId::operator==(const ConnId& o) const noexcept {
  // Identifiers are public, so memcmp is fine; len_ is bounded by construction.
  return set_ == o.set_ && len_ == o.len_ && std::memcmp(bytes_, o.bytes_, len_) == 0;
}

namespace detail {

size_t encode_id(ConstByteSpan id, uint8_t (&out)[kMaxIdWireLen]) noexcept {
  if (id.size() == 1 && is_one_byte_int(id[0])) {
    out[0] = id[0];
    return 1;
  }
  if (id.size() > kMaxKidLen) return 0;
  out[0] = static_cast<uint8_t>(0x40 | id.size());
  for (size_t i = 0; i < id.size(); ++i) out[1 + i] = id[i];
  return 1 + id.size();
}

Error read_id(cbor::Decoder& dec, size_t max_len, uint8_t* bytes, size_t& len) noexcept {
  cbor::Major m;
  HUSH_TRY(dec.peek(m));
  if (m == cbor::Major::kUint || m == cbor::Major::kNint) {
    const size_t at = dec.offset();
    int64_t v = 0;
    HUSH_TRY(dec.read_int(v));
    if (v < -24 || v > 23 || dec.offset() != at + 1) return Error::kMalformed;
    bytes[0] = v >= 0 ? static_cast<uint8_t>(v) : static_cast<uint8_t>(0x20 + (-1 - v));
    len = 1;
    return Error::kOk;
  }
  if (m != cbor::Major::kBstr) return Error::kMalformed;
  ConstByteSpan b;
  HUSH_TRY(dec.read_bstr(b));
  if (b.size() > max_len) return Error::kInvalidLength;
  if (b.size() == 1 && is_one_byte_int(b[0])) return Error::kNonDeterministic;
  for (size_t i = 0; i < b.size(); ++i) bytes[i] = b[i];
  len = b.size();
  return Error::kOk;
}

bool id_cred_kid(ConstByteSpan id_cred, ConstByteSpan& kid) noexcept {
  cbor::Decoder dec(id_cred);
  size_t n = 0;
  int64_t label = 0;
  if (!ok(dec.read_map(n)) || n != 1 || !ok(dec.read_int(label)) || label != wire::kCoseHeaderKid) return false;
  if (!ok(dec.read_bstr(kid)) || !dec.at_end() || kid.size() > kMaxKidLen) return false;
  return true;
}

Error read_id_cred(cbor::Decoder& dec, ConstByteSpan& raw, bool& is_kid, uint8_t* kid, size_t& kid_len) noexcept {
  cbor::Major m;
  HUSH_TRY(dec.peek(m));
  const size_t start = dec.offset();
  const ConstByteSpan before = dec.rest();
  if (m == cbor::Major::kMap) {
    HUSH_TRY(dec.read_item(raw));
    ConstByteSpan k;
    // {4: kid} must travel in compact form (§3.5.3.2).
    if (id_cred_kid(raw, k)) return Error::kNonDeterministic;
    is_kid = false;
    return Error::kOk;
  }
  HUSH_TRY(read_id(dec, kMaxKidLen, kid, kid_len));
  raw = before.first(dec.offset() - start);
  is_kid = true;
  return Error::kOk;
}

Error hash_th2(ConstByteSpan g_y, const uint8_t* h_msg1, uint8_t (&th)[crypto::kHashLen]) noexcept {
  uint8_t head[2] = {0x58, 0};
  crypto::Sha256 st;
  HUSH_TRY(crypto::sha256_start(st));
  head[1] = static_cast<uint8_t>(g_y.size());
  Error e = crypto::sha256_update(st, ConstByteSpan(head, 2));
  if (ok(e)) e = crypto::sha256_update(st, g_y);
  head[1] = static_cast<uint8_t>(crypto::kHashLen);
  if (ok(e)) e = crypto::sha256_update(st, ConstByteSpan(head, 2));
  if (ok(e)) e = crypto::sha256_update(st, ConstByteSpan(h_msg1, crypto::kHashLen));
  if (!ok(e)) return e;
  return crypto::sha256_finish(st, th);
}

Error hash_th_next(const uint8_t* prev_th, ConstByteSpan plaintext, ConstByteSpan cred,
                   uint8_t (&th)[crypto::kHashLen]) noexcept {
  const uint8_t head[2] = {0x58, static_cast<uint8_t>(crypto::kHashLen)};
  crypto::Sha256 st;
  HUSH_TRY(crypto::sha256_start(st));
  Error e = crypto::sha256_update(st, ConstByteSpan(head, 2));
  if (ok(e)) e = crypto::sha256_update(st, ConstByteSpan(prev_th, crypto::kHashLen));
  if (ok(e)) e = crypto::sha256_update(st, plaintext);
  if (ok(e)) e = crypto::sha256_update(st, cred);
  if (!ok(e)) return e;
  return crypto::sha256_finish(st, th);
}

Error kdf(const uint8_t* prk, uint64_t label, const ConstByteSpan* parts, size_t n_parts, ByteSpan out,
          ByteSpan scratch) noexcept {
  size_t ctx_len = 0;
  for (size_t i = 0; i < n_parts; ++i) ctx_len += parts[i].size();
  cbor::Encoder enc(scratch);
  enc.put_uint(label);
  enc.put_bstr_head(ctx_len);
  for (size_t i = 0; i < n_parts; ++i) enc.put_raw(parts[i]);
  enc.put_uint(out.size());
  HUSH_TRY(enc.status());
  const Error e = crypto::hkdf_expand(ConstByteSpan(prk, crypto::kHashLen), enc.encoded(), out);
  // The info embeds TH and credentials, not secrets, but it is cheap to be tidy.
  ct::wipe(scratch.data(), enc.size());
  return e;
}

Error check_ead(ConstByteSpan ead, const Settings& settings) noexcept {
  cbor::Decoder dec(ead);
  while (!dec.at_end()) {
    int64_t label = 0;
    HUSH_TRY(dec.read_int(label));
    ConstByteSpan value;
    cbor::Major m;
    if (!dec.at_end()) {
      HUSH_TRY(dec.peek(m));
      if (m == cbor::Major::kBstr) {
        HUSH_TRY(dec.read_bstr(value));
      } else if (m != cbor::Major::kUint && m != cbor::Major::kNint) {
        return Error::kMalformed;
      }
    }
    if (label < 0 &&
        (settings.accept_critical_ead == nullptr || !settings.accept_critical_ead(settings.user, label, value))) {
      return Error::kCriticalEad;
    }
  }
  return Error::kOk;
}

namespace {

// MAC_2 = EDHOC_KDF(PRK_3e2m, 2, context_2, mac_length_2),
// context_2 = << C_R, ID_CRED_R, TH_2, CRED_R, ? EAD_2 >>; MAC_3 likewise
// without C_R. Signature methods use hash_length.
Error compute_mac(const AuthInput& in, uint8_t (&mac)[crypto::kHashLen], size_t& mac_len, ByteSpan scratch) noexcept {
  const uint8_t th_head[2] = {0x58, static_cast<uint8_t>(crypto::kHashLen)};
  const ConstByteSpan parts[] = {
      in.c_r_wire, in.id_cred, ConstByteSpan(th_head, 2), ConstByteSpan(in.th, crypto::kHashLen), in.cred, in.ead};
  mac_len = signs(in.responder, in.method) ? crypto::kHashLen : in.suite->mac_len;
  const wire::KdfLabel label = in.responder ? wire::KdfLabel::kMac2 : wire::KdfLabel::kMac3;
  return kdf(in.prk, static_cast<uint64_t>(label), parts, 6, ByteSpan(mac, mac_len), scratch);
}

// Sig_structure = ["Signature1", << ID_CRED_x >>, << TH_x, CRED_x, ? EAD_x >>, MAC_x]
Error sig_structure(const AuthInput& in, ConstByteSpan mac, ByteSpan scratch, size_t& len) noexcept {
  const uint8_t th_head[2] = {0x58, static_cast<uint8_t>(crypto::kHashLen)};
  cbor::Encoder enc(scratch);
  enc.put_array(4);
  enc.put_tstr(ConstByteSpan(kSignature1, sizeof(kSignature1)));
  enc.put_bstr(in.id_cred);
  enc.put_bstr_head(2 + crypto::kHashLen + in.cred.size() + in.ead.size());
  enc.put_raw(ConstByteSpan(th_head, 2));
  enc.put_raw(ConstByteSpan(in.th, crypto::kHashLen));
  enc.put_raw(in.cred);
  enc.put_raw(in.ead);
  enc.put_bstr(mac);
  HUSH_TRY(enc.status());
  len = enc.size();
  return Error::kOk;
}

}  // namespace

Error compose_sig_or_mac(const AuthInput& in, const crypto::PrivateKey& key, ByteSpan scratch,
                         uint8_t (&out)[crypto::kSignatureLen], size_t& out_len) noexcept {
  uint8_t mac[crypto::kHashLen];
  size_t mac_len = 0;
  HUSH_TRY(compute_mac(in, mac, mac_len, scratch));
  if (!signs(in.responder, in.method)) {
    std::memcpy(out, mac, mac_len);
    out_len = mac_len;
    ct::wipe_object(mac);
    return Error::kOk;
  }
  size_t len = 0;
  Error e = sig_structure(in, ConstByteSpan(mac, mac_len), scratch, len);
  ct::wipe_object(mac);
  if (ok(e)) e = crypto::sign(in.suite->signing, key, ConstByteSpan(scratch.data(), len), out);
  if (ok(e)) out_len = crypto::kSignatureLen;
  ct::wipe(scratch.data(), len);  // the Sig_structure ends with MAC_x
  return e;
}

Error verify_sig_or_mac(const AuthInput& in, ConstByteSpan peer_public_key, ConstByteSpan received,
                        ByteSpan scratch) noexcept {
  uint8_t mac[crypto::kHashLen];
  size_t mac_len = 0;
  HUSH_TRY(compute_mac(in, mac, mac_len, scratch));
  Error e = Error::kOk;
  if (!signs(in.responder, in.method)) {
    e = ct::equal(ConstByteSpan(mac, mac_len), received) ? Error::kOk : Error::kAuthFailed;
  } else {
    size_t len = 0;
    e = sig_structure(in, ConstByteSpan(mac, mac_len), scratch, len);
    if (ok(e)) e = crypto::verify(in.suite->signing, peer_public_key, ConstByteSpan(scratch.data(), len), received);
    ct::wipe(scratch.data(), len);  // the Sig_structure ends with MAC_x
  }
  ct::wipe_object(mac);
  return e;
}

Error derive_key_iv(const uint8_t* prk, const uint8_t* th, wire::KdfLabel key_label, wire::KdfLabel iv_label,
                    uint8_t (&key)[crypto::kAesKeyLen], uint8_t (&iv)[crypto::kCcmNonceLen],
                    ByteSpan scratch) noexcept {
  HUSH_TRY(kdf_th(prk, key_label, th, ByteSpan(key), scratch));
  return kdf_th(prk, iv_label, th, ByteSpan(iv), scratch);
}

Error encrypt0(bool seal, const Suite& suite, const uint8_t* key, const uint8_t* iv, const uint8_t* th,
               ConstByteSpan in, ByteSpan out) noexcept {
  // Enc_structure = ["Encrypt0", h'', TH]
  uint8_t aad[1 + 1 + sizeof(kEncrypt0) + 1 + 2 + crypto::kHashLen];
  cbor::Encoder enc{ByteSpan(aad, sizeof(aad))};
  enc.put_array(3);
  enc.put_tstr(ConstByteSpan(kEncrypt0, sizeof(kEncrypt0)));
  enc.put_bstr(ConstByteSpan());
  enc.put_bstr(ConstByteSpan(th, crypto::kHashLen));
  HUSH_TRY(enc.status());
  const ConstByteSpan k(key, crypto::kAesKeyLen);
  const ConstByteSpan n(iv, crypto::kCcmNonceLen);
  return seal ? crypto::aead_seal(suite.aead, k, n, enc.encoded(), in, out)
              : crypto::aead_open(suite.aead, k, n, enc.encoded(), in, out);
}

Error seal_or_open(bool seal, const Suite& suite, const uint8_t* prk, const uint8_t* th, wire::KdfLabel key_label,
                   wire::KdfLabel iv_label, ConstByteSpan in, ByteSpan out, ByteSpan scratch) noexcept {
  uint8_t key[crypto::kAesKeyLen];
  uint8_t iv[crypto::kCcmNonceLen];
  Error e = derive_key_iv(prk, th, key_label, iv_label, key, iv, scratch);
  if (ok(e)) e = encrypt0(seal, suite, key, iv, th, in, out);
  ct::wipe_object(key);
  ct::wipe_object(iv);
  return e;
}

ConstByteSpan ecdh_peer_key(const Suite& suite, ConstByteSpan public_key) noexcept {
  if (suite.ecdh == crypto::KeyType::kP256 && public_key.size() == 2 * crypto::kCoordLen) {
    return public_key.first(crypto::kCoordLen);
  }
  return public_key;
}

Error derive_auth_prk(const Suite& suite, bool signer, const uint8_t* prk_in, const uint8_t* th,
                      wire::KdfLabel salt_label, const crypto::PrivateKey& key, ConstByteSpan peer,
                      uint8_t (&out)[crypto::kHashLen], ByteSpan scratch) noexcept {
  if (signer) {
    std::memcpy(out, prk_in, crypto::kHashLen);
    return Error::kOk;
  }
  uint8_t salt[crypto::kHashLen];
  uint8_t g[crypto::kCoordLen];  // G_RX or G_IY
  Error e = kdf_th(prk_in, salt_label, th, ByteSpan(salt), scratch);
  if (ok(e)) e = crypto::ecdh(suite.ecdh, key, ecdh_peer_key(suite, peer), g);
  if (ok(e)) e = crypto::hkdf_extract(ConstByteSpan(salt), ConstByteSpan(g), out);
  ct::wipe_object(g);
  ct::wipe_object(salt);
  return e;
}

// --- Handshake ---------------------------------------------------------------

void Handshake::trace(TraceId id, ConstByteSpan v) const noexcept {
#if HUSH_EDHOC_TRACE
  if (trace_fn_ != nullptr) trace_fn_(trace_user_, id, v);
#else
  (void)id;
  (void)v;
#endif
}

void Handshake::wipe_plaintext() noexcept {
  ct::wipe(work_.data(), pt_len_);
  pt_len_ = 0;
  pt_id_cred_off_ = pt_id_cred_len_ = pt_sig_off_ = pt_sig_len_ = pt_ead_off_ = pt_ead_len_ = 0;
  pt_id_cred_is_kid_ = false;
  peer_id_cred_map_len_ = 0;
}

void Handshake::wipe_secrets() noexcept {
  wipe_plaintext();
  ct::wipe_object(eph_priv_);
  ct::wipe_object(prk_);
  ct::wipe_object(prk_out_);
  ct::wipe_object(prk_exporter_);
}

void Handshake::abort() noexcept {
  wipe_secrets();
  ct::wipe(work_);  // the plaintext, and anything a step left in scratch
  phase_ = Phase::kFailed;
}

void Handshake::reset() noexcept {
  wipe_secrets();
  ct::wipe(work_);
  ct::wipe_object(offered_);
  offered_len_ = 0;
  phase_ = Phase::kStart;
  suite_ = nullptr;
  c_i_ = ConnId();
  c_r_ = ConnId();
  peer_error_ = PeerError();
  message_4_done_ = false;
  m2_step_ = 0;
}

Error Handshake::accept_plaintext(ByteSpan pt, size_t sig_len, ConnId* c_r) noexcept {
  cbor::Decoder dec{ConstByteSpan(pt)};
  ConnId id;
  ConstByteSpan id_cred_raw, sig;
  bool is_kid = false;
  uint8_t kid[kMaxKidLen];
  size_t kid_len = 0;
  if (c_r != nullptr) {
    uint8_t bytes[kMaxConnIdLen];
    size_t len = 0;
    HUSH_TRY(read_id(dec, kMaxConnIdLen, bytes, len));
    id = ConnId::from_bytes(ConstByteSpan(bytes, len));
    // C_R = C_I would give both sides the same OSCORE Recipient ID (§3.3.3).
    if (id == c_i_) return Error::kMalformed;
  }
  HUSH_TRY(read_id_cred(dec, id_cred_raw, is_kid, kid, kid_len));
  HUSH_TRY(dec.read_bstr(sig));
  if (sig.size() != sig_len) return Error::kInvalidLength;
  const ConstByteSpan ead = dec.rest();
  HUSH_TRY(check_ead(ead, settings_));

  if (c_r != nullptr) *c_r = id;
  const auto offset = [&pt](ConstByteSpan part) {
    return static_cast<uint16_t>(part.data() != nullptr ? static_cast<size_t>(part.data() - pt.data()) : pt.size());
  };
  pt_len_ = static_cast<uint16_t>(pt.size());
  pt_id_cred_is_kid_ = is_kid;
  pt_id_cred_off_ = offset(id_cred_raw);
  pt_id_cred_len_ = static_cast<uint16_t>(id_cred_raw.size());
  pt_sig_off_ = offset(sig);
  pt_sig_len_ = static_cast<uint16_t>(sig.size());
  pt_ead_off_ = offset(ead);
  pt_ead_len_ = static_cast<uint16_t>(ead.size());
  if (is_kid) {  // rebuild {4: kid} for context_x and the signature
    peer_id_cred_map_[0] = 0xA1;
    peer_id_cred_map_[1] = static_cast<uint8_t>(wire::kCoseHeaderKid);
    peer_id_cred_map_[2] = static_cast<uint8_t>(0x40 | kid_len);
    std::memcpy(peer_id_cred_map_ + 3, kid, kid_len);
    peer_id_cred_map_len_ = static_cast<uint8_t>(3 + kid_len);
  }
  // The offsets are relative, so they hold at the front as well; the old
  // candidate and the tail copy go.
  std::memmove(work_.data(), pt.data(), pt.size());
  ct::wipe(work_.subspan(pt.size()));
  return Error::kOk;
}

Error Handshake::complete(const uint8_t* prk_4e3m, const uint8_t* th_4, ByteSpan scratch) noexcept {
  // PRK_out = EDHOC_KDF(PRK_4e3m, 7, TH_4, hash_length); PRK_exporter = EDHOC_KDF(PRK_out, 10, h'', hash_length).
  // K_4/IV_4 are derived now so that PRK_4e3m, from which PRK_out can be
  // recomputed, does not outlive this call (forward secrecy of KeyUpdate).
  uint8_t prk_out[crypto::kHashLen];
  uint8_t prk_exporter[crypto::kHashLen];
  uint8_t k_4[crypto::kAesKeyLen];
  uint8_t iv_4[crypto::kCcmNonceLen];
  Error e = kdf_th(prk_4e3m, wire::KdfLabel::kPrkOut, th_4, ByteSpan(prk_out), scratch);
  if (ok(e)) {
    e = kdf(prk_out, static_cast<uint64_t>(wire::KdfLabel::kPrkExporter), nullptr, 0, ByteSpan(prk_exporter), scratch);
  }
  if (ok(e)) e = derive_key_iv(prk_4e3m, th_4, wire::KdfLabel::kK4, wire::KdfLabel::kIv4, k_4, iv_4, scratch);
  if (ok(e)) {
    trace(TraceId::kPrk4e3m, ConstByteSpan(prk_4e3m, crypto::kHashLen));
    trace(TraceId::kTh4, ConstByteSpan(th_4, crypto::kHashLen));
    ct::wipe_object(prk_);
    static_assert(sizeof(k_4) + sizeof(iv_4) <= sizeof(prk_), "K_4 || IV_4 must fit where PRK_4e3m was");
    std::memcpy(prk_, k_4, sizeof(k_4));
    std::memcpy(prk_ + sizeof(k_4), iv_4, sizeof(iv_4));
    std::memcpy(th_, th_4, crypto::kHashLen);  // the AAD of message_4
    std::memcpy(prk_out_, prk_out, sizeof(prk_out));
    std::memcpy(prk_exporter_, prk_exporter, sizeof(prk_exporter));
    trace(TraceId::kPrkOut, ConstByteSpan(prk_out_));
    trace(TraceId::kPrkExporter, ConstByteSpan(prk_exporter_));
    ct::wipe_object(eph_priv_);
    // Nothing in the work buffer is needed after completion: no MAC,
    // Sig_structure or plaintext stays behind.
    ct::wipe(work_);
    wipe_plaintext();
    phase_ = Phase::kCompleted;
  }
  ct::wipe_object(prk_out);
  ct::wipe_object(prk_exporter);
  ct::wipe_object(k_4);
  ct::wipe_object(iv_4);
  return e;
}

Error Handshake::message_4_aead(bool seal, ConstByteSpan in, ByteSpan out) noexcept {
  if (phase_ != Phase::kCompleted || message_4_done_) return Error::kInvalidState;
  return encrypt0(seal, *suite_, prk_, prk_ + crypto::kAesKeyLen, th_, in, out);
}

void Handshake::end_message_4() noexcept {
  message_4_done_ = true;
  ct::wipe_object(prk_);  // K_4 || IV_4
  ct::wipe_object(th_);
}

Error Handshake::skip_message_4() noexcept {
  if (phase_ != Phase::kCompleted) return Error::kInvalidState;
  end_message_4();
  return Error::kOk;
}

IdCredView Handshake::id_cred_view() const noexcept {
  IdCredView v;
  v.is_kid = pt_id_cred_is_kid_;
  if (pt_id_cred_is_kid_) {
    // The map is a1 04 4n <kid>: the kid is its tail.
    v.map = ConstByteSpan(peer_id_cred_map_, peer_id_cred_map_len_);
    v.kid = v.map.subspan(3);
  } else {
    v.map = ConstByteSpan(work_.data() + pt_id_cred_off_, pt_id_cred_len_);
  }
  return v;
}

Error Handshake::exporter(uint64_t label, ConstByteSpan context, ByteSpan out) noexcept {
  if (phase_ != Phase::kCompleted) return Error::kInvalidState;
  return kdf(prk_exporter_, label, &context, 1, out, scratch());
}

Error Handshake::key_update(ConstByteSpan context) noexcept {
  if (phase_ != Phase::kCompleted) return Error::kInvalidState;
  uint8_t prk_out[crypto::kHashLen];
  uint8_t prk_exporter[crypto::kHashLen];
  Error e = kdf(prk_out_, static_cast<uint64_t>(wire::KdfLabel::kKeyUpdate), &context, 1, ByteSpan(prk_out), scratch());
  if (ok(e))
    e = kdf(prk_out, static_cast<uint64_t>(wire::KdfLabel::kPrkExporter), nullptr, 0, ByteSpan(prk_exporter),
            scratch());
  if (ok(e)) {
    std::memcpy(prk_out_, prk_out, sizeof(prk_out));
    std::memcpy(prk_exporter_, prk_exporter, sizeof(prk_exporter));
    trace(TraceId::kPrkOut, ConstByteSpan(prk_out_));
    trace(TraceId::kPrkExporter, ConstByteSpan(prk_exporter_));
    end_message_4();  // message_4 belongs to the handshake, not to the updated keys
  }
  ct::wipe_object(prk_out);
  ct::wipe_object(prk_exporter);
  return e;
}

Error Handshake::oscore_secrets(uint8_t (&master_secret)[16],
                                uint8_t (&master_salt)[wire::kOscoreMasterSaltLen]) noexcept {
  HUSH_TRY(exporter(wire::kExporterOscoreMasterSecret, ConstByteSpan(), ByteSpan(master_secret)));
  return exporter(wire::kExporterOscoreMasterSalt, ConstByteSpan(), ByteSpan(master_salt));
}

}  // namespace detail

// --- Error messages ------------------------------------------------------------

Error compose_error(wire::ErrCode code, ConstByteSpan diagnostic, Span<const uint8_t> suites_r, ByteSpan out,
                    size_t& out_len) noexcept {
  cbor::Encoder enc(out);
  switch (code) {
    case wire::ErrCode::kUnspecified:
      enc.put_int(static_cast<int64_t>(code));
      enc.put_tstr(diagnostic);
      break;
    case wire::ErrCode::kWrongSelectedSuite:
      if (suites_r.empty() || suites_r.size() > kMaxSuites) return Error::kInvalidArgument;
      enc.put_int(static_cast<int64_t>(code));
      if (suites_r.size() == 1) {
        enc.put_uint(suites_r[0]);
      } else {
        enc.put_array(suites_r.size());
        for (uint8_t s : suites_r) enc.put_uint(s);
      }
      break;
    case wire::ErrCode::kUnknownCredential:
      enc.put_int(static_cast<int64_t>(code));
      enc.put_bool(true);
      break;
    default: return Error::kInvalidArgument;
  }
  HUSH_TRY(enc.status());
  out_len = enc.size();
  return Error::kOk;
}

bool looks_like_error(ConstByteSpan message) noexcept {
  if (message.empty()) return false;
  const uint8_t major = static_cast<uint8_t>(message[0] >> 5);
  return major == 0 || major == 1;
}

namespace detail {

// suites = [2* int] / int; values outside 0..255 cannot be suites hush knows
// and are kept as 0xFF so that positions still count.
Error read_suites(cbor::Decoder& dec, uint8_t (&out)[kMaxSuites], size_t& len) noexcept {
  cbor::Major m;
  HUSH_TRY(dec.peek(m));
  size_t n = 1;
  const bool is_array = m == cbor::Major::kArray;
  if (is_array) {
    HUSH_TRY(dec.read_array(n));
    if (n < 2) return Error::kNonDeterministic;  // a single suite is an int (§5.2.2)
    if (n > kMaxSuites) return Error::kInvalidLength;
  }
  for (size_t i = 0; i < n; ++i) {
    int64_t v = 0;
    HUSH_TRY(dec.read_int(v));
    out[i] = (v >= 0 && v < 0xFF) ? static_cast<uint8_t>(v) : 0xFF;
  }
  len = n;
  return Error::kOk;
}

}  // namespace detail

Error parse_error(ConstByteSpan message, PeerError& out) noexcept {
  cbor::Decoder dec(message);
  PeerError pe;
  HUSH_TRY(dec.read_int(pe.code));
  if (pe.code == 0) return Error::kMalformed;  // success is never sent
  if (pe.code == static_cast<int64_t>(wire::ErrCode::kUnspecified)) {
    ConstByteSpan diag;
    HUSH_TRY(dec.read_tstr(diag));
  } else if (pe.code == static_cast<int64_t>(wire::ErrCode::kWrongSelectedSuite)) {
    size_t n = 0;
    HUSH_TRY(detail::read_suites(dec, pe.suites_r, n));
    pe.suites_r_len = static_cast<uint8_t>(n);
  } else if (pe.code == static_cast<int64_t>(wire::ErrCode::kUnknownCredential)) {
    bool t = false;
    HUSH_TRY(dec.read_bool(t));
    if (!t) return Error::kMalformed;
  } else {
    ConstByteSpan any;
    HUSH_TRY(dec.read_item(any));
  }
  if (!dec.at_end()) return Error::kTrailingData;
  out = pe;
  return Error::kOk;
}

Error suites_after_error(ConstByteSpan preference, ConstByteSpan suites_r, uint8_t (&out)[kMaxSuites],
                         size_t& out_len) noexcept {
  if (preference.empty() || preference.size() > kMaxSuites) return Error::kInvalidArgument;
  for (size_t i = 0; i < preference.size(); ++i) {
    for (uint8_t s : suites_r) {
      if (s != preference[i]) continue;
      // Everything the Initiator prefers over the new choice stays in front,
      // so a downgrade by a forged error is visible to the Responder.
      for (size_t j = 0; j <= i; ++j) out[j] = preference[j];
      out_len = i + 1;
      return Error::kOk;
    }
  }
  return Error::kUnsupported;
}

}  // namespace hush::edhoc
