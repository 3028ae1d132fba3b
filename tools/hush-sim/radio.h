// SPDX-License-Identifier: Apache-2.0
#pragma once

// hush-sim's radio: a seeded, deterministic model of a shared, lossy,
// half-duplex link layer that carries frames between simulated devices.
//
// Time is simulated, in microseconds (SimTime); hush endpoints see it in
// milliseconds. Every random choice comes from one PRNG seeded from the run's
// seed, in a fixed order, so that a seed always gives the same run.
//
// A transmission occupies the sender's radio for its airtime
// ((frame + PHY overhead) * 8 / bitrate); frames a device sends back to back
// are serialized. Each receiver then gets its own outcome: lost (uniform
// loss, or Gilbert-Elliott burst loss per directed link), delivered after
// the propagation delay plus jitter, possibly delayed further so that later
// frames overtake it (reordering), possibly delivered twice (duplication),
// or, with collisions on, destroyed by an overlapping reception or by the
// receiver transmitting at the same time (half duplex).
//
// Energy is charged per byte on air, PHY overhead included: TX for every
// transmission, RX for every frame that reaches a receiver's radio
// (delivered, duplicated or collided). A frame that is lost never locks the
// receiver on, so it costs no RX energy. Idle listening is not modelled.

#include <cstddef>
#include <cstdint>
#include <queue>
#include <string>
#include <unordered_map>
#include <vector>

namespace hush::sim {

using SimTime = uint64_t;  // microseconds since the start of the run
inline constexpr SimTime kNever = UINT64_MAX;
using NodeId = uint32_t;
inline constexpr NodeId kBroadcast = UINT32_MAX;

/// A radio's PHY: bitrate, per-frame overhead and energy per byte on air.
struct RadioProfile {
  std::string name;
  std::string description;
  double bitrate_bps = 0;
  size_t phy_overhead = 0;    ///< bytes on air around every frame (preamble, sync, length, CRC)
  double tx_uj_per_byte = 0;  ///< µJ per byte transmitted
  double rx_uj_per_byte = 0;  ///< µJ per byte received
  size_t max_mtu = 1024;      ///< largest frame the PHY carries
};

/// The named profiles; the first is the default.
const std::vector<RadioProfile>& radio_profiles();
/// nullptr for an unknown name.
const RadioProfile* find_radio_profile(const std::string& name);

/// Gilbert-Elliott two-state burst loss, per directed link, stepped once per frame.
struct BurstLoss {
  bool enabled = false;
  double p_good_to_bad = 0.05;
  double p_bad_to_good = 0.3;
  double loss_bad = 0.8;  ///< loss in the bad state (the good state uses RadioConfig::loss)
  /// Long-run fraction of frames lost, from the stationary distribution.
  double mean_loss(double loss_good) const;
};

struct RadioConfig {
  RadioProfile profile = radio_profiles().front();
  uint64_t seed = 1;
  double loss = 0;  ///< probability that a frame does not reach a receiver (good state)
  BurstLoss burst{};
  double duplicate = 0;              ///< probability that a receiver gets a frame twice
  double reorder = 0;                ///< probability that a frame is held back so later frames overtake it
  SimTime reorder_delay_us = 30000;  ///< extra delay of a reordered frame: uniform 1..this
  SimTime delay_us = 1000;           ///< fixed latency after the airtime (turnaround, driver)
  SimTime jitter_us = 500;           ///< uniform extra latency 0..this
  size_t mtu = 127;                  ///< frames above this are refused by the radio
  bool collisions = false;           ///< half duplex and overlapping receptions destroy frames
};

/// What happened to a frame at one receiver (or at the sender, for kSent / kTooBig).
enum class Outcome : uint8_t {
  kSent,       ///< left the sender (one per transmission)
  kTooBig,     ///< refused by the radio: above the MTU
  kLost,       ///< did not reach this receiver
  kDelivered,  ///< reached this receiver
  kDuplicate,  ///< a second copy reached this receiver
  kCollided,   ///< reached the receiver's antenna but was destroyed by another frame or its own TX
};
const char* outcome_name(Outcome o);

/// One entry of the radio's queue, handed out by Radio::pop when due.
struct RadioEvent {
  SimTime at = 0;
  uint64_t frame_id = 0;  ///< one per transmission; copies share it
  NodeId from = 0;
  NodeId to = 0;  ///< the receiver (never kBroadcast here)
  bool broadcast = false;
  Outcome outcome = Outcome::kDelivered;
  std::vector<uint8_t> frame;
};

struct NodeStats {
  uint64_t frames_tx = 0, frames_rx = 0;
  uint64_t bytes_tx = 0, bytes_rx = 0;  ///< frame bytes, without PHY overhead
  SimTime airtime_tx_us = 0;
  double tx_uj = 0, rx_uj = 0;
  double energy_uj() const { return tx_uj + rx_uj; }
};

struct RadioStats {
  uint64_t transmissions = 0;
  uint64_t lost = 0, delivered = 0, duplicated = 0, reordered = 0, collided = 0, too_big = 0;
};

/// The seeded PRNG (SplitMix64 seeding a xoshiro256**): fast, and the same
/// numbers on every platform and standard library.
class Prng {
 public:
  explicit Prng(uint64_t seed);
  uint64_t next();
  /// Uniform in [0, 1).
  double uniform();
  /// Uniform in [0, n] (inclusive); 0 when n is 0.
  uint64_t upto(uint64_t n);
  bool chance(double p) { return p > 0 && uniform() < p; }

