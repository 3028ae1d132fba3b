// SPDX-License-Identifier: Apache-2.0
// hush-sim --baseline: the DTLS side's JSON, the hush/DTLS ratios, the
// side-by-side table, and the command that runs both (dtls_scenarios.h).
#include <mbedtls/version.h>

#include <cmath>
#include <iostream>
#include <stdexcept>

#include "dtls_scenarios.h"
#include "report.h"

namespace hush::sim {

namespace {

template <class A, class B>
double ratio(A a, B b) {
  const double x = static_cast<double>(a), y = static_cast<double>(b);
  return y == 0 ? std::nan("") : x / y;
}

nlohmann::json num_or_null(double v, double step = 0.0001) {
  if (std::isnan(v) || std::isinf(v)) return nullptr;
  const double inv = std::round(1.0 / step);
  return std::round(v * inv) / inv;
}

double total_energy(const Report& r) {
  double e = 0;
  for (const DeviceFigures& f : r.devices) e += f.energy_uj;
  return e;
}

uint64_t total_bytes(const Report& r) {
  uint64_t b = 0;
  for (const DeviceFigures& f : r.devices) b += f.bytes_tx;
  return b;
}

}  // namespace

nlohmann::json dtls_json(const DtlsReport& d) {
  using nlohmann::json;
  const json dtls = {
      {"baseline", dtls_baseline_name(d.suite)},
      {"ciphersuite", dtls_ciphersuite_name(d.suite)},
      {"protocol", "DTLS 1.2"},
      {"implementation", MBEDTLS_VERSION_STRING_FULL},
      {"handshake_timeout_min_ms", d.settings.hs_timeout_min_ms},
      {"handshake_timeout_max_ms", d.settings.hs_timeout_max_ms},
      {"hush_retransmit",
       {{"initial_ms", d.hush_retransmit.initial_ms},
        {"max_ms", d.hush_retransmit.max_ms},
        {"jitter_ms", d.hush_retransmit.jitter_ms},
        {"retries", d.hush_retransmit.retries}}},
      {"mtu", d.settings.mtu},
      {"cookies", d.settings.cookies},
      {"mutual_auth", true},
      {"certificate_bytes", {{"client", d.certificate_bytes[0]}, {"server", d.certificate_bytes[1]}}},
      {"record_overhead_min_bytes", d.record_overhead_min},
      {"datagrams_sent", d.datagrams_sent},
      {"record_expansion_mbedtls", d.record_expansion < 0 ? json(nullptr) : json(d.record_expansion)},
      {"transport", "DTLS records directly in radio frames (no IP or UDP headers)"},
      {"resumption",
       {{"resumed", d.resumed},
        {"frames", d.resumption.frames},
        {"bytes_on_air", d.resumption.bytes_on_air},
        {"ms_to_connect", d.resumption.ms_to_connect < 0 ? json(nullptr) : json(d.resumption.ms_to_connect)},
        {"saved_session_bytes", d.saved_session_bytes}}},
      {"refused", d.refused},
      {"refused_reason", d.refused ? json(d.refused_reason) : json(nullptr)},
      // A figure measured once elsewhere (issue 8), shown next to what mbed
      // TLS really sent here; this tool does not run tinydtls.
      {"reference_tinydtls_psk",
       d.suite == DtlsSuite::kPsk
           ? json{{"frames", 10}, {"bytes_on_air", 485}, {"source", "issue 8 (not measured here)"}}
           : json(nullptr)},
      {"mtu_raised_from", d.mtu_raised_from == 0 ? json(nullptr) : json(d.mtu_raised_from)},
      {"mtu_raised_reason", d.mtu_raised_from == 0 ? json(nullptr) : json(d.mtu_raised_reason)},
  };
  if (d.refused) {
    // No numbers for a configuration mbed TLS does not run.
    return {{"scenario", d.r.scenario}, {"ok", false}, {"problems", d.r.problems}, {"dtls", dtls}};
  }
  json j = to_json(d.r);
  j["config"].erase("method");
  j["config"].erase("suite");
  j["config"]["crypto_backend"] = "mbedtls";
  j["config"]["deterministic_crypto"] = true;
  j["dtls"] = dtls;
  return j;
}

nlohmann::json ratio_json(const Report& h, const DtlsReport& d) {
  using nlohmann::json;
  if (d.refused) return nullptr;
  const Report& b = d.r;
  json j = {
      {"handshake_frames", num_or_null(ratio(static_cast<double>(h.handshake.frames), b.handshake.frames))},
      {"handshake_bytes", num_or_null(ratio(static_cast<double>(h.handshake.bytes_on_air), b.handshake.bytes_on_air))},
      {"handshake_round_trips", num_or_null(ratio(h.handshake.round_trips, b.handshake.round_trips))},
      {"first_data_round_trips", h.first_data_round_trips < 0 || b.first_data_round_trips < 0
                                     ? json(nullptr)
                                     : num_or_null(ratio(h.first_data_round_trips, b.first_data_round_trips))},
      {"record_overhead", num_or_null(ratio(static_cast<double>(h.records.overhead_bytes), b.records.overhead_bytes))},
      {"bytes_on_air", num_or_null(ratio(static_cast<double>(total_bytes(h)), static_cast<double>(total_bytes(b))))},
      {"energy_uj", num_or_null(ratio(total_energy(h), total_energy(b)))},
  };
  json per = json::object();
  for (const DeviceFigures& f : h.devices) {
    for (const DeviceFigures& g : b.devices) {
      if (f.name == g.name) per[f.name] = num_or_null(ratio(f.energy_uj, g.energy_uj));
    }
  }
  j["energy_uj_per_device"] = per;
  if (!h.loss_sweep.empty() && h.loss_sweep.size() == b.loss_sweep.size()) {
    json rows = json::array();
    for (size_t i = 0; i < h.loss_sweep.size(); ++i) {
      rows.push_back(
          {{"loss", h.loss_sweep[i].loss},
           {"success_rate", num_or_null(ratio(h.loss_sweep[i].success_rate, b.loss_sweep[i].success_rate))},
           {"mean_energy_uj", num_or_null(ratio(h.loss_sweep[i].mean_energy_uj, b.loss_sweep[i].mean_energy_uj))}});
    }
    j["loss_sweep"] = rows;
  }
  return j;
}

void print_side_by_side(const Report& h, const DtlsReport& d, std::ostream& out) {
  const Report& b = d.r;
  out << "\nhush vs " << dtls_baseline_name(d.suite) << " (" << dtls_ciphersuite_name(d.suite) << ", "
      << MBEDTLS_VERSION_STRING_FULL << ") on the same simulated radio, scenario " << h.scenario << ", seed "
      << h.options.seed << "\n";
  out << "  DTLS handshake timer: min " << d.settings.hs_timeout_min_ms << " ms, max " << d.settings.hs_timeout_max_ms
      << " ms (hush: initial " << d.hush_retransmit.initial_ms << " ms, max " << d.hush_retransmit.max_ms
      << " ms, jitter " << d.hush_retransmit.jitter_ms << " ms, " << static_cast<int>(d.hush_retransmit.retries)
      << " retries); cookies on; DTLS records sent as radio frames without IP/UDP headers\n";
  if (b.options.mtu != h.options.mtu) {
    out << "  NOTE: DTLS ran with MTU " << b.options.mtu << ", hush with MTU " << h.options.mtu
        << " (--baseline-mtu)\n";
  }
  if (!b.timeline.empty()) {
    out << "\n  DTLS timeline\n    time ms  from     -> to       datagram                                   bytes  "
           "what\n";
    for (const TimelineEntry& t : b.timeline) {
      char line[300];
      std::snprintf(line, sizeof(line), "%11.1f  %-8s -> %-8s %-42s %5zu  %s\n", static_cast<double>(t.at) / 1000.0,
                    t.from.c_str(), t.to.c_str(), t.kind.c_str(), t.bytes, t.what.c_str());
      out << line;
    }
    out << "\n";
  }
  if (d.refused) {
    out << "  DTLS: mbed TLS refuses this configuration: " << d.refused_reason << " (no DTLS figures)\n";
    return;
  }
  if (d.suite == DtlsSuite::kEcdsa) {
    out << "  certificates (DER): client " << d.certificate_bytes[0] << " bytes, server " << d.certificate_bytes[1]
        << " bytes; hush runs EDHOC method " << h.options.method << "\n";
  }
  auto row = [&](const char* what, double hv, double dv, const char* f) {
    char line[200];
    char hs[32], ds[32], rs[32];
    std::snprintf(hs, sizeof(hs), f, hv);
    std::snprintf(ds, sizeof(ds), f, dv);
    if (hv < 0) std::snprintf(hs, sizeof(hs), "-");
    if (dv < 0) std::snprintf(ds, sizeof(ds), "-");
    if (dv == 0 || hv < 0 || dv < 0) {
      std::snprintf(rs, sizeof(rs), "-");
    } else {
      std::snprintf(rs, sizeof(rs), "%.3f", hv / dv);
    }
    std::snprintf(line, sizeof(line), "  %-34s %12s %12s %10s\n", what, hs, ds, rs);
    out << line;
  };
  char head[200];
  std::snprintf(head, sizeof(head), "  %-34s %12s %12s %10s\n", "", "hush", "DTLS 1.2", "hush/DTLS");
  out << head;
  row("handshake frames", static_cast<double>(h.handshake.frames), static_cast<double>(b.handshake.frames), "%.0f");
  row("handshake bytes on air", static_cast<double>(h.handshake.bytes_on_air),
      static_cast<double>(b.handshake.bytes_on_air), "%.0f");
  row("handshake round trips", h.handshake.round_trips, b.handshake.round_trips, "%.1f");
  row("round trips to first data", h.first_data_round_trips, b.first_data_round_trips, "%.1f");
  row("ms to connect", h.handshake.ms_to_connect, b.handshake.ms_to_connect, "%.1f");
  row("record overhead bytes (max)", static_cast<double>(h.records.overhead_bytes),
      static_cast<double>(b.records.overhead_bytes), "%.0f");
  row("records sent", static_cast<double>(h.records.sent), static_cast<double>(b.records.sent), "%.0f");
  row("records delivered", static_cast<double>(h.records.delivered), static_cast<double>(b.records.delivered), "%.0f");
  row("retransmissions", static_cast<double>(h.retransmissions), static_cast<double>(b.retransmissions), "%.0f");
  row("bytes on air, all frames", static_cast<double>(total_bytes(h)), static_cast<double>(total_bytes(b)), "%.0f");
  for (const DeviceFigures& f : h.devices) {
    for (const DeviceFigures& g : b.devices) {
      if (f.name == g.name) row(("radio energy uJ, " + f.name).c_str(), f.energy_uj, g.energy_uj, "%.1f");
    }
  }
  for (size_t i = 0; i < h.loss_sweep.size() && i < b.loss_sweep.size(); ++i) {
    char what[64];
    std::snprintf(what, sizeof(what), "success rate at loss %.2f", h.loss_sweep[i].loss);
    row(what, h.loss_sweep[i].success_rate, b.loss_sweep[i].success_rate, "%.4f");
  }
  if (b.records.confirmed_sent == 0 && h.records.confirmed_sent > 0) {
    out << "  (hush sent " << h.records.confirmed_sent
        << " records confirmed, acknowledged and retransmitted until delivered; DTLS has no such service)\n";
  }
  for (const std::string& p : b.problems) out << "  DTLS problem: " << p << "\n";
  if (d.suite == DtlsSuite::kPsk) {
    out << "  for reference: tinydtls DTLS 1.2 PSK was once measured at 10 messages / 485 bytes per handshake "
           "(issue 8; not run here)\n";
  }
  if (d.mtu_raised_from != 0) {
    out << "  DTLS ran at MTU " << d.settings.mtu << ", not " << d.mtu_raised_from << ": at " << d.mtu_raised_from
        << " " << d.mtu_raised_reason << "\n";
  }
}

int run_with_baseline(Options o, const std::string& baseline, int baseline_mtu, bool as_json, std::ostream& out) {
  DtlsSuite suite;
  if (!parse_dtls_baseline(baseline, suite)) {
    throw std::invalid_argument("--baseline must be dtls12-psk or dtls12-ecdsa");
  }
  if (!dtls_supports(o.scenario)) {
    throw std::invalid_argument("--baseline does not support scenario '" + o.scenario + "' yet");
  }
  if (suite == DtlsSuite::kEcdsa) o.method = 0;  // signatures against signatures
  const Report h = run_scenario(o);
  Options b = o;
  if (baseline_mtu != 0) {
    if (baseline_mtu < 32 || baseline_mtu > 1024) throw std::invalid_argument("--baseline-mtu must be 32..1024");
    b.mtu = baseline_mtu;
  }
  DtlsReport d = run_dtls_scenario(b, suite);
  if (d.refused && baseline_mtu == 0) {
    // mbed TLS never fragments a ClientHello, and with certificates it does
    // not fit small MTUs. Rather than report nothing, DTLS runs at the
    // smallest of these MTUs it accepts, and the report says so (it
    // favours DTLS: its frames get larger than hush's MTU).
    const int from = b.mtu;
    const std::string why = d.refused_reason;
    for (const int mtu : {160, 192, 224, 255, 320, 512, 1024}) {
      if (mtu <= from) continue;
      b.mtu = mtu;
      d = run_dtls_scenario(b, suite);
      if (!d.refused) {
        d.mtu_raised_from = from;
        d.mtu_raised_reason = why;
        break;
      }
    }
  }
  if (as_json) {
    nlohmann::json j = to_json(h);
    j["baseline"] = dtls_json(d);
    j["ratio"] = ratio_json(h, d);
    out << j.dump() << "\n";
  } else {
    print_human(h, out);
    print_side_by_side(h, d, out);
  }
  return h.ok ? 0 : 1;
}

}  // namespace hush::sim
