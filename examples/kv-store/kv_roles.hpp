// The store's roles on a troupe node: the replicated log's member roles (on
// the three member nodes), a replica of the store (a log follower over
// kv_machine, on every node), and `kv.api`, which answers KvRequest from
// clients on other nodes: writes go through the log, reads pass the log's
// read barrier first (linearizable) and are served by the local replica.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include "caf/fwd.hpp"

#include "troupe/log/replicated_log.hpp"
#include "troupe/runtime/node_env.hpp"

namespace kv {

inline constexpr const char* api_role = "kv.api";

/// The store's replicated-log group over `members` (id -> node name).
troupe::rlog::group_config make_group(std::map<troupe::rlog::member_id, std::string> members);

/// The store's message types and the log's, for an actor system's config.
void register_types(caf::actor_system_config& cfg);

/// Starts the store on `env`: the member roles if `member` is set, then a
/// replica and the kv.api role. Returns the kv.api actor.
caf::actor start_node(troupe::node_env& env, const troupe::rlog::group_config& group,
                      std::optional<troupe::rlog::member_id> member);

} // namespace kv
