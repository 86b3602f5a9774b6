// The durable state of one replicated-log acceptor, on a kv_store: its
// membership, promise (HardState), log entries and latest snapshot.
//
// Keys (one store per acceptor): "m" Membership, "h" HardState, "s" snapshot
// meta, "f" SnapshotFile (the snapshot's content is a file of the store's
// snapshot_store; see snapshot_store.hpp), "e" + 8-byte big-endian index ->
// LogEntry. Values are protobuf encodings. A write is one atomic WriteBatch,
// synced when asked: an acceptor writes everything an input changed in one go
// (group commit). Stores written before snapshot files held the content as
// the value "d": it is still read (legacy_snapshot_data) and deleted by the
// write that first references a file.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "troupe/persistence/kv_store.hpp"
#include "troupe/persistence/snapshot_store.hpp"
#include "troupe/wire/log.pb.h"

namespace troupe::persistence {

class log_store {
public:
  struct contents {
    std::optional<wire::Membership> membership; // nullopt: a new, empty store
    wire::HardState hard_state;
    wire::SnapshotMeta snapshot;
    std::optional<wire::SnapshotFile> snapshot_file; // where its content is
    std::vector<wire::LogEntry> entries;        // after the snapshot, ascending, consecutive
  };

  /// Uses `store` (not owned), which must outlive this object.
  explicit log_store(kv_store& store);

  /// Reads everything. Throws storage_error if the contents are corrupt:
  /// undecodable values, entries not consecutive, entries overlapping the
  /// snapshot, a key this layout does not know (a foreign store).
  contents load() const;

  /// The snapshot's content in a store of the old layout (value "d"), if any.
  std::optional<std::string> legacy_snapshot_data() const;

  /// Readies the snapshot file this store references, before an acceptor
  /// starts on it: moves a legacy value into a file, removes every other
  /// file of `files` (temporaries of an interrupted write, a snapshot
  /// written but never referenced, replaced ones), and verifies the one
  /// referenced. Returns the names removed. Throws storage_error naming the
  /// file if it is missing or corrupted: the acceptor must not start then
  /// (its log prefix is gone; see docs/replicated-log.md).
  std::vector<std::string> recover_snapshot_files(snapshot_store& files);

  /// One atomic change. Apply order: membership, hard state, delete entries
  /// in [truncate_from, truncate_to] (inclusive), delete entries <= compact_through,
  /// put snapshot (meta + file reference; the file must be durable already),
  /// put entries.
  struct change {
    std::optional<wire::Membership> membership;
    std::optional<wire::HardState> hard_state;
    std::optional<std::pair<uint64_t, uint64_t>> truncate; // [from, to]
    std::optional<uint64_t> compact_through;
    // The first entry that may exist (0: unknown, search from the start).
    // Known, it spares a scan over the tombstones of earlier compactions.
    uint64_t compact_from = 0;
    std::optional<wire::SnapshotMeta> snapshot;
    wire::SnapshotFile snapshot_file; // with `snapshot`
    std::vector<wire::LogEntry> entries;
  };
  void write(const change& c, bool sync);

  /// Bytes of entry payload written so far by this object (for metrics).
  uint64_t bytes_written() const { return bytes_written_; }

  static std::string entry_key(uint64_t index);

private:
  kv_store& store_;
  uint64_t bytes_written_ = 0;
};

} // namespace troupe::persistence
