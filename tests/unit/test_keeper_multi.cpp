// Unit tests of Keeper's multi: atomicity and ZooKeeper's per-op results
// (ok before the failing op, its error, runtime_inconsistency after).
#include "troupe/keeper/data_tree.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace tk = troupe::keeper;
using tk::create_mode;
using tk::error;
using tk::event_type;
using tk::op;
using tk::op_type;

namespace {

tk::txn_context tx(int64_t zxid, int64_t time_ms = 1000, int64_t session = 0) {
  return {zxid, time_ms, session};
}

const tk::acl_list open = tk::open_acl_unsafe();

std::vector<error> errors_of(const tk::multi_result& m) {
  std::vector<error> out;
  for (const auto& r : m.results)
    out.push_back(r.err);
  return out;
}

} // namespace

TEST(keeper_multi, success_applies_all_with_one_zxid) {
  tk::data_tree t;
  ASSERT_EQ(t.create("/cfg", "v0", open, create_mode::persistent, tk::no_ttl, tx(1)).err,
            error::ok);
  auto m = t.multi({op::create("/app", "a", open), op::create("/app/seq-", "", open,
                                                              create_mode::persistent_sequential),
                    op::set_data("/cfg", "v1", 0), op::check("/cfg", 1), op::remove("/cfg", 1)},
                   tx(5, 7777));
  ASSERT_EQ(m.err, error::ok);
  ASSERT_EQ(m.results.size(), 5u);
  EXPECT_EQ(errors_of(m), std::vector<error>(5, error::ok));
  EXPECT_EQ(m.results[0].type, op_type::create);
  EXPECT_EQ(m.results[0].path, "/app");
  EXPECT_EQ(m.results[0].st.czxid, 5);
  EXPECT_EQ(m.results[1].path, "/app/seq-0000000000");
  EXPECT_EQ(m.results[2].type, op_type::set_data);
  EXPECT_EQ(m.results[2].st.version, 1);
  EXPECT_EQ(m.results[2].st.mtime, 7777);
  EXPECT_EQ(m.results[3].type, op_type::check);
  EXPECT_EQ(m.results[4].type, op_type::remove);
  EXPECT_EQ(t.exists("/cfg").err, error::no_node);
  EXPECT_EQ(t.exists("/app").st.pzxid, 5);
  EXPECT_EQ(m.events, (tk::watch_events{{event_type::node_created, "/app"},
                                        {event_type::node_children_changed, "/"},
                                        {event_type::node_created, "/app/seq-0000000000"},
                                        {event_type::node_children_changed, "/app"},
                                        {event_type::node_data_changed, "/cfg"},
                                        {event_type::node_deleted, "/cfg"},
                                        {event_type::node_children_changed, "/"}}));
  EXPECT_EQ(t.last_zxid(), 5);
}

TEST(keeper_multi, failing_check_rolls_back_a_prior_create) {
  tk::data_tree t;
  ASSERT_EQ(t.create("/lock", "", open, create_mode::persistent, tk::no_ttl, tx(1)).err, error::ok);
  auto before_digest = t.digest();
  auto before_snapshot = t.snapshot();
  auto root_before = t.exists("/").st;
  auto m = t.multi({op::create("/new", "x", open), op::check("/lock", 3),
                    op::set_data("/lock", "y")},
                   tx(2));
  EXPECT_EQ(m.err, error::bad_version);
  EXPECT_EQ(errors_of(m), (std::vector<error>{error::ok, error::bad_version,
                                              error::runtime_inconsistency}));
  // Ops before the failure report ok and nothing else (ZooKeeper's ErrorResult(0)).
  EXPECT_EQ(m.results[0].type, op_type::create);
  EXPECT_TRUE(m.results[0].path.empty());
  EXPECT_EQ(m.results[2].type, op_type::set_data);
  EXPECT_TRUE(m.events.empty());
  EXPECT_EQ(t.exists("/new").err, error::no_node);
  EXPECT_EQ(t.exists("/").st, root_before);
  EXPECT_EQ(t.digest(), before_digest);
  // Only last_zxid moved (the failed multi was still a processed txn).
  EXPECT_EQ(t.last_zxid(), 2);
  tk::data_tree copy;
  ASSERT_EQ(copy.restore(before_snapshot), error::ok);
  EXPECT_EQ(copy.digest(), t.digest());
}

