// Keeper end to end in the simulation: members, sessions, clients.
#include <gtest/gtest.h>

#include "keeper_harness.hpp"
#include "troupe/sim/seeds.hpp"

using namespace std::chrono_literals;
using namespace troupe::test;
namespace wire = troupe::wire;

namespace {

constexpr int32_t no_node = -101;

bool has_event(const client_record& r, int type, const std::string& path) {
  for (auto& e : r.events)
    if (e.type() == type && e.path() == path)
      return true;
  return false;
}

} // namespace

TEST(KeeperSim, WritesReadsAndAWatchAcrossTwoClients) {
  for (auto seed : troupe::sim::seeds(1, 3)) {
    SCOPED_TRACE(troupe::sim::replay_hint(seed));
    // Reordering but no loss here: a lost message breaks the client's
    // channel (as a broken TCP connection would) and its request answers
    // ConnectionLoss; the linearizability tests cover loss.
    keeper_sim k{seed};
    auto& a = k.add_client("a", 2000ms);
    auto& b = k.add_client("b", 2000ms);
    ASSERT_TRUE(k.sim.run_until([&] { return a.connected() && b.connected(); }, 5s));
    auto* created = k.call("a", create_req("/x", "one"));
    ASSERT_NE(created, nullptr);
    EXPECT_EQ(created->result().err(), 0);
    EXPECT_EQ(created->result().path(), "/x");
    // b's member may not have applied a's create yet (reads are sequentially
    // consistent, as in ZooKeeper): a linearizable read sees it.
    auto* got = k.call("b", get_req("/x", true, true));
    ASSERT_NE(got, nullptr);
    EXPECT_EQ(got->result().data(), "one");
    auto* set = k.call("a", set_req("/x", "two", 0));
    ASSERT_NE(set, nullptr);
    EXPECT_EQ(set->result().err(), 0);
    EXPECT_EQ(set->result().stat().version(), 1);
    // b sees the event, and then (its next read) the new data.
    ASSERT_TRUE(k.sim.run_until([&] { return has_event(b, 3, "/x"); }, 2s));
    auto* again = k.call("b", get_req("/x"));
    ASSERT_NE(again, nullptr);
    EXPECT_EQ(again->result().data(), "two");
    // A wrong version is refused.
    auto* stale = k.call("a", set_req("/x", "three", 0));
    ASSERT_NE(stale, nullptr);
    EXPECT_EQ(stale->result().err(), -103);
    // The one-shot watch fired once.
    k.call("a", set_req("/x", "four"));
    k.sim.run_for(200ms);
    EXPECT_EQ(std::count_if(b.events.begin(), b.events.end(), [](auto& e) { return e.path() == "/x"; }), 1);
    if (HasFailure())
      break;
  }
}

TEST(KeeperSim, AnExpiredSessionTakesItsEphemeralsAndFiresWatches) {
  for (auto seed : troupe::sim::seeds(1, 3)) {
    SCOPED_TRACE(troupe::sim::replay_hint(seed));
    keeper_sim k{seed};
    auto& a = k.add_client("a", 500ms);
    auto& b = k.add_client("b", 5000ms);
    ASSERT_TRUE(k.sim.run_until([&] { return a.connected() && b.connected(); }, 5s));
    auto* e = k.call("a", create_req("/e", "", 1));
    ASSERT_NE(e, nullptr);
    ASSERT_EQ(e->result().err(), 0);
    auto seen_req = exists_req("/e", true);
    seen_req.set_linearizable(true);
    auto* seen = k.call("b", seen_req);
    ASSERT_NE(seen, nullptr);
    ASSERT_EQ(seen->result().err(), 0);
    EXPECT_NE(seen->result().stat().ephemeral_owner(), 0);
    k.sim.crash("a"); // the client's process dies: no close, pings stop
    ASSERT_TRUE(k.sim.run_until([&] { return has_event(b, 2, "/e"); }, 3s));
    auto* gone = k.call("b", exists_req("/e"));
    ASSERT_NE(gone, nullptr);
    EXPECT_EQ(gone->result().err(), no_node);
    if (HasFailure())
      break;
  }
}

TEST(KeeperSim, ASessionMovesToAnotherMemberWhenItsMemberCrashes) {
  for (auto seed : troupe::sim::seeds(1, 3)) {
    SCOPED_TRACE(troupe::sim::replay_hint(seed));
    keeper_sim k{seed};
    auto& a = k.add_client("a", 3000ms);
    auto& b = k.add_client("b", 3000ms);
    ASSERT_TRUE(k.sim.run_until([&] { return a.connected() && b.connected(); }, 5s));
    ASSERT_EQ(k.call("a", create_req("/eph", "a", 1))->result().err(), 0);
    ASSERT_EQ(k.call("a", create_req("/w", "0"))->result().err(), 0);
    ASSERT_EQ(k.call("a", get_req("/w", true))->result().err(), 0);
    k.crash_each_member();
    EXPECT_TRUE(k.sim.run_until([&] { return a.connected(); }, 3s));
    for (auto s : a.states)
      EXPECT_NE(s, -112) << "session expired";
    // The ephemeral is still there, and the watch set before the moves fires.
    auto eph_req = exists_req("/eph");
    eph_req.set_linearizable(true);
    auto* eph = k.call("b", eph_req);
    ASSERT_NE(eph, nullptr);
    EXPECT_EQ(eph->result().err(), 0);
    auto* set = k.call("b", set_req("/w", "1"));
    ASSERT_NE(set, nullptr);
    EXPECT_EQ(set->result().err(), 0);
    EXPECT_TRUE(k.sim.run_until([&] { return has_event(a, 3, "/w"); }, 2s));
    if (HasFailure())
      break;
  }
}

