// SPDX-License-Identifier: Apache-2.0
#pragma once

// Hex conversion for host tools and tests (lowercase, no separators).

#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

namespace hush::host {

inline std::vector<uint8_t> from_hex(const std::string& s) {
  auto nibble = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  std::vector<uint8_t> out;
  std::string clean;
  for (char c : s) {
    if (c != ' ' && c != '\n') clean.push_back(c);
  }
  if (clean.size() % 2 != 0) throw std::invalid_argument("odd-length hex string");
  for (size_t i = 0; i < clean.size(); i += 2) {
    const int hi = nibble(clean[i]);
    const int lo = nibble(clean[i + 1]);
    if (hi < 0 || lo < 0) throw std::invalid_argument("bad hex digit");
    out.push_back(static_cast<uint8_t>(hi << 4 | lo));
  }
  return out;
}

inline std::string to_hex(const uint8_t* p, size_t n) {
  static const char* kDigits = "0123456789abcdef";
  std::string s;
  s.reserve(2 * n);
  for (size_t i = 0; i < n; ++i) {
    s.push_back(kDigits[p[i] >> 4]);
    s.push_back(kDigits[p[i] & 0xF]);
  }
  return s;
}

template <typename Bytes>
std::string to_hex(const Bytes& b) {
  return to_hex(b.data(), b.size());
}

template <size_t N>
std::string to_hex(const uint8_t (&a)[N]) {
  return to_hex(a, N);
}

}  // namespace hush::host
