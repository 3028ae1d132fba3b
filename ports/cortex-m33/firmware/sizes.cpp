// SPDX-License-Identifier: Apache-2.0
// sizeof() of hush's public state objects as the target compiler lays them
// out. Each symbol is an array whose size is the object's size, so
// `arm-none-eabi-nm -S` on this object reads them without running anything.
// tools/footprint reports every symbol named hush_sizeof_*.

#include "hush/credential.h"
#include "hush/crypto.h"
#include "hush/edhoc.h"
#include "hush/replay_window.h"
#include "hush/security_context.h"
#include "hush/session.h"

#define HUSH_SIZEOF(name, ...)                                        \
  extern "C" {                                                        \
  __attribute__((used)) char hush_sizeof_##name[sizeof(__VA_ARGS__)]; \
  }

HUSH_SIZEOF(edhoc_Initiator, hush::edhoc::Initiator)
HUSH_SIZEOF(edhoc_Responder, hush::edhoc::Responder)
HUSH_SIZEOF(edhoc_InitiatorBuffer__, hush::edhoc::InitiatorBuffer<>)
HUSH_SIZEOF(edhoc_ResponderBuffer__, hush::edhoc::ResponderBuffer<>)
HUSH_SIZEOF(record_SecurityContext, hush::record::SecurityContext)
HUSH_SIZEOF(credential_Ccs, hush::credential::Ccs)
HUSH_SIZEOF(crypto_Sha256, hush::crypto::Sha256)
// The session layer: an established session is its PeerSlot
// (session::kSessionSize); a handshake in progress also holds a
// HandshakeSlot (kHandshakeSlotSize); the whole Endpoint is kEndpointSize.
HUSH_SIZEOF(session_Endpoint, hush::session::Endpoint)
HUSH_SIZEOF(session_detail_PeerSlot, hush::session::detail::PeerSlot)
HUSH_SIZEOF(session_detail_HandshakeSlot, hush::session::detail::HandshakeSlot)
