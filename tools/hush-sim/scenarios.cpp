// SPDX-License-Identifier: Apache-2.0
#include "scenarios.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <set>
#include <stdexcept>
#include <thread>

#include "dos_scenarios.h"
#include "sim_rng.h"

namespace hush::sim {

namespace {

constexpr SimTime kMs = 1000;
constexpr SimTime kSec = 1000 * kMs;

// ---------------------------------------------------------------------------
// The application side: who is connected to whom, and every payload tagged
// with a unique id ("#<id> ...") so that the sim can tell which payload the
// receiving application got, and how many times.
// ---------------------------------------------------------------------------

class App {
 public:
  explicit App(World& w) : w_(w) {
    w_.on_event = [this](const AppEvent& a) { handle(a); };
  }

  struct Payload {
    int from = -1, to = -1;
    bool confirmed = false;
    uint16_t message = 0;
    bool delivered = false, failed = false;
    int received = 0;
  };

  session::PeerHandle handle_of(int dev, int peer) const {
    auto it = handles_.find({dev, peer});
    return it == handles_.end() ? session::PeerHandle{} : it->second;
  }
  bool connected(int dev, int peer) const { return connected_at_.count({dev, peer}) != 0; }
  bool both_connected(int a, int b) const { return connected(a, b) && connected(b, a); }
  SimTime connected_at(int dev, int peer) const { return connected_at_.at({dev, peer}); }

  Error connect(int client, int server) {
    session::PeerHandle h;
    const Error e = w_.connect(client, server, h);
    if (ok(e)) handles_[{client, server}] = h;
    connect_at_[{client, server}] = w_.now();
    return e;
  }

  /// Queues a tagged payload; retries every 50 ms while the queue is full.
  void send(int from, int to, bool confirmed, const std::string& text) {
    const uint32_t id = next_id_++;
    const std::string body = "#" + std::to_string(id) + " " + text;
    try_send(from, to, confirmed, id, std::vector<uint8_t>(body.begin(), body.end()), 0);
  }

  /// Whether every confirmed payload has an outcome and no send is waiting.
  bool settled() const {
    if (waiting_ > 0) return false;
    for (const auto& [id, p] : payloads_) {
      if (p.confirmed && !p.delivered && !p.failed) return false;
    }
    return true;
  }

  void fill(RecordFigures& r) const {
    for (const auto& [id, p] : payloads_) {
      ++r.sent;
      r.delivered += p.received > 0;
      r.accepted_twice += p.received > 1;
      if (p.confirmed) {
        ++r.confirmed_sent;
        r.confirmed_delivered += p.delivered;
        r.confirmed_received += p.delivered && p.received > 0;
        r.delivery_failed += p.failed;
      }
    }
    r.would_block = would_block_;
  }

  /// Payloads whose sender was told "delivered" although the receiving
  /// application never got them: each one is a session-layer bug.
  std::vector<std::string> acked_not_received() const {
    std::vector<std::string> out;
    for (const auto& [id, p] : payloads_) {
      if (p.confirmed && p.delivered && p.received == 0) {
        out.push_back("payload #" + std::to_string(id) + " from " + w_.device(p.from).name + " (message " +
                      std::to_string(p.message) + ") acknowledged but never received");
      }
    }
    return out;
  }

  int first_data_depth(int server) const {
    auto it = first_data_depth_.find(server);
    return it == first_data_depth_.end() ? -1 : it->second;
  }
  SimTime connect_at(int client, int server) const { return connect_at_.at({client, server}); }
  const std::vector<std::string>& problems() const { return problems_; }
  int failed_handshakes() const { return failed_handshakes_; }
  const std::map<std::string, int>& failure_reasons() const { return failure_reasons_; }
  int closed(int dev) const { return closed_.count(dev) ? closed_.at(dev) : 0; }
  int alerts() const { return alerts_; }

