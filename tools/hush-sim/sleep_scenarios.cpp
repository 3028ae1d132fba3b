// SPDX-License-Identifier: Apache-2.0
#include "sleep_scenarios.h"

#include <map>
#include <set>
#include <stdexcept>
#include <utility>
#include <vector>

#include "dtls_scenarios.h"
#include "hush/record.h"
#include "sim_rng.h"
#include "world.h"

namespace hush::sim {

namespace {

using nlohmann::json;
using session::EventType;
using session::PeerHandle;

constexpr SimTime kMs = 1000;
constexpr SimTime kSec = 1000 * kMs;

WorldConfig world_config(const Options& o, double default_loss, int method) {
  WorldConfig c;
  const RadioProfile* p = find_radio_profile(o.profile);
  if (!p) throw std::invalid_argument("unknown radio profile '" + o.profile + "'");
  c.radio.profile = *p;
  c.radio.seed = o.seed;
  c.radio.loss = o.loss.value_or(default_loss);
  c.radio.burst = o.burst;
  c.radio.duplicate = o.duplicate;
  c.radio.reorder = o.reorder;
  c.radio.collisions = o.collisions;
  c.radio.mtu = static_cast<size_t>(o.mtu);
  c.method = method;
  c.suite = static_cast<uint8_t>(o.suite);
  c.mtu = static_cast<uint16_t>(o.mtu);
  c.timeline = false;
  return c;
}

// The application of both devices: handles, and every payload numbered
// (4 bytes of id, padded to 8) so that deliveries are counted exactly.
struct Tally {
  PeerHandle handle[2];
  std::map<uint32_t, int> received;  // id -> times the receiving application got it
  uint32_t next_id = 1;
  uint32_t sent = 0, delivered = 0, failed = 0, alerts = 0, rekeyed[2] = {0, 0};
  // Confirmed sends by (device, message handle), so that an application that
  // resends what failed (resend_failed) sends the same payload again.
  std::map<std::pair<int, uint16_t>, uint32_t> by_message;
  std::set<uint32_t> sent_ids;
  bool resend_failed = false;
  uint32_t resent = 0;

