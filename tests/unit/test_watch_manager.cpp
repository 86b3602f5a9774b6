// Unit tests of Keeper's watch manager, rule by rule, against ZooKeeper 3.8's
// WatchManager/DataTree: one-shot and persistent watches, recursive watches
// on ancestors, one notification per session, removal, and SetWatches'
// reconnect catch-up.
#include "troupe/keeper/watch_manager.hpp"

#include <gtest/gtest.h>

#include <map>
#include <ostream>
#include <string>
#include <vector>

#include "troupe/keeper/data_tree.hpp"

namespace troupe::keeper {
// Readable failure messages: "NodeCreated /a" rather than bytes.
static void PrintTo(const watch_event& e, std::ostream* os) {
  *os << event_type_name(e.type) << ' ' << e.path;
}
} // namespace troupe::keeper

namespace tk = troupe::keeper;
using tk::event_type;
using tk::notification;
using tk::notifications;
using tk::watch_event;
using tk::watch_kind;
using tk::watcher_type;

namespace {

watch_event created(std::string p) { return {event_type::node_created, std::move(p)}; }
watch_event deleted(std::string p) { return {event_type::node_deleted, std::move(p)}; }
watch_event changed(std::string p) { return {event_type::node_data_changed, std::move(p)}; }
watch_event children(std::string p) { return {event_type::node_children_changed, std::move(p)}; }

// The watcher ids a trigger notified, in order.
std::vector<tk::watcher_id> who(const notifications& ns) {
  std::vector<tk::watcher_id> ids;
  for (const auto& n : ns)
    ids.push_back(n.first);
  return ids;
}

using ids = std::vector<tk::watcher_id>;

// A fake tree for catch_up: path -> stat with (mzxid, pzxid).
struct fake_tree {
  std::map<std::string, tk::stat_persisted, std::less<>> nodes;
  void put(const std::string& path, int64_t mzxid, int64_t pzxid) {
    nodes[path] = tk::stat_persisted{1, mzxid, 0, 0, 0, 0, 0, 0, pzxid};
  }
  tk::stat_lookup lookup() const {
    return [this](std::string_view p) -> std::optional<tk::stat_persisted> {
      auto it = nodes.find(p);
      return it == nodes.end() ? std::nullopt : std::optional{it->second};
    };
  }
};

} // namespace

TEST(WatchManager, AddingTheSameWatchTwiceIsOneWatch) {
  tk::watch_manager wm;
  EXPECT_TRUE(wm.add(1, "/a", watch_kind::data));
  EXPECT_FALSE(wm.add(1, "/a", watch_kind::data));
  EXPECT_EQ(wm.watch_count(), 1u);
  EXPECT_TRUE(wm.add(1, "/a", watch_kind::child)); // another kind is another watch
  EXPECT_TRUE(wm.add(2, "/a", watch_kind::data));  // another watcher too
  EXPECT_EQ(wm.watch_count(), 3u);
  EXPECT_EQ(wm.trigger(changed("/a")).size(), 2u); // 1 and 2, once each
}

TEST(WatchManager, DataWatchFiresOnceOnDataChanged) {
  tk::watch_manager wm;
  wm.add(1, "/a", watch_kind::data);
  auto first = wm.trigger(changed("/a"));
  ASSERT_EQ(first.size(), 1u);
  EXPECT_EQ(first[0], (notification{1, changed("/a")}));
  EXPECT_TRUE(wm.trigger(changed("/a")).empty());
  EXPECT_EQ(wm.watch_count(), 0u);
  EXPECT_EQ(wm.path_count(), 0u);
  EXPECT_EQ(wm.watcher_count(), 0u);
}

TEST(WatchManager, ExistWatchFiresOnceOnNodeCreatedLikeData) {
  tk::watch_manager wm;
  wm.add(1, "/a", watch_kind::exist);
  wm.add(2, "/a", watch_kind::data);
  EXPECT_EQ(who(wm.trigger(created("/a"))), (ids{1, 2}));
  EXPECT_TRUE(wm.trigger(created("/a")).empty());
  wm.add(3, "/b", watch_kind::exist);
  EXPECT_EQ(who(wm.trigger(changed("/b"))), (ids{3})); // stored among data watches
}

