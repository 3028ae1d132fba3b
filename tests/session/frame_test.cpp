// SPDX-License-Identifier: Apache-2.0
// The frame codec and reassembly: layouts, every malformed form, and the
// fragment edge cases (overlap, duplicates, out of range, conflicting bytes).

#include <gtest/gtest.h>

#include <vector>

#include "session/frame.h"
#include "session/reassembly.h"

namespace hush::session {
namespace {

using Bytes = std::vector<uint8_t>;

ConstByteSpan v(const Bytes& b) {
  return ConstByteSpan(b.data(), b.size());
}

TEST(Frame, EdhocLayouts) {
  Frame f;
  const Bytes m1 = {0x01, 0x03, 0x00};
  ASSERT_EQ(parse_frame(v(m1), f), Error::kOk);
  EXPECT_EQ(f.type, FrameType::kEdhoc);
  EXPECT_EQ(f.edhoc, EdhocKind::kMessage1);
  EXPECT_FALSE(f.has_cid);
  EXPECT_EQ(f.body.size(), 2u);
  const Bytes m2 = {0x02, 0x37, 0x58, 0x01, 0xAA};
  ASSERT_EQ(parse_frame(v(m2), f), Error::kOk);
  EXPECT_EQ(f.edhoc, EdhocKind::kMessage2);
  EXPECT_TRUE(f.has_cid);
  EXPECT_EQ(f.cid, 0x37);
  EXPECT_EQ(f.body.size(), 3u);
  // message_3 (a bstr) with a record after it.
  const Bytes m3 = {0x0B, 0x05, 0x42, 0xAA, 0xBB, 0x88, 0x05, 0x00, 1, 2, 3, 4, 5, 6, 7, 8};
  ASSERT_EQ(parse_frame(v(m3), f), Error::kOk);
  EXPECT_EQ(f.edhoc, EdhocKind::kMessage3);
  EXPECT_EQ(f.body.size(), 3u);
  EXPECT_EQ(f.record.size(), 11u);
  EXPECT_EQ(f.record[0], 0x88);
}

TEST(Frame, MalformedTable) {
  const std::vector<Bytes> bad = {
      {},                                          // empty
      {0x00},                                      // kind 0
      {0x01},                                      // message_1 without a body
      {0x02},                                      // no cid
      {0x02, 0x05},                                // cid, no body
      {0x06, 0x05, 0x01},                          // kind 6 is not EDHOC
      {0x07, 0x05, 0x01},                          // kind 7
      {0x29, 0x41, 0xAA},                          // bit 5 on message_1 (bit 3 is its cookie flag)
      {0x0A, 0x05, 0x41, 0xAA},                    // record flag on message_2
      {0x0B, 0x05, 0x42, 0xAA, 0xBB},              // record flag, no record
      {0x0B, 0x05, 0x42, 0xAA},                    // bstr longer than the frame
      {0x0B, 0x05, 0x42, 0xAA, 0xBB, 0x05},        // what follows is not a record
      {0x0B, 0x05, 0x01, 0x88, 0x00},              // message_3 not a bstr
      {0x1B, 0x05, 0x00, 0x10, 0x00, 0xAA},        // fragment with the record flag
      {0x40, 0x00},                                // bits 6/5 set
      {0x12, 0x05, 0x00, 0x20},                    // fragment header, no bytes
      {0x12, 0x05, 0x00, 0x00, 0x00, 0xAA},        // total 0
      {0x12, 0x05, 0x00, 0x20, 0x02, 0xAA},        // offset 2 of total 2
      {0x12, 0x05, 0x00, 0x20, 0x01, 0xAA, 0xBB},  // runs past total
      {0x12, 0x05, 0x00, 0x20, 0x00, 0xAA, 0xBB},  // the whole message is not a fragment
  };
  for (size_t i = 0; i < bad.size(); ++i) {
    Frame f;
    EXPECT_EQ(parse_frame(v(bad[i]), f), Error::kMalformed) << "row " << i;
  }
  Frame f;
  const Bytes wake = {0x22};
  EXPECT_EQ(parse_frame(v(wake), f), Error::kUnsupported);  // wake: reserved here
}

TEST(Frame, FragmentRoundTrip) {
  Bytes msg(100);
  for (size_t i = 0; i < msg.size(); ++i) msg[i] = static_cast<uint8_t>(i * 7);
  detail::Reassembly r{};
  size_t offset = 0, frames = 0;
  Error last = Error::kNeedMore;
  while (offset < msg.size()) {
    uint8_t out[32];
    size_t len = 0, taken = 0;
    ASSERT_EQ(compose_fragment(EdhocKind::kMessage2, 0x05, v(msg), offset, ByteSpan(out), len, taken), Error::kOk);
    EXPECT_LE(len, sizeof(out));
    Frame f;
    ASSERT_EQ(parse_frame(ConstByteSpan(out, len), f), Error::kOk);
    ASSERT_EQ(f.type, FrameType::kFragment);
    EXPECT_EQ(f.frag_total, msg.size());
    EXPECT_EQ(f.frag_offset, offset);
    last = reassembly_add(r, 2, f.frag_total, f.frag_offset, f.body);
    offset += taken;
    ++frames;
  }
  EXPECT_EQ(last, Error::kOk);
  EXPECT_EQ(frames, 4u);  // 27 bytes a fragment at 32
  EXPECT_EQ(Bytes(r.buf, r.buf + r.total), msg);
}

TEST(Reassembly, EdgeCases) {
  const Bytes a = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
  struct Step {
    uint8_t kind;
    uint16_t total, offset;
    Bytes bytes;
    Error want;
  };
  const std::vector<Step> steps = {
      {2, 10, 4, {5, 6, 7}, Error::kNeedMore},        // middle first
      {2, 10, 4, {5, 6, 7}, Error::kReplay},          // exact duplicate
      {2, 10, 5, {6}, Error::kReplay},                // inside what we have
      {2, 10, 9, {10, 11}, Error::kMalformed},        // past the end: dropped, the rest kept
      {2, 0, 0, {1}, Error::kMalformed},              // total 0
      {2, 300, 0, {1}, Error::kMalformed},            // larger than the buffer
      {2, 10, 3, {4, 9}, Error::kInvalidState},       // overlap that disagrees: starts over with it
      {2, 11, 0, {1}, Error::kInvalidState},          // another total: starts over
      {3, 11, 0, {1}, Error::kInvalidState},          // another kind: starts over
      {2, 10, 4, {5, 6, 7}, Error::kInvalidState},    // the genuine one again: starts over
      {2, 10, 3, {4, 5, 6, 7, 8}, Error::kNeedMore},  // overlap that agrees, new bytes
      {2, 10, 0, {1, 2, 3}, Error::kNeedMore},
      {2, 10, 8, {9, 10}, Error::kOk},  // complete
  };
  detail::Reassembly r{};
  for (size_t i = 0; i < steps.size(); ++i) {
    const Step& s = steps[i];
    EXPECT_EQ(reassembly_add(r, s.kind, s.total, s.offset, v(s.bytes)), s.want) << "step " << i;
  }
  EXPECT_EQ(Bytes(r.buf, r.buf + r.total), a);
  reassembly_reset(r);
  EXPECT_FALSE(reassembly_active(r));
}

}  // namespace
}  // namespace hush::session
