// Unit tests of Keeper's node lifetimes: session ephemerals, containers and
// TTL nodes (ZooKeeper 3.8's EphemeralType, DataTree.killSession and
// ContainerManager rules).
#include "troupe/keeper/data_tree.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace tk = troupe::keeper;
using tk::create_mode;
using tk::error;
using tk::event_type;

namespace {

tk::txn_context tx(int64_t zxid, int64_t time_ms = 1000, int64_t session = 0) {
  return {zxid, time_ms, session};
}

const tk::acl_list open = tk::open_acl_unsafe();
constexpr int64_t s1 = 0x1000000000001;
constexpr int64_t s2 = 0x1000000000002;

tk::write_result mk(tk::data_tree& t, const std::string& path, create_mode mode, int64_t zxid,
                    int64_t session = 0, int64_t ttl = tk::no_ttl, int64_t time = 1000) {
  return t.create(path, "", open, mode, ttl, tx(zxid, time, session));
}

} // namespace

TEST(keeper_ephemeral, owner_is_the_session_and_children_are_refused) {
  tk::data_tree t;
  auto r = mk(t, "/e", create_mode::ephemeral, 1, s1);
  ASSERT_EQ(r.err, error::ok);
  EXPECT_EQ(r.st.ephemeral_owner, s1);
  EXPECT_EQ(t.persisted_stat("/e")->ephemeral_owner, s1);
  EXPECT_EQ(mk(t, "/e/child", create_mode::persistent, 2).err, error::no_children_for_ephemerals);
  EXPECT_EQ(mk(t, "/e/child", create_mode::ephemeral, 2, s1).err,
            error::no_children_for_ephemerals);
  EXPECT_EQ(mk(t, "/e/s-", create_mode::persistent_sequential, 2).err,
            error::no_children_for_ephemerals);
  // An existing name is reported before the ephemeral parent (ZooKeeper's order).
  EXPECT_EQ(mk(t, "/e", create_mode::ephemeral, 2, s1).err, error::node_exists);
  // Sessions that cannot own ephemerals.
  EXPECT_EQ(mk(t, "/e2", create_mode::ephemeral, 3, 0).err, error::bad_arguments);
  EXPECT_EQ(mk(t, "/e2", create_mode::ephemeral, 3, tk::container_ephemeral_owner).err,
            error::bad_arguments);
  // Persistent nodes ignore the session.
  EXPECT_EQ(mk(t, "/p", create_mode::persistent, 4, s1).st.ephemeral_owner, 0);
}

TEST(keeper_ephemeral, ephemeral_sequential) {
  tk::data_tree t;
  ASSERT_EQ(mk(t, "/locks", create_mode::persistent, 1).err, error::ok);
  auto a = mk(t, "/locks/lock-", create_mode::ephemeral_sequential, 2, s1);
  auto b = mk(t, "/locks/lock-", create_mode::ephemeral_sequential, 3, s2);
  EXPECT_EQ(a.path, "/locks/lock-0000000000");
  EXPECT_EQ(b.path, "/locks/lock-0000000001");
  EXPECT_EQ(b.st.ephemeral_owner, s2);
}

TEST(keeper_ephemeral, get_ephemerals_by_session_and_prefix) {
  tk::data_tree t;
  ASSERT_EQ(mk(t, "/a", create_mode::persistent, 1).err, error::ok);
  ASSERT_EQ(mk(t, "/a/x", create_mode::ephemeral, 2, s1).err, error::ok);
  ASSERT_EQ(mk(t, "/ab", create_mode::ephemeral, 3, s1).err, error::ok);
  ASSERT_EQ(mk(t, "/b", create_mode::ephemeral, 4, s1).err, error::ok);
  ASSERT_EQ(mk(t, "/a/y", create_mode::ephemeral, 5, s2).err, error::ok);
  EXPECT_EQ(t.get_ephemerals(s1), (std::vector<std::string>{"/a/x", "/ab", "/b"}));
  EXPECT_EQ(t.get_ephemerals(s1, ""), t.get_ephemerals(s1));
  // A plain string prefix, as ZooKeeper's startsWith: "/a" matches "/ab".
  EXPECT_EQ(t.get_ephemerals(s1, "/a"), (std::vector<std::string>{"/a/x", "/ab"}));
  EXPECT_EQ(t.get_ephemerals(s1, "/a/"), (std::vector<std::string>{"/a/x"}));
  EXPECT_EQ(t.get_ephemerals(s2), (std::vector<std::string>{"/a/y"}));
  EXPECT_TRUE(t.get_ephemerals(0x999).empty());
  EXPECT_EQ(t.sessions_with_ephemerals(), (std::vector<int64_t>{s1, s2}));
}

