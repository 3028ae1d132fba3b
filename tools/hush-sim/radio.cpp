// SPDX-License-Identifier: Apache-2.0
#include "radio.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace hush::sim {

const std::vector<RadioProfile>& radio_profiles() {
  // Figures from ../shared/reference/session-design-notes.md §5 "Radio energy
  // defaults" (energy per byte at 3 V, radio only, no ramp-up; marked [E]
  // there: estimates from datasheet currents).
  static const std::vector<RadioProfile> kProfiles = {
      // Silicon Labs proprietary 2-GFSK default PHY (Radio Configurator): 40-bit
      // preamble, 16-bit sync word, CRC-16 and a length byte: about 10 bytes
      // around every frame. 100 kbit/s = 80 µs per byte; TX at +14 dBm
      // 7.2 µJ/B, RX 0.98 µJ/B (§5 table, "100k" rows).
      {"efr32-100k-14dbm", "EFR32 2-GFSK 100 kbit/s, TX +14 dBm (session-design-notes §5)", 100000.0, 10, 7.2, 0.98,
       1024},
      // IEEE 802.15.4 O-QPSK 2.4 GHz: 4 B preamble + 1 B SFD + 1 B PHR, and a
      // 2-byte FCS counted on top of hush's frame; frames up to hush's default
      // MTU of 127 (the PSDU limit) are carried. 250 kbit/s = 32 µs per byte;
      // TX 0 dBm 0.48 µJ/B, RX 0.49 µJ/B (§5).
      {"802.15.4", "IEEE 802.15.4 O-QPSK 250 kbit/s, TX 0 dBm (session-design-notes §5)", 250000.0, 6 + 2, 0.48, 0.49,
       127},
  };
  return kProfiles;
}

const RadioProfile* find_radio_profile(const std::string& name) {
  for (const RadioProfile& p : radio_profiles()) {
    if (p.name == name) return &p;
  }
  return nullptr;
}

double BurstLoss::mean_loss(double loss_good) const {
  if (!enabled) return loss_good;
  const double sum = p_good_to_bad + p_bad_to_good;
  const double bad = sum > 0 ? p_good_to_bad / sum : 0;
  return bad * loss_bad + (1 - bad) * loss_good;
}

const char* outcome_name(Outcome o) {
  switch (o) {
    case Outcome::kSent: return "sent";
    case Outcome::kTooBig: return "refused (above MTU)";
    case Outcome::kLost: return "lost";
    case Outcome::kDelivered: return "delivered";
    case Outcome::kDuplicate: return "duplicate delivered";
    case Outcome::kCollided: return "collided";
  }
  return "?";
}

// ---------------------------------------------------------------------------

