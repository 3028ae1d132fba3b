// SPDX-License-Identifier: Apache-2.0
#include "hush/ct.h"
#include "hush/psk.h"

namespace hush::psk {
namespace detail {

namespace {

bool due(uint32_t now, uint32_t since, uint32_t interval) noexcept {
  return now - since >= interval;
}

uint8_t level_of(record::LimitState s) noexcept {
  return s == record::LimitState::kReached ? 2 : s == record::LimitState::kNear ? 1 : 0;
}

}  // namespace

struct NodeAccess {
  // --- shared ---------------------------------------------------------------

  static void emit(Node& n, const Event& ev) noexcept { n.platform_.event(n.platform_.user, ev); }

  static bool transmit(Node& n, ConstByteSpan frame) noexcept {
    if (n.platform_.transmit(n.platform_.user, frame) != TxResult::kSent) {
      ++n.counters_.tx_busy;
      return false;
    }
    ++n.counters_.frames_out;
    return true;
  }

  // Reports a key's limit once per level it reaches, not on every record.
  static void limit(Node& n, Source source, uint8_t peer, record::LimitState s, uint8_t& reported) noexcept {
    const uint8_t lvl = level_of(s);
    if (lvl <= reported) return;
    reported = lvl;
    Event ev;
    ev.type = lvl == 2 ? EventType::kLimitReached : EventType::kLimitNear;
    ev.source = source;
    ev.peer = peer;
    ev.epoch = n.group_.epoch();
    ev.error = lvl == 2 ? Error::kLimitReached : Error::kOk;
    emit(n, ev);
  }

  static void count_drop(Node& n, Error e) noexcept {
    Counters::Drops& d = n.counters_.drops;
    switch (e) {
      case Error::kReplay: ++d.replay; break;
      case Error::kTooOld: ++d.too_old; break;
      case Error::kAuthFailed: ++d.auth_fail; break;
      case Error::kUnknownContext: ++d.unknown_context; break;
      case Error::kFreshnessUnknown: ++d.freshness_unknown; break;
      case Error::kLimitReached: ++d.limit; break;
      default: ++d.malformed; break;
    }
  }

  static void deliver(Node& n, Source source, uint8_t peer, ConstByteSpan data, bool provisional) noexcept {
    ++n.counters_.delivered;
    Event ev;
    ev.type = EventType::kData;
    ev.source = source;
    ev.peer = peer;
    ev.data = data;
    ev.provisional = provisional;
    ev.epoch = n.group_.epoch();
    emit(n, ev);
  }

  static void fresh(Node& n, Source source, uint8_t peer) noexcept {
    ++n.counters_.freshness_proven;
    Event ev;
    ev.type = EventType::kFresh;
    ev.source = source;
    ev.peer = peer;
    ev.epoch = n.group_.epoch();
    emit(n, ev);
  }

  // One Echo answer per interval for the whole node: a replayed challenge
  // must not turn the node into a transmitter the attacker controls.
  static bool may_answer(Node& n, uint32_t now) noexcept {
    if (n.answered_ && !due(now, n.answered_at_, n.settings_.challenge_interval_ms)) {
      ++n.counters_.drops.rate_limited;
      return false;
    }
    n.answered_ = true;
    n.answered_at_ = now;
    return true;
  }

  // --- group ------------------------------------------------------------------

  static Error seal_group(Node& n, ConstByteSpan payload, bool control, bool remember) noexcept {
    group::GroupSealed sealed;
    uint8_t frame[kMaxFrame];
    const Error e = n.group_.seal(payload, ByteSpan(frame), sealed, control);
    limit(n, Source::kGroup, n.group_.sender_id(), sealed.limit, n.group_limit_level_);
    HUSH_TRY(e);
    const ConstByteSpan out(frame, sealed.size);
    if (remember) {
      for (size_t i = 0; i < sealed.size; ++i) n.last_[i] = frame[i];
      n.last_len_ = sealed.size;
    }
    return transmit(n, out) ? Error::kOk : Error::kBufferTooSmall;
  }

  static void challenge_group(Node& n, uint8_t sender, uint32_t now) noexcept {
    uint8_t msg[wire::kGroupEchoMessageLen];
    size_t len = 0;
    if (!ok(n.group_.make_challenge(sender, now, n.settings_.challenge_interval_ms, ByteSpan(msg), len))) {
      ++n.counters_.drops.rate_limited;
      return;
    }
    if (ok(seal_group(n, ConstByteSpan(msg, len), true, false))) ++n.counters_.challenges_sent;
  }

