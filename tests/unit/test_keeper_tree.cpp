// Unit tests of Keeper's data tree, op by op, against ZooKeeper 3.8's
// documented and implemented behaviour: stats, versions, sequential names,
// ephemerals, containers, TTL nodes, permissions and watch events.
#include "troupe/keeper/data_tree.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace tk = troupe::keeper;
using tk::create_mode;
using tk::error;
using tk::event_type;
using tk::watch_event;
namespace perms = tk::perms;

namespace {

tk::txn_context tx(int64_t zxid, int64_t time_ms = 1000, int64_t session = 0) {
  return {zxid, time_ms, session};
}

const tk::acl_list open = tk::open_acl_unsafe();

// Creates a persistent node with open ACL, asserting success.
void mk(tk::data_tree& t, const std::string& path, int64_t zxid, std::string data = {}) {
  auto r = t.create(path, std::move(data), open, create_mode::persistent, tk::no_ttl, tx(zxid));
  ASSERT_EQ(r.err, error::ok) << path << ": " << tk::error_name(r.err);
}

tk::stat st(const tk::data_tree& t, const std::string& path) {
  auto r = t.exists(path);
  EXPECT_EQ(r.err, error::ok) << path;
  return r.st;
}

} // namespace

TEST(keeper_tree, fresh_tree_has_zookeepers_system_nodes) {
  tk::data_tree t;
  EXPECT_EQ(t.node_count(), 4u);
  EXPECT_EQ(t.get_children("/").children, std::vector<std::string>{"zookeeper"});
  EXPECT_EQ(t.get_children("/zookeeper").children,
            (std::vector<std::string>{"config", "quota"}));
  // Linked without creates: cversion stays 0, so clients see 0*2 - children.
  EXPECT_EQ(st(t, "/").cversion, -1);
  EXPECT_EQ(st(t, "/").num_children, 1);
  EXPECT_EQ(st(t, "/zookeeper").cversion, -2);
  EXPECT_EQ(st(t, "/zookeeper/config").aversion, -1);
  EXPECT_EQ(t.get_acl("/zookeeper/config").acls, tk::read_acl_unsafe());
  EXPECT_EQ(t.get_acl("/").acls, tk::open_acl_unsafe());
  for (const char* p : {"/", "/zookeeper", "/zookeeper/quota", "/zookeeper/config"})
    EXPECT_EQ(t.remove(p, -1, tx(1)).err, error::bad_arguments) << p;
  EXPECT_EQ(t.set_data("/zookeeper/config", "x", -1, tx(2)).err, error::no_auth);
}

TEST(keeper_tree, create_sets_stat_and_updates_parent) {
  tk::data_tree t;
  auto r = t.create("/app", "hello", open, create_mode::persistent, tk::no_ttl, tx(7, 5000));
  ASSERT_EQ(r.err, error::ok);
  EXPECT_EQ(r.path, "/app");
  EXPECT_EQ(r.st.czxid, 7);
  EXPECT_EQ(r.st.mzxid, 7);
  EXPECT_EQ(r.st.pzxid, 7); // a new node's pzxid is its czxid
  EXPECT_EQ(r.st.ctime, 5000);
  EXPECT_EQ(r.st.mtime, 5000);
  EXPECT_EQ(r.st.version, 0);
  EXPECT_EQ(r.st.cversion, 0);
  EXPECT_EQ(r.st.aversion, 0);
  EXPECT_EQ(r.st.ephemeral_owner, 0);
  EXPECT_EQ(r.st.data_length, 5);
  EXPECT_EQ(r.st.num_children, 0);
  EXPECT_EQ(r.events, (tk::watch_events{{event_type::node_created, "/app"},
                                        {event_type::node_children_changed, "/"}}));
  auto root = st(t, "/");
  EXPECT_EQ(root.num_children, 2);
  EXPECT_EQ(root.pzxid, 7);
  EXPECT_EQ(root.cversion, 0); // 1 create * 2 - 2 children
  EXPECT_EQ(t.get_data("/app").data, "hello");
  EXPECT_EQ(t.get_data("/app").st, r.st);

  mk(t, "/app/child", 8);
  auto app = st(t, "/app");
  EXPECT_EQ(app.cversion, 1);
  EXPECT_EQ(app.pzxid, 8);
  EXPECT_EQ(app.mzxid, 7); // children changes do not touch data stats
  EXPECT_EQ(app.version, 0);
}

