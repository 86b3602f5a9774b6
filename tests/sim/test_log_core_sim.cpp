// The replicated log's pure cores (acceptor + proposer per member) under a
// deterministic, adversarial network: drops, duplicates, reordering,
// partitions, crashes and restarts that lose everything not synced. After
// every step: at most one entry is ever committed per index, the committed
// prefix never changes, a leader holds every committed entry, and zxids rise
// along the log. At the end, with faults healed, the log must make progress.
// A second sweep spares the leader and a quorum around it (timely, lossless
// links) and hits only the others: then the epoch must never change — a
// member that restarts or returns from a partition must not depose the
// leader (pre-vote, and acceptors that hear a live leader ignore votes).
//
// Snapshots are several chunks long, so lagging acceptors and learners catch
// up through chunked transfers that lose, duplicate and reorder chunks and
// are cut by crashes.
#include <gtest/gtest.h>

#include <map>
#include <variant>

#include "troupe/log/acceptor_core.hpp"
#include "troupe/log/learner_core.hpp"
#include "troupe/log/log_entry.hpp"
#include "troupe/log/proposer_core.hpp"
#include "troupe/log/snapshot_sender.hpp"
#include "troupe/persistence/checksum.hpp"
#include "troupe/sim/rng.hpp"
#include "troupe/sim/seeds.hpp"

using namespace troupe::rlog;
using troupe::sim::rng;
namespace wire = troupe::wire;

namespace {

using payload = std::variant<wire::VoteRequest, wire::VoteResponse, wire::AppendRequest,
                             wire::AppendResponse, wire::Committed, wire::FetchRequest,
                             wire::FetchResponse, wire::InstallSnapshot,
                             wire::InstallSnapshotResponse, wire::SnapshotReadRequest,
                             wire::SnapshotReadResponse>;

struct message {
  member_id from;
  member_id to;
  payload body;
  uint64_t sent_tick = 0;
};

struct disk {
  wire::HardState hs;
  wire::SnapshotMeta snapshot;
  std::string snapshot_data;  // the snapshot file the store references
  std::vector<wire::LogEntry> entries;
};

// The state machine of the simulation: a running hash of applied zxids, so
// a snapshot is just that number and any divergence shows.
uint64_t fold(uint64_t state, const wire::LogEntry& e) {
  return troupe::sim::fnv1a(std::to_string(e.zxid()) + e.data(), state);
}

// A snapshot: the state, padded so that it takes several (4) chunks.
// (With 8- or 10-byte chunks, seed 10005 of the 5-member sweep stalls after
// healing: appends and their answers pile up faster than they are delivered
// — the proposer's resend timer and its resets of in-flight counts on failed
// appends feed each other once the network's backlog outgrows resend_ticks.
// No snapshot message takes part in that pile; the proposer's flow control
// is what it shows.)
constexpr size_t chunk_bytes = 12;
std::string snapshot_of(uint64_t state) {
  return std::to_string(state) + "|" + std::string(40, '.');
}

wire::SnapshotFile file_of(const std::string& data) {
  wire::SnapshotFile f;
  f.set_name("snapshot");
  f.set_size(data.size());
  f.set_crc32(troupe::persistence::crc32(data));
  return f;
}

struct member {
  member_id id;
  bool up = true;
  disk durable;
  std::unique_ptr<acceptor_core> acceptor;
  std::unique_ptr<proposer_core> proposer;
  std::unique_ptr<learner_core> learner;
  uint64_t state = 0;                    // the learner's state machine
  acceptor_effects pending_fx;           // not yet synced
  std::string snapshot_data;             // the file that goes with acceptor->snapshot()
  std::string incoming;                  // a snapshot being received (temporary file)
  std::unique_ptr<snapshot_sender> sender; // the leader shell's transfers
  std::vector<message> pending_replies;  // sent once synced
};

class cluster {
public:
  cluster(uint64_t seed, size_t n) : rng_(seed), seed_(seed) {
    for (member_id i = 1; i <= n; ++i)
      ids_.push_back(i);
    for (auto i : ids_) {
      members_[i].id = i;
      boot(members_[i]);
    }
  }

