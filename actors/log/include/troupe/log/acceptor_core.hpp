// The acceptor's protocol logic, pure and deterministic (no CAF, no I/O).
//
// An acceptor holds a promise (the highest epoch it has seen and its vote in
// it) and a log of accepted entries after its latest snapshot. It grants a
// vote only to a candidate whose log is at least as up to date as its own,
// once per epoch; it accepts entries only from the leader of its current
// epoch and only where they extend what it holds (log matching: the entry
// before them must be there with the epoch the leader says), replacing a
// conflicting suffix. Every method records what must reach the disk in
// `acceptor_effects`; the shell writes that (synced) before it sends the
// returned reply. That ordering is what makes a vote or an acknowledgement
// durable.
//
// Check-quorum: the acceptor counts the shell's ticks since the leader of its
// epoch last reached it. While that leader is fresh (fewer than `lease_ticks`)
// it ignores vote requests, real or pre-vote: it neither adopts their epoch
// nor votes, so a member that lost touch with a live leader (restarted,
// partitioned, paused) cannot depose it. Pre-votes are answered as a vote
// would be, but change nothing.
#pragma once

#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <vector>

#include "troupe/wire/log.pb.h"

namespace troupe::rlog {

using member_id = uint32_t;

/// What the shell must persist (in this order, atomically, synced) before it
/// may send the replies of the inputs that produced it. Accumulates over
/// several inputs (group commit).
struct acceptor_effects {
  bool hard_state_changed = false;
  std::optional<uint64_t> truncated_from;   // entries >= this were removed
  std::vector<wire::LogEntry> appended;     // then these were added
  std::optional<wire::SnapshotMeta> snapshot; // a new snapshot replaces the prefix
  std::string snapshot_data;
  std::optional<uint64_t> compacted_through; // entries <= this were dropped
  uint64_t compacted_from = 0;                // none before this existed (0: unknown)

  bool empty() const {
    return !hard_state_changed && !truncated_from && appended.empty() && !snapshot &&
           !compacted_through;
  }
  void clear() { *this = acceptor_effects{}; }
};

/// How many ticks an acceptor trusts the leader it last heard: shorter than
/// the earliest a proposer that heard the same leader can time out
/// (`election_ticks_min`, less a tick of timer phase on the acceptor's side
/// and one on the proposer's, whose leader_seen notes come at most once per
/// tick), so a real leader death never waits for a lease; longer than the
/// heartbeat period, so a live leader's lease never lapses.
uint32_t lease_ticks_for(uint32_t election_ticks_min, uint32_t heartbeat_ticks);

class acceptor_core {
public:
  acceptor_core(std::string group, member_id self, std::vector<member_id> members,
                uint32_t lease_ticks);

  /// Restores what the acceptor persisted.
  void restore(const wire::HardState& hs, const wire::SnapshotMeta& snapshot,
               std::vector<wire::LogEntry> entries);

  /// A vote or (req.pre_vote) a pre-vote; a pre-vote never adds effects.
  wire::VoteResponse on_vote(const wire::VoteRequest& req, acceptor_effects& fx);
  wire::AppendResponse on_append(const wire::AppendRequest& req, acceptor_effects& fx);
  wire::InstallSnapshotResponse on_install_snapshot(const wire::InstallSnapshot& req,
                                                    acceptor_effects& fx);

  /// A snapshot of the state machine through `meta.index` is available:
  /// keep it (to ship to members that fall behind) and drop the log prefix
  /// it covers. Ignored unless it is newer than the current snapshot and
  /// matches the log (same epoch at meta.index).
  bool compact(const wire::SnapshotMeta& meta, std::string data, acceptor_effects& fx);

  /// One period of the shell's timer (the proposers' tick): ages the lease.
  void tick();
  /// The leader of the current epoch reached this acceptor within the lease.
  bool leader_fresh() const { return leader_ != 0 && ticks_since_leader_ < lease_ticks_; }

  /// A follower's catch-up: committed entries from req.from_index, or, if
  /// that part was compacted, the snapshot (whose bytes the shell keeps and
  /// passes as `snapshot_data`) and the entries after it. A request of
  /// another group gets an empty answer.
  wire::FetchResponse serve_fetch(const wire::FetchRequest& req,
                                  const std::string& snapshot_data) const;

  /// Entries [from, from+n) up to the limits, into `out`. Returns false if
  /// `from` was compacted away (the reader needs the snapshot).
  bool read(uint64_t from, size_t max_entries, size_t max_bytes,
            std::vector<wire::LogEntry>& out) const;

  const wire::HardState& hard_state() const { return hs_; }
  const wire::SnapshotMeta& snapshot() const { return snapshot_; }
  /// First index held in the log (the one after the snapshot).
  uint64_t first_index() const { return snapshot_.index() + 1; }
  uint64_t last_index() const { return snapshot_.index() + log_.size(); }
  uint64_t last_epoch() const;
  /// Epoch of the entry at `index` (the snapshot's at its index), if known.
  std::optional<uint64_t> epoch_at(uint64_t index) const;
  /// Highest commit index a leader told this acceptor (soft state).
  uint64_t commit_index() const { return commit_index_; }
  /// Leader of the current epoch, once it has sent something (soft state).
  member_id leader() const { return leader_; }
  const std::string& group() const { return group_; }
  bool is_member(member_id m) const;

private:
  const wire::LogEntry& at(uint64_t index) const { return log_[index - first_index()]; }
  /// Adopts `epoch` if newer (clearing the vote); returns false if stale.
  bool observe_epoch(uint64_t epoch, acceptor_effects& fx);
  /// Whether a vote for req.candidate in req.epoch would be granted now.
  bool could_vote(const wire::VoteRequest& req) const;
  void heard_leader(member_id leader);

  std::string group_;
  member_id self_;
  std::vector<member_id> members_;
  wire::HardState hs_;
  wire::SnapshotMeta snapshot_;
  std::deque<wire::LogEntry> log_;
  uint64_t commit_index_ = 0;
  member_id leader_ = 0;
  uint32_t lease_ticks_;
  uint32_t ticks_since_leader_ = 0;
};

} // namespace troupe::rlog
