// SPDX-License-Identifier: Apache-2.0
// hush-sim's radio model: determinism, loss statistics, burst loss,
// duplication, reordering and energy accounting.

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include "hush-sim/radio.h"

namespace hush::sim {
namespace {

struct Trace {
  std::vector<RadioEvent> events;
};

// Sends `n` frames from node 0 to node 1, one every `gap_us`, and drains
// the radio. Frame i carries i in its first two bytes.
Trace run(const RadioConfig& cfg, int n, SimTime gap_us = 20000, size_t len = 40) {
  Radio radio(cfg);
  radio.add_node();
  radio.add_node();
  Trace t;
  SimTime now = 0;
  for (int i = 0; i < n; ++i) {
    std::vector<uint8_t> frame(len, 0xAB);
    frame[0] = static_cast<uint8_t>(i >> 8);
    frame[1] = static_cast<uint8_t>(i);
    radio.transmit(0, 1, frame, now);
    now += gap_us;
  }
  RadioEvent ev;
  while (radio.pop(kNever - 1, ev)) t.events.push_back(ev);
  return t;
}

int count(const Trace& t, Outcome o) {
  int c = 0;
  for (const RadioEvent& e : t.events) c += e.outcome == o;
  return c;
}

TEST(Radio, SameSeedSameRunOtherSeedOtherRun) {
  RadioConfig cfg;
  cfg.loss = 0.3;
  cfg.duplicate = 0.1;
  cfg.reorder = 0.1;
  cfg.seed = 42;
  const Trace a = run(cfg, 500);
  const Trace b = run(cfg, 500);
  ASSERT_EQ(a.events.size(), b.events.size());
  for (size_t i = 0; i < a.events.size(); ++i) {
    EXPECT_EQ(a.events[i].at, b.events[i].at);
    EXPECT_EQ(a.events[i].outcome, b.events[i].outcome);
    EXPECT_EQ(a.events[i].frame, b.events[i].frame);
  }
  cfg.seed = 43;
  const Trace c = run(cfg, 500);
  bool differs = c.events.size() != a.events.size();
  for (size_t i = 0; !differs && i < a.events.size(); ++i) {
    differs = a.events[i].outcome != c.events[i].outcome || a.events[i].at != c.events[i].at;
  }
  EXPECT_TRUE(differs);
}

TEST(Radio, LossRateWithinTolerance) {
  for (double loss : {0.0, 0.1, 0.3, 0.5}) {
    RadioConfig cfg;
    cfg.loss = loss;
    cfg.seed = 7;
    const int n = 20000;
    const Trace t = run(cfg, n, 1000);
    EXPECT_EQ(count(t, Outcome::kSent), n);
    const double measured = static_cast<double>(count(t, Outcome::kLost)) / n;
    // 5 standard deviations of a binomial proportion, at least 0.002.
    const double tol = std::max(0.002, 5 * std::sqrt(loss * (1 - loss) / n));
    EXPECT_NEAR(measured, loss, tol) << "loss " << loss;
    EXPECT_EQ(count(t, Outcome::kLost) + count(t, Outcome::kDelivered), n);
  }
}

// Lengths of runs of consecutive lost frames, in sending order.
std::vector<int> loss_runs(const Trace& t) {
  std::vector<std::pair<int, bool>> by_frame;
  for (const RadioEvent& e : t.events) {
    if (e.outcome == Outcome::kLost || e.outcome == Outcome::kDelivered) {
      by_frame.push_back({e.frame[0] << 8 | e.frame[1], e.outcome == Outcome::kLost});
    }
  }
  std::sort(by_frame.begin(), by_frame.end());
  std::vector<int> runs;
  int cur = 0;
  for (const auto& [i, lost] : by_frame) {
    if (lost) {
      ++cur;
    } else if (cur > 0) {
      runs.push_back(cur);
      cur = 0;
    }
  }
  if (cur > 0) runs.push_back(cur);
  return runs;
}

TEST(Radio, GilbertElliottLossComesInBursts) {
  RadioConfig ge;
  ge.seed = 11;
  ge.loss = 0.0;
  ge.burst.enabled = true;
  ge.burst.p_good_to_bad = 0.05;
  ge.burst.p_bad_to_good = 0.25;
  ge.burst.loss_bad = 0.9;
  const int n = 30000;
  const Trace burst = run(ge, n, 1000);
  const double expected = ge.burst.mean_loss(ge.loss);  // 1/6 * 0.9 = 0.15
  const double measured = static_cast<double>(count(burst, Outcome::kLost)) / n;
  EXPECT_NEAR(measured, expected, 0.02);

  RadioConfig uniform;
  uniform.seed = 11;
  uniform.loss = expected;
  const Trace flat = run(uniform, n, 1000);
  auto mean_run = [](const std::vector<int>& runs) {
    double s = 0;
    for (int r : runs) s += r;
    return runs.empty() ? 0.0 : s / static_cast<double>(runs.size());
  };
  const double burst_run = mean_run(loss_runs(burst));
  const double flat_run = mean_run(loss_runs(flat));
  // Uniform loss p gives runs of mean 1/(1-p) ~ 1.18; the bad state's runs
  // last about 1/p_bad_to_good frames, so lost frames cluster.
  EXPECT_NEAR(flat_run, 1.0 / (1.0 - expected), 0.05);
  EXPECT_GT(burst_run, 2.0 * flat_run);
}

TEST(Radio, DuplicationDeliversTheSameBytesTwice) {
  RadioConfig cfg;
  cfg.seed = 5;
  cfg.duplicate = 0.2;
  const int n = 5000;
  const Trace t = run(cfg, n, 1000);
  const int dups = count(t, Outcome::kDuplicate);
  EXPECT_NEAR(static_cast<double>(dups) / n, 0.2, 0.03);
  // Every duplicate follows its original, with identical bytes.
  std::vector<int> seen(static_cast<size_t>(n), 0);
  for (const RadioEvent& e : t.events) {
    const size_t i = static_cast<size_t>(e.frame[0] << 8 | e.frame[1]);
    if (e.outcome == Outcome::kDelivered) ++seen[i];
    if (e.outcome == Outcome::kDuplicate) {
      EXPECT_EQ(seen[i], 1) << "duplicate before its original";
    }
  }
}

TEST(Radio, ReorderingLetsLaterFramesOvertake) {
  RadioConfig cfg;
  cfg.seed = 9;
  cfg.reorder = 0.2;
  cfg.reorder_delay_us = 50000;
  const Trace t = run(cfg, 2000, 5000);
  int inversions = 0;
  int last = -1;
  for (const RadioEvent& e : t.events) {
    if (e.outcome != Outcome::kDelivered) continue;
    const int i = e.frame[0] << 8 | e.frame[1];
    if (i < last) ++inversions;
    last = std::max(last, i);
  }
  EXPECT_GT(inversions, 100);
  // Without reordering (and jitter below the frame gap) order is kept.
  cfg.reorder = 0;
  const Trace in_order = run(cfg, 2000, 5000);
  last = -1;
  for (const RadioEvent& e : in_order.events) {
    if (e.outcome != Outcome::kDelivered) continue;
    const int i = e.frame[0] << 8 | e.frame[1];
    EXPECT_GT(i, last);
    last = i;
  }
}

TEST(Radio, AirtimeAndEnergyFollowTheProfile) {
  RadioConfig cfg;  // efr32-100k-14dbm: 100 kbit/s, 10 B PHY, 7.2 / 0.98 µJ/B
  ASSERT_EQ(cfg.profile.name, "efr32-100k-14dbm");
  cfg.seed = 3;
  cfg.jitter_us = 0;
  Radio radio(cfg);
  radio.add_node();
  radio.add_node();
  radio.add_node();
  EXPECT_EQ(radio.airtime_us(40), 4000u);  // (40 + 10) * 8 / 100k = 4 ms (§5)
  // Two back-to-back frames are serialized on the sender's radio.
  radio.transmit(0, 1, std::vector<uint8_t>(40), 0);
  radio.transmit(0, kBroadcast, std::vector<uint8_t>(90), 0);
  std::vector<RadioEvent> evs;
  RadioEvent ev;
  while (radio.pop(kNever - 1, ev)) evs.push_back(ev);
  ASSERT_EQ(evs.size(), 5u);  // 2 sent, 1 unicast + 2 broadcast deliveries
  EXPECT_EQ(evs[0].at, 0u);
  EXPECT_EQ(evs[1].outcome, Outcome::kSent);
  EXPECT_EQ(evs[1].at, 4000u);
  EXPECT_EQ(evs[2].at, 4000u + cfg.delay_us);
  EXPECT_EQ(evs[3].at, 4000u + 8000u + cfg.delay_us);
  const double tx = (50 + 100) * 7.2;
  EXPECT_NEAR(radio.node_stats(0).tx_uj, tx, 1e-9);
  EXPECT_NEAR(radio.node_stats(0).rx_uj, 0, 1e-9);
  EXPECT_NEAR(radio.node_stats(1).rx_uj, (50 + 100) * 0.98, 1e-9);
  EXPECT_NEAR(radio.node_stats(2).rx_uj, 100 * 0.98, 1e-9);
  EXPECT_EQ(radio.node_stats(0).bytes_tx, 130u);
  EXPECT_EQ(radio.node_stats(2).frames_rx, 1u);

  const RadioProfile* p154 = find_radio_profile("802.15.4");
  ASSERT_NE(p154, nullptr);
  cfg.profile = *p154;
  Radio r154(cfg);
  EXPECT_EQ(r154.airtime_us(40), 1536u);  // (40 + 8) * 32 µs
  EXPECT_EQ(find_radio_profile("nonesuch"), nullptr);
}

TEST(Radio, FramesAboveTheMtuAreRefused) {
  RadioConfig cfg;
  cfg.mtu = 32;
  Radio radio(cfg);
  radio.add_node();
  radio.add_node();
  radio.transmit(0, 1, std::vector<uint8_t>(33), 0);
  RadioEvent ev;
  ASSERT_TRUE(radio.pop(kNever - 1, ev));
  EXPECT_EQ(ev.outcome, Outcome::kTooBig);
  EXPECT_FALSE(radio.pop(kNever - 1, ev));
  EXPECT_EQ(radio.node_stats(0).tx_uj, 0.0);
}

TEST(Radio, CollisionsAndHalfDuplex) {
  RadioConfig cfg;
  cfg.collisions = true;
  cfg.jitter_us = 0;
  Radio radio(cfg);
  radio.add_node();
  radio.add_node();
  radio.add_node();
  // Nodes 0 and 2 send to 1 at the same time: both frames are destroyed.
  radio.transmit(0, 1, std::vector<uint8_t>(40), 0);
  radio.transmit(2, 1, std::vector<uint8_t>(40), 100);
  // Node 1 then talks while node 0 sends to it: half duplex.
  radio.transmit(1, 2, std::vector<uint8_t>(40), 100000);
  radio.transmit(0, 1, std::vector<uint8_t>(40), 101000);
  int collided = 0, delivered = 0;
  RadioEvent ev;
  while (radio.pop(kNever - 1, ev)) {
    collided += ev.outcome == Outcome::kCollided;
    delivered += ev.outcome == Outcome::kDelivered;
  }
  EXPECT_EQ(collided, 3);
  EXPECT_EQ(delivered, 1);  // 1 -> 2
}

}  // namespace
}  // namespace hush::sim
