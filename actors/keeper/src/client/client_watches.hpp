// The client's side of watches (ZooKeeper's ZKWatchManager): which local
// actors wait for which events, registered when a request that asked for a
// watch is answered, removed when a one-shot watch fires, and listed again
// for the member a session moves to (SetWatches).
#pragma once

#include <map>
#include <string>
#include <tuple>
#include <vector>

#include "caf/actor.hpp"

#include "troupe/messages/wire.hpp"

namespace troupe::keeper {

struct watch_target {
  caf::actor who;
  uint64_t tag = 0;
  friend bool operator==(const watch_target& a, const watch_target& b) {
    return a.who == b.who && a.tag == b.tag;
  }
};

class client_watches {
public:
  using delivery = std::tuple<caf::actor, uint64_t, wire::WatchEvent>;

  /// Registers the watch `req` asked for, given its answer's error code.
  void on_answer(const wire::Request& req, int32_t err, const watch_target& target);
  /// Who gets `e` (each target once); one-shot registrations it fires go.
  std::vector<delivery> fire(const wire::WatchEvent& e);
  /// The paths to re-register on another member.
  void fill(wire::ConnectRequest& req) const;
  size_t size() const;

private:
  using table = std::map<std::string, std::vector<watch_target>>;
  static void add(table& t, const std::string& path, const watch_target& target);
  table data_, exist_, child_, persistent_, recursive_;
};

} // namespace troupe::keeper
