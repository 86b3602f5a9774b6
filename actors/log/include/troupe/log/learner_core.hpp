// The follower's protocol logic (a learner), pure and deterministic: it
// turns committed entries that arrive from the leader (in any order, with
// gaps, duplicated) and from acceptors (catch-up, snapshots) into one
// in-order stream for the state machine, and says when to catch up.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "troupe/wire/log.pb.h"

namespace troupe::rlog {

struct learner_effects {
  /// Restore the state machine from this snapshot first (then apply).
  std::optional<std::pair<wire::SnapshotMeta, std::string>> restore;
  std::vector<wire::LogEntry> apply;         // in order, each exactly once
  std::optional<wire::FetchRequest> fetch;   // catch up from an acceptor

  void clear() { *this = learner_effects{}; }
};

class learner_core {
public:
  /// `fetch_after_ticks`: a known gap older than this many ticks triggers a
  /// fetch; `max_buffered`: entries held while waiting for a gap to fill.
  learner_core(std::string group, uint32_t fetch_after_ticks = 3, size_t max_buffered = 65536);

  void on_committed(const wire::Committed& msg, learner_effects& fx);
  void on_fetch_response(const wire::FetchResponse& msg, learner_effects& fx);
  void tick(learner_effects& fx);

  uint64_t applied_index() const { return applied_; }
  uint64_t applied_zxid() const { return applied_zxid_; }
  /// Highest commit index heard of (from the leader or an acceptor).
  uint64_t known_commit() const { return known_commit_; }
  uint64_t epoch() const { return epoch_; }
  uint32_t leader() const { return leader_; }

private:
  void accept(const wire::LogEntry& e, learner_effects& fx);
  void drain(learner_effects& fx);
  void request_fetch(learner_effects& fx);

  std::string group_;
  uint32_t fetch_after_ticks_;
  size_t max_buffered_;
  uint64_t applied_ = 0;
  uint64_t applied_zxid_ = 0;
  uint64_t known_commit_ = 0;
  uint64_t epoch_ = 0;
  uint32_t leader_ = 0;
  std::map<uint64_t, wire::LogEntry> buffered_; // committed, beyond a gap
  uint32_t stalled_ticks_ = 0;
  bool fetching_ = false;
  uint32_t fetch_age_ = 0;
};

} // namespace troupe::rlog