  void boot(member& m) {
    m.up = true;
    proposer_config cfg;
    cfg.group = "g";
    cfg.self = m.id;
    cfg.members = ids_;
    cfg.max_inflight = 4;
    cfg.max_batch_entries = 8;
    m.acceptor = std::make_unique<acceptor_core>(
      "g", m.id, ids_, lease_ticks_for(cfg.election_ticks_min, cfg.heartbeat_ticks));
    m.acceptor->restore(m.durable.hs, m.durable.snapshot, m.durable.entries);
    m.snapshot_data = m.durable.snapshot_data;
    m.incoming.clear(); // a crash loses the temporary file
    m.sender = std::make_unique<snapshot_sender>(chunk_bytes, 2, 4);
    m.learner = std::make_unique<learner_core>("g", 3, 65536, chunk_bytes);
    m.state = 0;
    m.proposer = std::make_unique<proposer_core>(cfg, seed_ * 31 + m.id * 7 + restarts_++);
    m.pending_fx.clear();
    m.pending_replies.clear();
  }

  void crash(member_id id) {
    auto& m = members_[id];
    m.up = false; // unsynced effects and replies die with it
    m.acceptor.reset();
    m.proposer.reset();
    m.learner.reset();
    m.sender.reset();
  }

  // The leader shell: each due chunk read from the local snapshot file.
  void send_chunks(member& m, std::vector<snapshot_chunk>& chunks) {
    for (auto& c : chunks) {
      if (!same_snapshot(c.meta, m.acceptor->snapshot())) {
        m.sender->stop(c.to); // the file changed: the fetch starts over
        continue;
      }
      wire::InstallSnapshot inst;
      inst.set_group("g");
      inst.set_epoch(m.proposer->epoch());
      inst.set_leader(m.id);
      *inst.mutable_meta() = c.meta;
      inst.set_offset(c.offset);
      inst.set_data(m.snapshot_data.substr(c.offset, c.length));
      inst.set_total_size(m.snapshot_data.size());
      inst.set_crc32(troupe::persistence::crc32(m.snapshot_data));
      send({m.id, c.to, inst});
    }
    chunks.clear();
  }

  // The acceptor shell's part of a chunk: the temporary file.
  void receive_chunk(member& m, const wire::InstallSnapshot& inst) {
    auto& rx = m.pending_fx.receive;
    if (rx.begin || rx.discard)
      m.incoming.clear();
    if (rx.append)
      m.incoming += inst.data();
    if (rx.complete) {
      ASSERT_EQ(troupe::persistence::crc32(m.incoming), inst.crc32());
      m.snapshot_data = std::move(m.incoming);
      m.incoming.clear();
    }
    rx = snapshot_receive{};
  }

  // Writes an acceptor's pending effects to its disk, then releases replies.
  void sync(member& m) {
    auto& fx = m.pending_fx;
    auto& d = m.durable;
    if (fx.hard_state_changed)
      d.hs = m.acceptor->hard_state();
    if (fx.truncated_from)
      while (!d.entries.empty() && d.entries.back().index() >= *fx.truncated_from)
        d.entries.pop_back();
    if (fx.compacted_through)
      while (!d.entries.empty() && d.entries.front().index() <= *fx.compacted_through)
        d.entries.erase(d.entries.begin());
    if (fx.snapshot) {
      d.snapshot = *fx.snapshot;
      d.snapshot_data = m.snapshot_data;
    }
    for (auto& e : fx.appended)
      d.entries.push_back(e);
    fx.clear();
    for (auto& r : m.pending_replies)
      send(std::move(r));
    m.pending_replies.clear();
  }

  // Both ends in the spared quorum: the link neither loses nor delays
  // messages beyond a tick.
  bool timely(member_id a, member_id b) const {
    return timely_.count(a) > 0 && timely_.count(b) > 0;
  }

  void send(message msg) {
    msg.sent_tick = ticks_;
    if (!timely(msg.from, msg.to) && rng_.chance(drop))
      return;
    inflight_.push_back(msg);
    if (rng_.chance(duplicate))
      inflight_.push_back(std::move(msg));
  }