  explicit Tally(World& w) {
    w.on_event = [this, &w](const AppEvent& a) {
      const int d = a.device;
      switch (a.ev.type) {
        case EventType::kConnected: handle[d] = a.ev.peer; break;
        case EventType::kData:
          if (a.data.size() == 8) {
            const uint32_t id = static_cast<uint32_t>(a.data[0]) | static_cast<uint32_t>(a.data[1]) << 8 |
                                static_cast<uint32_t>(a.data[2]) << 16 | static_cast<uint32_t>(a.data[3]) << 24;
            ++received[id];
          }
          break;
        case EventType::kDelivered: ++delivered; break;
        case EventType::kDeliveryFailed: {
          ++failed;
          const auto it = by_message.find({d, a.ev.message});
          if (resend_failed && it != by_message.end()) {
            const uint32_t id = it->second;
            ++resent;
            w.at(w.now() + 1000 * kMs, [this, &w, d, id] { try_send(w, d, true, id); });
          }
          break;
        }
        case EventType::kSecurityAlert: ++alerts; break;
        case EventType::kRekeyed: ++rekeyed[d]; break;
        default: break;
      }
    };
  }
  static std::vector<uint8_t> reading(uint32_t id) {
    return {static_cast<uint8_t>(id),
            static_cast<uint8_t>(id >> 8),
            static_cast<uint8_t>(id >> 16),
            static_cast<uint8_t>(id >> 24),
            0x72,
            0x65,
            0x61,
            0x64};
  }
  // Sends one reading; retries every 50 ms while the transmit queue is full.
  void send(World& w, int dev, bool confirmed) { try_send(w, dev, confirmed, next_id++); }
  void try_send(World& w, int dev, bool confirmed, uint32_t id) {
    uint16_t m = 0;
    const Error e = w.send(dev, handle[dev], reading(id), confirmed ? session::kSendConfirmed : 0, m);
    if (e == Error::kBufferTooSmall) {
      w.at(w.now() + 50 * kMs, [this, &w, dev, confirmed, id] { try_send(w, dev, confirmed, id); });
      return;
    }
    if (!ok(e)) return;
    if (sent_ids.insert(id).second) ++sent;
    if (confirmed) by_message[{dev, m}] = id;
  }
  uint32_t distinct() const { return static_cast<uint32_t>(received.size()); }
  uint32_t twice() const {
    uint32_t n = 0;
    for (const auto& [id, k] : received) n += k > 1 ? 1 : 0;
    return n;
  }
};

// What a device's application keeps in flash: the blob and the sequence
// high-water mark (SleepStore::reserve).
struct Flash {
  uint64_t mark = 0;
  uint32_t writes = 0;
  std::vector<uint8_t> blob;
  static bool reserve(void* user, uint64_t until) noexcept {
    auto& f = *static_cast<Flash*>(user);
    f.mark = until;
    ++f.writes;
    return true;
  }
};

const uint8_t kDeviceKey[16] = {0x68, 0x75, 0x73, 0x68, 0x2d, 0x73, 0x69, 0x6d,
                                0x2d, 0x64, 0x65, 0x76, 0x69, 0x63, 0x65, 0x31};

session::SleepStore store_of(Flash& f) {
  session::SleepStore s;
  s.key = ConstByteSpan(kDeviceKey);
  s.reserve = &Flash::reserve;
  s.user = &f;
  s.stored_sequence = f.mark;
  return s;
}

Error export_to(World& w, int dev, PeerHandle h, Flash& f) {
  f.blob.assign(session::kSessionBlobLen, 0);
  size_t len = 0;
  const Error e = w.call(dev, [&](session::Endpoint& ep, uint32_t now) {
    return ep.export_session(h, store_of(f), ByteSpan(f.blob.data(), f.blob.size()), len, now);
  });
  f.blob.resize(len);
  return e;
}

Error import_from(World& w, int dev, Flash& f, PeerHandle& h) {
  return w.call(dev, [&](session::Endpoint& ep, uint32_t now) {
    return ep.import_session(ConstByteSpan(f.blob.data(), f.blob.size()), store_of(f), h, now);
  });
}

json device_json(const World& w, int i) {
  const NodeStats& n = w.radio().node_stats(w.device(i).node);
  return {{"name", w.device(i).name}, {"frames_tx", n.frames_tx}, {"bytes_tx", n.bytes_tx},
          {"frames_rx", n.frames_rx}, {"bytes_rx", n.bytes_rx},   {"energy_uj", n.energy_uj()}};
}

double energy(const World& w) {
  double e = 0;
  for (size_t i = 0; i < w.devices(); ++i) e += w.radio().node_stats(w.device(static_cast<int>(i)).node).energy_uj();
  return e;
}

bool connect(World& w, Tally& t, std::vector<std::string>& problems) {
  if (!ok(w.connect(0, 1, t.handle[0]))) problems.push_back("connect() refused");
  w.run(w.now() + 120 * kSec, [&] { return t.handle[1].valid(); });
  w.run(w.now() + 2 * kSec, [] { return false; });
  if (!t.handle[1].valid()) problems.push_back("handshake did not complete");
  return t.handle[1].valid();
}

// --- sleepy ----------------------------------------------------------------------

// The hush half of the sleepy exchange with one EDHOC method.
struct SleepyRun {
  std::vector<std::string> problems;
  double energy = 0;
  uint64_t frames = 0, bytes = 0, frames_in_pause = 0;
  uint32_t delivered = 0;
  size_t blob_bytes = 0;
  json devices;
};

SleepyRun run_sleepy_hush(const Options& o, int method) {
  seed_crypto_rng(o.seed);  // timer jitter repeats per seed, as in the other scenarios
  World w(world_config(o, 0.0, method));
  w.add_device("client", 0x10, true, false);
  w.add_device("server", 0x20, false, true);
  Tally t(w);
  SleepyRun r;
  std::vector<std::string>& problems = r.problems;
  const int readings = o.readings ? o.readings : 10;
  Flash flash;
  bool slept = false;
  if (connect(w, t, problems)) {
    for (int i = 0; i < readings; ++i) {
      w.at(w.now() + static_cast<SimTime>(i) * 2 * kSec, [&] { t.send(w, 0, false); });
    }
    w.run(w.now() + static_cast<SimTime>(readings) * 2 * kSec + 10 * kSec,
          [&] { return t.distinct() >= static_cast<uint32_t>(readings); });
    // Deep sleep: the server's session pauses (no keepalive, no liveness
    // verdict); the client exports its session and loses its RAM.
    if (!ok(w.call(1, [&](session::Endpoint& ep, uint32_t now) { return ep.pause(t.handle[1], now); }))) {
      problems.push_back("server pause() refused");
    }
    if (!ok(export_to(w, 0, t.handle[0], flash))) problems.push_back("export_session() refused");
    w.reboot(0);
    const uint64_t before = w.radio().stats().transmissions;
    const SimTime wake = w.now() + 3600 * kSec;
    w.run(wake - 1, [] { return false; });
    r.frames_in_pause = w.radio().stats().transmissions - before;
    w.at(wake, [&] {
      if (!ok(import_from(w, 0, flash, t.handle[0]))) problems.push_back("import_session() refused");
      if (!ok(w.call(0, [&](session::Endpoint& ep, uint32_t now) { return ep.resume(t.handle[0], now); }))) {
        problems.push_back("resume() refused");
      }
      slept = true;
    });
    for (int i = 0; i < readings; ++i) {
      w.at(wake + static_cast<SimTime>(i) * 2 * kSec, [&] { t.send(w, 0, false); });
    }
    w.run(wake + static_cast<SimTime>(readings) * 2 * kSec + 30 * kSec,
          [&] { return t.distinct() >= 2u * static_cast<uint32_t>(readings); });
  }
  if (!slept) problems.push_back("never woke");
  if (r.frames_in_pause != 0) problems.push_back("frames were sent during the pause");
  if (t.distinct() != 2u * static_cast<uint32_t>(readings)) problems.push_back("a reading did not arrive");
  if (t.twice() != 0) problems.push_back("a reading arrived twice");
  r.energy = energy(w);
  for (int i = 0; i < 2; ++i) {
    r.frames += w.radio().node_stats(w.device(i).node).frames_tx;
    r.bytes += w.radio().node_stats(w.device(i).node).bytes_tx;
  }
  r.delivered = t.distinct();
  r.blob_bytes = flash.blob.size();
  r.devices = {device_json(w, 0), device_json(w, 1)};
  return r;
}

json run_sleepy(const Options& o) {
  // hush as configured (method 3, static-DH keys by kid, unless --method),
  // and with signatures (method 0), the closest to request 1's ECDSA.
  const SleepyRun h = run_sleepy_hush(o, o.method);
  const SleepyRun h0 = o.method == 0 ? h : run_sleepy_hush(o, 0);
  std::vector<std::string> problems = h.problems;
  for (const std::string& p : h0.problems) problems.push_back("method 0: " + p);
  const int readings = o.readings ? o.readings : 10;

  // DTLS 1.2 with request 1's suite, the same exchange and radio model. mbed
  // TLS never fragments a ClientHello: at hush's MTU it refuses, so DTLS runs
  // at the smallest MTU it accepts, and the report says so.
  Options b = o;
  b.scenario = "sleepy";
  b.timeline = false;
  DtlsReport d = run_dtls_scenario(b, DtlsSuite::kEcdsa);
  int dtls_mtu = b.mtu;
  std::string raised;
  for (const int mtu : {160, 192, 224, 255, 320, 512, 1024}) {
    if (!d.refused) break;
    if (mtu <= b.mtu) continue;
    raised = d.refused_reason;
    Options m = b;
    m.mtu = mtu;
    d = run_dtls_scenario(m, DtlsSuite::kEcdsa);
    dtls_mtu = mtu;
  }
  double dtls_energy = 0;
  uint64_t dtls_frames = 0, dtls_bytes = 0;
  json dtls_devices = json::array();
  for (const DeviceFigures& f : d.r.devices) {
    dtls_energy += f.energy_uj;
    dtls_frames += f.frames_tx;
    dtls_bytes += f.bytes_tx;
    dtls_devices.push_back({{"name", f.name},
                            {"frames_tx", f.frames_tx},
                            {"bytes_tx", f.bytes_tx},
                            {"frames_rx", f.frames_rx},
                            {"bytes_rx", f.bytes_rx},
                            {"energy_uj", f.energy_uj}});
  }
  if (!d.r.ok)
    problems.push_back("the DTLS run failed: " + (d.r.problems.empty() ? d.refused_reason : d.r.problems[0]));
  const bool ok_all = problems.empty();
  const auto ratio = [&](const SleepyRun& r) {
    return dtls_energy > 0 && d.r.ok && r.problems.empty() ? json(r.energy / dtls_energy) : json(nullptr);
  };
  return {{"scenario", "sleepy"},
          {"ok", ok_all},
          {"problems", problems},
          {"seed", o.seed},
          {"loss", o.loss.value_or(0.0)},
          {"profile", o.profile},
          {"readings_each_side_of_the_pause", readings},
          {"reading_bytes", 8},
          {"pause_s", 3600},
          {"hush",
           {{"method", o.method},
            {"suite", o.suite},
            {"mtu", o.mtu},
            {"frames", h.frames},
            {"bytes", h.bytes},
            {"energy_uj", h.energy},
            {"frames_during_pause", h.frames_in_pause},
            {"readings_delivered", h.delivered},
            {"session_blob_bytes", h.blob_bytes},
            {"devices", h.devices}}},
          {"hush_method_0",
           {{"frames", h0.frames},
            {"bytes", h0.bytes},
            {"energy_uj", h0.energy},
            {"frames_during_pause", h0.frames_in_pause},
            {"readings_delivered", h0.delivered},
            {"energy_ratio_vs_dtls12_ecdsa", ratio(h0)}}},
          {"dtls12_ecdsa",
           {{"ciphersuite", dtls_ciphersuite_name(DtlsSuite::kEcdsa)},
            {"mtu", dtls_mtu},
            {"mtu_raised_from", raised.empty() ? json(nullptr) : json(o.mtu)},
            {"mtu_raised_reason", raised.empty() ? json(nullptr) : json(raised)},
            {"ok", d.r.ok},
            {"resumed", d.resumed},
            {"resumption_frames", d.resumption.frames},
            {"resumption_bytes", d.resumption.bytes_on_air},
            {"saved_session_bytes", d.saved_session_bytes},
            {"readings_delivered", d.r.records.delivered},
            {"frames", dtls_frames},
            {"bytes", dtls_bytes},
            {"energy_uj", dtls_energy},
            {"devices", dtls_devices}}},
          {"energy_ratio_vs_dtls12_ecdsa", ratio(h)}};
}

// --- rekey -----------------------------------------------------------------------

json run_rekey(const Options& o) {
  seed_crypto_rng(o.seed);  // timer jitter repeats per seed, as in the other scenarios
  WorldConfig c = world_config(o, 0.03, o.method);
  // A record limit of 128 per key (no near threshold: hush starts the rekey
  // early enough on its own), so that a few minutes of readings rekey often.
  c.settings_hook = [](session::Settings& s) {
    s.limits.max_encryptions = 128;
    s.limits.near_encryptions = 128;
    s.limits.max_failed_decryptions = 1u << 14;
    s.limits.near_failed_decryptions = (1u << 14) - (1u << 11);
  };
  World w(c);
  w.add_device("client", 0x10, true, false);
  w.add_device("server", 0x20, false, true);
  Tally t(w);
  std::vector<std::string> problems;
  const int n = o.readings ? o.readings : 150;
  if (connect(w, t, problems)) {
    // A confirmed reading each way every 2 s (the server's offset by 0.7 s).
    const SimTime start = w.now();
    for (int i = 0; i < n; ++i) {
      w.at(start + static_cast<SimTime>(i) * 2 * kSec, [&] { t.send(w, 0, true); });
      w.at(start + static_cast<SimTime>(i) * 2 * kSec + 700 * kMs, [&] { t.send(w, 1, true); });
    }
    w.run(start + static_cast<SimTime>(n) * 2 * kSec + 600 * kSec,
          [&] { return t.sent == 2u * static_cast<uint32_t>(n) && t.delivered + t.failed == t.sent; });
  }
  const uint32_t lost = t.sent - t.distinct();
  const session::Counters& cc = w.device(0).ep->counters();
  const session::Counters& sc = w.device(1).ep->counters();
  if (lost != 0) problems.push_back("payloads lost");
  if (t.twice() != 0) problems.push_back("a payload arrived twice");
  if (t.failed != 0) problems.push_back("kDeliveryFailed");
  if (t.alerts != 0) problems.push_back("security alerts");
  if (cc.rekeys == 0 || sc.rekeys == 0) problems.push_back("no rekey");
  if (t.sent != 2u * static_cast<uint32_t>(n)) problems.push_back("not every payload was sent");
  return {{"scenario", "rekey"},
          {"ok", problems.empty()},
          {"problems", problems},
          {"seed", o.seed},
          {"loss", w.radio().config().loss},
          {"record_limit", 128},
          {"payloads_sent", t.sent},
          {"payloads_delivered", t.distinct()},
          {"records_lost", lost},
          {"delivered_twice", t.twice()},
          {"delivery_failed", t.failed},
          {"rekeys", {{"client", cc.rekeys}, {"server", sc.rekeys}}},
          {"dual_key_ms", {{"client", cc.dual_key_ms}, {"server", sc.dual_key_ms}}},
          {"retransmissions", cc.retransmissions + sc.retransmissions},
          {"sim_s", static_cast<double>(w.now()) / 1e6},
          {"devices", {device_json(w, 0), device_json(w, 1)}}};
}

// --- deep-sleep ------------------------------------------------------------------

json run_deep_sleep(const Options& o) {
  seed_crypto_rng(o.seed);  // timer jitter repeats per seed, as in the other scenarios
  World w(world_config(o, o.loss.value_or(0.02), o.method));
  w.add_device("client", 0x10, true, false);
  w.add_device("server", 0x20, false, true);
  Tally t(w);
  std::vector<std::string> problems;
  // Every (key, nonce) pair sealed, from the frames on the air: the key is
  // named by the sender's first nonce (common IV and sender id, new with
  // each EDHOC run), the nonce computed from the header's sequence number.
  std::map<std::pair<std::vector<uint8_t>, std::vector<uint8_t>>, std::vector<uint8_t>> sealed;
  std::map<std::pair<int, bool>, std::vector<uint8_t>> key_of_phase;
  uint64_t records = 0, reuses = 0, identical_resends = 0;
  w.on_transmit = [&](int dev, const std::vector<uint8_t>& frame) {
    record::RecordHeader hdr;
    if (!ok(record::parse_header(ConstByteSpan(frame.data(), frame.size()), hdr))) return;
    const record::SecurityContext* ctx = w.device(dev).ep->context(t.handle[dev]);
    if (ctx == nullptr) return;
    uint8_t first[record::kNonceLen], nonce[record::kNonceLen];
    if (ctx->key_phase() == hdr.key_phase && ok(ctx->sender_nonce(0, first))) {
      key_of_phase[{dev, hdr.key_phase}] = std::vector<uint8_t>(first, first + sizeof(first));
    }
    auto k = key_of_phase.find({dev, hdr.key_phase});
    if (k == key_of_phase.end() || ctx->key_phase() != hdr.key_phase || !ok(ctx->sender_nonce(hdr.seq, nonce))) {
      return;  // (no rekey in this scenario: every record is sealed with the current keys)
    }
    ++records;
    auto [it, fresh] = sealed.try_emplace({k->second, std::vector<uint8_t>(nonce, nonce + sizeof(nonce))}, frame);
    if (!fresh) {
      if (it->second == frame) {
        ++identical_resends;  // a confirmed record resent byte for byte
      } else {
        ++reuses;
      }
    }
  };
  const int cycles = o.readings ? o.readings : 100;
  const int twice_at = cycles / 2;
  // A blob restored a second time cannot tell the peer's records sealed
  // before its freshness proof from replays of its first life: they are
  // refused, and their sender gets kDeliveryFailed (never a false
  // kDelivered). The application resends them, as a real one would.
  t.resend_failed = true;
  Flash flash;
  int restored = 0, same_blob_twice = 0;
  if (connect(w, t, problems)) {
    for (int cycle = 0; cycle < cycles && problems.empty(); ++cycle) {
      // Traffic: two confirmed readings up, one down, until acknowledged.
      const uint32_t target = t.delivered + t.failed + 3;
      t.send(w, 0, true);
      t.send(w, 0, true);
      t.send(w, 1, true);
      w.run(w.now() + 120 * kSec, [&] { return t.delivered + t.failed >= target; });
      w.run(w.now() + 1 * kSec, [] { return false; });
      if (!ok(export_to(w, 0, t.handle[0], flash))) {
        problems.push_back("export_session() refused in cycle " + std::to_string(cycle));
        break;
      }
      const int lives = cycle == twice_at ? 2 : 1;
      for (int life = 0; life < lives; ++life) {
        w.reboot(0);
        w.run(w.now() + 30 * kSec, [] { return false; });  // asleep
        if (!ok(import_from(w, 0, flash, t.handle[0]))) {
          problems.push_back("import_session() refused in cycle " + std::to_string(cycle));
          break;
        }
        ++restored;
        if (!ok(w.call(0, [&](session::Endpoint& ep, uint32_t now) { return ep.resume(t.handle[0], now); }))) {
          problems.push_back("resume() refused");
        }
        if (life == 1) {
          // The same blob a second time (power lost before the next
          // export): its first life sealed records that this one must not repeat.
          ++same_blob_twice;
          const uint32_t target2 = t.delivered + t.failed + 2;
          t.send(w, 0, true);
          t.send(w, 1, true);
          w.run(w.now() + 120 * kSec, [&] { return t.delivered + t.failed >= target2; });
        } else if (lives == 2) {
          const uint32_t target1 = t.delivered + t.failed + 1;
          t.send(w, 0, true);
          w.run(w.now() + 120 * kSec, [&] { return t.delivered + t.failed >= target1; });
        }
      }
    }
    w.run(w.now() + 5 * kSec, [] { return false; });
  }
  if (reuses != 0) problems.push_back("a (key, nonce) pair sealed two different records");
  if (t.distinct() != t.sent) problems.push_back("payloads lost");
  if (t.twice() != 0) problems.push_back("a payload arrived twice");
  if (same_blob_twice == 0) problems.push_back("no blob was restored twice");
  return {{"scenario", "deep-sleep"},
          {"ok", problems.empty()},
          {"problems", problems},
          {"seed", o.seed},
          {"loss", w.radio().config().loss},
          {"cycles", cycles},
          {"imports", restored},
          {"same_blob_restored_twice", same_blob_twice},
          {"records_sealed", records},
          {"distinct_key_nonce_pairs", sealed.size()},
          {"identical_resends", identical_resends},
          {"nonce_reuses", reuses},
          {"payloads_sent", t.sent},
          {"payloads_delivered", t.distinct()},
          {"delivery_failed", t.failed},
          {"resent_after_delivery_failed", t.resent},
          {"reserve_writes", flash.writes},
          {"sim_s", static_cast<double>(w.now()) / 1e6},
          {"devices", {device_json(w, 0), device_json(w, 1)}}};
}

}  // namespace

bool is_sleep_scenario(const std::string& name) {
  return name == "sleepy" || name == "rekey" || name == "deep-sleep";
}

json run_sleep_scenario(const Options& o) {
  if (o.scenario == "sleepy") return run_sleepy(o);
  if (o.scenario == "rekey") return run_rekey(o);
  if (o.scenario == "deep-sleep") return run_deep_sleep(o);
  throw std::invalid_argument("unknown scenario '" + o.scenario + "'");
}

}  // namespace hush::sim
