// Two small roles that show nodes talking: `echo` answers every
// troupe::wire::Echo with the same seq and payload; `prober` sends an Echo to
// the echo role of each of its peers every interval and logs the round trip.
// `troupe node` runs both; `troupe bench rpc` measures against echo.
#pragma once

#include <string>
#include <vector>

#include "troupe/runtime/node_config.hpp"
#include "troupe/runtime/node_env.hpp"

namespace troupe::runtime {

/// Spawns the echo role and registers it as "echo".
caf::actor spawn_echo(node_env& env);

/// Spawns the prober role and registers it as "prober".
caf::actor spawn_prober(node_env& env, std::vector<std::string> peers, duration interval);

} // namespace troupe::runtime