  void apply(member& m, proposer_effects& fx) {
    for (auto& [to, v] : fx.votes)
      send({m.id, to, v});
    for (auto& [to, a] : fx.appends)
      send({m.id, to, a});
    if (fx.query_local_tail) {
      // Tail of the local acceptor, as its shell would report it.
      auto& a = *m.acceptor;
      std::vector<wire::LogEntry> entries;
      auto from = std::max(a.commit_index() + 1, a.first_index());
      a.read(from, SIZE_MAX, SIZE_MAX, entries);
      proposer_effects next;
      m.proposer->on_local_tail(a.hard_state().epoch(), a.last_epoch(), a.last_index(),
                                a.epoch_at(from - 1).value_or(0),
                                std::move(entries), next);
      if (m.proposer->leading())
        check_leader_completeness(m);
      apply(m, next);
    }
    for (auto& [to, from] : fx.fetches) {
      std::vector<wire::LogEntry> entries;
      proposer_effects next;
      if (m.acceptor->read(from, 8, SIZE_MAX, entries)) {
        m.proposer->on_fetched(to, m.acceptor->epoch_at(from - 1).value_or(0), std::move(entries), next);
      } else {
        // Compacted away: stream the local acceptor's snapshot instead.
        std::vector<snapshot_chunk> chunks;
        auto file = file_of(m.snapshot_data);
        m.sender->start(to, m.acceptor->snapshot(), file.size(), file.crc32(), chunks);
        send_chunks(m, chunks);
      }
      apply(m, next);
    }
    for (auto& e : fx.committed)
      record_commit(e);
    if (!fx.committed.empty()) {
      wire::Committed c;
      c.set_group("g");
      c.set_epoch(m.proposer->epoch());
      c.set_leader(m.id);
      c.set_commit_index(m.proposer->commit_index());
      for (auto& e : fx.committed)
        *c.add_entries() = e;
      for (auto i : ids_)
        send({m.id, i, c});
    }
  }

  void apply(member& m, learner_effects& fx) {
    if (fx.restore) {
      auto& [meta, data] = *fx.restore;
      m.state = std::stoull(data);
      ASSERT_EQ(m.state, state_at(meta.index())) << "snapshot diverges at " << meta.index();
    }
    for (auto& e : fx.apply) {
      auto c = committed_.find(e.index());
      ASSERT_NE(c, committed_.end()) << "member " << m.id << " applied uncommitted " << e.index();
      ASSERT_EQ(c->second.zxid(), e.zxid()) << "member " << m.id << " applied another entry";
      m.state = fold(m.state, e);
      ASSERT_EQ(m.state, state_at(e.index()));
      // Snapshot now and then, letting the local acceptor compact its log.
      if (e.index() % 40 == 0) {
        wire::SnapshotMeta meta;
        meta.set_index(e.index());
        meta.set_epoch(e.epoch());
        meta.set_zxid(e.zxid());
        if (m.acceptor->can_compact(meta)) {
          m.snapshot_data = snapshot_of(m.state); // the file, written first
          m.acceptor->compact(meta, m.pending_fx);
          if (m.pending_fx.receive.discard)
            m.incoming.clear();
          m.pending_fx.receive = snapshot_receive{};
        }
      }
    }
    if (fx.fetch)
      send({m.id, m.id, *fx.fetch}); // from the local acceptor
    if (fx.snapshot_read)
      send({m.id, m.id, *fx.snapshot_read});
  }

  // The state machine's state after applying the committed log up to `index`.
  uint64_t state_at(uint64_t index) {
    while (states_.size() <= index) {
      auto i = states_.size();
      auto c = committed_.find(i);
      if (c == committed_.end())
        return 0;
      states_.push_back(fold(states_.back(), c->second));
    }
    return states_[index];
  }