  std::function<void(int dev, int peer, const std::vector<uint8_t>& data)> on_data;
  std::function<void(int dev, int peer)> on_connected;

 private:
  void try_send(int from, int to, bool confirmed, uint32_t id, std::vector<uint8_t> body, int attempt) {
    const session::PeerHandle h = handle_of(from, to);
    uint16_t message = 0;
    const Error e = w_.send(from, h, body, confirmed ? session::kSendConfirmed : session::kSendDefault, message);
    if (e == Error::kBufferTooSmall && attempt < 2000) {
      ++would_block_;
      ++waiting_;
      w_.at(w_.now() + 50 * kMs, [=]() {
        --waiting_;
        try_send(from, to, confirmed, id, body, attempt + 1);
      });
      return;
    }
    if (!ok(e)) {
      problems_.push_back(w_.device(from).name + ": send() failed: " + error_name(e));
      return;
    }
    Payload& p = payloads_[id];
    p.from = from;
    p.to = to;
    p.confirmed = confirmed;
    p.message = message;
    if (confirmed) by_message_[{from, message}] = id;
  }

  void handle(const AppEvent& a) {
    using session::EventType;
    switch (a.ev.type) {
      case EventType::kConnected:
        if (a.peer_device >= 0) {
          handles_[{a.device, a.peer_device}] = a.ev.peer;
          connected_at_.emplace(std::make_pair(a.device, a.peer_device), a.at);
          if (on_connected) on_connected(a.device, a.peer_device);
        }
        break;
      case EventType::kData: {
        first_data_depth_.emplace(a.device, a.depth);
        const std::string s(a.data.begin(), a.data.end());
        uint32_t id = 0;
        if (s.size() > 1 && s[0] == '#') id = static_cast<uint32_t>(std::strtoul(s.c_str() + 1, nullptr, 10));
        auto it = payloads_.find(id);
        if (it == payloads_.end() || it->second.to != a.device) {
          problems_.push_back(w_.device(a.device).name + ": data that nobody sent: \"" + s + "\"");
        } else {
          ++it->second.received;
        }
        if (on_data) on_data(a.device, a.peer_device, a.data);
        break;
      }
      case EventType::kDelivered:
      case EventType::kDeliveryFailed: {
        auto it = by_message_.find({a.device, a.ev.message});
        if (it == by_message_.end()) {
          problems_.push_back(w_.device(a.device).name + ": outcome for an unknown message " +
                              std::to_string(a.ev.message));
          break;
        }
        Payload& p = payloads_.at(it->second);
        (a.ev.type == EventType::kDelivered ? p.delivered : p.failed) = true;
        break;
      }
      case EventType::kHandshakeFailed:
        ++failed_handshakes_;
        ++failure_reasons_[failure_name(a.ev.failure)];
        break;
      case EventType::kClosed: ++closed_[a.device]; break;
      case EventType::kPeerDead: ++failure_reasons_["peer-dead"]; break;
      case EventType::kSecurityAlert:
        ++alerts_;
        problems_.push_back(w_.device(a.device).name + ": security alert: " + error_name(a.ev.error));
        break;
      case EventType::kPaused:
      case EventType::kResumed:
      case EventType::kRekeyed: break;
      case EventType::kDiscovered: break;  // the discovery scenario watches these itself
    }
  }

