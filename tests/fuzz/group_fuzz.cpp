// SPDX-License-Identifier: Apache-2.0
// libFuzzer target: arbitrary bytes as a received group record, at the
// GroupContext and through psk::Node::input().
//  - parse_header() either refuses or describes a prefix of the input;
//  - open() never crashes, returns only a documented drop reason, releases
//    no plaintext on a drop, and accepts a record at most once;
//  - a receiver that proved the sender opens a genuine record built from
//    the input as payload exactly once;
//  - Node::input() never crashes and never delivers a frame twice.

#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "hush/group.h"
#include "hush/psk.h"

namespace {

using namespace hush;
using namespace hush::group;

void check(bool cond) {
  if (!cond) std::abort();
}

constexpr uint8_t kSecret[] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15};
constexpr uint8_t kGroupId[] = {0x37, 0xcb};

bool store(void*, uint64_t) noexcept {
  return true;
}
bool store_v(void*, uint32_t) noexcept {
  return true;
}

void begin(GroupContext& c, uint8_t id) {
  GroupSecrets s;
  s.master_secret = ConstByteSpan(kSecret);
  s.group_id = ConstByteSpan(kGroupId);
  s.sender_id = id;
  GroupOptions o;
  o.persistence = record::Persistence{store, nullptr, 16, store_v, 16};
  check(c.begin(s, o) == Error::kOk);
}

bool drop_reason(Error e) {
  return e == Error::kMalformed || e == Error::kUnknownContext || e == Error::kReplay || e == Error::kTooOld ||
         e == Error::kAuthFailed || e == Error::kFreshnessUnknown || e == Error::kLimitReached;
}

bool all_zero(const uint8_t* p, size_t n) {
  for (size_t i = 0; i < n; ++i) {
    if (p[i] != 0) return false;
  }
  return true;
}

// Proves `sender` to `receiver` with one Echo round trip.
void prove(GroupContext& receiver, GroupContext& sender) {
  uint8_t msg[wire::kGroupEchoMessageLen];
  size_t len = 0;
  check(receiver.make_challenge(sender.sender_id(), 0, 0, ByteSpan(msg), len) == Error::kOk);
  uint8_t frame[64], plain[64];
  GroupSealed s;
  GroupOpened o;
  check(receiver.seal(ConstByteSpan(msg, len), ByteSpan(frame), s, true) == Error::kOk);
  check(sender.open(ConstByteSpan(frame, s.size), ByteSpan(plain), o) == Error::kOk);
  plain[0] = static_cast<uint8_t>(wire::GroupControl::kEchoResponse);
  plain[1] = receiver.sender_id();
  check(sender.seal(ConstByteSpan(plain, o.size), ByteSpan(frame), s, true) == Error::kOk);
  check(receiver.open(ConstByteSpan(frame, s.size), ByteSpan(plain), o) == Error::kOk && o.proved);
}

hush::psk::TxResult tx(void*, ConstByteSpan) {
  return hush::psk::TxResult::kSent;
}
void on_event(void* user, const hush::psk::Event& e) {
  if (e.type == hush::psk::EventType::kData) ++*static_cast<unsigned*>(user);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const ConstByteSpan in(data, size);
  GroupHeader h;
  if (parse_header(in, 8, h) == Error::kOk) {
    check(h.size <= size && h.psn_len >= 1 && h.psn_len <= wire::kGroupMaxPsnLen && h.sender == data[1]);
  }

  static GroupContext sender, receiver;
  static bool ready = false;
  if (!ready) {
    begin(sender, 1);
    ready = true;
  }
  begin(receiver, 2);
  prove(receiver, sender);

  // Raw bytes: refused for a documented reason with no plaintext, or accepted once.
  uint8_t out[1100] = {};
  GroupOpened o;
  const Error e = receiver.open(in, ByteSpan(out, size < sizeof(out) ? size : sizeof(out)), o);
  if (e == Error::kOk) {
    check(receiver.open(in, ByteSpan(out, sizeof(out)), o) != Error::kOk);
  } else {
    check(drop_reason(e) || e == Error::kBufferTooSmall);
    check(o.size == 0 && all_zero(out, size < sizeof(out) ? size : sizeof(out)));
  }

  // The input as a payload: sealed, opened once, then a duplicate.
  if (size <= 200) {
    uint8_t frame[256];
    GroupSealed s;
    check(sender.seal(in, ByteSpan(frame), s) == Error::kOk);
    check(receiver.open(ConstByteSpan(frame, s.size), ByteSpan(out, sizeof(out)), o) == Error::kOk && o.size == size);
    for (size_t i = 0; i < size; ++i) check(out[i] == data[i]);
    check(receiver.open(ConstByteSpan(frame, s.size), ByteSpan(out, sizeof(out)), o) == Error::kReplay);
  }

  // Through the node: no crash, and the same frame twice is delivered at most once.
  static hush::psk::Node node;
  static unsigned delivered = 0;
  static bool node_ready = false;
  if (!node_ready) {
    check(node.begin(hush::psk::Platform{tx, on_event, &delivered}, hush::psk::Settings{}) == Error::kOk);
    GroupSecrets s;
    s.master_secret = ConstByteSpan(kSecret);
    s.group_id = ConstByteSpan(kGroupId);
    s.sender_id = 3;
    GroupOptions opt;
    opt.persistence = record::Persistence{store, nullptr, 16, store_v, 16};
    check(node.join_group(s, opt) == Error::kOk);
    node_ready = true;
  }
  const unsigned before = delivered;
  node.input(in, 0);
  node.input(in, 0);
  check(delivered - before <= 1);
  return 0;
}