TEST(keeper_ephemeral, close_session_removes_exactly_its_ephemerals) {
  tk::data_tree t;
  ASSERT_EQ(mk(t, "/svc", create_mode::persistent, 1).err, error::ok);
  ASSERT_EQ(mk(t, "/svc/b", create_mode::ephemeral, 2, s1).err, error::ok);
  ASSERT_EQ(mk(t, "/svc/a", create_mode::ephemeral, 3, s1).err, error::ok);
  ASSERT_EQ(mk(t, "/top", create_mode::ephemeral, 4, s1).err, error::ok);
  ASSERT_EQ(mk(t, "/svc/other", create_mode::ephemeral, 5, s2).err, error::ok);
  ASSERT_EQ(mk(t, "/svc/keep", create_mode::persistent, 6, s1).err, error::ok);
  auto closed = t.close_session(s1, tx(10));
  EXPECT_EQ(closed.deleted, (std::vector<std::string>{"/svc/a", "/svc/b", "/top"}));
  EXPECT_EQ(closed.events, (tk::watch_events{{event_type::node_deleted, "/svc/a"},
                                             {event_type::node_children_changed, "/svc"},
                                             {event_type::node_deleted, "/svc/b"},
                                             {event_type::node_children_changed, "/svc"},
                                             {event_type::node_deleted, "/top"},
                                             {event_type::node_children_changed, "/"}}));
  EXPECT_EQ(t.exists("/svc/other").err, error::ok);
  EXPECT_EQ(t.exists("/svc/keep").err, error::ok);
  EXPECT_EQ(t.exists("/svc/a").err, error::no_node);
  EXPECT_TRUE(t.get_ephemerals(s1).empty());
  EXPECT_EQ(t.sessions_with_ephemerals(), std::vector<int64_t>{s2});
  auto svc = t.exists("/svc").st;
  EXPECT_EQ(svc.pzxid, 10);
  EXPECT_EQ(svc.num_children, 2);
  EXPECT_EQ(svc.cversion, 6); // 4 creates + 2 deletes
  EXPECT_TRUE(t.close_session(s1, tx(11)).deleted.empty());
}

TEST(keeper_container, encoding_hidden_from_clients) {
  tk::data_tree t;
  auto r = mk(t, "/c", create_mode::container, 1);
  ASSERT_EQ(r.err, error::ok);
  EXPECT_EQ(r.st.ephemeral_owner, 0);
  EXPECT_EQ(t.persisted_stat("/c")->ephemeral_owner, tk::container_ephemeral_owner);
  // Containers take children, including ephemerals.
  EXPECT_EQ(mk(t, "/c/e", create_mode::ephemeral, 2, s1).err, error::ok);
}

TEST(keeper_container, deleted_once_emptied_not_before_first_child) {
  tk::data_tree t;
  ASSERT_EQ(mk(t, "/c", create_mode::container, 1).err, error::ok);
  ASSERT_EQ(mk(t, "/fresh", create_mode::container, 2).err, error::ok);
  EXPECT_TRUE(t.containers_and_ttls_to_delete(1 << 30).empty()); // never had a child
  ASSERT_EQ(mk(t, "/c/child", create_mode::persistent, 3).err, error::ok);
  EXPECT_TRUE(t.containers_and_ttls_to_delete(1 << 30).empty()); // has a child
  ASSERT_EQ(t.remove("/c/child", -1, tx(4)).err, error::ok);
  EXPECT_EQ(t.containers_and_ttls_to_delete(0), std::vector<std::string>{"/c"});
  auto r = t.remove_container("/c", tx(5));
  ASSERT_EQ(r.err, error::ok);
  EXPECT_EQ(r.events, (tk::watch_events{{event_type::node_deleted, "/c"},
                                        {event_type::node_children_changed, "/"}}));
  EXPECT_EQ(t.exists("/c").err, error::no_node);
  EXPECT_TRUE(t.containers_and_ttls_to_delete(0).empty());
}

TEST(keeper_container, nested_containers_go_one_level_per_round) {
  tk::data_tree t;
  ASSERT_EQ(mk(t, "/outer", create_mode::container, 1).err, error::ok);
  ASSERT_EQ(mk(t, "/outer/inner", create_mode::container, 2).err, error::ok);
  ASSERT_EQ(mk(t, "/outer/inner/x", create_mode::persistent, 3).err, error::ok);
  ASSERT_EQ(t.remove("/outer/inner/x", -1, tx(4)).err, error::ok);
  EXPECT_EQ(t.containers_and_ttls_to_delete(0), std::vector<std::string>{"/outer/inner"});
  ASSERT_EQ(t.remove_container("/outer/inner", tx(5)).err, error::ok);
  EXPECT_EQ(t.containers_and_ttls_to_delete(0), std::vector<std::string>{"/outer"});
}

TEST(keeper_container, remove_container_rechecks_at_apply_time) {
  tk::data_tree t;
  ASSERT_EQ(mk(t, "/c", create_mode::container, 1).err, error::ok);
  ASSERT_EQ(mk(t, "/c/x", create_mode::persistent, 2).err, error::ok);
  EXPECT_EQ(t.remove_container("/c", tx(3)).err, error::not_empty);
  ASSERT_EQ(mk(t, "/p", create_mode::persistent, 4).err, error::ok);
  EXPECT_EQ(t.remove_container("/p", tx(5)).err, error::bad_version);
  ASSERT_EQ(mk(t, "/e", create_mode::ephemeral, 6, s1).err, error::ok);
  EXPECT_EQ(t.remove_container("/e", tx(7)).err, error::bad_version);
  EXPECT_EQ(t.remove_container("/gone", tx(8)).err, error::no_node);
  EXPECT_EQ(t.remove_container("/zookeeper", tx(8)).err, error::bad_arguments);
}

