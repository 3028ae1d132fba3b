// SPDX-License-Identifier: Apache-2.0
#pragma once

// EDHOC (RFC 9528): both roles, methods 0-3, suites 0-3, message_4, error
// messages, EDHOC_Exporter and EDHOC_KeyUpdate.
//
// The engine is driven one message at a time and never blocks or allocates:
//
//   Initiator                               Responder
//   prepare_message_1  ---- message_1 --->  process_message_1
//   process_message_2  <--- message_2 ----  prepare_message_2
//   verify_message_2        (the app looks up CRED_R from ID_CRED_R)
//   prepare_message_3  ---- message_3 --->  process_message_3
//                                           verify_message_3 (CRED_I lookup)
//   process_message_4  <--- message_4 ----  prepare_message_4 (optional)
//
// Each call runs at most one public-key operation (ecdh_generate, ecdh,
// public_key, sign or verify), so that a caller can bound the time of one
// call: prepare_message_1 (X), process_message_2 (G_XY),
// verify_message_2 (G_RX or the signature check), prepare_message_3 (G_IY or
// the signature), verify_message_3 (G_IY or the signature check) run one;
// process_message_1, process_message_3, message_4, the exporter and
// key_update run none. Responder::prepare_message_2 needs three and is split
// into three calls: it returns kNeedMore twice, and the caller repeats it with
// the same arguments until kOk (tests/edhoc/probe_test.cpp counts them).
//
// A message that fails to process or verify leaves the engine waiting for
// that message again, so a forged or corrupted message on a hostile radio
// does not kill a genuine handshake; the caller decides whether to keep
// waiting or abort(). A decrypted message_2/3 that was not yet verified
// stays pending until verify_message_2/3 or until another candidate has been
// decrypted and parsed; a frame that fails earlier, or an EDHOC error
// message, leaves it and the phase as they were. Only a local failure (a
// crypto backend error) makes the engine fail for good.
//
// Spans handed out in Message2Info / Message3Info and by process_message_4
// point into the engine's work buffer and stay valid until the next call.

#include <cstddef>
#include <cstdint>

#include "hush/config.h"
#include "hush/crypto.h"
#include "hush/error.h"
#include "hush/span.h"
#include "hush/wire.h"

#ifndef HUSH_EDHOC_TRACE
#define HUSH_EDHOC_TRACE 0
#endif

namespace hush::edhoc {

using wire::Method;

/// Algorithms of one cipher suite (RFC 9528 §10.2).
struct Suite {
  uint8_t id;
  crypto::Aead aead;        ///< EDHOC AEAD; the application AEAD is AES-CCM-16-64-128 for all four
  crypto::KeyType ecdh;     ///< kX25519 or kP256
  crypto::KeyType signing;  ///< kEd25519 or kP256
  uint8_t mac_len;          ///< EDHOC MAC length (static DH)
};

/// The suite's parameters, or nullptr when it is not compiled in.
const Suite* find_suite(int64_t id) noexcept;

inline constexpr size_t kMaxConnIdLen = 7;  ///< OSCORE: nonce length - 6
inline constexpr size_t kMaxKidLen = 8;
inline constexpr size_t kMaxSuites = 8;  ///< entries in SUITES_I / SUITES_R

/// A connection identifier: intrinsically a byte string (§3.3), sent as a
/// one-byte CBOR int when it is one. The empty string h'' (wire byte 0x40)
/// is a valid identifier. The members are private so that no ConnId can hold
/// more than kMaxConnIdLen bytes: a default-constructed one, or one built
/// from too many bytes, is "not set", and every entry point refuses it.
class ConnId {
 public:
  constexpr ConnId() noexcept = default;
  /// `b` as an identifier, h'' included; not set when b is longer than kMaxConnIdLen.
  static ConnId from_bytes(ConstByteSpan b) noexcept;
  /// The identifier whose wire form is the CBOR int v (-24..23), e.g. -24 -> 0x37;
  /// not set for any other v.
  static ConnId from_int(int8_t v) noexcept;
  bool is_set() const noexcept { return set_; }
  size_t size() const noexcept { return len_; }
  /// The byte-string form (the OSCORE Sender/Recipient ID); empty when not set.
  ConstByteSpan view() const noexcept { return ConstByteSpan(bytes_, len_); }
  bool operator==(const ConnId& o) const noexcept;
  bool operator!=(const ConnId& o) const noexcept { return !(*this == o); }

