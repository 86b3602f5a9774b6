#include "troupe/log/snapshot_receiver.hpp"

#include "troupe/persistence/checksum.hpp"

namespace troupe::rlog {

bool same_snapshot(const wire::SnapshotMeta& a, const wire::SnapshotMeta& b) {
  return a.index() == b.index() && a.epoch() == b.epoch() && a.zxid() == b.zxid();
}

void snapshot_receiver::start(const wire::SnapshotMeta& meta, uint64_t size, uint32_t crc) {
  active_ = true;
  meta_ = meta;
  size_ = size;
  crc_ = crc;
  received_ = 0;
  running_crc_ = 0;
}

bool snapshot_receiver::receiving(const wire::SnapshotMeta& meta, uint64_t size, uint32_t crc) const {
  return active_ && same_snapshot(meta_, meta) && size_ == size && crc_ == crc;
}

snapshot_receiver::verdict snapshot_receiver::accept(uint64_t offset, std::string_view data) {
  if (data.size() > max_chunk_bytes || offset > size_ || data.size() > size_ - offset)
    return verdict::oversize;
  if (offset < received_)
    return verdict::duplicate;
  if (offset > received_)
    return verdict::out_of_order;
  if (data.empty() && received_ < size_)
    return verdict::duplicate; // an empty chunk before the end adds nothing
  running_crc_ = persistence::crc32(data, running_crc_);
  received_ += data.size();
  if (received_ < size_)
    return verdict::taken;
  if (running_crc_ != crc_) {
    active_ = false;
    return verdict::bad_checksum;
  }
  return verdict::complete;
}

const char* to_string(snapshot_receiver::verdict v) {
  switch (v) {
    case snapshot_receiver::verdict::taken: return "taken";
    case snapshot_receiver::verdict::complete: return "complete";
    case snapshot_receiver::verdict::duplicate: return "duplicate";
    case snapshot_receiver::verdict::out_of_order: return "out_of_order";
    case snapshot_receiver::verdict::oversize: return "oversize";
    case snapshot_receiver::verdict::bad_checksum: return "bad_checksum";
  }
  return "?";
}

} // namespace troupe::rlog
