// SPDX-License-Identifier: Apache-2.0
#pragma once

// hush-sim's DTLS baseline: one DTLS 1.2 client or server of the system's
// mbed TLS (Debian's 2.28), driven through its non-blocking bio and timer
// callbacks, so that it runs over the same simulated radio as hush.
//
// Host tool code only: the hush library never links mbed TLS's TLS layer.
//
// Everything mbed TLS sends goes through send(), where it is counted record
// by record (handshake, change-cipher-spec, alert, application data), so
// that every figure the simulator reports comes from bytes mbed TLS really
// put on the air. Randomness comes from a CTR_DRBG seeded from the run's
// seed (never from the system), so a seed repeats a run.
//
// mbed TLS 2.28 has no raw public keys (RFC 7250): the ECDSA baseline uses
// minimal self-signed P-256 certificates made at start-up, each side
// trusting exactly the peer's certificate (mutual authentication).

#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <set>
#include <string>
#include <vector>

namespace hush::sim {

enum class DtlsSuite : uint8_t {
  kPsk,    ///< dtls12-psk: TLS-PSK-WITH-AES-128-CCM-8 (request 2)
  kEcdsa,  ///< dtls12-ecdsa: TLS-ECDHE-ECDSA-WITH-AES-128-CBC-SHA256, certificates (request 1)
};

/// "dtls12-psk" / "dtls12-ecdsa".
const char* dtls_baseline_name(DtlsSuite s);
/// The IANA-style name mbed TLS uses, e.g. "TLS-PSK-WITH-AES-128-CCM-8".
const char* dtls_ciphersuite_name(DtlsSuite s);
/// Parses a --baseline value; false if unknown.
bool parse_dtls_baseline(const std::string& name, DtlsSuite& out);
/// mbed TLS's text for an error code.
std::string mbedtls_error_text(int code);

struct DtlsSettings {
  DtlsSuite suite = DtlsSuite::kPsk;
  /// mbedtls_ssl_conf_handshake_timeout(min, max): the first retransmission
  /// after min ms, doubling up to max; mbed TLS gives up when a wait of max
  /// ms has expired.
  uint32_t hs_timeout_min_ms = 1000;
  uint32_t hs_timeout_max_ms = 8000;
  uint16_t mtu = 127;   ///< mbedtls_ssl_set_mtu
  bool cookies = true;  ///< server: HelloVerifyRequest with mbedtls_ssl_cookie_*
};

/// Long-term credentials of one pair of devices: a PSK and identity, or a
/// P-256 key pair and a self-signed certificate for each side.
class DtlsCredentials {
 public:
  /// Generates them from `seed` (deterministic).
  DtlsCredentials(DtlsSuite suite, uint64_t seed);
  ~DtlsCredentials();
  DtlsCredentials(const DtlsCredentials&) = delete;
  DtlsCredentials& operator=(const DtlsCredentials&) = delete;

  DtlsSuite suite() const { return suite_; }
  /// DER size of a side's certificate (0 for PSK).
  size_t certificate_bytes(bool server) const;

  struct Impl;
  Impl& impl() const { return *impl_; }

 private:
  DtlsSuite suite_;
  std::unique_ptr<Impl> impl_;
};

/// What one endpoint sent, from the records it handed to the bio.
struct DtlsCounters {
  uint64_t datagrams = 0, bytes = 0;                      ///< everything, retransmissions included
  uint64_t handshake_datagrams = 0, handshake_bytes = 0;  ///< first transmissions with handshake records; their
                                                          ///< handshake/CCS/alert record bytes
  uint64_t retransmitted_datagrams = 0, retransmitted_bytes = 0;
  uint64_t app_records = 0, app_record_bytes = 0;  ///< application-data records (header included)
  uint64_t app_payload_bytes = 0;                  ///< the plaintext they carried
  size_t app_record_overhead_max = 0;              ///< largest record bytes - payload
  size_t app_record_overhead_min = SIZE_MAX;
  uint64_t alert_records = 0;
  uint64_t handshake_failures = 0;  ///< handshakes that ended in an error
  uint64_t resets = 0;              ///< server: session resets (cookie exchange, reconnect, failure)
  size_t largest_datagram = 0;
};

enum class DtlsState : uint8_t { kIdle, kHandshaking, kConnected, kFailed, kClosed };
const char* dtls_state_name(DtlsState s);

class DtlsEndpoint {
 public:
  struct Hooks {
    /// Puts one datagram on the air (mbed TLS's send callback).
    std::function<void(const uint8_t* data, size_t len, bool handshake, bool retransmission)> send;
    /// The simulated clock, in microseconds.
    std::function<uint64_t()> now_us;
  };