namespace {

wire::Request auth_req(const std::string& scheme, const std::string& credentials) {
  wire::Request r;
  r.mutable_auth()->set_scheme(scheme);
  r.mutable_auth()->set_auth(credentials);
  return r;
}

// A znode only the session's digest identities may touch (ZooKeeper's
// CREATOR_ALL_ACL: "auth" expands to them).
wire::Request create_private_req(const std::string& path) {
  auto r = create_req(path, "v0");
  auto* a = r.mutable_write()->mutable_create()->mutable_acl(0);
  a->set_scheme("auth");
  a->set_id("");
  return r;
}

constexpr int32_t no_auth = -102;
constexpr int32_t auth_failed = -115;

} // namespace

TEST(KeeperSim, ADigestIdentitySurvivesAMoveToAnotherMember) {
  for (auto seed : troupe::sim::seeds(1, 3)) {
    SCOPED_TRACE(troupe::sim::replay_hint(seed));
    keeper_sim k{seed};
    auto& a = k.add_client("a", 3000ms);
    auto& b = k.add_client("b", 3000ms);
    ASSERT_TRUE(k.sim.run_until([&] { return a.connected() && b.connected(); }, 5s));
    ASSERT_EQ(k.call("a", auth_req("digest", "alice:secret"))->result().err(), 0);
    ASSERT_EQ(k.call("a", create_private_req("/private"))->result().err(), 0);
    // Someone without the identity may not write it.
    auto* intruder = k.call("b", set_req("/private", "b"));
    ASSERT_NE(intruder, nullptr);
    EXPECT_EQ(intruder->result().err(), no_auth);
    auto states_before = a.states.size();
    k.crash_each_member(); // a's member among them: a moves
    ASSERT_TRUE(k.sim.run_until([&] { return a.connected(); }, 3s));
    EXPECT_NE(std::find(a.states.begin() + states_before, a.states.end(), 0), a.states.end())
      << "the client never lost its member";
    auto* write = k.call("a", set_req("/private", "v1"));
    ASSERT_NE(write, nullptr);
    EXPECT_EQ(write->result().err(), 0);
    auto* still_denied = k.call("b", set_req("/private", "b"));
    ASSERT_NE(still_denied, nullptr);
    EXPECT_EQ(still_denied->result().err(), no_auth);
    if (HasFailure())
      break;
  }
}

TEST(KeeperSim, ARefusedAddAuthEndsTheClientAsInZooKeeper) {
  keeper_sim k{troupe::sim::seeds(1, 1).front()};
  auto& a = k.add_client("a", 3000ms);
  ASSERT_TRUE(k.sim.run_until([&] { return a.connected(); }, 5s));
  auto* refused = k.call("a", auth_req("sasl", "bob:pw"));
  ASSERT_NE(refused, nullptr);
  EXPECT_EQ(refused->result().err(), auth_failed);
  ASSERT_TRUE(k.sim.run_until([&] { return a.last_state() == 4; }, 1s)); // AuthFailed
  // The client is finished: nothing more reaches the ensemble.
  k.send("a", create_req("/after", ""));
  k.sim.run_for(200ms);
  EXPECT_EQ(a.answers.size(), 1u);
}

namespace {

// The session id of a fresh client "a" under `seed` (the owner of its
// ephemeral), and the run's trace hash.
std::pair<int64_t, uint64_t> first_session(uint64_t seed) {
  keeper_sim k{seed};
  auto& a = k.add_client("a", 3000ms);
  EXPECT_TRUE(k.sim.run_until([&] { return a.connected(); }, 5s));
  auto* created = k.call("a", create_req("/e", "", 1));
  EXPECT_NE(created, nullptr);
  if (!created)
    return {0, 0};
  return {created->result().stat().ephemeral_owner(), k.sim.trace_hash()};
}

} // namespace

TEST(KeeperSim, DrawnSessionIdsReplayWithTheSeed) {
  auto seed = troupe::sim::seeds(1, 1).front();
  auto [id, trace] = first_session(seed);
  ASSERT_NE(id, 0);
  auto member = static_cast<uint64_t>(id) >> 56; // the creating member, as in ZooKeeper
  EXPECT_GE(member, 1u);
  EXPECT_LE(member, 3u);
  auto [again, trace_again] = first_session(seed);
  EXPECT_EQ(again, id);
  EXPECT_EQ(trace_again, trace);
  EXPECT_NE(first_session(seed + 1).first, id);
}

TEST(KeeperSim, ASimulatedClientConnectsFromLoopbackForIpAcls) {
  keeper_sim k{troupe::sim::seeds(1, 1).front()};
  auto& a = k.add_client("a", 3000ms);
  ASSERT_TRUE(k.sim.run_until([&] { return a.connected(); }, 5s));
  auto only = [](const std::string& path, const std::string& ip) {
    auto r = create_req(path, "v");
    auto* acl = r.mutable_write()->mutable_create()->mutable_acl(0);
    acl->set_scheme("ip");
    acl->set_id(ip);
    return r;
  };
  ASSERT_EQ(k.call("a", only("/loopback", "127.0.0.0/8"))->result().err(), 0);
  ASSERT_EQ(k.call("a", only("/elsewhere", "10.0.0.0/8"))->result().err(), 0);
  auto* mine = k.call("a", get_req("/loopback"));
  ASSERT_NE(mine, nullptr);
  EXPECT_EQ(mine->result().err(), 0);
  auto* theirs = k.call("a", get_req("/elsewhere"));
  ASSERT_NE(theirs, nullptr);
  EXPECT_EQ(theirs->result().err(), no_auth);
}