  World& w_;
  uint32_t next_id_ = 1;
  int waiting_ = 0;
  uint64_t would_block_ = 0;
  std::map<uint32_t, Payload> payloads_;
  std::map<std::pair<int, uint16_t>, uint32_t> by_message_;
  std::map<std::pair<int, int>, session::PeerHandle> handles_;
  std::map<std::pair<int, int>, SimTime> connected_at_, connect_at_;
  std::map<int, int> first_data_depth_;
  std::map<int, int> closed_;
  std::vector<std::string> problems_;
  int failed_handshakes_ = 0;
  std::map<std::string, int> failure_reasons_;
  int alerts_ = 0;
};

std::string reading(const char* what, int i) {
  char buf[40];
  std::snprintf(buf, sizeof(buf), "%s=%.1f", what, 20.0 + 0.25 * i);
  return buf;
}

}  // namespace

WorldConfig world_config(const Options& o, double default_loss, uint64_t seed) {
  WorldConfig c;
  const RadioProfile* p = find_radio_profile(o.profile);
  if (!p) throw std::invalid_argument("unknown radio profile '" + o.profile + "'");
  c.radio.profile = *p;
  c.radio.seed = seed;
  c.radio.loss = o.loss.value_or(default_loss);
  c.radio.burst = o.burst;
  c.radio.duplicate = o.duplicate;
  c.radio.reorder = o.reorder;
  c.radio.collisions = o.collisions;
  c.radio.mtu = static_cast<size_t>(o.mtu);
  c.method = o.method;
  c.suite = static_cast<uint8_t>(o.suite);
  c.mtu = static_cast<uint16_t>(o.mtu);
  c.pk_cost_us = static_cast<SimTime>(o.pk_ms * 1000.0);
  c.timeline = o.timeline;
  return c;
}

namespace {

// The figures every scenario reports, from the world and the app.
void collect(const World& w, const App& app, Report& r) {
  app.fill(r.records);
  collect_world(w, r);
  r.problems.insert(r.problems.end(), app.problems().begin(), app.problems().end());
  for (const std::string& p : app.acked_not_received()) r.problems.push_back(p);
}

}  // namespace

void collect_world(const World& w, Report& r) {
  const Radio& radio = w.radio();
  r.radio = radio.stats();
  r.mean_loss = radio.config().burst.mean_loss(radio.config().loss);
  r.profile_description = radio.config().profile.description;
  for (size_t i = 0; i < w.devices(); ++i) {
    const Device& d = w.device(static_cast<int>(i));
    DeviceFigures f;
    f.name = d.name;
    const NodeStats& ns = radio.node_stats(d.node);
    f.tx_uj = ns.tx_uj;
    f.rx_uj = ns.rx_uj;
    f.energy_uj = ns.energy_uj();
    f.frames_tx = ns.frames_tx;
    f.bytes_tx = ns.bytes_tx;
    f.frames_rx = ns.frames_rx;
    f.bytes_rx = ns.bytes_rx;
    const session::Counters& c = d.ep->counters();
    f.retransmissions = c.retransmissions;
    f.pk_operations = c.pk_operations;
    f.drops = c.drops;
    for (const auto& [name, n] : drop_fields(c.drops)) r.drops[name] += n;
    r.retransmissions += c.retransmissions;
    r.retransmitted_frames += d.retransmitted_frames;
    r.handshake.frames += d.edhoc_frames;
    r.handshake.bytes_on_air += d.edhoc_bytes;
    r.fragmented = r.fragmented || d.edhoc_fragments > 0;
    r.records.overhead_bytes = std::max<uint64_t>(r.records.overhead_bytes, d.data_record_overhead);
    r.devices.push_back(f);
  }
  r.largest_frame = w.largest_frame();
  r.sim_ms = static_cast<double>(w.now()) / 1000.0;
  r.timeline = w.timeline();
  r.timeline_truncated = w.timeline_truncated();
  r.anomalies = w.anomalies();
  r.deterministic_crypto = crypto_rng_seeded();
}

namespace {

// The record checks every scenario with traffic shares; sets ok.
void finish(Report& r) {
  if (r.records.confirmed_delivered != r.records.confirmed_sent) r.problems.push_back("a confirmed send failed");
  if (r.records.confirmed_received != r.records.confirmed_delivered) {
    r.problems.push_back("a confirmed send was reported delivered but the receiver never got it");
  }
  if (r.records.accepted_twice > 0) r.problems.push_back("a payload was accepted twice");
  r.ok = r.problems.empty();
}

// ---------------------------------------------------------------------------

// One client and one server: connect, a first reading queued at once (it
// rides with message_3), more readings, replies, then close.
Report run_pair(const Options& o, const std::string& name, double default_loss, int readings, bool both_ways) {
  Report r;
  r.scenario = name;
  r.options = o;
  seed_crypto_rng(o.seed);
  World w(world_config(o, default_loss, o.seed));
  const int client = w.add_device("client", 0x2B, true, false);
  const int server = w.add_device("server", 0x32, false, true);
  App app(w);
  SimTime both_at = 0;
  double hs_depth = 0;
  app.on_connected = [&](int, int) {
    if (app.both_connected(client, server) && both_at == 0) {
      both_at = w.now();
      hs_depth = w.edhoc_depth(client, server);
    }
  };
  int replies = 0;
  app.on_data = [&](int dev, int peer, const std::vector<uint8_t>&) {
    // The server answers some readings with one of its own, unconfirmed.
    if (dev == server && !both_ways && replies < readings / 2) {
      ++replies;
      app.send(server, peer, false, reading("setpoint", replies));
    }
  };

  if (!ok(app.connect(client, server))) r.problems.push_back("connect() failed");
  // Queued before the handshake has sent anything: it rides with message_3.
  app.send(client, server, true, reading("temp", 0));
  const SimTime gap = both_ways ? 400 * kMs : 2 * kSec;
  for (int i = 1; i < readings; ++i) {
    w.at(static_cast<SimTime>(i) * gap, [&, i]() {
      if (app.connected(client, server)) app.send(client, server, i % 2 == 0, reading("temp", i));
    });
    if (both_ways && i % 2 == 0) {
      w.at(static_cast<SimTime>(i) * gap + 150 * kMs, [&, i]() {
        if (app.connected(server, client)) app.send(server, client, i % 4 == 0, reading("setpoint", i));
      });
    }
  }
  const SimTime last_send = static_cast<SimTime>(readings) * gap;
  w.at(last_send, [] {});  // so that the clock reaches it even when the air is quiet
  const SimTime cap = last_send + 180 * kSec;
  w.run(cap, [&]() { return app.failed_handshakes() > 0 || (w.now() >= last_send && both_at != 0 && app.settled()); });
  bool closed = false;
  if (both_at != 0) {
    app.send(client, server, false, "bye");  // unconfirmed, may be lost
    w.run(w.now() + 50 * kMs, [] { return false; });
    if (!ok(w.close(client, app.handle_of(client, server)))) r.problems.push_back("close() failed");
    w.run(w.now() + 120 * kSec, [&]() { return app.closed(client) > 0 && app.closed(server) > 0; });
    closed = app.closed(client) > 0 && app.closed(server) > 0;
  }

  collect(w, app, r);
  r.clients = 1;
  r.clients_connected = both_at != 0;
  if (both_at != 0) {
    r.handshake.ms_to_connect = static_cast<double>(both_at - app.connect_at(client, server)) / 1000.0;
    r.handshake.round_trips = hs_depth / 2.0;
  }
  const int d = app.first_data_depth(server);
  if (d > 0) r.first_data_round_trips = d / 2.0;
  if (both_at == 0) r.problems.push_back("handshake did not complete");
  if (!closed && both_at != 0) r.problems.push_back("close did not complete on both sides");
  finish(r);
  return r;
}

// One server, N clients that all connect at t = 0 with a first reading.
Report run_many(const Options& o) {
  Report r;
  r.scenario = "many";
  r.options = o;
  seed_crypto_rng(o.seed);
  World w(world_config(o, 0.05, o.seed));
  const int server = w.add_device("server", 0x01, false, true);
  std::vector<int> clients;
  for (int i = 0; i < o.clients; ++i) {
    clients.push_back(w.add_device("client" + std::to_string(i + 1), static_cast<uint8_t>(0x10 + i), true, false));
  }
  App app(w);
  std::map<int, SimTime> done_at;
  double hs_depth = 0;
  app.on_connected = [&](int a, int b) {
    const int c = a == server ? b : a;
    if (app.both_connected(c, server) && !done_at.count(c)) {
      done_at[c] = w.now();
      hs_depth = std::max(hs_depth, static_cast<double>(w.edhoc_depth(c, server)));
    }
  };
  app.on_data = [&](int dev, int peer, const std::vector<uint8_t>&) {
    if (dev == server) app.send(server, peer, false, "ok");
  };
  for (int c : clients) {
    if (!ok(app.connect(c, server))) r.problems.push_back(w.device(c).name + ": connect() failed");
    app.send(c, server, true, reading("temp", c));
  }
  w.run(300 * kSec,
        [&]() { return static_cast<int>(done_at.size()) + app.failed_handshakes() >= o.clients && app.settled(); });
  collect(w, app, r);
  r.clients = o.clients;
  r.clients_connected = static_cast<int>(done_at.size());
  SimTime last = 0;
  for (const auto& [c, t] : done_at) last = std::max(last, t);
  if (!done_at.empty()) r.handshake.ms_to_connect = static_cast<double>(last) / 1000.0;
  r.handshake.round_trips = hs_depth / 2.0;
  const int d = app.first_data_depth(server);  // the server's first data event
  if (d > 0) r.first_data_round_trips = d / 2.0;
  if (r.clients_connected != o.clients) {
    r.problems.push_back(std::to_string(o.clients - r.clients_connected) + " of " + std::to_string(o.clients) +
                         " clients did not connect");
  }
  finish(r);
  return r;
}

// Keeps one anomaly per kind (the text before "; first at").
void add_anomaly(std::vector<std::string>& list, const std::string& what) {
  const std::string kind = what.substr(0, what.find("; first at"));
  for (const std::string& a : list) {
    if (a.compare(0, kind.size(), kind) == 0) return;
  }
  list.push_back(what);
}

// One row of the loss sweep: o.seeds handshakes at this loss. With `sample`,
// the first run's figures go there.
SweepRow sweep_row(const Options& o, double loss, size_t row, Report* sample, std::vector<std::string>& anomalies) {
  Options one = o;
  one.timeline = false;
  one.loss = loss;
  SweepRow s;
  s.loss = loss;
  std::vector<double> times;
  double frames = 0, energy = 0;
  for (int k = 0; k < o.seeds; ++k) {
    const uint64_t seed = (o.seed + static_cast<uint64_t>(k)) * 1000003u + row;
    seed_crypto_rng(seed);
    World w(world_config(one, 0, seed));
    const int client = w.add_device("client", 0x2B, true, false);
    const int server = w.add_device("server", 0x32, false, true);
    App app(w);
    if (!ok(app.connect(client, server))) throw std::runtime_error("connect() failed");
    app.send(client, server, false, reading("temp", 0));
    // The default retry budget ends well within 5 minutes of simulated time.
    w.run(300 * kSec, [&]() { return app.failed_handshakes() > 0 || app.both_connected(client, server); });
    ++s.seeds;
    const Radio& radio = w.radio();
    frames += static_cast<double>(radio.stats().transmissions);
    for (size_t i = 0; i < w.devices(); ++i) energy += radio.node_stats(w.device(static_cast<int>(i)).node).energy_uj();
    if (app.both_connected(client, server)) {
      ++s.successes;
      times.push_back(
          static_cast<double>(std::max(app.connected_at(client, server), app.connected_at(server, client))) / 1000.0);
    } else if (app.failed_handshakes() > 0) {
      for (const auto& [why, n] : app.failure_reasons()) s.failures[why] += n;
    } else {
      ++s.failures["unfinished after 300 s"];
    }
    for (const std::string& a : w.anomalies()) add_anomaly(anomalies, a);
    if (sample && k == 0) {
      collect(w, app, *sample);
      sample->handshake.round_trips = w.edhoc_depth(client, server) / 2.0;
      sample->handshake.ms_to_connect = times.empty() ? -1 : times.back();
      const int d = app.first_data_depth(server);
      if (d > 0) sample->first_data_round_trips = d / 2.0;
      sample->clients = 1;
      sample->clients_connected = app.both_connected(client, server);
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

// Handshake success and time to connect against loss, over many seeds. Rows
// run on up to o.jobs threads; each run seeds its own (thread-local) crypto
// randomness, so the result does not depend on the number of threads.
Report run_sweep(const Options& o) {
  Report r;
  r.scenario = "loss-sweep";
  r.options = o;
  std::vector<double> losses;
  if (o.loss) {
    losses.push_back(*o.loss);
  } else {
    const int steps = static_cast<int>(std::lround(0.5 / o.sweep_step));
    for (int i = 0; i <= steps; ++i) losses.push_back(std::round(i * o.sweep_step * 1000.0) / 1000.0);
  }
  std::vector<SweepRow> rows(losses.size());
  std::vector<std::vector<std::string>> anomalies(losses.size());
  std::vector<std::string> errors(losses.size());
  std::atomic<size_t> next{0};
  auto worker = [&]() {
    for (size_t row = next++; row < losses.size(); row = next++) {
      try {
        rows[row] = sweep_row(o, losses[row], row, row == 0 ? &r : nullptr, anomalies[row]);
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
  r.loss_sweep = rows;
  r.anomalies.clear();
  for (const auto& list : anomalies) {
    for (const std::string& a : list) add_anomaly(r.anomalies, a);
  }
  r.timeline.clear();
  if (!r.loss_sweep.empty() && r.loss_sweep.front().loss == 0 && r.loss_sweep.front().success_rate < 1.0) {
    r.problems.push_back("handshakes failed without loss");
  }
  r.ok = r.problems.empty();
  return r;
}

}  // namespace

const std::vector<std::string>& scenario_names() {
  static const std::vector<std::string> kNames = {"demo", "connect",   "traffic", "loss-sweep",
                                                  "many", "discovery", "flood"};
  return kNames;
}

Report run_scenario(const Options& o) {
  if (o.method < 0 || o.method > 3) throw std::invalid_argument("--method must be 0..3");
  if (o.suite < 0 || o.suite > 3) throw std::invalid_argument("--suite must be 0..3");
  if (o.mtu < static_cast<int>(wire::kMinMtu) || o.mtu > static_cast<int>(session::kMaxFrame)) {
    throw std::invalid_argument("--mtu must be " + std::to_string(wire::kMinMtu) + ".." +
                                std::to_string(session::kMaxFrame) + " (HUSH_SESSION_MAX_FRAME)");
  }
  if (o.loss && (*o.loss < 0 || *o.loss > 1)) throw std::invalid_argument("--loss must be 0..1");
  if (o.seeds < 1) throw std::invalid_argument("--seeds must be at least 1");
  if (o.clients < 1 || o.clients > 200) throw std::invalid_argument("--clients must be 1..200");
  const auto t0 = std::chrono::steady_clock::now();
  Report r;
  if (o.scenario == "demo") {
    r = run_pair(o, "demo", 0.1, o.readings ? o.readings : 4, false);
  } else if (o.scenario == "connect") {
    r = run_pair(o, "connect", 0.0, o.readings ? o.readings : 2, false);
  } else if (o.scenario == "traffic") {
    r = run_pair(o, "traffic", 0.1, o.readings ? o.readings : 24, true);
  } else if (o.scenario == "many") {
    r = run_many(o);
  } else if (o.scenario == "loss-sweep") {
    r = run_sweep(o);
  } else if (o.scenario == "discovery") {
    r = run_discovery(o);
  } else if (o.scenario == "flood") {
    r = run_flood(o);
  } else {
    throw std::invalid_argument("unknown scenario '" + o.scenario + "'");
  }
  r.cpu_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
  return r;
}

}  // namespace hush::sim
