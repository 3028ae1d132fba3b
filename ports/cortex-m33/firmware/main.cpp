// SPDX-License-Identifier: Apache-2.0
// The QEMU test image: runs every case in kTests and kTunnelTests, prints
// one line per case and `N passed, N failed` over semihosting; the exit
// status is 0 only if every case passed.

#include "check.h"
#include "platform.h"
#include "semihost.h"

namespace hush::m33 {
namespace {

bool current_failed = false;

}  // namespace

void check_failed(const char* expr, const char* file, int line) noexcept {
  current_failed = true;
  write("  check failed: ");
  write(expr);
  write(" at ");
  write(file);
  write(":");
  write_dec(static_cast<uint32_t>(line));
  write("\n");
}

void check_failed_error(const char* expr, hush::Error got, hush::Error want, const char* file, int line) noexcept {
  check_failed(expr, file, line);
  write("  got ");
  write(hush::error_name(got));
  write(", want ");
  write(hush::error_name(want));
  write("\n");
}

bool bytes_equal(const uint8_t* a, const uint8_t* b, size_t n) noexcept {
  for (size_t i = 0; i < n; ++i) {
    if (a[i] != b[i]) return false;
  }
  return true;
}

}  // namespace hush::m33

int main() {
  using namespace hush::m33;
  write("hush cortex-m33 test image (mps2-an505)\n");
  if (!platform_init()) {
    write("psa_crypto_init failed\n0 passed, 1 failed\n");
    return 1;
  }
  uint32_t passed = 0;
  uint32_t failed = 0;
  const struct {
    const TestCase* cases;
    size_t count;
  } groups[] = {{kTests, kTestCount}, {kTunnelTests, kTunnelTestCount}};
  for (const auto& g : groups) {
    for (size_t i = 0; i < g.count; ++i) {
      current_failed = false;
      g.cases[i].fn();
      write(current_failed ? "[FAIL] " : "[ OK ] ");
      write(g.cases[i].name);
      write("\n");
      if (current_failed) {
        ++failed;
      } else {
        ++passed;
      }
    }
  }
  // The whole image: harness, hush, the crypto port and mbed TLS.
  write("stack high-water mark: ");
  write_dec(stack_high_water());
  write(" bytes\n");
  write_dec(passed);
  write(" passed, ");
  write_dec(failed);
  write(" failed\n");
  return failed == 0 ? 0 : 1;
}