  static void answer_group(Node& n, uint8_t requester, ConstByteSpan echo, uint32_t now) noexcept {
    if (!may_answer(n, now)) return;
    uint8_t msg[wire::kGroupEchoMessageLen];
    msg[0] = static_cast<uint8_t>(wire::GroupControl::kEchoResponse);
    msg[1] = requester;
    for (size_t i = 0; i < wire::kEchoLen; ++i) msg[2 + i] = echo[i];
    if (ok(seal_group(n, ConstByteSpan(msg), true, false))) ++n.counters_.echo_answers;
  }

  static void start_group_grace(Node& n, uint32_t now) noexcept {
    n.group_grace_ = n.group_.has_previous();
    n.group_grace_start_ = now;
    n.group_limit_level_ = 0;
    Event ev;
    ev.type = EventType::kEpochChanged;
    ev.source = Source::kGroup;
    ev.peer = n.group_.sender_id();
    ev.epoch = n.group_.epoch();
    emit(n, ev);
  }

  static void control_group(Node& n, const group::GroupOpened& o, ConstByteSpan p, uint32_t now) noexcept {
    if (p.empty()) return;
    const auto code = static_cast<wire::GroupControl>(p[0]);
    if (code == wire::GroupControl::kEchoRequest && p.size() == wire::kGroupEchoMessageLen) {
      if (p[1] == n.group_.sender_id()) answer_group(n, o.sender, p.subspan(2), now);
      return;
    }
    // Everything else needs a proven sender.
    if (o.freshness != group::Freshness::kFresh) return;
    if (code == wire::GroupControl::kEpoch && p.size() == wire::kGroupEpochMessageLen &&
        n.settings_.accept_epoch_command) {
      const uint32_t epoch = static_cast<uint32_t>(p[1]) << 24 | static_cast<uint32_t>(p[2]) << 16 |
                             static_cast<uint32_t>(p[3]) << 8 | p[4];
      // Only forward: a replayed or stale command is ignored.
      if (epoch > n.group_.epoch() && ok(n.group_.rotate(epoch))) start_group_grace(n, now);
    }
  }

  static void input_group(Node& n, ConstByteSpan frame, uint32_t now) noexcept {
    group::GroupOpened o;
    const Error e = n.group_.open(frame, ByteSpan(n.scratch_), o);
    limit(n, Source::kGroup, o.sender, o.limit, n.group_limit_level_);
    const ConstByteSpan payload(n.scratch_, o.size);
    if (!ok(e)) {
      if (e == Error::kUnknownContext && o.sender == n.group_.sender_id() && n.group_.ready()) {
        ++n.counters_.drops.reflected;
      } else {
        count_drop(n, e);
      }
      if (o.challenge) challenge_group(n, o.sender, now);
      return;
    }
    if (o.proved) {
      fresh(n, Source::kGroup, o.sender);
    } else if (o.control) {
      control_group(n, o, payload, now);
    } else {
      deliver(n, Source::kGroup, o.sender, payload, o.freshness == group::Freshness::kProvisional);
    }
    ct::wipe(ByteSpan(n.scratch_, o.size));
    if (o.challenge) challenge_group(n, o.sender, now);
  }

  // --- pairwise ---------------------------------------------------------------

  // What the FreshnessProof hook sees: the slot, the record's kind (parsed
  // before the decryption), and where to keep an unproven payload.
  struct Proof {
    Node* node;
    PairwiseSlot* slot;
    bool control;
    bool captured;
    size_t size;
  };

  static bool proves(void* user, uint64_t /*seq*/, ConstByteSpan payload) noexcept {
    auto* p = static_cast<Proof*>(user);
    PairwiseSlot& s = *p->slot;
    if (p->control && s.challenged && payload.size() == 1 + wire::kEchoLen &&
        payload[0] == static_cast<uint8_t>(wire::RecordControl::kEchoResponse) &&
        ct::equal(payload.subspan(1), ConstByteSpan(s.echo))) {
      return true;
    }
    // Not a proof: keep the payload so that the node can answer an Echo
    // request, or deliver the one provisional record of the accept-once policy.
    for (size_t i = 0; i < payload.size() && i < kMaxFrame; ++i) p->node->scratch_[i] = payload[i];
    p->size = payload.size() < kMaxFrame ? payload.size() : kMaxFrame;
    p->captured = true;
    return false;
  }

