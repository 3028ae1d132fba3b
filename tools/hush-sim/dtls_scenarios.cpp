// SPDX-License-Identifier: Apache-2.0
#include "dtls_scenarios.h"

#include <mbedtls/ssl.h>
#include <mbedtls/version.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <functional>
#include <map>
#include <queue>
#include <stdexcept>
#include <thread>

#include "report.h"

namespace hush::sim {

namespace {

constexpr SimTime kMs = 1000;
constexpr SimTime kSec = 1000 * kMs;

// The name of what a datagram carries, for the timeline.
std::string describe_datagram(const uint8_t* p, size_t len) {
  std::string out;
  for (size_t off = 0; off + 13 <= len;) {
    const unsigned type = p[off];
    const unsigned epoch = static_cast<unsigned>(p[off + 3] << 8 | p[off + 4]);
    const size_t total = 13 + static_cast<size_t>(p[off + 11] << 8 | p[off + 12]);
    std::string name;
    if (type == MBEDTLS_SSL_MSG_HANDSHAKE && epoch == 0 && total >= 25) {
      static const std::map<unsigned, const char*> kNames = {
          {1, "ClientHello"},      {2, "ServerHello"},        {3, "HelloVerifyRequest"},
          {11, "Certificate"},     {12, "ServerKeyExchange"}, {13, "CertificateRequest"},
          {14, "ServerHelloDone"}, {15, "CertificateVerify"}, {16, "ClientKeyExchange"}};
      auto it = kNames.find(p[off + 13]);
      name = it == kNames.end() ? "Handshake" : it->second;
      const size_t msg_len = static_cast<size_t>(p[off + 14] << 16 | p[off + 15] << 8 | p[off + 16]);
      const size_t frag_len = static_cast<size_t>(p[off + 22] << 16 | p[off + 23] << 8 | p[off + 24]);
      if (frag_len != msg_len) name += "(frag)";
    } else if (type == MBEDTLS_SSL_MSG_HANDSHAKE) {
      name = "Finished";
    } else if (type == MBEDTLS_SSL_MSG_CHANGE_CIPHER_SPEC) {
      name = "CCS";
    } else if (type == MBEDTLS_SSL_MSG_ALERT) {
      name = "Alert";
    } else if (type == MBEDTLS_SSL_MSG_APPLICATION_DATA) {
      name = "AppData";
    } else {
      name = "?";
    }
    out += (out.empty() ? "" : "+") + name;
    if (total == 0 || off + total > len) break;
    off += total;
  }
  return out;
}

RadioConfig radio_config(const Options& o, double loss, uint64_t seed) {
  RadioConfig c;
  const RadioProfile* p = find_radio_profile(o.profile);
  if (!p) throw std::invalid_argument("unknown radio profile '" + o.profile + "'");
  c.profile = *p;
  c.seed = seed;
  c.loss = loss;
  c.burst = o.burst;
  c.duplicate = o.duplicate;
  c.reorder = o.reorder;
  c.collisions = o.collisions;
  c.mtu = static_cast<size_t>(o.mtu);
  return c;
}

DtlsSettings dtls_settings(const Options& o, DtlsSuite suite) {
  const session::RetransmitSettings hush{};  // what hush-sim gives hush's endpoints
  DtlsSettings s;
  s.suite = suite;
  s.hs_timeout_min_ms = hush.initial_ms;
  s.hs_timeout_max_ms = hush.max_ms;
  s.mtu = static_cast<uint16_t>(o.mtu);
  s.cookies = true;
  return s;
}

// Two devices (a DTLS client and server) over the simulated radio.
class DtlsWorld {
 public:
  struct Dev {
    std::string name;
    NodeId node = 0;
    std::unique_ptr<DtlsEndpoint> ep;
    int depth_from_peer = 0;      ///< deepest datagram from the peer delivered
    DtlsCounters past;            ///< counters of endpoints this device had before (RAM off)
    SimTime poll_not_before = 0;  ///< spin guard
  };

