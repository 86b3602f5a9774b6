#include "client_watches.hpp"

#include <algorithm>

#include "troupe/keeper/errors.hpp"
#include "troupe/keeper/paths.hpp"
#include "troupe/keeper/watch_event.hpp"

namespace troupe::keeper {

void client_watches::add(table& t, const std::string& path, const watch_target& target) {
  if (!target.who)
    return;
  auto& v = t[path];
  if (std::find(v.begin(), v.end(), target) == v.end())
    v.push_back(target);
}

void client_watches::on_answer(const wire::Request& req, int32_t err, const watch_target& target) {
  bool ok = err == 0;
  switch (req.kind_case()) {
    case wire::Request::kGetData:
      if (req.get_data().watch() && ok)
        add(data_, req.get_data().path(), target);
      break;
    case wire::Request::kExists:
      if (req.exists().watch() && ok)
        add(data_, req.exists().path(), target);
      else if (req.exists().watch() && err == static_cast<int32_t>(error::no_node))
        add(exist_, req.exists().path(), target);
      break;
    case wire::Request::kGetChildren:
      if (req.get_children().watch() && ok)
        add(child_, req.get_children().path(), target);
      break;
    case wire::Request::kAddWatch:
      if (ok)
        add(req.add_watch().recursive() ? recursive_ : persistent_, req.add_watch().path(), target);
      break;
    case wire::Request::kRemoveWatches:
      if (ok) {
        auto& path = req.remove_watches().path();
        auto kind = req.remove_watches().kind();
        if (kind == 1 || kind == 3)
          child_.erase(path);
        if (kind == 2 || kind == 3)
          data_.erase(path), exist_.erase(path);
        if (kind == 4 || kind == 3)
          persistent_.erase(path);
        if (kind == 5 || kind == 3)
          recursive_.erase(path);
      }
      break;
    default:
      break;
  }
}

std::vector<client_watches::delivery> client_watches::fire(const wire::WatchEvent& e) {
  std::vector<watch_target> targets;
  auto take = [&](table& t, bool one_shot) {
    auto i = t.find(e.path());
    if (i == t.end())
      return;
    for (auto& x : i->second)
      if (std::find(targets.begin(), targets.end(), x) == targets.end())
        targets.push_back(x);
    if (one_shot)
      t.erase(i);
  };
  auto type = static_cast<event_type>(e.type());
  switch (type) {
    case event_type::node_created:
    case event_type::node_data_changed:
      take(data_, true);
      take(exist_, true);
      break;
    case event_type::node_deleted:
      take(data_, true);
      take(exist_, true);
      take(child_, true);
      break;
    case event_type::node_children_changed:
      take(child_, true);
      break;
  }
  take(persistent_, false);
  if (type != event_type::node_children_changed) {
    // Recursive watches on the path and every ancestor.
    std::string p = e.path();
    while (!p.empty()) {
      if (auto i = recursive_.find(p); i != recursive_.end())
        for (auto& x : i->second)
          if (std::find(targets.begin(), targets.end(), x) == targets.end())
            targets.push_back(x);
      p = std::string{parent_path(p)};
    }
  }
  std::vector<delivery> out;
  for (auto& t : targets)
    out.emplace_back(t.who, t.tag, e);
  return out;
}

void client_watches::fill(wire::ConnectRequest& req) const {
  for (auto& [p, v] : data_)
    req.add_data_watches(p);
  for (auto& [p, v] : exist_)
    req.add_exist_watches(p);
  for (auto& [p, v] : child_)
    req.add_child_watches(p);
  for (auto& [p, v] : persistent_)
    req.add_persistent_watches(p);
  for (auto& [p, v] : recursive_)
    req.add_recursive_watches(p);
}

size_t client_watches::size() const {
  size_t n = 0;
  for (auto* t : {&data_, &exist_, &child_, &persistent_, &recursive_})
    for (auto& [p, v] : *t)
      n += v.size();
  return n;
}

} // namespace troupe::keeper
