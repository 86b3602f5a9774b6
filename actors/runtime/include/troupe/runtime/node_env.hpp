// What a role gets from the node it runs on, in production (runtime::node)
// and in the simulation (sim::node) alike: its node's name, actor system and
// directory, durable stores, seeded randomness, metrics and logging.
#pragma once

#include <cstdint>
#include <string>

#include "caf/actor.hpp"
#include "caf/fwd.hpp"

#include "troupe/runtime/log.hpp"

namespace troupe::persistence {
class kv_store;
} // namespace troupe::persistence

namespace troupe::metrics {
class registry;
} // namespace troupe::metrics

namespace troupe {

class node_env {
public:
  virtual ~node_env();

  virtual const std::string& name() const = 0;
  virtual caf::actor_system& system() = 0;
  virtual const caf::actor& directory() const = 0;

  /// Registers a role actor of this node under `role` in the directory. The
  /// node owns it from now on: it stops with the node (and, in the
  /// simulation, dies in a crash). Actors a role spawns must be roles too or
  /// be linked to one, or the node cannot stop them.
  virtual void add_role(const std::string& role, const caf::actor& handle) = 0;

  /// The durable store `name` of this node (created on first use). It
  /// outlives a role's actor: a restarted role reopens what it persisted.
  virtual persistence::kv_store& store(const std::string& name) = 0;

  /// Seed for this incarnation's randomness (never use unseeded randomness
  /// in roles: the simulation must replay exactly).
  virtual uint64_t seed() const = 0;

  /// Counts restarts of this node (0 on first boot in the simulation;
  /// start time in production). Peers can tell a restarted node apart.
  virtual uint64_t incarnation() const = 0;

  virtual metrics::registry& metrics() = 0;

  log::logger logger(const std::string& component) const {
    return log::logger{name(), component};
  }
};

} // namespace troupe
