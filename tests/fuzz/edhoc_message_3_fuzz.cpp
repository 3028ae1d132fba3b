// SPDX-License-Identifier: Apache-2.0
// libFuzzer target: message_3 (and, after it, message_4 and error messages)
// at a Responder waiting for it. Byte 0 picks the method and raw versus
// plaintext mode; in plaintext mode the harness seals the fuzz data as
// PLAINTEXT_3 with the real K_3/IV_3, reaching the plaintext parser.

#include "edhoc_fuzz_fixture.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace hush;
  if (size < 1 || size > 400) return 0;
  const bool sig = (data[0] & 1) != 0;
  const bool plaintext_mode = (data[0] & 2) != 0;
  const ConstByteSpan body(data + 1, size - 1);
  fuzz::Fixture f(sig ? edhoc::Method::kSigSig : edhoc::Method::kStatStat);
  f.to_message_3();

  uint8_t msg[512];
  size_t len = 0;
  if (plaintext_mode) {
    if (body.size() > 200) return 0;
    const size_t ct_len = body.size() + 8;
    const size_t head = cbor::head_size(ct_len);
    uint8_t scratch[300];
    fuzz::check(edhoc::detail::seal_or_open(true, *edhoc::find_suite(0), f.cap_r.prk_3e2m, f.cap_r.th_3,
                                            wire::KdfLabel::kK3, wire::KdfLabel::kIv3, body,
                                            ByteSpan(msg + head, ct_len), ByteSpan(scratch)) == Error::kOk);
    cbor::Encoder enc{ByteSpan(msg, head)};
    enc.put_bstr_head(ct_len);
    len = head + ct_len;
  } else {
    std::memcpy(msg, body.data(), body.size());
    len = body.size();
  }

  edhoc::Message3Info info;
  Error e = f.res.process_message_3(ConstByteSpan(msg, len), info);
  if (e == Error::kOk) e = f.res.verify_message_3(f.i.peer());
  if (e != Error::kOk) {
    fuzz::check(f.res.phase() == edhoc::Phase::kSentMessage2 || f.res.phase() == edhoc::Phase::kReceivedMessage3);
    fuzz::check(f.res.process_message_3(ConstByteSpan(f.m3, f.m3_len), info) == Error::kOk);
    fuzz::check(f.res.verify_message_3(f.i.peer()) == Error::kOk);
  }
  // The same bytes as message_4 and as an error message.
  ConstByteSpan ead_4;
  (void)f.ini.process_message_4(ConstByteSpan(msg, len), ead_4);
  edhoc::PeerError pe;
  (void)edhoc::parse_error(ConstByteSpan(msg, len), pe);
  return 0;
}
