# SPDX-License-Identifier: Apache-2.0
# Turns the HUSH_* cache options into the compile definitions that
# include/hush/config.h reads, and defines the warning set every target uses.

string(TOUPPER "${HUSH_CRYPTO}" _hush_crypto_upper)
if(NOT HUSH_CRYPTO MATCHES "^(openssl|psa)$")
  message(FATAL_ERROR "HUSH_CRYPTO must be openssl or psa (got '${HUSH_CRYPTO}')")
endif()

if(HUSH_ROLES STREQUAL "both")
  set(_hush_init 1)
  set(_hush_resp 1)
elseif(HUSH_ROLES STREQUAL "initiator")
  set(_hush_init 1)
  set(_hush_resp 0)
elseif(HUSH_ROLES STREQUAL "responder")
  set(_hush_init 0)
  set(_hush_resp 1)
else()
  message(FATAL_ERROR "HUSH_ROLES must be initiator, responder or both")
endif()

function(_hush_mask out list)
  set(mask 0)
  foreach(v IN LISTS list)
    if(NOT v MATCHES "^[0-3]$")
      message(FATAL_ERROR "hush: '${v}' is not in 0..3")
    endif()
    math(EXPR mask "${mask} | (1 << ${v})")
  endforeach()
  set(${out} ${mask} PARENT_SCOPE)
endfunction()
_hush_mask(_hush_method_mask "${HUSH_METHODS}")
_hush_mask(_hush_suite_mask "${HUSH_SUITES}")

# Intermediate-value hook for known-answer tests; never in firmware builds.
if(CMAKE_CROSSCOMPILING)
  set(_hush_trace_default OFF)
else()
  set(_hush_trace_default ON)
endif()
option(HUSH_EDHOC_TRACE "Report EDHOC intermediate values to a test hook" ${_hush_trace_default})
if(HUSH_EDHOC_TRACE)
  set(_hush_trace 1)
else()
  set(_hush_trace 0)
endif()

# Replay window of every security context; one value for the whole build,
# since it sets the size of SecurityContext.
set(HUSH_REPLAY_WINDOW_BITS 32 CACHE STRING "Replay window size in records: 32, 64 or 128")
if(NOT HUSH_REPLAY_WINDOW_BITS MATCHES "^(32|64|128)$")
  message(FATAL_ERROR "HUSH_REPLAY_WINDOW_BITS must be 32, 64 or 128")
endif()

set(HUSH_DEFINITIONS
    HUSH_REPLAY_WINDOW_BITS=${HUSH_REPLAY_WINDOW_BITS}
    HUSH_EDHOC_TRACE=${_hush_trace}
    HUSH_CRYPTO_${_hush_crypto_upper}
    HUSH_ENABLE_INITIATOR=${_hush_init}
    HUSH_ENABLE_RESPONDER=${_hush_resp}
    HUSH_METHOD_MASK=${_hush_method_mask}
    HUSH_SUITE_MASK=${_hush_suite_mask})

# Library code: the firmware rules.
set(HUSH_LIBRARY_FLAGS -Wall -Wextra -Wconversion -Werror -fno-exceptions -fno-rtti)
# Tools and tests: the same warnings, exceptions allowed (GoogleTest, JSON).
set(HUSH_HOST_FLAGS -Wall -Wextra -Wconversion -Werror)
