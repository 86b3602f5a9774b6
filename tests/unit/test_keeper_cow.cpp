// Unit tests of copy-on-write snapshots: cow_map against std::map, and a
// data_tree (and keeper_machine) image that must not change while the live
// state goes on, whose bytes equal a snapshot taken at capture time.
#include "troupe/keeper/cow_map.hpp"
#include "troupe/keeper/data_tree.hpp"
#include "troupe/keeper/keeper_machine.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <map>
#include <string>
#include <thread>
#include <vector>

namespace tk = troupe::keeper;
using tk::create_mode;
using tk::error;

namespace {

uint64_t xorshift(uint64_t& x) {
  x ^= x << 13;
  x ^= x >> 7;
  x ^= x << 17;
  return x;
}

using ref_map = std::map<std::string, int>;

ref_map contents(const tk::cow_map<int>& m) {
  ref_map out;
  m.for_each([&](const std::string& k, int v) { out.emplace(k, v); });
  return out;
}

ref_map contents(const tk::cow_map<int>::frozen& m) {
  ref_map out;
  m.for_each([&](const std::string& k, int v) { out.emplace(k, v); });
  return out;
}

// Random inserts, updates and erases on both maps.
void churn(tk::cow_map<int>& m, ref_map& ref, uint64_t seed, int steps) {
  uint64_t x = seed;
  for (int i = 0; i < steps; ++i) {
    auto key = "k" + std::to_string(xorshift(x) % 3000);
    switch (xorshift(x) % 3) {
      case 0:
        EXPECT_EQ(m.emplace(key, i), ref.emplace(key, i).second);
        break;
      case 1:
        if (auto it = m.find(key); it != m.end()) {
          m.mutate(it) = -i;
          ref[key] = -i;
        }
        break;
      case 2:
        if (auto it = m.find(key); it != m.end()) {
          EXPECT_EQ(m.extract(it), ref[key]);
          ref.erase(key);
        }
        break;
    }
  }
}

} // namespace

TEST(cow_map, behaves_as_an_ordered_map) {
  tk::cow_map<int> m;
  ref_map ref;
  churn(m, ref, 1, 20000);
  ASSERT_GT(m.leaf_count(), 3u); // several leaves, so splits and drops ran
  EXPECT_EQ(m.size(), ref.size());
  EXPECT_EQ(contents(m), ref);
  // Iteration is in key order; lower_bound and find agree with std::map.
  auto r = ref.begin();
  for (auto it = m.begin(); it != m.end(); ++it, ++r)
    EXPECT_EQ(it->first, r->first);
  for (std::string probe : {"", "k1", "k15", "k2999", "k3", "z"}) {
    auto lb = m.lower_bound(probe);
    auto rlb = ref.lower_bound(probe);
    ASSERT_EQ(lb == m.end(), rlb == ref.end()) << probe;
    if (rlb != ref.end()) {
      EXPECT_EQ(lb->first, rlb->first) << probe;
    }
    EXPECT_EQ(m.find(probe) != m.end(), ref.count(probe) > 0) << probe;
  }
}

TEST(cow_map, a_frozen_view_keeps_its_contents_and_shares_the_rest) {
  tk::cow_map<int> m;
  ref_map ref;
  churn(m, ref, 2, 8000);
  auto frozen = m.freeze();
  auto at_freeze = ref;
  EXPECT_EQ(m.shared_leaves(), m.leaf_count()); // nothing copied yet
  // One write copies one leaf only.
  m.mutate(m.begin()) = 12345;
  ref.begin()->second = 12345;
  EXPECT_EQ(m.shared_leaves(), m.leaf_count() - 1);
  churn(m, ref, 3, 8000);
  EXPECT_EQ(contents(frozen), at_freeze);
  EXPECT_EQ(frozen.size(), at_freeze.size());
  EXPECT_EQ(contents(m), ref);
  // Dropping the view leaves the map the sole owner of every leaf.
  frozen = {};
  EXPECT_EQ(m.shared_leaves(), 0u);
  // A copy is a second live map: writes to either do not show in the other.
  auto copy = m;
  copy.mutate(copy.begin()) = -1;
  EXPECT_EQ(contents(m), ref);
  EXPECT_NE(contents(copy), ref);
}

