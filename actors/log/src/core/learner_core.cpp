#include "troupe/log/learner_core.hpp"
#include "troupe/log/log_entry.hpp"

#include <algorithm>
#include <climits>

namespace troupe::rlog {

learner_core::learner_core(std::string group, uint32_t fetch_after_ticks, size_t max_buffered,
                           size_t snapshot_chunk_bytes)
  : group_(std::move(group)), fetch_after_ticks_(fetch_after_ticks), max_buffered_(max_buffered),
    chunk_bytes_(std::max<size_t>(snapshot_chunk_bytes, 1)) {}

void learner_core::accept(const wire::LogEntry& e, learner_effects&) {
  if (e.index() <= applied_ || buffered_.size() >= max_buffered_)
    return; // applied already, or too far ahead: catch-up fetches it later
  buffered_.emplace(e.index(), e);
}

void learner_core::drain(learner_effects& fx) {
  for (auto i = buffered_.begin(); i != buffered_.end() && i->first <= applied_ + 1;) {
    if (i->first == applied_ + 1) {
      applied_ = i->first;
      applied_zxid_ = last_zxid(i->second);
      fx.apply.push_back(std::move(i->second));
      stalled_ticks_ = 0;
    }
    i = buffered_.erase(i);
  }
}

void learner_core::on_committed(const wire::Committed& msg, learner_effects& fx) {
  if (msg.group() != group_)
    return;
  if (msg.epoch() >= epoch_) {
    epoch_ = msg.epoch();
    leader_ = msg.leader();
  }
  known_commit_ = std::max(known_commit_, msg.commit_index());
  for (auto& e : msg.entries())
    if (e.index() <= msg.commit_index())
      accept(e, fx);
  drain(fx);
}

void learner_core::on_fetch_response(const wire::FetchResponse& msg, learner_effects& fx) {
  if (msg.group() != group_)
    return;
  fetching_ = false;
  known_commit_ = std::max(known_commit_, msg.commit_index());
  if (msg.compacted() && msg.snapshot().index() > applied_) {
    // What we miss is only in a snapshot now: read it, then start over
    // from it. The entries after it wait in the buffer.
    if (!download_.receiving(msg.snapshot(), msg.snapshot_size(), msg.snapshot_crc32()))
      start_download(msg.snapshot(), msg.snapshot_size(), msg.snapshot_crc32(), fx);
    for (auto& e : msg.entries())
      accept(e, fx);
    return;
  }
  for (auto& e : msg.entries())
    accept(e, fx);
  drain(fx);
  if (applied_ < known_commit_ && !msg.entries().empty() && !download_.active())
    request_fetch(fx); // more to come: keep pulling
}

void learner_core::start_download(const wire::SnapshotMeta& meta, uint64_t size, uint32_t crc,
                                  learner_effects& fx) {
  download_.start(meta, size, crc);
  download_data_.clear();
  request_chunk(fx);
}

void learner_core::request_chunk(learner_effects& fx) {
  wire::SnapshotReadRequest req;
  req.set_group(group_);
  req.set_index(download_.meta().index());
  req.set_offset(download_.next());
  req.set_max_bytes(static_cast<uint32_t>(std::min<size_t>(chunk_bytes_, UINT32_MAX)));
  fx.snapshot_read = std::move(req);
  download_age_ = 0;
}

void learner_core::on_snapshot_read(const wire::SnapshotReadResponse& msg, learner_effects& fx) {
  if (msg.group() != group_ || !download_.active())
    return;
  if (!msg.available()) {
    download_.reset(); // that acceptor has no snapshot: fetch again (elsewhere, later)
    fx.refused = "the acceptor holds no snapshot";
    return;
  }
  if (!download_.receiving(msg.meta(), msg.total_size(), msg.crc32())) {
    // The acceptor's snapshot changed under us: take its newer one.
    if (msg.meta().index() <= applied_) {
      download_.reset();
      return;
    }
    download_.start(msg.meta(), msg.total_size(), msg.crc32());
    download_data_.clear();
  }
  auto verdict = download_.accept(msg.offset(), msg.data());
  switch (verdict) {
    case snapshot_receiver::verdict::taken:
      download_data_ += msg.data();
      request_chunk(fx);
      return;
    case snapshot_receiver::verdict::complete:
      download_data_ += msg.data();
      restored(fx);
      return;
    case snapshot_receiver::verdict::duplicate:
      return; // an answer to a request asked again
    case snapshot_receiver::verdict::bad_checksum:
      download_data_.clear();
      fx.refused = to_string(verdict);
      return; // fetched again on a later tick
    default:
      fx.refused = to_string(verdict); // asked again after silence (tick)
      return;
  }
}

void learner_core::restored(learner_effects& fx) {
  auto meta = download_.meta();
  download_.reset();
  if (meta.index() <= applied_) {
    download_data_ = std::string{}; // the log overtook the snapshot meanwhile
    return;
  }
  applied_ = meta.index();
  applied_zxid_ = meta.zxid();
  fx.restore = std::make_pair(meta, std::move(download_data_));
  download_data_ = std::string{};
  fx.apply.clear();
  buffered_.erase(buffered_.begin(), buffered_.upper_bound(applied_));
  stalled_ticks_ = 0;
  drain(fx);
  if (applied_ < known_commit_)
    request_fetch(fx);
}

void learner_core::request_fetch(learner_effects& fx) {
  wire::FetchRequest req;
  req.set_group(group_);
  req.set_from_index(applied_ + 1);
  req.set_max_entries(4096);
  fx.fetch = std::move(req);
  fetching_ = true;
  fetch_age_ = 0;
}

void learner_core::tick(learner_effects& fx) {
  if (download_.active()) {
    // One chunk request at a time; one lost (or its answer) is asked
    // again from where the read got to. (An acceptor that no longer holds
    // the snapshot answers with the one it holds, which restarts the read.)
    if (++download_age_ > 4 * fetch_after_ticks_)
      request_chunk(fx);
    return;
  }
  if (fetching_ && ++fetch_age_ > 4 * fetch_after_ticks_)
    fetching_ = false; // the fetch (or its answer) was lost
  if (applied_ >= known_commit_ && buffered_.empty()) {
    stalled_ticks_ = 0;
    return;
  }
  if (++stalled_ticks_ >= fetch_after_ticks_ && !fetching_)
    request_fetch(fx);
}

} // namespace troupe::rlog