TEST(WatchManager, NodeDeletedFiresDataExistAndChildWatches) {
  tk::watch_manager wm;
  wm.add(1, "/a", watch_kind::data);
  wm.add(2, "/a", watch_kind::exist);
  wm.add(3, "/a", watch_kind::child);
  auto ns = wm.trigger(deleted("/a"));
  EXPECT_EQ(who(ns), (ids{1, 2, 3}));
  for (const auto& n : ns)
    EXPECT_EQ(n.second, deleted("/a"));
  EXPECT_EQ(wm.watch_count(), 0u);
}

TEST(WatchManager, ChildrenChangedFiresChildWatchesAndNoDataWatches) {
  tk::watch_manager wm;
  wm.add(1, "/a", watch_kind::child);
  wm.add(2, "/a", watch_kind::data);
  wm.add(3, "/a", watch_kind::exist);
  EXPECT_EQ(who(wm.trigger(children("/a"))), (ids{1}));
  EXPECT_TRUE(wm.trigger(children("/a")).empty()); // spent
  EXPECT_EQ(wm.watch_count(), 2u);                 // data and exist untouched
  wm.add(1, "/a", watch_kind::child);
  EXPECT_EQ(who(wm.trigger(changed("/a"))), (ids{2, 3})); // data events skip child
  EXPECT_TRUE(wm.trigger(created("/a")).empty());
  EXPECT_TRUE(wm.has(1, "/a", watch_kind::child));
}

TEST(WatchManager, OneShotWatchesFireOnlyOnTheirExactPath) {
  tk::watch_manager wm;
  wm.add(1, "/a", watch_kind::data);
  wm.add(2, "/a", watch_kind::child);
  wm.add(3, "/a", watch_kind::persistent);
  EXPECT_TRUE(wm.trigger(created("/a/b")).empty());
  EXPECT_TRUE(wm.trigger(deleted("/a/b")).empty());
  EXPECT_TRUE(wm.trigger(changed("/ab")).empty());
  EXPECT_TRUE(wm.trigger(children("/a/b")).empty());
  EXPECT_EQ(wm.watch_count(), 3u);
}

TEST(WatchManager, PersistentWatchFiresEveryEventOnItsPathAndStays) {
  tk::watch_manager wm;
  wm.add(1, "/a", watch_kind::persistent);
  for (int round = 0; round < 2; ++round) {
    EXPECT_EQ(wm.trigger(created("/a")), (notifications{{1, created("/a")}}));
    EXPECT_EQ(wm.trigger(changed("/a")), (notifications{{1, changed("/a")}}));
    EXPECT_EQ(wm.trigger(children("/a")), (notifications{{1, children("/a")}}));
    EXPECT_EQ(wm.trigger(deleted("/a")), (notifications{{1, deleted("/a")}}));
  }
  EXPECT_TRUE(wm.has(1, "/a", watch_kind::persistent));
  EXPECT_EQ(wm.watch_count(), 1u);
}

TEST(WatchManager, RecursiveWatchSeesDescendantsButNotChildrenChanged) {
  tk::watch_manager wm;
  wm.add(1, "/a", watch_kind::persistent_recursive);
  EXPECT_EQ(who(wm.trigger(created("/a"))), (ids{1}));
  EXPECT_EQ(who(wm.trigger(created("/a/b/c"))), (ids{1})); // grandchild
  EXPECT_EQ(who(wm.trigger(changed("/a/b"))), (ids{1}));
  EXPECT_EQ(who(wm.trigger(deleted("/a/b/c"))), (ids{1}));
  EXPECT_TRUE(wm.trigger(children("/a")).empty());
  EXPECT_TRUE(wm.trigger(children("/a/b")).empty());
  EXPECT_TRUE(wm.trigger(created("/ab")).empty()); // a prefix is not an ancestor
  EXPECT_TRUE(wm.trigger(created("/")).empty());
  EXPECT_TRUE(wm.has(1, "/a", watch_kind::persistent_recursive));
}

