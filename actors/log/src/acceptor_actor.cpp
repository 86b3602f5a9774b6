// The acceptor actor: acceptor_core over a LevelDB log_store, with group
// commit. Inputs update the core at once; their effects and answers wait in
// `pending` until a flush writes all effects in one synced batch, then the
// answers go out. The flush is a message the actor sends itself when the
// first input of a batch arrives, so every input already queued by then joins
// the batch: the busier the acceptor, the more one fsync covers. A timer of
// the proposers' tick ages the core's leader lease (votes are ignored while
// the leader is fresh).
//
// The snapshot is a file of the store's snapshot_store, never held in memory
// whole: a compaction writes the follower's snapshot to a new file (durable
// before the batch that references it), a leader's chunks go into a
// temporary file that is committed once complete, and reads (a follower's,
// or this member's leader sending to a lagging acceptor) take one bounded
// chunk of the file at a time. The file a batch replaced is removed after
// the batch.
#include <chrono>

#include "log_actors.hpp"
#include "troupe/runtime/directory.hpp"
#include "troupe/runtime/metrics.hpp"

namespace troupe::rlog {

namespace {

struct acceptor_state {
  group_config cfg;
  member_id self = 0;
  std::unique_ptr<acceptor_core> core;
  std::unique_ptr<persistence::log_store> store;
  persistence::snapshot_store* files = nullptr;
  wire::SnapshotFile durable_file;                // referenced by the store
  std::optional<wire::SnapshotFile> pending_file; // goes with fx.snapshot, referenced by the next flush
  std::unique_ptr<persistence::snapshot_writer> incoming; // a leader's snapshot being received
  uint64_t durable_last = 0;     // last index on disk
  acceptor_effects fx;
  std::vector<std::pair<caf::actor, caf::message>> replies; // after the flush
  bool flush_pending = false;
  caf::actor leader;             // this member's leader role
  std::pair<uint64_t, member_id> leader_told{0, 0};
  caf::actor_clock::time_point leader_told_at;
  log::logger log;
  metrics::histogram* fsync_seconds = nullptr;
  metrics::histogram* batch_entries = nullptr;
  metrics::counter* refused = nullptr;
  metrics::counter* chunks_refused = nullptr;
  static inline const char* name = "troupe.log.acceptor";
};

using acceptor_actor = caf::stateful_actor<acceptor_state>;

// The file that goes with core->snapshot().
const wire::SnapshotFile& current_file(const acceptor_state& st) {
  return st.pending_file ? *st.pending_file : st.durable_file;
}

// `file` goes with the snapshot the core just took; a pending one it
// replaces was never referenced and goes at once.
void set_pending_file(acceptor_state& st, wire::SnapshotFile file) {
  if (st.pending_file)
    st.files->remove(st.pending_file->name());
  st.pending_file = std::move(file);
}

// Carries out fx.receive for the InstallSnapshot `req` (see acceptor_core).
void receive_chunk(acceptor_actor* self, const wire::InstallSnapshot& req) {
  auto& st = self->state;
  auto& rx = st.fx.receive;
  if (rx.begin || rx.discard)
    st.incoming.reset(); // removes the partial file
  if (rx.begin)
    st.incoming = st.files->create(rx.meta);
  if (rx.append && st.incoming)
    st.incoming->append(req.data());
  if (rx.complete && st.incoming) {
    set_pending_file(st, st.incoming->commit());
    st.incoming.reset();
    st.log.info("snapshot received", {{"index", req.meta().index()}, {"bytes", req.total_size()},
                                      {"from", req.leader()}});
  }
  if (rx.refused) {
    st.chunks_refused->inc();
    std::string_view why = rx.refused;
    // Out of order follows any lost chunk: routine, so not a warning.
    auto level = why == "out_of_order" ? log::level::debug : log::level::warn;
    if (log::enabled(level))
      log::write(level, st.log.node(), "log.acceptor", "snapshot chunk refused",
                 {{"why", why}, {"from", req.leader()}, {"epoch", req.epoch()},
                  {"index", req.meta().index()}, {"offset", req.offset()},
                  {"bytes", req.data().size()}});
  }
  rx = snapshot_receive{};
}

void schedule_flush(acceptor_actor* self) {
  auto& st = self->state;
  if (!st.flush_pending) {
    st.flush_pending = true;
    self->send(self, local::flush::value);
  }
}

void reply_after_flush(acceptor_actor* self, caf::message msg) {
  auto& st = self->state;
  st.replies.emplace_back(caf::actor_cast<caf::actor>(self->current_sender()), std::move(msg));
  schedule_flush(self);
}

void flush(acceptor_actor* self) {
  auto& st = self->state;
  st.flush_pending = false;
  auto& fx = st.fx;
  if (!fx.empty()) {
    persistence::log_store::change c;
    if (fx.hard_state_changed)
      c.hard_state = st.core->hard_state();
    if (fx.truncated_from && *fx.truncated_from <= st.durable_last)
      c.truncate = std::make_pair(*fx.truncated_from, st.durable_last);
    c.compact_through = fx.compacted_through;
    c.compact_from = fx.compacted_from;
    if (fx.snapshot) {
      c.snapshot = fx.snapshot;
      c.snapshot_file = current_file(st);
    }
    c.entries = std::move(fx.appended);
    auto started = std::chrono::steady_clock::now();
    // A failing disk is fatal for an acceptor: answering without durability
    // would break every promise. The exception stops the actor (and the
    // node reports it); nothing unsynced was acknowledged.
    st.store->write(c, true);
    st.fsync_seconds->observe(
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
    st.batch_entries->observe(static_cast<double>(c.entries.size()));
    st.durable_last = st.core->last_index();
    fx.clear();
    if (c.snapshot && st.pending_file) {
      // The store now references the new file: the old one can go.
      auto old = std::move(st.durable_file);
      st.durable_file = std::move(*st.pending_file);
      st.pending_file.reset();
      if (!old.name().empty() && old.name() != st.durable_file.name())
        st.files->remove(old.name());
    }
  }
  for (auto& [to, msg] : st.replies)
    if (to)
      self->send(to, std::move(msg));
  st.replies.clear();
}

bool refuse_foreign(acceptor_actor* self, const std::string& group, member_id from) {
  auto& st = self->state;
  if (group == st.cfg.group && st.core->is_member(from))
    return false;
  st.refused->inc();
  st.log.warn("refused a message from outside the group",
              {{"group", group}, {"from", from}, {"expected", st.cfg.group}});
  return true;
}

// Keeps the local leader role's election timer from expiring while a leader
// is alive: at most one note per tick, at once when the leader changes.
void tell_leader_seen(acceptor_actor* self) {
  auto& st = self->state;
  std::pair<uint64_t, member_id> seen{st.core->hard_state().epoch(), st.core->leader()};
  auto now = self->clock().now();
  if (!st.leader || seen.second == 0)
    return;
  if (seen != st.leader_told || now - st.leader_told_at >= st.cfg.tick) {
    st.leader_told = seen;
    st.leader_told_at = now;
    self->send(st.leader, local::leader_seen::value, seen.first, seen.second);
  }
}

caf::behavior acceptor(acceptor_actor* self, node_env* env, group_config cfg, member_id me,
                       persistence::kv_store* kv) {
  auto& st = self->state;
  st.cfg = std::move(cfg);
  st.self = me;
  st.log = env->logger("log.acceptor");
  std::vector<member_id> ids;
  for (auto& [id, node] : st.cfg.members)
    ids.push_back(id);
  st.core = std::make_unique<acceptor_core>(
    st.cfg.group, me, ids, lease_ticks_for(st.cfg.election_ticks_min, st.cfg.heartbeat_ticks));
  st.store = std::make_unique<persistence::log_store>(*kv);
  auto contents = st.store->load();
  st.durable_last = contents.entries.empty() ? contents.snapshot.index()
                                             : contents.entries.back().index();
  st.core->restore(contents.hard_state, contents.snapshot, std::move(contents.entries));
  // spawn_member verified this file and removed every other one.
  st.files = &kv->snapshots();
  if (contents.snapshot_file)
    st.durable_file = *contents.snapshot_file;
  metrics::labels lbl{{"group", st.cfg.group}};
  auto& reg = env->metrics();
  st.fsync_seconds = &reg.get_histogram("troupe_log_fsync_seconds", "Group-commit write+fsync time", lbl);
  st.batch_entries = &reg.get_histogram("troupe_log_group_commit_entries", "Entries per synced batch", lbl,
                                        metrics::histogram::exponential(1, 2, 16));
  st.refused = &reg.get_counter("troupe_log_refused_total", "Messages refused from outside the group", lbl);
  st.chunks_refused = &reg.get_counter("troupe_log_snapshot_chunks_refused_total",
                                       "Snapshot chunks refused (stale, out of order, oversize, bad checksum)", lbl);
  st.log.info("acceptor started", {{"group", st.cfg.group}, {"member", me},
                                   {"epoch", st.core->hard_state().epoch()},
                                   {"last_index", st.core->last_index()}});
  self->send(self, local::tick::value);
  return {
    [self](const wire::VoteRequest& req) {
      if (refuse_foreign(self, req.group(), req.candidate()))
        return;
      auto resp = self->state.core->on_vote(req, self->state.fx);
      reply_after_flush(self, caf::make_message(std::move(resp)));
    },
    [self](const wire::AppendRequest& req) {
      auto& st = self->state;
      if (refuse_foreign(self, req.group(), req.leader()))
        return;
      auto resp = st.core->on_append(req, st.fx);
      if (resp.epoch() == req.epoch())
        tell_leader_seen(self);
      reply_after_flush(self, caf::make_message(std::move(resp)));
    },
    [self](const wire::InstallSnapshot& req) {
      auto& st = self->state;
      if (refuse_foreign(self, req.group(), req.leader()))
        return;
      auto resp = st.core->on_install_snapshot(req, st.fx);
      receive_chunk(self, req);
      reply_after_flush(self, caf::make_message(std::move(resp)));
    },
    [self](const wire::FetchRequest& req) {
      return self->state.core->serve_fetch(req, current_file(self->state));
    },
    [self](const wire::SnapshotReadRequest& req) {
      auto& st = self->state;
      size_t length = 0;
      auto& file = current_file(st);
      auto resp = st.core->plan_snapshot_read(req, file, length);
      if (length > 0) {
        try {
          resp.set_data(st.files->read(file, resp.offset(), length));
        } catch (const persistence::storage_error& e) {
          // Lost under us (a disk fault): no reader gets bad bytes.
          st.log.error("cannot read the snapshot file", {{"error", e.what()}});
          return wire::SnapshotReadResponse{};
        }
      }
      return resp;
    },
    [self](local::set_leader, const caf::actor& leader) {
      self->state.leader = leader;
    },
    [self](local::tail) {
      auto& a = *self->state.core;
      local_tail t;
      t.promised_epoch = a.hard_state().epoch();
      t.last_epoch = a.last_epoch();
      t.last_index = a.last_index();
      auto from = std::max(a.commit_index() + 1, a.first_index());
      t.prev_epoch = a.epoch_at(from - 1).value_or(0);
      a.read(from, SIZE_MAX, SIZE_MAX, t.entries);
      return t;
    },
    [self](local::fetch_for, member_id to, uint64_t from) {
      auto& st = self->state;
      catch_up c;
      c.to = to;
      if (st.core->read(from, st.cfg.max_batch_entries, st.cfg.max_batch_bytes, c.entries)) {
        c.prev_epoch = st.core->epoch_at(from - 1).value_or(0);
      } else {
        c.compacted = true;
        c.snapshot = st.core->snapshot();
        c.snapshot_size = current_file(st).size();
        c.snapshot_crc = current_file(st).crc32();
      }
      return c;
    },
    [self](local::compact, const wire::SnapshotMeta& meta, std::string& data) {
      auto& st = self->state;
      if (!st.core->can_compact(meta))
        return;
      // Durable before the batch that references it (the next flush).
      auto file = st.files->write(meta, data);
      data = std::string{};
      st.core->compact(meta, st.fx);
      set_pending_file(st, std::move(file));
      if (st.fx.receive.discard)
        st.incoming.reset(); // a transfer our own snapshot overtook
      st.fx.receive = snapshot_receive{};
      st.log.debug("log compacted", {{"through", meta.index()}});
      schedule_flush(self);
    },
    [self](local::flush) { flush(self); },
    [self](local::tick) {
      // Ages the leader's lease in the proposers' unit of time.
      self->delayed_send(self, self->state.cfg.tick, local::tick::value);
      self->state.core->tick();
    },
  };
}

} // namespace

caf::actor spawn_acceptor(node_env& env, const group_config& cfg, member_id self,
                          persistence::kv_store& store) {
  auto handle = env.system().spawn(acceptor, &env, cfg, self, &store);
  env.add_role(cfg.acceptor_role(), handle);
  return handle;
}

} // namespace troupe::rlog