namespace {
uint64_t splitmix64(uint64_t& x) {
  uint64_t z = (x += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}
uint64_t rotl(uint64_t x, int k) {
  return (x << k) | (x >> (64 - k));
}
}  // namespace

Prng::Prng(uint64_t seed) {
  uint64_t x = seed;
  for (uint64_t& s : s_) s = splitmix64(x);
}

uint64_t Prng::next() {
  const uint64_t result = rotl(s_[1] * 5, 7) * 9;
  const uint64_t t = s_[1] << 17;
  s_[2] ^= s_[0];
  s_[3] ^= s_[1];
  s_[1] ^= s_[2];
  s_[0] ^= s_[3];
  s_[2] ^= t;
  s_[3] = rotl(s_[3], 45);
  return result;
}

double Prng::uniform() {
  return static_cast<double>(next() >> 11) * 0x1.0p-53;
}

uint64_t Prng::upto(uint64_t n) {
  if (n == 0) return 0;
  if (n == UINT64_MAX) return next();
  // Rejection sampling: no modulo bias.
  const uint64_t range = n + 1;
  const uint64_t limit = UINT64_MAX - UINT64_MAX % range;
  uint64_t v;
  do {
    v = next();
  } while (v >= limit);
  return v % range;
}

// ---------------------------------------------------------------------------

Radio::Radio(const RadioConfig& config) : config_(config), rng_(config.seed) {
  if (config_.profile.bitrate_bps <= 0) throw std::invalid_argument("radio: bitrate must be positive");
}

NodeId Radio::add_node() {
  nodes_.emplace_back();
  return static_cast<NodeId>(nodes_.size() - 1);
}

SimTime Radio::airtime_us(size_t len) const {
  const double bits = static_cast<double>(len + config_.profile.phy_overhead) * 8.0;
  return static_cast<SimTime>(std::ceil(bits * 1e6 / config_.profile.bitrate_bps));
}

uint64_t Radio::enqueue(RadioEvent ev) {
  const uint64_t id = next_entry_++;
  queue_.push({ev.at, id});
  entries_.emplace(id, std::move(ev));
  return id;
}

uint64_t Radio::transmit(NodeId from, NodeId to, const std::vector<uint8_t>& frame, SimTime now) {
  Node& sender = nodes_.at(from);
  const uint64_t frame_id = next_frame_++;
  const bool broadcast = to == kBroadcast;
  RadioEvent sent{0, frame_id, from, to, broadcast, Outcome::kSent, frame};
  if (frame.size() > config_.mtu || frame.size() > config_.profile.max_mtu) {
    ++stats_.too_big;
    sent.at = now;
    sent.outcome = Outcome::kTooBig;
    enqueue(std::move(sent));
    return frame_id;
  }
  const SimTime start = std::max(now, sender.tx_free);
  const SimTime air = airtime_us(frame.size());
  const SimTime end = start + air;
  sender.tx_free = end;
  if (config_.collisions) sender.tx_busy.push_back({start, end});
  sender.stats.frames_tx += 1;
  sender.stats.bytes_tx += frame.size();
  sender.stats.airtime_tx_us += air;
  sender.stats.tx_uj +=
      static_cast<double>(frame.size() + config_.profile.phy_overhead) * config_.profile.tx_uj_per_byte;
  ++stats_.transmissions;
  sent.at = start;
  sent.outcome = Outcome::kSent;
  enqueue(std::move(sent));

  // Half duplex: our own transmission destroys what we were receiving.
  if (config_.collisions) {
    for (const Reception& r : sender.rx) {
      if (r.start < end && start < r.end) {
        auto it = entries_.find(r.entry);
        if (it != entries_.end() && it->second.outcome != Outcome::kCollided) {
          it->second.outcome = Outcome::kCollided;
          ++stats_.collided;
        }
      }
    }
  }

  if (broadcast) {
    for (NodeId n = 0; n < nodes_.size(); ++n) {
      if (n != from) schedule(from, n, true, frame_id, start, end, frame);
    }
  } else if (to < nodes_.size() && to != from) {
    schedule(from, to, false, frame_id, start, end, frame);
  }
  return frame_id;
}

bool Radio::lost_on_link(NodeId from, NodeId to, bool step) {
  if (!config_.burst.enabled) return rng_.chance(config_.loss);
  Link& link = links_[static_cast<uint64_t>(from) << 32 | to];
  // Step the two-state chain once per frame (not for its duplicate), then
  // draw the loss of that state.
  if (!step) {
  } else if (link.bad) {
    if (rng_.chance(config_.burst.p_bad_to_good)) link.bad = false;
  } else if (rng_.chance(config_.burst.p_good_to_bad)) {
    link.bad = true;
  }
  return rng_.chance(link.bad ? config_.burst.loss_bad : config_.loss);
}

void Radio::schedule(NodeId from, NodeId to, bool broadcast, uint64_t frame_id, SimTime tx_start, SimTime tx_end,
                     const std::vector<uint8_t>& frame) {
  // The draws happen in the same order for every frame, whatever the
  // outcome, so one setting does not shift the random stream of the others.
  const bool lost = lost_on_link(from, to, true);
  const SimTime jitter = rng_.upto(config_.jitter_us);
  const bool reordered = rng_.chance(config_.reorder);
  const SimTime hold = rng_.upto(config_.reorder_delay_us > 0 ? config_.reorder_delay_us - 1 : 0) + 1;
  const bool duplicated = rng_.chance(config_.duplicate);
  const bool dup_lost = lost_on_link(from, to, false);
  const SimTime dup_gap = rng_.upto(config_.reorder_delay_us);

  const SimTime air = tx_end - tx_start;
  SimTime arrive = tx_end + config_.delay_us + jitter;
  if (reordered) {
    arrive += hold;
    ++stats_.reordered;
  }
  const RadioEvent ev{0, frame_id, from, to, broadcast, Outcome::kDelivered, frame};

  auto deliver = [&](SimTime at, bool copy, bool is_lost) {
    RadioEvent e = ev;
    e.at = at;
    if (is_lost) {
      e.outcome = Outcome::kLost;
      ++stats_.lost;
      enqueue(std::move(e));
      return;
    }
    e.outcome = copy ? Outcome::kDuplicate : Outcome::kDelivered;
    if (copy) ++stats_.duplicated;
    const uint64_t id = enqueue(std::move(e));
    // The reception occupies the receiver for the frame's airtime before `at`.
    if (config_.collisions) check_collision(to, at - air, at, id);
  };
  deliver(arrive, false, lost);
  // A duplicate: the same bytes again a little later (a link-layer retry
  // whose ack was lost, or a repeater), with its own loss draw.
  if (duplicated) deliver(arrive + air + dup_gap, true, dup_lost);
}

void Radio::check_collision(NodeId to, SimTime start, SimTime end, uint64_t entry) {
  Node& n = nodes_.at(to);
  prune(n, start);
  bool collided = false;
  for (const Reception& r : n.rx) {
    if (r.start < end && start < r.end) {
      collided = true;
      auto it = entries_.find(r.entry);
      if (it != entries_.end() && it->second.outcome != Outcome::kCollided) {
        it->second.outcome = Outcome::kCollided;
        ++stats_.collided;
      }
    }
  }
  for (const auto& [s, e] : n.tx_busy) {
    if (s < end && start < e) collided = true;
  }
  n.rx.push_back({start, end, entry});
  if (collided) {
    entries_.at(entry).outcome = Outcome::kCollided;
    ++stats_.collided;
  }
}

void Radio::prune(Node& n, SimTime before) {
  // Keep a generous margin: receptions are scheduled up to the reorder delay ahead.
  const SimTime horizon = config_.reorder_delay_us * 2 + config_.jitter_us + config_.delay_us + 1000000;
  if (before < horizon) return;
  const SimTime cut = before - horizon;
  n.rx.erase(std::remove_if(n.rx.begin(), n.rx.end(), [&](const Reception& r) { return r.end < cut; }), n.rx.end());
  n.tx_busy.erase(std::remove_if(n.tx_busy.begin(), n.tx_busy.end(), [&](const auto& b) { return b.second < cut; }),
                  n.tx_busy.end());
}

SimTime Radio::next_time() const {
  return queue_.empty() ? kNever : queue_.top().first;
}

bool Radio::pop(SimTime now, RadioEvent& out) {
  if (queue_.empty() || queue_.top().first > now) return false;
  const uint64_t id = queue_.top().second;
  queue_.pop();
  auto it = entries_.find(id);
  out = std::move(it->second);
  entries_.erase(it);
  if (out.outcome == Outcome::kDelivered || out.outcome == Outcome::kDuplicate || out.outcome == Outcome::kCollided) {
    NodeStats& rx = nodes_.at(out.to).stats;
    rx.frames_rx += 1;
    rx.bytes_rx += out.frame.size();
    rx.rx_uj += static_cast<double>(out.frame.size() + config_.profile.phy_overhead) * config_.profile.rx_uj_per_byte;
    if (out.outcome != Outcome::kCollided) ++stats_.delivered;
  }
  return true;
}

}  // namespace hush::sim