TEST(WatchManager, RecursiveWatchOnRootSeesEveryNode) {
  tk::watch_manager wm;
  wm.add(7, "/", watch_kind::persistent_recursive);
  EXPECT_EQ(who(wm.trigger(changed("/"))), (ids{7}));
  EXPECT_EQ(who(wm.trigger(created("/x"))), (ids{7}));
  EXPECT_EQ(who(wm.trigger(deleted("/x/y/z"))), (ids{7}));
  EXPECT_TRUE(wm.trigger(children("/")).empty());
}

TEST(WatchManager, OneNotificationPerWatcherPerEvent) {
  tk::watch_manager wm;
  wm.add(1, "/a/b", watch_kind::data);
  wm.add(1, "/a/b", watch_kind::exist);
  wm.add(1, "/a/b", watch_kind::persistent);
  wm.add(1, "/a", watch_kind::persistent_recursive);
  wm.add(1, "/", watch_kind::persistent_recursive);
  EXPECT_EQ(wm.trigger(changed("/a/b")), (notifications{{1, changed("/a/b")}}));
  EXPECT_FALSE(wm.has(1, "/a/b", watch_kind::data)); // the one-shot ones are spent
  EXPECT_FALSE(wm.has(1, "/a/b", watch_kind::exist));
  EXPECT_TRUE(wm.has(1, "/a/b", watch_kind::persistent));
  EXPECT_EQ(wm.watch_count(), 3u);
}

TEST(WatchManager, NodeDeletedNotifiesDataAndChildWatcherOnce) {
  tk::watch_manager wm;
  wm.add(1, "/a", watch_kind::data);
  wm.add(1, "/a", watch_kind::child);
  EXPECT_EQ(wm.trigger(deleted("/a")), (notifications{{1, deleted("/a")}}));
  EXPECT_EQ(wm.watch_count(), 0u);
}

TEST(WatchManager, NotificationsAreSortedByWatcherId) {
  tk::watch_manager wm;
  wm.add(30, "/a/b", watch_kind::data);
  wm.add(-5, "/a", watch_kind::persistent_recursive);
  wm.add(20, "/a/b", watch_kind::persistent);
  wm.add(10, "/a/b", watch_kind::child);
  wm.add(25, "/", watch_kind::persistent_recursive);
  EXPECT_EQ(who(wm.trigger(deleted("/a/b"))), (ids{-5, 10, 20, 25, 30}));
}

TEST(WatchManager, TriggerAllFollowsTheTreesEvents) {
  tk::data_tree tree;
  tk::watch_manager wm;
  wm.add(1, "/", watch_kind::child);
  wm.add(2, "/n", watch_kind::exist);
  wm.add(3, "/", watch_kind::persistent_recursive);
  auto r = tree.create("/n", "x", tk::open_acl_unsafe(), tk::create_mode::persistent, tk::no_ttl,
                       {5, 1000, 0});
  ASSERT_EQ(r.err, tk::error::ok);
  // NodeCreated(/n) to 2 and 3, then NodeChildrenChanged(/) to 1 only.
  EXPECT_EQ(wm.trigger_all(r.events),
            (notifications{{2, created("/n")}, {3, created("/n")}, {1, children("/")}}));
}

TEST(WatchManager, RemoveWatcherDropsOnlyThatWatchersWatches) {
  tk::watch_manager wm;
  wm.add(1, "/a", watch_kind::data);
  wm.add(1, "/b", watch_kind::child);
  wm.add(1, "/", watch_kind::persistent_recursive);
  wm.add(2, "/a", watch_kind::data);
  wm.add(2, "/a", watch_kind::persistent);
  EXPECT_EQ(wm.remove_watcher(1), 3u);
  EXPECT_EQ(wm.remove_watcher(1), 0u);
  EXPECT_EQ(wm.watch_count(), 2u);
  EXPECT_EQ(wm.path_count(), 1u);
  EXPECT_EQ(wm.watcher_count(), 1u);
  EXPECT_EQ(wm.watches_of(1), tk::watch_lists{});
  EXPECT_EQ(who(wm.trigger(changed("/a"))), (ids{2}));
  EXPECT_TRUE(wm.trigger(children("/b")).empty());
}

