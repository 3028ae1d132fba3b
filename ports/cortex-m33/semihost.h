// SPDX-License-Identifier: Apache-2.0
#pragma once

// Arm semihosting (BKPT 0xAB) for test images under QEMU:
// run with -semihosting-config enable=on,target=native.

#include <cstdint>

namespace hush::m33 {

/// Writes a NUL-terminated string to the host's stdout.
void write(const char* s) noexcept;
/// Writes an unsigned decimal number.
void write_dec(uint32_t v) noexcept;
/// Writes bytes as lowercase hex.
void write_hex(const uint8_t* p, uint32_t n) noexcept;
/// The pattern start-up paints the stack with.
inline constexpr uint32_t kStackPaint = 0xA5A5A5A5u;
/// Deepest stack use since reset, in bytes (startup.cpp).
uint32_t stack_high_water() noexcept;
/// Ends the emulation; QEMU exits with `status`.
[[noreturn]] void exit(int status) noexcept;

}  // namespace hush::m33
