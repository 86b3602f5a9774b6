// The follower's protocol logic (a learner), pure and deterministic: it
// turns committed entries that arrive from the leader (in any order, with
// gaps, duplicated) and from acceptors (catch-up, snapshots) into one
// in-order stream for the state machine, and says when to catch up.
//
// A fetch from a compacted point is answered with the acceptor's snapshot
// meta, size and crc32 only; the learner then reads the snapshot from that
// acceptor in chunks, one request at a time (re-asked after silence, and
// started over if the acceptor's snapshot changed), assembles it in memory
// (state_machine::restore takes a string) and restores once it is complete
// and its checksum matches.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "troupe/log/snapshot_receiver.hpp"
#include "troupe/wire/log.pb.h"

namespace troupe::rlog {

struct learner_effects {
  /// Restore the state machine from this snapshot first (then apply).
  std::optional<std::pair<wire::SnapshotMeta, std::string>> restore;
  std::vector<wire::LogEntry> apply;         // in order, each exactly once
  std::optional<wire::FetchRequest> fetch;   // catch up from an acceptor
  /// Read a chunk of the snapshot from the acceptor that answered the fetch.
  std::optional<wire::SnapshotReadRequest> snapshot_read;
  /// A snapshot chunk or transfer was refused (why), for the shell's log.
  const char* refused = nullptr;

  void clear() { *this = learner_effects{}; }
};

class learner_core {
public:
  /// `fetch_after_ticks`: a known gap older than this many ticks triggers a
  /// fetch; `max_buffered`: entries held while waiting for a gap to fill.
  /// `snapshot_chunk_bytes`: what each snapshot read asks for.
  learner_core(std::string group, uint32_t fetch_after_ticks = 3, size_t max_buffered = 65536,
               size_t snapshot_chunk_bytes = 1u << 20);

  void on_committed(const wire::Committed& msg, learner_effects& fx);
  void on_fetch_response(const wire::FetchResponse& msg, learner_effects& fx);
  void on_snapshot_read(const wire::SnapshotReadResponse& msg, learner_effects& fx);
  void tick(learner_effects& fx);

  uint64_t applied_index() const { return applied_; }
  uint64_t applied_zxid() const { return applied_zxid_; }
  /// Highest commit index heard of (from the leader or an acceptor).
  uint64_t known_commit() const { return known_commit_; }
  uint64_t epoch() const { return epoch_; }
  uint32_t leader() const { return leader_; }
  /// A snapshot is being read (its meta, and bytes so far).
  bool downloading() const { return download_.active(); }
  uint64_t downloaded() const { return download_.next(); }

private:
  void accept(const wire::LogEntry& e, learner_effects& fx);
  void drain(learner_effects& fx);
  void request_fetch(learner_effects& fx);
  void start_download(const wire::SnapshotMeta& meta, uint64_t size, uint32_t crc,
                      learner_effects& fx);
  void request_chunk(learner_effects& fx);
  void restored(learner_effects& fx);

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
  size_t chunk_bytes_;
  snapshot_receiver download_;
  std::string download_data_;
  uint32_t download_age_ = 0;  // ticks since the last chunk request
};

} // namespace troupe::rlog