TEST(WatchManager, RemoveByFilterFollowsWatcherType) {
  tk::watch_manager wm;
  auto all = [&] {
    wm.add(1, "/a", watch_kind::data);
    wm.add(1, "/a", watch_kind::exist);
    wm.add(1, "/a", watch_kind::child);
    wm.add(1, "/a", watch_kind::persistent);
    wm.add(1, "/a", watch_kind::persistent_recursive);
  };
  all();
  EXPECT_FALSE(wm.remove(2, "/a", watcher_type::any)); // other watcher: NoWatcher
  EXPECT_FALSE(wm.remove(1, "/b", watcher_type::any)); // other path
  EXPECT_TRUE(wm.remove(1, "/a", watcher_type::data));
  EXPECT_FALSE(wm.has(1, "/a", watch_kind::data));
  EXPECT_FALSE(wm.has(1, "/a", watch_kind::exist));
  EXPECT_EQ(wm.watch_count(), 3u);
  EXPECT_FALSE(wm.remove(1, "/a", watcher_type::data));
  EXPECT_TRUE(wm.remove(1, "/a", watcher_type::children));
  EXPECT_FALSE(wm.has(1, "/a", watch_kind::child));
  EXPECT_TRUE(wm.remove(1, "/a", watcher_type::persistent));
  EXPECT_FALSE(wm.has(1, "/a", watch_kind::persistent));
  EXPECT_TRUE(wm.has(1, "/a", watch_kind::persistent_recursive));
  EXPECT_TRUE(wm.remove(1, "/a", watcher_type::persistent_recursive));
  EXPECT_EQ(wm.watch_count(), 0u);
  all();
  EXPECT_TRUE(wm.remove(1, "/a", watcher_type::any));
  EXPECT_EQ(wm.watch_count(), 0u);
  EXPECT_EQ(wm.path_count(), 0u);
  EXPECT_EQ(wm.watcher_count(), 0u);
}

TEST(WatchManager, CatchUpDataPath) {
  fake_tree t;
  t.put("/old", 10, 10);
  t.put("/new", 11, 10);
  tk::watch_manager wm;
  tk::watch_lists lists;
  lists.data = {"/gone", "/new", "/old"};
  auto missed = wm.catch_up(1, 10, lists, t.lookup());
  EXPECT_EQ(missed, (tk::watch_events{deleted("/gone"), changed("/new")}));
  EXPECT_EQ(wm.watches_of(1).data, (std::vector<std::string>{"/old"}));
  EXPECT_EQ(wm.watch_count(), 1u);
}

TEST(WatchManager, CatchUpExistPath) {
  fake_tree t;
  t.put("/here", 1, 1);
  tk::watch_manager wm;
  tk::watch_lists lists;
  lists.exist = {"/here", "/absent"};
  EXPECT_EQ(wm.catch_up(1, 99, lists, t.lookup()), (tk::watch_events{created("/here")}));
  EXPECT_EQ(wm.watches_of(1).exist, (std::vector<std::string>{"/absent"}));
  EXPECT_EQ(wm.watch_count(), 1u);
}

TEST(WatchManager, CatchUpChildPath) {
  fake_tree t;
  t.put("/same", 20, 10);    // data changed, children not: child watch stays
  t.put("/changed", 5, 11);
  tk::watch_manager wm;
  tk::watch_lists lists;
  lists.child = {"/same", "/changed", "/gone"};
  EXPECT_EQ(wm.catch_up(1, 10, lists, t.lookup()),
            (tk::watch_events{children("/changed"), deleted("/gone")}));
  EXPECT_EQ(wm.watches_of(1).child, (std::vector<std::string>{"/same"}));
  EXPECT_EQ(wm.watch_count(), 1u);
}

TEST(WatchManager, CatchUpRegistersPersistentWatchesWithoutEvents) {
  fake_tree t; // empty: every path is missing
  tk::watch_manager wm;
  tk::watch_lists lists;
  lists.persistent = {"/p"};
  lists.persistent_recursive = {"/r"};
  EXPECT_TRUE(wm.catch_up(1, 0, lists, t.lookup()).empty());
  EXPECT_EQ(wm.watches_of(1), lists);
  EXPECT_EQ(who(wm.trigger(created("/r/x"))), (ids{1}));
}

