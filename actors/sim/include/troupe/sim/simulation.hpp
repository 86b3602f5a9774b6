// Deterministic simulation of many troupe nodes in one process.
//
// All nodes share one CAF actor system under CAF's test coordinator: one
// thread, virtual time, actors run in a fixed order. Nodes reach each other
// only through the same seam as in production (the directory and its peer
// links); here the links connect through a simulated network that drops,
// delays, duplicates and reorders messages, and can be partitioned. A node can
// crash (its actors are killed, messages to and from it are lost, and the
// writes it had not synced are lost, but for a random prefix) and restart
// (its boot function runs again over what it persisted).
//
// A seed drives every choice; the same seed gives the same run and the same
// trace_hash(). Role code is unchanged: it sees a node_env.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "caf/fwd.hpp"

#include "troupe/runtime/actor_system_setup.hpp"
#include "troupe/runtime/node_config.hpp"
#include "troupe/runtime/node_env.hpp"
#include "troupe/sim/rng.hpp"

namespace troupe::sim {

using duration = std::chrono::nanoseconds;

struct network_faults {
  double drop = 0;        // probability that a message is lost
  double duplicate = 0;   // probability that a message arrives twice
  duration min_delay = std::chrono::microseconds(50);
  duration max_delay = std::chrono::microseconds(500); // delays vary: messages reorder
};

struct network_stats {
  uint64_t sent = 0;
  uint64_t delivered = 0;
  uint64_t dropped = 0;        // by the drop probability
  uint64_t duplicated = 0;
  uint64_t partitioned = 0;    // lost to a partition
  uint64_t to_crashed = 0;     // lost because an end crashed
};

class simulation {
public:
  using boot_fn = std::function<void(node_env&)>;

  /// `types` registers the application's own message types.
  explicit simulation(uint64_t seed, network_faults faults = {},
                      runtime::link_timing timing = {},
                      const runtime::type_registrar& types = {});
  ~simulation();
  simulation(const simulation&) = delete;
  simulation& operator=(const simulation&) = delete;

  /// Adds a node and boots it: `boot` spawns its roles. All nodes know each
  /// other as peers.
  void add_node(const std::string& name, boot_fn boot);

  /// Kills the node's actors, loses its in-flight messages and unsynced writes.
  void crash(const std::string& name);
  /// Boots a crashed node again, over what it persisted.
  void restart(const std::string& name);
  bool is_up(const std::string& name) const;

  /// Cuts every link between a node of `side_a` and a node of `side_b`.
  void partition(const std::vector<std::string>& side_a,
                 const std::vector<std::string>& side_b);
  /// Cuts `name` off from every other node.
  void isolate(const std::string& name);
  /// Removes every partition.
  void heal();

  void set_faults(const network_faults& faults);
  const network_faults& faults() const;

  /// Runs until `d` of virtual time passed.
  void run_for(duration d);
  /// Runs until pred() holds (checked whenever the system is idle) or
  /// `limit` of virtual time passed; returns pred().
  bool run_until(const std::function<bool()>& pred, duration limit);
  /// Runs all work that is due now, without advancing time.
  void drain();

  /// Virtual time since the simulation started.
  duration now() const;
  uint64_t seed() const;
  /// Hash over every delivery (time, ends, message contents) so far.
  uint64_t trace_hash() const;
  const network_stats& stats() const;
  /// The simulation's own generator, for tests that pick faults at random.
  rng& random();

  node_env& node(const std::string& name);
  std::vector<std::string> node_names() const;
  caf::actor_system& system();

private:
  friend class sim_node;
  struct impl;
  std::unique_ptr<impl> impl_;
};

} // namespace troupe::sim
