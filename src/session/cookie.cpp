// SPDX-License-Identifier: Apache-2.0
// Denial-of-service defence of the responder: the key-knowledge MAC on
// message_1, stateless cookies under a rotating secret (DTLS's
// HelloVerifyRequest), token-bucket rate limits, and the initiator's side of
// both (docs/SECURITY.md "Denial of service").
//
// Order of the checks on a message_1, cheapest and most selective first:
// frame parse, one HMAC (key-knowledge MAC), then, for a message_1 that
// would start a handshake, the cookie (one HMAC), then the rate limits.
// Nothing in this file keeps anything per client except the bounded table
// of per-address buckets.

#include "cookie.h"

#include "endpoint_internal.h"
#include "hush/crypto.h"
#include "hush/ct.h"

namespace hush::session {

Error key_mac_key(ConstByteSpan cred_r, uint8_t (&key)[wire::kKeyMacKeyLen]) noexcept {
  uint8_t prk[crypto::kHashLen] = {};
  const ConstByteSpan salt(reinterpret_cast<const uint8_t*>(wire::kKeyMacSalt), sizeof(wire::kKeyMacSalt) - 1);
  const ConstByteSpan info(reinterpret_cast<const uint8_t*>(wire::kKeyMacInfo), sizeof(wire::kKeyMacInfo) - 1);
  Error e = crypto::hkdf_extract(salt, cred_r, prk);
  if (ok(e)) e = crypto::hkdf_expand(ConstByteSpan(prk), info, ByteSpan(key));
  ct::wipe_object(prk);
  return e;
}

Error key_mac(ConstByteSpan key, ConstByteSpan message_1, uint8_t (&mac)[wire::kKeyMacLen]) noexcept {
  uint8_t full[crypto::kHashLen] = {};
  const Error e = crypto::hmac_sha256(key, message_1, full);
  for (size_t i = 0; i < wire::kKeyMacLen; ++i) mac[i] = full[i];
  ct::wipe_object(full);
  return e;
}

bool bucket_take(detail::Bucket& b, const RateLimit& limit, uint32_t now) noexcept {
  if (limit.every_ms == 0) return true;
  // Credit in milliseconds: a token costs every_ms, the bucket holds burst of them.
  const uint32_t cap = (limit.burst == 0 ? 1u : limit.burst) * limit.every_ms;
  if (!b.started) {
    b.started = true;
    b.credit = cap;
    b.last = now;
  }
  // Unsigned: `now` never goes back (session.h), so this is the time since
  // the last use modulo 2^32 ms. A signed difference turned negative after
  // 24.9 idle days and the bucket never refilled again
  // (ReviewDos.HandshakeBucketStopsRefillingAfterAMonthOfIdle).
  const uint32_t e = now - b.last;
  b.credit = (e >= cap || b.credit >= cap - e) ? cap : b.credit + e;
  b.last = now;
  if (b.credit < limit.every_ms) return false;
  b.credit -= limit.every_ms;
  return true;
}

size_t message_2_frame_len(edhoc::Method method, uint8_t suite, ConstByteSpan own_kid) noexcept {
  const bool responder_signs = method == edhoc::Method::kSigSig || method == edhoc::Method::kStatSig;
  // MAC_2 is the suite's EDHOC MAC length (RFC 9528 §10.2: 8 for suites 0
  // and 2, 16 for 1 and 3); a signature is 64 bytes in every suite hush runs.
  const size_t sig_or_mac = responder_signs ? 64 : ((suite == wire::kSuite1 || suite == wire::kSuite3) ? 16 : 8);
  // ID_CRED_R by kid, compact: a one-byte kid that is a one-byte CBOR int
  // is sent as that int, any other as a byte string.
  const bool kid_int = own_kid.size() == 1 && (own_kid[0] <= 0x17 || (own_kid[0] >= 0x20 && own_kid[0] <= 0x37));
  const size_t id_cred = kid_int ? 1 : 1 + own_kid.size();
  const size_t plaintext = 1 /* C_R */ + id_cred + (sig_or_mac < 24 ? 1 : 2) + sig_or_mac;
  const size_t body = crypto::kCoordLen + plaintext;
  const size_t head = body < 24 ? 1 : (body < 256 ? 2 : 3);
  return 2 /* kind, C_I */ + head + body;
}

namespace detail {

namespace {

// Rotates the cookie secret every cookie_rotate_ms: a cookie is valid for
// its own epoch and the next, so it lives one to two periods. Lazy: run
// whenever a cookie is made or checked, catching up on every period that
// passed, on the original period boundaries (restarting the period at the
// lazy moment let a cookie live almost three:
// ReviewDos.CookieOutlivesTwoPeriodsBecauseRotationIsLazy).
void rotate(EndpointAccess::Ep& ep, DosState& d, const Settings& s, uint32_t now) noexcept {
  const uint32_t period = s.dos.cookie_rotate_ms == 0 ? 1 : s.dos.cookie_rotate_ms;
  if (!d.secrets_ready) {
    d.secrets_ready =
        ok(crypto::random_bytes(ByteSpan(d.secret[0]))) && ok(crypto::random_bytes(ByteSpan(d.secret[1])));
    d.rotated_at = now;
    if (!d.secrets_ready) EndpointAccess::log(ep, "no randomness for the cookie secret", Error::kCryptoFailed);
    return;
  }
  // Unsigned, as in bucket_take: a signed difference froze the epoch after
  // 24.9 days without a cookie (ReviewDos.CookieNeverExpiresAfterAMonthOfIdle).
  const uint32_t elapsed = now - d.rotated_at;
  if (elapsed < period) return;
  const uint32_t steps = elapsed / period;
  for (uint32_t i = 0; i < (steps < 2 ? steps : 2); ++i) {
    d.epoch = static_cast<uint8_t>(d.epoch + 1);
    if (!ok(crypto::random_bytes(ByteSpan(d.secret[d.epoch & 1])))) d.secrets_ready = false;
  }
  // A long silence skips epochs: both secrets are fresh, and the epoch
  // byte still moves on, so an old cookie cannot match a reused number.
  if (steps > 2) d.epoch = static_cast<uint8_t>(d.epoch + 1);
  d.rotated_at += steps * period;
}

bool cookie_mac(const DosState& d, uint8_t epoch, const LinkAddr& addr, uint8_t (&out)[wire::kCookieLen]) noexcept {
  uint8_t input[3 + LinkAddr::kMaxLen] = {wire::kCookieLabel, epoch, addr.len};
  for (size_t i = 0; i < addr.len && i < LinkAddr::kMaxLen; ++i) input[3 + i] = addr.bytes[i];
  uint8_t full[crypto::kHashLen] = {};
  const bool good =
      ok(crypto::hmac_sha256(ConstByteSpan(d.secret[epoch & 1]), ConstByteSpan(input, 3u + addr.len), full));
  out[0] = epoch;
  for (size_t i = 1; i < wire::kCookieLen; ++i) out[i] = full[i - 1];
  ct::wipe_object(full);
  return good;
}

// Per link address: the entry of `addr`, else a free one, else the least
// recently used. The table is a hint (addresses are spoofable); the global
// bucket is the bound.
AddrBucket& addr_bucket(DosState& d, const LinkAddr& addr, uint32_t now) noexcept {
  AddrBucket* victim = &d.per_addr[0];
  for (AddrBucket& a : d.per_addr) {
    if (a.addr_len == addr.len && LinkAddr::from_bytes(ConstByteSpan(a.addr, a.addr_len)) == addr) return a;
    if (a.addr_len == 0xFF) {
      victim = &a;
    } else if (victim->addr_len != 0xFF && (now - a.used) > (now - victim->used)) {
      victim = &a;
    }
  }
  *victim = AddrBucket{};
  victim->addr_len = addr.len;
  for (size_t i = 0; i < addr.len; ++i) victim->addr[i] = addr.bytes[i];
  return *victim;
}

}  // namespace

bool EndpointAccess::make_cookie(Ep& ep, const LinkAddr& to, uint32_t now, uint8_t (&out)[wire::kCookieLen]) noexcept {
  DosState& d = ep.s_.dos;
  rotate(ep, d, ep.s_.settings, now);
  return d.secrets_ready && cookie_mac(d, d.epoch, to, out);
}

bool EndpointAccess::under_load(const Ep& ep) noexcept {
  const uint8_t limit = ep.s_.settings.dos.cookie_load;
  if (limit == 0) return true;
  size_t busy = 0;
  for (const HandshakeSlot& h : ep.s_.handshakes) busy += (h.step != HandshakeStep::kFree && !h.initiator) ? 1 : 0;
  return busy >= limit;
}

bool EndpointAccess::key_mac_ok(Ep& ep, const Message1Parts& m, const LinkAddr& from) noexcept {
  if (!ep.s_.settings.dos.key_mac) return true;
  uint8_t mac[wire::kKeyMacLen] = {};
  const bool good = !m.mac.empty() && ok(key_mac(ConstByteSpan(ep.s_.dos.key_mac_key), m.message, mac)) &&
                    ct::equal(ConstByteSpan(mac), m.mac);
  if (good) return true;
  ++ep.counters_.drops.key_mac;
  // A slot that gathered this message_1's fragments is freed: it was junk.
  for (uint8_t i = 0; i < kMaxHandshakes; ++i) {
    const HandshakeSlot& h = ep.s_.handshakes[i];
    if (!h.initiator && h.step == HandshakeStep::kReassemble1 && addr_of(ep.s_.peers[h.peer]) == from) {
      drop_half_open(ep, i);
    }
  }
  return false;
}

bool EndpointAccess::admit_message_1(Ep& ep, const Message1Parts& m, size_t frame_len, uint8_t c_i,
                                     const LinkAddr& from, uint32_t now) noexcept {
  const Settings& s = ep.s_.settings;
  DosState& d = ep.s_.dos;
  bool verified = false;
  if (!m.cookie.empty()) {
    rotate(ep, d, s, now);
    const uint8_t e = m.cookie[0];
    uint8_t expect[wire::kCookieLen] = {};
    verified = d.secrets_ready && (e == d.epoch || e == static_cast<uint8_t>(d.epoch - 1)) &&
               cookie_mac(d, e, from, expect) && ct::equal(ConstByteSpan(expect), m.cookie);
    if (!verified) ++ep.counters_.drops.cookie;
  }
  // Without a cookie the sender's address is unproven: message_2 goes out
  // only if it is at most `unverified_slack` bytes larger than the frame
  // that asked for it, and not under load.
  const size_t m2 = message_2_frame_len(s.method, s.suite, own_kid(ep));
  if (!verified && (under_load(ep) || m2 > frame_len + s.dos.unverified_slack)) {
    uint8_t frame[wire::kCookieRetryLen] = {wire::kFrameCookieRetry, c_i};
    uint8_t cookie[wire::kCookieLen] = {};
    if (!bucket_take(d.cookie_retries, s.dos.cookie_retries, now)) {
      ++ep.counters_.drops.rate_limited;
      return false;
    }
    if (!make_cookie(ep, from, now, cookie)) return false;
    for (size_t i = 0; i < wire::kCookieLen; ++i) frame[2 + i] = cookie[i];
    // 10 bytes against a message_1 frame of at least 38: never an amplifier.
    if (transmit(ep, from, ConstByteSpan(frame)) == TxResult::kSent) ++ep.counters_.cookie_retries_sent;
    return false;
  }
  AddrBucket& a = addr_bucket(d, from, now);
  a.used = now;
  if (!bucket_take(a.bucket, s.dos.handshakes_per_addr, now) || !bucket_take(d.handshakes, s.dos.handshakes, now)) {
    ++ep.counters_.drops.rate_limited;
    log(ep, "handshake rate limited", Error::kBufferTooSmall);
    return false;
  }
  return true;
}

// --- Initiator ---------------------------------------------------------------------

size_t EndpointAccess::message_1_prefix(const HandshakeSlot& h) noexcept {
  return (h.key_mac ? wire::kKeyMacLen : 0) + (h.has_cookie ? wire::kCookieLen : 0);
}

void EndpointAccess::fill_message_1_prefix(Ep& ep, uint8_t index, size_t message_len) noexcept {
  HandshakeSlot& h = ep.s_.handshakes[index];
  const size_t pre = message_1_prefix(h);
  h.flight_flags = 0;
  size_t pos = 1;
  if (h.key_mac) {
    uint8_t mac[wire::kKeyMacLen] = {};
    if (!ok(key_mac(ConstByteSpan(h.key_mac_key), ConstByteSpan(h.flight + 1 + pre, message_len), mac))) {
      log(ep, "key-knowledge MAC failed", Error::kCryptoFailed);
    }
    for (size_t i = 0; i < wire::kKeyMacLen; ++i) h.flight[pos++] = mac[i];
    h.flight_flags |= wire::kFrameKeyMac;
  }
  if (h.has_cookie) {
    for (size_t i = 0; i < wire::kCookieLen; ++i) h.flight[pos++] = h.cookie[i];
    h.flight_flags |= wire::kFrameWithCookie;
  }
}

void EndpointAccess::on_cookie_retry(Ep& ep, const Frame& f, uint32_t now) noexcept {
  const uint8_t p = peer_by_own_id(ep, f.cid);
  HandshakeSlot* h = p == kNoSlot ? nullptr : slot_of(ep, p);
  if (h == nullptr || !h->initiator || h->step != HandshakeStep::kAwaitMessage2 ||
      h->flight_kind != static_cast<uint8_t>(EdhocKind::kMessage1)) {
    ++ep.counters_.drops.unknown_context;
    return;
  }
  // Unauthenticated, so it may be forged: answering it is a retransmission
  // of our own message_1 with the cookie it carries. Every retry is
  // answered at once: a forged one is followed by the server's genuine
  // answer to the resend it caused, and that one must get through (a rate
  // limit here let a forged retry every half timeout lock a client out:
  // ReviewDos.ForgedCookieRetriesEvery500msLockOutAClientThatNeedsACookie).
  // The first retry is the server's answer, not a loss: message_1 with the
  // cookie is a new flight with a fresh budget, as DTLS's ClientHello after
  // a HelloVerifyRequest (sharing one budget between the two round trips
  // cost method 0 about 3 % of its handshakes at 30 % loss). Later ones come
  // from the budget, so forged retries can refresh it once per connect()
  // and make us send at most one budget of message_1 more.
  const RetransmitSettings& rs = ep.s_.settings.retransmit;
  const bool first = !h->has_cookie;
  if (!first && h->retries >= rs.retries) {
    ++ep.counters_.drops.rate_limited;
    return;
  }
  const size_t at = 1 + (h->key_mac ? wire::kKeyMacLen : 0);
  if (!h->has_cookie) {
    if (h->flight_len + wire::kCookieLen > sizeof(h->flight)) return;
    for (size_t i = h->flight_len; i > at; --i) h->flight[i - 1 + wire::kCookieLen] = h->flight[i - 1];
    h->flight_len = static_cast<uint16_t>(h->flight_len + wire::kCookieLen);
    h->has_cookie = true;
    h->flight_flags |= wire::kFrameWithCookie;
    h->flight[0] |= wire::kFrameWithCookie;
  }
  for (size_t i = 0; i < wire::kCookieLen; ++i) h->cookie[i] = h->flight[at + i] = f.body[i];
  if (first) {
    h->retries = 0;
    h->rto = rs.initial_ms;
  } else {
    ++h->retries;
    ++ep.counters_.retransmissions;
  }
  timers::arm(h->timers, TimerId::kRetransmit, now + timers::jittered(h->rto, rs));
  send_flight(ep, p == kNoSlot ? 0 : ep.s_.peers[p].handshake, now);
}

}  // namespace detail
}  // namespace hush::session
