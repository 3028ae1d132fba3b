// SPDX-License-Identifier: Apache-2.0
#pragma once

// Discovery frames (docs/PROTOCOL.md "Discovery"): the codec of requests and
// announces, apart from the endpoint so that tests and the fuzz target can
// build and read them.

#include <cstddef>
#include <cstdint>

#include "hush/error.h"
#include "hush/span.h"
#include "hush/wire.h"

namespace hush::session {

struct DiscoveryRequest {
  ConstByteSpan nonce{};   // wire::kDiscoveryNonceLen bytes
  uint8_t window = 0;      // in wire::kDiscoveryWindowUnitMs; 0: the server's default
  ConstByteSpan serial{};  // empty: anyone
};

struct Announce {
  ConstByteSpan nonce{};
  uint8_t info = 0;
  ConstByteSpan serial{};
  ConstByteSpan kid{};
  ConstByteSpan cookie{};  // empty unless info has wire::kAnnounceCookie
};

// Body = the frame after its kind byte. kMalformed unless exactly the layout.
Error parse_discovery_request(ConstByteSpan body, DiscoveryRequest& out) noexcept;
Error parse_announce(ConstByteSpan body, Announce& out) noexcept;

// Whole frames, kind byte included. A request is zero-padded to
// wire::kDiscoveryRequestLen; `len` receives the frame's length.
Error compose_discovery_request(const DiscoveryRequest& in, ByteSpan out, size_t& len) noexcept;
Error compose_announce(const Announce& in, ByteSpan out, size_t& len) noexcept;

}  // namespace hush::session