TEST(WatchManager, CatchUpOrdersEventsDataThenExistThenChild) {
  fake_tree t;
  t.put("/e", 1, 1);
  t.put("/c", 1, 9);
  tk::watch_manager wm;
  tk::watch_lists lists;
  lists.child = {"/c", "/z"};
  lists.exist = {"/e"};
  lists.data = {"/y", "/x"};
  EXPECT_EQ(wm.catch_up(1, 5, lists, t.lookup()),
            (tk::watch_events{deleted("/y"), deleted("/x"), created("/e"), children("/c"),
                              deleted("/z")}));
  EXPECT_EQ(wm.watch_count(), 0u);
}

TEST(WatchManager, WatchesOfListsEachKindSortedAndMovesASession) {
  tk::watch_manager from;
  from.add(4, "/b", watch_kind::data);
  from.add(4, "/a", watch_kind::data);
  from.add(4, "/m", watch_kind::exist);
  from.add(4, "/c", watch_kind::child);
  from.add(4, "/a", watch_kind::persistent);
  from.add(4, "/", watch_kind::persistent_recursive);
  from.add(5, "/a", watch_kind::data);
  auto lists = from.watches_of(4);
  EXPECT_EQ(lists.data, (std::vector<std::string>{"/a", "/b"}));
  EXPECT_EQ(lists.exist, (std::vector<std::string>{"/m"}));
  EXPECT_EQ(lists.child, (std::vector<std::string>{"/c"}));
  EXPECT_EQ(lists.persistent, (std::vector<std::string>{"/a"}));
  EXPECT_EQ(lists.persistent_recursive, (std::vector<std::string>{"/"}));
  // Re-registered elsewhere against an unchanged tree, the session keeps them.
  fake_tree t;
  for (const char* p : {"/", "/a", "/b", "/c"})
    t.put(p, 3, 3);
  tk::watch_manager to;
  EXPECT_TRUE(to.catch_up(4, 3, lists, t.lookup()).empty());
  EXPECT_EQ(to.watches_of(4), lists);
  EXPECT_EQ(to.watch_count(), 6u);
}

TEST(WatchManager, CountsWatchesPathsAndWatchers) {
  tk::watch_manager wm;
  wm.add(1, "/a", watch_kind::data);
  wm.add(1, "/a", watch_kind::child);
  wm.add(2, "/a", watch_kind::data);
  wm.add(2, "/b", watch_kind::persistent);
  EXPECT_EQ(wm.watch_count(), 4u);
  EXPECT_EQ(wm.path_count(), 2u);
  EXPECT_EQ(wm.watcher_count(), 2u);
  EXPECT_EQ(wm.watchers_of("/a", watch_kind::data), (ids{1, 2}));
  wm.trigger(changed("/a")); // spends both data watches
  EXPECT_EQ(wm.watch_count(), 2u);
  EXPECT_EQ(wm.path_count(), 2u);
  wm.trigger(children("/a"));
  EXPECT_EQ(wm.path_count(), 1u);
  EXPECT_EQ(wm.watcher_count(), 1u);
}

TEST(WatchManager, ManySessionsOnlyTheWatchersOfAPathAreTold) {
  tk::watch_manager wm;
  for (tk::watcher_id s = 0; s < 5000; ++s) {
    wm.add(s, "/s/" + std::to_string(s), watch_kind::data);
    wm.add(s, "/s/" + std::to_string(s % 10), watch_kind::child);
  }
  EXPECT_EQ(wm.watch_count(), 10000u);
  EXPECT_EQ(who(wm.trigger(changed("/s/4321"))), (ids{4321}));
  auto ns = wm.trigger(children("/s/7"));
  EXPECT_EQ(ns.size(), 500u);
  EXPECT_EQ(ns.front().first, 7);
  EXPECT_EQ(ns.back().first, 4997);
  EXPECT_EQ(wm.remove_watcher(17), 1u); // its child watch was just spent
  EXPECT_EQ(wm.watch_count(), 10000u - 1 - 500 - 1);
}
