// SPDX-License-Identifier: Apache-2.0
// Review (branch review-b): pause/resume/WAKE, rekeying and deep sleep.
// Each test demonstrates a defect found in review; it fails on the code it
// was written against.

#include <gtest/gtest.h>

#include <set>

#include "hush/record.h"
#include "hush/session.h"
#include "test_net.h"

namespace hush::session::test {
namespace {

struct MarkStore {
  uint64_t mark = 0;
  static bool reserve(void* user, uint64_t until) noexcept {
    static_cast<MarkStore*>(user)->mark = until;
    return true;
  }
};

const uint8_t kKey[16] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};

SleepStore store_for(MarkStore& st) {
  SleepStore s;
  s.key = ConstByteSpan(kKey);
  s.reserve = &MarkStore::reserve;
  s.user = &st;
  s.ahead = 16;
  s.stored_sequence = st.mark;
  return s;
}

bool is_kind(const Bytes& f, uint8_t kind) {
  return !f.empty() && (f[0] & 0x80) != 0 && (f[0] & wire::kFrameRecordMask) == kind;
}

// A blob restored a second time has an unknown replay window until the
// peer acks the probe. Exported again in that state (a sleepy device that
// wakes, hears nothing and sleeps again), the blob records "nothing received
// yet", and its next restore accepts every record of the earlier lives.
TEST(ReviewSleep, BlobExportedWhileWindowUnknownAcceptsReplaysFromEarlierLife) {
  Net net(51);
  Node& client = net.add();
  Node& server = net.add();
  const PeerHandle c = connect(net);
  const PeerHandle s = server_handle(server);
  ASSERT_EQ(client.ep.pause(c, net.now()), Error::kOk);
  ASSERT_EQ(server.ep.pause(s, net.now()), Error::kOk);
  MarkStore st;
  uint8_t blob[kSessionBlobLen];
  size_t len = 0;
  ASSERT_EQ(client.ep.export_session(c, store_for(st), ByteSpan(blob), len, net.now()), Error::kOk);

  // Life 1: the blob restored, records from the server delivered.
  net.reboot(0);
  PeerHandle h;
  ASSERT_EQ(client.ep.import_session(ConstByteSpan(blob, len), store_for(st), h, net.now()), Error::kOk);
  ASSERT_EQ(client.ep.resume(h, net.now()), Error::kOk);
  ASSERT_EQ(send(client, h, reading(1), kSendConfirmed, net.now()), Error::kOk);
  ASSERT_TRUE(net.run(10000, [&] { return client.count(EventType::kDelivered) == 1; }));
  const size_t first = net.sent.size();
  for (uint32_t i = 0; i < 3; ++i) {
    ASSERT_EQ(send(server, s, reading(100 + i), kSendDefault, net.now()), Error::kOk);
    net.run(200);
  }
  ASSERT_EQ(client.data.size(), 3u);
  std::vector<Bytes> life1;
  for (size_t k = first; k < net.sent.size(); ++k) {
    if (net.sent[k].from == 1 && is_kind(net.sent[k].frame, wire::kFrameRecord)) life1.push_back(net.sent[k].frame);
  }
  ASSERT_EQ(life1.size(), 3u);
  // From here the server is out of range: only the attacker reaches the client.
  net.attacker = [](InFlight& f) { return f.to != 0; };

  // Power lost without an export; the same blob restored again (window
  // unknown), then exported again before any proof of freshness.
  net.reboot(0);
  ASSERT_EQ(client.ep.import_session(ConstByteSpan(blob, len), store_for(st), h, net.now()), Error::kOk);
  EXPECT_EQ(client.ep.context(h)->replay_window().state(), record::WindowState::kUnknown);
  uint8_t blob2[kSessionBlobLen];
  size_t len2 = 0;
  ASSERT_EQ(client.ep.export_session(h, store_for(st), ByteSpan(blob2), len2, net.now()), Error::kOk);

  net.reboot(0);
  ASSERT_EQ(client.ep.import_session(ConstByteSpan(blob2, len2), store_for(st), h, net.now()), Error::kOk);
  const size_t got = client.data.size();
  for (const Bytes& r : life1) net.inject(0, r, 1, 1);
  net.run(100);
  EXPECT_EQ(client.data.size(), got) << "records replayed from an earlier life were delivered again";
  EXPECT_NE(client.ep.context(h)->replay_window().state(), record::WindowState::kEmpty);
}

// A paused session must arm no timer (docs/SECURITY.md "Pause and wake").
// A replayed control record of the peer (within the window) is
// authenticated and acked: the ack timer is armed on the paused session,
// peer_timers() never serves it, and next_deadline() reports `now` forever:
// the device cannot sleep (poll() returns kNeedMore in a loop).
TEST(ReviewSleep, ReplayedRecordMakesPausedSessionSpinForever) {
  Net net(52);
  Node& client = net.add();
  Node& server = net.add();
  const PeerHandle c = connect(net);
  const PeerHandle s = server_handle(server);
  const size_t first = net.sent.size();
  ASSERT_EQ(send(server, s, reading(7), kSendConfirmed, net.now()), Error::kOk);
  ASSERT_TRUE(net.run(10000, [&] { return server.count(EventType::kDelivered) == 1; }));
  Bytes captured;
  for (size_t k = first; k < net.sent.size(); ++k) {
    if (net.sent[k].from == 1 && is_kind(net.sent[k].frame, wire::kFrameRecordConfirmed)) captured = net.sent[k].frame;
  }
  ASSERT_FALSE(captured.empty());
  ASSERT_EQ(client.ep.pause(c, net.now()), Error::kOk);
  ASSERT_EQ(server.ep.pause(s, net.now()), Error::kOk);
  ASSERT_EQ(client.ep.next_deadline(net.now()), UINT32_MAX);
  net.inject(0, captured, 1, 1);  // the attacker replays one genuine record
  net.run(50);
  net.advance(3600u * 1000u);
  for (int i = 0; i < 3; ++i) (void)client.ep.poll(net.now());
  EXPECT_EQ(client.ep.next_deadline(net.now()), UINT32_MAX) << "paused session keeps a due timer";
  EXPECT_EQ(client.ep.poll(net.now()), Error::kOk);
  EXPECT_TRUE(client.ep.paused(c));
}

// The same without an attacker: pausing while a confirmed record waits for
// its ack leaves a transmit slot whose resend time next_deadline() keeps
// reporting, though tx_timers() skips paused sessions.
TEST(ReviewSleep, PauseWithUnackedConfirmedRecordSpinsForever) {
  Net net(53);
  Node& client = net.add();
  net.add();
  const PeerHandle c = connect(net);
  net.attacker = [](InFlight& f) { return f.from != 1; };  // the ack is lost
  ASSERT_EQ(send(client, c, reading(1), kSendConfirmed, net.now()), Error::kOk);
  net.run(20);
  ASSERT_EQ(client.ep.pause(c, net.now()), Error::kOk);
  net.advance(3600u * 1000u);
  EXPECT_EQ(client.ep.next_deadline(net.now()), UINT32_MAX) << "paused session keeps a due timer";
  EXPECT_EQ(client.ep.poll(net.now()), Error::kOk);
}

// A confirmed record of the peer that was lost before the export sits below
// the restored window edge; load() marks everything below the edge as seen,
// so the peer's resend after import is taken for a resend whose ack was
// lost: it is acked (kDelivered at the sender) but never delivered.
TEST(ReviewSleep, RecordLostBeforeExportIsFalselyAckedAfterImport) {
  Net net(54);
  Node& client = net.add();
  Node& server = net.add();
  const PeerHandle c = connect(net);
  const PeerHandle s = server_handle(server);
  bool dropped = false;
  net.attacker = [&](InFlight& f) {
    if (!dropped && f.from == 1 && is_kind(f.frame, wire::kFrameRecordConfirmed)) {
      dropped = true;  // the radio loses the first one
      return false;
    }
    return true;
  };
  ASSERT_EQ(send(server, s, reading(1), kSendConfirmed, net.now()), Error::kOk);
  ASSERT_EQ(send(server, s, reading(2), kSendConfirmed, net.now()), Error::kOk);
  ASSERT_TRUE(net.run(500, [&] { return client.data.size() == 1; }));
  ASSERT_TRUE(dropped);
  // The client goes to deep sleep at once.
  ASSERT_EQ(client.ep.pause(c, net.now()), Error::kOk);
  MarkStore st;
  uint8_t blob[kSessionBlobLen];
  size_t len = 0;
  ASSERT_EQ(client.ep.export_session(c, store_for(st), ByteSpan(blob), len, net.now()), Error::kOk);
  net.reboot(0);
  PeerHandle h;
  ASSERT_EQ(client.ep.import_session(ConstByteSpan(blob, len), store_for(st), h, net.now()), Error::kOk);
  ASSERT_EQ(client.ep.resume(h, net.now()), Error::kOk);
  net.run(60000, [&] { return server.count(EventType::kDelivered) + server.count(EventType::kDeliveryFailed) == 2; });
  std::set<Bytes> got(client.data.begin(), client.data.end());
  EXPECT_EQ(server.count(EventType::kDelivered), got.size())
      << "the sender was told a payload was delivered that the receiver never got";
  // The blob keeps the window's bitmap: the payload lost before the export
  // is accepted when resent after the import.
  EXPECT_EQ(got.size(), 2u);
}

// pause() abandons a rekey "not yet confirmed". For the initiator in
// kNextReady the responder may already seal with the new keys (it switched
// when message_3 verified): dropping them strands the session, which
// rekey_timers() avoids for the same situation.
TEST(ReviewSleep, PauseWhileInitiatorAwaitsRekeyConfirmationStrandsSession) {
  Net net(55);
  Settings cs;
  cs.rekey.after_bytes = 200;
  cs.rekey.retire_after_ms = 20000;
  Settings ss;
  ss.rekey.retire_after_ms = 20000;
  Node& client = net.add(cs);
  Node& server = net.add(ss);
  const PeerHandle c = connect(net);
  const PeerHandle s = server_handle(server);
  bool block = false, paused = false;
  server.on_event = [&](const Event& e) {
    if (e.type == EventType::kRekeyed) block = true;
  };
  net.attacker = [&](InFlight& f) { return !(block && f.from == 1); };
  net.after_call = [&](bool) {
    if (block && !paused) {
      paused = true;
      EXPECT_EQ(client.ep.pause(c, net.now()), Error::kOk);
    }
  };
  for (uint32_t i = 0; i < 8 && !paused; ++i) {
    ASSERT_EQ(send(client, c, reading(i, 40), kSendDefault, net.now()), Error::kOk);
    net.run(500);
  }
  net.run(5000, [&] { return paused; });
  ASSERT_TRUE(paused);
  EXPECT_EQ(client.count(EventType::kRekeyed), 0u);
  net.run(100);
  net.after_call = nullptr;
  block = false;
  ASSERT_EQ(client.ep.resume(c, net.now()), Error::kOk);
  ASSERT_EQ(send(client, c, reading(900), kSendConfirmed, net.now()), Error::kOk);
  ASSERT_EQ(send(server, s, reading(901), kSendConfirmed, net.now()), Error::kOk);
  net.run(60000, [&] {
    return client.count(EventType::kDelivered) + client.count(EventType::kDeliveryFailed) >= 1 &&
           server.count(EventType::kDelivered) + server.count(EventType::kDeliveryFailed) >= 1;
  });
  EXPECT_EQ(client.count(EventType::kDelivered), 1u);
  EXPECT_EQ(server.count(EventType::kDelivered), 1u);
  EXPECT_EQ(client.count(EventType::kPeerDead) + server.count(EventType::kPeerDead), 0u);
}

// Key age is awake time: pause() stores the age in keys_born and resume()
// turns it back into a time. A session resumed by the peer's record
// (resume_proven: the usual way a paused responder wakes) skips that, so
// keys_born keeps the age and is read as a timestamp: the age limit
// (rekey.after_ms) is missed by as long as the session had been awake.
TEST(ReviewSleep, SessionResumedByPeerRecordOverrunsKeyAgeLimit) {
  Net net(56);
  Settings cs;  // the client has no age limit of its own
  Settings ss;
  ss.rekey.after_ms = 600000;  // 10 min of awake time
  Node& client = net.add(cs);
  Node& server = net.add(ss);
  const PeerHandle c = connect(net);
  const PeerHandle s = server_handle(server);
  net.run(540000);  // 9 min awake
  ASSERT_EQ(client.count(EventType::kRekeyed), 0u);
  ASSERT_EQ(client.ep.pause(c, net.now()), Error::kOk);
  ASSERT_EQ(server.ep.pause(s, net.now()), Error::kOk);
  net.run(60000);  // 1 min asleep
  ASSERT_EQ(client.ep.resume(c, net.now()), Error::kOk);
  ASSERT_EQ(send(client, c, reading(1), kSendConfirmed, net.now()), Error::kOk);
  ASSERT_TRUE(net.run(10000, [&] { return !server.ep.paused(s); }));  // woken by the client's record
  const uint32_t resumed = net.now();
  uint32_t next = net.now();
  net.after_call = [&](bool) {
    if (net.now() >= next && ok(send(server, s, reading(2), kSendDefault, net.now()))) next = net.now() + 5000;
  };
  // About 1 min of awake key life is left; allow 2 min.
  net.run(120000, [&] { return server.count(EventType::kRekeyed) >= 1; });
  net.after_call = nullptr;
  EXPECT_GE(server.count(EventType::kRekeyed), 1u)
      << "no rekey " << (net.now() - resumed) / 1000 << " s after resume; keys' awake age now about "
      << (540000 + net.now() - resumed) / 60000 << " min against a 10 min limit";
}

// pause() cancels the rekey timer, which in kRetiring resends our retire
// and enforces the retire deadline; resume() re-arms it, but a session
// resumed by the peer's record (resume_proven) does not. If the ack of our
// retire was lost, the retire is never sent again: the session stays in
// kRetiring for good, rekey_check() never starts another run, and the keys
// run into their hard limit.
TEST(ReviewSleep, SessionResumedByPeerRecordWhileRetiringNeverRekeysAgain) {
  Net net(57);
  Settings cs;
  cs.rekey.after_bytes = 400;
  cs.rekey.retire_after_ms = 20000;
  Settings ss;
  ss.rekey.retire_after_ms = 20000;
  Node& client = net.add(cs);
  net.add(ss);
  const PeerHandle c = connect(net);
  bool switched = false, paused = false;
  uint32_t drop_until = 0;
  client.on_event = [&](const Event& e) {
    if (e.type == EventType::kRekeyed) switched = true;
  };
  net.after_call = [&](bool) {
    if (switched && !paused) {
      paused = true;
      drop_until = net.now() + 300;  // the server's ack of our retire is lost
      EXPECT_EQ(client.ep.pause(c, net.now()), Error::kOk);
    }
  };
  // Both ways: pause() sends the acks it owes, and that ack is lost too, so
  // the server goes on resending its retire.
  net.attacker = [&](InFlight& f) {
    (void)f;
    return !(net.now() < drop_until);
  };
  uint32_t i = 0;
  for (; i < 40 && !paused; ++i) {
    ASSERT_EQ(send(client, c, reading(i, 40), kSendDefault, net.now()), Error::kOk);
    net.run(500);
  }
  ASSERT_TRUE(paused);
  net.after_call = nullptr;
  // The server's resent retire wakes the client (no resume() call).
  ASSERT_TRUE(net.run(10000, [&] { return !client.ep.paused(c); }));
  // Traffic past the byte limit again: a second rekey is due.
  for (uint32_t k = 0; k < 60 && client.count(EventType::kRekeyed) < 2; ++k) {
    (void)send(client, c, reading(1000 + k, 40), kSendDefault, net.now());
    net.run(1000);
  }
  EXPECT_GE(client.count(EventType::kRekeyed), 2u) << "the first rekey never settled";
  EXPECT_EQ(client.ep.context(c) != nullptr ? client.ep.context(c)->key_phase() : true, false);
}

}  // namespace
}  // namespace hush::session::test
