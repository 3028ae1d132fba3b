// SPDX-License-Identifier: Apache-2.0
#pragma once

namespace hush::m33 {

/// Gives mbed TLS its static heap and initialises PSA Crypto. Returns false
/// if PSA does not start.
bool platform_init() noexcept;

}  // namespace hush::m33
