// The proposer's protocol logic (candidate, then leader of an epoch), pure
// and deterministic: inputs are timer ticks and messages, outputs are the
// messages to send and the entries that became committed.
//
// Election: after a randomized timeout without a live leader, a proposer
// first asks every acceptor whether it could win the next epoch (a pre-vote:
// nothing is raised or recorded anywhere); only with a quorum of pre-vote
// grants does it take the next epoch and ask every acceptor for a vote,
// stating its local acceptor's log tail; acceptors refuse candidates behind
// them, so the winner holds every committed entry. Acceptors that still hear
// a live leader refuse both, so a member that lost touch with a healthy
// leader (restarted, partitioned) cannot depose it. Leading: the winner re-proposes the tail it
// inherited (entries after its acceptor's commit point) under its epoch by
// appending an epoch-start entry after it, then streams appends to every
// acceptor, pipelined (up to max_inflight per acceptor) and batched, and
// commits an index once a quorum of acceptors durably holds it and it belongs
// to the current epoch (earlier entries commit with it). Entries carry zxids
// epoch << 32 | counter, counter 0 being the epoch start.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "troupe/log/acceptor_core.hpp" // member_id
#include "troupe/wire/log.pb.h"

namespace troupe::rlog {

struct proposer_config {
  std::string group;
  member_id self = 0;
  std::vector<member_id> members;
  uint32_t election_ticks_min = 10; // a tick is the shell's timer period
  uint32_t election_ticks_max = 20;
  uint32_t heartbeat_ticks = 2;
  uint32_t resend_ticks = 4;        // unacknowledged appends are resent after this
  size_t max_batch_entries = 512;
  size_t max_batch_bytes = 1u << 20;
  size_t max_inflight = 8;          // appends in flight per acceptor
};

enum class proposer_role { follower, candidate, leader };

/// A read barrier's outcome: `index` is the commit index a linearizable read
/// must wait for (0 when the proposer could not confirm it leads).
struct read_result {
  uint64_t id;
  uint64_t index;
};

struct proposer_effects {
  std::vector<std::pair<member_id, wire::VoteRequest>> votes;
  std::vector<std::pair<member_id, wire::AppendRequest>> appends;
  /// Ask the local acceptor for its promised epoch and tail (last epoch,
  /// last index, epoch at from-1, entries from its commit point on); answer
  /// with on_local_tail.
  bool query_local_tail = false;
  /// Acceptors that need entries before the leader's window: read them from
  /// the local acceptor from this index and pass them to on_fetched (or send
  /// a snapshot if it was compacted away).
  std::vector<std::pair<member_id, uint64_t>> fetches;
  std::vector<wire::LogEntry> committed;     // newly committed, in order
  std::optional<std::pair<uint64_t, member_id>> leader_changed; // (epoch, leader; 0: none known)
  std::vector<read_result> reads;

  void clear() { *this = proposer_effects{}; }
};

class proposer_core {
public:
  proposer_core(proposer_config cfg, uint64_t seed);

  void tick(proposer_effects& fx);

  /// The local acceptor's state, as asked for by query_local_tail. A
  /// candidate takes an epoch above `promised_epoch`: proposers keep no
  /// state of their own, and a restarted one must never lead an epoch twice.
  /// Before that, a proposer that is pre-voting asks for that epoch.
  void on_local_tail(uint64_t promised_epoch, uint64_t last_epoch, uint64_t last_index,
                     uint64_t prev_epoch,
                     std::vector<wire::LogEntry> entries, proposer_effects& fx);

  /// An answer to a vote or (resp.pre_vote) a pre-vote request.
  void on_vote_response(const wire::VoteResponse& resp, proposer_effects& fx);
  void on_append_response(const wire::AppendResponse& resp, proposer_effects& fx);

  /// Entries [from, …] read from the local acceptor for a lagging acceptor;
  /// `prev_epoch` is the epoch at from-1.
  void on_fetched(member_id to, uint64_t prev_epoch, std::vector<wire::LogEntry> entries,
                  proposer_effects& fx);
  /// The shell shipped a snapshot through `index` to `to`.
  void on_snapshot_installed(member_id to, uint64_t index, proposer_effects& fx);
  /// A snapshot transfer to `to` moved on (a chunk was acknowledged): it is
  /// alive, so the fetch that started it does not time out.
  void on_snapshot_progress(member_id to);

  /// The local acceptor saw `leader` lead `epoch` (or a higher epoch).
  void on_leader_seen(uint64_t epoch, member_id leader, proposer_effects& fx);

