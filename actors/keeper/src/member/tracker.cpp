// The session tracker. Every member runs one; the one beside the log's
// leader decides. It knows every session (the replica tells it of each
// creation and close), hears from members which sessions their clients
// pinged, and proposes CloseSession(expired) through the log for a session
// silent past its timeout: the ephemerals go in the same transaction, on
// every replica. A new leader's tracker gives every session a full timeout
// afresh (it cannot know when they were last heard of), as ZooKeeper does.
// It also deletes empty containers and expired TTL nodes (ExpireNodes).
#include <set>

#include "member_internal.hpp"
#include "troupe/runtime/directory.hpp"
#include "troupe/runtime/metrics.hpp"

namespace troupe::keeper {

namespace {

using clock_point = caf::actor_clock::time_point;
constexpr auto tracker_tick = std::chrono::milliseconds(25);
constexpr auto close_retry = std::chrono::seconds(2);

struct tracked {
  int32_t timeout_ms = 0;
  clock_point deadline;
  std::optional<clock_point> closing_since;
};

struct tracker_state {
  std::shared_ptr<member_context> ctx;
  std::map<int64_t, tracked> sessions;
  bool leading = false;
  std::string leader_node;
  std::map<std::string, caf::actor> trackers; // node -> that member's tracker
  std::set<int64_t> touched;                  // to forward to the leader's tracker
  clock_point next_container_check;
  bool container_check_running = false;
  metrics::counter* expired = nullptr;
  metrics::gauge* tracked_sessions = nullptr;
  static inline const char* name = "troupe.keeper.tracker";
};

using tracker_actor = caf::stateful_actor<tracker_state>;

void refresh(tracker_actor* self, int64_t id) {
  auto& st = self->state;
  auto i = st.sessions.find(id);
  if (i != st.sessions.end() && !i->second.closing_since)
    i->second.deadline = self->clock().now() + std::chrono::milliseconds(i->second.timeout_ms);
}

void propose(tracker_actor* self, wire::KeeperTxn txn) {
  auto& st = self->state;
  txn.set_time_ms(wall_ms(st.ctx->cfg));
  // The outcome shows in the replica (a close comes back through the hub);
  // a failed proposal is retried by the next scan.
  self->request(st.ctx->follower, caf::infinite, rlog::atoms::propose::value, txn.SerializeAsString())
    .then([](const std::string&) {}, [](caf::error&) {});
}

void expire_sessions(tracker_actor* self) {
  auto& st = self->state;
  auto now = self->clock().now();
  for (auto& [id, s] : st.sessions) {
    if (now < s.deadline)
      continue;
    if (s.closing_since && now - *s.closing_since < close_retry)
      continue;
    s.closing_since = now;
    st.expired->inc();
    st.ctx->log.info("session expired", {{"session", id}, {"timeout_ms", s.timeout_ms}});
    wire::KeeperTxn txn;
    txn.mutable_close_session()->set_session_id(id);
    txn.mutable_close_session()->set_expired(true);
    propose(self, std::move(txn));
  }
}

void check_containers(tracker_actor* self) {
  auto& st = self->state;
  if (st.container_check_running)
    return;
  st.container_check_running = true;
  wire::KeeperQuery q;
  q.set_expirable_at_ms(wall_ms(st.ctx->cfg));
  self->request(st.ctx->follower, caf::infinite, rlog::atoms::query::value, q.SerializeAsString())
    .then([self](const std::string& bytes) {
      auto& st = self->state;
      st.container_check_running = false;
      wire::QueryAnswer a;
      if (!a.ParseFromString(bytes) || a.paths_size() == 0 || !st.leading)
        return;
      wire::KeeperTxn txn;
      for (auto& p : a.paths())
        txn.mutable_expire_nodes()->add_paths(p);
      st.ctx->log.debug("expiring nodes", {{"count", a.paths_size()}});
      propose(self, std::move(txn));
    });
}

caf::behavior tracker(tracker_actor* self, node_env* env, std::shared_ptr<member_context> ctx) {
  auto& st = self->state;
  st.ctx = ctx;
  st.expired = &env->metrics().get_counter("troupe_keeper_sessions_expired_total",
                                           "Sessions this member's tracker expired", {});
  st.tracked_sessions = &env->metrics().get_gauge("troupe_keeper_sessions", "Sessions in the ensemble", {});
  for (auto& [id, node] : ctx->cfg.log.members)
    if (node != ctx->node)
      subscribe(self, env->directory(), address{node, tracker_role()});
  return {
    [self](atoms::start) {
      self->send(self->state.ctx->follower, rlog::atoms::subscribe_leadership::value);
      self->send(self, atoms::tick::value);
    },
    [self](const role_up& up) { self->state.trackers[up.addr.node] = up.handle; },
    [self](const role_down& down) { self->state.trackers.erase(down.addr.node); },
    [self](const rlog::leadership& l) {
      auto& st = self->state;
      bool now_leading = l.leader_node == st.ctx->node;
      st.leader_node = l.leader_node;
      if (now_leading && !st.leading) {
        st.ctx->log.info("tracking sessions", {{"sessions", st.sessions.size()}});
        for (auto& [id, s] : st.sessions) {
          s.closing_since.reset();
          refresh(self, id);
        }
        st.next_container_check = self->clock().now() + st.ctx->cfg.container_check_interval;
      }
      st.leading = now_leading;
    },
    [self](atoms::opened, int64_t id, int32_t timeout_ms) {
      auto& st = self->state;
      st.sessions[id].timeout_ms = timeout_ms;
      refresh(self, id);
      st.tracked_sessions->set(static_cast<double>(st.sessions.size()));
    },
    [self](atoms::closed, int64_t id) {
      self->state.sessions.erase(id);
      self->state.tracked_sessions->set(static_cast<double>(self->state.sessions.size()));
    },
    [self](atoms::reset, const wire::QueryAnswer& all) {
      auto& st = self->state;
      st.sessions.clear();
      for (auto& s : all.sessions()) {
        st.sessions[s.id()].timeout_ms = s.timeout_ms();
        refresh(self, s.id());
      }
      st.tracked_sessions->set(static_cast<double>(st.sessions.size()));
    },
    [self](atoms::touch, int64_t id) {
      auto& st = self->state;
      if (st.leading)
        refresh(self, id);
      else
        st.touched.insert(id);
    },
    [self](const wire::SessionTouches& t) {
      for (auto id : t.ids())
        refresh(self, id);
    },
    [self](atoms::tick) {
      auto& st = self->state;
      self->delayed_send(self, tracker_tick, atoms::tick::value);
      if (st.leading) {
        for (auto id : st.touched)
          refresh(self, id);
        st.touched.clear();
        expire_sessions(self);
        if (self->clock().now() >= st.next_container_check) {
          st.next_container_check = self->clock().now() + st.ctx->cfg.container_check_interval;
          check_containers(self);
        }
        return;
      }
      auto leader = st.trackers.find(st.leader_node);
      if (st.touched.empty() || leader == st.trackers.end())
        return;
      wire::SessionTouches t;
      for (auto id : st.touched)
        t.add_ids(id);
      st.touched.clear();
      self->send(leader->second, std::move(t));
    },
  };
}

} // namespace

caf::actor spawn_tracker(node_env& env, std::shared_ptr<member_context> ctx) {
  auto handle = env.system().spawn(tracker, &env, ctx);
  env.add_role(tracker_role(), handle);
  return handle;
}

} // namespace troupe::keeper