TEST(keeper_tree, create_errors) {
  tk::data_tree t;
  mk(t, "/a", 1);
  auto create = [&](const std::string& p) {
    return t.create(p, "", open, create_mode::persistent, tk::no_ttl, tx(9)).err;
  };
  EXPECT_EQ(create("/a"), error::node_exists);
  EXPECT_EQ(create("/"), error::node_exists); // ZooKeeper: root already exists
  EXPECT_EQ(create("/missing/child"), error::no_node);
  EXPECT_EQ(create("a"), error::bad_arguments);
  EXPECT_EQ(create("/a/"), error::bad_arguments);
  EXPECT_EQ(create("/a//b"), error::bad_arguments);
  EXPECT_EQ(create("/a/."), error::bad_arguments);
  EXPECT_EQ(create("/a/.."), error::bad_arguments);
  EXPECT_EQ(create("/missing/./x"), error::bad_arguments); // validated before lookup
  EXPECT_EQ(create(std::string("/a\0b", 4)), error::bad_arguments);
  EXPECT_EQ(t.create("/b", "", {}, create_mode::persistent, tk::no_ttl, tx(9)).err,
            error::invalid_acl);
  EXPECT_EQ(t.create("/b", "", {{31, "foo", "bar"}}, create_mode::persistent, tk::no_ttl, tx(9))
              .err,
            error::invalid_acl);
  // Nothing changed.
  EXPECT_EQ(t.node_count(), 5u);
  EXPECT_EQ(st(t, "/").cversion, 0);
}

TEST(keeper_tree, sequential_names_use_the_parents_create_counter) {
  tk::data_tree t;
  mk(t, "/q", 1);
  auto seq = [&](const std::string& prefix, int64_t zxid) {
    auto r = t.create(prefix, "", open, create_mode::persistent_sequential, tk::no_ttl, tx(zxid));
    EXPECT_EQ(r.err, error::ok);
    return r.path;
  };
  EXPECT_EQ(seq("/q/job-", 2), "/q/job-0000000000");
  EXPECT_EQ(seq("/q/job-", 3), "/q/job-0000000001");
  // Every create counts, sequential or not, and deletes never rewind it.
  mk(t, "/q/plain", 4);
  EXPECT_EQ(t.remove("/q/job-0000000000", -1, tx(5)).err, error::ok);
  EXPECT_EQ(t.remove("/q/job-0000000001", -1, tx(6)).err, error::ok);
  EXPECT_EQ(t.remove("/q/plain", -1, tx(7)).err, error::ok);
  EXPECT_EQ(seq("/q/job-", 8), "/q/job-0000000003");
  // The prefix may end with '/': the name is just the counter.
  EXPECT_EQ(seq("/q/", 9), "/q/0000000004");
  EXPECT_EQ(t.persisted_stat("/q")->cversion, 5);
  // Per parent: another parent starts at 0.
  mk(t, "/r", 10);
  EXPECT_EQ(seq("/r/n", 11), "/r/n0000000000");
  // A sequential child of the root uses the root's counter (0 after boot).
  EXPECT_EQ(seq("/top-", 12), "/top-0000000002");
}

TEST(keeper_tree, sequential_clash_with_existing_name_is_node_exists) {
  tk::data_tree t;
  mk(t, "/q", 1);
  mk(t, "/q/x0000000001", 2); // counter is now 1: the next name is taken
  auto r = t.create("/q/x", "", open, create_mode::persistent_sequential, tk::no_ttl, tx(3));
  EXPECT_EQ(r.err, error::node_exists);
  EXPECT_EQ(t.persisted_stat("/q")->cversion, 1);
}

TEST(keeper_tree, cversion_counts_creates_and_deletes_pzxid_tracks_last_change) {
  tk::data_tree t;
  mk(t, "/p", 1);
  mk(t, "/p/a", 2);
  mk(t, "/p/b", 3);
  EXPECT_EQ(t.remove("/p/a", -1, tx(4)).err, error::ok);
  auto p = st(t, "/p");
  EXPECT_EQ(p.cversion, 3); // 2 creates + 1 delete
  EXPECT_EQ(p.num_children, 1);
  EXPECT_EQ(p.pzxid, 4);
  EXPECT_EQ(t.persisted_stat("/p")->cversion, 2); // the create counter
  // set_data on a child does not move the parent's pzxid.
  EXPECT_EQ(t.set_data("/p/b", "x", -1, tx(5)).err, error::ok);
  EXPECT_EQ(st(t, "/p").pzxid, 4);
}