namespace {

tk::txn_context tx(int64_t zxid, int64_t time_ms = 1000, int64_t session = 0) {
  return {zxid, time_ms, session};
}

const tk::acl_list open = tk::open_acl_unsafe();

// A tree of a few thousand nodes (many leaves of the node map): /d<i>/n<j>,
// with ephemerals of sessions 1..3, sequentials, containers and TTL nodes.
void build(tk::data_tree& t) {
  int64_t zxid = t.last_zxid();
  for (int i = 0; i < 20; ++i) {
    auto dir = "/d" + std::to_string(i);
    t.create(dir, "dir", open, i % 5 == 4 ? create_mode::container : create_mode::persistent,
             tk::no_ttl, tx(++zxid));
    for (int j = 0; j < 150; ++j) {
      auto mode = j % 10 == 0 ? create_mode::ephemeral
                  : j % 10 == 1 ? create_mode::persistent_sequential
                  : j % 10 == 2 ? create_mode::persistent_with_ttl
                                : create_mode::persistent;
      t.create(dir + "/n" + std::to_string(j), std::string(j % 40, 'x'), open, mode,
               tk::is_ttl(mode) ? 100 : tk::no_ttl, tx(++zxid, 1000 + j, 1 + j % 3));
    }
  }
}

// Every kind of write, spread over the whole tree.
void later_writes(tk::data_tree& t, uint64_t seed, int steps) {
  uint64_t x = seed;
  for (int i = 0; i < steps; ++i) {
    int64_t zxid = t.last_zxid() + 1;
    auto dir = "/d" + std::to_string(xorshift(x) % 20);
    auto name = dir + "/n" + std::to_string(xorshift(x) % 160);
    switch (xorshift(x) % 7) {
      case 0: t.create(name, "new", open, create_mode::persistent, tk::no_ttl, tx(zxid)); break;
      case 1: t.remove(name, -1, tx(zxid)); break;
      case 2: t.set_data(name, "changed" + std::to_string(i), -1, tx(zxid)); break;
      case 3: t.set_acl(name, tk::read_acl_unsafe(), -1, tx(zxid)); break;
      case 4:
        t.multi({tk::op::create(name + "m", "m", open), tk::op::set_data(name, "mm", -1)},
                tx(zxid, 2000, 2));
        break;
      case 5:
        t.create(name + "e", "", open, create_mode::ephemeral, tk::no_ttl, tx(zxid, 2000, 7));
        break;
      case 6: t.close_session(1 + static_cast<int64_t>(xorshift(x) % 3), tx(zxid, 3000)); break;
    }
  }
}

} // namespace

TEST(keeper_cow, an_image_does_not_change_with_the_live_tree) {
  tk::data_tree t;
  build(t);
  ASSERT_GT(t.node_count(), 3000u);
  auto at_capture = t.snapshot();
  auto digest_at_capture = t.digest();
  auto nodes_at_capture = t.node_count();
  auto image = t.capture();
  later_writes(t, 5, 3000);
  t.close_session(1, tx(t.last_zxid() + 1)); // ephemerals go too
  ASSERT_NE(t.digest(), digest_at_capture);  // the live tree did change
  EXPECT_EQ(image.node_count(), nodes_at_capture);
  EXPECT_EQ(image.digest(), digest_at_capture);
  EXPECT_EQ(image.serialize(), at_capture);
  // The image restores to the tree as it was; the live tree still round-trips.
  tk::data_tree restored;
  ASSERT_EQ(restored.restore(image.serialize()), error::ok);
  EXPECT_EQ(restored.digest(), digest_at_capture);
  EXPECT_EQ(restored.snapshot(), at_capture);
  tk::data_tree live_copy;
  ASSERT_EQ(live_copy.restore(t.snapshot()), error::ok);
  EXPECT_EQ(live_copy.digest(), t.digest());
  EXPECT_EQ(live_copy.sessions_with_ephemerals(), t.sessions_with_ephemerals());
  EXPECT_EQ(live_copy.get_children("/d3").children, t.get_children("/d3").children);
  EXPECT_EQ(live_copy.exists("/d3").st, t.exists("/d3").st);
}

TEST(keeper_cow, an_image_serializes_on_another_thread_while_the_tree_changes) {
  tk::data_tree t;
  build(t);
  auto at_capture = t.snapshot();
  auto image = t.capture();
  std::string written;
  std::thread writer([&] { written = image.serialize(); });
  later_writes(t, 9, 5000);
  writer.join();
  EXPECT_EQ(written, at_capture);
}

TEST(keeper_cow, writes_after_a_capture_keep_the_tree_correct) {
  // The same writes on a tree with a live image and on one without give the
  // same tree: copy-on-write changes nothing visible.
  tk::data_tree a;
  tk::data_tree b;
  build(a);
  build(b);
  auto image = a.capture();
  later_writes(a, 11, 4000);
  later_writes(b, 11, 4000);
  EXPECT_EQ(a.digest(), b.digest());
  EXPECT_EQ(a.snapshot(), b.snapshot());
  EXPECT_EQ(a.get_all_children_number("/").count, b.get_all_children_number("/").count);
  EXPECT_EQ(a.get_children("/d7").children, b.get_children("/d7").children);
  EXPECT_EQ(a.containers_and_ttls_to_delete(1 << 30), b.containers_and_ttls_to_delete(1 << 30));
}

TEST(keeper_cow, a_machine_image_keeps_the_session_table_of_its_capture) {
  tk::keeper_machine m;
  troupe::wire::KeeperTxn open_session;
  open_session.mutable_create_session()->set_timeout_ms(5000);
  int64_t zxid = 0;
  m.apply(open_session, ++zxid);
  m.apply(open_session, ++zxid);
  auto at_capture = m.snapshot();
  auto image = m.capture();
  m.apply(open_session, ++zxid);
  troupe::wire::KeeperTxn close;
  close.mutable_close_session()->set_session_id(m.sessions().begin()->first);
  m.apply(close, ++zxid);
  ASSERT_NE(m.snapshot(), at_capture);
  EXPECT_EQ(image.serialize(), at_capture);
  tk::keeper_machine restored;
  ASSERT_TRUE(restored.restore(image.serialize()));
  EXPECT_EQ(restored.sessions().size(), 2u);
}