  static Error seal_pairwise(Node& n, uint8_t handle, ConstByteSpan payload, record::RecordKind kind,
                             bool remember) noexcept {
    PairwiseSlot& s = n.pairs_[handle];
    record::Sealed sealed;
    uint8_t frame[kMaxFrame];
    const Error e = record::seal(s.ctx[s.current], payload, ByteSpan(frame), sealed, kind);
    limit(n, Source::kPairwise, handle, sealed.limit, s.limit_level);
    HUSH_TRY(e);
    if (remember) {
      for (size_t i = 0; i < sealed.size; ++i) n.last_[i] = frame[i];
      n.last_len_ = sealed.size;
    }
    return transmit(n, ConstByteSpan(frame, sealed.size)) ? Error::kOk : Error::kBufferTooSmall;
  }

  static void echo_pairwise(Node& n, uint8_t handle, wire::RecordControl code, ConstByteSpan echo) noexcept {
    uint8_t msg[1 + wire::kEchoLen];
    msg[0] = static_cast<uint8_t>(code);
    for (size_t i = 0; i < wire::kEchoLen; ++i) msg[1 + i] = echo[i];
    if (ok(seal_pairwise(n, handle, ConstByteSpan(msg), record::RecordKind::kControl, false))) {
      ++(code == wire::RecordControl::kEchoRequest ? n.counters_.challenges_sent : n.counters_.echo_answers);
    }
  }

  static void challenge_pairwise(Node& n, uint8_t handle, uint32_t now) noexcept {
    PairwiseSlot& s = n.pairs_[handle];
    if (s.challenged && !due(now, s.challenged_at, n.settings_.challenge_interval_ms)) {
      ++n.counters_.drops.rate_limited;
      return;
    }
    if (!s.challenged) {
      if (!ok(crypto::random_bytes(ByteSpan(s.echo)))) return;
      s.challenged = true;
    }
    s.challenged_at = now;
    echo_pairwise(n, handle, wire::RecordControl::kEchoRequest, ConstByteSpan(s.echo));
  }

  static bool is_echo_request(ConstByteSpan p) noexcept {
    return p.size() == 1 + wire::kEchoLen && p[0] == static_cast<uint8_t>(wire::RecordControl::kEchoRequest);
  }