  void deliver(message msg) {
    auto& m = members_[msg.to];
    if (!m.up || !connected(msg.from, msg.to))
      return;
    proposer_effects pfx;
    if (auto* v = std::get_if<wire::VoteRequest>(&msg.body)) {
      auto resp = m.acceptor->on_vote(*v, m.pending_fx);
      m.pending_replies.push_back({m.id, msg.from, resp});
    } else if (auto* a = std::get_if<wire::AppendRequest>(&msg.body)) {
      auto resp = m.acceptor->on_append(*a, m.pending_fx);
      if (resp.epoch() == a->epoch()) // from the current leader, matching or not
        m.proposer->on_leader_seen(a->epoch(), a->leader(), pfx);
      m.pending_replies.push_back({m.id, msg.from, resp});
    } else if (auto* vr = std::get_if<wire::VoteResponse>(&msg.body)) {
      m.proposer->on_vote_response(*vr, pfx);
    } else if (auto* ar = std::get_if<wire::AppendResponse>(&msg.body)) {
      m.proposer->on_append_response(*ar, pfx);
    } else if (auto* inst = std::get_if<wire::InstallSnapshot>(&msg.body)) {
      auto resp = m.acceptor->on_install_snapshot(*inst, m.pending_fx);
      receive_chunk(m, *inst);
      m.pending_replies.push_back({m.id, msg.from, resp});
    } else if (auto* ir = std::get_if<wire::InstallSnapshotResponse>(&msg.body)) {
      if (ir->epoch() == m.proposer->epoch() && m.proposer->leading()) {
        std::vector<snapshot_chunk> chunks;
        auto outcome = m.sender->on_response(*ir, chunks);
        if (outcome == snapshot_sender::outcome::installed)
          m.proposer->on_snapshot_installed(ir->from(), ir->index(), pfx);
        else if (outcome == snapshot_sender::outcome::progress)
          m.proposer->on_snapshot_progress(ir->from());
        send_chunks(m, chunks);
      }
    } else if (auto* c = std::get_if<wire::Committed>(&msg.body)) {
      learner_effects lfx;
      m.learner->on_committed(*c, lfx);
      apply(m, lfx);
    } else if (auto* f = std::get_if<wire::FetchRequest>(&msg.body)) {
      send({m.id, msg.from, m.acceptor->serve_fetch(*f, file_of(m.snapshot_data))});
    } else if (auto* sr = std::get_if<wire::SnapshotReadRequest>(&msg.body)) {
      size_t length = 0;
      auto resp = m.acceptor->plan_snapshot_read(*sr, file_of(m.snapshot_data), length);
      resp.set_data(m.snapshot_data.substr(resp.offset(), length));
      send({m.id, msg.from, resp});
    } else if (auto* srr = std::get_if<wire::SnapshotReadResponse>(&msg.body)) {
      learner_effects lfx;
      m.learner->on_snapshot_read(*srr, lfx);
      apply(m, lfx);
    } else if (auto* fr = std::get_if<wire::FetchResponse>(&msg.body)) {
      learner_effects lfx;
      m.learner->on_fetch_response(*fr, lfx);
      apply(m, lfx);
    }
    apply(m, pfx);
  }

  void record_commit(const wire::LogEntry& e) {
    auto [it, fresh] = committed_.emplace(e.index(), e);
    if (!fresh) {
      ASSERT_EQ(it->second.SerializeAsString(), e.SerializeAsString())
        << "two different entries committed at index " << e.index();
    } else {
      if (auto prev = committed_.find(e.index() - 1); prev != committed_.end()) {
        ASSERT_LT(troupe::rlog::last_zxid(prev->second), e.zxid()) << "zxids must rise along the log";
      }
      if (e.kind() == wire::ENTRY_COMMAND)
        acknowledged_.push_back(e.data());
      if (e.kind() == wire::ENTRY_COMMANDS) {
        wire::CommandBatch batch;
        ASSERT_TRUE(batch.ParseFromString(e.data()));
        ASSERT_EQ(static_cast<uint64_t>(batch.commands_size()), e.count());
        for (auto& c : batch.commands())
          acknowledged_.push_back(c);
      }
    }
  }

  // A new leader's local log holds every committed entry it still keeps.
  void check_leader_completeness(member& m) {
    auto& a = *m.acceptor;
    for (auto& [index, e] : committed_) {
      if (index < a.first_index())
        continue;
      ASSERT_LE(index, a.last_index()) << "leader " << m.id << " lacks committed entry " << index;
      std::vector<wire::LogEntry> got;
      a.read(index, 1, SIZE_MAX, got);
      ASSERT_EQ(got.at(0).zxid(), e.zxid()) << "leader " << m.id << " holds another entry at " << index;
    }
  }

  bool connected(member_id a, member_id b) const {
    return cut_.count({a, b}) == 0;
  }

