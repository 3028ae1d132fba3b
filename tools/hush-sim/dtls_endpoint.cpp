// SPDX-License-Identifier: Apache-2.0
#include "dtls_endpoint.h"

#include <mbedtls/ctr_drbg.h>
#include <mbedtls/error.h>
#include <mbedtls/pk.h>
#include <mbedtls/ssl.h>
#include <mbedtls/ssl_cache.h>
#include <mbedtls/ssl_cookie.h>
#include <mbedtls/x509_crt.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <stdexcept>

#include "radio.h"

// mbed TLS's TLS and X.509 layers read the wall clock (the first 4 bytes of
// the Hello randoms, the cookie's timestamp, certificate validity). They are
// linked with -Wl,--wrap=time so that they read this fixed date instead:
// ECDSA signs those bytes, and a run must not depend on when it ran.
extern "C" time_t __wrap_time(time_t* t) {
  const time_t fixed = 1767225600;  // 2026-01-01T00:00:00Z
  if (t) *t = fixed;
  return fixed;
}

namespace hush::sim {

const char* dtls_baseline_name(DtlsSuite s) {
  return s == DtlsSuite::kPsk ? "dtls12-psk" : "dtls12-ecdsa";
}

const char* dtls_ciphersuite_name(DtlsSuite s) {
  return s == DtlsSuite::kPsk ? "TLS-PSK-WITH-AES-128-CCM-8" : "TLS-ECDHE-ECDSA-WITH-AES-128-CBC-SHA256";
}

bool parse_dtls_baseline(const std::string& name, DtlsSuite& out) {
  if (name == "dtls12-psk") {
    out = DtlsSuite::kPsk;
    return true;
  }
  if (name == "dtls12-ecdsa") {
    out = DtlsSuite::kEcdsa;
    return true;
  }
  return false;
}

std::string mbedtls_error_text(int code) {
  char buf[160];
  mbedtls_strerror(code, buf, sizeof(buf));
  char hex[16];
  std::snprintf(hex, sizeof(hex), "-0x%04X", static_cast<unsigned>(-code));
  return std::string(buf) + " (" + hex + ")";
}

const char* dtls_state_name(DtlsState s) {
  switch (s) {
    case DtlsState::kIdle: return "idle";
    case DtlsState::kHandshaking: return "handshaking";
    case DtlsState::kConnected: return "connected";
    case DtlsState::kFailed: return "failed";
    case DtlsState::kClosed: return "closed";
  }
  return "?";
}

namespace {

// CTR_DRBG's entropy source: the run's seeded PRNG, never the system's.
int seeded_entropy(void* p, unsigned char* out, size_t len) {
  auto* prng = static_cast<Prng*>(p);
  for (size_t i = 0; i < len; ++i) out[i] = static_cast<unsigned char>(prng->next() >> 56);
  return 0;
}

// A DRBG seeded from a 64-bit seed.
struct SeededDrbg {
  Prng prng;
  mbedtls_ctr_drbg_context drbg;
  SeededDrbg(uint64_t seed, const char* who) : prng(seed) {
    mbedtls_ctr_drbg_init(&drbg);
    const int ret = mbedtls_ctr_drbg_seed(&drbg, seeded_entropy, &prng, reinterpret_cast<const unsigned char*>(who),
                                          std::strlen(who));
    if (ret != 0) throw std::runtime_error("mbedtls_ctr_drbg_seed: " + mbedtls_error_text(ret));
  }
  ~SeededDrbg() { mbedtls_ctr_drbg_free(&drbg); }
  SeededDrbg(const SeededDrbg&) = delete;
  SeededDrbg& operator=(const SeededDrbg&) = delete;
};

void check(int ret, const char* what) {
  if (ret != 0) throw std::runtime_error(std::string(what) + ": " + mbedtls_error_text(ret));
}

uint32_t be(const unsigned char* p, size_t n) {
  uint32_t v = 0;
  for (size_t i = 0; i < n; ++i) v = v << 8 | p[i];
  return v;
}

// The one cipher suite each side offers (zero-terminated lists).
const int kPskSuites[] = {MBEDTLS_TLS_PSK_WITH_AES_128_CCM_8, 0};
const int kEcdsaSuites[] = {MBEDTLS_TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256, 0};
// Only P-256 and SHA-256, as a deployment that knows its peer would
// configure it: mbed TLS's default list of signature hashes alone makes the
// ClientHello with a cookie 133 bytes, over a 127-byte MTU, and mbed TLS
// never fragments a ClientHello. mbed TLS sends the signature_algorithms
// extension with PSK suites too.
const mbedtls_ecp_group_id kCurves[] = {MBEDTLS_ECP_DP_SECP256R1, MBEDTLS_ECP_DP_NONE};
const int kSigHashes[] = {MBEDTLS_MD_SHA256, MBEDTLS_MD_NONE};

}  // namespace

// --- credentials -------------------------------------------------------------

struct DtlsCredentials::Impl {
  std::vector<unsigned char> psk;
  std::string identity;
  mbedtls_pk_context key[2];
  mbedtls_x509_crt crt[2];
  size_t der_len[2] = {0, 0};
  Impl() {
    for (int i = 0; i < 2; ++i) {
      mbedtls_pk_init(&key[i]);
      mbedtls_x509_crt_init(&crt[i]);
    }
  }
  ~Impl() {
    for (int i = 0; i < 2; ++i) {
      mbedtls_pk_free(&key[i]);
      mbedtls_x509_crt_free(&crt[i]);
    }
  }
};

DtlsCredentials::DtlsCredentials(DtlsSuite suite, uint64_t seed) : suite_(suite), impl_(std::make_unique<Impl>()) {
  SeededDrbg rng(seed ^ 0xC4ED5EEDull, "hush-sim dtls credentials");
  Impl& c = *impl_;
  if (suite == DtlsSuite::kPsk) {
    // A 16-byte PSK and a short identity (the client's serial, as hush's kid would name it).
    c.psk.resize(16);
    check(mbedtls_ctr_drbg_random(&rng.drbg, c.psk.data(), c.psk.size()), "psk");
    c.identity = "c1";
    return;
  }
  const char* names[2] = {"CN=client", "CN=server"};
  for (int i = 0; i < 2; ++i) {
    check(mbedtls_pk_setup(&c.key[i], mbedtls_pk_info_from_type(MBEDTLS_PK_ECKEY)), "pk_setup");
    check(mbedtls_ecp_gen_key(MBEDTLS_ECP_DP_SECP256R1, mbedtls_pk_ec(c.key[i]), mbedtls_ctr_drbg_random, &rng.drbg),
          "ecp_gen_key");
    // Minimal self-signed certificate: v3, no extensions, a short subject.
    mbedtls_x509write_cert w;
    mbedtls_x509write_crt_init(&w);
    mbedtls_mpi serial;
    mbedtls_mpi_init(&serial);
    int ret = mbedtls_mpi_lset(&serial, i + 1);
    if (ret == 0) ret = mbedtls_x509write_crt_set_serial(&w, &serial);
    mbedtls_x509write_crt_set_version(&w, MBEDTLS_X509_CRT_VERSION_3);
    mbedtls_x509write_crt_set_md_alg(&w, MBEDTLS_MD_SHA256);
    mbedtls_x509write_crt_set_subject_key(&w, &c.key[i]);
    mbedtls_x509write_crt_set_issuer_key(&w, &c.key[i]);
    if (ret == 0) ret = mbedtls_x509write_crt_set_subject_name(&w, names[i]);
    if (ret == 0) ret = mbedtls_x509write_crt_set_issuer_name(&w, names[i]);
    // "Eternal validity" as request 1 wants it is not expressible; a long span is.
    if (ret == 0) ret = mbedtls_x509write_crt_set_validity(&w, "20240101000000", "20991231235959");
    unsigned char der[1024];
    int len = ret == 0 ? mbedtls_x509write_crt_der(&w, der, sizeof(der), mbedtls_ctr_drbg_random, &rng.drbg) : ret;
    mbedtls_x509write_crt_free(&w);
    mbedtls_mpi_free(&serial);
    if (len < 0) check(len, "x509write_crt_der");
    c.der_len[i] = static_cast<size_t>(len);
    check(mbedtls_x509_crt_parse_der(&c.crt[i], der + sizeof(der) - c.der_len[i], c.der_len[i]), "x509_crt_parse_der");
  }
}

DtlsCredentials::~DtlsCredentials() = default;

size_t DtlsCredentials::certificate_bytes(bool server) const {
  return impl_->der_len[server ? 1 : 0];
}

// --- endpoint ----------------------------------------------------------------

struct DtlsEndpoint::Impl {
  SeededDrbg rng;
  mbedtls_ssl_config conf;
  mbedtls_ssl_context ssl;
  mbedtls_ssl_cookie_ctx cookie;
  mbedtls_ssl_cache_context cache;
  explicit Impl(uint64_t seed, bool server) : rng(seed, server ? "hush-sim dtls server" : "hush-sim dtls client") {
    mbedtls_ssl_config_init(&conf);
    mbedtls_ssl_init(&ssl);
    mbedtls_ssl_cookie_init(&cookie);
    mbedtls_ssl_cache_init(&cache);
  }
  ~Impl() {
    mbedtls_ssl_free(&ssl);
    mbedtls_ssl_config_free(&conf);
    mbedtls_ssl_cookie_free(&cookie);
    mbedtls_ssl_cache_free(&cache);
  }
  Impl(const Impl&) = delete;
  Impl& operator=(const Impl&) = delete;
};

DtlsEndpoint::DtlsEndpoint(bool server, const DtlsSettings& settings, const DtlsCredentials& creds, uint64_t seed,
                           Hooks hooks, const std::vector<uint8_t>& transport_id)
    : server_(server),
      settings_(settings),
      hooks_(std::move(hooks)),
      transport_id_(transport_id),
      impl_(std::make_unique<Impl>(seed, server)) {
  Impl& m = *impl_;
  mbedtls_ssl_config& conf = m.conf;
  check(mbedtls_ssl_config_defaults(&conf, server ? MBEDTLS_SSL_IS_SERVER : MBEDTLS_SSL_IS_CLIENT,
                                    MBEDTLS_SSL_TRANSPORT_DATAGRAM, MBEDTLS_SSL_PRESET_DEFAULT),
        "ssl_config_defaults");
  mbedtls_ssl_conf_rng(&conf, mbedtls_ctr_drbg_random, &m.rng.drbg);
  // DTLS 1.2 only (TLS 1.2's version numbers).
  mbedtls_ssl_conf_min_version(&conf, MBEDTLS_SSL_MAJOR_VERSION_3, MBEDTLS_SSL_MINOR_VERSION_3);
  mbedtls_ssl_conf_max_version(&conf, MBEDTLS_SSL_MAJOR_VERSION_3, MBEDTLS_SSL_MINOR_VERSION_3);
  mbedtls_ssl_conf_handshake_timeout(&conf, settings.hs_timeout_min_ms, settings.hs_timeout_max_ms);
  // The server resumes from its cache; no session tickets (the client
  // would otherwise announce an empty ticket extension nobody uses).
  mbedtls_ssl_conf_session_tickets(&conf, MBEDTLS_SSL_SESSION_TICKETS_DISABLED);
  mbedtls_ssl_conf_sig_hashes(&conf, kSigHashes);
  DtlsCredentials::Impl& c = creds.impl();
  if (settings.suite == DtlsSuite::kPsk) {
    mbedtls_ssl_conf_ciphersuites(&conf, kPskSuites);
    mbedtls_ssl_conf_authmode(&conf, MBEDTLS_SSL_VERIFY_NONE);  // no certificates; the PSK authenticates both
    check(mbedtls_ssl_conf_psk(&conf, c.psk.data(), c.psk.size(),
                               reinterpret_cast<const unsigned char*>(c.identity.data()), c.identity.size()),
          "ssl_conf_psk");
  } else {
    mbedtls_ssl_conf_ciphersuites(&conf, kEcdsaSuites);
    mbedtls_ssl_conf_curves(&conf, kCurves);
    // Mutual authentication: each side trusts exactly the peer's self-signed certificate.
    mbedtls_ssl_conf_authmode(&conf, MBEDTLS_SSL_VERIFY_REQUIRED);
    const int self = server ? 1 : 0;
    check(mbedtls_ssl_conf_own_cert(&conf, &c.crt[self], &c.key[self]), "ssl_conf_own_cert");
    mbedtls_ssl_conf_ca_chain(&conf, &c.crt[1 - self], nullptr);
  }
  if (server) {
    if (settings.cookies) {
      check(mbedtls_ssl_cookie_setup(&m.cookie, mbedtls_ctr_drbg_random, &m.rng.drbg), "ssl_cookie_setup");
      mbedtls_ssl_conf_dtls_cookies(&conf, mbedtls_ssl_cookie_write, mbedtls_ssl_cookie_check, &m.cookie);
    } else {
      mbedtls_ssl_conf_dtls_cookies(&conf, nullptr, nullptr, nullptr);
    }
    mbedtls_ssl_conf_session_cache(&conf, &m.cache, mbedtls_ssl_cache_get, mbedtls_ssl_cache_set);
  }
  check(mbedtls_ssl_setup(&m.ssl, &conf), "ssl_setup");
  mbedtls_ssl_set_bio(&m.ssl, this, &DtlsEndpoint::bio_send, &DtlsEndpoint::bio_recv, nullptr);
  mbedtls_ssl_set_timer_cb(&m.ssl, this, &DtlsEndpoint::timer_set, &DtlsEndpoint::timer_get);
  mbedtls_ssl_set_mtu(&m.ssl, settings.mtu);
  if (server) {
    check(mbedtls_ssl_set_client_transport_id(&m.ssl, transport_id_.data(), transport_id_.size()),
          "ssl_set_client_transport_id");
  }
}

DtlsEndpoint::~DtlsEndpoint() = default;

void DtlsEndpoint::start(const std::vector<uint8_t>& saved_session) {
  sent_units_.clear();
  if (!server_ && !saved_session.empty()) {
    mbedtls_ssl_session s;
    mbedtls_ssl_session_init(&s);
    int ret = mbedtls_ssl_session_load(&s, saved_session.data(), saved_session.size());
    if (ret == 0) ret = mbedtls_ssl_set_session(&impl_->ssl, &s);
    mbedtls_ssl_session_free(&s);
    if (ret != 0) last_error_ = ret;  // falls back to a full handshake
  }
  state_ = DtlsState::kHandshaking;
  if (!server_) poll();  // sends the ClientHello
}

void DtlsEndpoint::input(const uint8_t* data, size_t len) {
  inbox_.emplace_back(data, data + len);
}

uint64_t DtlsEndpoint::next_deadline_us() const {
  if (timer_fin_ms_ == 0) return UINT64_MAX;
  return timer_start_us_ + static_cast<uint64_t>(timer_fin_ms_) * 1000;
}

void DtlsEndpoint::reset_server() {
  ++counters_.resets;
  mbedtls_ssl_session_reset(&impl_->ssl);
  mbedtls_ssl_set_client_transport_id(&impl_->ssl, transport_id_.data(), transport_id_.size());
  state_ = DtlsState::kHandshaking;
}

void DtlsEndpoint::fail(int ret) {
  last_error_ = ret;
  ++counters_.handshake_failures;
  if (server_) {
    // A server goes back to listening (a new handshake is a new connection).
    sent_units_.clear();
    reset_server();
  } else {
    state_ = DtlsState::kFailed;
  }
}

void DtlsEndpoint::poll() {
  mbedtls_ssl_context& ssl = impl_->ssl;
  for (int guard = 0; guard < 256; ++guard) {
    if (state_ == DtlsState::kHandshaking) {
      const int ret = mbedtls_ssl_handshake(&ssl);
      if (ret == 0) {
        state_ = DtlsState::kConnected;
        record_expansion_ = mbedtls_ssl_get_record_expansion(&ssl);
        // An abbreviated handshake sends no ClientKeyExchange (client) and
        // no ServerHelloDone (server).
        resumed_ = sent_units_.count(server_ ? "type14" : "type16") == 0;
        continue;
      }
      if (ret == MBEDTLS_ERR_SSL_WANT_READ || ret == MBEDTLS_ERR_SSL_WANT_WRITE) return;
      if (server_ && ret == MBEDTLS_ERR_SSL_HELLO_VERIFY_REQUIRED) {
        // Stateless cookie exchange: forget the ClientHello, wait for the one with the cookie.
        reset_server();
        if (inbox_.empty()) return;
        continue;
      }
      fail(ret);
      if (!server_ || inbox_.empty()) return;
      continue;
    }
    if (state_ != DtlsState::kConnected) return;
    unsigned char buf[2048];
    const int ret = mbedtls_ssl_read(&ssl, buf, sizeof(buf));
    if (ret > 0) {
      received_.emplace_back(buf, buf + ret);
      if (first_data_depth < 0) first_data_depth = rx_depth;
      continue;
    }
    if (ret == MBEDTLS_ERR_SSL_WANT_READ || ret == MBEDTLS_ERR_SSL_WANT_WRITE || ret == 0) return;
    if (ret == MBEDTLS_ERR_SSL_PEER_CLOSE_NOTIFY) {
      state_ = DtlsState::kClosed;
      if (server_) {
        sent_units_.clear();
        reset_server();
      }
      return;
    }
    if (server_ && ret == MBEDTLS_ERR_SSL_CLIENT_RECONNECT) {
      // The client came back (e.g. after deep sleep) with a new ClientHello,
      // which mbed TLS keeps; mbed TLS already answered it with a
      // HelloVerifyRequest, which belongs to the new handshake.
      if (last_was_retransmission_) {
        --counters_.retransmitted_datagrams;
        counters_.retransmitted_bytes -= last_datagram_len_;
        ++counters_.handshake_datagrams;
        counters_.handshake_bytes += last_handshake_bytes_;
      }
      sent_units_.clear();
      sent_units_.insert(last_units_.begin(), last_units_.end());
      // mbed TLS has reset the context itself, keeping the ClientHello
      // with the cookie; a full mbedtls_ssl_session_reset() would lose it.
      ++counters_.resets;
      state_ = DtlsState::kHandshaking;
      continue;
    }
    last_error_ = ret;
    if (server_) {
      sent_units_.clear();
      reset_server();
      continue;
    }
    state_ = DtlsState::kFailed;
    return;
  }
}

bool DtlsEndpoint::write(const uint8_t* data, size_t len) {
  if (state_ != DtlsState::kConnected) return false;
  writing_ = len;
  const int ret = mbedtls_ssl_write(&impl_->ssl, data, len);
  writing_ = SIZE_MAX;
  if (ret < 0) {
    last_error_ = ret;
    return false;
  }
  return static_cast<size_t>(ret) == len;
}

void DtlsEndpoint::close() {
  if (state_ == DtlsState::kConnected) mbedtls_ssl_close_notify(&impl_->ssl);
  state_ = DtlsState::kClosed;
}

std::vector<std::vector<uint8_t>> DtlsEndpoint::take_received() {
  std::vector<std::vector<uint8_t>> out;
  out.swap(received_);
  return out;
}

std::vector<uint8_t> DtlsEndpoint::save_session() const {
  if (server_ || state_ != DtlsState::kConnected) return {};
  mbedtls_ssl_session s;
  mbedtls_ssl_session_init(&s);
  std::vector<uint8_t> out;
  if (mbedtls_ssl_get_session(&impl_->ssl, &s) == 0) {
    size_t len = 0;
    mbedtls_ssl_session_save(&s, nullptr, 0, &len);  // asks for the size
    out.resize(len);
    if (mbedtls_ssl_session_save(&s, out.data(), out.size(), &len) != 0) out.clear();
    out.resize(std::min(out.size(), len));
  }
  mbedtls_ssl_session_free(&s);
  return out;
}

// --- callbacks -----------------------------------------------------------------

int DtlsEndpoint::bio_recv(void* ctx, unsigned char* buf, size_t len) {
  auto* self = static_cast<DtlsEndpoint*>(ctx);
  if (self->inbox_.empty()) return MBEDTLS_ERR_SSL_WANT_READ;
  std::vector<uint8_t> d = std::move(self->inbox_.front());
  self->inbox_.pop_front();
  const size_t n = std::min(len, d.size());  // a datagram longer than the buffer is truncated, as by a socket
  std::memcpy(buf, d.data(), n);
  return static_cast<int>(n);
}

int DtlsEndpoint::bio_send(void* ctx, const unsigned char* buf, size_t len) {
  auto* self = static_cast<DtlsEndpoint*>(ctx);
  self->account(buf, len);
  return static_cast<int>(len);
}

void DtlsEndpoint::timer_set(void* ctx, uint32_t int_ms, uint32_t fin_ms) {
  auto* self = static_cast<DtlsEndpoint*>(ctx);
  self->timer_start_us_ = self->hooks_.now_us();
  self->timer_int_ms_ = int_ms;
  self->timer_fin_ms_ = fin_ms;
}

int DtlsEndpoint::timer_get(void* ctx) {
  auto* self = static_cast<DtlsEndpoint*>(ctx);
  if (self->timer_fin_ms_ == 0) return -1;
  const uint64_t elapsed_ms = (self->hooks_.now_us() - self->timer_start_us_) / 1000;
  if (elapsed_ms >= self->timer_fin_ms_) return 2;
  if (elapsed_ms >= self->timer_int_ms_) return 1;
  return 0;
}

// Counts one datagram record by record. Handshake pieces are identified by
// (content type, epoch, and for plaintext handshake records the message
// type, sequence and fragment); a datagram whose handshake pieces were all
// sent before is a retransmission.
void DtlsEndpoint::account(const unsigned char* buf, size_t len) {
  DtlsCounters& c = counters_;
  ++c.datagrams;
  c.bytes += len;
  c.largest_datagram = std::max(c.largest_datagram, len);
  bool handshake = false, all_seen = true;
  uint64_t hs_bytes = 0;
  std::vector<std::string> units;
  size_t off = 0;
  for (int index = 0; off + 13 <= len; ++index) {
    const unsigned type = buf[off];
    const uint32_t epoch = be(buf + off + 3, 2);
    const size_t total = 13 + be(buf + off + 11, 2);
    if (off + total > len) break;
    if (type == MBEDTLS_SSL_MSG_APPLICATION_DATA) {
      ++c.app_records;
      c.app_record_bytes += total;
      if (writing_ != SIZE_MAX && total >= writing_) {
        c.app_payload_bytes += writing_;
        c.app_record_overhead_max = std::max(c.app_record_overhead_max, total - writing_);
        c.app_record_overhead_min = std::min(c.app_record_overhead_min, total - writing_);
      }
    } else {
      if (type == MBEDTLS_SSL_MSG_ALERT) ++c.alert_records;
      const bool hs_class = type == MBEDTLS_SSL_MSG_HANDSHAKE || type == MBEDTLS_SSL_MSG_CHANGE_CIPHER_SPEC ||
                            (type == MBEDTLS_SSL_MSG_ALERT && state_ != DtlsState::kConnected);
      if (hs_class) {
        handshake = true;
        hs_bytes += total;
        std::string key = std::to_string(type) + ":" + std::to_string(epoch);
        if (type == MBEDTLS_SSL_MSG_HANDSHAKE && epoch == 0 && total >= 13 + 12) {
          const unsigned char* h = buf + off + 13;
          key += ":" + std::to_string(h[0]) + ":" + std::to_string(be(h + 4, 2)) + ":" + std::to_string(be(h + 6, 3)) +
                 ":" + std::to_string(be(h + 9, 3));
          units.push_back("type" + std::to_string(h[0]));
        } else {
          key += ":" + std::to_string(total) + ":" + std::to_string(index);
        }
        units.push_back(key);
        if (sent_units_.count(key) == 0) all_seen = false;
      }
    }
    off += total;
  }
  const bool retransmission = handshake && all_seen;
  sent_units_.insert(units.begin(), units.end());
  last_units_ = units;
  last_was_retransmission_ = retransmission;
  last_datagram_len_ = len;
  last_handshake_bytes_ = hs_bytes;
  if (retransmission) {
    ++c.retransmitted_datagrams;
    c.retransmitted_bytes += len;
  } else if (handshake) {
    ++c.handshake_datagrams;
    c.handshake_bytes += hs_bytes;
  }
  if (hooks_.send) hooks_.send(buf, len, handshake, retransmission);
}

}  // namespace hush::sim
