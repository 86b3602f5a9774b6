// Ordered key-value storage with explicit durability: the persistence seam.
//
// Durable roles write through kv_store. In production it is LevelDB on disk
// (open_leveldb_store); in the deterministic simulation it is a memory_store
// whose unsynced writes are lost when its node crashes. A write with
// sync=true is durable when write() returns; a write with sync=false may be
// lost by a crash until a later synced write (or sync()) covers it.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace troupe::persistence {

class snapshot_store;

/// Raised for I/O failures and corrupted or unusable stores. The message is a
/// one-line description fit for an operator (it names the path).
class storage_error : public std::runtime_error {
public:
  using std::runtime_error::runtime_error;
};

/// Puts and deletes applied atomically by kv_store::write.
class write_batch {
public:
  enum class op_kind : uint8_t { put, del };
  struct op {
    op_kind kind;
    std::string key;
    std::string value; // empty for del
  };

  void put(std::string_view key, std::string_view value);
  void del(std::string_view key);
  void clear() { ops_.clear(); bytes_ = 0; }
  bool empty() const { return ops_.empty(); }
  size_t size() const { return ops_.size(); }
  /// Sum of key and value sizes, for batching decisions.
  size_t bytes() const { return bytes_; }
  const std::vector<op>& ops() const { return ops_; }

private:
  std::vector<op> ops_;
  size_t bytes_ = 0;
};

class kv_store {
public:
  virtual ~kv_store();

  /// The value stored under key, or nullopt.
  virtual std::optional<std::string> get(std::string_view key) const = 0;

  /// Applies the batch atomically; with sync=true it is durable on return.
  /// Throws storage_error on failure (nothing of the batch is applied then).
  virtual void write(const write_batch& batch, bool sync) = 0;

  /// Makes every earlier write durable.
  virtual void sync() = 0;

  /// Calls fn(key, value) for keys in [first, last) in ascending byte order
  /// (an empty `last` means no upper bound) until fn returns false.
  virtual void scan(std::string_view first, std::string_view last,
                    const std::function<bool(std::string_view, std::string_view)>& fn) const = 0;

  /// Files too large to be values (the log's snapshots) live beside the
  /// store: a directory next to it on disk ("<path>.snapshots", created on
  /// first use), in memory in the simulation.
  virtual snapshot_store& snapshots() = 0;

  /// Convenience: a single put.
  void put(std::string_view key, std::string_view value, bool sync);
  /// Convenience: a single delete.
  void del(std::string_view key, bool sync);
};

struct leveldb_options {
  bool create_if_missing = true;
  size_t write_buffer_bytes = 8u << 20;
  size_t block_cache_bytes = 16u << 20;
};

/// Opens (or creates) a LevelDB store in directory `path`. Throws
/// storage_error with a clear message if the path is unusable, locked by
/// another process, or the database is corrupted.
std::unique_ptr<kv_store> open_leveldb_store(const std::string& path,
                                             const leveldb_options& opts = {});

/// In-memory store for the simulation. Writes with sync=false stay pending
/// until a synced write or sync(); crash() discards pending writes, keeping
/// only a prefix chosen by the caller (a crash may persist part of them).
class memory_store final : public kv_store {
public:
  memory_store();
  ~memory_store() override;

  std::optional<std::string> get(std::string_view key) const override;
  void write(const write_batch& batch, bool sync) override;
  void sync() override;
  void scan(std::string_view first, std::string_view last,
            const std::function<bool(std::string_view, std::string_view)>& fn) const override;
  snapshot_store& snapshots() override;

  /// Number of unsynced batches that a crash could lose.
  size_t pending_batches() const;

  /// Simulates a crash: keeps the first `keep` pending batches (clamped to
  /// pending_batches()) as if they had reached the disk, discards the rest.
  void crash(size_t keep = 0);

  /// Counters for tests: total synced writes and syncs.
  uint64_t sync_count() const;

private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

} // namespace troupe::persistence
