// Unit tests of Keeper's snapshots and digests: exact round trips, corruption
// detection and determinism across replicas applying the same writes.
#include "troupe/keeper/data_tree.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

namespace tk = troupe::keeper;
using tk::create_mode;
using tk::error;

namespace {

tk::txn_context tx(int64_t zxid, int64_t time_ms = 1000, int64_t session = 0) {
  return {zxid, time_ms, session};
}

const tk::acl_list open = tk::open_acl_unsafe();

// A deterministic pseudo-random workload touching every kind of write.
void workload(tk::data_tree& t, uint64_t seed, int steps) {
  uint64_t x = seed;
  auto next = [&x] {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    return x;
  };
  const char* parents[] = {"/", "/a", "/a/b", "/c"};
  const create_mode modes[] = {create_mode::persistent, create_mode::ephemeral,
                               create_mode::persistent_sequential, create_mode::container,
                               create_mode::persistent_with_ttl};
  for (int i = 0; i < steps; ++i) {
    int64_t zxid = t.last_zxid() + 1;
    int64_t session = 1 + static_cast<int64_t>(next() % 3);
    std::string parent = parents[next() % 4];
    std::string name = (parent == "/" ? "/" : parent + "/") + "n" + std::to_string(next() % 6);
    switch (next() % 7) {
      case 0:
      case 1: {
        auto mode = modes[next() % 5];
        int64_t ttl = tk::is_ttl(mode) ? 100 : tk::no_ttl;
        t.create(name, std::to_string(i), open, mode, ttl, tx(zxid, 1000 + i, session));
        break;
      }
      case 2: t.remove(name, -1, tx(zxid, 1000 + i)); break;
      case 3: t.set_data(name, std::string(next() % 50, 'd'), -1, tx(zxid, 1000 + i)); break;
      case 4:
        t.multi({tk::op::create(name, "m", open), tk::op::check(name, 0),
                 tk::op::set_data(name, "mm", static_cast<int32_t>(next() % 2))},
                tx(zxid, 1000 + i, session));
        break;
      case 5: t.close_session(session, tx(zxid, 1000 + i)); break;
      case 6:
        for (const auto& p : t.containers_and_ttls_to_delete(1000 + i))
          t.remove_container(p, tx(zxid, 1000 + i));
        break;
    }
  }
  // Make sure the parents exist at least once for later steps.
  (void)t.create("/a", "", open, create_mode::persistent, tk::no_ttl, tx(t.last_zxid() + 1));
}

void setup_parents(tk::data_tree& t) {
  t.create("/a", "", open, create_mode::persistent, tk::no_ttl, tx(1));
  t.create("/a/b", "", open, create_mode::persistent, tk::no_ttl, tx(2));
  t.create("/c", "", open, create_mode::container, tk::no_ttl, tx(3));
}

} // namespace

TEST(keeper_snapshot, round_trip_is_exact) {
  tk::data_tree t;
  setup_parents(t);
  workload(t, 42, 400);
  auto alice = tk::digest_id("alice", "pw");
  ASSERT_EQ(t.create("/acl", "z", {{tk::perms::all, "digest", alice}, {1, "ip", "10.0.0.0/8"}},
                     create_mode::persistent, tk::no_ttl, tx(t.last_zxid() + 1))
              .err,
            error::ok);
  ASSERT_EQ(t.create("/a/eph", "", open, create_mode::ephemeral, tk::no_ttl,
                     tx(t.last_zxid() + 1, 1000, 0x77))
              .err,
            error::ok);
  ASSERT_EQ(t.create("/ttl", "", open, create_mode::persistent_with_ttl, 50,
                     tx(t.last_zxid() + 1))
              .err,
            error::ok);
  EXPECT_GT(t.node_count(), 20u); // the workload built a real tree
  auto bytes = t.snapshot();
  tk::data_tree copy;
  ASSERT_EQ(copy.restore(bytes), error::ok);
  EXPECT_EQ(copy.digest(), t.digest());
  EXPECT_EQ(copy.snapshot(), bytes);
  EXPECT_EQ(copy.node_count(), t.node_count());
  EXPECT_EQ(copy.data_bytes(), t.data_bytes());
  EXPECT_EQ(copy.approximate_data_size(), t.approximate_data_size());
  EXPECT_EQ(copy.last_zxid(), t.last_zxid());
  EXPECT_EQ(copy.sessions_with_ephemerals(), t.sessions_with_ephemerals());
  EXPECT_EQ(copy.get_ephemerals(0x77), std::vector<std::string>{"/a/eph"});
  EXPECT_EQ(copy.persisted_stat("/ttl"), t.persisted_stat("/ttl"));
  for (int64_t s : t.sessions_with_ephemerals())
    EXPECT_EQ(copy.get_ephemerals(s), t.get_ephemerals(s));
  EXPECT_EQ(copy.containers_and_ttls_to_delete(1 << 30), t.containers_and_ttls_to_delete(1 << 30));
  EXPECT_EQ(copy.get_acl("/acl", {{"digest", alice}}).acls,
            t.get_acl("/acl", {{"digest", alice}}).acls);
  EXPECT_EQ(copy.exists("/a").st, t.exists("/a").st);
  // Both continue identically, sequence counters included.
  auto n1 = t.create("/a/s-", "", open, create_mode::persistent_sequential, tk::no_ttl,
                     tx(t.last_zxid() + 1));
  auto n2 = copy.create("/a/s-", "", open, create_mode::persistent_sequential, tk::no_ttl,
                        tx(copy.last_zxid() + 1));
  EXPECT_EQ(n1.path, n2.path);
  EXPECT_EQ(t.digest(), copy.digest());
}

