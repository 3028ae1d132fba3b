// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstddef>
#include <cstdint>
#include <type_traits>

namespace hush {

/// A non-owning view of contiguous elements (C++17 has no std::span).
/// Out-of-range subspans are clamped to empty rather than asserted: callers
/// that parse untrusted input check lengths first and get a safe value if not.
template <typename T>
class Span {
 public:
  constexpr Span() noexcept = default;
  constexpr Span(T* data, size_t size) noexcept : data_(data), size_(size) {}
  template <size_t N>
  constexpr Span(T (&array)[N]) noexcept : data_(array), size_(N) {}
  /// Allows Span<T> -> Span<const T>.
  template <typename U, typename = std::enable_if_t<std::is_same_v<const U, T> && !std::is_same_v<U, T>>>
  constexpr Span(const Span<U>& other) noexcept : data_(other.data()), size_(other.size()) {}

  constexpr T* data() const noexcept { return data_; }
  constexpr size_t size() const noexcept { return size_; }
  constexpr bool empty() const noexcept { return size_ == 0; }
  constexpr T& operator[](size_t i) const noexcept { return data_[i]; }
  constexpr T* begin() const noexcept { return data_; }
  constexpr T* end() const noexcept { return data_ + size_; }

  constexpr Span first(size_t n) const noexcept { return n <= size_ ? Span(data_, n) : Span(); }
  constexpr Span subspan(size_t offset) const noexcept {
    return offset <= size_ ? Span(data_ + offset, size_ - offset) : Span();
  }
  constexpr Span subspan(size_t offset, size_t n) const noexcept {
    return (offset <= size_ && n <= size_ - offset) ? Span(data_ + offset, n) : Span();
  }

 private:
  T* data_ = nullptr;
  size_t size_ = 0;
};

using ByteSpan = Span<uint8_t>;
using ConstByteSpan = Span<const uint8_t>;

}  // namespace hush