 private:
  uint64_t s_[4];
};

class Radio {
 public:
  explicit Radio(const RadioConfig& config);

  NodeId add_node();
  size_t nodes() const { return nodes_.size(); }

  /// Airtime of a frame of `len` bytes with this profile's PHY overhead.
  SimTime airtime_us(size_t len) const;

  /// Puts a frame on the air from `from` at `now` (or when the sender's
  /// radio is free). `to` is a node or kBroadcast. Returns the frame id.
  /// The kSent or kTooBig outcome is queued at the start of transmission.
  uint64_t transmit(NodeId from, NodeId to, const std::vector<uint8_t>& frame, SimTime now);

  /// The time of the next queued outcome, kNever if none.
  SimTime next_time() const;
  /// The next outcome due at or before `now`, in time order; false if none.
  bool pop(SimTime now, RadioEvent& out);

  const NodeStats& node_stats(NodeId n) const { return nodes_.at(n).stats; }
  const RadioStats& stats() const { return stats_; }
  const RadioConfig& config() const { return config_; }

 private:
  struct Reception {
    SimTime start, end;
    uint64_t entry;
  };
  struct Node {
    SimTime tx_free = 0;
    std::vector<std::pair<SimTime, SimTime>> tx_busy;  // recent transmissions
    std::vector<Reception> rx;                         // recent receptions (collisions)
    NodeStats stats;
  };
  struct Link {
    bool bad = false;
  };

  void schedule(NodeId from, NodeId to, bool broadcast, uint64_t frame_id, SimTime tx_start, SimTime tx_end,
                const std::vector<uint8_t>& frame);
  uint64_t enqueue(RadioEvent ev);
  void check_collision(NodeId to, SimTime start, SimTime end, uint64_t entry);
  void prune(Node& n, SimTime before);
  bool lost_on_link(NodeId from, NodeId to, bool step);

  RadioConfig config_;
  Prng rng_;
  std::vector<Node> nodes_;
  std::unordered_map<uint64_t, Link> links_;  // key: from << 32 | to
  std::unordered_map<uint64_t, RadioEvent> entries_;
  using Key = std::pair<SimTime, uint64_t>;  // (time, entry id): ties in queueing order
  std::priority_queue<Key, std::vector<Key>, std::greater<Key>> queue_;
  uint64_t next_entry_ = 0;
  uint64_t next_frame_ = 0;
  RadioStats stats_;
};

}  // namespace hush::sim