TEST(keeper_multi, rollback_restores_deleted_nodes_data_and_counters) {
  tk::data_tree t;
  constexpr int64_t s1 = 0x1000000000001;
  ASSERT_EQ(t.create("/q", "", open, create_mode::persistent, tk::no_ttl, tx(1)).err, error::ok);
  ASSERT_EQ(t.create("/q/e", "eph", open, create_mode::ephemeral, tk::no_ttl, tx(2, 1000, s1)).err,
            error::ok);
  ASSERT_EQ(t.create("/d", "old", open, create_mode::persistent, tk::no_ttl, tx(3)).err,
            error::ok);
  auto digest = t.digest();
  auto m = t.multi({op::remove("/q/e"), op::set_data("/d", "new"),
                    op::create("/q/s-", "", open, create_mode::persistent_sequential),
                    op::create("/q/s-", "", open, create_mode::persistent_sequential),
                    op::create("/missing/x", "", open)},
                   tx(4));
  EXPECT_EQ(m.err, error::no_node);
  EXPECT_EQ(errors_of(m), (std::vector<error>{error::ok, error::ok, error::ok, error::ok,
                                              error::no_node}));
  EXPECT_EQ(t.digest(), digest);
  EXPECT_EQ(t.get_data("/q/e").data, "eph");
  EXPECT_EQ(t.get_data("/d").data, "old");
  EXPECT_EQ(t.get_data("/d").st.version, 0);
  EXPECT_EQ(t.get_ephemerals(s1), std::vector<std::string>{"/q/e"});
  EXPECT_EQ(t.persisted_stat("/q")->cversion, 1);
  EXPECT_EQ(t.get_children("/q").children, std::vector<std::string>{"e"});
  // The sequence counter was rolled back too: the next name is 0000000001.
  auto next = t.create("/q/s-", "", open, create_mode::persistent_sequential, tk::no_ttl, tx(5));
  EXPECT_EQ(next.path, "/q/s-0000000001");
}

TEST(keeper_multi, ops_see_earlier_ops_effects) {
  tk::data_tree t;
  auto m = t.multi({op::create("/a", "", open), op::create("/a/b", "", open),
                    op::set_data("/a/b", "x", 0), op::check("/a/b", 1),
                    op::remove("/a/b", 1), op::remove("/a", 0)},
                   tx(1));
  ASSERT_EQ(m.err, error::ok) << tk::error_name(m.err);
  EXPECT_EQ(t.exists("/a").err, error::no_node);
  // Creating what an earlier op created fails, and everything rolls back.
  auto dup = t.multi({op::create("/x", "", open), op::create("/x", "", open)}, tx(2));
  EXPECT_EQ(dup.err, error::node_exists);
  EXPECT_EQ(errors_of(dup), (std::vector<error>{error::ok, error::node_exists}));
  EXPECT_EQ(t.exists("/x").err, error::no_node);
}

TEST(keeper_multi, first_op_failure_and_errors_of_each_kind) {
  tk::data_tree t;
  ASSERT_EQ(t.create("/n", "", open, create_mode::persistent, tk::no_ttl, tx(1)).err, error::ok);
  auto m = t.multi({op::remove("/nope"), op::create("/y", "", open)}, tx(2));
  EXPECT_EQ(m.err, error::no_node);
  EXPECT_EQ(errors_of(m), (std::vector<error>{error::no_node, error::runtime_inconsistency}));
  EXPECT_EQ(t.multi({op::create("/bad/", "", open)}, tx(3)).err, error::bad_arguments);
  EXPECT_EQ(t.multi({op::create("/z", "", {})}, tx(3)).err, error::invalid_acl);
  EXPECT_EQ(t.multi({op::set_data("/n", "x", 4)}, tx(3)).err, error::bad_version);
  EXPECT_EQ(t.multi({op::check("/nope", -1)}, tx(3)).err, error::no_node);
  EXPECT_EQ(t.multi({op::set_data("/n", std::string(1048577, 'x'))}, tx(3)).err,
            error::bad_arguments);
  auto alice = tk::digest_id("alice", "pw");
  ASSERT_EQ(t.create("/priv", "", {{tk::perms::all, "digest", alice}}, create_mode::persistent,
                     tk::no_ttl, tx(4), {{"digest", alice}})
              .err,
            error::ok);
  EXPECT_EQ(t.multi({op::check("/priv", 0)}, tx(5)).err, error::no_auth); // check needs READ
  EXPECT_EQ(t.multi({op::check("/priv", 0)}, tx(5), {{"digest", alice}}).err, error::ok);
}

TEST(keeper_multi, empty_multi_succeeds) {
  tk::data_tree t;
  auto digest = t.digest();
  auto m = t.multi({}, tx(1));
  EXPECT_EQ(m.err, error::ok);
  EXPECT_TRUE(m.results.empty());
  EXPECT_EQ(t.digest(), digest);
}

TEST(keeper_multi, ephemeral_and_container_creates_in_multi) {
  tk::data_tree t;
  constexpr int64_t s1 = 0x1000000000001;
  auto m = t.multi({op::create("/c", "", open, create_mode::container),
                    op::create("/c/e", "", open, create_mode::ephemeral)},
                   tx(1, 1000, s1));
  ASSERT_EQ(m.err, error::ok);
  EXPECT_EQ(t.get_ephemerals(s1), std::vector<std::string>{"/c/e"});
  auto closed = t.close_session(s1, tx(2));
  EXPECT_EQ(closed.deleted, std::vector<std::string>{"/c/e"});
  EXPECT_EQ(t.containers_and_ttls_to_delete(0), std::vector<std::string>{"/c"});
}
