// SPDX-License-Identifier: Apache-2.0
// The footprint probe: a firmware that uses hush the way a device of the
// configured role does, so that --gc-sections keeps exactly the code such a
// device links. tools/footprint builds it per configuration and reads its
// linker map and call graph; it is never run.
//
// Every public entry point that a device of the role calls is called here,
// guarded by the compile-time role flags. A new public API must be added
// here too, or the footprint report will not count it.
//
//   role configs: the role's EDHOC engine, credentials, EDHOC error
//                 messages, the security context from EDHOC, records.
//   full:         everything above for both roles, plus PSK contexts.
//   session configs (HUSH_M33_FOOTPRINT_SESSION, e.g. client-m3-s0): a
//                 device that uses the session layer, as a tunnel client
//                 does: its credential, then only the Endpoint's entry
//                 points (begin, connect, send, close, input, poll,
//                 next_deadline, max_payload); EDHOC and records are
//                 reached through them.
//   psk-node:     (HUSH_FOOTPRINT_PSK_NODE) a psk::Node with a group and a
//                 pairwise context, every Node entry point; no EDHOC.

#include <cstddef>
#include <cstdint>

#include "hush/config.h"
#include "hush/credential.h"
#include "hush/crypto.h"
#include "hush/edhoc.h"
#include "hush/record.h"
#include "hush/security_context.h"
#include "platform.h"

#ifndef HUSH_M33_FOOTPRINT_SESSION
#define HUSH_M33_FOOTPRINT_SESSION 0
#endif
#if HUSH_M33_FOOTPRINT_SESSION
#include "hush/session.h"
#endif
#if defined(HUSH_FOOTPRINT_PSK_NODE)
#include "hush/psk.h"

namespace {

using namespace hush;

psk::Node node;
uint8_t radio[psk::kMaxFrame];
uint8_t secret[16];
volatile size_t radio_len;
volatile uint32_t clock_ms;
volatile uint64_t stored_sequence;
volatile uint32_t stored_failures;

ConstByteSpan rx() {
  return ConstByteSpan(radio, radio_len);
}

bool store_sequence(void*, uint64_t reserved_until) noexcept {
  stored_sequence = reserved_until;
  return true;
}

bool store_failures(void*, uint32_t reserved_until) noexcept {
  stored_failures = reserved_until;
  return true;
}

psk::TxResult transmit(void*, ConstByteSpan frame) {
  radio_len = frame.size();
  return psk::TxResult::kSent;
}

void on_event(void*, const psk::Event& ev) {
  radio_len = ev.data.size();
}

}  // namespace

int main() {
  if (!hush::m33::platform_init()) return 1;
  const record::Persistence storage{store_sequence, nullptr, 16, store_failures, 16};
  int failures = 0;
  if (!ok(node.begin(psk::Platform{transmit, on_event, nullptr}, psk::Settings{}))) return 1;
  group::GroupSecrets g;
  g.master_secret = ConstByteSpan(secret);
  g.group_id = rx().first(2);
  g.sender_id = radio[0];
  g.sender_sequence = stored_sequence;
  g.failed_decryptions = stored_failures;
  group::GroupOptions go;
  go.persistence = storage;
  if (!ok(node.join_group(g, go))) ++failures;
  record::PskSecrets p;
  p.master_secret = ConstByteSpan(secret);
  p.sender_id = rx().first(1);
  p.recipient_id = rx().subspan(1, 1);
  p.sender_sequence = stored_sequence;
  p.failed_decryptions = stored_failures;
  record::ContextOptions po;
  po.persistence = storage;
  uint8_t peer = 0;
  if (!ok(node.add_pairwise(p, po, peer))) ++failures;
  for (;;) {
    const uint32_t now = clock_ms;
    node.input(rx(), now);
    if (!ok(node.send_group(rx(), now))) ++failures;
    if (!ok(node.send_pairwise(peer, rx(), now))) ++failures;
    if (!ok(node.repeat_last(now))) ++failures;
    if (radio[3] == 1 && !ok(node.command_epoch(radio[4], now))) ++failures;
    if (radio[3] == 2 && !ok(node.rotate_group(radio[4], rx(), now))) ++failures;
    if (radio[3] == 3 && !ok(node.rekey_pairwise(peer, p, po, now))) ++failures;
    if (radio[3] == 4 && !ok(node.challenge_group(radio[4], now))) ++failures;
    if (radio[3] == 5 && !ok(node.challenge_pairwise(peer, now))) ++failures;
    if (!ok(node.poll(now)) || node.next_deadline(now) == 0) ++failures;
    if (radio[5] == 0) break;
  }
  return failures;
}

#else