  void step() {
    ++steps_;
    // Deliver a random message (reordering), sync a random acceptor
    // (group commit), or tick every proposer.
    // A tick (10 ms in production) is rare next to a delivery (~0.1 ms).
    auto choice = rng_.below(100);
    if (choice < 75 && !inflight_.empty()) {
      auto i = rng_.below(inflight_.size());
      auto msg = std::move(inflight_[i]);
      inflight_[i] = std::move(inflight_.back());
      inflight_.pop_back();
      deliver(std::move(msg));
    } else if (choice < 97) {
      auto& m = members_[ids_[rng_.below(ids_.size())]];
      if (m.up)
        sync(m);
    } else {
      deliver_timely();
      ++ticks_;
      for (auto i : ids_) {
        auto& m = members_[i];
        if (!m.up)
          continue;
        m.acceptor->tick();
        learner_effects lfx;
        m.learner->tick(lfx);
        apply(m, lfx);
        proposer_effects fx;
        m.proposer->tick(fx);
        if (m.proposer->leading()) {
          std::vector<snapshot_chunk> resend;
          m.sender->tick(resend);
          send_chunks(m, resend);
        } else {
          m.sender->clear();
        }
        if (m.proposer->leading() && rng_.chance(0.5)) {
          if (rng_.chance(0.5)) {
            ++next_cmd_;
            m.proposer->propose("cmd-" + std::to_string(next_cmd_), "client", next_cmd_);
          } else {
            // Several commands in one ENTRY_COMMANDS entry.
            wire::CommandBatch batch;
            for (auto n = 1 + rng_.below(4); n > 0; --n) {
              ++next_cmd_;
              batch.add_origin_seqs(next_cmd_);
              batch.add_commands("cmd-" + std::to_string(next_cmd_));
            }
            m.proposer->propose_batch(std::move(batch), "client");
          }
          m.proposer->flush(fx);
        }
        apply(m, fx);
      }
    }
  }

  // Before a tick, the spared quorum's acceptors sync and its messages sent
  // before the last tick arrive (in random order): nothing among them waits
  // longer than about a tick.
  void deliver_timely() {
    if (timely_.empty())
      return;
    for (auto i : timely_)
      if (members_[i].up)
        sync(members_[i]);
    std::vector<message> due;
    for (size_t i = 0; i < inflight_.size();) {
      auto& msg = inflight_[i];
      if (timely(msg.from, msg.to) && msg.sent_tick < ticks_) {
        due.push_back(std::move(msg));
        std::swap(inflight_[i], inflight_.back());
        inflight_.pop_back();
      } else {
        ++i;
      }
    }
    while (!due.empty() && !::testing::Test::HasFatalFailure()) {
      auto i = rng_.below(due.size());
      auto msg = std::move(due[i]);
      due[i] = std::move(due.back());
      due.pop_back();
      deliver(std::move(msg));
    }
  }

  void chaos() {
    auto r = rng_.below(100);
    if (r < 2) {
      auto id = ids_[rng_.below(ids_.size())];
      if (members_[id].up && down_count() + 1 <= ids_.size() / 2)
        crash(id);
    } else if (r < 5) {
      for (auto i : ids_)
        if (!members_[i].up)
          boot(members_[i]);
    } else if (r < 6) {
      auto a = ids_[rng_.below(ids_.size())];
      for (auto b : ids_)
        if (b != a) {
          cut_.insert({a, b});
          cut_.insert({b, a});
        }
    } else if (r < 9) {
      cut_.clear();
    }
  }

  // Faults on the members outside the spared quorum only: crashes and
  // restarts, isolation and healing (and, through send(), losses).
  void minority_chaos() {
    std::vector<member_id> others;
    for (auto i : ids_)
      if (!timely_.count(i))
        others.push_back(i);
    auto id = others[rng_.below(others.size())];
    auto r = rng_.below(100);
    if (r < 3) {
      if (members_[id].up)
        crash(id);
    } else if (r < 6) {
      for (auto i : others)
        if (!members_[i].up)
          boot(members_[i]);
    } else if (r < 8) {
      for (auto b : ids_)
        if (b != id) {
          cut_.insert({id, b});
          cut_.insert({b, id});
        }
    } else if (r < 11) {
      cut_.clear();
    }
  }

