// SPDX-License-Identifier: Apache-2.0
#include "world.h"

#include <algorithm>
#include <cstring>
#include <stdexcept>

#include "handshake_run.h"
#include "hush/crypto.h"

namespace hush::sim {

const char* event_name(session::EventType t) {
  switch (t) {
    case session::EventType::kConnected: return "connected";
    case session::EventType::kData: return "data";
    case session::EventType::kDelivered: return "delivered";
    case session::EventType::kDeliveryFailed: return "delivery-failed";
    case session::EventType::kClosed: return "closed";
    case session::EventType::kPeerDead: return "peer-dead";
    case session::EventType::kHandshakeFailed: return "handshake-failed";
    case session::EventType::kSecurityAlert: return "security-alert";
    case session::EventType::kPaused: return "paused";
    case session::EventType::kResumed: return "resumed";
    case session::EventType::kRekeyed: return "rekeyed";
    case session::EventType::kDiscovered: return "discovered";
  }
  return "?";
}

const char* failure_name(session::HandshakeFailure f) {
  switch (f) {
    case session::HandshakeFailure::kNone: return "none";
    case session::HandshakeFailure::kTimeout: return "timeout";
    case session::HandshakeFailure::kPeerError: return "peer-error";
    case session::HandshakeFailure::kVerification: return "verification";
    case session::HandshakeFailure::kLocal: return "local";
  }
  return "?";
}

std::vector<std::pair<std::string, uint32_t>> drop_fields(const session::Counters::Drops& d) {
  return {{"malformed", d.malformed},
          {"replay", d.replay},
          {"too_old", d.too_old},
          {"auth_fail", d.auth_fail},
          {"unknown_context", d.unknown_context},
          {"duplicate", d.duplicate},
          {"rate_limited", d.rate_limited},
          {"fragment", d.fragment},
          {"no_resources", d.no_resources}};
}

namespace {

// What changed between two snapshots of the drop counters, as "reason" or "reason+reason".
std::string drop_diff(const session::Counters::Drops& before, const session::Counters::Drops& after) {
  const auto b = drop_fields(before);
  const auto a = drop_fields(after);
  std::string out;
  for (size_t i = 0; i < a.size(); ++i) {
    if (a[i].second != b[i].second) out += (out.empty() ? "" : "+") + a[i].first;
  }
  return out;
}

std::string ms_string(SimTime us) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.1f", static_cast<double>(us) / 1000.0);
  return buf;
}

}  // namespace

World::World(const WorldConfig& config)
    : config_(config), radio_(config.radio), setup_rng_(config.radio.seed ^ 0x5EEDull) {}

World::~World() = default;

uint32_t World::clock_ms(const Device& d) const {
  return static_cast<uint32_t>(now_ / 1000) + d.clock_offset_ms;
}