  /// Appends a command if this proposer leads; returns its zxid, or nullopt
  /// (the caller redirects to leader()). Sent on the next flush().
  std::optional<uint64_t> propose(std::string data, std::string origin, uint64_t origin_seq);
  /// Appends the commands of one origin as a single ENTRY_COMMANDS entry
  /// (one command: a plain entry); returns the first command's zxid, the
  /// others following it. nullopt as for propose(). `batch` must not be empty.
  std::optional<uint64_t> propose_batch(wire::CommandBatch batch, std::string origin);

  /// Sends what is pending (batches everything proposed since the last flush).
  void flush(proposer_effects& fx);

  /// Starts a read barrier: confirmed once a quorum of acceptors has answered
  /// this leader after the request (etcd's ReadIndex).
  void read_barrier(uint64_t id, proposer_effects& fx);

  proposer_role role() const { return role_; }
  /// A follower asking for pre-votes (its election timer fired).
  bool pre_voting() const { return prevoting_; }
  bool leading() const { return role_ == proposer_role::leader && started_; }
  uint64_t epoch() const { return epoch_; }
  member_id leader() const { return leader_; }
  uint64_t commit_index() const { return commit_index_; }
  uint64_t last_index() const { return window_start_ + window_.size() - 1; }
  const proposer_config& config() const { return cfg_; }

  struct progress {
    uint64_t next = 1;
    uint64_t match = 0;
    size_t inflight = 0;
    uint64_t last_ack_tick = 0;
    uint64_t acked_seq = 0;        // highest append seq answered
    uint64_t rewound_at_seq = 0;   // appends up to this seq were sent before the last restart
    bool fetching = false;
    uint64_t fetch_tick = 0;       // when the fetch (or snapshot) started
  };
  const std::map<member_id, progress>& peers() const { return progress_; }

private:
  size_t quorum() const { return cfg_.members.size() / 2 + 1; }
  void reset_election_timer();
  void start_pre_vote(proposer_effects& fx);
  void on_pre_vote_response(const wire::VoteResponse& resp, proposer_effects& fx);
  /// Vote requests for `epoch` (pre-votes or real ones) stating the local tail.
  void ask_votes(uint64_t epoch, bool pre_vote, uint64_t last_epoch, uint64_t last_index,
                 proposer_effects& fx);
  void start_election(proposer_effects& fx);
  void become_follower(uint64_t epoch, member_id leader, proposer_effects& fx);
  void start_leading(uint64_t last_epoch, uint64_t last_index, uint64_t prev_epoch,
                     std::vector<wire::LogEntry> entries, proposer_effects& fx);
  void send_to(member_id m, bool heartbeat, proposer_effects& fx);
  /// An append of this epoch after (prev_index, prev_epoch), carrying the
  /// commit index and the next sequence number; entries are added by callers.
  wire::AppendRequest make_append(uint64_t prev_index, uint64_t prev_epoch);
  void advance_commit(proposer_effects& fx);
  void check_reads(proposer_effects& fx);
  std::optional<uint64_t> epoch_at(uint64_t index) const;
  const wire::LogEntry& at(uint64_t index) const { return window_[index - window_start_]; }

  proposer_config cfg_;
  uint64_t rng_;
  proposer_role role_ = proposer_role::follower;
  uint64_t epoch_ = 0;
  member_id leader_ = 0;
  uint64_t ticks_ = 0;
  uint32_t election_elapsed_ = 0;
  uint32_t election_timeout_ = 0;
  uint32_t heartbeat_elapsed_ = 0;
  std::set<member_id> votes_;
  bool prevoting_ = false;       // a follower waiting for pre-vote grants
  uint64_t prevote_epoch_ = 0;   // the epoch asked for (0: the local tail is not known yet)
  std::set<member_id> prevotes_;
  bool won_ = false;      // a candidate that won waits for its local tail
  bool started_ = false;  // a leader whose epoch-start entry is appended
  // Leader state.
  std::deque<wire::LogEntry> window_;   // [window_start_, last_index()]
  uint64_t window_start_ = 1;
  uint64_t window_prev_epoch_ = 0;      // epoch at window_start_ - 1
  uint64_t commit_index_ = 0;
  uint64_t epoch_start_index_ = 0;
  uint32_t counter_ = 0;
  uint64_t seq_ = 0;
  std::map<member_id, progress> progress_;
  struct pending_read {
    uint64_t id;
    uint64_t index;
    uint64_t after_seq;
  };
  std::vector<pending_read> reads_;
};

} // namespace troupe::rlog