namespace {

using namespace hush;
using record::ContextOptions;
using record::EdhocSecrets;
using record::PskSecrets;
using record::SecurityContext;
using record::Side;

// The application owns every state object; hush has no static RAM of its own.
credential::Ccs own;
uint8_t key[crypto::kScalarLen];
uint8_t radio[config::kMaxMessageLen];
uint8_t payload[64];

// The inputs of a real device come from its radio and its storage; here they
// come from memory the compiler cannot see through.
volatile size_t radio_len;

ConstByteSpan rx() {
  return ConstByteSpan(radio, radio_len);
}

#if !HUSH_M33_FOOTPRINT_SESSION
edhoc::InitiatorBuffer<> initiator;
edhoc::ResponderBuffer<> responder;
SecurityContext context;

Error derive_context(edhoc::detail::Handshake& hs, Side side) {
  uint8_t secret[16], salt[8];
  HUSH_TRY(hs.oscore_secrets(secret, salt));
  EdhocSecrets in;
  in.master_secret = ConstByteSpan(secret);
  in.master_salt = ConstByteSpan(salt);
  in.c_i = hs.c_i().view();
  in.c_r = hs.c_r().view();
  in.side = side;
  return context.derive(in);
}

Error exchange_records() {
  record::Sealed sealed;
  HUSH_TRY(record::seal(context, ConstByteSpan(payload), ByteSpan(radio), sealed));
  record::Opened opened;
  HUSH_TRY(record::open(context, rx(), ByteSpan(payload), opened));
  ByteSpan in_place(radio, radio_len);
  ConstByteSpan plain;
  HUSH_TRY(record::open_in_place(context, in_place, plain, opened));
  record::RecordHeader header;
  return record::parse_header(rx(), header);
}

Error run_initiator() {
  const uint8_t suites[1] = {HUSH_SUITE_MASK & 1 ? 0 : 2};
  edhoc::Message1Params p;
  p.method = static_cast<edhoc::Method>(radio[0] & 3);
  p.suites_i = ConstByteSpan(suites);
  p.c_i = edhoc::ConnId::from_int(-24);
  size_t len = 0;
  HUSH_TRY(initiator.prepare_message_1(p, ByteSpan(radio), len));
  edhoc::Message2Info info2;
  const Error e = initiator.process_message_2(rx(), info2);
  if (e == Error::kWrongSelectedSuite) {
    uint8_t next[edhoc::kMaxSuites];
    size_t n = 0;
    HUSH_TRY(edhoc::suites_after_error(
        ConstByteSpan(suites), ConstByteSpan(initiator.peer_error().suites_r, initiator.peer_error().suites_r_len),
        next, n));
  }
  HUSH_TRY(initiator.verify_message_2(edhoc::PeerCredential{rx(), rx()}));
  HUSH_TRY(initiator.prepare_message_3(
      edhoc::LocalCredential{own.cred_view(), own.id_cred_view(), crypto::PrivateKey::from_raw(key)}, ConstByteSpan(),
      ByteSpan(radio), len));
  ConstByteSpan ead_4;
  HUSH_TRY(initiator.process_message_4(rx(), ead_4));
  uint8_t exported[16];
  HUSH_TRY(initiator.exporter(radio[1], ConstByteSpan(), ByteSpan(exported)));
  HUSH_TRY(initiator.key_update(rx()));
  HUSH_TRY(derive_context(initiator, Side::kInitiator));
  initiator.abort();
  initiator.reset();
  return exchange_records();
}

Error run_responder() {
  edhoc::Message1Info info1;
  size_t len = 0;
  const Error e = responder.process_message_1(rx(), info1);
  if (e == Error::kWrongSelectedSuite || e == Error::kUnsupportedMethod) {
    uint8_t suites_r[edhoc::kMaxSuites];
    size_t n = 0;
    HUSH_TRY(responder.suites_r(suites_r, n));
    return edhoc::compose_error(wire::ErrCode::kWrongSelectedSuite, ConstByteSpan(), Span<const uint8_t>(suites_r, n),
                                ByteSpan(radio), len);
  }
  const edhoc::LocalCredential own_r{own.cred_view(), own.id_cred_view(), crypto::PrivateKey::from_raw(key)};
  Error e2;
  while ((e2 = responder.prepare_message_2(own_r, edhoc::ConnId::from_int(-8), ConstByteSpan(), ByteSpan(radio),
                                           len)) == Error::kNeedMore) {
  }
  HUSH_TRY(e2);
  edhoc::Message3Info info3;
  HUSH_TRY(responder.process_message_3(rx(), info3));
  HUSH_TRY(responder.verify_message_3(edhoc::PeerCredential{rx(), rx()}));
  HUSH_TRY(responder.prepare_message_4(ConstByteSpan(), ByteSpan(radio), len));
  uint8_t exported[16];
  HUSH_TRY(responder.exporter(radio[1], ConstByteSpan(), ByteSpan(exported)));
  HUSH_TRY(responder.key_update(rx()));
  HUSH_TRY(derive_context(responder, Side::kResponder));
  responder.abort();
  responder.reset();
  return exchange_records();
}

// A PSK device's storage behind both reserve hooks.
volatile uint64_t stored_sequence;
volatile uint32_t stored_failures;

bool store_sequence(void*, uint64_t reserved_until) noexcept {
  stored_sequence = reserved_until;
  return true;
}

bool store_failures(void*, uint32_t reserved_until) noexcept {
  stored_failures = reserved_until;
  return true;
}

Error run_psk() {
  PskSecrets psk;
  psk.master_secret = rx();
  psk.sender_id = rx().first(1);
  psk.recipient_id = rx().subspan(1, 1);
  psk.sender_sequence = stored_sequence;
  psk.failed_decryptions = stored_failures;
  ContextOptions options;
  options.persistence = record::Persistence{store_sequence, nullptr, 16, store_failures, 16};
  HUSH_TRY(context.derive(psk, options));
  HUSH_TRY(context.restore_sequence(radio[2]));
  return exchange_records();
}
#endif

#if HUSH_M33_FOOTPRINT_SESSION
// The tunnel client: one endpoint, allocated statically by the application,
// pumped from the radio driver and the main loop.
session::Endpoint endpoint;
volatile uint32_t clock_ms;

session::TxResult radio_transmit(void*, const session::LinkAddr&, ConstByteSpan frame) {
  for (size_t i = 0; i < frame.size() && i < sizeof(radio); ++i) radio[i] = frame[i];
  radio_len = frame.size();
  return radio[0] != 0 ? session::TxResult::kSent : session::TxResult::kBusy;
}

void on_event(void*, const session::Event& ev) {
  if (ev.type == session::EventType::kData) {
    for (size_t i = 0; i < ev.data.size() && i < sizeof(payload); ++i) payload[i] = ev.data[i];
  }
}

bool lookup(void*, const edhoc::IdCredView& id, edhoc::PeerCredential& out) {
  out = edhoc::PeerCredential{rx(), rx()};
  return id.is_kid;
}

volatile uint64_t stored_mark;

bool reserve(void*, uint64_t reserved_until) noexcept {
  stored_mark = reserved_until;
  return true;
}

Error run_session() {
  session::Platform pf;
  pf.transmit = radio_transmit;
  pf.event = on_event;
  pf.lookup = lookup;
  session::Settings settings;
  settings.method = static_cast<edhoc::Method>(radio[0] & 3);
  settings.suite = radio[1];
  settings.accept_incoming = config::kResponder;
  HUSH_TRY(endpoint.begin(
      pf, edhoc::LocalCredential{own.cred_view(), own.id_cred_view(), crypto::PrivateKey::from_raw(key)}, settings));
  const session::LinkAddr server = session::LinkAddr::from_bytes(rx().first(2));
  session::PeerHandle peer;
  HUSH_TRY(endpoint.connect(server, peer, clock_ms));
  uint16_t message = 0;
  HUSH_TRY(endpoint.send(peer, ConstByteSpan(payload, endpoint.max_payload(peer)), session::kSendConfirmed, message,
                         clock_ms));
  // The main loop: frames from the radio, then timers and pending work.
  while (endpoint.state(peer) != session::PeerState::kFree) {
    if (radio_len != 0) endpoint.input(rx(), server, clock_ms);
    while (endpoint.poll(clock_ms) == Error::kNeedMore) {
    }
    if (endpoint.next_deadline(clock_ms) == UINT32_MAX) break;
    // A sleepy device pauses, and keeps the session across deep sleep.
    if (radio[2] == 1) HUSH_TRY(endpoint.pause(peer, clock_ms));
    if (radio[2] == 2) HUSH_TRY(endpoint.resume(peer, clock_ms));
    if (radio[2] == 3) {
      session::SleepStore store;
      store.key = ConstByteSpan(key, 16);
      store.reserve = reserve;
      store.stored_sequence = stored_mark;
      size_t len = 0;
      HUSH_TRY(endpoint.export_session(peer, store, ByteSpan(radio), len, clock_ms));
      HUSH_TRY(endpoint.import_session(ConstByteSpan(radio, len), store, peer, clock_ms));
    }
  }
  return endpoint.close(peer, clock_ms);
}
#endif

}  // namespace

