// The watch events a mutation triggers. The tree does not keep watches (that
// is the session layer's job); it reports, for each applied change, which
// events ZooKeeper would fire and in which order, so the layer above can
// deliver them to whoever watches those paths.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace troupe::keeper {

// Values are ZooKeeper's Watcher.Event.EventType codes.
enum class event_type : int32_t {
  node_created = 1,          // data/exists watches on the path
  node_deleted = 2,          // data/exists and child watches on the path
  node_data_changed = 3,     // data/exists watches on the path
  node_children_changed = 4, // child watches on the (parent) path
};

const char* event_type_name(event_type t); // "NodeCreated", ...

struct watch_event {
  event_type type;
  std::string path;

  friend bool operator==(const watch_event& a, const watch_event& b) {
    return a.type == b.type && a.path == b.path;
  }
  friend bool operator!=(const watch_event& a, const watch_event& b) { return !(a == b); }
};

using watch_events = std::vector<watch_event>;

} // namespace troupe::keeper
