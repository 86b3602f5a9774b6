#include "troupe/log/proposer_core.hpp"

#include <algorithm>

namespace troupe::rlog {

namespace {

uint64_t next_random(uint64_t& state) {
  uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

uint64_t make_zxid(uint64_t epoch, uint32_t counter) {
  return (epoch << 32) | counter;
}

} // namespace

proposer_core::proposer_core(proposer_config cfg, uint64_t seed)
  : cfg_(std::move(cfg)), rng_(seed ^ (uint64_t{cfg_.self} << 48)) {
  reset_election_timer();
}

void proposer_core::reset_election_timer() {
  election_elapsed_ = 0;
  auto span = cfg_.election_ticks_max - cfg_.election_ticks_min + 1;
  election_timeout_ = cfg_.election_ticks_min + static_cast<uint32_t>(next_random(rng_) % span);
}

void proposer_core::tick(proposer_effects& fx) {
  ++ticks_;
  if (role_ != proposer_role::leader) {
    if (++election_elapsed_ >= election_timeout_)
      start_pre_vote(fx);
    return;
  }
  if (!started_)
    return;
  // A leader that has not heard from a quorum for an election timeout may
  // be cut off: it steps down rather than keep a stale claim.
  size_t recent = 0;
  for (auto& [m, p] : progress_)
    if (ticks_ - p.last_ack_tick <= cfg_.election_ticks_max)
      ++recent;
  if (recent < quorum()) {
    become_follower(epoch_, 0, fx);
    return;
  }
  for (auto& [m, p] : progress_) {
    if (p.fetching && ticks_ - p.fetch_tick > 4 * cfg_.resend_ticks)
      p.fetching = false; // the local read or the snapshot was lost: retry
    if (p.inflight > 0 && ticks_ - p.last_ack_tick > cfg_.resend_ticks) {
      // Appends were lost: go back to what is known to match.
      p.inflight = 0;
      p.next = p.match + 1;
      p.fetching = false;
      p.rewound_at_seq = seq_;
    }
  }
  if (++heartbeat_elapsed_ >= cfg_.heartbeat_ticks) {
    heartbeat_elapsed_ = 0;
    for (auto& m : cfg_.members)
      send_to(m, true, fx);
  }
}

void proposer_core::start_pre_vote(proposer_effects& fx) {
  // A candidate whose election timed out asks again first: a real election
  // raises epochs, so it is only held when a quorum would take part.
  if (role_ == proposer_role::candidate) {
    role_ = proposer_role::follower;
    votes_.clear();
    won_ = false;
  }
  prevoting_ = true;
  prevote_epoch_ = 0;
  prevotes_.clear();
  reset_election_timer();
  // The pre-vote requests state the local log's tail and promise.
  fx.query_local_tail = true;
}

void proposer_core::on_pre_vote_response(const wire::VoteResponse& resp, proposer_effects& fx) {
  if (!prevoting_ || prevote_epoch_ == 0)
    return;
  if (!resp.granted()) {
    // The voter promised that epoch or a later one: ask above it next time.
    if (resp.epoch() >= prevote_epoch_)
      become_follower(resp.epoch(), 0, fx);
    return;
  }
  prevotes_.insert(resp.from());
  if (prevotes_.size() >= quorum()) {
    prevoting_ = false;
    start_election(fx);
  }
}

void proposer_core::ask_votes(uint64_t epoch, bool pre_vote, uint64_t last_epoch,
                              uint64_t last_index, proposer_effects& fx) {
  for (auto m : cfg_.members) {
    wire::VoteRequest req;
    req.set_group(cfg_.group);
    req.set_epoch(epoch);
    req.set_candidate(cfg_.self);
    req.set_last_epoch(last_epoch);
    req.set_last_index(last_index);
    req.set_pre_vote(pre_vote);
    fx.votes.emplace_back(m, std::move(req));
  }
}

void proposer_core::start_election(proposer_effects& fx) {
  role_ = proposer_role::candidate;
  leader_ = 0;
  votes_.clear();
  won_ = false;
  started_ = false;
  reset_election_timer();
  fx.leader_changed = std::make_pair(epoch_, member_id{0});
  // The vote requests state the local log's tail, which must be fresh.
  fx.query_local_tail = true;
}

void proposer_core::become_follower(uint64_t epoch, member_id leader, proposer_effects& fx) {
  bool changed = epoch != epoch_ || leader != leader_ || role_ != proposer_role::follower;
  role_ = proposer_role::follower;
  epoch_ = epoch;
  leader_ = leader;
  prevoting_ = false;
  won_ = false;
  started_ = false;
  window_.clear();
  progress_.clear();
  for (auto& r : reads_)
    fx.reads.push_back({r.id, 0});
  reads_.clear();
  reset_election_timer();
  if (changed)
    fx.leader_changed = std::make_pair(epoch_, leader_);
}

void proposer_core::on_local_tail(uint64_t promised_epoch, uint64_t last_epoch,
                                  uint64_t last_index, uint64_t prev_epoch,
                                  std::vector<wire::LogEntry> entries, proposer_effects& fx) {
  if (prevoting_) {
    prevote_epoch_ = std::max(epoch_, promised_epoch) + 1;
    ask_votes(prevote_epoch_, true, last_epoch, last_index, fx);
    return;
  }
  if (role_ != proposer_role::candidate)
    return;
  if (won_) {
    // Our acceptor voted for us in epoch_; it cannot have moved past it
    // without our hearing (a higher epoch makes us a follower).
    if (promised_epoch == epoch_)
      start_leading(last_epoch, last_index, prev_epoch, std::move(entries), fx);
    else
      become_follower(promised_epoch, 0, fx);
    return;
  }
  epoch_ = std::max(epoch_, promised_epoch) + 1;
  votes_.clear();
  ask_votes(epoch_, false, last_epoch, last_index, fx);
}

void proposer_core::on_vote_response(const wire::VoteResponse& resp, proposer_effects& fx) {
  if (resp.group() != cfg_.group)
    return;
  if (resp.pre_vote()) {
    on_pre_vote_response(resp, fx);
    return;
  }
  if (resp.epoch() > epoch_) {
    become_follower(resp.epoch(), 0, fx);
    return;
  }
  if (role_ != proposer_role::candidate || won_ || resp.epoch() != epoch_ || !resp.granted())
    return;
  votes_.insert(resp.from());
  if (votes_.size() >= quorum()) {
    // Won. The local acceptor now promised this epoch, so its log is final
    // for older leaders: read its tail once more and start from there.
    won_ = true;
    fx.query_local_tail = true;
  }
}

void proposer_core::start_leading(uint64_t last_epoch, uint64_t last_index, uint64_t prev_epoch,
                                  std::vector<wire::LogEntry> entries, proposer_effects& fx) {
  role_ = proposer_role::leader;
  leader_ = cfg_.self;
  window_.assign(std::make_move_iterator(entries.begin()), std::make_move_iterator(entries.end()));
  window_start_ = window_.empty() ? last_index + 1 : window_.front().index();
  window_prev_epoch_ = window_.empty() ? last_epoch : prev_epoch;
  // Everything before the window was committed when the local acceptor
  // learnt of it (the window starts after the acceptor's commit point).
  commit_index_ = window_start_ - 1;
  counter_ = 0;
  wire::LogEntry start;
  start.set_index(last_index + 1);
  start.set_epoch(epoch_);
  start.set_zxid(make_zxid(epoch_, 0));
  start.set_kind(wire::ENTRY_EPOCH_START);
  window_.push_back(std::move(start));
  epoch_start_index_ = last_index + 1;
  progress_.clear();
  for (auto m : cfg_.members) {
    progress p;
    p.next = last_index + 1;
    p.last_ack_tick = ticks_;
    progress_.emplace(m, p);
  }
  started_ = true;
  heartbeat_elapsed_ = 0;
  fx.leader_changed = std::make_pair(epoch_, cfg_.self);
  flush(fx);
}

std::optional<uint64_t> proposer_core::epoch_at(uint64_t index) const {
  if (index + 1 == window_start_)
    return window_prev_epoch_;
  if (index < window_start_ || index > last_index())
    return std::nullopt;
  return at(index).epoch();
}

std::optional<uint64_t> proposer_core::propose(std::string data, std::string origin,
                                               uint64_t origin_seq) {
  if (!leading() || counter_ == UINT32_MAX)
    return std::nullopt;
  wire::LogEntry e;
  e.set_index(last_index() + 1);
  e.set_epoch(epoch_);
  e.set_zxid(make_zxid(epoch_, ++counter_));
  e.set_kind(wire::ENTRY_COMMAND);
  e.set_data(std::move(data));
  e.set_origin(std::move(origin));
  e.set_origin_seq(origin_seq);
  auto zxid = e.zxid();
  window_.push_back(std::move(e));
  return zxid;
}

std::optional<uint64_t> proposer_core::propose_batch(wire::CommandBatch batch, std::string origin) {
  auto n = static_cast<uint64_t>(batch.commands_size());
  if (n == 1)
    return propose(std::move(*batch.mutable_commands(0)), std::move(origin), batch.origin_seqs(0));
  if (n == 0 || !leading() || counter_ + n > UINT32_MAX)
    return std::nullopt;
  wire::LogEntry e;
  e.set_index(last_index() + 1);
  e.set_epoch(epoch_);
  e.set_zxid(make_zxid(epoch_, counter_ + 1));
  counter_ += static_cast<uint32_t>(n);
  e.set_kind(wire::ENTRY_COMMANDS);
  e.set_count(static_cast<uint32_t>(n));
  batch.SerializeToString(e.mutable_data());
  e.set_origin(std::move(origin));
  auto zxid = e.zxid();
  window_.push_back(std::move(e));
  return zxid;
}

void proposer_core::flush(proposer_effects& fx) {
  if (!leading())
    return;
  for (auto m : cfg_.members)
    send_to(m, false, fx);
}

wire::AppendRequest proposer_core::make_append(uint64_t prev_index, uint64_t prev_epoch) {
  wire::AppendRequest req;
  req.set_group(cfg_.group);
  req.set_epoch(epoch_);
  req.set_leader(cfg_.self);
  req.set_prev_index(prev_index);
  req.set_prev_epoch(prev_epoch);
  req.set_commit_index(commit_index_);
  req.set_seq(++seq_);
  return req;
}

void proposer_core::send_to(member_id m, bool heartbeat, proposer_effects& fx) {
  auto& p = progress_[m];
  if (heartbeat && (p.fetching || p.next < window_start_)) {
    // A member being caught up still needs to hear from its leader, or its
    // proposer calls an election. Index 0 always matches: this append
    // changes nothing and only proves leadership.
    auto req = make_append(0, 0);
    fx.appends.emplace_back(m, std::move(req));
  }
  if (p.fetching)
    return;
  bool sent = false;
  while (p.inflight < cfg_.max_inflight && p.next <= last_index()) {
    if (p.next < window_start_) {
      // Older than what this leader holds in memory: the shell reads it
      // from the local acceptor (or ships a snapshot).
      p.fetching = true;
      p.fetch_tick = ticks_;
      fx.fetches.emplace_back(m, p.next);
      return;
    }
    auto req = make_append(p.next - 1, *epoch_at(p.next - 1));
    size_t bytes = 0;
    for (auto i = p.next; i <= last_index() && static_cast<size_t>(req.entries_size()) < cfg_.max_batch_entries; ++i) {
      auto& e = at(i);
      if (req.entries_size() > 0 && bytes + e.data().size() > cfg_.max_batch_bytes)
        break;
      bytes += e.data().size();
      *req.add_entries() = e;
    }
    p.next += static_cast<uint64_t>(req.entries_size());
    ++p.inflight;
    fx.appends.emplace_back(m, std::move(req));
    sent = true;
  }
  if (heartbeat && !sent && p.next >= window_start_) {
    // An empty append: proves leadership, carries the commit index, and
    // exposes a gap after lost messages (the acceptor refuses it).
    auto req = make_append(p.next - 1, *epoch_at(p.next - 1));
    fx.appends.emplace_back(m, std::move(req));
  }
}

void proposer_core::on_fetched(member_id to, uint64_t prev_epoch, std::vector<wire::LogEntry> entries,
                               proposer_effects& fx) {
  if (!leading())
    return;
  auto it = progress_.find(to);
  if (it == progress_.end())
    return;
  auto& p = it->second;
  p.fetching = false;
  if (entries.empty() || entries.front().index() != p.next)
    return; // stale answer; the resend timer recovers
  auto req = make_append(p.next - 1, prev_epoch);
  for (auto& e : entries) {
    if (e.index() >= window_start_)
      break;
    *req.add_entries() = std::move(e);
  }
  p.next += static_cast<uint64_t>(req.entries_size());
  ++p.inflight;
  fx.appends.emplace_back(to, std::move(req));
}

void proposer_core::on_snapshot_installed(member_id to, uint64_t index, proposer_effects& fx) {
  if (!leading())
    return;
  auto it = progress_.find(to);
  if (it == progress_.end())
    return;
  auto& p = it->second;
  p.fetching = false;
  p.match = std::max(p.match, index);
  p.next = std::max(p.next, index + 1);
  p.last_ack_tick = ticks_;
  send_to(to, false, fx);
}

void proposer_core::on_snapshot_progress(member_id to) {
  auto it = progress_.find(to);
  if (!leading() || it == progress_.end() || !it->second.fetching)
    return;
  it->second.fetch_tick = ticks_;
  it->second.last_ack_tick = ticks_;
}

void proposer_core::on_append_response(const wire::AppendResponse& resp, proposer_effects& fx) {
  if (resp.group() != cfg_.group)
    return;
  if (resp.epoch() > epoch_) {
    become_follower(resp.epoch(), 0, fx);
    return;
  }
  if (!leading() || resp.epoch() != epoch_)
    return;
  auto it = progress_.find(resp.from());
  if (it == progress_.end())
    return;
  auto& p = it->second;
  p.last_ack_tick = ticks_;
  p.acked_seq = std::max(p.acked_seq, resp.seq());
  // An answer to an append sent before the pipeline last restarted: not one
  // of those in flight now, and its refusal's tail hint is out of date (it
  // would move `next` past where the acceptor diverges, and reordered
  // refusals could bounce it there and back while appends pile up).
  bool stale = resp.seq() <= p.rewound_at_seq;
  if (p.inflight > 0 && !stale)
    --p.inflight;
  if (resp.success()) {
    p.match = std::max(p.match, resp.match_index());
    p.next = std::max(p.next, p.match + 1);
    advance_commit(fx);
  } else if (!stale) {
    // The acceptor lacks the entry before what we sent: back off to its
    // tail (never below what it is known to hold) and restart the pipeline.
    p.next = std::max(p.match + 1, std::min(p.next, resp.last_index() + 1));
    p.inflight = 0;
    p.fetching = false;
    p.rewound_at_seq = seq_;
  }
  check_reads(fx);
  send_to(resp.from(), false, fx);
}

void proposer_core::advance_commit(proposer_effects& fx) {
  std::vector<uint64_t> matches;
  for (auto& [m, p] : progress_)
    matches.push_back(p.match);
  std::sort(matches.begin(), matches.end(), std::greater<>());
  auto n = matches[quorum() - 1];
  // Only an entry of this epoch commits by counting (Raft, fig. 8); the
  // entries before it commit with it.
  if (n <= commit_index_ || epoch_at(n) != epoch_)
    return;
  for (auto i = commit_index_ + 1; i <= n; ++i)
    fx.committed.push_back(at(i));
  commit_index_ = n;
  // Drop what every acceptor holds and is committed: later readers fetch
  // from acceptors.
  auto lowest = std::min(commit_index_, matches.back());
  while (!window_.empty() && window_start_ < lowest) {
    window_prev_epoch_ = window_.front().epoch();
    window_.pop_front();
    ++window_start_;
  }
}

void proposer_core::read_barrier(uint64_t id, proposer_effects& fx) {
  if (!leading() || commit_index_ < epoch_start_index_) {
    // Not (yet) a leader whose commit index is current.
    fx.reads.push_back({id, 0});
    return;
  }
  reads_.push_back({id, commit_index_, seq_});
  for (auto m : cfg_.members)
    send_to(m, true, fx);
}

void proposer_core::check_reads(proposer_effects& fx) {
  auto it = reads_.begin();
  while (it != reads_.end()) {
    size_t acks = 0;
    for (auto& [m, p] : progress_)
      if (p.acked_seq > it->after_seq)
        ++acks;
    if (acks < quorum())
      break; // later reads were registered later: they cannot be confirmed first
    fx.reads.push_back({it->id, it->index});
    it = reads_.erase(it);
  }
}

void proposer_core::on_leader_seen(uint64_t epoch, member_id leader, proposer_effects& fx) {
  if (role_ == proposer_role::leader) {
    if (epoch > epoch_)
      become_follower(epoch, leader, fx);
    else if (epoch == epoch_ && leader == leader_)
      election_elapsed_ = 0;
    return;
  }
  if (leader == cfg_.self && epoch == epoch_)
    return;
  // Below our epoch too: an election nobody took up (acceptors that hear a
  // live leader ignore it). The next one still starts above the local
  // acceptor's promise, so no epoch is led twice.
  become_follower(epoch, leader, fx);
}

} // namespace troupe::rlog
