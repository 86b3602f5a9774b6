// Internal: spawning the directory and peer-link actors. Production nodes
// and the simulation differ only in the `connector` they pass: the CAF
// middleman's actor, or the simulated network's.
#pragma once

#include <string>
#include <vector>

#include "caf/fwd.hpp"
#include "caf/actor.hpp"

#include "troupe/runtime/node_config.hpp"

namespace troupe::metrics {
class registry;
}

namespace troupe::runtime {

struct directory_settings {
  std::string node;
  uint64_t incarnation = 0;
  link_timing timing;
  /// Answers (caf::connect_atom, std::string host, uint16_t port) with
  /// (caf::node_id, caf::strong_actor_ptr remote_directory, std::set<std::string>).
  caf::actor connector;
  std::vector<peer_spec> peers;
  metrics::registry* metrics = nullptr;
  tls_files tls; // set: a failed connect is diagnosed (probe_tls_handshake)
};

caf::actor spawn_directory(caf::actor_system& sys, directory_settings settings);

struct peer_link_settings {
  std::string local_node;
  peer_spec peer;
  link_timing timing;
  caf::actor connector;
  caf::actor directory; // receives link state reports
  metrics::registry* metrics = nullptr;
  tls_files tls;
};

/// Called by the directory: a link to one peer node (linked to the caller).
caf::actor spawn_peer_link(caf::local_actor* parent, peer_link_settings settings);

} // namespace troupe::runtime
