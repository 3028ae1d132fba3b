// SPDX-License-Identifier: Apache-2.0
// libFuzzer target: arbitrary bytes as message_1 at a Responder. Whatever is
// accepted must lead to a message_2 or a clean error, never a crash.

#include "edhoc_fuzz_fixture.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace hush;
  static fuzz::Party r = [] {
    fuzz::Party p;
    p.make(crypto::KeyType::kX25519, 0x20, 0x32);
    return p;
  }();
  edhoc::ResponderBuffer<> res;
  edhoc::Message1Info info;
  const Error e = res.process_message_1(ConstByteSpan(data, size), info);
  if (e == Error::kWrongSelectedSuite) {
    uint8_t suites[edhoc::kMaxSuites];
    size_t n = 0;
    fuzz::check(res.suites_r(suites, n) == Error::kOk && n > 0);
    uint8_t err[32];
    size_t len = 0;
    fuzz::check(edhoc::compose_error(wire::ErrCode::kWrongSelectedSuite, ConstByteSpan(),
                                     Span<const uint8_t>(suites, n), err, len) == Error::kOk);
    return 0;
  }
  if (e != Error::kOk) {
    fuzz::check(res.phase() == edhoc::Phase::kStart);
    return 0;
  }
  fuzz::check(res.phase() == edhoc::Phase::kReceivedMessage1);
  uint8_t m2[300];
  size_t len = 0;
  Error e2;
  while ((e2 = res.prepare_message_2(r.local(), edhoc::ConnId::from_int(5), ConstByteSpan(), m2, len)) ==
         Error::kNeedMore) {
  }
  fuzz::check(e2 == Error::kOk || e2 == Error::kInvalidPoint || e2 == Error::kUnsupported);
  return 0;
}
