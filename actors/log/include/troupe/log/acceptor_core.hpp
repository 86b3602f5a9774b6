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

#include "troupe/log/snapshot_receiver.hpp"
#include "troupe/wire/log.pb.h"

namespace troupe::rlog {

using member_id = uint32_t;

/// What the shell does at once with a chunk of a snapshot being installed
/// (before any later input): the chunk goes into a temporary file, which
/// becomes the snapshot file once complete. Not part of group commit: the
/// file is durable (committed) before the batch that references it.
struct snapshot_receive {
  bool begin = false;     // discard any partial file; start one for `meta`
  wire::SnapshotMeta meta;
  bool append = false;    // append the request's data to the partial file
  bool complete = false;  // then commit the file: it is the new snapshot (fx.snapshot)
  bool discard = false;   // drop the partial file (corrupted, or overtaken)
  // A chunk that was refused (why; the shell counts and logs it), or nullptr.
  const char* refused = nullptr;
};

/// What the shell must persist (in this order, atomically, synced) before it
/// may send the replies of the inputs that produced it. Accumulates over
/// several inputs (group commit).
struct acceptor_effects {
  bool hard_state_changed = false;
  std::optional<uint64_t> truncated_from;   // entries >= this were removed
  std::vector<wire::LogEntry> appended;     // then these were added
  std::optional<wire::SnapshotMeta> snapshot; // a new snapshot replaces the prefix
  std::optional<uint64_t> compacted_through; // entries <= this were dropped
  uint64_t compacted_from = 0;                // none before this existed (0: unknown)
  // Acted on by the shell right after the input that set it, then cleared.
  snapshot_receive receive;

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
  /// One chunk of a leader's snapshot (fx.receive says what to do with
  /// it). Chunks are taken in order only; a new epoch, leader or snapshot
  /// restarts the transfer; once complete with a matching checksum the
  /// snapshot is installed as by a compaction. Everything else (another
  /// group's, an old epoch's, duplicate, out of order, oversize, a wrong
  /// checksum) is refused without harm; the response says where to resume.
  wire::InstallSnapshotResponse on_install_snapshot(const wire::InstallSnapshot& req,
                                                    acceptor_effects& fx);

  /// Whether compact(meta) would take a snapshot through meta.index: newer
  /// than the current one and matching the log (same epoch at meta.index;
  /// the caller, the local follower, applied it as committed, which also
  /// raises commit_index). The shell checks before it writes the file.
  bool can_compact(const wire::SnapshotMeta& meta) const;
  /// A snapshot of the state machine through `meta.index` is available (its
  /// file written by the shell): keep it (to ship to members that fall
  /// behind) and drop the log prefix it covers. Ignored unless can_compact.
  bool compact(const wire::SnapshotMeta& meta, acceptor_effects& fx);

  /// One period of the shell's timer (the proposers' tick): ages the lease.
  void tick();
  /// The leader of the current epoch reached this acceptor within the lease.
  bool leader_fresh() const { return leader_ != 0 && ticks_since_leader_ < lease_ticks_; }

  /// A follower's catch-up: committed entries from req.from_index, or, if
  /// that part was compacted, the snapshot's meta, size and crc32 (`file`,
  /// the shell's) and the entries after it; the follower then reads the
  /// snapshot in chunks (plan_snapshot_read). A request of another group
  /// gets an empty answer.
  wire::FetchResponse serve_fetch(const wire::FetchRequest& req, const wire::SnapshotFile& file) const;

  /// The answer to a read of the snapshot's bytes, without the bytes: the
  /// shell reads `length` bytes of `file` from the answer's offset into its
  /// data. A request for a snapshot this acceptor no longer holds is
  /// answered with the one it holds, from offset 0.
  wire::SnapshotReadResponse plan_snapshot_read(const wire::SnapshotReadRequest& req,
                                                const wire::SnapshotFile& file, size_t& length) const;
  /// Reads are at most this long, whatever they ask.
  static constexpr size_t max_read_bytes = 4u << 20;

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
  /// Makes `meta` the snapshot, dropping (or keeping, if it matches) the log.
  void install(const wire::SnapshotMeta& meta, acceptor_effects& fx);

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
  snapshot_receiver incoming_;    // a leader's snapshot being received
  uint64_t incoming_epoch_ = 0;   // ... in this epoch
  member_id incoming_from_ = 0;   // ... from this leader
};

} // namespace troupe::rlog
