// Receiving one snapshot in chunks: in order, bounded, checksummed. The
// bookkeeping an acceptor (writing into a file) and a learner (assembling in
// memory) share; the bytes themselves go wherever the caller puts them.
#pragma once

#include <cstdint>
#include <string_view>

#include "troupe/wire/log.pb.h"

namespace troupe::rlog {

class snapshot_receiver {
public:
  /// Chunks larger than this are refused (senders use 1 MiB).
  static constexpr size_t max_chunk_bytes = 16u << 20;

  enum class verdict {
    taken,          // the next bytes: store them
    complete,       // the last bytes, and the whole checksum matches: store, then install
    duplicate,      // already received: ignore
    out_of_order,   // beyond what was received: ask for next() again
    oversize,       // larger than a chunk may be, or past the snapshot's end
    bad_checksum,   // complete but corrupted: the transfer is dropped
  };

  /// Begins receiving the snapshot `meta` of `size` bytes and crc32 `crc`
  /// (forgetting any transfer in progress).
  void start(const wire::SnapshotMeta& meta, uint64_t size, uint32_t crc);
  void reset() { active_ = false; }

  bool active() const { return active_; }
  /// Whether this is the transfer in progress.
  bool receiving(const wire::SnapshotMeta& meta, uint64_t size, uint32_t crc) const;
  const wire::SnapshotMeta& meta() const { return meta_; }
  uint64_t size() const { return size_; }
  uint32_t crc() const { return crc_; }
  /// Bytes received in order so far: the offset to send next.
  uint64_t next() const { return received_; }

  /// Judges the chunk [offset, offset + data.size()). Only `taken` and
  /// `complete` advance next(); `bad_checksum` ends the transfer.
  verdict accept(uint64_t offset, std::string_view data);

private:
  bool active_ = false;
  wire::SnapshotMeta meta_;
  uint64_t size_ = 0;
  uint32_t crc_ = 0;
  uint64_t received_ = 0;
  uint32_t running_crc_ = 0;
};

/// "taken", "out_of_order", ... for logs and metrics.
const char* to_string(snapshot_receiver::verdict v);

/// Whether two snapshot metas name the same snapshot.
bool same_snapshot(const wire::SnapshotMeta& a, const wire::SnapshotMeta& b);

} // namespace troupe::rlog