  DtlsWorld(const RadioConfig& rc, const DtlsSettings& s, const DtlsCredentials& creds, uint64_t seed, bool timeline)
      : radio_(rc), settings_(s), creds_(creds), seed_(seed), timeline_on_(timeline) {
    dev_[0].name = "client";
    dev_[1].name = "server";
    dev_[0].node = radio_.add_node();
    dev_[1].node = radio_.add_node();
    make_endpoint(0);
    make_endpoint(1);
  }

  Dev& dev(int i) { return dev_[i]; }
  const Dev& dev(int i) const { return dev_[i]; }
  DtlsEndpoint& ep(int i) { return *dev_[i].ep; }
  const Radio& radio() const { return radio_; }
  SimTime now() const { return now_; }
  int handshake_depth() const { return hs_depth_; }
  const std::vector<TimelineEntry>& timeline() const { return timeline_; }
  size_t largest_frame() const { return largest_; }
  const std::string& largest_kind() const { return largest_kind_; }
  const std::vector<std::string>& anomalies() const { return anomalies_; }

  /// A fresh endpoint for device i (start-up, or after its RAM was off).
  void make_endpoint(int i) {
    Dev& d = dev_[i];
    if (d.ep) add_counters(d.past, d.ep->counters());
    DtlsEndpoint::Hooks hooks;
    hooks.now_us = [this] { return now_; };
    hooks.send = [this, i](const uint8_t* data, size_t len, bool handshake, bool retransmission) {
      on_send(i, data, len, handshake, retransmission);
    };
    const std::vector<uint8_t> client_addr = {0x10, 0x00, static_cast<uint8_t>(dev_[0].node)};
    d.ep = std::make_unique<DtlsEndpoint>(i == 1, settings_, creds_, seed_ * 2 + static_cast<uint64_t>(i) + ++made_,
                                          hooks, client_addr);
  }

  /// What device i sent over its life, all endpoints included.
  DtlsCounters counters(int i) const {
    DtlsCounters c = dev_[i].past;
    add_counters(c, dev_[i].ep->counters());
    return c;
  }

  void at(SimTime t, std::function<void()> fn) { actions_.push(Action{t, seq_++, std::move(fn)}); }

  /// Called after an endpoint ran (input, timer, start): the application looks at it.
  std::function<void(int dev)> after;

  void run(SimTime until, const std::function<bool()>& done) {
    while (!done()) {
      SimTime t = radio_.next_time();
      if (!actions_.empty()) t = std::min(t, actions_.top().at);
      for (int i = 0; i < 2; ++i) t = std::min(t, next_poll(i));
      if (t == kNever || t > until) break;
      now_ = std::max(now_, t);
      RadioEvent ev;
      while (radio_.pop(now_, ev)) handle_radio(ev);
      while (!actions_.empty() && actions_.top().at <= now_) {
        Action a = actions_.top();
        actions_.pop();
        a.fn();
      }
      for (int i = 0; i < 2; ++i) {
        if (next_poll(i) <= now_) {
          ep(i).poll();
          if (after) after(i);
          if (next_poll(i) <= now_) {
            anomalies_.push_back(dev_[i].name + ": mbed TLS timer stayed expired after a poll");
            dev_[i].poll_not_before = now_ + kMs;
          }
        }
      }
    }
  }

  void note(const std::string& from, const std::string& to, const std::string& kind, size_t bytes,
            const std::string& what) {
    if (!timeline_on_ || timeline_.size() >= 20000) return;
    timeline_.push_back(TimelineEntry{now_, from, to, kind, bytes, what});
  }

 private:
  struct Action {
    SimTime at;
    uint64_t seq;
    std::function<void()> fn;
  };
  struct Later {
    bool operator()(const Action& a, const Action& b) const { return a.at != b.at ? a.at > b.at : a.seq > b.seq; }
  };
  struct Meta {
    int from = 0;
    int depth = 0;
    bool handshake = false, retransmission = false;
    std::string kind;
  };

