// SPDX-License-Identifier: Apache-2.0
// Replay window (include/hush/replay_window.h): the numbered edge-case table
// of issue 3, run for every window size, plus a differential test against a
// plain set-based model of RFC 6347 §4.1.2.6.

#include <gtest/gtest.h>

#include <cstdint>
#include <cstdio>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "hush/error.h"
#include "hush/replay_window.h"

namespace hush::record {
namespace {

enum class Op { kAccept, kCheck, kForget, kStartAt, kReset };

struct Step {
  Op op;
  uint64_t seq;
  Error expect;  // ignored for kForget / kReset / kStartAt
};

struct Case {
  int id;
  std::string name;
  std::vector<Step> steps;
};

Step acc(uint64_t s, Error e) {
  return Step{Op::kAccept, s, e};
}
Step chk(uint64_t s, Error e) {
  return Step{Op::kCheck, s, e};
}
Step forget() {
  return Step{Op::kForget, 0, Error::kOk};
}
Step start_at(uint64_t s) {
  return Step{Op::kStartAt, s, Error::kOk};
}
Step reset() {
  return Step{Op::kReset, 0, Error::kOk};
}

constexpr Error kOk = Error::kOk;
constexpr Error kReplay = Error::kReplay;
constexpr Error kTooOld = Error::kTooOld;
constexpr Error kUnknown = Error::kFreshnessUnknown;
constexpr Error kInvalid = Error::kInvalidArgument;

// The table. Every number is written relative to the window size W, so the
// same cases test 32, 64 and 128.
std::vector<Case> edge_cases(uint64_t W) {
  const uint64_t M = kMaxSequence;
  std::vector<Case> t;
  t.push_back({1, "first record, sequence 0, on an empty window", {acc(0, kOk)}});
  t.push_back({2,
               "first record far from 0 sets the edge; older ones inside the window still pass",
               {acc(1000, kOk), acc(1000 - W + 1, kOk), acc(1000 - W, kTooOld), acc(999, kOk)}});
  t.push_back({3, "duplicate of the first record", {acc(7, kOk), acc(7, kReplay), acc(7, kReplay)}});
  t.push_back({4, "in order then every duplicate", [&] {
                 std::vector<Step> s;
                 for (uint64_t i = 0; i < W + 5; ++i) s.push_back(acc(i, kOk));
                 for (uint64_t i = 5; i < W + 5; ++i) s.push_back(acc(i, kReplay));
                 for (uint64_t i = 0; i < 5; ++i) s.push_back(acc(i, kTooOld));
                 return s;
               }()});
  t.push_back({5,
               "reordered inside the window: accepted once each",
               {acc(10, kOk), acc(8, kOk), acc(9, kOk), acc(7, kOk), acc(8, kReplay), acc(9, kReplay), acc(10, kReplay),
                acc(7, kReplay), acc(11, kOk)}});
  t.push_back({6,
               "window edge: W-1 below the top is in, W below is too old",
               {acc(100 + W, kOk), acc(101, kOk), acc(100, kTooOld), acc(101, kReplay)}});
  t.push_back({7,
               "slide by exactly W: the old top falls out",
               {acc(100, kOk), acc(100 + W, kOk), acc(100, kTooOld), acc(101, kOk), acc(100 + W - 1, kOk)}});
  t.push_back({8,
               "slide by W-1: the old top sits on the far edge and stays marked",
               {acc(100, kOk), acc(100 + W - 1, kOk), acc(100, kReplay), acc(99, kTooOld)}});
  t.push_back({9,
               "slide by 1 keeps every mark",
               {acc(50, kOk), acc(49, kOk), acc(51, kOk), acc(50, kReplay), acc(49, kReplay), acc(48, kOk)}});
  t.push_back({10,
               "slide across a 32-bit word boundary carries marks",
               {acc(200, kOk), acc(190, kOk), acc(233, kOk), acc(200, W > 33 ? kReplay : kTooOld),
                acc(190, W > 43 ? kReplay : kTooOld), acc(195, W > 38 ? kOk : kTooOld), acc(233, kReplay)}});
  t.push_back({11,
               "far jump (2^39): the whole history becomes too old",
               {acc(5, kOk), acc(6, kOk), acc(uint64_t{1} << 39, kOk), acc(6, kTooOld), acc(5, kTooOld),
                acc(uint64_t{1} << 39, kReplay), acc((uint64_t{1} << 39) - 1, kOk)}});
  t.push_back({12,
               "far jump to the 40-bit limit and past it",
               {acc(0, kOk), acc(M, kOk), acc(M, kReplay), acc(M - W + 1, kOk), acc(M - W, kTooOld),
                acc(M + 1, kInvalid), chk(M + 1, kInvalid), acc(~uint64_t{0}, kInvalid), acc(M - 1, kOk)}});
  t.push_back({13, "first record is the largest sequence number", {acc(M, kOk), acc(M - 1, kOk), acc(M, kReplay)}});
  t.push_back({14,
               "check() never changes the window",
               {chk(5, kOk), chk(5, kOk), acc(5, kOk), chk(5, kReplay), chk(6, kOk), chk(4, kOk), acc(4, kOk),
                chk(4, kReplay)}});
  t.push_back({15,
               "duplicates of a reordered record",
               {acc(50, kOk), acc(40, kOk), acc(40, kReplay), acc(40, kReplay), acc(41, kOk), acc(41, kReplay)}});
  t.push_back({16, "full window: every slot used, then every one is a replay", [&] {
                 std::vector<Step> s;
                 for (uint64_t i = 0; i < W; ++i) s.push_back(acc(1000 - i, kOk));
                 for (uint64_t i = 0; i < W; ++i) s.push_back(acc(1000 - i, kReplay));
                 s.push_back(acc(1000 - W, kTooOld));
                 return s;
               }()});
  t.push_back({17,
               "state lost after reboot: nothing is accepted, not even new numbers",
               {acc(10, kOk), forget(), chk(11, kUnknown), acc(11, kUnknown), acc(10, kUnknown), acc(0, kUnknown),
                acc(1000000, kUnknown)}});
  t.push_back(
      {18,
       "freshness proven at 500: 500 and everything below refused, above accepted once",
       {forget(), start_at(500), acc(500, kReplay), acc(499, kReplay), acc(500 - W + 1, kReplay), acc(500 - W, kTooOld),
        acc(0, kTooOld), acc(501, kOk), acc(501, kReplay), acc(600, kOk), acc(590, kOk)}});
  t.push_back({19,
               "freshness proven at 0 (start of the sequence space)",
               {forget(), start_at(0), acc(0, kReplay), acc(1, kOk), acc(1, kReplay)}});
  t.push_back({20,
               "reset for fresh keys: old numbers are new again",
               {acc(10, kOk), acc(10, kReplay), reset(), acc(10, kOk), acc(3, kOk)}});
  t.push_back({21,
               "sequence 0 after the window moved past W is too old",
               {acc(0, kOk), acc(W, kOk), acc(0, kTooOld), acc(1, kOk)}});
  t.push_back({22,
               "a rejected record leaves the window as it was",
               {acc(300, kOk), acc(300 - W, kTooOld), acc(300, kReplay), acc(299, kOk), acc(301, kOk)}});
  return t;
}

template <unsigned Bits>
void run_table() {
  for (const Case& c : edge_cases(Bits)) {
    ReplayWindow<Bits> w;
    size_t n = 0;
    for (const Step& s : c.steps) {
      ++n;
      SCOPED_TRACE("W=" + std::to_string(Bits) + " case " + std::to_string(c.id) + " (" + c.name + ") step " +
                   std::to_string(n) + " seq " + std::to_string(s.seq));
      switch (s.op) {
        case Op::kAccept: EXPECT_EQ(error_name(w.accept(s.seq)), std::string(error_name(s.expect))); break;
        case Op::kCheck: EXPECT_EQ(error_name(w.check(s.seq)), std::string(error_name(s.expect))); break;
        case Op::kForget:
          w.forget();
          EXPECT_EQ(w.state(), WindowState::kUnknown);
          break;
        case Op::kStartAt:
          w.start_at(s.seq);
          EXPECT_EQ(w.state(), WindowState::kActive);
          EXPECT_EQ(w.highest(), s.seq);
          break;
        case Op::kReset:
          w.reset();
          EXPECT_EQ(w.state(), WindowState::kEmpty);
          break;
      }
    }
  }
}

// Deep sleep keeps the window whole (security_context.cpp save/load): a
// window restored from its edge and words accepts exactly what the
// original would have, for every width.
template <unsigned Bits>
void restore_matches_original() {
  ReplayWindow<Bits> a;
  for (uint64_t seq = 100; seq < 100 + Bits + 20; ++seq) {
    if (seq % 7 == 3) continue;  // lost on the way
    ASSERT_EQ(a.accept(seq), Error::kOk);
  }
  ReplayWindow<Bits> b;
  b.restore(a.highest(), a.words());
  EXPECT_EQ(b.state(), WindowState::kActive);
  EXPECT_EQ(b.highest(), a.highest());
  for (uint64_t seq = 90; seq < a.highest() + 5; ++seq) EXPECT_EQ(b.check(seq), a.check(seq)) << Bits << " " << seq;
}

TEST(ReplayWindow, RestoredFromEdgeAndWordsAcceptsWhatTheOriginalWould) {
  restore_matches_original<32>();
  restore_matches_original<64>();
  restore_matches_original<128>();
}

TEST(ReplayWindow, EdgeCaseTable32) {
  run_table<32>();
}
TEST(ReplayWindow, EdgeCaseTable64) {
  run_table<64>();
}
TEST(ReplayWindow, EdgeCaseTable128) {
  run_table<128>();
}

TEST(ReplayWindow, TableIsNumberedAndComplete) {
  const auto t = edge_cases(32);
  for (size_t i = 0; i < t.size(); ++i) EXPECT_EQ(t[i].id, static_cast<int>(i + 1));
  EXPECT_GE(t.size(), 20u);
}

TEST(ReplayWindow, StatesAndDefaults) {
  ReplayWindow<32> w;
  EXPECT_EQ(w.state(), WindowState::kEmpty);
  EXPECT_EQ(w.accept(3), Error::kOk);
  EXPECT_EQ(w.state(), WindowState::kActive);
  EXPECT_EQ(w.highest(), 3u);
  static_assert(kReplayWindowBits == 32 || kReplayWindowBits == 64 || kReplayWindowBits == 128, "sizes");
  std::printf("[ info ] HUSH_REPLAY_WINDOW_BITS = %u (default 32, RFC 8613 §3.2.2)\n", kReplayWindowBits);
  static_assert(sizeof(ReplayWindow<32>) <= 24, "window stays small");
  static_assert(sizeof(ReplayWindow<128>) <= 32, "window stays small");
}

// The same rules written the obvious way, with a set of everything accepted.
struct Model {
  uint64_t w;
  bool empty = true;
  uint64_t top = 0;
  std::set<uint64_t> seen;
  Error accept(uint64_t s) {
    if (!empty) {
      if (s <= top && top - s >= w) return Error::kTooOld;
      if (seen.count(s) != 0) return Error::kReplay;
    }
    if (empty || s > top) top = s;
    empty = false;
    seen.insert(s);
    return Error::kOk;
  }
};

template <unsigned Bits>
void differential(uint32_t seed) {
  std::mt19937_64 rng(seed);
  ReplayWindow<Bits> w;
  Model m;
  m.w = Bits;
  uint64_t base = 0;
  for (int i = 0; i < 200000; ++i) {
    const uint64_t r = rng() % 1000;
    uint64_t s;
    if (r < 600) {
      s = base + rng() % (Bits + 8);  // near the top, both sides
      if (s >= 8) s -= 8;
    } else if (r < 990) {
      s = base + rng() % (3 * Bits);
    } else {
      s = base + rng() % 100000;  // jump
    }
    if (s > kMaxSequence) s = kMaxSequence;
    const Error want = m.accept(s);
    ASSERT_EQ(error_name(w.accept(s)), std::string(error_name(want))) << "W=" << Bits << " i=" << i << " seq=" << s;
    if (!m.empty) base = m.top > Bits ? m.top - Bits : 0;
  }
}

TEST(ReplayWindow, MatchesSetModel32) {
  differential<32>(1);
}
TEST(ReplayWindow, MatchesSetModel64) {
  differential<64>(2);
}
TEST(ReplayWindow, MatchesSetModel128) {
  differential<128>(3);
}

}  // namespace
}  // namespace hush::record
