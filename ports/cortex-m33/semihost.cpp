// SPDX-License-Identifier: Apache-2.0
#include "semihost.h"

namespace hush::m33 {
namespace {

constexpr uint32_t kSysWrite0 = 0x04;
constexpr uint32_t kSysExit = 0x18;
constexpr uint32_t kSysExitExtended = 0x20;
constexpr uint32_t kAdpStoppedApplicationExit = 0x20026;

uint32_t call(uint32_t op, const void* arg) noexcept {
  register uint32_t r0 __asm__("r0") = op;
  register const void* r1 __asm__("r1") = arg;
  __asm__ volatile("bkpt 0xab" : "+r"(r0) : "r"(r1) : "memory");
  return r0;
}

}  // namespace

void write(const char* s) noexcept {
  call(kSysWrite0, s);
}

void write_dec(uint32_t v) noexcept {
  char buf[11];
  char* p = buf + sizeof(buf) - 1;
  *p = '\0';
  do {
    *--p = static_cast<char>('0' + v % 10);
    v /= 10;
  } while (v != 0);
  write(p);
}

void write_hex(const uint8_t* p, uint32_t n) noexcept {
  static constexpr char kDigits[] = "0123456789abcdef";
  char buf[65];
  while (n > 0) {
    uint32_t chunk = n > 32 ? 32 : n;
    for (uint32_t i = 0; i < chunk; ++i) {
      buf[2 * i] = kDigits[p[i] >> 4];
      buf[2 * i + 1] = kDigits[p[i] & 0xF];
    }
    buf[2 * chunk] = '\0';
    write(buf);
    p += chunk;
    n -= chunk;
  }
}

void exit(int status) noexcept {
  // SYS_EXIT_EXTENDED carries the status on AArch32; plain SYS_EXIT (which
  // can only say success or failure) is the fallback for hosts without it.
  const uint32_t block[2] = {kAdpStoppedApplicationExit, static_cast<uint32_t>(status)};
  call(kSysExitExtended, block);
  call(kSysExit, reinterpret_cast<const void*>(status == 0 ? kAdpStoppedApplicationExit : 0x20023u));
  for (;;) {
  }
}

}  // namespace hush::m33
