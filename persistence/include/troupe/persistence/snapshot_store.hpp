// Snapshot files: a replicated-log acceptor's snapshot lives in a file of
// its own beside its kv_store, not as a value in it (a 200 MB value would go
// through LevelDB's log and be held in memory whole).
//
// A file is a 48-byte header (magic, the SnapshotMeta, the content length and
// crc32, the header's own crc32) followed by the content. It is written under
// a temporary name, fsynced, renamed to its final name and the directory
// fsynced (snapshot_writer::commit); only then may the kv_store reference it
// (wire::SnapshotFile: name, size, crc32). So a crash at any point leaves the
// file the store references intact; what it leaves besides (temporaries, a
// committed file the store never came to reference, one it no longer does)
// is removed by clean(). A file that does not match its reference — missing,
// truncated, a flipped byte — is reported by verify() as storage_error naming
// the file, never used.
//
// Production stores are directories (open_snapshot_dir); the simulation's
// memory_store keeps its files in memory (memory_snapshot_store).
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "troupe/persistence/kv_store.hpp" // storage_error
#include "troupe/wire/log.pb.h"

namespace troupe::persistence {

/// The file format's header: its size, and the header of a finished file.
constexpr size_t snapshot_header_size = 48;
std::string snapshot_header(const wire::SnapshotMeta& meta, uint64_t size, uint32_t crc);

/// One snapshot being written. Destroyed before commit(), it removes its
/// temporary file: nothing of it stays.
class snapshot_writer {
public:
  virtual ~snapshot_writer();
  /// Appends content. Throws storage_error on I/O failure.
  virtual void append(std::string_view bytes) = 0;
  /// Makes the file durable under its final name and returns its reference.
  /// Throws storage_error on I/O failure (nothing is committed then).
  virtual wire::SnapshotFile commit() = 0;
  /// Content bytes appended so far, and their crc32.
  uint64_t size() const { return size_; }
  uint32_t crc() const { return crc_; }

protected:
  void count(std::string_view bytes);

private:
  uint64_t size_ = 0;
  uint32_t crc_ = 0;
};

class snapshot_store {
public:
  virtual ~snapshot_store();

  /// Starts a new snapshot file for `meta` under a fresh name.
  virtual std::unique_ptr<snapshot_writer> create(const wire::SnapshotMeta& meta) = 0;

  /// At most `max` content bytes of `file` from `offset` (fewer only at its
  /// end). Throws storage_error if the file is missing or shorter than its
  /// reference says. Reads only what it returns: a chunk, never the file.
  std::string read(const wire::SnapshotFile& file, uint64_t offset, size_t max) const;

  /// Checks `file` against its reference and `meta`: present, header intact
  /// and matching, content of the stated size and crc32. Reads it in
  /// bounded pieces. Throws storage_error ("snapshot file <path> is
  /// corrupted: ...") otherwise.
  void verify(const wire::SnapshotFile& file, const wire::SnapshotMeta& meta) const;

  /// The whole content (verified), for a caller that needs it in memory.
  std::string read_all(const wire::SnapshotFile& file, const wire::SnapshotMeta& meta) const;

  /// Writes `data` as a new snapshot file for `meta` and commits it.
  wire::SnapshotFile write(const wire::SnapshotMeta& meta, std::string_view data);

  /// Removes every file except `keep` (a name; "" keeps none): temporaries
  /// of an interrupted write and snapshots that were replaced. Returns the
  /// names removed.
  std::vector<std::string> clean(const std::string& keep);

  /// Removes one file (no error if it is gone already).
  virtual void remove(const std::string& name) = 0;
  /// Every file, temporaries included, sorted by name.
  virtual std::vector<std::string> list() const = 0;
  /// Where `name` is, for messages ("/data/log.g.snapshots/snapshot-...").
  virtual std::string describe(const std::string& name) const = 0;

protected:
  /// The file's bytes [offset, offset+max) (fewer at its end); throws
  /// storage_error if it does not exist.
  virtual std::string read_raw(const std::string& name, uint64_t offset, size_t max) const = 0;
  /// The file's length in bytes, or -1 if it does not exist.
  virtual int64_t raw_size(const std::string& name) const = 0;

  /// The next file name for `meta` ("snapshot-<index>-<epoch>-<seq>.snap")
  /// and its temporary ("<name>.tmp"); names never repeat within a store.
  std::string next_name(const wire::SnapshotMeta& meta);
  /// Continues the name sequence after the files already present.
  void resume_sequence();

private:
  uint64_t seq_ = 0;
};

/// Opens (creating if needed) the snapshot directory `path`. Throws
/// storage_error if it cannot be created or is not a writable directory.
std::unique_ptr<snapshot_store> open_snapshot_dir(const std::string& path);

/// Snapshot files in memory, for the simulation: a committed file is durable
/// (commit is where a disk would fsync), so a crash loses only writers.
class memory_snapshot_store final : public snapshot_store {
public:
  memory_snapshot_store();
  std::unique_ptr<snapshot_writer> create(const wire::SnapshotMeta& meta) override;
  void remove(const std::string& name) override;
  std::vector<std::string> list() const override;
  std::string describe(const std::string& name) const override;

  /// For tests: the raw bytes of a file (header included), to damage.
  std::string& raw(const std::string& name) { return files_.at(name); }

protected:
  std::string read_raw(const std::string& name, uint64_t offset, size_t max) const override;
  int64_t raw_size(const std::string& name) const override;

private:
  friend class memory_snapshot_writer;
  std::map<std::string, std::string> files_;
};

} // namespace troupe::persistence
