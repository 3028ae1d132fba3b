// SPDX-License-Identifier: Apache-2.0
#include "dos_scenarios.h"

#include <algorithm>
#include <set>

#include "hush/crypto.h"
#include "sim_rng.h"

namespace hush::sim {

namespace {

constexpr SimTime kMs = 1000;
constexpr SimTime kSec = 1000 * kMs;

uint64_t bytes_out(const session::Counters& c) {
  uint64_t n = 0;
  for (uint32_t b : c.bytes_out) n += b;
  return n;
}

uint64_t frames_out(const session::Counters& c) {
  uint64_t n = 0;
  for (uint32_t f : c.frames_out) n += f;
  return n;
}

// The key-knowledge MAC as docs/SECURITY.md defines it, computed here from
// the public crypto port alone: what any attacker holding the server's
// public credential can do.
std::vector<uint8_t> mac_valid_message_1(ConstByteSpan server_cred, Prng& rng) {
  std::vector<uint8_t> m = {0x03, 0x00, 0x58, 0x20};
  for (int i = 0; i < 32; ++i) m.push_back(static_cast<uint8_t>(rng.next()));
  m.push_back(static_cast<uint8_t>(rng.upto(0x17)));  // C_I: a one-byte int
  uint8_t prk[crypto::kHashLen], key[wire::kKeyMacKeyLen], mac[crypto::kHashLen];
  const ConstByteSpan salt(reinterpret_cast<const uint8_t*>(wire::kKeyMacSalt), sizeof(wire::kKeyMacSalt) - 1);
  const ConstByteSpan info(reinterpret_cast<const uint8_t*>(wire::kKeyMacInfo), sizeof(wire::kKeyMacInfo) - 1);
  (void)crypto::hkdf_extract(salt, server_cred, prk);
  (void)crypto::hkdf_expand(ConstByteSpan(prk), info, ByteSpan(key));
  (void)crypto::hmac_sha256(ConstByteSpan(key), ConstByteSpan(m.data(), m.size()), mac);
  // Sized once and filled by index: GCC 12 at -O3 takes an insert into a
  // one-element vector for an out-of-bounds copy (-Warray-bounds).
  std::vector<uint8_t> f(1 + wire::kKeyMacLen + m.size());
  f[0] = static_cast<uint8_t>(wire::kFrameMessage1 | wire::kFrameKeyMac);
  for (size_t i = 0; i < wire::kKeyMacLen; ++i) f[1 + i] = mac[i];
  for (size_t i = 0; i < m.size(); ++i) f[1 + wire::kKeyMacLen + i] = m[i];
  return f;
}

std::vector<uint8_t> random_frame(uint8_t kind, size_t len, Prng& rng) {
  std::vector<uint8_t> f(len);
  for (uint8_t& b : f) b = static_cast<uint8_t>(rng.next());
  f[0] = kind;
  return f;
}

}  // namespace

// 50 servers, one client, radio collisions on. The client asks anyone,
// waits for the reply window, and asks again (a new request, a new nonce)
// until it has heard every server, at most 10 times.
Report run_discovery(const Options& o) {
  constexpr int kServers = 50;
  constexpr uint32_t kWindowMs = 2000;
  constexpr int kMaxRequests = 10;
  Report r;
  r.scenario = "discovery";
  r.options = o;
  r.options.collisions = true;
  seed_crypto_rng(o.seed);
  World w(world_config(r.options, 0.0, o.seed));
  const int client = w.add_device("client", 0x0F, true, false);
  for (int i = 0; i < kServers; ++i) {
    w.add_device("server" + std::to_string(i + 1), static_cast<uint8_t>(0x10 + i), false, true);
  }
  std::set<int> found;
  uint64_t events = 0;
  SimTime all_at = 0;
  w.on_event = [&](const AppEvent& a) {
    if (a.ev.type != session::EventType::kDiscovered || a.device != client) return;
    ++events;
    if (a.peer_device >= 0 && a.peer_kid.size() == 1 && a.peer_kid[0] == w.device(a.peer_device).kid) {
      found.insert(a.peer_device);
    }
    if (found.size() == kServers && all_at == 0) all_at = w.now();
  };
  int requests = 0;
  while (static_cast<int>(found.size()) < kServers && requests < kMaxRequests) {
    if (!ok(w.discover(client, ConstByteSpan(), kWindowMs))) r.problems.push_back("discover() failed");
    ++requests;
    w.run(w.now() + (kWindowMs + 300) * kMs, [&] { return static_cast<int>(found.size()) == kServers; });
  }
  collect_world(w, r);
  uint64_t replies = 0, reply_bytes = 0;
  for (int i = 1; i <= kServers; ++i) {
    const session::Counters& c = w.device(i).ep->counters();
    replies += c.announces_sent;
    reply_bytes += c.bytes_out[static_cast<size_t>(session::FrameClass::kOther)];
  }
  r.extra["servers"] = kServers;
  r.extra["servers_found"] = found.size();
  r.extra["requests"] = requests;
  r.extra["replies"] = replies;
  r.extra["reply_bytes"] = reply_bytes;
  r.extra["discovered_events"] = events;
  r.extra["collisions"] = r.radio.collided;
  r.extra["reply_window_ms"] = kWindowMs;
  r.extra["ms_until_all_found"] =
      all_at == 0 ? nlohmann::json(nullptr) : nlohmann::json(static_cast<double>(all_at) / 1000.0);
  if (static_cast<int>(found.size()) != kServers) {
    r.problems.push_back(std::to_string(kServers - static_cast<int>(found.size())) + " servers never heard");
  }
  r.ok = r.problems.empty();
  return r;
}

// A server under attack. 0..10 s: junk message_1 frames (kind 0x41 and
// 0x01, random bytes) every 20 ms and WAKE frames every 50 ms (well-formed:
// for every paused session, or for a random connection id). 10..40 s: the
// same, plus message_1 frames with a valid key-knowledge MAC (the attacker
// holds the server's public credential) from a new spoofed link address
// every 25 ms, never followed up. A genuine client connects at 12 s; both
// sides pause the session at 20 s, and the WAKE flood may wake it only
// with the one probe per wake interval that any WAKE may cost.
Report run_flood(const Options& o) {
  Report r;
  r.scenario = "flood";
  r.options = o;
  seed_crypto_rng(o.seed);
  WorldConfig c = world_config(o, 0.0, o.seed);
  c.unknown_addresses_ok = true;  // cookie retries and message_2 to spoofed senders
  World w(c);
  const int server = w.add_device("server", 0x01, false, true);
  const int client = w.add_device("client", 0x10, true, false);
  const int attacker = w.add_device("attacker", 0x66, true, false);
  Prng rng(o.seed * 7919 + 17);
  const session::LinkAddr to = w.device(server).addr;
  const ConstByteSpan server_cred = w.device(server).ccs.cred_view();
  constexpr SimTime kPhase1 = 10 * kSec, kEnd = 40 * kSec, kConnectAt = 12 * kSec;
  uint64_t junk = 0, wakes = 0, mac_valid = 0, attacker_bytes = 0;
  for (SimTime t = 0; t < kEnd; t += 20 * kMs) {
    w.at(t, [&, t] {
      const auto f = random_frame((t / (20 * kMs)) % 4 == 0 ? wire::kFrameMessage1 : 0x41, 42, rng);
      w.inject(attacker, to, f);
      ++junk;
      attacker_bytes += f.size();
    });
  }
  for (SimTime t = 5 * kMs; t < kEnd; t += 50 * kMs) {
    w.at(t, [&] {
      std::vector<uint8_t> f = {wire::kFrameWake};
      if (rng.next() % 2 == 0) f.push_back(static_cast<uint8_t>(rng.upto(0x17)));
      w.inject(attacker, to, f);
      ++wakes;
      attacker_bytes += f.size();
    });
  }
  uint32_t spoof = 0;
  for (SimTime t = kPhase1 + 7 * kMs; t < kEnd; t += 25 * kMs) {
    w.at(t, [&] {
      const auto f = mac_valid_message_1(server_cred, rng);
      w.inject(attacker, to, f, session::LinkAddr::from_u32(0xA0000000u + spoof++));
      ++mac_valid;
      attacker_bytes += f.size();
    });
  }
  uint32_t pk_after_junk = 0;
  uint64_t server_bytes_junk_phase = 0;
  w.at(kPhase1, [&] {
    pk_after_junk = w.device(server).ep->counters().pk_operations;
    server_bytes_junk_phase = bytes_out(w.device(server).ep->counters());
  });
  size_t max_half_open = 0;
  for (SimTime t = 0; t < kEnd; t += 10 * kMs) {
    w.at(t, [&] { max_half_open = std::max(max_half_open, w.device(server).ep->responder_handshakes()); });
  }
  session::PeerHandle handle, server_handle;
  SimTime connected_at = 0;
  w.on_event = [&](const AppEvent& a) {
    if (a.device == client && a.ev.type == session::EventType::kConnected && connected_at == 0) connected_at = w.now();
    if (a.device == server && a.ev.type == session::EventType::kConnected) server_handle = a.ev.peer;
  };
  constexpr SimTime kPauseAt = 20 * kSec;
  uint32_t probes_before_pause = 0;
  w.at(kPauseAt, [&] {
    probes_before_pause = w.device(server).ep->counters().wake_probes;
    const auto pause = [&](int dev, session::PeerHandle h) {
      if (!ok(w.call(dev, [&](session::Endpoint& ep, uint32_t now) { return ep.pause(h, now); }))) {
        r.problems.push_back("pause() refused");
      }
    };
    pause(client, handle);
    pause(server, server_handle);
  });
  w.at(kConnectAt, [&] {
    if (!ok(w.connect(client, server, handle))) r.problems.push_back("connect() failed");
  });
  w.run(kEnd, [] { return false; });
  collect_world(w, r);
  const session::Counters& sc = w.device(server).ep->counters();
  const bool genuine = connected_at != 0;
  r.handshake.ms_to_connect = genuine ? static_cast<double>(connected_at - kConnectAt) / 1000.0 : -1;
  r.extra["pk_ops_on_junk"] = pk_after_junk;
  r.extra["pk_ops_total"] = sc.pk_operations;
  r.extra["genuine_connected"] = genuine;
  r.extra["ms_genuine_connect"] = genuine ? nlohmann::json(r.handshake.ms_to_connect) : nlohmann::json(nullptr);
  r.extra["attacker"] = {
      {"junk_message_1", junk}, {"wake", wakes}, {"mac_valid_message_1", mac_valid}, {"bytes", attacker_bytes}};
  r.extra["server"] = {
      {"bytes_transmitted", bytes_out(sc)},
      {"frames_transmitted", frames_out(sc)},
      {"bytes_transmitted_junk_phase", server_bytes_junk_phase},
      {"cookie_retries_sent", sc.cookie_retries_sent},
      {"message_2_sent", sc.frames_out[static_cast<size_t>(session::FrameClass::kMessage2)]},
      {"handshakes_admitted", sc.handshakes_started},
      {"drops_key_mac", sc.drops.key_mac},
      {"drops_rate_limited", sc.drops.rate_limited},
      {"drops_malformed", sc.drops.malformed},
      {"drops_no_resources", sc.drops.no_resources},
  };
  r.extra["state_held"] = {{"max_half_open_handshakes", max_half_open},
                           {"max_half_open_bytes", max_half_open * session::kHandshakeSlotSize},
                           {"handshake_slots", session::kMaxHandshakes},
                           {"dos_state_bytes", sizeof(session::detail::DosState)},
                           {"per_client_state_before_cookie", 0}};
  // WAKE: while paused, at most one probe per wake interval, whatever the
  // number of WAKEs (an unpaused session ignores them).
  const session::Settings defaults;
  const uint32_t probes = sc.wake_probes - probes_before_pause;
  const uint32_t bound = static_cast<uint32_t>((kEnd - kPauseAt) / (defaults.wake_interval_ms * kMs)) + 1;
  r.extra["wake"] = {{"wakes_received", sc.wakes},         {"probes_sent", sc.wake_probes},
                     {"probes_sent_while_paused", probes}, {"probe_bound", bound},
                     {"paused_at_ms", kPauseAt / kMs},     {"wake_interval_ms", defaults.wake_interval_ms}};
  if (probes > bound) r.problems.push_back("WAKE frames cost more than one probe per wake interval");
  if (pk_after_junk != 0) r.problems.push_back("public-key operations spent on junk");
  if (!genuine) r.problems.push_back("the genuine client did not connect");
  r.ok = r.problems.empty();
  return r;
}

}  // namespace hush::sim
