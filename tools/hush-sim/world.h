// SPDX-License-Identifier: Apache-2.0
#pragma once

// hush-sim's world: devices that each run a real hush::session::Endpoint
// (real crypto) over the simulated radio, a simulated clock, and everything
// an observer can record: a message-sequence timeline, first transmissions
// and retransmissions, drops by reason, and the causal depth of frames.
//
// Causal depth: a frame a device sends to a peer has depth d + 1, where d
// is the deepest frame from that peer the device has accepted (delivered
// and not dropped). message_1 has depth 1, message_2 depth 2, message_3
// depth 3, whatever was lost and resent on the way, so half the depth of
// the frame that completes something is the number of round trips on its
// critical path.

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <queue>
#include <string>
#include <unordered_set>
#include <vector>

#include "frames.h"
#include "hush/credential.h"
#include "hush/session.h"
#include "radio.h"

namespace hush::sim {

struct WorldConfig {
  RadioConfig radio{};
  int method = 3;
  uint8_t suite = 0;
  uint16_t mtu = 127;
  /// Simulated CPU time of one public-key operation; frames produced by that
  /// poll leave after it. 0: computation takes no simulated time.
  SimTime pk_cost_us = 0;
  bool timeline = true;
  size_t timeline_limit = 20000;
  session::RetransmitSettings retransmit{};  ///< the session layer's defaults unless a scenario says otherwise
  /// Optional: adjusts every device's Settings (limits, rekey) before begin().
  std::function<void(session::Settings&)> settings_hook;
  session::DosSettings dos{};  ///< every device's DoS settings
  session::DiscoverySettings discovery{};
  /// Frames an endpoint sends to a link address no device has (replies to
  /// spoofed senders) are counted, not reported as an anomaly; they take no air time.
  bool unknown_addresses_ok = false;
};

/// One line of the message-sequence timeline.
struct TimelineEntry {
  SimTime at = 0;
  std::string from, to;  ///< device names ("*" for broadcast)
  std::string kind;      ///< decoded kind byte
  size_t bytes = 0;
  std::string what;  ///< sent, retransmitted, lost, delivered, duplicate, dropped: <reason>, collided, event
};

/// An event an endpoint raised, copied out of the callback.
struct AppEvent {
  SimTime at = 0;
  int device = -1;
  int peer_device = -1;  ///< the device at the event's link address (bookkeeping only)
  session::Event ev{};   ///< spans cleared; see data / peer_kid
  std::vector<uint8_t> data;
  std::vector<uint8_t> peer_kid;
  int depth = 0;  ///< causal depth of the peer's frames accepted by then
};

/// Drop reasons, named as the fields of session::Counters::Drops.
std::vector<std::pair<std::string, uint32_t>> drop_fields(const session::Counters::Drops& d);

class World;

struct Device {
  World* world = nullptr;
  int index = -1;
  std::string name;
  NodeId node = 0;
  session::LinkAddr addr{};
  std::unique_ptr<session::Endpoint> ep;
  credential::Ccs ccs{};
  std::vector<uint8_t> sk;
  std::vector<uint8_t> pub;  ///< public key as PeerCredential wants it
  uint8_t kid = 0;
  session::Platform platform{};  ///< kept so that reboot() can begin() again
  session::Settings settings{};
  uint32_t clock_offset_ms = 0;  ///< each device's clock starts elsewhere
  SimTime cpu_free = 0;          ///< busy with a public-key operation until then
  SimTime poll_not_before = 0;   ///< spin guard
  std::vector<std::pair<session::LinkAddr, std::vector<uint8_t>>> outbox;
  std::vector<AppEvent> pending;
  std::string last_log;
  std::unordered_set<std::string> sent_frames;  ///< to tell retransmissions (identical bytes) apart
  // What the device sent, as seen on the air.
  uint64_t edhoc_frames = 0, edhoc_bytes = 0;    ///< first transmissions of EDHOC frames
  uint64_t record_frames = 0, record_bytes = 0;  ///< first transmissions of records (also riding ones)
  uint64_t retransmitted_frames = 0, retransmitted_bytes = 0;
  uint64_t edhoc_fragments = 0;     ///< EDHOC frames that were fragments (first transmissions)
  size_t data_record_overhead = 0;  ///< largest header + tag of a data record it sent
};

class World {
 public:
  explicit World(const WorldConfig& config);
  ~World();
  World(const World&) = delete;
  World& operator=(const World&) = delete;

  /// Adds a provisioned device (fresh key pair of the method's and role's
  /// type, a CCS credential with this kid) running an Endpoint. `initiator`
  /// picks the key type for methods 1 and 2; `accept_incoming` lets it respond.
  int add_device(const std::string& name, uint8_t kid, bool initiator, bool accept_incoming);

  Device& device(int i) { return *devices_.at(static_cast<size_t>(i)); }
  const Device& device(int i) const { return *devices_.at(static_cast<size_t>(i)); }
  size_t devices() const { return devices_.size(); }
  SimTime now() const { return now_; }
  uint32_t clock_ms(const Device& d) const;

