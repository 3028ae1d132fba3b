// SPDX-License-Identifier: Apache-2.0
// Discovery: a client broadcasts a request (for a serial number or for
// anyone); each server that matches answers with an announce after a
// random delay within a window, as BLE advertisers add advDelay, so that
// many servers answering one broadcast rarely collide. Announces are rate
// limited by a token bucket and one announce waits at a time, so a flood of
// requests cannot make a server transmit more than its limit. Requests are
// padded to the longest announce, so no announce is larger than its request.
// Everything here is plaintext and unauthenticated (docs/SECURITY.md
// "Discovery"): the handshake, not the announce, proves who a server is.

#include "discovery.h"

#include "cookie.h"
#include "endpoint_internal.h"
#include "hush/cbor.h"
#include "hush/crypto.h"
#include "hush/ct.h"

namespace hush::session {

Error parse_discovery_request(ConstByteSpan body, DiscoveryRequest& out) noexcept {
  out = DiscoveryRequest{};
  if (body.size() < wire::kDiscoveryHeaderLen - 1) return Error::kMalformed;
  const size_t serial_len = body[wire::kDiscoveryNonceLen + 1];
  if (serial_len > wire::kMaxSerialLen || body.size() < wire::kDiscoveryHeaderLen - 1 + serial_len) {
    return Error::kMalformed;
  }
  out.nonce = body.first(wire::kDiscoveryNonceLen);
  out.window = body[wire::kDiscoveryNonceLen];
  out.serial = body.subspan(wire::kDiscoveryHeaderLen - 1, serial_len);
  // The padding is not checked: it is there to make the request as long as
  // the answer, whatever it holds.
  return Error::kOk;
}

Error parse_announce(ConstByteSpan body, Announce& out) noexcept {
  out = Announce{};
  size_t pos = wire::kDiscoveryNonceLen + 1;
  if (body.size() < pos + 1) return Error::kMalformed;
  out.nonce = body.first(wire::kDiscoveryNonceLen);
  out.info = body[wire::kDiscoveryNonceLen];
  const size_t serial_len = body[pos++];
  if (serial_len > wire::kMaxSerialLen || body.size() < pos + serial_len + 1) return Error::kMalformed;
  out.serial = body.subspan(pos, serial_len);
  pos += serial_len;
  const size_t kid_len = body[pos++];
  if (kid_len == 0 || kid_len > edhoc::kMaxKidLen || body.size() < pos + kid_len) return Error::kMalformed;
  out.kid = body.subspan(pos, kid_len);
  pos += kid_len;
  const size_t cookie = (out.info & wire::kAnnounceCookie) != 0 ? wire::kCookieLen : 0;
  if (body.size() != pos + cookie) return Error::kMalformed;
  out.cookie = body.subspan(pos, cookie);
  return Error::kOk;
}

namespace {

bool put(ByteSpan out, size_t& pos, ConstByteSpan b) noexcept {
  if (out.size() < pos + b.size()) return false;
  for (size_t i = 0; i < b.size(); ++i) out[pos + i] = b[i];
  pos += b.size();
  return true;
}

bool put_byte(ByteSpan out, size_t& pos, uint8_t b) noexcept {
  return put(out, pos, ConstByteSpan(&b, 1));
}

}  // namespace

Error compose_discovery_request(const DiscoveryRequest& in, ByteSpan out, size_t& len) noexcept {
  len = 0;
  if (in.nonce.size() != wire::kDiscoveryNonceLen || in.serial.size() > wire::kMaxSerialLen) {
    return Error::kInvalidArgument;
  }
  size_t pos = 0;
  if (!put_byte(out, pos, wire::kFrameDiscovery) || !put(out, pos, in.nonce) || !put_byte(out, pos, in.window) ||
      !put_byte(out, pos, static_cast<uint8_t>(in.serial.size())) || !put(out, pos, in.serial)) {
    return Error::kBufferTooSmall;
  }
  while (pos < wire::kDiscoveryRequestLen) {
    if (!put_byte(out, pos, 0)) return Error::kBufferTooSmall;
  }
  len = pos;
  return Error::kOk;
}

Error compose_announce(const Announce& in, ByteSpan out, size_t& len) noexcept {
  len = 0;
  const bool cookie = (in.info & wire::kAnnounceCookie) != 0;
  if (in.nonce.size() != wire::kDiscoveryNonceLen || in.serial.size() > wire::kMaxSerialLen || in.kid.empty() ||
      in.kid.size() > edhoc::kMaxKidLen || in.cookie.size() != (cookie ? wire::kCookieLen : 0)) {
    return Error::kInvalidArgument;
  }
  size_t pos = 0;
  if (!put_byte(out, pos, wire::kFrameAnnounce) || !put(out, pos, in.nonce) || !put_byte(out, pos, in.info) ||
      !put_byte(out, pos, static_cast<uint8_t>(in.serial.size())) || !put(out, pos, in.serial) ||
      !put_byte(out, pos, static_cast<uint8_t>(in.kid.size())) || !put(out, pos, in.kid) || !put(out, pos, in.cookie)) {
    return Error::kBufferTooSmall;
  }
  len = pos;
  return Error::kOk;
}

namespace detail {

namespace {

int hex_digit(uint8_t c) noexcept {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

}  // namespace

// The serial is the CCS subject, which hush writes as lowercase hex
// (credential::serial_subject); another subject announces no serial.
bool EndpointAccess::own_serial(Ep& ep) noexcept {
  DiscoveryState& d = ep.s_.discovery;
  d.serial_len = 0;
  cbor::Decoder dec(ep.s_.self.cred);
  size_t n = 0;
  if (!ok(dec.read_map(n))) return false;
  for (size_t i = 0; i < n; ++i) {
    int64_t label = 0;
    ConstByteSpan item;
    if (!ok(dec.read_int(label))) return false;
    if (label != wire::kCwtSub) {
      if (!ok(dec.read_item(item))) return false;
      continue;
    }
    ConstByteSpan text;
    if (!ok(dec.read_tstr(text)) || text.size() % 2 != 0 || text.size() / 2 > wire::kMaxSerialLen) return false;
    for (size_t k = 0; k < text.size() / 2; ++k) {
      const int hi = hex_digit(text[2 * k]), lo = hex_digit(text[2 * k + 1]);
      if (hi < 0 || lo < 0) return false;
      d.serial[k] = static_cast<uint8_t>(hi << 4 | lo);
    }
    d.serial_len = static_cast<uint8_t>(text.size() / 2);
    return true;
  }
  return false;
}

void EndpointAccess::on_discovery(Ep& ep, ConstByteSpan body, size_t frame_len, const LinkAddr& from,
                                  uint32_t now) noexcept {
  const Settings& s = ep.s_.settings;
  DiscoveryState& d = ep.s_.discovery;
  // Only servers answer; a client spends nothing on requests.
  if (!config::kResponder || !s.accept_incoming || !s.discovery.answer || from.is_broadcast()) return;
  DiscoveryRequest req;
  if (!ok(parse_discovery_request(body, req))) {
    ++ep.counters_.drops.malformed;
    return;
  }
  // A request for another serial is not for us: not a drop, just not ours.
  if (!req.serial.empty() &&
      !(req.serial.size() == d.serial_len && ct::equal(req.serial, ConstByteSpan(d.serial, d.serial_len)))) {
    return;
  }
  ++ep.counters_.discovery_requests_seen;
  // One announce waits at a time and each takes a token: a flood of
  // requests gets at most the bucket's rate of answers.
  if (d.pending || !bucket_take(ep.s_.dos.announces, s.discovery.announces, now)) {
    ++ep.counters_.drops.rate_limited;
    return;
  }
  uint32_t window = req.window == 0 ? s.discovery.window_ms : req.window * wire::kDiscoveryWindowUnitMs;
  if (window > s.discovery.max_window_ms) window = s.discovery.max_window_ms;
  uint8_t r[4] = {};
  (void)crypto::random_bytes(ByteSpan(r));
  const uint32_t v = (uint32_t{r[0]} << 24) | (uint32_t{r[1]} << 16) | (uint32_t{r[2]} << 8) | r[3];
  d.pending = true;
  d.due = now + (window == 0 ? 0 : v % (window + 1));
  d.to_len = from.len;
  for (size_t i = 0; i < from.len; ++i) d.to[i] = from.bytes[i];
  for (size_t i = 0; i < wire::kDiscoveryNonceLen; ++i) d.nonce[i] = req.nonce[i];
  d.request_len = static_cast<uint8_t>(frame_len > 255 ? 255 : frame_len);
}

void EndpointAccess::discovery_timers(Ep& ep, uint32_t now) noexcept {
  if constexpr (!config::kResponder) return;  // only servers announce
  DiscoveryState& d = ep.s_.discovery;
  if (!d.pending || !timers::reached(now, d.due)) return;
  const Settings& s = ep.s_.settings;
  Announce a;
  a.nonce = ConstByteSpan(d.nonce);
  a.info = static_cast<uint8_t>(
      (s.dos.key_mac ? wire::kAnnounceKeyMac : 0) |
      ((static_cast<uint8_t>(s.method) << wire::kAnnounceMethodShift) & wire::kAnnounceMethodMask) |
      (s.suite & wire::kAnnounceSuiteMask));
  a.serial = ConstByteSpan(d.serial, d.serial_len);
  a.kid = own_kid(ep);
  const LinkAddr to = LinkAddr::from_bytes(ConstByteSpan(d.to, d.to_len));
  // Under load, a cookie for the requester's address saves the cookie
  // retry round trip of its message_1.
  uint8_t cookie[wire::kCookieLen] = {};
  const bool with_cookie = under_load(ep) && make_cookie(ep, to, now, cookie);
  size_t len = 0;
  uint8_t* out = ep.s_.frame_scratch;
  const size_t room = s.mtu < sizeof(ep.s_.frame_scratch) ? s.mtu : sizeof(ep.s_.frame_scratch);
  if (with_cookie) {
    Announce c = a;
    c.info |= wire::kAnnounceCookie;
    c.cookie = ConstByteSpan(cookie);
    if (ok(compose_announce(c, ByteSpan(out, room), len)) && len > d.request_len) len = 0;
  }
  // Never larger than the request: without the cookie, or not at all.
  if (len == 0 && (!ok(compose_announce(a, ByteSpan(out, room), len)) || len > d.request_len)) {
    d.pending = false;
    ++ep.counters_.drops.rate_limited;
    log(ep, "announce larger than its request: not sent", Error::kBufferTooSmall);
    return;
  }
  if (transmit(ep, to, ConstByteSpan(out, len)) == TxResult::kBusy) {
    d.due = now + kBusyRetryMs;
    return;
  }
  d.pending = false;
  ++ep.counters_.announces_sent;
}

void EndpointAccess::on_announce(Ep& ep, ConstByteSpan body, const LinkAddr& from) noexcept {
  DiscoveryState& d = ep.s_.discovery;
  Announce a;
  if (!ok(parse_announce(body, a))) {
    ++ep.counters_.drops.malformed;
    return;
  }
  // Only an answer to our latest request: an old announce replayed, or one
  // meant for another client's request, does not match the nonce.
  if (!d.asking || !ct::equal(a.nonce, ConstByteSpan(d.own_nonce))) {
    ++ep.counters_.drops.replay;
    return;
  }
  Event ev;
  ev.type = EventType::kDiscovered;
  ev.from = from;
  ev.data = a.serial;
  ev.peer_kid = a.kid;
  ev.cookie = a.cookie;
  ev.announce_info = a.info;
  emit(ep, ev);
}

}  // namespace detail

Error Endpoint::discover(ConstByteSpan serial, uint32_t window_ms, uint32_t now) noexcept {
  (void)now;
  if (!s_.ready) return Error::kInvalidState;
  if (serial.size() > wire::kMaxSerialLen) return Error::kInvalidArgument;
  if (s_.settings.mtu < wire::kDiscoveryRequestLen) return Error::kUnsupported;
  detail::DiscoveryState& d = s_.discovery;
  if (!ok(crypto::random_bytes(ByteSpan(d.own_nonce)))) return Error::kCryptoFailed;
  const uint32_t units = (window_ms + wire::kDiscoveryWindowUnitMs - 1) / wire::kDiscoveryWindowUnitMs;
  DiscoveryRequest req;
  req.nonce = ConstByteSpan(d.own_nonce);
  req.window = static_cast<uint8_t>(units > 255 ? 255 : units);
  req.serial = serial;
  size_t len = 0;
  uint8_t frame[wire::kDiscoveryRequestLen] = {};
  HUSH_TRY(compose_discovery_request(req, ByteSpan(frame), len));
  d.asking = true;
  if (detail::EndpointAccess::transmit(*this, LinkAddr::broadcast(), ConstByteSpan(frame, len)) != TxResult::kSent) {
    return Error::kBufferTooSmall;
  }
  return Error::kOk;
}

}  // namespace hush::session