int World::add_device(const std::string& name, uint8_t kid, bool initiator, bool accept_incoming) {
  auto d = std::make_unique<Device>();
  d->world = this;
  d->index = static_cast<int>(devices_.size());
  d->name = name;
  d->kid = kid;
  d->node = radio_.add_node();
  d->addr = session::LinkAddr::from_u32(0x1000u + d->node);
  d->clock_offset_ms = static_cast<uint32_t>(1000 + setup_rng_.upto(1u << 20));

  // Provisioning as hush-keygen would do it (see hush_demo.cpp): a key pair
  // of the type the method and role call for, and a CCS built from a serial.
  const crypto::KeyType type = host::auth_key_type(config_.method, config_.suite, !initiator);
  d->sk.resize(crypto::kScalarLen);
  Error e = crypto::random_bytes(ByteSpan(d->sk.data(), d->sk.size()));
  if (ok(e) && type != crypto::KeyType::kEd25519) {
    uint8_t pub32[crypto::kCoordLen];
    e = crypto::ecdh_generate(type, *reinterpret_cast<uint8_t(*)[crypto::kScalarLen]>(d->sk.data()), pub32);
  }
  uint8_t pk[crypto::kMaxPublicKeyLen];
  size_t pk_len = 0;
  if (ok(e)) e = crypto::public_key(type, crypto::PrivateKey::from_raw(d->sk.data()), pk, pk_len);
  const uint8_t serial[8] = {
      0x48, 0x55, 0x53, 0x48, 0x00, 0x00, static_cast<uint8_t>(d->node >> 8), static_cast<uint8_t>(d->node)};
  const uint8_t kid_bytes[1] = {kid};
  if (ok(e)) e = d->ccs.build(ConstByteSpan(serial), ConstByteSpan(kid_bytes), type, ConstByteSpan(pk, pk_len));
  if (!ok(e)) throw std::runtime_error(std::string("provisioning ") + name + ": " + error_name(e));
  // PeerCredential::public_key: 32 bytes, or x||y for P-256 signature keys.
  const bool signs =
      initiator ? (config_.method == 0 || config_.method == 1) : (config_.method == 0 || config_.method == 2);
  const size_t pub_len = (type == crypto::KeyType::kP256 && !signs) ? crypto::kCoordLen : pk_len;
  d->pub.assign(pk, pk + pub_len);

  session::Platform platform;
  platform.transmit = &World::transmit_hook;
  platform.event = &World::event_hook;
  platform.lookup = &World::lookup_hook;
  platform.log = &World::log_hook;
  platform.user = d.get();
  session::Settings settings;
  settings.mtu = config_.mtu;
  settings.method = static_cast<edhoc::Method>(config_.method);
  settings.suite = config_.suite;
  settings.retransmit = config_.retransmit;
  settings.accept_incoming = accept_incoming;
  settings.dos = config_.dos;
  settings.discovery = config_.discovery;
  if (config_.settings_hook) config_.settings_hook(settings);
  d->platform = platform;
  d->settings = settings;
  d->ep = std::make_unique<session::Endpoint>();
  const edhoc::LocalCredential self{d->ccs.cred_view(), d->ccs.id_cred_view(),
                                    crypto::PrivateKey::from_raw(d->sk.data())};
  e = d->ep->begin(platform, self, settings);
  if (!ok(e)) throw std::runtime_error(std::string("Endpoint::begin for ") + name + ": " + error_name(e));
  devices_.push_back(std::move(d));
  return static_cast<int>(devices_.size() - 1);
}

int World::device_at(const session::LinkAddr& a) const {
  for (const auto& d : devices_) {
    if (d->addr == a) return d->index;
  }
  return -1;
}

// --- hooks -----------------------------------------------------------------

session::TxResult World::transmit_hook(void* user, const session::LinkAddr& to, ConstByteSpan frame) {
  auto* d = static_cast<Device*>(user);
  d->outbox.push_back({to, std::vector<uint8_t>(frame.begin(), frame.end())});
  return session::TxResult::kSent;
}

void World::event_hook(void* user, const session::Event& event) {
  auto* d = static_cast<Device*>(user);
  AppEvent a;
  a.at = d->world->now_;
  a.device = d->index;
  a.ev = event;
  a.data.assign(event.data.begin(), event.data.end());
  a.peer_kid.assign(event.peer_kid.begin(), event.peer_kid.end());
  a.ev.data = ConstByteSpan();
  a.ev.peer_kid = ConstByteSpan();
  a.ev.cookie = ConstByteSpan();  // kDiscovered: not kept past the callback
  d->pending.push_back(std::move(a));
}

bool World::lookup_hook(void* user, const edhoc::IdCredView& id_cred, edhoc::PeerCredential& out) {
  auto* d = static_cast<Device*>(user);
  for (const auto& p : d->world->devices_) {
    const bool match = id_cred.is_kid ? (id_cred.kid.size() == 1 && id_cred.kid[0] == p->kid)
                                      : (id_cred.map.size() == p->ccs.id_cred_len &&
                                         std::memcmp(id_cred.map.data(), p->ccs.id_cred, p->ccs.id_cred_len) == 0);
    if (match && p.get() != d) {
      out.cred = p->ccs.cred_view();
      out.public_key = ConstByteSpan(p->pub.data(), p->pub.size());
      return true;
    }
  }
  return false;
}