TEST(keeper_snapshot, fresh_tree_round_trips) {
  tk::data_tree t;
  tk::data_tree copy;
  ASSERT_EQ(copy.restore(t.snapshot()), error::ok);
  EXPECT_EQ(copy.snapshot(), t.snapshot());
  EXPECT_EQ(copy.exists("/zookeeper/config").st.aversion, -1);
}

TEST(keeper_snapshot, restore_rejects_corruption_and_keeps_the_tree) {
  tk::data_tree t;
  setup_parents(t);
  workload(t, 7, 100);
  auto bytes = t.snapshot();

  tk::data_tree target;
  ASSERT_EQ(target.create("/mine", "keep", open, create_mode::persistent, tk::no_ttl, tx(1)).err,
            error::ok);
  auto target_digest = target.digest();

  EXPECT_EQ(target.restore(""), error::marshalling_error);
  EXPECT_EQ(target.restore("NOTASNAP"), error::marshalling_error);
  EXPECT_EQ(target.restore(bytes.substr(0, bytes.size() - 1)), error::marshalling_error);
  EXPECT_EQ(target.restore(bytes.substr(0, bytes.size() / 2)), error::marshalling_error);
  EXPECT_EQ(target.restore(bytes + "x"), error::marshalling_error);
  // Flip a byte of the last node's pzxid: well formed, wrong digest.
  std::string flipped = bytes;
  flipped[flipped.size() - 9] ^= 0x01;
  EXPECT_EQ(target.restore(flipped), error::data_inconsistency);
  EXPECT_EQ(target.digest(), target_digest);
  EXPECT_EQ(target.get_data("/mine").data, "keep");
}

TEST(keeper_digest, replicas_applying_the_same_writes_agree) {
  tk::data_tree a;
  tk::data_tree b;
  setup_parents(a);
  setup_parents(b);
  workload(a, 99, 500);
  workload(b, 99, 500);
  EXPECT_EQ(a.digest(), b.digest());
  EXPECT_EQ(a.snapshot(), b.snapshot());
  // Any difference shows: data, stat or ACL.
  tk::data_tree c;
  ASSERT_EQ(c.restore(a.snapshot()), error::ok);
  auto zxid = a.last_zxid() + 1;
  a.create("/diff", "1", open, create_mode::persistent, tk::no_ttl, tx(zxid));
  c.create("/diff", "2", open, create_mode::persistent, tk::no_ttl, tx(zxid));
  EXPECT_NE(a.digest(), c.digest());
  tk::data_tree d;
  ASSERT_EQ(d.restore(c.snapshot()), error::ok);
  d.set_data("/diff", "2", -1, tx(zxid + 1)); // same data, new version
  EXPECT_NE(c.digest(), d.digest());
  tk::data_tree e;
  ASSERT_EQ(e.restore(c.snapshot()), error::ok);
  e.set_acl("/diff", tk::read_acl_unsafe(), -1, tx(zxid + 1));
  EXPECT_NE(c.digest(), e.digest());
}