TEST(keeper_ttl, mode_and_ttl_validation) {
  tk::data_tree t;
  EXPECT_EQ(mk(t, "/t", create_mode::persistent_with_ttl, 1, 0, 0).err, error::bad_arguments);
  EXPECT_EQ(mk(t, "/t", create_mode::persistent_with_ttl, 1, 0, -5).err, error::bad_arguments);
  EXPECT_EQ(mk(t, "/t", create_mode::persistent_with_ttl, 1, 0, tk::no_ttl).err,
            error::bad_arguments);
  EXPECT_EQ(mk(t, "/t", create_mode::persistent_with_ttl, 1, 0, tk::max_ttl_ms + 1).err,
            error::bad_arguments);
  // ZooKeeper: a ttl >= 0 with a mode that has none is invalid (clients send -1).
  EXPECT_EQ(mk(t, "/t", create_mode::persistent, 1, 0, 100).err, error::bad_arguments);
  EXPECT_EQ(mk(t, "/t", create_mode::persistent, 1, 0, 0).err, error::bad_arguments);
  EXPECT_EQ(mk(t, "/t", create_mode::container, 1, 0, 100).err, error::bad_arguments);
  EXPECT_EQ(mk(t, "/t", create_mode::persistent_with_ttl, 1, 0, tk::max_ttl_ms).err, error::ok);
  EXPECT_EQ(t.node_count(), 5u);

  tk::data_tree no_ext(tk::tree_config{1048576, false});
  EXPECT_EQ(mk(no_ext, "/t", create_mode::persistent_with_ttl, 1, 0, 100).err,
            error::unimplemented);
}

TEST(keeper_ttl, encoding_and_sequential_ttl) {
  tk::data_tree t;
  auto r = mk(t, "/t", create_mode::persistent_with_ttl, 1, 0, 5000);
  ASSERT_EQ(r.err, error::ok);
  EXPECT_EQ(r.st.ephemeral_owner, 0);
  EXPECT_EQ(t.persisted_stat("/t")->ephemeral_owner,
            static_cast<int64_t>(0xFF00000000000000ull | 5000));
  auto s = mk(t, "/t/item-", create_mode::persistent_sequential_with_ttl, 2, 0, 100);
  ASSERT_EQ(s.err, error::ok);
  EXPECT_EQ(s.path, "/t/item-0000000000");
}

TEST(keeper_ttl, expires_when_childless_and_untouched_longer_than_ttl) {
  tk::data_tree t;
  ASSERT_EQ(mk(t, "/t", create_mode::persistent_with_ttl, 1, 0, 100, 1000).err, error::ok);
  EXPECT_TRUE(t.containers_and_ttls_to_delete(1100).empty()); // exactly ttl: not yet
  EXPECT_EQ(t.containers_and_ttls_to_delete(1101), std::vector<std::string>{"/t"});
  // A write refreshes mtime.
  ASSERT_EQ(t.set_data("/t", "x", -1, tx(2, 1050)).err, error::ok);
  EXPECT_TRUE(t.containers_and_ttls_to_delete(1101).empty());
  EXPECT_EQ(t.containers_and_ttls_to_delete(1151), std::vector<std::string>{"/t"});
  // Children keep it alive.
  ASSERT_EQ(mk(t, "/t/c", create_mode::persistent, 3).err, error::ok);
  EXPECT_TRUE(t.containers_and_ttls_to_delete(1 << 30).empty());
  ASSERT_EQ(t.remove("/t/c", -1, tx(4)).err, error::ok);
  // remove_container re-checks expiry at the txn's time.
  EXPECT_EQ(t.remove_container("/t", tx(5, 1150)).err, error::bad_version);
  EXPECT_EQ(t.remove_container("/t", tx(6, 1151)).err, error::ok);
  EXPECT_EQ(t.exists("/t").err, error::no_node);
}

TEST(keeper_ttl, containers_come_before_ttls_each_sorted) {
  tk::data_tree t;
  ASSERT_EQ(mk(t, "/t2", create_mode::persistent_with_ttl, 1, 0, 10).err, error::ok);
  ASSERT_EQ(mk(t, "/t1", create_mode::persistent_with_ttl, 2, 0, 10).err, error::ok);
  ASSERT_EQ(mk(t, "/z", create_mode::container, 3).err, error::ok);
  ASSERT_EQ(mk(t, "/z/x", create_mode::persistent, 4).err, error::ok);
  ASSERT_EQ(t.remove("/z/x", -1, tx(5)).err, error::ok);
  EXPECT_EQ(t.containers_and_ttls_to_delete(5000),
            (std::vector<std::string>{"/z", "/t1", "/t2"}));
}