void World::log_hook(void* user, const char* what, Error reason) {
  auto* d = static_cast<Device*>(user);
  d->last_log = std::string(what ? what : "") + " (" + error_name(reason) + ")";
}

// --- application calls -----------------------------------------------------

Error World::connect(int dev, int to, session::PeerHandle& peer) {
  Device& d = device(dev);
  // The client knows the server it authenticates: its kid keys the
  // key-knowledge MAC (docs/SECURITY.md "Denial of service").
  session::ConnectOptions options;
  options.peer_kid = ConstByteSpan(&device(to).kid, 1);
  const Error e = d.ep->connect(device(to).addr, peer, clock_ms(d), options);
  flush(dev);
  dispatch(dev);
  return e;
}

Error World::discover(int dev, ConstByteSpan serial, uint32_t window_ms) {
  Device& d = device(dev);
  const Error e = d.ep->discover(serial, window_ms, clock_ms(d));
  flush(dev);
  dispatch(dev);
  return e;
}

void World::inject(int dev, const session::LinkAddr& to, const std::vector<uint8_t>& frame,
                   const session::LinkAddr& claimed_from) {
  Device& d = device(dev);
  const int to_dev = to.is_broadcast() ? -1 : device_at(to);
  if (!to.is_broadcast() && to_dev < 0) return;
  FrameMeta m;
  m.device = dev;
  m.to_device = to_dev;
  m.info = describe_frame(frame, config_.suite);
  m.claimed_from = claimed_from;
  largest_frame_ = std::max(largest_frame_, frame.size());
  const uint64_t id = radio_.transmit(d.node, to_dev >= 0 ? device(to_dev).node : kBroadcast, frame, now_);
  frames_[id] = std::move(m);
}

Error World::send(int dev, session::PeerHandle peer, const std::vector<uint8_t>& payload, uint8_t flags,
                  uint16_t& message) {
  Device& d = device(dev);
  const Error e = d.ep->send(peer, ConstByteSpan(payload.data(), payload.size()), flags, message, clock_ms(d));
  flush(dev);
  dispatch(dev);
  return e;
}

Error World::close(int dev, session::PeerHandle peer) {
  Device& d = device(dev);
  const Error e = d.ep->close(peer, clock_ms(d));
  flush(dev);
  dispatch(dev);
  return e;
}

Error World::call(int dev, const std::function<Error(session::Endpoint&, uint32_t)>& fn) {
  Device& d = device(dev);
  const Error e = fn(*d.ep, clock_ms(d));
  flush(dev);
  dispatch(dev);
  return e;
}

void World::reboot(int dev) {
  Device& d = device(dev);
  d.ep.reset();  // RAM off: nothing of the session survives but what was exported
  d.ep = std::make_unique<session::Endpoint>();
  const edhoc::LocalCredential self{d.ccs.cred_view(), d.ccs.id_cred_view(), crypto::PrivateKey::from_raw(d.sk.data())};
  const Error e = d.ep->begin(d.platform, self, d.settings);
  if (!ok(e)) throw std::runtime_error("Endpoint::begin after reboot of " + d.name + ": " + error_name(e));
}

void World::at(SimTime t, std::function<void()> fn) {
  actions_.push(Action{t, action_seq_++, std::move(fn)});
}

// --- the loop --------------------------------------------------------------

SimTime World::next_poll(Device& d) const {
  const uint32_t now_ms = clock_ms(d);
  const uint32_t dl = d.ep->next_deadline(now_ms);
  if (dl == UINT32_MAX) return kNever;
  SimTime t = dl <= now_ms ? now_ : static_cast<SimTime>(dl - d.clock_offset_ms) * 1000;
  t = std::max({t, d.cpu_free, d.poll_not_before});
  return t;
}

void World::run(SimTime until, const std::function<bool()>& done) {
  while (!done()) {
    SimTime t = radio_.next_time();
    if (!actions_.empty()) t = std::min(t, actions_.top().at);
    for (auto& d : devices_) t = std::min(t, next_poll(*d));
    if (t == kNever || t > until) break;
    now_ = std::max(now_, t);

    RadioEvent ev;
    while (radio_.pop(now_, ev)) handle_radio(ev);
    while (!actions_.empty() && actions_.top().at <= now_) {
      Action a = actions_.top();
      actions_.pop();
      a.fn();
    }
    for (auto& d : devices_) {
      if (next_poll(*d) <= now_) poll_device(d->index);
    }
  }
}

