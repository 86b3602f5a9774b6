// What a leader role reports on (status) — the text of /status and /keeper —
// written and read in one place, so tools and tests that watch replication
// (is a restarted member caught up?) do not each parse it their own way.
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

/// "group G member M role R epoch E leader L[ commit C last X]\n" then, when
/// leading, "acceptor ID match N next N inflight N reachable|unreachable\n"
/// per acceptor and "followers N\n".
std::string to_text(const leader_status& s);

/// The first leader status found in `text` (other lines may surround it);
/// nullopt if there is none.
std::optional<leader_status> parse_leader_status(const std::string& text);

/// How far the furthest-behind acceptor is from the leader's last index
/// (last - match), if `s` leads; nullopt otherwise.
std::optional<uint64_t> max_acceptor_lag(const leader_status& s);

} // namespace troupe::rlog
