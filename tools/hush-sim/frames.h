// SPDX-License-Identifier: Apache-2.0
#pragma once

// Reads what an observer on the air can see of a hush frame: its kind byte
// (include/hush/wire.h, docs/PROTOCOL.md "Frames"), where the EDHOC message
// ends when a record rides with message_3, and a record's header overhead.
// Nothing here decrypts: control records look alike from outside.

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace hush::sim {

struct FrameInfo {
  std::string name;  ///< e.g. "message_1", "message_3+record", "frag message_2", "record confirmed"
  bool edhoc =
      false;  ///< a handshake frame: kinds 0x01..0x1F and 0x41..0x59 (messages, errors, fragments), cookie retry
  size_t edhoc_bytes = 0;      ///< bytes of the frame that belong to the EDHOC part (with its framing)
  bool has_record = false;     ///< a protected record (alone, or riding with message_3)
  uint8_t record_kind = 0;     ///< wire::kFrameRecord / kFrameRecordConfirmed / kFrameRecordControl
  size_t record_bytes = 0;     ///< bytes of the record, header and tag included
  size_t record_overhead = 0;  ///< header + tag of the record (its bytes minus its payload)
  bool malformed = false;      ///< could not be parsed as hush would send it
};

/// Tag length of the suite's AEAD (8 for AES-CCM-16-64-128, 16 for -128-128).
size_t tag_len_for_suite(uint8_t suite);

FrameInfo describe_frame(const std::vector<uint8_t>& frame, uint8_t suite);

}  // namespace hush::sim
