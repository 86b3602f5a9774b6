// What a follower reports on (status) — the "follower" object of the /log
// and /keeper pages — written and read in one place, like leader_status.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace troupe::rlog {

struct follower_status {
  std::string group;
  std::string follower; // its name in the group
  uint64_t applied = 0;
  uint64_t epoch = 0;
  std::string leader_node; // empty: none known
};

/// A JSON object: {"group", "follower", "applied", "epoch", "leader"} with
/// "leader" the leader's node name, or null while none is known.
std::string to_json(const follower_status& s);

/// The follower status in `json`: the object to_json writes, or a page that
/// carries one as its "follower" member. nullopt if there is none.
std::optional<follower_status> parse_follower_status(const std::string& json);

} // namespace troupe::rlog