  // The application's calls, at the current simulated time.
  Error connect(int dev, int to, session::PeerHandle& peer);
  Error send(int dev, session::PeerHandle peer, const std::vector<uint8_t>& payload, uint8_t flags, uint16_t& message);
  Error close(int dev, session::PeerHandle peer);
  /// Any other endpoint call (pause, resume, export, import), at the
  /// device's clock; its frames and events go out as for the calls above.
  Error call(int dev, const std::function<Error(session::Endpoint&, uint32_t now_ms)>& fn);
  /// Power cycle with RAM off: the Endpoint is destroyed and a new one
  /// begins with the same credential and settings (deep sleep).
  void reboot(int dev);
  /// Called with every frame a device puts on the air (nonce bookkeeping).
  std::function<void(int dev, const std::vector<uint8_t>& frame)> on_transmit;
  Error discover(int dev, ConstByteSpan serial, uint32_t window_ms);
  /// An attacker's raw frame from device `dev`'s radio, now. The receiver
  /// sees `claimed_from` as the sender's link address (empty: dev's own).
  void inject(int dev, const session::LinkAddr& to, const std::vector<uint8_t>& frame,
              const session::LinkAddr& claimed_from = {});
  /// Frames sent to link addresses no device has (see WorldConfig::unknown_addresses_ok).
  uint64_t unknown_tx() const { return unknown_tx_; }

  /// Runs `fn` at simulated time `t` (an application action).
  void at(SimTime t, std::function<void()> fn);
  /// Advances until `done()` holds or nothing is left before `until`.
  void run(SimTime until, const std::function<bool()>& done);

  /// Called for each endpoint event, after the endpoint call returned.
  std::function<void(const AppEvent&)> on_event;

  const std::vector<TimelineEntry>& timeline() const { return timeline_; }
  bool timeline_truncated() const { return timeline_truncated_; }
  const std::vector<AppEvent>& events() const { return events_; }
  const Radio& radio() const { return radio_; }
  const WorldConfig& config() const { return config_; }
  /// Deepest EDHOC frame accepted between two devices (either direction).
  int edhoc_depth(int a, int b) const;
  /// Engine misbehaviour the harness had to work around (e.g. a deadline
  /// that stays in the past after poll()).
  const std::vector<std::string>& anomalies() const { return anomalies_; }
  /// Frames that the radio refused (above its MTU).
  uint64_t too_big() const { return radio_.stats().too_big; }
  /// Size of the largest frame any device sent.
  size_t largest_frame() const { return largest_frame_; }

 private:
  struct Action {
    SimTime at;
    uint64_t seq;
    std::function<void()> fn;
  };
  struct ActionLater {
    bool operator()(const Action& a, const Action& b) const { return a.at != b.at ? a.at > b.at : a.seq > b.seq; }
  };
  struct FrameMeta {
    int device = -1;
    int to_device = -1;
    int depth = 0;
    bool retransmission = false;
    FrameInfo info;
    session::LinkAddr claimed_from{};  ///< inject(): the spoofed sender
  };

  static session::TxResult transmit_hook(void* user, const session::LinkAddr& to, ConstByteSpan frame);
  static void event_hook(void* user, const session::Event& event);
  static bool lookup_hook(void* user, const edhoc::IdCredView& id_cred, edhoc::PeerCredential& out);
  static void log_hook(void* user, const char* what, Error reason);

  int device_at(const session::LinkAddr& a) const;
  SimTime next_poll(Device& d) const;
  void poll_device(int i);
  void anomaly(const std::string& what);
  void flush(int i);
  void dispatch(int i);
  void handle_radio(const RadioEvent& ev);
  void note(SimTime at, const std::string& from, const std::string& to, const std::string& kind, size_t bytes,
            const std::string& what);
  int& depth(int dev, int peer) { return depth_[{dev, peer}]; }

  WorldConfig config_;
  Radio radio_;
  SimTime now_ = 0;
  std::vector<std::unique_ptr<Device>> devices_;
  std::map<std::pair<int, int>, int> depth_;
  std::map<std::pair<int, int>, int> edhoc_depth_;
  std::map<uint64_t, FrameMeta> frames_;
  std::priority_queue<Action, std::vector<Action>, ActionLater> actions_;
  uint64_t action_seq_ = 0;
  std::vector<TimelineEntry> timeline_;
  bool timeline_truncated_ = false;
  std::vector<AppEvent> events_;
  std::vector<std::string> anomalies_;
  size_t largest_frame_ = 0;
  uint64_t unknown_tx_ = 0;
  Prng setup_rng_;
  int current_ = -1;  // device whose endpoint is running (for the hooks)
};

const char* event_name(session::EventType t);
const char* failure_name(session::HandshakeFailure f);

}  // namespace hush::sim
