// Keeper's server-side watch manager: who is told about each watch event.
//
// The data tree reports, per applied write, the events ZooKeeper would fire
// (watch_event.hpp); this class holds the watches sessions registered and
// decides which sessions get each event, following ZooKeeper 3.8's
// WatchManager + DataTree (addWatch, setWatches, removeWatches). It is a pure,
// deterministic value: no clocks, no I/O, ordered containers only, so every
// replica delivering the same events in the same order notifies the same
// sessions in the same order.
//
// Rules (ZooKeeper's, per event on path p):
//   NodeCreated(p), NodeDataChanged(p): data/exist watches on p (one-shot,
//     removed), persistent on p, persistent_recursive on p or an ancestor;
//   NodeDeleted(p): as above plus child watches on p (removed);
//   NodeChildrenChanged(p): child watches on p (removed), persistent on p;
//     never recursive watches (ZooKeeper keeps those out of childWatches).
// A session is notified at most once per event, however many of its watches
// match. Persistent and recursive watches survive their triggers.
//
// Where Keeper differs from ZooKeeper 3.8: watches of different kinds on the
// same (session, path) are independent (3.8 keeps one mode per session and
// path, so a getData watch would demote an existing persistent watch; fixed
// in 3.9 by ZOOKEEPER-4466), and removal filters follow 3.9's WatcherType.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "troupe/keeper/stat.hpp"
#include "troupe/keeper/watch_event.hpp"

namespace troupe::keeper {

using watcher_id = int64_t; // a session id

enum class watch_kind : uint8_t {
  data,                 // getData, or exists on an existing node (one-shot)
  exist,                // exists on a missing node (one-shot; fires as data)
  child,                // getChildren (one-shot)
  persistent,           // addWatch PERSISTENT: data and child events on the path
  persistent_recursive, // addWatch PERSISTENT_RECURSIVE: data events on the subtree
};
inline constexpr std::size_t watch_kind_count = 5;

const char* watch_kind_name(watch_kind k); // "data", "exist", ...

// removeWatches' filter; values are ZooKeeper's WatcherType codes.
enum class watcher_type : int32_t {
  children = 1,             // child watches
  data = 2,                 // data and exist watches
  any = 3,                  // every kind
  persistent = 4,           // persistent watches
  persistent_recursive = 5, // persistent recursive watches
};

// One session's watches, per kind, each list sorted by path. The field order
// is ZooKeeper's SetWatches2 order, so it doubles as catch_up's input.
struct watch_lists {
  std::vector<std::string> data;
  std::vector<std::string> exist;
  std::vector<std::string> child;
  std::vector<std::string> persistent;
  std::vector<std::string> persistent_recursive;

  friend bool operator==(const watch_lists& a, const watch_lists& b) {
    return a.data == b.data && a.exist == b.exist && a.child == b.child
           && a.persistent == b.persistent && a.persistent_recursive == b.persistent_recursive;
  }
  friend bool operator!=(const watch_lists& a, const watch_lists& b) { return !(a == b); }
};

// An event to deliver to one session.
using notification = std::pair<watcher_id, watch_event>;
using notifications = std::vector<notification>;

// The node's persisted stat, or nullopt if it does not exist; for a
// data_tree t: [&t](std::string_view p) { return t.persisted_stat(p); }.
using stat_lookup = std::function<std::optional<stat_persisted>(std::string_view)>;

class watch_manager {
public:
  // Registers a watch; false if that exact (watcher, path, kind) was already
  // there (one-shot and persistent watches are sets: adding twice is one).
  bool add(watcher_id watcher, const std::string& path, watch_kind kind);

  // The sessions to notify of `event`, sorted by watcher id, one entry per
  // session; removes the one-shot watches it fires.
  notifications trigger(const watch_event& event);
  // trigger() for each event in order, results concatenated.
  notifications trigger_all(const watch_events& events);

  // Drops every watch of the session (closed, expired or moved away).
  // Returns how many watches were dropped.
  std::size_t remove_watcher(watcher_id watcher);

  // ZooKeeper's removeWatches for one session and path; true if any watch
  // matching the filter was removed (ZooKeeper answers NoWatcher otherwise).
  bool remove(watcher_id watcher, const std::string& path, watcher_type filter);

  // ZooKeeper's SetWatches on reconnect: for watches the client held while
  // it last saw relative_zxid, returns the events it missed (in
  // DataTree.setWatches' order: data, exist, then child lists, each in the
  // order given; not deduplicated, as ZooKeeper) and registers the rest:
  //   data:  missing -> NodeDeleted; mzxid > relative_zxid -> NodeDataChanged;
  //   exist: present -> NodeCreated;
  //   child: missing -> NodeDeleted; pzxid > relative_zxid -> NodeChildrenChanged;
  //   persistent, persistent_recursive: registered, never an event.
  watch_events catch_up(watcher_id watcher, int64_t relative_zxid, const watch_lists& lists,
                        const stat_lookup& lookup);

  // --- Introspection (for /status, session moves and tests). ---

  std::size_t watch_count() const { return watch_count_; }   // all kinds
  std::size_t path_count() const { return by_path_.size(); } // distinct watched paths
  std::size_t watcher_count() const { return by_watcher_.size(); }
  bool has(watcher_id watcher, const std::string& path, watch_kind kind) const;
  watch_lists watches_of(watcher_id watcher) const;
  // Watchers holding a watch of that kind on exactly that path, sorted.
  std::vector<watcher_id> watchers_of(const std::string& path, watch_kind kind) const;

private:
  using watcher_set = std::set<watcher_id>;
  // The watchers on one path, one set per watch_kind.
  struct path_watches {
    std::array<watcher_set, watch_kind_count> by_kind;
    bool empty() const;
  };
  using path_map = std::map<std::string, path_watches, std::less<>>;
  using watch_key = std::pair<std::string, watch_kind>; // (path, kind)

  // Notifies every watcher of `kind` on the path at `it`; removes them too if
  // `one_shot`.
  void fire(path_map::iterator it, watch_kind kind, bool one_shot, watcher_set& notified);
  // Removes one watch; false if it was not there.
  bool erase(watcher_id watcher, const std::string& path, watch_kind kind);
  void drop_path_if_empty(path_map::iterator it);

  path_map by_path_;                                 // path -> kind -> watchers
  std::map<watcher_id, std::set<watch_key>> by_watcher_; // watcher -> (path, kind)
  std::size_t watch_count_ = 0;
};

} // namespace troupe::keeper
