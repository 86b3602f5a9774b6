#include "troupe/log/snapshot_sender.hpp"

#include <algorithm>

#include "troupe/log/snapshot_receiver.hpp" // same_snapshot

namespace troupe::rlog {

snapshot_sender::snapshot_sender(uint64_t chunk_bytes, uint64_t window, uint32_t resend_ticks)
  : chunk_bytes_(std::max<uint64_t>(chunk_bytes, 1)), window_(std::max<uint64_t>(window, 1)),
    resend_ticks_(std::max<uint32_t>(resend_ticks, 1)) {}

void snapshot_sender::fill(member_id to, transfer& t, std::vector<snapshot_chunk>& out) {
  // The window counts bytes beyond what the acceptor acknowledged.
  while (!t.sent_end && t.next - t.acked < window_ * chunk_bytes_) {
    auto length = std::min(chunk_bytes_, t.size - t.next);
    out.push_back({to, t.meta, t.next, length});
    t.next += length;
    t.sent_end = t.next == t.size;
  }
}

void snapshot_sender::start(member_id to, const wire::SnapshotMeta& meta, uint64_t size, uint32_t crc,
                            std::vector<snapshot_chunk>& out) {
  auto it = transfers_.find(to);
  if (it != transfers_.end() && same_snapshot(it->second.meta, meta) && it->second.size == size &&
      it->second.crc == crc) {
    auto& t = it->second;
    t.next = t.acked;
    t.sent_end = false;
    t.last_progress = ticks_;
    fill(to, t, out);
    return;
  }
  transfer t;
  t.meta = meta;
  t.size = size;
  t.crc = crc;
  t.last_progress = ticks_;
  fill(to, transfers_[to] = t, out);
}

snapshot_sender::outcome snapshot_sender::on_response(const wire::InstallSnapshotResponse& resp,
                                                      std::vector<snapshot_chunk>& out) {
  auto it = transfers_.find(resp.from());
  if (it == transfers_.end())
    return outcome::ignored;
  auto& t = it->second;
  if (resp.success() && resp.index() >= t.meta.index()) {
    transfers_.erase(it); // installed (or the acceptor had it already)
    return outcome::installed;
  }
  if (resp.receiving() != t.meta.index())
    return outcome::ignored; // an answer about another transfer
  if (resp.success()) {
    if (resp.next_offset() > t.acked) {
      t.acked = std::min(resp.next_offset(), t.size);
      t.last_progress = ticks_;
    }
    if (t.next < t.acked)
      t.next = t.acked;
  } else {
    // Refused: out of order after a loss, or the acceptor started over
    // (then it holds less than we thought). The next resend (tick) goes
    // back to what it holds; resending at once, for every refusal, would
    // multiply the chunks in flight when the network reorders them.
    t.acked = std::min(resp.next_offset(), t.size);
    return outcome::progress;
  }
  fill(resp.from(), t, out);
  return outcome::progress;
}

void snapshot_sender::tick(std::vector<snapshot_chunk>& out) {
  ++ticks_;
  for (auto& [to, t] : transfers_) {
    if (ticks_ - t.last_progress < resend_ticks_)
      continue;
    t.next = t.acked;
    t.sent_end = false;
    t.last_progress = ticks_;
    fill(to, t, out);
  }
}

bool snapshot_sender::wanted(const snapshot_chunk& c) const {
  auto it = transfers_.find(c.to);
  return it != transfers_.end() && same_snapshot(it->second.meta, c.meta) &&
         c.offset + c.length <= it->second.next;
}

bool snapshot_sender::describe(member_id to, uint64_t& size, uint32_t& crc) const {
  auto it = transfers_.find(to);
  if (it == transfers_.end())
    return false;
  size = it->second.size;
  crc = it->second.crc;
  return true;
}

} // namespace troupe::rlog