  // A leader every member follows, with no election under way.
  bool settled(member_id l) const {
    if (l == 0)
      return false;
    auto epoch = members_.at(l).proposer->epoch();
    if (members_.at(l).proposer->commit_index() < 1)
      return false;
    for (auto& [i, m] : members_)
      if (m.acceptor->hard_state().epoch() != epoch || m.proposer->epoch() != epoch ||
          m.acceptor->leader() != l ||
          !m.acceptor->leader_fresh() || (i != l && m.proposer->role() != proposer_role::follower))
        return false;
    for (auto& msg : inflight_)
      if (std::holds_alternative<wire::VoteRequest>(msg.body) ||
          std::holds_alternative<wire::VoteResponse>(msg.body))
        return false; // the election is over: not even a late answer left
    return true;
  }

  // Leader `l` still leads `epoch`, and nobody has gone beyond it.
  void check_epoch_unchanged(member_id l, uint64_t epoch) {
    auto& leader = members_[l];
    ASSERT_TRUE(leader.proposer->leading()) << "leader " << l << " was deposed at step " << steps_;
    ASSERT_EQ(leader.proposer->epoch(), epoch) << "at step " << steps_;
    for (auto& [i, m] : members_) {
      if (!m.up)
        continue;
      ASSERT_LE(m.acceptor->hard_state().epoch(), epoch)
        << "acceptor " << i << " raised its epoch at step " << steps_;
      ASSERT_LE(m.proposer->epoch(), epoch) << "proposer " << i << " at step " << steps_;
      ASSERT_TRUE(i == l || !m.proposer->leading());
    }
  }

  size_t down_count() const {
    size_t n = 0;
    for (auto& [i, m] : members_)
      n += !m.up;
    return n;
  }

  member_id leader() const {
    for (auto& [i, m] : members_)
      if (m.up && m.proposer->leading())
        return i;
    return 0;
  }

  void heal_all() {
    cut_.clear();
    for (auto i : ids_)
      if (!members_[i].up)
        boot(members_[i]);
    drop = 0;
    duplicate = 0;
  }

