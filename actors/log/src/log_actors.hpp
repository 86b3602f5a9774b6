// Internal: the log's actors and the local messages among a member's roles.
#pragma once

#include <vector>

#include "caf/all.hpp"

#include "troupe/log/acceptor_core.hpp"
#include "troupe/log/replicated_log.hpp"
#include "troupe/messages/wire.hpp"
#include "troupe/persistence/log_store.hpp"

namespace troupe::rlog {

/// The local acceptor's answer to the leader's tail query.
struct local_tail {
  uint64_t promised_epoch = 0;
  uint64_t last_epoch = 0;
  uint64_t last_index = 0;
  uint64_t prev_epoch = 0;              // epoch before entries.front()
  std::vector<wire::LogEntry> entries;  // after the acceptor's commit point
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, local_tail& x) {
  return f(x.promised_epoch, x.last_epoch, x.last_index, x.prev_epoch, x.entries);
}

/// The local acceptor's answer when the leader needs old entries for a
/// lagging acceptor: the entries, or (compacted) which snapshot to stream
/// (its bytes are read in chunks with SnapshotReadRequest).
struct catch_up {
  member_id to = 0;
  bool compacted = false;
  uint64_t prev_epoch = 0;
  std::vector<wire::LogEntry> entries;
  wire::SnapshotMeta snapshot;
  uint64_t snapshot_size = 0;
  uint32_t snapshot_crc = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, catch_up& x) {
  return f(x.to, x.compacted, x.prev_epoch, x.entries, x.snapshot, x.snapshot_size, x.snapshot_crc);
}

namespace local {
using tail = caf::atom_constant<caf::atom("lg_tail")>;
using fetch_for = caf::atom_constant<caf::atom("lg_fetchfr")>;
using leader_seen = caf::atom_constant<caf::atom("lg_ldseen")>;
using compact = caf::atom_constant<caf::atom("lg_compact")>;
using flush = caf::atom_constant<caf::atom("lg_flush")>;
using tick = caf::atom_constant<caf::atom("lg_tick")>;
using set_leader = caf::atom_constant<caf::atom("lg_setldr")>;
using snapshot_written = caf::atom_constant<caf::atom("lg_snapwr")>;
} // namespace local

/// Runs `write` off the follower's thread (see snapshot_writer.cpp); the
/// follower then receives (local::snapshot_written, meta, bytes).
void write_snapshot(caf::event_based_actor* follower, state_machine::snapshot_writer write,
                    wire::SnapshotMeta meta);

/// Spawns the acceptor over `store` (already checked for membership).
caf::actor spawn_acceptor(node_env& env, const group_config& cfg, member_id self,
                          persistence::kv_store& store);

/// Spawns the leader (proposer) role next to `acceptor`.
caf::actor spawn_leader(node_env& env, const group_config& cfg, member_id self,
                        caf::actor acceptor);

} // namespace troupe::rlog
