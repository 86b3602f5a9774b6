// What a leader role reports on (status) — the "log" object of the /log and
// /keeper pages — written and read in one place, so tools and tests that
// watch replication (is a restarted member caught up?) do not each parse it
// their own way.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "troupe/log/acceptor_core.hpp" // member_id

namespace troupe::rlog {

struct leader_status {
  std::string group;
  member_id self = 0;
  std::string role;     // leader | candidate | follower
  uint64_t epoch = 0;
  member_id leader = 0; // 0: none known
  // Only while leading:
  uint64_t commit = 0;
  uint64_t last = 0;
  struct acceptor {
    member_id id = 0;
    uint64_t match = 0;
    uint64_t next = 0;
    uint64_t inflight = 0;
    bool reachable = false;
  };
  std::vector<acceptor> acceptors;
  uint64_t followers = 0;
};

/// A JSON object: {"group", "self", "role", "epoch", "leader"} and, when
/// leading, "commit", "last", "acceptors": [{"id", "match", "next",
/// "inflight", "reachable"}] and "followers".
std::string to_json(const leader_status& s);

/// The leader status in `json`: the object to_json writes, or a page that
/// carries one as its "log" member (/log, /keeper). nullopt if there is none
/// or `json` is not JSON.
std::optional<leader_status> parse_leader_status(const std::string& json);

/// How far the furthest-behind acceptor is from the leader's last index
/// (last - match), if `s` leads; nullopt otherwise.
std::optional<uint64_t> max_acceptor_lag(const leader_status& s);

} // namespace troupe::rlog