  double drop = 0.05;
  double duplicate = 0.05;
  std::set<member_id> timely_; // the spared quorum (empty: no link is)
  rng rng_;
  uint64_t seed_;
  uint64_t steps_ = 0;
  uint64_t ticks_ = 0;
  uint64_t restarts_ = 0;
  uint64_t next_cmd_ = 0;
  std::vector<member_id> ids_;
  std::map<member_id, member> members_;
  std::vector<message> inflight_;
  std::set<std::pair<member_id, member_id>> cut_;
  std::map<uint64_t, wire::LogEntry> committed_;
  std::vector<uint64_t> states_{0};
  std::vector<std::string> acknowledged_;
};

// Liveness: healed and quiet, a leader emerges and commits new commands,
// every follower catches up, and every command committed once.
void check_progress_after_healing(cluster& c) {
  c.heal_all();
  auto before = c.acknowledged_.size();
  for (size_t i = 0; i < 100000 && c.acknowledged_.size() < before + 5; ++i)
    c.step();
  EXPECT_GE(c.acknowledged_.size(), before + 5) << "no progress after healing";
  EXPECT_NE(c.leader(), 0u);
  // Every live learner catches up with the committed log.
  auto caught_up = [&] {
    for (auto& [i, m] : c.members_)
      if (m.learner->applied_index() < c.committed_.rbegin()->first - 50)
        return false;
    return true;
  };
  for (size_t i = 0; i < 100000 && !caught_up(); ++i)
    c.step();
  EXPECT_TRUE(caught_up()) << "a learner did not catch up";
  if (!caught_up())
    for (auto& [i, m] : c.members_)
      std::fprintf(stderr, "member %u down=%d/%llu snap=%zu up=%d applied=%llu known=%llu acc first=%llu last=%llu commit=%llu committed_max=%llu leader=%u\n", i, m.learner->downloading(), (unsigned long long) m.learner->downloaded(), m.snapshot_data.size(), m.up,
        (unsigned long long) m.learner->applied_index(), (unsigned long long) m.learner->known_commit(),
        (unsigned long long) m.acceptor->first_index(), (unsigned long long) m.acceptor->last_index(),
        (unsigned long long) m.acceptor->commit_index(), (unsigned long long) c.committed_.rbegin()->first, c.leader());
  // Every acknowledged command is in the committed log exactly once.
  std::set<std::string> unique(c.acknowledged_.begin(), c.acknowledged_.end());
  EXPECT_EQ(unique.size(), c.acknowledged_.size());
}

void run_seed(uint64_t seed, size_t members, size_t steps) {
  cluster c{seed, members};
  for (size_t i = 0; i < steps && !::testing::Test::HasFatalFailure(); ++i) {
    c.step();
    if (i % 200 == 0)
      c.chaos();
  }
  ASSERT_FALSE(::testing::Test::HasFatalFailure());
  check_progress_after_healing(c);
}

// Elects a leader on a quiet network, spares it and a quorum around it, and
// hits only the others: the leader's epoch must hold throughout.
void run_minority_seed(uint64_t seed, size_t members, size_t steps) {
  cluster c{seed, members};
  c.timely_.insert(c.ids_.begin(), c.ids_.end());
  c.drop = 0;
  c.duplicate = 0;
  for (size_t i = 0; i < 100000 && !c.settled(c.leader()); ++i)
    c.step();
  auto l = c.leader();
  ASSERT_TRUE(c.settled(l)) << "no settled leader on a quiet network";
  auto epoch = c.members_[l].proposer->epoch();
  c.timely_ = {l};
  for (auto i : c.ids_)
    if (c.timely_.size() < members / 2 + 1)
      c.timely_.insert(i);
  c.drop = 0.05;
  c.duplicate = 0.05;
  auto committed_before = c.committed_.size();
  for (size_t i = 0; i < steps && !::testing::Test::HasFatalFailure(); ++i) {
    c.step();
    if (i % 200 == 0)
      c.minority_chaos();
    c.check_epoch_unchanged(l, epoch);
  }
  ASSERT_FALSE(::testing::Test::HasFatalFailure());
  EXPECT_GT(c.committed_.size(), committed_before + 10) << "the leader stopped committing";
  check_progress_after_healing(c);
  EXPECT_EQ(c.leader(), l);
}

} // namespace

TEST(LogCoreSim, SafetyAndProgressUnderFaults3Members) {
  for (auto seed : troupe::sim::seeds(1, 400)) {
    SCOPED_TRACE(troupe::sim::replay_hint(seed));
    run_seed(seed, 3, 20000);
    if (HasFailure())
      break;
  }
}

TEST(LogCoreSim, SafetyAndProgressUnderFaults5Members) {
  for (auto seed : troupe::sim::seeds(10001, 300)) {
    SCOPED_TRACE(troupe::sim::replay_hint(seed));
    run_seed(seed, 5, 20000);
    if (HasFailure())
      break;
  }
}

TEST(LogCoreSim, SingleMemberGroupCommitsAlone) {
  for (auto seed : troupe::sim::seeds(20001, 300)) {
    SCOPED_TRACE(troupe::sim::replay_hint(seed));
    run_seed(seed, 1, 5000);
    if (HasFailure())
      break;
  }
}

TEST(LogCoreSim, SafetyAndProgressUnderFaults7Members) {
  for (auto seed : troupe::sim::seeds(30001, 50)) {
    SCOPED_TRACE(troupe::sim::replay_hint(seed));
    run_seed(seed, 7, 20000);
    if (HasFailure())
      break;
  }
}

TEST(LogCoreSim, FaultsOutsideAQuorumNeverChangeTheEpoch3Members) {
  for (auto seed : troupe::sim::seeds(40001, 600)) {
    SCOPED_TRACE(troupe::sim::replay_hint(seed));
    run_minority_seed(seed, 3, 10000);
    if (HasFailure())
      break;
  }
}

TEST(LogCoreSim, FaultsOutsideAQuorumNeverChangeTheEpoch5Members) {
  for (auto seed : troupe::sim::seeds(50001, 300)) {
    SCOPED_TRACE(troupe::sim::replay_hint(seed));
    run_minority_seed(seed, 5, 10000);
    if (HasFailure())
      break;
  }
}
