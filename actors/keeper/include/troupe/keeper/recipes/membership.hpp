// Group membership (ZooKeeper's classic use of ephemeral nodes, as Curator's
// GroupMember): a member is the ephemeral node PATH/NAME holding its data,
// so it leaves the group by itself when its session closes or expires.
// watch(f) calls f with the current member names and again after every
// change: a children watch on PATH, re-armed after each firing by the
// group's own thread (never on the client's event thread), which also calls
// f; changes in quick succession may arrive as one call (f always sees the
// latest list). A session that ends makes the calls throw
// keeper_error(session_expired) and stops the watching.
//
// PATH's missing parts are created as containers. Destroy the object before
// its client, and not from its own callback.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace troupe::keeper {
class client;
}

namespace troupe::keeper::recipes {

class group_membership {
public:
  using listener = std::function<void(const std::vector<std::string>& members)>;

  group_membership(client& c, std::string path);
  ~group_membership(); // stops watching; joined members stay (until leave or the session ends)
  group_membership(const group_membership&) = delete;
  group_membership& operator=(const group_membership&) = delete;

  /// Joins as `member` with `data`. Throws keeper_error(node_exists) if
  /// another session already is that member; joining again with the same
  /// session just updates the data.
  void join(const std::string& member, const std::string& data = "");
  /// Leaves (deletes this session's node; nothing if not a member).
  void leave(const std::string& member);
  /// The members' names, sorted.
  std::vector<std::string> members();
  /// A member's data (nullopt if no such member).
  std::optional<std::string> data(const std::string& member);
  /// Calls f(members) with the current members and again after every
  /// change, from the group's own thread (so the first call may come just
  /// after watch returns). Replaces any earlier listener.
  void watch(listener f);
  /// Stops calling the listener.
  void unwatch();

private:
  struct watching;
  std::string node(const std::string& member) const;

  client& c_;
  std::string path_;
  std::unique_ptr<watching> watching_;
};

} // namespace troupe::keeper::recipes