 private:
  uint8_t len_ = 0;  // invariant: len_ <= kMaxConnIdLen, and 0 when !set_
  bool set_ = false;
  uint8_t bytes_[kMaxConnIdLen] = {};
};

/// The local party's authentication material for one handshake. The spans
/// must stay valid until the call that takes them returns.
struct LocalCredential {
  ConstByteSpan cred;      ///< CRED_x exactly as it enters the transcript
  ConstByteSpan id_cred;   ///< ID_CRED_x as a CBOR map, e.g. {4: h'32'} = a1 04 41 32
  crypto::PrivateKey key;  ///< signature key (kEd25519/kP256) or static DH key (kX25519/kP256)
};

/// The peer's credential, looked up by the application from ID_CRED.
struct PeerCredential {
  ConstByteSpan cred;        ///< CRED_x exactly as it enters the transcript
  ConstByteSpan public_key;  ///< 32 bytes, or 64 (x||y) for P-256 signatures
};

/// ID_CRED as received: either a compact 'kid' or a full map.
struct IdCredView {
  bool is_kid = false;
  ConstByteSpan kid;  ///< the kid bytes when is_kid
  ConstByteSpan map;  ///< ID_CRED as a CBOR map (rebuilt as {4: kid} for a compact kid)
};

/// Decides on a critical EAD item (negative label). Return true if the
/// application recognised and accepted it. With no callback every critical
/// item aborts processing, as RFC 9528 §3.8 requires for unknown items.
using CriticalEadFn = bool (*)(void* user, int64_t label, ConstByteSpan value);

struct Settings {
  CriticalEadFn accept_critical_ead = nullptr;
  void* user = nullptr;
  /// Responder only: suites accepted (bit s = suite s), within the compiled set.
  uint16_t responder_suites = static_cast<uint16_t>(config::kSuiteMask);
  /// Responder only: methods accepted (bit m = method m), within the compiled set.
  uint8_t responder_methods = static_cast<uint8_t>(config::kMethodMask);
};

/// What an EDHOC error message said.
struct PeerError {
  int64_t code = 0;
  uint8_t suites_r[kMaxSuites] = {};  ///< code 2: SUITES_R
  uint8_t suites_r_len = 0;
};

struct Message1Info {
  Method method = Method::kStatStat;
  uint8_t suite = 0;
  ConnId c_i;
  ConstByteSpan ead_1;
};

struct Message2Info {
  ConnId c_r;
  IdCredView id_cred_r;
  ConstByteSpan ead_2;
};

struct Message3Info {
  IdCredView id_cred_i;
  ConstByteSpan ead_3;
};

/// Intermediate values, reported only in builds with HUSH_EDHOC_TRACE=1 so
/// that known-answer tests can check them. Never enabled in firmware.
enum class TraceId : uint8_t { kTh2, kTh3, kTh4, kPrk2e, kPrk3e2m, kPrk4e3m, kPrkOut, kPrkExporter, kMac2, kMac3 };
#if HUSH_EDHOC_TRACE
using TraceFn = void (*)(void* user, TraceId id, ConstByteSpan value);
#endif

enum class Phase : uint8_t {
  kStart,
  kSentMessage1,      ///< initiator waits for message_2
  kReceivedMessage2,  ///< initiator waits for verify_message_2
  kVerifiedMessage2,  ///< initiator may prepare message_3
  kReceivedMessage1,  ///< responder may prepare message_2
  kSentMessage2,      ///< responder waits for message_3
  kReceivedMessage3,  ///< responder waits for verify_message_3
  kCompleted,         ///< PRK_out derived; exporter available
  kFailed,            ///< aborted or a local failure; only reset() helps
};

/// The work buffer a handshake needs for given credential and EAD sizes:
/// the received plaintext plus the largest KDF info / Sig_structure.
constexpr size_t work_len_for(size_t max_message, size_t max_cred, size_t max_id_cred, size_t max_ead) noexcept {
  return max_message + 16 + 2 * (max_cred + max_id_cred + max_ead + kMaxConnIdLen + crypto::kHashLen + 16) + 32;
}
/// Enough for CCS credentials of up to 128 bytes with kid identifiers.
inline constexpr size_t kDefaultWorkLen = work_len_for(config::kMaxMessageLen, 128, 16, config::kMaxEadLen);

namespace detail {

/// State shared by both roles. Secrets are wiped on completion, abort,
/// reset and destruction.
class Handshake {
 public:
  Handshake(const Handshake&) = delete;
  Handshake& operator=(const Handshake&) = delete;

