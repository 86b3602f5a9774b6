// Keeper's state machine: transactions from the log applied to the tree and
// the session table, ZooKeeper-shaped results, watch events with their zxid,
// and snapshots that carry sessions too.
#include <gtest/gtest.h>

#include "troupe/keeper/keeper_machine.hpp"
#include "troupe/keeper/session_ids.hpp"

using namespace troupe::keeper;
namespace wire = troupe::wire;

namespace {

// Session ids in these tests are small numbers: what a member draws is its
// business, the machine takes any valid id that is free.
wire::KeeperTxn create_session(int32_t timeout, int64_t id = 1) {
  wire::KeeperTxn t;
  t.set_time_ms(1000);
  t.mutable_create_session()->set_timeout_ms(timeout);
  t.mutable_create_session()->set_password("pw");
  t.mutable_create_session()->set_session_id(id);
  return t;
}

wire::KeeperTxn create(int64_t session, const std::string& path, int mode = 0) {
  wire::KeeperTxn t;
  t.set_session_id(session);
  t.set_time_ms(2000);
  auto* c = t.mutable_op()->mutable_create();
  c->set_path(path);
  c->set_data("d");
  c->set_mode(mode);
  auto* a = c->add_acl();
  a->set_perms(31);
  a->set_scheme("world");
  a->set_id("anyone");
  return t;
}

} // namespace

TEST(KeeperMachine, ASessionGetsTheIdItsMemberDrew) {
  keeper_machine m;
  auto id = compose_session_id(3, 0x123456789abcdefULL);
  auto r = m.apply(create_session(5000, id), 42);
  EXPECT_EQ(r.err(), 0);
  EXPECT_EQ(r.count(), id);
  ASSERT_TRUE(m.has_session(id));
  EXPECT_FALSE(m.has_session(42));
  EXPECT_EQ(m.sessions().at(id).timeout_ms, 5000);
  EXPECT_EQ(m.sessions().at(id).password, "pw");
}

TEST(KeeperMachine, ATakenOrReservedSessionIdIsRefusedAndChangesNothing) {
  keeper_machine m;
  auto id = compose_session_id(1, 77);
  ASSERT_EQ(m.apply(create_session(5000, id), 1).err(), 0);
  auto before = m.snapshot();
  auto taken = create_session(9000, id);
  taken.mutable_create_session()->set_password("other");
  auto r = m.apply(taken, 2);
  EXPECT_EQ(r.err(), static_cast<int32_t>(error::node_exists));
  EXPECT_EQ(m.sessions().at(id).timeout_ms, 5000); // the first session is untouched
  EXPECT_EQ(m.sessions().at(id).password, "pw");
  // Owners that mean "container" or "TTL node" are no session's.
  EXPECT_EQ(m.apply(create_session(5000, container_ephemeral_owner), 3).err(),
            static_cast<int32_t>(error::node_exists));
  EXPECT_EQ(m.apply(create_session(5000, *ttl_ephemeral_owner(1000)), 4).err(),
            static_cast<int32_t>(error::node_exists));
  EXPECT_EQ(m.snapshot(), before);
  // A fresh draw goes through (what the member does next).
  auto again = m.apply(create_session(5000, compose_session_id(1, 78)), 5);
  EXPECT_EQ(again.err(), 0);
  EXPECT_EQ(m.sessions().size(), 2u);
}

TEST(KeeperMachine, EntriesWithoutADrawnIdUseTheirZxid) {
  // CreateSession entries written before members drew ids carry 0.
  keeper_machine m;
  auto r = m.apply(create_session(5000, 0), 42);
  EXPECT_EQ(r.err(), 0);
  EXPECT_EQ(r.count(), 42);
  EXPECT_TRUE(m.has_session(42));
}

TEST(KeeperMachine, SessionIdsHaveZooKeepersShape) {
  EXPECT_EQ(compose_session_id(3, 0xffffffffffffffffULL), static_cast<int64_t>(0x03ffffffffffffffULL));
  EXPECT_EQ(compose_session_id(1, 0x0100000000000000ULL), static_cast<int64_t>(0x0100000000000001ULL));
  EXPECT_EQ(static_cast<uint64_t>(compose_session_id(200, 5)) >> 56, 200u);
  // Member 255's byte would be the TTL encoding's.
  EXPECT_EQ(compose_session_id(255, 5), 5);
  for (uint32_t member : {1u, 128u, 254u, 255u})
    EXPECT_TRUE(valid_ephemeral_session(compose_session_id(member, 0)));
}

