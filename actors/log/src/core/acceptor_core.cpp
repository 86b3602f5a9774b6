#include "troupe/log/acceptor_core.hpp"

#include <algorithm>

namespace troupe::rlog {

uint32_t lease_ticks_for(uint32_t election_ticks_min, uint32_t heartbeat_ticks) {
  uint32_t below_timeout = election_ticks_min > 2 ? election_ticks_min - 2 : 1;
  return std::max(below_timeout, heartbeat_ticks + 1);
}

acceptor_core::acceptor_core(std::string group, member_id self, std::vector<member_id> members,
                             uint32_t lease_ticks)
  : group_(std::move(group)), self_(self), members_(std::move(members)), lease_ticks_(lease_ticks) {}

void acceptor_core::restore(const wire::HardState& hs, const wire::SnapshotMeta& snapshot,
                            std::vector<wire::LogEntry> entries) {
  hs_ = hs;
  snapshot_ = snapshot;
  log_.assign(std::make_move_iterator(entries.begin()), std::make_move_iterator(entries.end()));
  commit_index_ = snapshot_.index();
  leader_ = 0;
  incoming_.reset();
}

bool acceptor_core::is_member(member_id m) const {
  return std::find(members_.begin(), members_.end(), m) != members_.end();
}

uint64_t acceptor_core::last_epoch() const {
  return log_.empty() ? snapshot_.epoch() : log_.back().epoch();
}

std::optional<uint64_t> acceptor_core::epoch_at(uint64_t index) const {
  if (index == snapshot_.index())
    return snapshot_.epoch();
  if (index < first_index() || index > last_index())
    return std::nullopt;
  return at(index).epoch();
}

namespace {

// Entries covered by a new snapshot must not be written after it: the store
// applies the prefix deletion before the appends of the same batch.
void drop_covered(acceptor_effects& fx, uint64_t through) {
  auto& app = fx.appended;
  app.erase(std::remove_if(app.begin(), app.end(),
                           [through](const wire::LogEntry& x) { return x.index() <= through; }),
            app.end());
}

} // namespace

bool acceptor_core::observe_epoch(uint64_t epoch, acceptor_effects& fx) {
  if (epoch < hs_.epoch())
    return false;
  if (epoch > hs_.epoch()) {
    hs_.set_epoch(epoch);
    hs_.set_voted_for(0);
    leader_ = 0;
    fx.hard_state_changed = true;
  }
  return true;
}

void acceptor_core::tick() {
  if (ticks_since_leader_ < lease_ticks_)
    ++ticks_since_leader_;
}

void acceptor_core::heard_leader(member_id leader) {
  leader_ = leader;
  ticks_since_leader_ = 0;
}

bool acceptor_core::could_vote(const wire::VoteRequest& req) const {
  // Raft's election restriction: never help a candidate that lacks an
  // entry we hold, since that entry may be committed.
  bool up_to_date = req.last_epoch() > last_epoch() ||
                    (req.last_epoch() == last_epoch() && req.last_index() >= last_index());
  bool free = req.epoch() > hs_.epoch() ||
              (req.epoch() == hs_.epoch() &&
               (hs_.voted_for() == 0 || hs_.voted_for() == req.candidate()));
  return up_to_date && free;
}

wire::VoteResponse acceptor_core::on_vote(const wire::VoteRequest& req, acceptor_effects& fx) {
  wire::VoteResponse resp;
  resp.set_group(group_);
  resp.set_from(self_);
  resp.set_pre_vote(req.pre_vote());
  // While the leader is fresh, the candidate is a member that lost touch
  // with it, not a sign that it died: ignore it (check-quorum).
  if (req.group() == group_ && is_member(req.candidate()) && !leader_fresh()) {
    if (req.pre_vote()) {
      resp.set_granted(could_vote(req));
    } else if (observe_epoch(req.epoch(), fx) && could_vote(req)) {
      if (hs_.voted_for() != req.candidate()) {
        hs_.set_voted_for(req.candidate());
        fx.hard_state_changed = true;
      }
      resp.set_granted(true);
    }
  }
  resp.set_epoch(hs_.epoch());
  return resp;
}

wire::AppendResponse acceptor_core::on_append(const wire::AppendRequest& req, acceptor_effects& fx) {
  wire::AppendResponse resp;
  resp.set_group(group_);
  resp.set_from(self_);
  resp.set_seq(req.seq());
  auto refuse = [&] {
    resp.set_success(false);
    resp.set_epoch(hs_.epoch());
    resp.set_last_index(last_index());
    return resp;
  };
  if (req.group() != group_ || !is_member(req.leader()) || !observe_epoch(req.epoch(), fx))
    return refuse();
  // The sender leads this epoch: an acceptor that learns of the leader
  // through its appends will not vote for anyone else in it.
  if (hs_.voted_for() == 0) {
    hs_.set_voted_for(req.leader());
    fx.hard_state_changed = true;
  }
  heard_leader(req.leader());
  // Log matching: we must hold the entry before the new ones.
  auto prev = req.prev_index();
  if (prev > last_index())
    return refuse();
  if (prev >= snapshot_.index() && epoch_at(prev) != req.prev_epoch()) {
    resp.set_success(false);
    resp.set_epoch(hs_.epoch());
    resp.set_last_index(prev - 1); // everything from prev on is suspect
    return resp;
  }
  for (int k = 0; k < req.entries_size(); ++k) {
    auto& e = req.entries(k);
    uint64_t index = e.index();
    if (index != prev + 1 + static_cast<uint64_t>(k))
      return refuse(); // malformed: entries must be consecutive
    if (index <= snapshot_.index())
      continue; // covered by our snapshot, hence committed and equal
    if (index <= last_index()) {
      if (at(index).epoch() == e.epoch())
        continue; // already held
      // A conflicting suffix, from a leader that did not get it committed.
      // Committed entries never conflict (election restriction); refuse
      // rather than destroy one if a peer misbehaves.
      if (index <= commit_index_)
        return refuse();
      log_.resize(index - first_index());
      fx.truncated_from = fx.truncated_from ? std::min(*fx.truncated_from, index) : index;
      // Entries appended earlier in this batch of effects and now removed
      // must not be written.
      auto& app = fx.appended;
      app.erase(std::remove_if(app.begin(), app.end(),
                               [index](const wire::LogEntry& x) { return x.index() >= index; }),
                app.end());
    }
    log_.push_back(e);
    fx.appended.push_back(e);
  }
  uint64_t match = prev + static_cast<uint64_t>(req.entries_size());
  commit_index_ = std::max(commit_index_, std::min(req.commit_index(), match));
  resp.set_success(true);
  resp.set_epoch(hs_.epoch());
  resp.set_match_index(match);
  resp.set_last_index(last_index());
  return resp;
}

void acceptor_core::install(const wire::SnapshotMeta& meta, acceptor_effects& fx) {
  auto old_first = first_index();
  if (epoch_at(meta.index()) == meta.epoch()) {
    // We hold the entry the snapshot ends with: keep what follows it.
    log_.erase(log_.begin(), log_.begin() + static_cast<long>(meta.index() - snapshot_.index()));
  } else {
    fx.truncated_from = first_index();
    fx.appended.clear();
    log_.clear();
  }
  if (!fx.compacted_through)
    fx.compacted_from = old_first;
  snapshot_ = meta;
  fx.snapshot = meta;
  fx.compacted_through = meta.index();
  drop_covered(fx, meta.index());
  commit_index_ = std::max(commit_index_, meta.index());
}

wire::InstallSnapshotResponse acceptor_core::on_install_snapshot(const wire::InstallSnapshot& req,
                                                                 acceptor_effects& fx) {
  wire::InstallSnapshotResponse resp;
  resp.set_group(group_);
  resp.set_from(self_);
  auto& rx = fx.receive;
  rx = snapshot_receive{};
  if (req.group() != group_ || !is_member(req.leader()) || !observe_epoch(req.epoch(), fx)) {
    rx.refused = "not the current leader";
    resp.set_epoch(hs_.epoch());
    return resp;
  }
  heard_leader(req.leader());
  resp.set_epoch(hs_.epoch());
  auto& meta = req.meta();
  if (meta.index() <= snapshot_.index()) {
    // Ours is as new already (or newer): nothing to receive.
    if (incoming_.active() && incoming_.meta().index() <= snapshot_.index()) {
      incoming_.reset();
      rx.discard = true;
    }
    resp.set_success(true);
    resp.set_index(snapshot_.index());
    return resp;
  }
  if (!incoming_.receiving(meta, req.total_size(), req.crc32()) || incoming_epoch_ != req.epoch() ||
      incoming_from_ != req.leader()) {
    // Another snapshot, or a new leader's transfer: start over.
    incoming_.start(meta, req.total_size(), req.crc32());
    incoming_epoch_ = req.epoch();
    incoming_from_ = req.leader();
    rx.begin = true;
    rx.meta = meta;
  }
  auto verdict = incoming_.accept(req.offset(), req.data());
  resp.set_index(snapshot_.index());
  resp.set_receiving(meta.index());
  switch (verdict) {
    case snapshot_receiver::verdict::taken:
      rx.append = true;
      resp.set_success(true);
      break;
    case snapshot_receiver::verdict::complete:
      rx.append = true;
      rx.complete = true;
      incoming_.reset();
      install(meta, fx);
      resp.set_success(true);
      resp.set_index(snapshot_.index());
      resp.set_receiving(0);
      return resp;
    case snapshot_receiver::verdict::duplicate:
      resp.set_success(true); // already held: the answer says where to go on
      break;
    case snapshot_receiver::verdict::bad_checksum:
      rx.discard = true;
      rx.refused = to_string(verdict);
      resp.set_next_offset(0);
      return resp;
    default:
      rx.refused = to_string(verdict);
      break;
  }
  resp.set_next_offset(incoming_.next());
  return resp;
}

bool acceptor_core::can_compact(const wire::SnapshotMeta& meta) const {
  // The local follower applied meta.index as committed; it often hears of a
  // commit before this acceptor does (the leader's next append tells it),
  // so our own commit index is not required. Holding that entry with the
  // same epoch is: by log matching our prefix is then the committed one.
  return meta.index() > snapshot_.index() && epoch_at(meta.index()) == meta.epoch();
}

bool acceptor_core::compact(const wire::SnapshotMeta& meta, acceptor_effects& fx) {
  if (!can_compact(meta))
    return false;
  if (!fx.compacted_through)
    fx.compacted_from = first_index();
  log_.erase(log_.begin(), log_.begin() + static_cast<long>(meta.index() - snapshot_.index()));
  snapshot_ = meta;
  fx.snapshot = meta;
  fx.compacted_through = meta.index();
  drop_covered(fx, meta.index());
  commit_index_ = std::max(commit_index_, meta.index());
  if (incoming_.active() && incoming_.meta().index() <= meta.index()) {
    incoming_.reset(); // overtaken by our own snapshot
    fx.receive.discard = true;
  }
  return true;
}

wire::SnapshotReadResponse acceptor_core::plan_snapshot_read(const wire::SnapshotReadRequest& req,
                                                             const wire::SnapshotFile& file,
                                                             size_t& length) const {
  wire::SnapshotReadResponse resp;
  resp.set_group(group_);
  length = 0;
  if (req.group() != group_ || snapshot_.index() == 0 || file.name().empty())
    return resp; // available = false
  resp.set_available(true);
  *resp.mutable_meta() = snapshot_;
  resp.set_total_size(file.size());
  resp.set_crc32(file.crc32());
  uint64_t offset = req.index() == snapshot_.index() && req.offset() <= file.size() ? req.offset() : 0;
  resp.set_offset(offset);
  auto want = std::min<uint64_t>(std::max<uint32_t>(req.max_bytes(), 1), max_read_bytes);
  length = static_cast<size_t>(std::min<uint64_t>(want, file.size() - offset));
  return resp;
}

wire::FetchResponse acceptor_core::serve_fetch(const wire::FetchRequest& req,
                                               const wire::SnapshotFile& file) const {
  wire::FetchResponse resp;
  resp.set_group(group_);
  if (req.group() != group_)
    return resp;
  resp.set_commit_index(commit_index_);
  std::vector<wire::LogEntry> entries;
  auto max = std::min<uint32_t>(std::max<uint32_t>(req.max_entries(), 1), 8192);
  constexpr size_t max_bytes = 4u << 20;
  if (!read(req.from_index(), max, max_bytes, entries)) {
    resp.set_compacted(true);
    *resp.mutable_snapshot() = snapshot_;
    resp.set_snapshot_size(file.size());
    resp.set_snapshot_crc32(file.crc32());
    read(first_index(), max, max_bytes, entries);
  }
  for (auto& e : entries)
    if (e.index() <= commit_index_) // followers apply committed entries only
      *resp.add_entries() = std::move(e);
  return resp;
}

bool acceptor_core::read(uint64_t from, size_t max_entries, size_t max_bytes,
                         std::vector<wire::LogEntry>& out) const {
  if (from < first_index())
    return false;
  size_t bytes = 0;
  for (auto i = from; i <= last_index() && max_entries > 0; ++i, --max_entries) {
    auto& e = at(i);
    bytes += e.data().size();
    if (bytes > max_bytes && !out.empty())
      break;
    out.push_back(e);
  }
  return true;
}

} // namespace troupe::rlog