  static void add_counters(DtlsCounters& a, const DtlsCounters& b) {
    a.datagrams += b.datagrams;
    a.bytes += b.bytes;
    a.handshake_datagrams += b.handshake_datagrams;
    a.handshake_bytes += b.handshake_bytes;
    a.retransmitted_datagrams += b.retransmitted_datagrams;
    a.retransmitted_bytes += b.retransmitted_bytes;
    a.app_records += b.app_records;
    a.app_record_bytes += b.app_record_bytes;
    a.app_payload_bytes += b.app_payload_bytes;
    a.app_record_overhead_max = std::max(a.app_record_overhead_max, b.app_record_overhead_max);
    a.app_record_overhead_min = std::min(a.app_record_overhead_min, b.app_record_overhead_min);
    a.alert_records += b.alert_records;
    a.handshake_failures += b.handshake_failures;
    a.resets += b.resets;
    a.largest_datagram = std::max(a.largest_datagram, b.largest_datagram);
  }

  SimTime next_poll(int i) const {
    const uint64_t dl = dev_[i].ep->next_deadline_us();
    if (dl == UINT64_MAX) return kNever;
    return std::max<SimTime>({dl, now_, dev_[i].poll_not_before});
  }

  void on_send(int i, const uint8_t* data, size_t len, bool handshake, bool retransmission) {
    const int peer = 1 - i;
    Meta m;
    m.from = i;
    m.depth = dev_[i].depth_from_peer + 1;
    m.handshake = handshake;
    m.retransmission = retransmission;
    m.kind = describe_datagram(data, len);
    if (len > largest_) {
      largest_ = len;
      largest_kind_ = m.kind;
    }
    const uint64_t id = radio_.transmit(dev_[i].node, dev_[peer].node, std::vector<uint8_t>(data, data + len), now_);
    meta_[id] = std::move(m);
  }

  void handle_radio(const RadioEvent& ev) {
    auto it = meta_.find(ev.frame_id);
    if (it == meta_.end()) return;
    const Meta& m = it->second;
    const int to = 1 - m.from;
    const std::string& from_name = dev_[m.from].name;
    const std::string& to_name = dev_[to].name;
    switch (ev.outcome) {
      case Outcome::kSent:
        note(from_name, to_name, m.kind, ev.frame.size(), m.retransmission ? "sent (retransmission)" : "sent");
        return;
      case Outcome::kTooBig:
      case Outcome::kLost:
      case Outcome::kCollided: note(from_name, to_name, m.kind, ev.frame.size(), outcome_name(ev.outcome)); return;
      case Outcome::kDelivered:
      case Outcome::kDuplicate: break;
    }
    note(from_name, to_name, m.kind, ev.frame.size(),
         ev.outcome == Outcome::kDuplicate ? "duplicate delivered" : "delivered");
    Dev& d = dev_[to];
    d.depth_from_peer = std::max(d.depth_from_peer, m.depth);
    if (m.handshake) hs_depth_ = std::max(hs_depth_, m.depth);
    d.ep->rx_depth = m.depth;
    d.ep->input(ev.frame.data(), ev.frame.size());
    d.ep->poll();
    if (after) after(to);
  }

  Radio radio_;
  DtlsSettings settings_;
  const DtlsCredentials& creds_;
  uint64_t seed_;
  bool timeline_on_;
  uint64_t made_ = 0;
  Dev dev_[2];
  SimTime now_ = 0;
  int hs_depth_ = 0;
  std::map<uint64_t, Meta> meta_;
  std::priority_queue<Action, std::vector<Action>, Later> actions_;
  uint64_t seq_ = 0;
  std::vector<TimelineEntry> timeline_;
  size_t largest_ = 0;
  std::string largest_kind_;
  std::vector<std::string> anomalies_;
};

// The application over DTLS: tagged payloads ("#<id> ..."), as in hush's
// scenarios, all unconfirmed (DTLS has no confirmed send). Payloads the
// client queues before the handshake ends leave when it does.
class DtlsApp {
 public:
  explicit DtlsApp(DtlsWorld& w) : w_(w) {
    w_.after = [this](int dev) { look(dev); };
  }