TEST(KeeperMachine, DrawnCredentialsComeFromTheRandomSource) {
  std::vector<std::size_t> asked;
  random_source counting = [&asked](unsigned char* out, std::size_t n) {
    asked.push_back(n);
    for (std::size_t i = 0; i < n; ++i)
      out[i] = static_cast<unsigned char>(i + 1);
  };
  auto c = draw_session_credentials(counting, 7);
  ASSERT_EQ(asked.size(), 1u);
  EXPECT_EQ(c.id, static_cast<int64_t>(0x0702030405060708ULL));
  ASSERT_EQ(c.password.size(), session_password_bytes);
  EXPECT_EQ(static_cast<unsigned char>(c.password[0]), 9);
  EXPECT_EQ(static_cast<unsigned char>(c.password[15]), 24);
}

TEST(KeeperMachine, WritesCarryTheTxnTimeAndZxid) {
  keeper_machine m;
  m.apply(create_session(5000), 1);
  auto r = m.apply(create(1, "/a"), 2);
  ASSERT_EQ(r.err(), 0);
  EXPECT_EQ(r.path(), "/a");
  EXPECT_EQ(r.stat().czxid(), 2);
  EXPECT_EQ(r.stat().ctime(), 2000);
  auto events = m.drain_events();
  ASSERT_EQ(events.size(), 2u); // NodeCreated /a, NodeChildrenChanged /
  EXPECT_EQ(events[0].event.path, "/a");
  EXPECT_EQ(events[0].zxid, 2);
  EXPECT_TRUE(m.drain_events().empty());
}

TEST(KeeperMachine, RequestsOfUnknownSessionsAreRefused) {
  keeper_machine m;
  auto r = m.apply(create(77, "/a"), 2);
  EXPECT_EQ(r.err(), static_cast<int32_t>(error::session_expired));
  EXPECT_EQ(m.tree().node_count(), 4u); // only the system nodes
}

TEST(KeeperMachine, ClosingASessionDeletesItsEphemeralsInTheSameStep) {
  keeper_machine m;
  m.apply(create_session(5000), 1);
  m.apply(create_session(5000, 2), 2);
  m.apply(create(1, "/e1", 1), 3);
  m.apply(create(2, "/e2", 1), 4);
  m.drain_events();
  wire::KeeperTxn close;
  close.set_time_ms(3000);
  close.mutable_close_session()->set_session_id(1);
  EXPECT_EQ(m.apply(close, 5).err(), 0);
  EXPECT_FALSE(m.has_session(1));
  EXPECT_EQ(m.tree().exists("/e1").err, error::no_node);
  EXPECT_EQ(m.tree().exists("/e2").err, error::ok);
  auto events = m.drain_events();
  ASSERT_FALSE(events.empty());
  EXPECT_EQ(events[0].event.path, "/e1");
  EXPECT_EQ(events[0].zxid, 5);
  // Closing twice: the session is gone.
  EXPECT_EQ(m.apply(close, 6).err(), static_cast<int32_t>(error::session_expired));
}

TEST(KeeperMachine, MultiIsAtomicAndReportsPerOpResults) {
  keeper_machine m;
  m.apply(create_session(5000), 1);
  wire::KeeperTxn t;
  t.set_session_id(1);
  auto* multi = t.mutable_op()->mutable_multi();
  *multi->add_ops() = create(1, "/m").op();
  auto* check = multi->add_ops()->mutable_check();
  check->set_path("/m");
  check->set_version(5); // fails: version is 0
  auto r = m.apply(t, 2);
  EXPECT_EQ(r.err(), static_cast<int32_t>(error::bad_version));
  ASSERT_EQ(r.results_size(), 2);
  EXPECT_EQ(r.results(0).err(), 0);
  EXPECT_EQ(r.results(1).err(), static_cast<int32_t>(error::bad_version));
  EXPECT_EQ(m.tree().exists("/m").err, error::no_node); // rolled back
}

TEST(KeeperMachine, SnapshotCarriesTreeAndSessions) {
  keeper_machine a;
  a.apply(create_session(5000), 1);
  a.apply(create(1, "/x", 1), 2);
  keeper_machine b;
  ASSERT_TRUE(b.restore(a.snapshot()));
  EXPECT_EQ(b.tree().digest(), a.tree().digest());
  EXPECT_TRUE(b.has_session(1));
  EXPECT_EQ(b.tree().get_ephemerals(1), std::vector<std::string>{"/x"});
  EXPECT_FALSE(b.restore("garbage"));
  EXPECT_TRUE(b.has_session(1)); // unchanged by a failed restore
}