TEST(keeper_tree, remove_checks_and_events) {
  tk::data_tree t;
  mk(t, "/a", 1);
  mk(t, "/a/b", 2);
  EXPECT_EQ(t.remove("/a", -1, tx(3)).err, error::not_empty);
  EXPECT_EQ(t.remove("/a/nope", -1, tx(3)).err, error::no_node);
  EXPECT_EQ(t.remove("/nope/x", -1, tx(3)).err, error::no_node);
  EXPECT_EQ(t.remove("/a/b/", -1, tx(3)).err, error::bad_arguments);
  EXPECT_EQ(t.remove("/a/b", 1, tx(3)).err, error::bad_version);
  EXPECT_EQ(t.set_data("/a/b", "v", 0, tx(4)).err, error::ok);
  EXPECT_EQ(t.remove("/a/b", 0, tx(5)).err, error::bad_version);
  auto r = t.remove("/a/b", 1, tx(6));
  ASSERT_EQ(r.err, error::ok);
  EXPECT_EQ(r.path, "/a/b");
  EXPECT_EQ(r.events, (tk::watch_events{{event_type::node_deleted, "/a/b"},
                                        {event_type::node_children_changed, "/a"}}));
  EXPECT_EQ(t.exists("/a/b").err, error::no_node);
  EXPECT_EQ(t.remove("/a", -1, tx(7)).err, error::ok);
  EXPECT_EQ(t.node_count(), 4u);
}

TEST(keeper_tree, set_data_versions_and_events) {
  tk::data_tree t;
  mk(t, "/n", 1, "one");
  auto r = t.set_data("/n", "three", 0, tx(2, 2222));
  ASSERT_EQ(r.err, error::ok);
  EXPECT_EQ(r.st.version, 1);
  EXPECT_EQ(r.st.mzxid, 2);
  EXPECT_EQ(r.st.mtime, 2222);
  EXPECT_EQ(r.st.czxid, 1);
  EXPECT_EQ(r.st.ctime, 1000);
  EXPECT_EQ(r.st.data_length, 5);
  EXPECT_EQ(r.events, (tk::watch_events{{event_type::node_data_changed, "/n"}}));
  EXPECT_EQ(t.set_data("/n", "x", 0, tx(3)).err, error::bad_version);
  EXPECT_EQ(t.set_data("/n", "x", -1, tx(4)).st.version, 2);
  EXPECT_EQ(t.set_data("/missing", "x", -1, tx(5)).err, error::no_node);
  EXPECT_EQ(t.set_data("/n/", "x", -1, tx(5)).err, error::bad_arguments);
  EXPECT_EQ(t.get_data("/n").data, "x");
}

TEST(keeper_tree, oversize_data_is_bad_arguments) {
  tk::data_tree t;
  EXPECT_EQ(t.config().max_data_size, 1048576u);
  std::string max(1048576, 'x');
  auto ok = t.create("/big", max, open, create_mode::persistent, tk::no_ttl, tx(1));
  EXPECT_EQ(ok.err, error::ok);
  EXPECT_EQ(t.create("/bigger", max + "x", open, create_mode::persistent, tk::no_ttl, tx(2)).err,
            error::bad_arguments);
  EXPECT_EQ(t.set_data("/big", max + "x", -1, tx(3)).err, error::bad_arguments);
  EXPECT_EQ(t.data_bytes(), 1048576u);

  tk::data_tree small(tk::tree_config{8, true});
  EXPECT_EQ(small.create("/s", "12345678", open, create_mode::persistent, tk::no_ttl, tx(1)).err,
            error::ok);
  EXPECT_EQ(small.set_data("/s", "123456789", -1, tx(2)).err, error::bad_arguments);
}

TEST(keeper_tree, set_acl_checks_aversion_and_admin) {
  tk::data_tree t;
  mk(t, "/n", 1);
  auto admin = tk::digest_id("admin", "pw");
  tk::identities admin_ids{{"digest", admin}};
  tk::acl_list locked{{perms::admin, "digest", admin}, {perms::read, "world", "anyone"}};
  auto r = t.set_acl("/n", locked, 0, tx(2));
  ASSERT_EQ(r.err, error::ok);
  EXPECT_EQ(r.st.aversion, 1);
  EXPECT_EQ(r.st.version, 0);
  EXPECT_TRUE(r.events.empty()); // no watch fires on ACL changes
  EXPECT_EQ(t.get_acl("/n", admin_ids).acls, locked);
  EXPECT_EQ(t.set_acl("/n", open, -1, tx(3)).err, error::no_auth);
  EXPECT_EQ(t.set_acl("/n", open, 0, tx(3), admin_ids).err, error::bad_version);
  EXPECT_EQ(t.set_acl("/n", {}, 1, tx(3), admin_ids).err, error::invalid_acl);
  EXPECT_EQ(t.set_acl("/n", {{31, "ip", "999.1.1.1"}}, 1, tx(3), admin_ids).err,
            error::invalid_acl);
  EXPECT_EQ(t.set_acl("/nope", open, -1, tx(3)).err, error::no_node);
  EXPECT_EQ(t.set_acl("/n", open, 1, tx(4), admin_ids).st.aversion, 2);
}