int main() {
  if (!hush::m33::platform_init()) return 1;
  // The device's own credential, built from its serial and key at boot.
  uint8_t pub[crypto::kMaxPublicKeyLen];
  size_t pub_len = 0;
  const auto type = (HUSH_SUITE_MASK & 3) != 0 ? crypto::KeyType::kX25519 : crypto::KeyType::kP256;
  if (!ok(crypto::public_key(type, crypto::PrivateKey::from_raw(key), pub, pub_len))) return 1;
  if (!ok(own.build(rx().first(4), rx().first(1), type, ConstByteSpan(pub, pub_len)))) return 1;

  int failures = 0;
#if HUSH_M33_FOOTPRINT_SESSION
  if (!ok(run_session())) ++failures;
#else
  edhoc::PeerError err;
  if (edhoc::looks_like_error(rx()) && !ok(edhoc::parse_error(rx(), err))) ++failures;
  if constexpr (config::kInitiator) {
    if (!ok(run_initiator())) ++failures;
  }
  if constexpr (config::kResponder) {
    if (!ok(run_responder())) ++failures;
  }
  if constexpr (config::kInitiator && config::kResponder) {
    if (!ok(run_psk())) ++failures;
  }
#endif
  return failures;
}

#endif  // HUSH_FOOTPRINT_PSK_NODE
