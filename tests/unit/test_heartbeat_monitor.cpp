// The failure detector of a peer link, driven by hand-made time.
#include <gtest/gtest.h>

#include "troupe/runtime/heartbeat_monitor.hpp"

using namespace std::chrono_literals;
using troupe::runtime::heartbeat_monitor;

TEST(HeartbeatMonitor, SendsEveryIntervalAndNumbersHeartbeats) {
  heartbeat_monitor m{100ms, 500ms};
  m.reset(0ns);
  auto r = m.on_tick(0ns);
  EXPECT_TRUE(r.send);
  EXPECT_EQ(r.seq, 1u);
  EXPECT_FALSE(m.on_tick(50ms).send); // too early
  r = m.on_tick(100ms);
  EXPECT_TRUE(r.send);
  EXPECT_EQ(r.seq, 2u);
}

TEST(HeartbeatMonitor, SilenceMakesThePeerUnresponsiveOnce) {
  heartbeat_monitor m{100ms, 500ms};
  m.reset(0ns);
  for (auto t = 0ms; t < 500ms; t += 100ms)
    EXPECT_FALSE(m.on_tick(t).became_unresponsive) << t.count();
  EXPECT_TRUE(m.on_tick(500ms).became_unresponsive);
  EXPECT_FALSE(m.responsive());
  EXPECT_FALSE(m.on_tick(600ms).became_unresponsive); // reported once
  EXPECT_TRUE(m.on_tick(600ms + 100ms).send);          // keeps probing
}

TEST(HeartbeatMonitor, AcksKeepItAliveAndRevive) {
  heartbeat_monitor m{100ms, 500ms};
  m.reset(0ns);
  for (auto t = 0ms; t < 2s; t += 100ms) {
    auto r = m.on_tick(t);
    ASSERT_FALSE(r.became_unresponsive);
    EXPECT_FALSE(m.on_ack(r.seq, t + 1ms, 1ms)); // already responsive
  }
  EXPECT_EQ(m.last_rtt(), 1ms);
  EXPECT_TRUE(m.on_tick(2s + 600ms).became_unresponsive);
  EXPECT_TRUE(m.on_ack(99, 2s + 700ms, 300ms)); // stale seq still proves life
  EXPECT_TRUE(m.responsive());
  EXPECT_EQ(m.last_rtt(), 1ms); // but does not count as a round-trip sample
}
