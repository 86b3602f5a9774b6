// What the member daemons (`troupe log`, `troupe keeper`) share: the
// membership (--members 1=HOST:PORT,..., parsed by troupe/log/group_spec.hpp),
// the node configuration of one member, and asking a role for its status
// text (HTTP routes).
#pragma once

#include <string>
#include <vector>

#include "caf/fwd.hpp"

#include "troupe/log/group_spec.hpp"
#include "troupe/log/replicated_log.hpp"
#include "troupe/runtime/config.hpp"

namespace troupe::cli {

using rlog::parse_group;

/// The node of member `id` (its own address from `addresses`, the others as
/// peers) with --data-dir, --http-port, tuning, logging and --tls-* from `vm`.
/// Throws config_error if `id` is not a member.
runtime::node_config member_node_config(const rlog::group_config& g,
                                        const std::vector<runtime::peer_spec>& addresses, uint32_t id,
                                        const runtime::po::variables_map& vm);

/// --snapshot-every and --snapshot-bytes: when a member snapshots its state
/// machine and compacts the log behind it.
runtime::po::options_description snapshot_options();
/// Sets g.snapshot_every / g.snapshot_bytes from `vm`. Throws config_error.
void apply_snapshot_options(const runtime::po::variables_map& vm, rlog::group_config& g);

/// A status page (/log, /keeper): a JSON object with, for every (name, role)
/// in `parts`, the role's JSON answer to (status) under that name, or null
/// if it did not answer in time.
std::string status_page(caf::actor_system& sys, const std::vector<std::pair<std::string, caf::actor>>& parts);

} // namespace troupe::cli
