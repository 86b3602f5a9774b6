// The follower role: learner_core feeding a user's state machine, and the
// durable-actor API on top (propose -> result, read barrier, leadership).
//
// A proposal goes to a leader; if the leader refuses it (not leading) it is
// re-sent to the leader named in the refusal. A proposal not committed soon
// is re-sent to the same leader only (messages get lost): that leader drops
// copies it took before, and refuses with "taken before" once it no longer
// leads. Such an orphan is never sent elsewhere (a copy could apply twice):
// it is answered if the next leader commits it, and fails with "outcome
// unknown" once entries of a newer epoch are applied without it, or at once
// if its leader is lost (as ZooKeeper's connection loss).
// Otherwise the caller's own deadline (troupe::request) bounds the wait.
#include "log_actors.hpp"
#include "troupe/log/follower_status.hpp"
#include "troupe/log/learner_core.hpp"
#include "troupe/log/log_entry.hpp"
#include "troupe/log/snapshot_policy.hpp"
#include "troupe/runtime/directory.hpp"
#include "troupe/runtime/metrics.hpp"

namespace troupe::rlog {

namespace {

struct pending_proposal {
  caf::response_promise promise;
  std::string command;
  member_id sent_to = 0;
  uint32_t sent_at = 0; // tick of the last send
  // Taken by a leader that lost its leadership: it commits before the first
  // entry of epoch >= this one or never (0: not orphaned).
  uint64_t orphan_epoch = 0;
};

// A proposal neither committed nor refused this many ticks after it went to
// a leader is sent to the same leader again (the message may be lost); the
// leader drops copies it already took.
constexpr uint32_t resend_after_ticks = 10;
constexpr member_id orphaned = ~member_id{0}; // sent_to of an orphan: not re-sent

struct pending_sync {
  caf::response_promise promise;
  uint64_t wait_for = 0; // apply index to reach; 0 while the leader confirms
};

struct follower_state {
  group_config cfg;
  std::string learner;          // "<node>/<name>", unique in the group
  std::string node;
  std::shared_ptr<state_machine> sm;
  std::unique_ptr<learner_core> core;
  std::map<member_id, caf::actor> leaders;    // every member's leader role
  std::map<member_id, caf::actor> acceptors;
  member_id local_member = 0;                 // this node's member id, if any
  std::map<uint64_t, pending_proposal> proposals;
  std::map<uint64_t, pending_sync> syncs;
  uint64_t next_seq = 0;
  std::map<member_id, wire::ProposeBatch> outbox; // flushed once per burst
  bool flush_pending = false;
  std::unique_ptr<snapshot_policy> snapshots;
  bool snapshot_writing = false; // one snapshot in flight at a time
  uint64_t restored_index = 0;   // of the last snapshot restored
  uint32_t ticks = 0;
  leadership told;
  std::vector<caf::actor> leadership_subscribers;
  log::logger log;
  metrics::gauge* applied = nullptr;
  metrics::gauge* lag = nullptr;
  static inline const char* name = "troupe.log.follower";
};

using follower_actor = caf::stateful_actor<follower_state>;

member_id member_of(const follower_state& st, const std::string& node) {
  for (auto& [id, n] : st.cfg.members)
    if (n == node)
      return id;
  return 0;
}

void hello(follower_actor* self, const caf::actor& leader) {
  auto& st = self->state;
  wire::LearnerHello h;
  h.set_group(st.cfg.group);
  h.set_learner(st.learner);
  h.set_applied_index(st.core->applied_index());
  self->send(leader, std::move(h));
}

// Queues the proposal for `to`; everything queued goes out in one
// ProposeBatch when the actor has handled what is already in its mailbox.
void send_proposal(follower_actor* self, uint64_t seq, pending_proposal& p, member_id to) {
  auto& st = self->state;
  if (!st.leaders.count(to))
    return; // retried on the next tick
  auto& batch = st.outbox[to];
  batch.add_origin_seqs(seq);
  batch.add_commands(p.command);
  p.sent_to = to;
  p.sent_at = st.ticks;
  if (!st.flush_pending) {
    st.flush_pending = true;
    self->send(self, local::flush::value);
  }
}

void flush_proposals(follower_actor* self) {
  auto& st = self->state;
  st.flush_pending = false;
  for (auto& [to, batch] : st.outbox) {
    auto i = st.leaders.find(to);
    if (i == st.leaders.end()) {
      // The leader went away meanwhile: these are not taken, send again later.
      for (auto seq : batch.origin_seqs())
        if (auto p = st.proposals.find(seq); p != st.proposals.end())
          p->second.sent_to = 0;
      continue;
    }
    batch.set_group(st.cfg.group);
    batch.set_origin(st.learner);
    self->send(i->second, std::move(batch));
  }
  st.outbox.clear();
}

void ask_leader_to_confirm(follower_actor* self, uint64_t id) {
  auto& st = self->state;
  auto i = st.leaders.find(st.core->leader());
  if (i == st.leaders.end())
    return; // retried on the next tick
  wire::ReadIndexRequest req;
  req.set_group(st.cfg.group);
  req.set_id(id);
  self->send(i->second, std::move(req));
}

void notify_leadership(follower_actor* self) {
  auto& st = self->state;
  leadership now{st.core->epoch(), ""};
  if (auto i = st.cfg.members.find(st.core->leader()); i != st.cfg.members.end())
    now.leader_node = i->second;
  if (now.epoch == st.told.epoch && now.leader_node == st.told.leader_node)
    return;
  st.told = now;
  st.log.info("leader", {{"group", st.cfg.group}, {"epoch", now.epoch}, {"node", now.leader_node}});
  for (auto& s : st.leadership_subscribers)
    self->send(s, now);
}

void release_syncs(follower_actor* self) {
  auto& st = self->state;
  for (auto i = st.syncs.begin(); i != st.syncs.end();) {
    if (i->second.wait_for != 0 && st.core->applied_index() >= i->second.wait_for) {
      i->second.promise.deliver(st.core->applied_index());
      i = st.syncs.erase(i);
    } else {
      ++i;
    }
  }
}

void apply(follower_actor* self, learner_effects& fx) {
  auto& st = self->state;
  if (fx.restore) {
    st.sm->restore(fx.restore->second);
    st.snapshots->taken(fx.restore->second.size());
    st.restored_index = fx.restore->first.index();
    st.log.info("restored snapshot", {{"index", fx.restore->first.index()}});
  }
  auto apply_command = [&](const std::string& command, uint64_t zxid, bool ours, uint64_t seq) {
    auto result = st.sm->apply(command, zxid);
    if (!ours)
      return;
    if (auto p = st.proposals.find(seq); p != st.proposals.end()) {
      p->second.promise.deliver(std::move(result));
      st.proposals.erase(p);
    }
  };
  wire::CommandBatch batch;
  for (auto& e : fx.apply) {
    st.snapshots->applied(e);
    bool ours = e.origin() == st.learner;
    if (e.kind() == wire::ENTRY_COMMAND) {
      apply_command(e.data(), e.zxid(), ours, e.origin_seq());
    } else if (e.kind() == wire::ENTRY_COMMANDS) {
      // Every learner decodes the same committed bytes, so a batch that does
      // not decode is skipped everywhere alike (and said loudly).
      if (!batch.ParseFromString(e.data()) || batch.commands_size() != batch.origin_seqs_size()
          || static_cast<uint64_t>(batch.commands_size()) != e.count()) {
        st.log.error("undecodable command batch skipped", {{"index", e.index()}});
        continue;
      }
      for (int k = 0; k < batch.commands_size(); ++k)
        apply_command(batch.commands(k), e.zxid() + static_cast<uint64_t>(k), ours, batch.origin_seqs(k));
    }
  }
  if (!fx.apply.empty()) {
    // Orphans overtaken by a newer epoch were almost surely truncated; a
    // leader that stepped down within its epoch makes that uncertain, so
    // the answer stays "outcome unknown".
    auto epoch = fx.apply.back().epoch();
    for (auto i = st.proposals.begin(); i != st.proposals.end();) {
      if (i->second.orphan_epoch != 0 && epoch >= i->second.orphan_epoch) {
        i->second.promise.deliver(caf::make_error(caf::sec::request_receiver_down,
                                                  "leadership changed; outcome unknown"));
        i = st.proposals.erase(i);
      } else {
        ++i;
      }
    }
  }
  st.lag->set(static_cast<double>(st.core->known_commit() - std::min(st.core->known_commit(), st.core->applied_index())));
  if (!fx.apply.empty()) {
    st.applied->set(static_cast<double>(st.core->applied_index()));
    auto& last = fx.apply.back();
    // Snapshot now and then; the local acceptor then drops the log prefix.
    // Only the capture happens here, between two applies; the bytes are
    // written on the snapshot thread and come back as snapshot_written.
    if (st.local_member != 0 && !st.snapshot_writing && st.snapshots->due()) {
      wire::SnapshotMeta meta;
      meta.set_index(last.index());
      meta.set_epoch(last.epoch());
      meta.set_zxid(last_zxid(last));
      st.log.debug("snapshot captured", {{"index", last.index()}, {"commands", st.snapshots->commands()},
                                         {"log_bytes", st.snapshots->bytes()}});
      st.snapshots->captured();
      st.snapshot_writing = true;
      write_snapshot(self, st.sm->capture(), std::move(meta));
    }
  }
  if (fx.fetch || fx.snapshot_read) {
    // Prefer this node's acceptor; any member's will do. Snapshot reads go
    // the same way: an answer about another acceptor's snapshot restarts
    // the read (learner_core).
    auto a = st.acceptors.find(st.local_member);
    if (a == st.acceptors.end())
      a = st.acceptors.begin();
    if (a != st.acceptors.end() && fx.fetch)
      self->send(a->second, *fx.fetch);
    if (a != st.acceptors.end() && fx.snapshot_read)
      self->send(a->second, *fx.snapshot_read);
  }
  if (fx.refused)
    st.log.warn("snapshot read refused", {{"why", fx.refused}});
  release_syncs(self);
  notify_leadership(self);
}

caf::behavior follower(follower_actor* self, node_env* env, group_config cfg, std::string name,
                       std::shared_ptr<state_machine> sm) {
  auto& st = self->state;
  st.cfg = std::move(cfg);
  // Unique per incarnation: proposals are identified by (learner, seq) and
  // seq restarts with the actor, so a restarted follower must not reuse the
  // name (the leader would drop its proposals as duplicates, and replayed
  // entries would answer its new proposals).
  st.learner = env->name() + "/" + name + "#" + std::to_string(env->incarnation());
  st.node = env->name();
  st.sm = std::move(sm);
  st.core = std::make_unique<learner_core>(st.cfg.group, 3, 65536, st.cfg.snapshot_chunk_bytes);
  st.snapshots = std::make_unique<snapshot_policy>(st.cfg.snapshot_every, st.cfg.snapshot_bytes);
  st.local_member = member_of(st, env->name());
  st.log = env->logger("log.follower");
  st.applied = &env->metrics().get_gauge("troupe_log_applied_index", "Last applied log index",
                                         {{"group", st.cfg.group}, {"follower", name}});
  st.lag = &env->metrics().get_gauge("troupe_log_follower_lag_entries",
                                     "Committed entries this follower has not applied yet",
                                     {{"group", st.cfg.group}, {"follower", name}});
  for (auto& [id, node] : st.cfg.members) {
    subscribe(self, env->directory(), address{node, st.cfg.leader_role()});
    subscribe(self, env->directory(), address{node, st.cfg.acceptor_role()});
  }
  self->send(self, local::tick::value);
  return {
    [self](const role_up& up) {
      auto& st = self->state;
      auto id = member_of(st, up.addr.node);
      if (up.addr.role == st.cfg.leader_role()) {
        st.leaders[id] = up.handle;
        hello(self, up.handle);
      } else {
        st.acceptors[id] = up.handle;
      }
    },
    [self](const role_down& down) {
      auto& st = self->state;
      auto id = member_of(st, down.addr.node);
      if (down.addr.role != st.cfg.leader_role()) {
        st.acceptors.erase(id);
        return;
      }
      st.leaders.erase(id);
      // Proposals handed to that leader may or may not commit: say so now
      // rather than at the caller's deadline, so that it can decide.
      for (auto i = st.proposals.begin(); i != st.proposals.end();) {
        if (i->second.sent_to == id) {
          i->second.promise.deliver(caf::make_error(
            caf::sec::request_receiver_down, "leader " + down.addr.node + " lost; outcome unknown"));
          i = st.proposals.erase(i);
        } else {
          ++i;
        }
      }
    },
    [self](local::tick) {
      auto& st = self->state;
      self->delayed_send(self, st.cfg.tick, local::tick::value);
      learner_effects fx;
      st.core->tick(fx);
      apply(self, fx);
      if (++st.ticks % 100 == 0)
        for (auto& [id, l] : st.leaders)
          hello(self, l); // a new leader learns of us
      for (auto& [seq, p] : st.proposals) {
        if (p.sent_to == 0)
          send_proposal(self, seq, p, st.core->leader() ? st.core->leader() : st.leaders.empty() ? 0 : st.leaders.begin()->first);
        else if (p.sent_to != orphaned && st.ticks - p.sent_at >= resend_after_ticks)
          send_proposal(self, seq, p, p.sent_to); // only to the leader that may have it
      }
      for (auto& [id, s] : st.syncs)
        if (s.wait_for == 0 && st.ticks % 5 == 0)
          ask_leader_to_confirm(self, id);
    },
    [self](atoms::propose, std::string& command) {
      auto& st = self->state;
      auto seq = ++st.next_seq;
      auto& p = st.proposals[seq];
      p.promise = self->make_response_promise();
      p.command = std::move(command);
      auto to = st.core->leader() ? st.core->leader() : st.leaders.empty() ? 0 : st.leaders.begin()->first;
      send_proposal(self, seq, p, to);
      return p.promise;
    },
    [self](const wire::ProposeRejected& r) {
      auto& st = self->state;
      auto p = st.proposals.find(r.origin_seq());
      if (p == st.proposals.end())
        return;
      if (r.taken_before()) {
        // It may still commit, inherited by the next leader: wait for the
        // log to tell (apply() settles it), never send it elsewhere.
        p->second.orphan_epoch = std::max<uint64_t>(r.epoch(), 1);
        p->second.sent_to = orphaned;
        return;
      }
      // Not taken: safe to send again, to the leader it named (or later).
      auto refused_by = p->second.sent_to;
      p->second.sent_to = 0;
      if (r.leader() != 0 && r.leader() != refused_by)
        send_proposal(self, r.origin_seq(), p->second, r.leader());
    },
    [self](const wire::Committed& c) {
      learner_effects fx;
      self->state.core->on_committed(c, fx);
      apply(self, fx);
    },
    [self](const wire::FetchResponse& r) {
      learner_effects fx;
      self->state.core->on_fetch_response(r, fx);
      apply(self, fx);
    },
    [self](const wire::SnapshotReadResponse& r) {
      learner_effects fx;
      self->state.core->on_snapshot_read(r, fx);
      apply(self, fx);
    },
    [self](local::flush) { flush_proposals(self); },
    [self](local::snapshot_written, const wire::SnapshotMeta& meta, std::string& data) {
      auto& st = self->state;
      st.snapshot_writing = false;
      if (meta.index() <= st.restored_index)
        return; // overtaken by a restored snapshot while it was written
      st.log.debug("snapshot", {{"index", meta.index()}, {"bytes", data.size()}});
      st.snapshots->written(data.size());
      if (auto a = st.acceptors.find(st.local_member); a != st.acceptors.end())
        self->send(a->second, local::compact::value, meta, std::move(data));
    },
    [self](atoms::sync) {
      auto& st = self->state;
      auto id = ++st.next_seq;
      auto& s = st.syncs[id];
      s.promise = self->make_response_promise();
      ask_leader_to_confirm(self, id);
      return s.promise;
    },
    [self](const wire::ReadIndexResponse& r) {
      auto& st = self->state;
      auto s = st.syncs.find(r.id());
      if (s == st.syncs.end() || s->second.wait_for != 0)
        return;
      if (r.index() == 0)
        return; // not confirmed: asked again on a later tick
      s->second.wait_for = r.index();
      release_syncs(self);
    },
    [self](atoms::query, const std::string& question) { return self->state.sm->query(question); },
    [self](atoms::subscribe_leadership) {
      auto& st = self->state;
      auto who = caf::actor_cast<caf::actor>(self->current_sender());
      st.leadership_subscribers.push_back(who);
      self->send(who, st.told);
    },
    [self](atoms::status) {
      auto& st = self->state;
      return to_json(follower_status{st.cfg.group, st.learner, st.core->applied_index(), st.told.epoch,
                                     st.told.leader_node});
    },
  };
}

} // namespace

caf::actor spawn_follower(node_env& env, const group_config& cfg, const std::string& name,
                          std::unique_ptr<state_machine> sm) {
  auto handle = env.system().spawn(follower, &env, cfg, name,
                                   std::shared_ptr<state_machine>{std::move(sm)});
  env.add_role(cfg.follower_role(name), handle);
  return handle;
}

} // namespace troupe::rlog