void World::poll_device(int i) {
  Device& d = device(i);
  for (int round = 0; round < 64 && next_poll(d) <= now_; ++round) {
    const uint32_t pk_before = d.ep->counters().pk_operations;
    const session::Counters::Drops drops_before = d.ep->counters().drops;
    current_ = i;
    d.last_log.clear();
    const Error e = d.ep->poll(clock_ms(d));
    current_ = -1;
    const uint32_t pk_ops = d.ep->counters().pk_operations - pk_before;
    if (pk_ops > 0 && config_.pk_cost_us > 0) d.cpu_free = std::max(d.cpu_free, now_) + pk_ops * config_.pk_cost_us;
    const std::string dropped = drop_diff(drops_before, d.ep->counters().drops);
    if (!dropped.empty()) note(now_, d.name, "", "(poll)", 0, "dropped: " + dropped + " — " + d.last_log);
    // poll() said it is done (kOk), yet work is due now. A loop that polls
    // at next_deadline() just calls again, so do that, and note it once.
    if (e == Error::kOk && next_poll(d) <= now_) {
      anomaly(d.name + ": poll() returned kOk while next_deadline(now) == now (polled again at once); first at " +
              ms_string(now_) + " ms");
    }
    flush(i);
    dispatch(i);  // the application may queue more work here
  }
  if (next_poll(d) <= now_) {
    // 64 calls at one instant and still due: a spin. Look again 1 ms later.
    anomaly(d.name + ": next_deadline() stayed due after 64 poll() calls; first at " + ms_string(now_) + " ms");
    d.poll_not_before = now_ + 1000;
  }
}

void World::anomaly(const std::string& what) {
  // One entry per kind of anomaly (the text before "; first at").
  const std::string kind = what.substr(0, what.find("; first at"));
  for (const std::string& a : anomalies_) {
    if (a.compare(0, kind.size(), kind) == 0) return;
  }
  anomalies_.push_back(what);
}

void World::flush(int i) {
  Device& d = device(i);
  std::vector<std::pair<session::LinkAddr, std::vector<uint8_t>>> out;
  out.swap(d.outbox);
  for (auto& [addr, frame] : out) {
    if (on_transmit) on_transmit(i, frame);
    const int to = addr.is_broadcast() ? -1 : device_at(addr);
    FrameMeta m;
    m.device = i;
    m.to_device = to;
    m.depth = to >= 0 ? depth(i, to) + 1 : 1;
    m.info = describe_frame(frame, config_.suite);
    const std::string key(frame.begin(), frame.end());
    m.retransmission = !d.sent_frames.insert(key).second;
    largest_frame_ = std::max(largest_frame_, frame.size());
    if (m.retransmission) {
      ++d.retransmitted_frames;
      d.retransmitted_bytes += frame.size();
    } else {
      if (m.info.edhoc) {
        ++d.edhoc_frames;
        d.edhoc_bytes += m.info.edhoc_bytes;
        if (m.info.name.rfind("frag ", 0) == 0) ++d.edhoc_fragments;
      }
      if (m.info.has_record) {
        ++d.record_frames;
        d.record_bytes += m.info.record_bytes;
        if (m.info.record_kind != wire::kFrameRecordControl) {
          d.data_record_overhead = std::max(d.data_record_overhead, m.info.record_overhead);
        }
      }
    }
    NodeId node_to = kBroadcast;
    if (to >= 0) {
      node_to = device(to).node;
    } else if (!addr.is_broadcast()) {
      if (config_.unknown_addresses_ok) {
        ++unknown_tx_;
      } else {
        anomaly(d.name + ": frame sent to an unknown link address");
      }
      continue;
    }
    const uint64_t id = radio_.transmit(d.node, node_to, frame, std::max(now_, d.cpu_free));
    frames_[id] = std::move(m);
  }
}

