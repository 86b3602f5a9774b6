// A group's membership as daemons take it on the command line:
// "1=HOST:PORT,2=HOST:PORT,3=HOST:PORT" (`troupe log`, `troupe keeper`, and
// users' own member daemons).
#pragma once

#include <string>
#include <vector>

#include "troupe/log/replicated_log.hpp"
#include "troupe/runtime/node_config.hpp"

namespace troupe::rlog {

/// The group `name` from "1=HOST:PORT,..."; members are the nodes "m<ID>"
/// (ids 1-255). `addresses` receives each member's node name and address.
/// Throws runtime::config_error with a one-line reason.
group_config parse_group(const std::string& name, const std::string& members,
                         std::vector<runtime::peer_spec>& addresses);

} // namespace troupe::rlog