  bool connected(int dev) const { return connected_at_[dev] != kNever; }
  /// The device lost its endpoint (RAM off).
  void forget(int dev) { connected_at_[dev] = kNever; }
  bool both_connected() const { return connected(0) && connected(1); }
  SimTime connected_at(int dev) const { return connected_at_[dev]; }

  void send(int from, const std::string& text) {
    const uint32_t id = next_id_++;
    const std::string body = "#" + std::to_string(id) + " " + text;
    sent_[id] = 0;
    to_[id] = 1 - from;
    if (!connected(from)) {
      queued_[from].push_back(body);
      return;
    }
    write(from, body);
  }

  void fill(RecordFigures& r) const {
    r.sent = sent_.size();
    for (const auto& [id, n] : sent_) {
      r.delivered += n > 0;
      r.accepted_twice += n > 1;
    }
  }

  std::function<void(int dev, const std::string& data)> on_data;
  std::function<void(int dev)> on_connected;
  std::vector<std::string> problems;

 private:
  void write(int from, const std::string& body) {
    if (!w_.ep(from).write(reinterpret_cast<const uint8_t*>(body.data()), body.size())) {
      problems.push_back(w_.dev(from).name +
                         ": mbedtls_ssl_write failed: " + mbedtls_error_text(w_.ep(from).last_error()));
    }
  }

  void look(int dev) {
    DtlsEndpoint& ep = w_.ep(dev);
    if (ep.state() == DtlsState::kConnected && connected_at_[dev] == kNever) {
      connected_at_[dev] = w_.now();
      w_.note(w_.dev(dev).name, "", "", 0, "event connected" + std::string(ep.resumed() ? " (resumed)" : ""));
      if (on_connected) on_connected(dev);
      std::vector<std::string> q;
      q.swap(queued_[dev]);
      for (const std::string& b : q) write(dev, b);
    }
    if (ep.state() != DtlsState::kConnected && ep.state() != DtlsState::kClosed) connected_at_[dev] = kNever;
    for (const std::vector<uint8_t>& data : ep.take_received()) {
      const std::string s(data.begin(), data.end());
      w_.note(w_.dev(dev).name, "", "", 0, "event data \"" + s + "\"");
      uint32_t id = 0;
      if (s.size() > 1 && s[0] == '#') id = static_cast<uint32_t>(std::strtoul(s.c_str() + 1, nullptr, 10));
      auto it = sent_.find(id);
      if (it == sent_.end() || to_[id] != dev) {
        problems.push_back(w_.dev(dev).name + ": data that nobody sent: \"" + s + "\"");
      } else {
        ++it->second;
      }
      if (on_data) on_data(dev, s);
    }
  }

