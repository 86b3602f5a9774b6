// The leader's status text: written by the leader role, read by tools and
// tests that wait for a restarted member to catch up.
#include <gtest/gtest.h>

#include "troupe/log/leader_status.hpp"

using namespace troupe::rlog;

TEST(LeaderStatus, RoundTripsThroughTextAmongOtherLines) {
  leader_status s;
  s.group = "keeper";
  s.self = 2;
  s.role = "leader";
  s.epoch = 7;
  s.leader = 2;
  s.commit = 900;
  s.last = 1000;
  s.acceptors = {{1, 1000, 1001, 1, true}, {2, 990, 991, 0, true}, {3, 12, 13, 8, false}};
  s.followers = 3;
  auto page = "some header\n" + to_text(s) + "\nfollower applied 900\n";
  auto got = parse_leader_status(page);
  ASSERT_TRUE(got);
  EXPECT_EQ(got->group, "keeper");
  EXPECT_EQ(got->role, "leader");
  EXPECT_EQ(got->epoch, 7u);
  EXPECT_EQ(got->commit, 900u);
  EXPECT_EQ(got->last, 1000u);
  ASSERT_EQ(got->acceptors.size(), 3u);
  EXPECT_EQ(got->acceptors[2].match, 12u);
  EXPECT_FALSE(got->acceptors[2].reachable);
  EXPECT_TRUE(got->acceptors[0].reachable);
  EXPECT_EQ(got->followers, 3u);
  EXPECT_EQ(max_acceptor_lag(*got), 988u);
}

TEST(LeaderStatus, AFollowerHasNoLagAndGarbageIsNoStatus) {
  leader_status s;
  s.group = "g";
  s.self = 1;
  s.role = "follower";
  s.epoch = 3;
  s.leader = 2;
  auto got = parse_leader_status(to_text(s));
  ASSERT_TRUE(got);
  EXPECT_EQ(got->leader, 2u);
  EXPECT_FALSE(max_acceptor_lag(*got));
  EXPECT_FALSE(parse_leader_status("group g member x role"));
  EXPECT_FALSE(parse_leader_status(""));
}
