// SPDX-License-Identifier: Apache-2.0
// libFuzzer target: message_2 at an Initiator waiting for it. Input byte 0
// picks the method and whether the rest is a raw message_2 or a PLAINTEXT_2
// that the harness encrypts with the real KEYSTREAM_2, so the plaintext
// parser sees exactly the fuzz data. A rejected message leaves the
// Initiator waiting, and the genuine message_2 still completes.

#include "edhoc_fuzz_fixture.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace hush;
  if (size < 1 || size > 400) return 0;
  const bool sig = (data[0] & 1) != 0;
  const bool plaintext_mode = (data[0] & 2) != 0;
  const ConstByteSpan body(data + 1, size - 1);
  fuzz::Fixture f(sig ? edhoc::Method::kSigSig : edhoc::Method::kStatStat);
  f.to_message_2();

  uint8_t msg[512];
  size_t len = 0;
  if (plaintext_mode) {
    // message_2 = bstr(G_Y || PLAINTEXT_2 XOR KEYSTREAM_2)
    if (body.size() > 200) return 0;
    uint8_t ks[200];
    uint8_t scratch[300];
    fuzz::check(edhoc::detail::kdf_th(f.cap_r.prk_2e, wire::KdfLabel::kKeystream2, f.cap_r.th_2,
                                      ByteSpan(ks, body.size()), ByteSpan(scratch)) == Error::kOk);
    cbor::Encoder enc{ByteSpan(msg)};
    enc.put_bstr_head(32 + body.size());
    const size_t head = enc.size();
    enc.put_raw(ConstByteSpan(f.m2 + 2, 32));  // G_Y from the genuine message_2
    fuzz::check(enc.status() == Error::kOk);
    len = head + 32;
    for (size_t k = 0; k < body.size(); ++k) msg[len++] = static_cast<uint8_t>(body[k] ^ ks[k]);
  } else {
    std::memcpy(msg, body.data(), body.size());
    len = body.size();
  }

  edhoc::Message2Info info;
  Error e = f.ini.process_message_2(ConstByteSpan(msg, len), info);
  if (e == Error::kOk) e = f.ini.verify_message_2(f.r.peer());
  if (e == Error::kOk) return 0;  // the fuzzer rebuilt the genuine message
  fuzz::check(f.ini.phase() == edhoc::Phase::kSentMessage1 || f.ini.phase() == edhoc::Phase::kReceivedMessage2);
  fuzz::check(f.ini.process_message_2(ConstByteSpan(f.m2, f.m2_len), info) == Error::kOk);
  fuzz::check(f.ini.verify_message_2(f.r.peer()) == Error::kOk);
  return 0;
}
