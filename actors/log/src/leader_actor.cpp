// The leader role: proposer_core driven by a timer tick, routing its votes
// and appends to the members' acceptors (found through the directory), its
// local acceptor for tails and catch-up reads, and its followers for
// committed entries. Replication is one-way messages with sequence numbers
// (CAF's pending-response map is a linear scan; see docs/caf-notes.md).
// A lagging acceptor behind the local acceptor's snapshot gets it streamed
// (snapshot_sender): each chunk read from the local acceptor's file when it
// is due, a few in flight, none of it blocking appends to the others.
#include <deque>
#include <set>

#include "log_actors.hpp"
#include "troupe/log/leader_status.hpp"
#include "troupe/log/proposer_core.hpp"
#include "troupe/log/snapshot_sender.hpp"
#include "troupe/runtime/deadline.hpp"
#include "troupe/runtime/directory.hpp"
#include "troupe/runtime/metrics.hpp"

namespace troupe::rlog {

namespace {

struct leader_state {
  group_config cfg;
  member_id self = 0;
  std::unique_ptr<proposer_core> core;
  std::unique_ptr<snapshot_sender> snapshots;
  caf::actor local_acceptor;
  std::map<member_id, caf::actor> acceptors;
  std::map<std::string, caf::actor> learners;           // follower name -> handle
  std::map<uint64_t, std::pair<caf::actor, uint64_t>> reads; // read id -> (follower, its id)
  uint64_t next_read = 0;
  // Proposals this member took, per origin, kept across its leaderships: a
  // retransmitted or duplicated proposal must not be appended twice. (A
  // retransmission of one that was truncated after a leader change is then
  // dropped too: its proposer times out with "outcome unknown", never a
  // double apply.)
  std::map<std::string, std::set<uint64_t>> taken;
  uint32_t ticks_since_committed = 0; // learners hear the commit index at least every heartbeat
  bool flush_pending = false;
  bool tail_pending = false;
  deadline_table deadlines;
  log::logger log;
  metrics::counter* leader_changes = nullptr;
  metrics::histogram* commit_batch = nullptr;
  metrics::histogram* commit_latency = nullptr;
  std::map<member_id, metrics::gauge*> acceptor_lag;
  // Proposal times by index, for the commit latency histogram.
  std::deque<std::pair<uint64_t, caf::actor_clock::time_point>> proposed_at;
  static inline const char* name = "troupe.log.leader";
};

using leader_actor = caf::stateful_actor<leader_state>;

// Commands of one ProposeBatch share an entry up to this many bytes.
constexpr size_t max_entry_bytes = 256u << 10;

member_id member_of(const leader_state& st, const std::string& node) {
  for (auto& [id, n] : st.cfg.members)
    if (n == node)
      return id;
  return 0;
}

void apply(leader_actor* self, proposer_effects& fx);

void query_tail(leader_actor* self) {
  auto& st = self->state;
  if (st.tail_pending)
    return;
  st.tail_pending = true;
  request(self, st.deadlines, st.local_acceptor, std::chrono::seconds(2), local::tail::value)
    .then(
      [self](local_tail& t) {
        auto& st = self->state;
        st.tail_pending = false;
        proposer_effects fx;
        st.core->on_local_tail(t.promised_epoch, t.last_epoch, t.last_index, t.prev_epoch,
                               std::move(t.entries), fx);
        apply(self, fx);
      },
      [self](caf::error&) { self->state.tail_pending = false; });
}

// Reads each chunk from the local acceptor's snapshot file, then sends it to
// its acceptor if the transfer still wants it.
void send_chunks(leader_actor* self, std::vector<snapshot_chunk>& chunks) {
  auto& st = self->state;
  for (auto& c : chunks) {
    wire::SnapshotReadRequest req;
    req.set_group(st.cfg.group);
    req.set_index(c.meta.index());
    req.set_offset(c.offset);
    req.set_max_bytes(static_cast<uint32_t>(c.length));
    request(self, st.deadlines, st.local_acceptor, std::chrono::seconds(2), std::move(req))
      .then(
        [self, c](wire::SnapshotReadResponse& r) {
          auto& st = self->state;
          if (!r.available() || r.meta().index() != c.meta.index() || r.offset() != c.offset) {
            // Our acceptor holds another snapshot now: the proposer's fetch
            // times out and starts a transfer of that one.
            st.snapshots->stop(c.to);
            return;
          }
          auto i = st.acceptors.find(c.to);
          if (!st.core->leading() || !st.snapshots->wanted(c) || i == st.acceptors.end())
            return;
          wire::InstallSnapshot inst;
          inst.set_group(st.cfg.group);
          inst.set_epoch(st.core->epoch());
          inst.set_leader(st.self);
          *inst.mutable_meta() = r.meta();
          inst.set_offset(c.offset);
          inst.set_total_size(r.total_size());
          inst.set_crc32(r.crc32());
          inst.set_data(std::move(*r.mutable_data()));
          self->send(i->second, std::move(inst));
        },
        [](caf::error&) {}); // resent after the transfer's silence
  }
  chunks.clear();
}

void fetch_for(leader_actor* self, member_id to, uint64_t from) {
  auto& st = self->state;
  request(self, st.deadlines, st.local_acceptor, std::chrono::seconds(2), local::fetch_for::value, to, from)
    .then(
      [self](catch_up& c) {
        auto& st = self->state;
        proposer_effects fx;
        if (!c.compacted) {
          st.core->on_fetched(c.to, c.prev_epoch, std::move(c.entries), fx);
        } else if (st.acceptors.count(c.to) && st.core->leading()) {
          std::vector<snapshot_chunk> chunks;
          st.snapshots->start(c.to, c.snapshot, c.snapshot_size, c.snapshot_crc, chunks);
          send_chunks(self, chunks);
        }
        apply(self, fx);
      },
      [](caf::error&) {}); // the core retries after its fetch times out
}

void apply(leader_actor* self, proposer_effects& fx) {
  auto& st = self->state;
  for (auto& [to, v] : fx.votes)
    if (auto i = st.acceptors.find(to); i != st.acceptors.end())
      self->send(i->second, std::move(v));
  for (auto& [to, a] : fx.appends)
    if (auto i = st.acceptors.find(to); i != st.acceptors.end())
      self->send(i->second, std::move(a));
  if (fx.query_local_tail)
    query_tail(self);
  for (auto& [to, from] : fx.fetches)
    fetch_for(self, to, from);
  if (!fx.committed.empty()) {
    st.commit_batch->observe(static_cast<double>(fx.committed.size()));
    auto now = self->clock().now();
    auto last = fx.committed.back().index();
    while (!st.proposed_at.empty() && st.proposed_at.front().first <= last) {
      st.commit_latency->observe(
        std::chrono::duration<double>(now - st.proposed_at.front().second).count());
      st.proposed_at.pop_front();
    }
    wire::Committed c;
    c.set_group(st.cfg.group);
    c.set_epoch(st.core->epoch());
    c.set_leader(st.self);
    c.set_commit_index(st.core->commit_index());
    for (auto& e : fx.committed)
      *c.add_entries() = std::move(e);
    auto msg = caf::make_message(std::move(c));
    for (auto& [name, handle] : st.learners)
      self->send(handle, msg);
    st.ticks_since_committed = 0;
  }
  if (fx.leader_changed) {
    auto [epoch, leader] = *fx.leader_changed;
    if (leader == st.self) {
      st.leader_changes->inc();
      st.log.info("leading", {{"group", st.cfg.group}, {"epoch", epoch}});
    } else {
      st.log.debug("not leading", {{"group", st.cfg.group}, {"epoch", epoch}, {"leader", leader}});
    }
  }
  for (auto& r : fx.reads) {
    auto i = st.reads.find(r.id);
    if (i == st.reads.end())
      continue;
    wire::ReadIndexResponse resp;
    resp.set_group(st.cfg.group);
    resp.set_id(i->second.second);
    resp.set_index(r.index);
    resp.set_epoch(st.core->epoch());
    resp.set_leader(st.core->leader());
    self->send(i->second.first, std::move(resp));
    st.reads.erase(i);
  }
}

// An empty Committed: a learner that lost the last one finds its gap and
// fetches, instead of waiting for the next commit (a quiet log has none).
void tell_commit_index(leader_actor* self) {
  auto& st = self->state;
  st.ticks_since_committed = 0;
  wire::Committed c;
  c.set_group(st.cfg.group);
  c.set_epoch(st.core->epoch());
  c.set_leader(st.self);
  c.set_commit_index(st.core->commit_index());
  auto msg = caf::make_message(std::move(c));
  for (auto& [name, handle] : st.learners)
    self->send(handle, msg);
}

void schedule_flush(leader_actor* self) {
  if (!self->state.flush_pending) {
    self->state.flush_pending = true;
    self->send(self, local::flush::value);
  }
}

caf::behavior leader(leader_actor* self, node_env* env, group_config cfg, member_id me,
                     caf::actor acceptor) {
  auto& st = self->state;
  st.cfg = std::move(cfg);
  st.self = me;
  st.local_acceptor = std::move(acceptor);
  st.log = env->logger("log.leader");
  proposer_config pc;
  pc.group = st.cfg.group;
  pc.self = me;
  for (auto& [id, node] : st.cfg.members)
    pc.members.push_back(id);
  pc.election_ticks_min = st.cfg.election_ticks_min;
  pc.election_ticks_max = st.cfg.election_ticks_max;
  pc.heartbeat_ticks = st.cfg.heartbeat_ticks;
  pc.max_batch_entries = st.cfg.max_batch_entries;
  pc.max_batch_bytes = st.cfg.max_batch_bytes;
  pc.max_inflight = st.cfg.max_inflight;
  st.core = std::make_unique<proposer_core>(pc, env->seed());
  st.snapshots = std::make_unique<snapshot_sender>(st.cfg.snapshot_chunk_bytes);
  metrics::labels lbl{{"group", st.cfg.group}};
  st.leader_changes = &env->metrics().get_counter("troupe_log_leader_changes_total",
                                                  "Times this member became leader", lbl);
  st.commit_latency = &env->metrics().get_histogram("troupe_log_commit_latency_seconds",
                                                    "Proposal reaching the leader to commit", lbl);
  for (auto& [id, node] : st.cfg.members) {
    auto l2 = lbl;
    l2.emplace_back("acceptor", std::to_string(id));
    st.acceptor_lag[id] = &env->metrics().get_gauge("troupe_log_acceptor_lag_entries",
                                                    "Entries an acceptor is behind the leader", l2);
  }
  st.commit_batch = &env->metrics().get_histogram("troupe_log_commit_batch_entries",
                                                  "Entries committed together", lbl,
                                                  metrics::histogram::exponential(1, 2, 16));
  for (auto& [id, node] : st.cfg.members)
    subscribe(self, env->directory(), address{node, st.cfg.acceptor_role()});
  self->send(st.local_acceptor, local::set_leader::value, caf::actor{self});
  self->send(self, local::tick::value);
  return {
    [self](const role_up& up) {
      self->state.log.debug("acceptor reachable", {{"at", to_string(up.addr)}});
      if (auto id = member_of(self->state, up.addr.node))
        self->state.acceptors[id] = up.handle;
    },
    [self](const role_down& down) {
      self->state.acceptors.erase(member_of(self->state, down.addr.node));
    },
    [self](local::tick) {
      auto& st = self->state;
      self->delayed_send(self, st.cfg.tick, local::tick::value);
      proposer_effects fx;
      st.core->tick(fx);
      apply(self, fx);
      if (!st.core->leading()) {
        st.proposed_at.clear();
        st.snapshots->clear();
      } else {
        if (++st.ticks_since_committed >= st.cfg.heartbeat_ticks)
          tell_commit_index(self);
        std::vector<snapshot_chunk> resend;
        st.snapshots->tick(resend);
        send_chunks(self, resend);
      }
      for (auto& [id, p] : st.core->peers())
        if (auto g = st.acceptor_lag.find(id); g != st.acceptor_lag.end())
          g->second->set(static_cast<double>(st.core->last_index() - std::min(p.match, st.core->last_index())));
    },
    [self](atoms::status) {
      auto& st = self->state;
      auto& c = *st.core;
      leader_status s;
      s.group = st.cfg.group;
      s.self = st.self;
      s.role = c.leading() ? "leader" : c.role() == proposer_role::candidate ? "candidate" : "follower";
      s.epoch = c.epoch();
      s.leader = c.leader();
      if (c.leading()) {
        s.commit = c.commit_index();
        s.last = c.last_index();
        for (auto& [id, p] : c.peers())
          s.acceptors.push_back({id, p.match, p.next, p.inflight, st.acceptors.count(id) > 0});
        s.followers = st.learners.size();
      }
      return to_json(s);
    },
    [self](local::flush) {
      self->state.flush_pending = false;
      proposer_effects fx;
      self->state.core->flush(fx);
      apply(self, fx);
    },
    [self](local::leader_seen, uint64_t epoch, member_id leader) {
      proposer_effects fx;
      self->state.core->on_leader_seen(epoch, leader, fx);
      apply(self, fx);
    },
    [self](const wire::VoteResponse& resp) {
      proposer_effects fx;
      self->state.core->on_vote_response(resp, fx);
      apply(self, fx);
    },
    [self](const wire::AppendResponse& resp) {
      proposer_effects fx;
      self->state.core->on_append_response(resp, fx);
      apply(self, fx);
    },
    [self](const wire::InstallSnapshotResponse& resp) {
      auto& st = self->state;
      if (resp.group() != st.cfg.group || resp.epoch() != st.core->epoch() || !st.core->leading())
        return;
      std::vector<snapshot_chunk> chunks;
      proposer_effects fx;
      switch (st.snapshots->on_response(resp, chunks)) {
        case snapshot_sender::outcome::installed:
          st.core->on_snapshot_installed(resp.from(), resp.index(), fx);
          break;
        case snapshot_sender::outcome::progress:
          st.core->on_snapshot_progress(resp.from());
          break;
        case snapshot_sender::outcome::ignored:
          break;
      }
      send_chunks(self, chunks);
      apply(self, fx);
    },
    [self](const wire::LearnerHello& hello) {
      auto& st = self->state;
      if (hello.group() != st.cfg.group)
        return;
      st.learners[hello.learner()] = caf::actor_cast<caf::actor>(self->current_sender());
    },
    [self](const wire::LearnerAck&) {},
    [self](wire::ProposeBatch& batch) {
      auto& st = self->state;
      auto sender = caf::actor_cast<caf::actor>(self->current_sender());
      if (batch.group() != st.cfg.group || batch.origin_seqs_size() != batch.commands_size())
        return;
      if (!st.learners.count(batch.origin()) && sender)
        st.learners[batch.origin()] = sender;
      auto& seqs = st.taken[batch.origin()];
      auto reject = [&](uint64_t seq, bool taken_before) {
        // Not leading. If this member took the proposal in an earlier
        // leadership, it may commit under the next leader: sending it
        // there would apply it twice, so its outcome is unknown.
        wire::ProposeRejected r;
        r.set_group(st.cfg.group);
        r.set_origin_seq(seq);
        r.set_epoch(st.core->epoch());
        r.set_leader(st.core->leader());
        r.set_taken_before(taken_before);
        self->send(sender, std::move(r));
      };
      if (!st.core->leading()) {
        for (auto seq : batch.origin_seqs())
          reject(seq, seqs.count(seq) > 0);
        return;
      }
      // The batch's new commands go into as few entries as the size cap
      // allows: one entry per command would multiply every per-entry cost.
      wire::CommandBatch chunk;
      size_t chunk_bytes = 0;
      auto propose_chunk = [&] {
        if (chunk.commands_size() == 0)
          return;
        auto first = st.core->last_index() + 1;
        std::vector<uint64_t> chunk_seqs(chunk.origin_seqs().begin(), chunk.origin_seqs().end());
        if (st.core->propose_batch(std::move(chunk), batch.origin())) {
          st.proposed_at.emplace_back(first, self->clock().now());
        } else {
          for (auto seq : chunk_seqs) { // zxid counter exhausted: the next epoch takes them
            seqs.erase(seq);
            reject(seq, false);
          }
        }
        chunk.Clear();
        chunk_bytes = 0;
      };
      for (int k = 0; k < batch.origin_seqs_size(); ++k) {
        auto seq = batch.origin_seqs(k);
        if (!seqs.insert(seq).second)
          continue; // a duplicate of one already in the log (or in this batch)
        auto& command = *batch.mutable_commands(k);
        if (chunk_bytes > 0 && chunk_bytes + command.size() > max_entry_bytes)
          propose_chunk();
        chunk_bytes += command.size();
        chunk.add_origin_seqs(seq);
        chunk.add_commands(std::move(command));
      }
      propose_chunk();
      while (seqs.size() > 65536)
        seqs.erase(seqs.begin());
      schedule_flush(self);
    },
    [self](const wire::ReadIndexRequest& req) {
      auto& st = self->state;
      auto id = ++st.next_read;
      st.reads.emplace(id, std::make_pair(caf::actor_cast<caf::actor>(self->current_sender()), req.id()));
      proposer_effects fx;
      st.core->read_barrier(id, fx);
      apply(self, fx);
    },
  };
}

} // namespace

caf::actor spawn_leader(node_env& env, const group_config& cfg, member_id self, caf::actor acceptor) {
  auto handle = env.system().spawn(leader, &env, cfg, self, std::move(acceptor));
  env.add_role(cfg.leader_role(), handle);
  return handle;
}

} // namespace troupe::rlog
