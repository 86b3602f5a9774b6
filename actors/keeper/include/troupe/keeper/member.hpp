// A Keeper member: one node's share of a Keeper ensemble. It runs the
// replicated log's member roles (acceptor, leader), a log follower holding
// the replica of the tree (keeper_replica), the session tracker (active on
// the log's leader: expires sessions, deletes empty containers and expired
// TTL nodes through the log) and the front door ("keeper.server") that
// clients connect to; it spawns one session actor per client session.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>

#include "caf/actor.hpp"
#include "caf/fwd.hpp"

#include "troupe/keeper/data_tree.hpp"
#include "troupe/keeper/session_ids.hpp"
#include "troupe/log/replicated_log.hpp"

namespace troupe::keeper {

struct member_config {
  rlog::group_config log;                 // the ensemble's log group
  std::chrono::milliseconds min_session_timeout{1000};
  std::chrono::milliseconds max_session_timeout{60000};
  std::chrono::milliseconds container_check_interval{1000};
  tree_config tree;
  /// Wall-clock milliseconds for ctime/mtime and TTLs. Default: the system
  /// clock; simulations pass virtual time.
  std::function<int64_t()> wall_clock_ms;
  /// Where session ids and passwords come from. Default (empty): the OS's
  /// CSPRNG (os_random_source); simulations pass a generator seeded from
  /// the node's seed() so that runs replay.
  random_source random;
  /// ZooKeeper's superDigest: a client that authenticates (addAuth digest)
  /// as this digest id ("user:" + base64(sha1("user:password"))) passes
  /// every ACL check. Empty: no super user.
  std::string super_digest;
};

/// The OS's CSPRNG (getrandom(2)). Throws std::system_error if the kernel
/// cannot provide randomness.
random_source os_random_source();

/// Role names in the directory.
inline const char* server_role() { return "keeper.server"; }
inline const char* tracker_role() { return "keeper.tracker"; }

struct member_handles {
  caf::actor server;   // where clients connect (publish it on the client port)
  caf::actor follower; // the replica
  rlog::member_roles log;
};

/// Starts a member's roles on `env`. Throws what rlog::spawn_member throws
/// (a data directory of another ensemble is refused).
member_handles spawn_member(node_env& env, const member_config& cfg, rlog::member_id id);

/// Registers Keeper's and the log's local message types.
void register_keeper_types(caf::actor_system_config& cfg);

/// (status) on the server answers a JSON object: {"sessions_attached": N}.
using status_atom = rlog::atoms::status;

} // namespace troupe::keeper