  DtlsWorld& w_;
  uint32_t next_id_ = 1;
  std::map<uint32_t, int> sent_;
  std::map<uint32_t, int> to_;
  std::vector<std::string> queued_[2];
  SimTime connected_at_[2] = {kNever, kNever};
};

std::string reading(const char* what, int i) {
  char buf[40];
  std::snprintf(buf, sizeof(buf), "%s=%.1f", what, 20.0 + 0.25 * i);
  return buf;
}

// Why a handshake did not finish: mbed TLS's error, or a refusal.
std::string failure_of(DtlsWorld& w) {
  for (int i = 0; i < 2; ++i) {
    if (w.ep(i).last_error() != 0 && w.ep(i).last_error() != MBEDTLS_ERR_SSL_TIMEOUT) {
      return w.dev(i).name + ": " + mbedtls_error_text(w.ep(i).last_error());
    }
  }
  if (w.ep(0).last_error() == MBEDTLS_ERR_SSL_TIMEOUT) return "timeout";
  return "";
}

// The figures every DTLS scenario reports, as collect() does for hush.
void collect(DtlsWorld& w, const DtlsApp& app, DtlsReport& d) {
  Report& r = d.r;
  const Radio& radio = w.radio();
  r.radio = radio.stats();
  r.mean_loss = radio.config().burst.mean_loss(radio.config().loss);
  r.profile_description = radio.config().profile.description;
  app.fill(r.records);
  size_t ov_min = SIZE_MAX;
  for (int i = 0; i < 2; ++i) {
    const DtlsCounters c = w.counters(i);
    d.datagrams_sent += c.datagrams;
    DeviceFigures f;
    f.name = w.dev(i).name;
    const NodeStats& ns = radio.node_stats(w.dev(i).node);
    f.tx_uj = ns.tx_uj;
    f.rx_uj = ns.rx_uj;
    f.energy_uj = ns.energy_uj();
    f.frames_tx = ns.frames_tx;
    f.bytes_tx = ns.bytes_tx;
    f.frames_rx = ns.frames_rx;
    f.bytes_rx = ns.bytes_rx;
    f.retransmissions = static_cast<uint32_t>(c.retransmitted_datagrams);
    r.retransmissions += c.retransmitted_datagrams;
    r.retransmitted_frames += c.retransmitted_datagrams;
    r.handshake.frames += c.handshake_datagrams;
    r.handshake.bytes_on_air += c.handshake_bytes;
    r.records.overhead_bytes = std::max<uint64_t>(r.records.overhead_bytes, c.app_record_overhead_max);
    ov_min = std::min(ov_min, c.app_record_overhead_min);
    r.devices.push_back(f);
  }
  d.record_overhead_min = ov_min == SIZE_MAX ? 0 : ov_min;
  r.largest_frame = w.largest_frame();
  r.sim_ms = static_cast<double>(w.now()) / 1000.0;
  r.timeline = w.timeline();
  r.anomalies = w.anomalies();
  r.problems.insert(r.problems.end(), app.problems.begin(), app.problems.end());
  r.deterministic_crypto = true;
  d.record_expansion = w.ep(0).record_expansion();
  // A refusal: mbed TLS stopped with an error that is not a timeout, or the
  // radio refused a frame above the MTU.
  const std::string why = failure_of(w);
  if (!app.both_connected() && !why.empty() && why != "timeout") {
    d.refused = true;
    d.refused_reason = why;
  }
  if (radio.stats().too_big > 0) {
    d.refused = true;
    d.refused_reason = "mbed TLS sent a " + std::to_string(w.largest_frame()) + "-byte datagram (" + w.largest_kind() +
                       ") over the " + std::to_string(radio.config().mtu) + "-byte MTU" +
                       (w.largest_kind() == "ClientHello" ? "; mbed TLS never fragments a ClientHello" : "");
  }
}

// One client and one server, as hush's run_pair: connect, a first reading
// queued at once (it leaves when the handshake is done), more readings,
// replies, then close_notify.
DtlsReport run_pair(const Options& o, DtlsSuite suite, const std::string& name, double default_loss, int readings,
                    bool both_ways) {
  DtlsReport d;
  d.suite = suite;
  d.settings = dtls_settings(o, suite);
  Report& r = d.r;
  r.scenario = name;
  r.options = o;
  DtlsCredentials creds(suite, o.seed);
  d.certificate_bytes[0] = creds.certificate_bytes(false);
  d.certificate_bytes[1] = creds.certificate_bytes(true);
  DtlsWorld w(radio_config(o, o.loss.value_or(default_loss), o.seed), d.settings, creds, o.seed, o.timeline);
  DtlsApp app(w);
  const int client = 0, server = 1;
  SimTime both_at = kNever;
  int hs_depth = 0;
  app.on_connected = [&](int) {
    if (app.both_connected() && both_at == kNever) {
      both_at = w.now();
      hs_depth = w.handshake_depth();
    }
  };
  int replies = 0;
  app.on_data = [&](int dev, const std::string&) {
    if (dev == server && !both_ways && replies < readings / 2) {
      ++replies;
      app.send(server, reading("setpoint", replies));
    }
  };
  w.ep(server).start();
  w.ep(client).start();
  app.send(client, reading("temp", 0));
  const SimTime gap = both_ways ? 400 * kMs : 2 * kSec;
  for (int i = 1; i < readings; ++i) {
    w.at(static_cast<SimTime>(i) * gap, [&, i]() {
      if (app.connected(client)) app.send(client, reading("temp", i));
    });
    if (both_ways && i % 2 == 0) {
      w.at(static_cast<SimTime>(i) * gap + 150 * kMs, [&, i]() {
        if (app.connected(server)) app.send(server, reading("setpoint", i));
      });
    }
  }
  const SimTime last_send = static_cast<SimTime>(readings) * gap;
  w.at(last_send, [] {});
  const SimTime cap = last_send + 180 * kSec;
  w.run(cap,
        [&]() { return w.ep(client).state() == DtlsState::kFailed || (w.now() >= last_send && both_at != kNever); });
  if (both_at != kNever) {
    w.run(w.now() + 2 * kSec, [] { return false; });  // what is in flight lands
    app.send(client, "bye");
    w.run(w.now() + 50 * kMs, [] { return false; });
    w.ep(client).close();
    w.run(w.now() + 5 * kSec, [] { return false; });
  }
  collect(w, app, d);
  r.clients = 1;
  r.clients_connected = both_at != kNever;
  if (both_at != kNever) {
    r.handshake.ms_to_connect = static_cast<double>(both_at) / 1000.0;
    r.handshake.round_trips = hs_depth / 2.0;
  }
  if (w.ep(server).first_data_depth > 0) r.first_data_round_trips = w.ep(server).first_data_depth / 2.0;
  if (both_at == kNever) r.problems.push_back("handshake did not complete: " + failure_of(w));
  if (r.records.accepted_twice > 0) r.problems.push_back("a payload was accepted twice");
  r.ok = r.problems.empty() && !d.refused;
  return d;
}

// sleepy (issue 9 item 6): connect, --readings (10) readings of 8 bytes, an
// hour with the client's RAM off (its endpoint is destroyed; the session,
// saved with mbedtls_ssl_session_save, survives as in flash), a wake that
// resumes the session (abbreviated handshake), and as many readings again.
// The server stays up. Payloads are tagged "#<id> " and padded to 8 bytes.
DtlsReport run_sleepy(const Options& o, DtlsSuite suite) {
  DtlsReport d;
  d.suite = suite;
  d.settings = dtls_settings(o, suite);
  Report& r = d.r;
  r.scenario = "sleepy";
  r.options = o;
  const int readings = o.readings ? o.readings : 10;
  DtlsCredentials creds(suite, o.seed);
  d.certificate_bytes[0] = creds.certificate_bytes(false);
  d.certificate_bytes[1] = creds.certificate_bytes(true);
  DtlsWorld w(radio_config(o, o.loss.value_or(0.0), o.seed), d.settings, creds, o.seed, o.timeline);
  DtlsApp app(w);
  int delivered = 0, sent = 0;
  app.on_data = [&](int dev, const std::string&) { delivered += dev == 1; };
  auto send_reading = [&]() {
    const std::string tag = "#" + std::to_string(++sent) + " ";  // DtlsApp numbers payloads 1, 2, ...
    app.send(0, std::string(tag.size() < 8 ? 8 - tag.size() : 0, 'r'));
  };
  w.ep(1).start();
  w.ep(0).start();
  send_reading();
  for (int i = 1; i < readings; ++i) {
    w.at(static_cast<SimTime>(i) * 2 * kSec, [&]() {
      if (app.connected(0)) send_reading();
    });
  }
  w.run(static_cast<SimTime>(readings) * 2 * kSec + 120 * kSec,
        [&]() { return w.ep(0).state() == DtlsState::kFailed || delivered >= readings; });
  if (delivered < readings) r.problems.push_back("first handshake or readings failed: " + failure_of(w));
  const std::vector<uint8_t> saved = w.ep(0).save_session();
  d.saved_session_bytes = saved.size();
  if (saved.empty()) r.problems.push_back("mbedtls_ssl_session_save gave nothing");
  const SimTime first_at = app.connected_at(0);
  r.handshake.ms_to_connect = static_cast<double>(std::max(first_at, app.connected_at(1))) / 1000.0;
  r.handshake.round_trips = w.handshake_depth() / 2.0;
  const DtlsCounters c0 = w.counters(0), s0 = w.counters(1);
  const SimTime wake = w.now() + 3600 * kSec;
  w.make_endpoint(0);  // RAM off
  app.forget(0);
  w.at(wake, [&]() {
    w.ep(0).start(saved);
    send_reading();  // queued until the resumed handshake is done
  });
  for (int i = 1; i < readings; ++i) {
    w.at(wake + static_cast<SimTime>(i) * 2 * kSec, [&]() {
      if (app.connected(0)) send_reading();
    });
  }
  w.run(wake + static_cast<SimTime>(readings) * 2 * kSec + 120 * kSec,
        [&]() { return w.ep(0).state() == DtlsState::kFailed || delivered >= 2 * readings; });
  const DtlsCounters c1 = w.counters(0), s1 = w.counters(1);
  d.resumed = w.ep(0).resumed() && w.ep(0).state() == DtlsState::kConnected;
  d.resumption.frames =
      c1.handshake_datagrams - c0.handshake_datagrams + s1.handshake_datagrams - s0.handshake_datagrams;
  d.resumption.bytes_on_air = c1.handshake_bytes - c0.handshake_bytes + s1.handshake_bytes - s0.handshake_bytes;
  if (app.both_connected()) {
    d.resumption.ms_to_connect =
        static_cast<double>(std::max(app.connected_at(0), app.connected_at(1)) - wake) / 1000.0;
  }
  if (delivered < 2 * readings) r.problems.push_back("readings after the pause did not arrive: " + failure_of(w));
  collect(w, app, d);
  r.clients = 1;
  r.clients_connected = app.both_connected();
  r.ok = r.problems.empty() && !d.refused;
  return d;
}

// One row of the loss sweep, with the seeds hush's sweep uses for that row.
SweepRow sweep_row(const Options& o, DtlsSuite suite, double loss, size_t row, DtlsReport* sample) {
  SweepRow s;
  s.loss = loss;
  const DtlsCredentials creds(suite, o.seed);
  const DtlsSettings settings = dtls_settings(o, suite);
  std::vector<double> times;
  double frames = 0, energy = 0;
  for (int k = 0; k < o.seeds; ++k) {
    const uint64_t seed = (o.seed + static_cast<uint64_t>(k)) * 1000003u + row;
    DtlsWorld w(radio_config(o, loss, seed), settings, creds, seed, false);
    DtlsApp app(w);
    int hs_depth = 0;
    app.on_connected = [&](int) {
      if (app.both_connected() && hs_depth == 0) hs_depth = w.handshake_depth();
    };
    w.ep(1).start();
    w.ep(0).start();
    app.send(0, reading("temp", 0));
    w.run(300 * kSec, [&]() { return w.ep(0).state() == DtlsState::kFailed || app.both_connected(); });
    ++s.seeds;
    frames += static_cast<double>(w.radio().stats().transmissions);
    for (int i = 0; i < 2; ++i) energy += w.radio().node_stats(w.dev(i).node).energy_uj();
    if (app.both_connected()) {
      ++s.successes;
      times.push_back(static_cast<double>(std::max(app.connected_at(0), app.connected_at(1))) / 1000.0);
    } else {
      const std::string why = failure_of(w);
      ++s.failures[why.empty() ? "unfinished after 300 s" : why];
    }
    if (sample && k == 0) {
      collect(w, app, *sample);
      sample->r.handshake.round_trips = hs_depth / 2.0;
      sample->r.handshake.ms_to_connect = times.empty() ? -1 : times.back();
      if (w.ep(1).first_data_depth > 0) sample->r.first_data_round_trips = w.ep(1).first_data_depth / 2.0;
      sample->r.clients = 1;
      sample->r.clients_connected = app.both_connected();
    }
  }
  s.success_rate = s.seeds ? static_cast<double>(s.successes) / s.seeds : 0;
  if (!times.empty()) {
    double sum = 0;
    for (double t : times) sum += t;
    s.mean_ms_to_connect = sum / static_cast<double>(times.size());
    std::sort(times.begin(), times.end());
    s.p95_ms_to_connect =
        times[std::min(times.size() - 1, static_cast<size_t>(0.95 * static_cast<double>(times.size())))];
  }
  s.mean_frames = s.seeds ? frames / s.seeds : 0;
  s.mean_energy_uj = s.seeds ? energy / s.seeds : 0;
  return s;
}

DtlsReport run_sweep(const Options& o, DtlsSuite suite) {
  DtlsReport d;
  d.suite = suite;
  d.settings = dtls_settings(o, suite);
  d.r.scenario = "loss-sweep";
  d.r.options = o;
  std::vector<double> losses;
  if (o.loss) {
    losses.push_back(*o.loss);
  } else {
    const int steps = static_cast<int>(std::lround(0.5 / o.sweep_step));
    for (int i = 0; i <= steps; ++i) losses.push_back(std::round(i * o.sweep_step * 1000.0) / 1000.0);
  }
  std::vector<SweepRow> rows(losses.size());
  std::vector<std::string> errors(losses.size());
  std::atomic<size_t> next{0};
  auto worker = [&]() {
    for (size_t row = next++; row < losses.size(); row = next++) {
      try {
        rows[row] = sweep_row(o, suite, losses[row], row, row == 0 ? &d : nullptr);
      } catch (const std::exception& e) {
        errors[row] = e.what();
      }
    }
  };
  std::vector<std::thread> threads;
  const int jobs = std::max(1, std::min(o.jobs, static_cast<int>(losses.size())));
  for (int i = 1; i < jobs; ++i) threads.emplace_back(worker);
  worker();
  for (std::thread& t : threads) t.join();
  for (const std::string& e : errors) {
    if (!e.empty()) throw std::runtime_error(e);
  }
  d.r.loss_sweep = rows;
  d.r.scenario = "loss-sweep";
  d.r.options = o;
  if (!rows.empty() && rows.front().loss == 0 && rows.front().success_rate < 1.0) {
    d.r.problems.push_back("handshakes failed without loss");
  }
  d.r.ok = d.r.problems.empty() && !d.refused;
  return d;
}

}  // namespace

bool dtls_supports(const std::string& scenario) {
  return scenario == "connect" || scenario == "traffic" || scenario == "loss-sweep" || scenario == "demo" ||
         scenario == "sleepy";
}

DtlsReport run_dtls_scenario(const Options& o, DtlsSuite suite) {
  const auto t0 = std::chrono::steady_clock::now();
  DtlsReport d;
  if (o.scenario == "demo") {
    d = run_pair(o, suite, "demo", 0.1, o.readings ? o.readings : 4, false);
  } else if (o.scenario == "connect") {
    d = run_pair(o, suite, "connect", 0.0, o.readings ? o.readings : 2, false);
  } else if (o.scenario == "traffic") {
    d = run_pair(o, suite, "traffic", 0.1, o.readings ? o.readings : 24, true);
  } else if (o.scenario == "loss-sweep") {
    d = run_sweep(o, suite);
  } else if (o.scenario == "sleepy") {
    d = run_sleepy(o, suite);
  } else {
    throw std::invalid_argument("--baseline does not support scenario '" + o.scenario + "' yet");
  }
  d.r.cpu_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
  return d;
}

}  // namespace hush::sim