TEST(keeper_tree, digest_acl_permissions) {
  tk::data_tree t;
  auto alice = tk::digest_id("alice", "a-pw");
  auto bob = tk::digest_id("bob", "b-pw");
  tk::identities as_alice{{"digest", alice}};
  tk::identities as_bob{{"digest", bob}};
  tk::acl_list acls{{perms::all, "digest", alice}, {perms::read, "world", "anyone"}};
  ASSERT_EQ(t.create("/s", "secret", acls, create_mode::persistent, tk::no_ttl, tx(1), as_alice)
              .err,
            error::ok);
  // READ for anyone; everything else only for alice.
  EXPECT_EQ(t.get_data("/s", as_bob).err, error::ok);
  EXPECT_EQ(t.set_data("/s", "x", -1, tx(2), as_bob).err, error::no_auth);
  EXPECT_EQ(t.set_data("/s", "x", -1, tx(2), as_alice).err, error::ok);
  EXPECT_EQ(t.create("/s/c", "", open, create_mode::persistent, tk::no_ttl, tx(3), as_bob).err,
            error::no_auth);
  ASSERT_EQ(t.create("/s/c", "", open, create_mode::persistent, tk::no_ttl, tx(3), as_alice).err,
            error::ok);
  // DELETE is checked on the parent: anyone may not, even though /s/c is open.
  EXPECT_EQ(t.remove("/s/c", -1, tx(4), as_bob).err, error::no_auth);
  EXPECT_EQ(t.remove("/s/missing", -1, tx(4), as_bob).err, error::no_auth); // parent first
  EXPECT_EQ(t.remove("/s/c", -1, tx(4), as_alice).err, error::ok);
  // The super identity passes everything.
  EXPECT_EQ(t.set_data("/s", "y", -1, tx(5), {{"super", ""}}).err, error::ok);
}

TEST(keeper_tree, read_permissions_follow_zookeeper) {
  tk::data_tree t;
  auto alice = tk::digest_id("alice", "pw");
  tk::identities as_alice{{"digest", alice}};
  ASSERT_EQ(t.create("/w", "", {{perms::write | perms::admin, "digest", alice}},
                     create_mode::persistent, tk::no_ttl, tx(1), as_alice)
              .err,
            error::ok);
  // Without READ: getData, getChildren, getAllChildrenNumber, check fail...
  EXPECT_EQ(t.get_data("/w", as_alice).err, error::no_auth);
  EXPECT_EQ(t.get_children("/w", as_alice).err, error::no_auth);
  EXPECT_EQ(t.get_all_children_number("/w", as_alice).err, error::no_auth);
  EXPECT_EQ(t.check_version("/w", 0, as_alice), error::no_auth);
  // ...exists needs nothing; getACL needs READ or ADMIN.
  EXPECT_EQ(t.exists("/w").err, error::ok);
  EXPECT_EQ(t.get_acl("/w", as_alice).err, error::ok);
  EXPECT_EQ(t.get_acl("/w").err, error::no_auth);

  ASSERT_EQ(t.create("/r", "", {{perms::admin, "digest", alice}, {perms::read, "world", "anyone"}},
                     create_mode::persistent, tk::no_ttl, tx(2), as_alice)
              .err,
            error::ok);
  // READ without ADMIN sees digests redacted; ADMIN sees them whole.
  auto redacted = t.get_acl("/r");
  ASSERT_EQ(redacted.err, error::ok);
  EXPECT_EQ(redacted.acls[0].id, "alice:x");
  EXPECT_EQ(t.get_acl("/r", as_alice).acls[0].id, alice);
}