  Phase phase() const noexcept { return phase_; }
  const Suite* suite() const noexcept { return suite_; }
  Method method() const noexcept { return method_; }
  const ConnId& c_i() const noexcept { return c_i_; }
  const ConnId& c_r() const noexcept { return c_r_; }
  /// The last EDHOC error message received (code 0 if none).
  const PeerError& peer_error() const noexcept { return peer_error_; }

  /// EDHOC_Exporter(label, context, length) (§4.2.1), after completion.
  Error exporter(uint64_t label, ConstByteSpan context, ByteSpan out) noexcept;
  /// EDHOC_KeyUpdate(context) (Appendix H): replaces PRK_out and PRK_exporter
  /// and wipes everything from which the old PRK_out could be recomputed: the
  /// old PRK_out itself and K_4/IV_4 (message_4 is no longer possible after it).
  Error key_update(ConstByteSpan context) noexcept;
  /// After completion the engine keeps only K_4/IV_4 (and TH_4, the AAD) for
  /// the optional message_4, never PRK_4e3m. When the application knows that
  /// no message_4 will be sent or received, this wipes them at once;
  /// prepare_message_4/process_message_4 then return kInvalidState.
  /// kInvalidState before completion.
  Error skip_message_4() noexcept;
  /// OSCORE master secret (16 bytes) and salt (8 bytes) (Appendix A.1).
  Error oscore_secrets(uint8_t (&master_secret)[16], uint8_t (&master_salt)[wire::kOscoreMasterSaltLen]) noexcept;

  /// Aborts the handshake and wipes every secret; sticky until reset().
  void abort() noexcept;
  /// Back to kStart with nothing left of the previous run.
  void reset() noexcept;

#if HUSH_EDHOC_TRACE
  void set_trace(TraceFn fn, void* user) noexcept {
    trace_fn_ = fn;
    trace_user_ = user;
  }
#endif

 protected:
  Handshake(ByteSpan work, const Settings& settings) noexcept : work_(work), settings_(settings) {}
  // Wipes the work buffer too, which must therefore outlive the engine. An
  // engine that owns its buffer calls release_work() from its own destructor,
  // while the buffer is still alive, so that nothing here touches it.
  ~Handshake() {
    reset();
  }
  void release_work() noexcept {
    reset();
    work_ = ByteSpan();
  }

  ByteSpan scratch() noexcept {
    return work_.subspan(pt_len_);
  }
  void trace(TraceId id, ConstByteSpan v) const noexcept;
  void wipe_secrets() noexcept;
  void wipe_plaintext() noexcept;
  // Where a received PLAINTEXT_2/3 of n <= work_.size() / 2 bytes is
  // decrypted: the tail of work_, so that a pending candidate at the front
  // survives until the new one has been accepted.
  ByteSpan candidate_area(size_t n) noexcept {
    return work_.subspan(work_.size() - n, n);
  }
  // PLAINTEXT_2/3 in candidate_area(): parsed, checked and, only if all is
  // well, moved to the front of work_ (replacing any earlier candidate) and
  // recorded for the verify step. `c_r` is non-null for PLAINTEXT_2.
  Error accept_plaintext(ByteSpan pt, size_t sig_len, ConnId* c_r) noexcept;
  // PRK_out, PRK_exporter and K_4/IV_4 from PRK_4e3m and TH_4, then kCompleted.
  Error complete(const uint8_t* prk_4e3m, const uint8_t* th_4, ByteSpan scratch) noexcept;
  // Seals or opens PLAINTEXT_4 with the K_4/IV_4 kept by complete().
  Error message_4_aead(bool seal, ConstByteSpan in, ByteSpan out) noexcept;
  // Wipes K_4/IV_4 and TH_4: message_4 is done or will not come.
  void end_message_4() noexcept;

