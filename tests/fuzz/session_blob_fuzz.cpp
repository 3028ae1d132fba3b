// SPDX-License-Identifier: Apache-2.0
// libFuzzer target: Endpoint::import_session() on arbitrary blobs. Bit 0 of
// the first byte picks what the rest is: the blob itself (header checks and
// the AEAD's refusal), or a blob *body* that this target seals under the
// application key with the endpoint's own kid, as export_session() does, so
// that the body's parser runs on any bytes an attacker cannot produce but
// a bug or a worn flash cell could. The other bits choose the sequence mark
// storage reports (a first restore, or a second one of the same blob). A
// blob never crashes the endpoint; a session it accepts is established and
// paused, and survives resume, send, poll, a junk record and export.

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <new>

#include "hush/credential.h"
#include "hush/crypto.h"
#include "hush/session.h"

namespace {

using namespace hush;
using namespace hush::session;

void check(bool cond) {
  if (!cond) std::abort();
}

TxResult tx(void*, const LinkAddr&, ConstByteSpan frame) {
  check(frame.size() <= kMaxFrame);
  return TxResult::kSent;
}
void on_event(void*, const Event&) {}
bool lookup(void*, const edhoc::IdCredView&, edhoc::PeerCredential&) {
  return false;
}

struct Store {
  uint64_t mark = 0;
  static bool reserve(void* user, uint64_t until) noexcept {
    static_cast<Store*>(user)->mark = until;
    return true;
  }
};

constexpr uint8_t kKid = 0x10;
const uint8_t kAppKey[16] = {0x62, 0x6c, 0x6f, 0x62, 0x2d, 0x66, 0x75, 0x7a,
                             0x7a, 0x2d, 0x6b, 0x65, 0x79, 0x2d, 0x30, 0x31};

struct Fixture {
  uint8_t sk[32] = {};
  uint8_t pk[crypto::kMaxPublicKeyLen] = {};
  size_t pk_len = 0;
  credential::Ccs ccs;
  Fixture() {
    for (size_t i = 0; i < 32; ++i) sk[i] = static_cast<uint8_t>(0x21 + 5 * i);
    uint8_t pub[32];
    check(crypto::ecdh_generate(crypto::KeyType::kX25519, sk, pub) == Error::kOk);
    check(crypto::public_key(crypto::KeyType::kX25519, crypto::PrivateKey::from_raw(sk), pk, pk_len) == Error::kOk);
    const uint8_t serial[2] = {0x0B, 0x10};
    const uint8_t kid[1] = {kKid};
    check(ccs.build(ConstByteSpan(serial), ConstByteSpan(kid), crypto::KeyType::kX25519, ConstByteSpan(pk, pk_len)) ==
          Error::kOk);
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  static Fixture fx;
  static uint8_t storage[sizeof(Endpoint)];
  Endpoint* ep = new (storage) Endpoint();
  Platform pf;
  pf.transmit = tx;
  pf.event = on_event;
  pf.lookup = lookup;
  check(ep->begin(pf, {fx.ccs.cred_view(), fx.ccs.id_cred_view(), crypto::PrivateKey::from_raw(fx.sk)}, Settings{}) ==
        Error::kOk);

  uint8_t blob[kSessionBlobLen] = {};
  ConstByteSpan in(data + 1, size - 1);
  if ((data[0] & 1) != 0) {
    // Seal the bytes as a body, as export_session() would have.
    uint8_t body[kSessionBlobBodyLen] = {};
    std::memcpy(body, data + 1, size - 1 < sizeof(body) ? size - 1 : sizeof(body));
    blob[0] = 'h';
    blob[1] = 'S';
    blob[2] = kSessionBlobVersion;
    for (size_t i = 0; i < crypto::kCcmNonceLen; ++i) blob[3 + i] = static_cast<uint8_t>(i);
    const uint8_t aad[4] = {blob[0], blob[1], blob[2], kKid};
    check(crypto::aead_seal(crypto::Aead::kAesCcm16_128_128, ConstByteSpan(kAppKey),
                            ConstByteSpan(blob + 3, crypto::kCcmNonceLen), ConstByteSpan(aad), ConstByteSpan(body),
                            ByteSpan(blob + kSessionBlobHeaderLen, kSessionBlobLen - kSessionBlobHeaderLen)) ==
          Error::kOk);
    in = ConstByteSpan(blob);
  }

  Store store;
  store.mark = (data[0] & 2) != 0 ? (uint64_t{data[0]} << 8) : 0;  // restored before, or not
  SleepStore st;
  st.key = ConstByteSpan(kAppKey);
  st.reserve = &Store::reserve;
  st.user = &store;
  st.stored_sequence = store.mark;
  PeerHandle peer;
  uint32_t now = 5000;
  const Error e = ep->import_session(in, st, peer, now);
  if (ok(e)) {
    check(ep->state(peer) == PeerState::kEstablished && ep->paused(peer));
    // The same session cannot be restored twice into one endpoint.
    PeerHandle again;
    check(!ok(ep->import_session(in, st, again, now)));
    check(ep->resume(peer, now) == Error::kOk);
    const uint8_t reading[3] = {1, 2, 3};
    (void)ep->send(peer, ConstByteSpan(reading), kSendDefault, now);
    for (int i = 0; i < 4; ++i) {
      now += 700;
      (void)ep->poll(now);
    }
    const uint8_t junk[12] = {0x88, 0x00, 0x01, 9, 9, 9, 9, 9, 9, 9, 9, 9};
    ep->input(ConstByteSpan(junk), LinkAddr::from_u32(1), now);
    (void)ep->poll(now);
    uint8_t out[kSessionBlobLen];
    size_t len = 0;
    st.stored_sequence = store.mark;
    (void)ep->export_session(peer, st, ByteSpan(out), len, now);
  } else {
    check(!peer.valid());
  }
  ep->~Endpoint();
  return 0;
}