TEST(keeper_tree, auth_scheme_expands_to_the_callers_digest_ids) {
  tk::data_tree t;
  auto alice = tk::digest_id("alice", "pw");
  tk::identities ids{{"ip", "10.0.0.1"}, {"digest", alice}};
  auto r = t.create("/mine", "", tk::creator_all_acl(), create_mode::persistent, tk::no_ttl, tx(1),
                    ids);
  ASSERT_EQ(r.err, error::ok);
  EXPECT_EQ(t.get_acl("/mine", ids).acls, (tk::acl_list{{31, "digest", alice}}));
  EXPECT_EQ(t.create("/other", "", tk::creator_all_acl(), create_mode::persistent, tk::no_ttl,
                     tx(2), {{"ip", "10.0.0.1"}})
              .err,
            error::invalid_acl);
}

TEST(keeper_tree, ip_acl) {
  tk::data_tree t;
  ASSERT_EQ(t.create("/lan", "", {{perms::all, "ip", "192.168.0.0/16"}}, create_mode::persistent,
                     tk::no_ttl, tx(1))
              .err,
            error::ok);
  EXPECT_EQ(t.get_data("/lan", {{"ip", "192.168.4.2"}}).err, error::ok);
  EXPECT_EQ(t.get_data("/lan", {{"ip", "10.0.0.1"}}).err, error::no_auth);
}

TEST(keeper_tree, reads_on_missing_and_malformed_paths) {
  tk::data_tree t;
  EXPECT_EQ(t.get_data("/nope").err, error::no_node);
  EXPECT_EQ(t.exists("/nope").err, error::no_node);
  EXPECT_EQ(t.get_children("/nope").err, error::no_node);
  EXPECT_EQ(t.get_acl("/nope").err, error::no_node);
  EXPECT_EQ(t.get_all_children_number("/nope").err, error::no_node);
  EXPECT_EQ(t.check_version("/nope", -1), error::no_node);
  EXPECT_EQ(t.get_data("nope").err, error::bad_arguments);
  EXPECT_EQ(t.exists("/a/").err, error::bad_arguments);
  EXPECT_EQ(t.get_children("//").err, error::bad_arguments);
}

TEST(keeper_tree, get_children_sorted_and_all_children_number) {
  tk::data_tree t;
  mk(t, "/a", 1);
  mk(t, "/a/z", 2);
  mk(t, "/a/b", 3);
  mk(t, "/a/b/c", 4);
  mk(t, "/a/b/c/d", 5);
  mk(t, "/ab", 6); // a sibling sharing the prefix, not a descendant
  mk(t, "/a0", 7);
  auto kids = t.get_children("/a");
  ASSERT_EQ(kids.err, error::ok);
  EXPECT_EQ(kids.children, (std::vector<std::string>{"b", "z"}));
  EXPECT_EQ(kids.st.num_children, 2);
  EXPECT_EQ(t.get_all_children_number("/a").count, 4);
  EXPECT_EQ(t.get_all_children_number("/a/b").count, 2);
  EXPECT_EQ(t.get_all_children_number("/a/z").count, 0);
  // "/": every node but the root, system nodes included (as ZooKeeper).
  EXPECT_EQ(t.get_all_children_number("/").count, static_cast<int32_t>(t.node_count() - 1));
  EXPECT_EQ(t.get_all_children_number("/zookeeper").count, 2);
}

TEST(keeper_tree, check_version) {
  tk::data_tree t;
  mk(t, "/c", 1);
  EXPECT_EQ(t.check_version("/c", 0), error::ok);
  EXPECT_EQ(t.check_version("/c", -1), error::ok);
  EXPECT_EQ(t.check_version("/c", 1), error::bad_version);
}

TEST(keeper_tree, counters_and_last_zxid) {
  tk::data_tree t;
  uint64_t base_paths = t.approximate_data_size();
  EXPECT_EQ(t.data_bytes(), 0u);
  mk(t, "/x", 3, "abc");
  mk(t, "/x/y", 5, "de");
  EXPECT_EQ(t.node_count(), 6u);
  EXPECT_EQ(t.data_bytes(), 5u);
  EXPECT_EQ(t.approximate_data_size(), base_paths + 5 + 2 + 4);
  EXPECT_EQ(t.set_data("/x", "", -1, tx(6)).err, error::ok);
  EXPECT_EQ(t.data_bytes(), 2u);
  EXPECT_EQ(t.last_zxid(), 6);
  // A failed write still counts as processed (ZooKeeper's error txns do).
  EXPECT_EQ(t.remove("/x", -1, tx(9)).err, error::not_empty);
  EXPECT_EQ(t.last_zxid(), 9);
  EXPECT_EQ(t.remove("/x/y", -1, tx(8)).err, error::ok); // never moves back
  EXPECT_EQ(t.last_zxid(), 9);
}