  ByteSpan work_;
  Settings settings_;
  Phase phase_ = Phase::kStart;
  const Suite* suite_ = nullptr;
  Method method_ = Method::kStatStat;
  ConnId c_i_;
  ConnId c_r_;
  PeerError peer_error_;

  uint8_t eph_priv_[crypto::kScalarLen] = {};  // X or Y
  uint8_t g_x_[crypto::kCoordLen] = {};
  uint8_t g_y_[crypto::kCoordLen] = {};
  uint8_t h_msg1_[crypto::kHashLen] = {};  // H(message_1)
  uint8_t th_[crypto::kHashLen] = {};      // TH_2, then TH_3, then TH_4 until message_4 ends
  uint8_t prk_[crypto::kHashLen] = {};     // PRK_2e, then PRK_3e2m, then K_4 || IV_4 until message_4 ends
  uint8_t prk_out_[crypto::kHashLen] = {};
  uint8_t prk_exporter_[crypto::kHashLen] = {};
  bool message_4_done_ = false;
  uint8_t m2_step_ = 0;  // Responder: how far a resumable prepare_message_2 has got

  // Received PLAINTEXT_2 / PLAINTEXT_3 waiting for verification, in work_.
  uint16_t pt_len_ = 0;
  uint16_t pt_id_cred_off_ = 0, pt_id_cred_len_ = 0;
  uint16_t pt_sig_off_ = 0, pt_sig_len_ = 0;
  uint16_t pt_ead_off_ = 0, pt_ead_len_ = 0;
  bool pt_id_cred_is_kid_ = false;
  uint8_t peer_id_cred_map_[kMaxKidLen + 4] = {};  // {4: kid} rebuilt from a compact kid
  uint8_t peer_id_cred_map_len_ = 0;

  // Responder: SUITES_I of a message_1 whose suite was refused, for
  // suites_r(). Here rather than in Responder so that reset() clears it.
  uint8_t offered_[kMaxSuites] = {};
  uint8_t offered_len_ = 0;

#if HUSH_EDHOC_TRACE
  TraceFn trace_fn_ = nullptr;
  void* trace_user_ = nullptr;
#endif

  IdCredView id_cred_view() const noexcept;
};

}  // namespace detail

/// Optional inputs of message_1.
struct Message1Params {
  Method method = Method::kStatStat;
  ConstByteSpan suites_i;  ///< in preference order, the last one selected
  ConnId c_i;
  ConstByteSpan ead_1;
  /// Known-answer tests only: use this ephemeral private key instead of a
  /// fresh one. Never set it in a product.
  ConstByteSpan test_ephemeral;
};

/// The EDHOC Initiator over a work buffer it does not own.
class Initiator : public detail::Handshake {
 public:
  Initiator(ByteSpan work, const Settings& settings = Settings()) noexcept : Handshake(work, settings) {}

  Error prepare_message_1(const Message1Params& params, ByteSpan out, size_t& out_len) noexcept;
  /// Decrypts message_2 and hands ID_CRED_R and EAD_2 to the caller. An
  /// EDHOC error message here returns kPeerError or kWrongSelectedSuite
  /// (see peer_error()) and leaves the engine waiting.
  Error process_message_2(ConstByteSpan message_2, Message2Info& info) noexcept;
  /// Authenticates the Responder with the credential the application found.
  Error verify_message_2(const PeerCredential& cred_r) noexcept;
  Error prepare_message_3(const LocalCredential& cred_i, ConstByteSpan ead_3, ByteSpan out, size_t& out_len) noexcept;
  Error process_message_4(ConstByteSpan message_4, ConstByteSpan& ead_4) noexcept;
};

/// The EDHOC Responder over a work buffer it does not own.
class Responder : public detail::Handshake {
 public:
  Responder(ByteSpan work, const Settings& settings = Settings()) noexcept : Handshake(work, settings) {}

