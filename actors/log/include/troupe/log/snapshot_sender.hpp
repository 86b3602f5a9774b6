// The leader's side of streaming its snapshot to lagging acceptors, pure and
// deterministic: per acceptor, which chunks to read from the local snapshot
// file and send, at most `window` chunks unacknowledged, resent from the
// last acknowledged offset after a silence of resend_ticks without progress
// (go-back-N; a refusal only corrects what the acceptor holds). The
// shell reads each chunk when it is due (in bounded pieces, never the whole
// snapshot) and sends it as an InstallSnapshot.
#pragma once

#include <cstdint>
#include <map>
#include <vector>

#include "troupe/log/acceptor_core.hpp" // member_id
#include "troupe/wire/log.pb.h"

namespace troupe::rlog {

struct snapshot_chunk {
  member_id to = 0;
  wire::SnapshotMeta meta;
  uint64_t offset = 0;
  uint64_t length = 0;
};

class snapshot_sender {
public:
  snapshot_sender(uint64_t chunk_bytes = 1u << 20, uint64_t window = 4, uint32_t resend_ticks = 8);

  /// Streams the snapshot `meta` (`size` bytes, crc32 `crc`) to `to`. A
  /// transfer of the same snapshot already going on continues (its window
  /// is sent again); any other is replaced.
  void start(member_id to, const wire::SnapshotMeta& meta, uint64_t size, uint32_t crc,
             std::vector<snapshot_chunk>& out);

  enum class outcome { ignored, progress, installed };
  /// An acceptor's answer (of the current epoch: the shell checks).
  /// `installed` ends its transfer; `progress` may release more chunks.
  outcome on_response(const wire::InstallSnapshotResponse& resp, std::vector<snapshot_chunk>& out);

  /// Silence for resend_ticks: resend from the last acknowledged offset.
  void tick(std::vector<snapshot_chunk>& out);

  /// Whether a chunk read for `c` is still due (its transfer was not
  /// replaced or ended meanwhile).
  bool wanted(const snapshot_chunk& c) const;
  /// Size and crc32 of the snapshot being sent to `to` (for the message).
  bool describe(member_id to, uint64_t& size, uint32_t& crc) const;
  bool sending(member_id to) const { return transfers_.count(to) > 0; }

  void stop(member_id to) { transfers_.erase(to); }
  /// Leadership lost: every transfer ends (a new leader starts over).
  void clear() { transfers_.clear(); }

private:
  struct transfer {
    wire::SnapshotMeta meta;
    uint64_t size = 0;
    uint32_t crc = 0;
    uint64_t next = 0;    // next offset to send
    uint64_t acked = 0;   // the acceptor holds [0, acked)
    bool sent_end = false; // the last chunk went out (also for an empty snapshot)
    uint64_t last_progress = 0;
  };
  void fill(member_id to, transfer& t, std::vector<snapshot_chunk>& out);

  uint64_t chunk_bytes_;
  uint64_t window_;
  uint32_t resend_ticks_;
  uint64_t ticks_ = 0;
  std::map<member_id, transfer> transfers_;
};

} // namespace troupe::rlog
