// Keeper's server-side watch manager (see watch_manager.hpp for the rules).
//
// Two indexes kept in step: path -> kind -> watchers, which trigger() reads
// (the event's path, plus each ancestor for recursive watches: O(depth) map
// lookups), and watcher -> (path, kind), so dropping a session costs in
// proportion to its own watches, not to everyone's.
#include "troupe/keeper/watch_manager.hpp"

namespace troupe::keeper {

namespace {

constexpr std::size_t index_of(watch_kind k) { return static_cast<std::size_t>(k); }

// The kinds removeWatches with that filter removes.
std::vector<watch_kind> kinds_for(watcher_type filter) {
  switch (filter) {
    case watcher_type::children: return {watch_kind::child};
    case watcher_type::data: return {watch_kind::data, watch_kind::exist};
    case watcher_type::persistent: return {watch_kind::persistent};
    case watcher_type::persistent_recursive: return {watch_kind::persistent_recursive};
    case watcher_type::any:
      return {watch_kind::data, watch_kind::exist, watch_kind::child, watch_kind::persistent,
              watch_kind::persistent_recursive};
  }
  return {};
}

// "/a/b" -> "/a", "/a" -> "/"; false for the root (it has no parent).
bool to_parent(std::string_view& path) {
  if (path.size() <= 1)
    return false;
  auto slash = path.rfind('/');
  if (slash == std::string_view::npos)
    return false;
  path = slash == 0 ? std::string_view{"/"} : path.substr(0, slash);
  return true;
}

} // namespace

const char* watch_kind_name(watch_kind k) {
  switch (k) {
    case watch_kind::data: return "data";
    case watch_kind::exist: return "exist";
    case watch_kind::child: return "child";
    case watch_kind::persistent: return "persistent";
    case watch_kind::persistent_recursive: return "persistent_recursive";
  }
  return "unknown";
}

bool watch_manager::path_watches::empty() const {
  for (const auto& watchers : by_kind)
    if (!watchers.empty())
      return false;
  return true;
}

bool watch_manager::add(watcher_id watcher, const std::string& path, watch_kind kind) {
  auto it = by_path_.find(path);
  if (it == by_path_.end())
    it = by_path_.emplace(path, path_watches{}).first;
  if (!it->second.by_kind[index_of(kind)].insert(watcher).second)
    return false;
  by_watcher_[watcher].emplace(path, kind);
  ++watch_count_;
  return true;
}

notifications watch_manager::trigger(const watch_event& event) {
  watcher_set notified;
  // Recursive watches on the path and every ancestor; ZooKeeper keeps them
  // in dataWatches only, so NodeChildrenChanged never reaches them.
  if (event.type != event_type::node_children_changed) {
    std::string_view path = event.path;
    do {
      auto it = by_path_.find(path);
      if (it != by_path_.end()) {
        const auto& recursive = it->second.by_kind[index_of(watch_kind::persistent_recursive)];
        notified.insert(recursive.begin(), recursive.end());
      }
    } while (to_parent(path));
  }
  // Watches on exactly the path.
  auto at = by_path_.find(event.path);
  if (at != by_path_.end()) {
    bool data_event = event.type != event_type::node_children_changed;
    bool child_event = event.type == event_type::node_children_changed
                       || event.type == event_type::node_deleted;
    if (data_event) {
      fire(at, watch_kind::data, true, notified);
      fire(at, watch_kind::exist, true, notified);
    }
    if (child_event)
      fire(at, watch_kind::child, true, notified);
    fire(at, watch_kind::persistent, false, notified);
    drop_path_if_empty(at);
  }
  notifications out;
  out.reserve(notified.size());
  for (auto watcher : notified)
    out.emplace_back(watcher, event);
  return out;
}

notifications watch_manager::trigger_all(const watch_events& events) {
  notifications out;
  for (const auto& event : events) {
    auto some = trigger(event);
    out.insert(out.end(), std::make_move_iterator(some.begin()),
               std::make_move_iterator(some.end()));
  }
  return out;
}

void watch_manager::fire(path_map::iterator it, watch_kind kind, bool one_shot,
                         watcher_set& notified) {
  auto& watchers = it->second.by_kind[index_of(kind)];
  notified.insert(watchers.begin(), watchers.end());
  if (!one_shot)
    return;
  for (auto watcher : watchers) {
    auto own = by_watcher_.find(watcher);
    own->second.erase(watch_key{it->first, kind});
    if (own->second.empty())
      by_watcher_.erase(own);
  }
  watch_count_ -= watchers.size();
  watchers.clear();
}

std::size_t watch_manager::remove_watcher(watcher_id watcher) {
  auto own = by_watcher_.find(watcher);
  if (own == by_watcher_.end())
    return 0;
  std::size_t dropped = own->second.size();
  for (const auto& [path, kind] : own->second) {
    auto it = by_path_.find(path);
    it->second.by_kind[index_of(kind)].erase(watcher);
    drop_path_if_empty(it);
  }
  by_watcher_.erase(own);
  watch_count_ -= dropped;
  return dropped;
}

bool watch_manager::remove(watcher_id watcher, const std::string& path, watcher_type filter) {
  bool removed = false;
  for (auto kind : kinds_for(filter))
    removed = erase(watcher, path, kind) || removed;
  return removed;
}

bool watch_manager::erase(watcher_id watcher, const std::string& path, watch_kind kind) {
  auto it = by_path_.find(path);
  if (it == by_path_.end() || it->second.by_kind[index_of(kind)].erase(watcher) == 0)
    return false;
  drop_path_if_empty(it);
  auto own = by_watcher_.find(watcher);
  own->second.erase(watch_key{path, kind});
  if (own->second.empty())
    by_watcher_.erase(own);
  --watch_count_;
  return true;
}

void watch_manager::drop_path_if_empty(path_map::iterator it) {
  if (it->second.empty())
    by_path_.erase(it);
}

watch_events watch_manager::catch_up(watcher_id watcher, int64_t relative_zxid,
                                     const watch_lists& lists, const stat_lookup& lookup) {
  watch_events missed;
  for (const auto& path : lists.data) {
    auto st = lookup(path);
    if (!st)
      missed.push_back({event_type::node_deleted, path});
    else if (st->mzxid > relative_zxid)
      missed.push_back({event_type::node_data_changed, path});
    else
      add(watcher, path, watch_kind::data);
  }
  for (const auto& path : lists.exist) {
    if (lookup(path))
      missed.push_back({event_type::node_created, path});
    else
      add(watcher, path, watch_kind::exist);
  }
  for (const auto& path : lists.child) {
    auto st = lookup(path);
    if (!st)
      missed.push_back({event_type::node_deleted, path});
    else if (st->pzxid > relative_zxid)
      missed.push_back({event_type::node_children_changed, path});
    else
      add(watcher, path, watch_kind::child);
  }
  for (const auto& path : lists.persistent)
    add(watcher, path, watch_kind::persistent);
  for (const auto& path : lists.persistent_recursive)
    add(watcher, path, watch_kind::persistent_recursive);
  return missed;
}

bool watch_manager::has(watcher_id watcher, const std::string& path, watch_kind kind) const {
  auto it = by_path_.find(path);
  return it != by_path_.end() && it->second.by_kind[index_of(kind)].count(watcher) > 0;
}

watch_lists watch_manager::watches_of(watcher_id watcher) const {
  watch_lists lists;
  auto own = by_watcher_.find(watcher);
  if (own == by_watcher_.end())
    return lists;
  // Keys are ordered by path first, so each list comes out sorted.
  for (const auto& [path, kind] : own->second) {
    switch (kind) {
      case watch_kind::data: lists.data.push_back(path); break;
      case watch_kind::exist: lists.exist.push_back(path); break;
      case watch_kind::child: lists.child.push_back(path); break;
      case watch_kind::persistent: lists.persistent.push_back(path); break;
      case watch_kind::persistent_recursive: lists.persistent_recursive.push_back(path); break;
    }
  }
  return lists;
}

std::vector<watcher_id> watch_manager::watchers_of(const std::string& path,
                                                   watch_kind kind) const {
  auto it = by_path_.find(path);
  if (it == by_path_.end())
    return {};
  const auto& watchers = it->second.by_kind[index_of(kind)];
  return {watchers.begin(), watchers.end()};
}

} // namespace troupe::keeper
