// SPDX-License-Identifier: Apache-2.0
#pragma once

// hush-sim --baseline dtls12-psk|dtls12-ecdsa: the same scenario run with
// mbed TLS's DTLS 1.2 over the same simulated radio (same profile, loss,
// duplication, reordering, MTU and seed), measured the same way as hush:
// frames and bytes counted as mbed TLS hands them to the radio, round trips
// from the causal depth of the frames, energy from the radio model.
//
// The figures go into a Report, so that the JSON `baseline` object has the
// same keys as hush's, plus a `dtls` object with what is DTLS-specific
// (cipher suite, timer settings, certificate sizes, a refusal).

#include <nlohmann/json.hpp>
#include <ostream>
#include <string>
#include <vector>

#include "dtls_endpoint.h"
#include "scenarios.h"

namespace hush::sim {

struct DtlsReport {
  Report r;  ///< the figures, with the same meaning as hush's
  DtlsSuite suite = DtlsSuite::kPsk;
  DtlsSettings settings{};
  session::RetransmitSettings hush_retransmit{};  ///< what hush ran with, for the record
  bool refused = false;                           ///< mbed TLS would not run with these settings (e.g. the MTU)
  std::string refused_reason;
  /// When mbed TLS refused hush's MTU and none was given: the MTU it was
  /// refused at, and why (the run then used the smallest MTU it accepts).
  int mtu_raised_from = 0;
  std::string mtu_raised_reason;
  size_t certificate_bytes[2] = {0, 0};  ///< client, server (DER)
  int record_expansion = -1;             ///< mbedtls_ssl_get_record_expansion() once connected
  uint64_t record_overhead_min = 0;      ///< smallest record bytes - payload seen (CBC padding varies)
  uint64_t datagrams_sent = 0;           ///< datagrams mbed TLS handed to the bio (both devices)
  bool resumed = false;                  ///< sleepy: the client resumed with an abbreviated handshake
  /// sleepy: the handshake after the pause (the client's RAM was off; it kept
  /// the session from mbedtls_ssl_session_save, as a device keeps it in flash).
  HandshakeFigures resumption{};
  size_t saved_session_bytes = 0;
};

/// The scenarios the baseline supports.
bool dtls_supports(const std::string& scenario);

/// Runs o.scenario with DTLS instead of hush.
DtlsReport run_dtls_scenario(const Options& o, DtlsSuite suite);

/// The `baseline` object (same keys as hush's report, plus `dtls`).
nlohmann::json dtls_json(const DtlsReport& d);
/// The `ratio` object: hush's figure / DTLS's.
nlohmann::json ratio_json(const Report& hush, const DtlsReport& d);
/// hush and DTLS side by side, for people.
void print_side_by_side(const Report& hush, const DtlsReport& d, std::ostream& out);

/// hush-sim --baseline: runs hush (method 0 for dtls12-ecdsa) and the
/// baseline, prints both. `baseline_mtu` (0: hush's) lets DTLS run at
/// another MTU than hush, e.g. where mbed TLS refuses hush's. Returns the
/// exit code.
int run_with_baseline(Options o, const std::string& baseline, int baseline_mtu, bool as_json, std::ostream& out);

}  // namespace hush::sim