  /// `transport_id`: the client's link address, as the server sees it
  /// (cookies are bound to it).
  DtlsEndpoint(bool server, const DtlsSettings& settings, const DtlsCredentials& creds, uint64_t seed, Hooks hooks,
               const std::vector<uint8_t>& transport_id);
  ~DtlsEndpoint();
  DtlsEndpoint(const DtlsEndpoint&) = delete;
  DtlsEndpoint& operator=(const DtlsEndpoint&) = delete;

  /// Client: starts the handshake, resuming `saved_session` (from
  /// save_session()) if it is not empty. Server: starts listening.
  void start(const std::vector<uint8_t>& saved_session = {});
  /// A datagram from the radio; call poll() after.
  void input(const uint8_t* data, size_t len);
  /// Runs mbed TLS: handshake steps, retransmissions on timer expiry, reads.
  void poll();
  /// When poll() must run next without input (the retransmission timer), in
  /// microseconds of simulated time; UINT64_MAX for never.
  uint64_t next_deadline_us() const;

  /// Sends one application record. Returns false if not connected or mbed
  /// TLS refused (the error is kept in last_error()).
  bool write(const uint8_t* data, size_t len);
  /// Sends close_notify.
  void close();
  /// Application data received since the last call.
  std::vector<std::vector<uint8_t>> take_received();

  /// Client, connected: the session as mbedtls_ssl_session_save writes it
  /// (what a device keeps in flash before its RAM goes off). Empty on failure.
  std::vector<uint8_t> save_session() const;

  DtlsState state() const { return state_; }
  bool resumed() const { return resumed_; }  ///< the last handshake was abbreviated
  int last_error() const { return last_error_; }
  const DtlsCounters& counters() const { return counters_; }
  /// mbed TLS's own expansion for records of the negotiated transform (for
  /// cross-checking the measured overhead).
  int record_expansion() const { return record_expansion_; }

  /// Set by the harness before each input(): the causal depth of the
  /// datagram, reported with the data it carried.
  int rx_depth = 0;
  int first_data_depth = -1;  ///< rx_depth when the first application data arrived

 private:
  static int bio_send(void* ctx, const unsigned char* buf, size_t len);
  static int bio_recv(void* ctx, unsigned char* buf, size_t len);
  static void timer_set(void* ctx, uint32_t int_ms, uint32_t fin_ms);
  static int timer_get(void* ctx);
  void account(const unsigned char* buf, size_t len);
  void reset_server();
  void fail(int ret);

  bool server_;
  DtlsSettings settings_;
  Hooks hooks_;
  std::vector<uint8_t> transport_id_;
  struct Impl;
  std::unique_ptr<Impl> impl_;
  std::deque<std::vector<uint8_t>> inbox_;
  std::vector<std::vector<uint8_t>> received_;
  DtlsState state_ = DtlsState::kIdle;
  bool resumed_ = false;
  int last_error_ = 0;
  int record_expansion_ = -1;
  DtlsCounters counters_;
  std::set<std::string> sent_units_;     ///< handshake pieces already sent (tells retransmissions apart)
  std::vector<std::string> last_units_;  ///< of the last datagram sent
  bool last_was_retransmission_ = false;
  size_t last_datagram_len_ = 0;
  uint64_t last_handshake_bytes_ = 0;
  size_t writing_ = SIZE_MAX;  ///< payload length of the write in progress
  uint64_t timer_start_us_ = 0;
  uint32_t timer_int_ms_ = 0, timer_fin_ms_ = 0;
};

}  // namespace hush::sim