  static void input_pairwise(Node& n, ConstByteSpan frame, uint32_t now) noexcept {
    record::RecordHeader h;
    const Error he = record::parse_header(frame, h);
    if (!ok(he) || !h.has_cid) {
      count_drop(n, ok(he) ? Error::kUnknownContext : he);
      return;
    }
    // Route by connection id (the peer's Sender ID) and key phase.
    uint8_t handle = 0;
    record::SecurityContext* ctx = nullptr;
    for (uint8_t i = 0; i < kMaxPairwise && ctx == nullptr; ++i) {
      PairwiseSlot& s = n.pairs_[i];
      for (record::SecurityContext& c : s.ctx) {
        if (s.used && c.ready() && c.recipient_id().size() == 1 && c.recipient_id()[0] == h.cid &&
            c.key_phase() == h.key_phase) {
          ctx = &c;
          handle = i;
        }
      }
    }
    if (ctx == nullptr) {
      ++n.counters_.drops.unknown_context;
      return;
    }
    PairwiseSlot& s = n.pairs_[handle];
    const bool unproven = ctx->replay_window().state() == record::WindowState::kUnknown;
    // The record an unproven peer sent last, repeated: dropped before any AES.
    if (unproven && s.held && s.held_seq == h.seq) {
      ++n.counters_.drops.replay;
      return;
    }
    Proof proof{&n, &s, h.kind == record::RecordKind::kControl, false, 0};
    const record::FreshnessProof hook{&NodeAccess::proves, &proof};
    record::Opened o;
    // open() wipes its output when the proof hook declines, so it decrypts
    // here and the hook keeps its copy in scratch_.
    uint8_t plain[kMaxFrame];
    const Error e = record::open(*ctx, frame, ByteSpan(plain), o, &hook);
    limit(n, Source::kPairwise, handle, o.limit, s.limit_level);
    if (ok(e)) {
      const ConstByteSpan payload(plain, o.size);
      if (unproven) {
        s.challenged = false;
        s.held = false;
        s.provisional = false;
        ct::wipe_object(s.echo);
        fresh(n, Source::kPairwise, handle);
      } else if (o.kind == record::RecordKind::kControl) {
        if (is_echo_request(payload) && may_answer(n, now)) {
          echo_pairwise(n, handle, wire::RecordControl::kEchoResponse, payload.subspan(1));
        }
      } else {
        deliver(n, Source::kPairwise, handle, payload, false);
      }
      ct::wipe(ByteSpan(plain, o.size));
      return;
    }
    if (e != Error::kFreshnessUnknown || !proof.captured) {
      count_drop(n, e);
      return;
    }
    const ConstByteSpan payload(n.scratch_, proof.size);
    if (proof.control) {
      // An unproven peer may ask for our freshness; nothing else.
      if (is_echo_request(payload) && may_answer(n, now)) {
        echo_pairwise(n, handle, wire::RecordControl::kEchoResponse, payload.subspan(1));
      } else {
        count_drop(n, e);
      }
    } else if (n.settings_.policy == FreshnessPolicy::kAcceptOnceThenChallenge && !s.provisional) {
      s.provisional = true;
      s.held = true;
      s.held_seq = static_cast<uint32_t>(h.seq);
      deliver(n, Source::kPairwise, handle, payload, true);
      challenge_pairwise(n, handle, now);
    } else {
      if (!s.provisional) {
        s.held = true;
        s.held_seq = static_cast<uint32_t>(h.seq);
      }
      count_drop(n, e);
      challenge_pairwise(n, handle, now);
    }
    ct::wipe(ByteSpan(n.scratch_, proof.size));
  }
};

}  // namespace detail

using detail::NodeAccess;

Error Node::begin(const Platform& platform, const Settings& settings) noexcept {
  if (platform.transmit == nullptr || platform.event == nullptr) return Error::kInvalidArgument;
  platform_ = platform;
  settings_ = settings;
  counters_ = Counters{};
  begun_ = true;
  return Error::kOk;
}

Error Node::join_group(const group::GroupSecrets& secrets, group::GroupOptions options) noexcept {
  if (!begun_) return Error::kInvalidState;
  options.policy = settings_.policy;
  group_grace_ = false;
  group_limit_level_ = 0;
  return group_.begin(secrets, options);
}

Error Node::add_pairwise(const record::PskSecrets& secrets, record::ContextOptions options, uint8_t& handle) noexcept {
  if (!begun_) return Error::kInvalidState;
  for (uint8_t i = 0; i < kMaxPairwise; ++i) {
    detail::PairwiseSlot& s = pairs_[i];
    if (s.used) continue;
    options.send_cid = true;
    HUSH_TRY(s.ctx[0].derive(secrets, options));
    s.current = 0;
    s.used = true;
    s.grace = s.challenged = s.held = s.provisional = false;
    s.limit_level = 0;
    handle = i;
    return Error::kOk;
  }
  return Error::kBufferTooSmall;
}

Error Node::send_group(ConstByteSpan payload, uint32_t /*now*/) noexcept {
  return NodeAccess::seal_group(*this, payload, false, true);
}

Error Node::send_pairwise(uint8_t handle, ConstByteSpan payload, uint32_t /*now*/) noexcept {
  if (handle >= kMaxPairwise || !pairs_[handle].used) return Error::kInvalidArgument;
  return NodeAccess::seal_pairwise(*this, handle, payload, record::RecordKind::kData, true);
}

Error Node::repeat_last(uint32_t /*now*/) noexcept {
  if (last_len_ == 0) return Error::kInvalidState;
  return NodeAccess::transmit(*this, last_frame()) ? Error::kOk : Error::kBufferTooSmall;
}

Error Node::challenge_group(uint8_t sender, uint32_t now) noexcept {
  if (!group_.ready()) return Error::kInvalidState;
  uint8_t msg[wire::kGroupEchoMessageLen];
  size_t len = 0;
  HUSH_TRY(group_.make_challenge(sender, now, settings_.challenge_interval_ms, ByteSpan(msg), len));
  HUSH_TRY(NodeAccess::seal_group(*this, ConstByteSpan(msg, len), true, false));
  ++counters_.challenges_sent;
  return Error::kOk;
}

Error Node::challenge_pairwise(uint8_t handle, uint32_t now) noexcept {
  if (handle >= kMaxPairwise || !pairs_[handle].used) return Error::kInvalidArgument;
  if (pairwise_freshness(handle) == group::Freshness::kFresh) return Error::kInvalidState;
  const detail::PairwiseSlot& s = pairs_[handle];
  if (s.challenged && now - s.challenged_at < settings_.challenge_interval_ms) return Error::kInvalidState;
  const uint32_t before = counters_.challenges_sent;
  NodeAccess::challenge_pairwise(*this, handle, now);
  return counters_.challenges_sent != before ? Error::kOk : Error::kBufferTooSmall;
}

Error Node::command_epoch(uint32_t epoch, uint32_t now) noexcept {
  if (!group_.ready()) return Error::kInvalidState;
  if (epoch <= group_.epoch()) return Error::kInvalidArgument;
  const uint8_t msg[wire::kGroupEpochMessageLen] = {
      static_cast<uint8_t>(wire::GroupControl::kEpoch), static_cast<uint8_t>(epoch >> 24),
      static_cast<uint8_t>(epoch >> 16), static_cast<uint8_t>(epoch >> 8), static_cast<uint8_t>(epoch)};
  // Remembered, so that repeat_last() carries the command through the
  // members' wake windows; it is sealed under the old key, which they hold.
  HUSH_TRY(NodeAccess::seal_group(*this, ConstByteSpan(msg), true, true));
  return rotate_group(epoch, ConstByteSpan(), now);
}

Error Node::rotate_group(uint32_t epoch, ConstByteSpan master_secret, uint32_t now) noexcept {
  HUSH_TRY(group_.rotate(epoch, master_secret));
  NodeAccess::start_group_grace(*this, now);
  return Error::kOk;
}

Error Node::rekey_pairwise(uint8_t handle, const record::PskSecrets& secrets, record::ContextOptions options,
                           uint32_t now) noexcept {
  if (handle >= kMaxPairwise || !pairs_[handle].used) return Error::kInvalidArgument;
  detail::PairwiseSlot& s = pairs_[handle];
  const uint8_t next = static_cast<uint8_t>(s.current ^ 1);
  options.send_cid = true;
  options.key_phase = !s.ctx[s.current].key_phase();
  HUSH_TRY(s.ctx[next].derive(secrets, options));
  s.current = next;
  s.grace = true;
  s.grace_start = now;
  s.limit_level = 0;
  return Error::kOk;
}

void Node::input(ConstByteSpan frame, uint32_t now) noexcept {
  ++counters_.frames_in;
  if (frame.empty() || frame.size() > kMaxFrame) {
    ++counters_.drops.malformed;
    return;
  }
  const uint8_t kind = frame[0] & wire::kFrameRecordMask;
  if (kind == wire::kFrameGroup) {
    NodeAccess::input_group(*this, frame, now);
  } else if ((frame[0] & 0x80) != 0) {
    NodeAccess::input_pairwise(*this, frame, now);
  } else {
    // Session frames (EDHOC, discovery) belong to an Endpoint, not here.
    ++counters_.drops.malformed;
  }
}

Error Node::poll(uint32_t now) noexcept {
  if (group_grace_ && now - group_grace_start_ >= settings_.grace_ms) {
    group_.retire_previous();
    group_grace_ = false;
    Event ev;
    ev.type = EventType::kGraceEnded;
    ev.source = Source::kGroup;
    ev.epoch = group_.epoch();
    NodeAccess::emit(*this, ev);
  }
  for (uint8_t i = 0; i < kMaxPairwise; ++i) {
    detail::PairwiseSlot& s = pairs_[i];
    if (!s.used || !s.grace || now - s.grace_start < settings_.grace_ms) continue;
    s.ctx[s.current ^ 1].reset();
    s.grace = false;
    Event ev;
    ev.type = EventType::kGraceEnded;
    ev.source = Source::kPairwise;
    ev.peer = i;
    NodeAccess::emit(*this, ev);
  }
  return Error::kOk;
}

uint32_t Node::next_deadline(uint32_t now) const noexcept {
  uint32_t best = UINT32_MAX;
  uint32_t left = UINT32_MAX;
  auto consider = [&](uint32_t start) {
    const uint32_t elapsed = now - start;
    const uint32_t remaining = elapsed >= settings_.grace_ms ? 0 : settings_.grace_ms - elapsed;
    if (remaining < left) {
      left = remaining;
      best = now + remaining;
    }
  };
  if (group_grace_) consider(group_grace_start_);
  for (const detail::PairwiseSlot& s : pairs_) {
    if (s.used && s.grace) consider(s.grace_start);
  }
  return best;
}

const record::SecurityContext* Node::pairwise(uint8_t handle) const noexcept {
  if (handle >= kMaxPairwise || !pairs_[handle].used) return nullptr;
  return &pairs_[handle].ctx[pairs_[handle].current];
}

group::Freshness Node::pairwise_freshness(uint8_t handle) const noexcept {
  const record::SecurityContext* c = pairwise(handle);
  if (c == nullptr) return group::Freshness::kUnknown;
  if (c->replay_window().state() != record::WindowState::kUnknown) return group::Freshness::kFresh;
  return pairs_[handle].provisional ? group::Freshness::kProvisional : group::Freshness::kUnknown;
}

}  // namespace hush::psk
