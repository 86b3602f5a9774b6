// The leader's and a follower's status documents: written by the log's
// roles, read by tools and tests that wait for a restarted member to catch
// up (from the /log and /keeper pages, which carry them as "log" and
// "follower").
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "troupe/log/follower_status.hpp"
#include "troupe/log/leader_status.hpp"

using namespace troupe::rlog;
using nlohmann::json;

TEST(LeaderStatus, RoundTripsThroughJsonAloneAndInAPage) {
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
  auto doc = json::parse(to_json(s));
  EXPECT_EQ(doc["acceptors"][2]["reachable"], false);
  auto page = json{{"log", doc}, {"follower", {{"applied", 900}}}, {"server", nullptr}}.dump();
  for (auto& text : {to_json(s), page}) {
    auto got = parse_leader_status(text);
    ASSERT_TRUE(got) << text;
    EXPECT_EQ(got->group, "keeper");
    EXPECT_EQ(got->self, 2u);
    EXPECT_EQ(got->role, "leader");
    EXPECT_EQ(got->epoch, 7u);
    EXPECT_EQ(got->commit, 900u);
    EXPECT_EQ(got->last, 1000u);
    ASSERT_EQ(got->acceptors.size(), 3u);
    EXPECT_EQ(got->acceptors[2].match, 12u);
    EXPECT_EQ(got->acceptors[2].inflight, 8u);
    EXPECT_FALSE(got->acceptors[2].reachable);
    EXPECT_TRUE(got->acceptors[0].reachable);
    EXPECT_EQ(got->followers, 3u);
    EXPECT_EQ(max_acceptor_lag(*got), 988u);
  }
}

TEST(LeaderStatus, AFollowerHasNoLagAndGarbageIsNoStatus) {
  leader_status s;
  s.group = "g";
  s.self = 1;
  s.role = "follower";
  s.epoch = 3;
  s.leader = 2;
  EXPECT_FALSE(json::parse(to_json(s)).contains("acceptors"));
  auto got = parse_leader_status(to_json(s));
  ASSERT_TRUE(got);
  EXPECT_EQ(got->leader, 2u);
  EXPECT_FALSE(max_acceptor_lag(*got));
  EXPECT_FALSE(parse_leader_status(R"({"group":"g","self":"x","role":"leader"})"));
  EXPECT_FALSE(parse_leader_status(R"({"group":"g","self":1,"role":"leader","epoch":1,"leader":1})"))
    << "a leader without its progress";
  EXPECT_FALSE(parse_leader_status(R"({"log":null})"));
  EXPECT_FALSE(parse_leader_status("group g member 1 role follower epoch 3 leader 2"));
  EXPECT_FALSE(parse_leader_status(""));
}

TEST(FollowerStatus, RoundTripsWithAndWithoutALeader) {
  follower_status s{"log", "main", 42, 3, "m2"};
  EXPECT_EQ(json::parse(to_json(s))["leader"], "m2");
  auto got = parse_follower_status(to_json(s));
  ASSERT_TRUE(got);
  EXPECT_EQ(got->group, "log");
  EXPECT_EQ(got->follower, "main");
  EXPECT_EQ(got->applied, 42u);
  EXPECT_EQ(got->epoch, 3u);
  EXPECT_EQ(got->leader_node, "m2");

  s.leader_node.clear();
  EXPECT_TRUE(json::parse(to_json(s))["leader"].is_null());
  auto page = json{{"log", nullptr}, {"follower", json::parse(to_json(s))}}.dump();
  got = parse_follower_status(page);
  ASSERT_TRUE(got);
  EXPECT_EQ(got->leader_node, "");
  EXPECT_EQ(got->applied, 42u);
  EXPECT_FALSE(parse_follower_status(R"({"group":"log","follower":"main"})"));
  EXPECT_FALSE(parse_follower_status("not json"));
}