  /// kWrongSelectedSuite or kUnsupportedMethod mean: answer with
  /// compose_error() (SUITES_R from suites_r()) and drop the handshake.
  Error process_message_1(ConstByteSpan message_1, Message1Info& info) noexcept;
  /// SUITES_R for an error code 2 after process_message_1 rejected the suite.
  Error suites_r(uint8_t (&out)[kMaxSuites], size_t& len) const noexcept;
  /// Composes message_2 in three calls, one public-key operation each:
  /// (1) generate Y, (2) G_XY, (3) G_RX or the signature, then the message.
  /// Calls 1 and 2 return kNeedMore; the caller calls again with the same
  /// arguments (`test_ephemeral` is used by call 1 only) until kOk, which
  /// sets out_len. Every call checks the phase and the arguments. A call that
  /// fails changes nothing and may be repeated; kCryptoFailed aborts.
  /// C_R must be set and differ from C_I (kInvalidArgument).
  Error prepare_message_2(const LocalCredential& cred_r, const ConnId& c_r, ConstByteSpan ead_2, ByteSpan out,
                          size_t& out_len, ConstByteSpan test_ephemeral = ConstByteSpan()) noexcept;
  Error process_message_3(ConstByteSpan message_3, Message3Info& info) noexcept;
  Error verify_message_3(const PeerCredential& cred_i) noexcept;
  Error prepare_message_4(ConstByteSpan ead_4, ByteSpan out, size_t& out_len) noexcept;

 private:
  Error m2_ephemeral(ConstByteSpan test_ephemeral) noexcept;
  Error m2_shared_secret() noexcept;
  Error m2_compose(const LocalCredential& cred_r, const ConnId& c_r, ConstByteSpan ead_2, ByteSpan out,
                   size_t& out_len) noexcept;
};

/// An Initiator that owns its work buffer.
template <size_t N = kDefaultWorkLen>
class InitiatorBuffer : public Initiator {
 public:
  static_assert(N >= config::kMaxMessageLen + 64, "EDHOC work buffer too small");
  explicit InitiatorBuffer(const Settings& settings = Settings()) noexcept : Initiator(ByteSpan(buf_, N), settings) {}
  ~InitiatorBuffer() { release_work(); }  // buf_ dies before the base destructor runs

 private:
  uint8_t buf_[N];
};

/// A Responder that owns its work buffer.
template <size_t N = kDefaultWorkLen>
class ResponderBuffer : public Responder {
 public:
  static_assert(N >= config::kMaxMessageLen + 64, "EDHOC work buffer too small");
  explicit ResponderBuffer(const Settings& settings = Settings()) noexcept : Responder(ByteSpan(buf_, N), settings) {}
  ~ResponderBuffer() { release_work(); }  // buf_ dies before the base destructor runs

 private:
  uint8_t buf_[N];
};

/// Published sizes for RAM planning (host values differ from the target's).
inline constexpr size_t kInitiatorStateSize = sizeof(Initiator);
inline constexpr size_t kResponderStateSize = sizeof(Responder);

// --- Error messages (§6) ------------------------------------------------------

/// error = (ERR_CODE, ERR_INFO). Code 1 carries `diagnostic` as a tstr,
/// code 2 carries `suites_r` (int when one entry), code 3 carries true.
Error compose_error(wire::ErrCode code, ConstByteSpan diagnostic, Span<const uint8_t> suites_r, ByteSpan out,
                    size_t& out_len) noexcept;
/// Parses an error message. kMalformed if it is not one.
Error parse_error(ConstByteSpan message, PeerError& out) noexcept;
/// True when the first item is an int: an error message, not message_2/3/4.
bool looks_like_error(ConstByteSpan message) noexcept;

/// After an error code 2: the SUITES_I to send next (RFC 9528 §6.3.2): the
/// preference list up to the most preferred suite the Responder offered.
Error suites_after_error(ConstByteSpan preference, ConstByteSpan suites_r, uint8_t (&out)[kMaxSuites],
                         size_t& out_len) noexcept;

}  // namespace hush::edhoc
