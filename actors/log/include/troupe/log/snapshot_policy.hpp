// When a follower snapshots its state machine (and its acceptor compacts the
// log behind the snapshot). Pure, so the rule is tested directly.
//
// A snapshot is due after `every_commands` commands — but only once the log
// written since the last snapshot is at least half that snapshot's size, so
// that serializing a large state costs at most ~2 bytes per byte of log
// (Raft's dissertation, 5.1: snapshot when the log outgrows the snapshot) —
// or after `max_bytes` bytes of commands (or the last snapshot's size, if
// larger), which bounds the log acceptors keep in memory to about the state's
// own size. (A 1M-znode Keeper tree, 205 MB, takes ~0.9 s to serialize here,
// on the follower's snapshot thread: applying goes on meanwhile.)
#pragma once

#include <cstdint>

#include "troupe/wire/log.pb.h"

namespace troupe::rlog {

class snapshot_policy {
public:
  snapshot_policy(uint64_t every_commands, uint64_t max_bytes)
    : every_(every_commands), max_bytes_(max_bytes) {}

  void applied(const wire::LogEntry& e);
  bool due() const;
  /// The state was captured for a snapshot: counting starts over (the
  /// log applied from now on is what the snapshot does not cover).
  void captured();
  /// The captured snapshot came out `size` bytes long.
  void written(uint64_t size);
  /// A snapshot of `size` bytes was restored: both of the above.
  void taken(uint64_t size);

  uint64_t commands() const { return commands_; }
  uint64_t bytes() const { return bytes_; }

private:
  uint64_t every_, max_bytes_;
  uint64_t commands_ = 0, bytes_ = 0, last_size_ = 0;
};

} // namespace troupe::rlog