void World::dispatch(int i) {
  Device& d = device(i);
  while (!d.pending.empty()) {
    std::vector<AppEvent> evs;
    evs.swap(d.pending);
    for (AppEvent& a : evs) {
      a.peer_device = a.ev.from.len ? device_at(a.ev.from) : -1;
      if (a.peer_device >= 0) a.depth = depth(i, a.peer_device);
      std::string what = std::string("event ") + event_name(a.ev.type);
      if (a.ev.type == session::EventType::kHandshakeFailed) what += std::string(": ") + failure_name(a.ev.failure);
      if (a.ev.type == session::EventType::kSecurityAlert) what += std::string(": ") + error_name(a.ev.error);
      if (a.ev.type == session::EventType::kData) what += " \"" + std::string(a.data.begin(), a.data.end()) + "\"";
      if (a.ev.type == session::EventType::kDelivered || a.ev.type == session::EventType::kDeliveryFailed) {
        what += " (message " + std::to_string(a.ev.message) + ")";
      }
      note(a.at, d.name, a.peer_device >= 0 ? device(a.peer_device).name : "", "", 0, what);
      events_.push_back(a);
      if (on_event) on_event(events_.back());
    }
  }
}

void World::handle_radio(const RadioEvent& ev) {
  auto it = frames_.find(ev.frame_id);
  if (it == frames_.end()) return;
  const FrameMeta& m = it->second;
  Device& from = device(m.device);
  const std::string to_name = ev.broadcast && ev.outcome == Outcome::kSent ? "*" : [&] {
    for (const auto& d : devices_) {
      if (d->node == ev.to) return d->name;
    }
    return std::string("?");
  }();
  const size_t bytes = ev.frame.size();
  switch (ev.outcome) {
    case Outcome::kSent:
      note(ev.at, from.name, to_name, m.info.name, bytes, m.retransmission ? "sent (retransmission)" : "sent");
      return;
    case Outcome::kTooBig:
    case Outcome::kLost:
    case Outcome::kCollided:
      note(ev.at, from.name, to_name, m.info.name, bytes, outcome_name(ev.outcome));
      if (ev.outcome != Outcome::kTooBig || ev.broadcast) return;
      frames_.erase(it);
      return;
    case Outcome::kDelivered:
    case Outcome::kDuplicate: break;
  }
  int to = -1;
  for (const auto& d : devices_) {
    if (d->node == ev.to) to = d->index;
  }
  if (to < 0) return;
  Device& rx = device(to);
  const session::Counters::Drops before = rx.ep->counters().drops;
  current_ = to;
  rx.last_log.clear();
  const session::LinkAddr sender = m.claimed_from.len != 0 ? m.claimed_from : from.addr;
  rx.ep->input(ConstByteSpan(ev.frame.data(), ev.frame.size()), sender, clock_ms(rx));
  current_ = -1;
  const std::string dropped = drop_diff(before, rx.ep->counters().drops);
  std::string what = ev.outcome == Outcome::kDuplicate ? "duplicate delivered" : "delivered";
  if (!dropped.empty()) {
    what += ", dropped: " + dropped + (rx.last_log.empty() ? "" : " — " + rx.last_log);
  } else {
    int& dp = depth(to, m.device);
    dp = std::max(dp, m.depth);
    if (m.info.edhoc) {
      int& ed = edhoc_depth_[{std::min(to, m.device), std::max(to, m.device)}];
      ed = std::max(ed, m.depth);
    }
  }
  note(ev.at, from.name, rx.name, m.info.name, bytes, what);
  flush(to);
  dispatch(to);
}

int World::edhoc_depth(int a, int b) const {
  auto it = edhoc_depth_.find({std::min(a, b), std::max(a, b)});
  return it == edhoc_depth_.end() ? 0 : it->second;
}

void World::note(SimTime at, const std::string& from, const std::string& to, const std::string& kind, size_t bytes,
                 const std::string& what) {
  if (!config_.timeline) return;
  if (timeline_.size() >= config_.timeline_limit) {
    timeline_truncated_ = true;
    return;
  }
  timeline_.push_back(TimelineEntry{at, from, to, kind, bytes, what});
}

}  // namespace hush::sim
