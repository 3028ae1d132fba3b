// SPDX-License-Identifier: Apache-2.0
#include "report.h"

#include <cmath>
#include <cstdio>
#include <string>

#include "hush/crypto.h"

namespace hush::sim {

namespace {

// Rounds to `step` (a power of ten below 1) without leaving binary noise in the JSON.
double round_to(double v, double step) {
  const double inv = std::round(1.0 / step);
  return std::round(v * inv) / inv;
}

std::string fmt(const char* f, double v) {
  char buf[64];
  std::snprintf(buf, sizeof(buf), f, v);
  return buf;
}

}  // namespace

nlohmann::json to_json(const Report& r) {
  using nlohmann::json;
  json j;
  j["scenario"] = r.scenario;
  j["ok"] = r.ok;
  j["problems"] = r.problems;
  const Options& o = r.options;
  j["config"] = {{"method", o.method},
                 {"suite", o.suite},
                 {"mtu", o.mtu},
                 {"loss", round_to(r.mean_loss, 1e-6)},
                 {"burst", o.burst.enabled ? json{{"p_good_to_bad", o.burst.p_good_to_bad},
                                                  {"p_bad_to_good", o.burst.p_bad_to_good},
                                                  {"loss_bad", o.burst.loss_bad}}
                                           : json(nullptr)},
                 {"duplicate", o.duplicate},
                 {"reorder", o.reorder},
                 {"collisions", o.collisions},
                 {"seed", o.seed},
                 {"profile", o.profile},
                 {"profile_description", r.profile_description},
                 {"pk_ms", o.pk_ms},
                 {"crypto_backend", crypto::backend_name()},
                 {"deterministic_crypto", r.deterministic_crypto}};
  j["handshake"] = {{"frames", r.handshake.frames},
                    {"bytes_on_air", r.handshake.bytes_on_air},
                    {"round_trips", r.handshake.round_trips},
                    {"ms_to_connect",
                     r.handshake.ms_to_connect < 0 ? json(nullptr) : json(round_to(r.handshake.ms_to_connect, 0.001))},
                    {"fragmented", r.fragmented}};
  j["first_data_round_trips"] = r.first_data_round_trips < 0 ? json(nullptr) : json(r.first_data_round_trips);
  const RecordFigures& rec = r.records;
  j["records"] = {{"sent", rec.sent},
                  {"delivered", rec.delivered},
                  {"overhead_bytes", rec.overhead_bytes},
                  {"confirmed_sent", rec.confirmed_sent},
                  {"confirmed_delivered", rec.confirmed_delivered},
                  {"confirmed_received", rec.confirmed_received},
                  {"delivery_failed", rec.delivery_failed},
                  {"accepted_twice", rec.accepted_twice},
                  {"would_block", rec.would_block}};
  j["retransmissions"] = r.retransmissions;
  j["retransmitted_frames"] = r.retransmitted_frames;
  json drops = json::object();
  for (const auto& [k, v] : r.drops) drops[k] = v;
  j["drops"] = drops;
  json energy = json::object();
  json devices = json::object();
  for (const DeviceFigures& d : r.devices) {
    energy[d.name] = round_to(d.energy_uj, 0.01);
    json dd = {{"tx_uj", round_to(d.tx_uj, 0.01)},
               {"rx_uj", round_to(d.rx_uj, 0.01)},
               {"frames_tx", d.frames_tx},
               {"bytes_tx", d.bytes_tx},
               {"frames_rx", d.frames_rx},
               {"bytes_rx", d.bytes_rx},
               {"retransmissions", d.retransmissions},
               {"pk_operations", d.pk_operations}};
    json dr = json::object();
    for (const auto& [k, v] : drop_fields(d.drops)) dr[k] = v;
    dd["drops"] = dr;
    devices[d.name] = dd;
  }
  j["energy_uj"] = energy;
  j["devices"] = devices;
  j["radio"] = {{"transmissions", r.radio.transmissions}, {"lost", r.radio.lost},
                {"delivered", r.radio.delivered},         {"duplicated", r.radio.duplicated},
                {"reordered", r.radio.reordered},         {"collided", r.radio.collided},
                {"refused_above_mtu", r.radio.too_big},   {"largest_frame", r.largest_frame}};
  j["clients"] = r.clients;
  j["clients_connected"] = r.clients_connected;
  j["sim_ms"] = round_to(r.sim_ms, 0.001);
  j["cpu_ms"] = round_to(r.cpu_ms, 0.1);
  j["anomalies"] = r.anomalies;
  if (r.scenario == "loss-sweep") {
    json rows = json::array();
    for (const SweepRow& s : r.loss_sweep) {
      json f = json::object();
      for (const auto& [k, v] : s.failures) f[k] = v;
      rows.push_back({{"loss", s.loss},
                      {"success_rate", s.success_rate},
                      {"seeds", s.seeds},
                      {"successes", s.successes},
                      {"mean_ms_to_connect", round_to(s.mean_ms_to_connect, 0.1)},
                      {"p95_ms_to_connect", round_to(s.p95_ms_to_connect, 0.1)},
                      {"mean_frames", round_to(s.mean_frames, 0.01)},
                      {"mean_energy_uj", round_to(s.mean_energy_uj, 0.1)},
                      {"failures", f}});
    }
    j["loss_sweep"] = rows;
  }
  for (auto it = r.extra.begin(); it != r.extra.end(); ++it) j[it.key()] = it.value();
  return j;
}

void print_human(const Report& r, std::ostream& out) {
  const Options& o = r.options;
  out << "hush-sim: scenario " << r.scenario << ", EDHOC method " << o.method << ", suite " << o.suite << ", MTU "
      << o.mtu << ", loss " << fmt("%.3g", r.mean_loss) << (o.burst.enabled ? " (Gilbert-Elliott bursts)" : "")
      << ", seed " << o.seed << "\n";
  if (!r.extra.empty()) out << "figures: " << r.extra.dump(2) << "\n";
  out << "radio: " << r.profile_description << "; crypto: " << crypto::backend_name()
      << (r.deterministic_crypto ? " (seeded RNG, simulation only)" : "") << "\n";

  if (!r.timeline.empty()) {
    out << "\n    time ms  from     -> to       frame                        bytes  what\n";
    for (const TimelineEntry& t : r.timeline) {
      char line[256];
      if (t.kind.empty() && t.bytes == 0) {
        std::snprintf(line, sizeof(line), "%11.1f  %-8s %-11s %s", static_cast<double>(t.at) / 1000.0, t.from.c_str(),
                      "", t.what.c_str());
      } else {
        std::snprintf(line, sizeof(line), "%11.1f  %-8s -> %-8s %-28s %5zu  %s", static_cast<double>(t.at) / 1000.0,
                      t.from.c_str(), t.to.c_str(), t.kind.c_str(), t.bytes, t.what.c_str());
      }
      out << line << "\n";
    }
    if (r.timeline_truncated) out << "  ... (timeline truncated)\n";
  }

  out << "\nsummary\n";
  if (r.scenario == "loss-sweep") {
    out << "  loss   seeds  success  mean ms to connect  p95 ms  frames/run  energy uJ/run  failures\n";
    for (const SweepRow& s : r.loss_sweep) {
      std::string f;
      for (const auto& [k, v] : s.failures) f += k + ":" + std::to_string(v) + " ";
      char line[256];
      std::snprintf(line, sizeof(line), "  %4.2f  %6d  %7.4f  %18.1f  %6.1f  %10.2f  %13.1f  %s", s.loss, s.seeds,
                    s.success_rate, s.mean_ms_to_connect, s.p95_ms_to_connect, s.mean_frames, s.mean_energy_uj,
                    f.c_str());
      out << line << "\n";
    }
    out << "  (handshake figures below: the first seed of the first row)\n";
  }
  const HandshakeFigures& h = r.handshake;
  out << "  handshake: " << h.frames << " EDHOC frames, " << h.bytes_on_air << " bytes (first transmissions"
      << (r.fragmented ? ", fragmented" : "") << "), " << h.round_trips << " round trips, "
      << (h.ms_to_connect < 0 ? std::string("never connected") : fmt("%.1f ms to connect", h.ms_to_connect)) << "\n";
  if (r.clients > 1) out << "  clients connected: " << r.clients_connected << " of " << r.clients << "\n";
  out << "  first data: "
      << (r.first_data_round_trips < 0
              ? std::string("none reached the server")
              : fmt("%.1f round trips after the client's first frame", r.first_data_round_trips))
      << "\n";
  const RecordFigures& rec = r.records;
  out << "  records: " << rec.sent << " sent, " << rec.delivered << " delivered; confirmed " << rec.confirmed_sent
      << " sent, " << rec.confirmed_delivered << " acknowledged, " << rec.delivery_failed << " failed; "
      << rec.accepted_twice << " accepted twice; overhead " << rec.overhead_bytes << " bytes\n";
  out << "  retransmissions: " << r.retransmissions << " (endpoint counters), " << r.retransmitted_frames
      << " identical frames resent on air\n";
  out << "  radio: " << r.radio.transmissions << " transmissions, " << r.radio.lost << " lost, " << r.radio.duplicated
      << " duplicated, " << r.radio.reordered << " reordered, " << r.radio.collided << " collided\n";
  std::string drops;
  for (const auto& [k, v] : r.drops) {
    if (v) drops += " " + k + "=" + std::to_string(v);
  }
  out << "  drops:" << (drops.empty() ? " none" : drops) << "\n";
  for (const DeviceFigures& d : r.devices) {
    char line[200];
    std::snprintf(line, sizeof(line), "  %-8s energy %9.1f uJ (TX %.1f, RX %.1f), %llu frames / %llu bytes sent",
                  d.name.c_str(), d.energy_uj, d.tx_uj, d.rx_uj, static_cast<unsigned long long>(d.frames_tx),
                  static_cast<unsigned long long>(d.bytes_tx));
    out << line << "\n";
  }
  for (const std::string& a : r.anomalies) out << "  anomaly: " << a << "\n";
  for (const std::string& p : r.problems) out << "  problem: " << p << "\n";
  out << "  simulated " << fmt("%.1f", r.sim_ms) << " ms in " << fmt("%.0f", r.cpu_ms) << " ms of host time\n";
  out << (r.ok ? "OK" : "FAILED") << "\n";
}

}  // namespace hush::sim
