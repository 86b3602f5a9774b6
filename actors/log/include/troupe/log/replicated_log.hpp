// Durable actors on a replicated log: the public facade.
//
// A group is a fixed set of members (1, 3, 5 or 7 nodes). Each member node
// runs the group's acceptor and leader roles (spawn_member). Any node may run
// followers (spawn_follower): each holds a replica of a user's state machine,
// fed the committed log in order. A follower is what applications talk to:
//
//   (atoms::propose, std::string command) -> std::string result
//       appended through the leader; answered with the state machine's result
//       once committed and applied by this follower.
//   (atoms::sync) -> uint64_t applied_index
//       a linearizable read barrier: answered once this follower applied
//       everything committed before the request (the leader confirmed its
//       leadership with a quorum first). Read the state machine after it.
//   (atoms::query, std::string question) -> std::string answer
//       state_machine::query on this follower's replica, between two applied
//       entries: a sequentially consistent read (a prefix of the committed
//       history; after the caller's own proposals that were answered).
//   (atoms::subscribe_leadership) -> the sender receives `leadership` events.
//   (atoms::status) -> std::string
//       follower_status.hpp's JSON (applied index, epoch, leader).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>

#include "caf/actor.hpp"
#include "caf/atom.hpp"

#include "troupe/runtime/node_env.hpp"

namespace troupe::wire {
class LogEntry;
}

namespace troupe::rlog {

using member_id = uint32_t;

/// A user's deterministic state machine. Methods run inside the follower
/// actor, one at a time. A durable actor supplies apply, snapshot and
/// restore; one whose snapshot() takes long also overrides capture().
class state_machine {
public:
  /// Serializes a state captured earlier. The follower runs it on another
  /// thread, once, while apply() goes on: it must not touch the live state.
  using snapshot_writer = std::function<std::string()>;

  virtual ~state_machine();
  /// Applies one committed command; the result goes to its proposer.
  virtual std::string apply(const std::string& command, uint64_t zxid) = 0;
  /// The state's bytes (what restore() takes). Replicas that applied the
  /// same commands give the same bytes.
  virtual std::string snapshot() const = 0;
  /// Captures the state at the current applied index for a snapshot, on the
  /// follower's thread between two applies, and returns what serializes it
  /// to snapshot()'s bytes later. Keep it cheap: applying waits for it. The
  /// default serializes right here (fine for a small state); a state that
  /// copies cheaply derives from copyable_state_machine; a large one
  /// freezes a copy-on-write view (Keeper's tree does).
  virtual snapshot_writer capture() const;
  virtual void restore(const std::string& snapshot) = 0;
  /// Answers a read (or a request that touches only local, unreplicated
  /// state such as watches); the default answers nothing.
  virtual std::string query(const std::string& question);
};

/// A state machine whose snapshot is taken from a copy of itself: capture()
/// copies the Machine (cheap for a small or shared state) and the copy
/// serializes on the follower's snapshot thread.
template <class Machine>
class copyable_state_machine : public state_machine {
public:
  snapshot_writer capture() const override {
    return [copy = static_cast<const Machine&>(*this)] { return copy.snapshot(); };
  }
};

struct group_config {
  std::string group;                        // [A-Za-z0-9_.-], unique per cluster
  std::map<member_id, std::string> members; // member id -> node name
  std::chrono::milliseconds tick{10};
  uint32_t election_ticks_min = 10;         // 100–200 ms with the default tick
  uint32_t election_ticks_max = 20;
  uint32_t heartbeat_ticks = 2;
  size_t max_batch_entries = 1024;
  size_t max_batch_bytes = 1u << 20;
  size_t max_inflight = 8;
  uint64_t snapshot_every = 10000;          // commands between follower snapshots
  uint64_t snapshot_bytes = 64u << 20;      // ... or bytes of commands, whichever comes first
  size_t snapshot_chunk_bytes = 1u << 20;   // snapshots stream in chunks of this size

  /// Role names in the directory.
  std::string acceptor_role() const { return "log." + group + ".acceptor"; }
  std::string leader_role() const { return "log." + group + ".leader"; }
  std::string follower_role(const std::string& name) const {
    return "log." + group + ".follower." + name;
  }
  /// Throws std::invalid_argument unless the membership is usable.
  void validate() const;
};

/// Leadership as a follower sees it.
struct leadership {
  uint64_t epoch = 0;
  std::string leader_node; // "" while no leader is known
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, leadership& x) {
  return f(x.epoch, x.leader_node);
}

namespace atoms {
using propose = caf::atom_constant<caf::atom("lg_prop")>;
using sync = caf::atom_constant<caf::atom("lg_sync")>;
using subscribe_leadership = caf::atom_constant<caf::atom("lg_subld")>;
using status = caf::atom_constant<caf::atom("lg_status")>;
using query = caf::atom_constant<caf::atom("lg_query")>;
} // namespace atoms

/// A member's roles. The leader answers (atoms::status) -> std::string,
/// leader_status.hpp's JSON: its role, epoch, commit index and, while
/// leading, every acceptor's progress.
struct member_roles {
  caf::actor acceptor;
  caf::actor leader;
};

/// Starts this node's acceptor and leader roles for the group. The node's
/// store "log.<group>" keeps the acceptor's state; a store that belongs to
/// another group or membership is refused with std::runtime_error (one line,
/// saying what was found and what was configured).
member_roles spawn_member(node_env& env, const group_config& cfg, member_id self);

/// Starts a follower named `name` on this node with state machine `sm`.
caf::actor spawn_follower(node_env& env, const group_config& cfg, const std::string& name,
                          std::unique_ptr<state_machine> sm);

/// Registers the log's local message types with an actor system.
void register_log_types(caf::actor_system_config& cfg);

} // namespace troupe::rlog
