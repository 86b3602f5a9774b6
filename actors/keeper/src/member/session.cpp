// One client session on this member. It answers its client's requests in
// FIFO order, ZooKeeper's per-session guarantee: writes go to the log at once
// (pipelined); a read waits until the session's earlier writes were applied
// here, then runs against the replica inside the follower; answers leave in
// request order. Watch events come from the replica through the hub and go
// out as they arrive, so a client sees an event before any answer that
// reflects the change.
//
// The client-session channel numbers its batches both ways: over TCP they
// arrive in order; a gap that does not fill (a lost batch) breaks the
// channel, as a broken TCP connection would, and the client reconnects.
#include <deque>

#include "caf/io/middleman.hpp"
#include "caf/io/middleman_actor.hpp"

#include "member_internal.hpp"
#include "troupe/keeper/acl.hpp"
#include "troupe/keeper/errors.hpp"
#include "troupe/keeper/session_ids.hpp"

namespace troupe::keeper {

namespace {

using clock_point = caf::actor_clock::time_point;
constexpr auto gap_limit = std::chrono::milliseconds(300);
constexpr auto hangup_delay = std::chrono::milliseconds(500);
constexpr int session_id_draws = 4; // a 56-bit id is taken twice in a row ~never

enum class entry_kind { write, read, local };

struct entry {
  uint64_t seq = 0;
  entry_kind kind = entry_kind::local;
  bool dispatched = false;
  bool done = false;
  wire::Request req;
  wire::Response resp;
};

} // namespace

struct session_state {
  std::shared_ptr<member_context> ctx;
  int64_t id = 0;
  std::string password;
  int32_t timeout_ms = 0;
  caf::actor client;
  identities ids;
  std::deque<entry> queue;
  uint64_t next_seq = 1;
  uint64_t in_seq = 0;                          // last RequestBatch handled
  std::map<uint64_t, wire::RequestBatch> early; // arrived ahead of a gap
  std::optional<clock_point> gap_since;
  uint64_t out_seq = 0;
  uint64_t channel = 0;
  wire::ResponseBatch outbox;
  bool flush_pending = false;
  clock_point last_heard;
  clock_point last_touch;
  bool attached = false;  // in the hub: watch events reach this actor
  bool connected = false; // the client has its ConnectResponse: answers may go out
  bool closing = false;
  int64_t last_zxid = 0;
  static inline const char* name = "troupe.keeper.session";
};

namespace {

using session_actor = caf::stateful_actor<session_state>;

wire::OpResult error_result(error e) {
  wire::OpResult r;
  r.set_err(static_cast<int32_t>(e));
  return r;
}

void schedule_flush(session_actor* self) {
  if (!self->state.flush_pending) {
    self->state.flush_pending = true;
    self->send(self, atoms::flush::value);
  }
}

void push_out(session_actor* self, wire::Response r) {
  *self->state.outbox.add_items() = std::move(r);
  schedule_flush(self);
}

void flush(session_actor* self) {
  auto& st = self->state;
  st.flush_pending = false;
  if (st.outbox.items_size() == 0 || !st.client || !st.connected)
    return;
  st.outbox.set_seq(++st.out_seq);
  st.outbox.set_channel(st.channel);

  self->send(st.client, std::move(st.outbox));
  st.outbox = wire::ResponseBatch{};
}

void leave(session_actor* self, bool drop_watches) {
  auto& st = self->state;
  if (st.attached) {
    st.ctx->hub->detach(st.id, self);
    if (drop_watches) {
      wire::KeeperQuery q;
      q.set_session_id(st.id);
      q.set_detach(true);
      self->send(st.ctx->follower, rlog::atoms::query::value, q.SerializeAsString());
    }
  }
  flush(self);
  self->quit();
}

void touch(session_actor* self) {
  auto& st = self->state;
  auto now = self->clock().now();
  st.last_heard = now;
  if (st.attached && !st.closing && now - st.last_touch >= std::chrono::milliseconds(st.timeout_ms / 10)) {
    st.last_touch = now;
    self->send(st.ctx->tracker, atoms::touch::value, st.id);
  }
}

void pump(session_actor* self);

void complete(session_actor* self, uint64_t seq, wire::OpResult result, int64_t zxid) {
  auto& st = self->state;
  if (st.queue.empty() || seq < st.queue.front().seq)
    return;
  auto& e = st.queue[seq - st.queue.front().seq];
  e.resp.set_xid(e.req.xid());
  e.resp.set_zxid(zxid);
  *e.resp.mutable_result() = std::move(result);
  e.done = true;
  st.last_zxid = std::max(st.last_zxid, zxid);
  pump(self);
}

void ask_replica(session_actor* self, uint64_t seq, wire::Request req) {
  auto& st = self->state;
  wire::KeeperQuery q;
  q.set_session_id(st.id);
  for (auto& i : st.ids) {
    auto* a = q.add_identities();
    a->set_scheme(i.scheme);
    a->set_id(i.id);
  }
  *q.mutable_read() = std::move(req);
  self->request(st.ctx->follower, caf::infinite, rlog::atoms::query::value, q.SerializeAsString())
    .then([self, seq](const std::string& bytes) {
      wire::QueryAnswer a;
      if (!a.ParseFromString(bytes))
        return complete(self, seq, error_result(error::marshalling_error), 0);
      complete(self, seq, std::move(*a.mutable_result()), a.zxid());
    });
}

void dispatch_read(session_actor* self, entry& e) {
  auto& st = self->state;
  e.dispatched = true;
  auto seq = e.seq;
  bool barrier = e.req.linearizable() || e.req.kind_case() == wire::Request::kSync;
  if (!barrier)
    return ask_replica(self, seq, e.req);
  // Through the log's read barrier: the leader confirms it still leads and
  // this replica applies everything committed before the read.
  self->request(st.ctx->follower, caf::infinite, rlog::atoms::sync::value)
    .then(
      [self, seq](uint64_t) {
        auto& st = self->state;
        if (st.queue.empty() || seq < st.queue.front().seq)
          return;
        auto& e = st.queue[seq - st.queue.front().seq];
        if (e.req.kind_case() == wire::Request::kSync) {
          wire::Request probe; // the zxid after the barrier
          probe.mutable_exists()->set_path("/");
          return ask_replica(self, seq, std::move(probe));
        }
        ask_replica(self, seq, e.req);
      },
      [self, seq](caf::error&) { complete(self, seq, error_result(error::connection_loss), 0); });
}

void dispatch_write(session_actor* self, entry& e, wire::KeeperTxn txn) {
  auto& st = self->state;
  e.dispatched = true;
  auto seq = e.seq;
  txn.set_session_id(st.id);
  txn.set_cxid(e.req.xid());
  txn.set_time_ms(wall_ms(st.ctx->cfg));
  for (auto& i : st.ids) {
    auto* a = txn.add_identities();
    a->set_scheme(i.scheme);
    a->set_id(i.id);
  }
  self->request(st.ctx->follower, caf::infinite, rlog::atoms::propose::value, txn.SerializeAsString())
    .then(
      [self, seq](const std::string& bytes) {
        wire::OpResult r;
        if (!r.ParseFromString(bytes))
          r = error_result(error::marshalling_error);
        auto zxid = r.zxid();
        complete(self, seq, std::move(r), zxid);
      },
      // The leader was lost with the write in flight: it may or may not
      // commit. ZooKeeper's answer to that is ConnectionLoss.
      [self, seq](caf::error&) { complete(self, seq, error_result(error::connection_loss), 0); });
}

// Dispatches reads no earlier write is waiting for; sends finished answers
// in order.
void pump(session_actor* self) {
  auto& st = self->state;
  bool write_ahead = false;
  for (auto& e : st.queue) {
    if (!e.dispatched && !write_ahead && e.kind == entry_kind::read)
      dispatch_read(self, e);
    if (e.kind == entry_kind::write && !e.done)
      write_ahead = true;
  }
  bool closed = false;
  bool refused = false;
  while (!st.queue.empty() && st.queue.front().done) {
    auto& e = st.queue.front();
    closed = closed || e.req.kind_case() == wire::Request::kClose;
    refused = refused || (e.req.kind_case() == wire::Request::kAuth && e.resp.result().err() != 0);
    push_out(self, std::move(e.resp));
    st.queue.pop_front();
  }
  if (closed)
    return leave(self, true);
  if (refused) {
    // The client ends on AuthFailed and goes (its DOWN closes the channel
    // here); one that stays is cut off shortly.
    flush(self);
    self->delayed_send(self, hangup_delay, atoms::hangup::value);
  }
}

void handle(session_actor* self, wire::Request& req) {
  auto& st = self->state;
  st.queue.emplace_back();
  auto& e = st.queue.back();
  e.seq = st.next_seq++;
  e.req = std::move(req);
  switch (e.req.kind_case()) {
    case wire::Request::kWrite: {
      e.kind = entry_kind::write;
      wire::KeeperTxn txn;
      *txn.mutable_op() = std::move(*e.req.mutable_write());
      dispatch_write(self, e, std::move(txn));
      break;
    }
    case wire::Request::kClose: {
      e.kind = entry_kind::write;
      st.closing = true;
      wire::KeeperTxn txn;
      txn.mutable_close_session()->set_session_id(st.id);
      dispatch_write(self, e, std::move(txn));
      break;
    }
    case wire::Request::kAuth: {
      // Proven here, from the credentials, for this connection only (as in
      // ZooKeeper): a client that moves re-sends its addAuths and the next
      // member proves them again.
      e.kind = entry_kind::local;
      auto& a = e.req.auth();
      auto outcome = authenticate(a.scheme(), a.auth(), st.ctx->cfg.super_digest);
      for (auto& who : outcome.proven)
        if (std::find(st.ids.begin(), st.ids.end(), who) == st.ids.end())
          st.ids.push_back(who);
      wire::OpResult r;
      r.set_err(static_cast<int32_t>(outcome.err));
      if (outcome.err != error::ok) {
        // ZooKeeper answers AuthFailed and closes the connection; the
        // session stays until it expires. Later requests are not handled.
        st.closing = true;
        st.ctx->log.info("authentication failed, closing the channel",
                         {{"session", st.id}, {"scheme", a.scheme()}});
      }
      e.resp.set_xid(e.req.xid());
      e.resp.set_zxid(st.last_zxid);
      *e.resp.mutable_result() = std::move(r);
      e.dispatched = e.done = true;
      break;
    }
    case wire::Request::KIND_NOT_SET:
      e.kind = entry_kind::local;
      e.resp.set_xid(e.req.xid());
      *e.resp.mutable_result() = error_result(error::bad_arguments);
      e.dispatched = e.done = true;
      break;
    default:
      e.kind = entry_kind::read; // reads, sync, add/remove watches
  }
  pump(self);
}

void on_batch(session_actor* self, wire::RequestBatch& b) {
  auto& st = self->state;
  touch(self);
  if (b.seq() <= st.in_seq || st.closing)
    return; // a duplicate
  if (b.seq() != st.in_seq + 1) {
    st.early.emplace(b.seq(), std::move(b));
    if (!st.gap_since)
      st.gap_since = self->clock().now();
    return;
  }
  for (auto& r : *b.mutable_requests())
    if (!st.closing) // nothing after a close or a failed addAuth
      handle(self, r);
  st.in_seq = b.seq();
  while (!st.early.empty() && st.early.begin()->first == st.in_seq + 1) {
    auto next = std::move(st.early.begin()->second);
    st.early.erase(st.early.begin());
    for (auto& r : *next.mutable_requests())
      if (!st.closing)
        handle(self, r);
    st.in_seq = next.seq();
  }
  if (st.early.empty())
    st.gap_since.reset();
}

void attach(session_actor* self, int64_t id) {
  auto& st = self->state;
  st.id = id;
  st.attached = true;
  if (auto old = st.ctx->hub->attach(id, self))
    self->send(old, atoms::superseded::value);
}

void attached(session_actor* self, caf::response_promise rp, int64_t id, int32_t timeout) {
  auto& st = self->state;
  if (!st.attached)
    attach(self, id);
  st.timeout_ms = timeout;
  st.last_touch = self->clock().now();
  self->send(st.ctx->tracker, atoms::touch::value, id);
  wire::ConnectResponse resp;
  resp.set_session_id(id);
  resp.set_password(st.password);
  resp.set_timeout_ms(timeout);
  resp.set_member(st.ctx->node);
  rp.deliver(std::move(resp), caf::actor{self});
  st.connected = true;
  schedule_flush(self);
  self->send(self, atoms::tick::value);
  st.ctx->log.debug("session attached", {{"session", id}, {"timeout_ms", timeout}});
}

void refuse(session_actor* self, caf::response_promise rp, error err, const std::string& why) {
  if (self->state.attached)
    self->state.ctx->hub->detach(self->state.id, self);
  wire::ConnectResponse resp;
  resp.set_err(static_cast<int32_t>(err));
  resp.set_reason(why);
  resp.set_member(self->state.ctx->node);
  rp.deliver(std::move(resp), caf::actor{});
  self->quit();
}

// The client's "ip" identity, from the connection its ConnectRequest came
// over, never from what the client says: 127.0.0.1 for a client in this
// process (and in the simulation), else the peer address CAF's middleman
// has for the client's node. A node it has no direct connection to gets
// no ip identity. Then `next`.
void learn_client_address(session_actor* self, const caf::strong_actor_ptr& sender,
                          std::function<void()> next) {
  auto add = [self](const std::string& host) {
    auto ip = client_ip_identity(host);
    if (!ip.empty())
      self->state.ids.push_back(auth_id{"ip", ip});
  };
  if (!sender) {
    self->state.ctx->log.debug("client address unknown: no sender");
    return next();
  }
  if (sender->node() == self->node()) {
    add("127.0.0.1");
    return next();
  }
  if (!self->system().has_middleman())
    return next();
  auto mm = self->system().middleman().actor_handle();
  self->request(mm, std::chrono::seconds(2), caf::get_atom::value, sender->node())
    .then(
      [self, add, next](const caf::node_id&, const std::string& host, uint16_t) {
        self->state.ctx->log.debug("client address", {{"host", host}});
        add(host);
        next();
      },
      [self, next](caf::error& err) {
        self->state.ctx->log.info("client address unknown", {{"error", to_string(err)}});
        next();
      });
}

// Draws an id and a password and proposes the session; the machine refuses
// an id that is taken, and then this draws again (`draws` times at most).
void create_session(session_actor* self, caf::response_promise rp, int32_t timeout, int draws) {
  auto& st = self->state;
  auto drawn = draw_session_credentials(st.ctx->random, st.ctx->member_id);
  st.password = drawn.password;
  wire::KeeperTxn txn;
  auto* c = txn.mutable_create_session();
  c->set_timeout_ms(timeout);
  c->set_password(drawn.password);
  c->set_session_id(drawn.id);
  txn.set_time_ms(wall_ms(st.ctx->cfg));
  self->request(st.ctx->follower, caf::infinite, rlog::atoms::propose::value, txn.SerializeAsString())
    .then(
      [self, rp, timeout, draws](const std::string& bytes) mutable {
        wire::OpResult r;
        if (!r.ParseFromString(bytes))
          return refuse(self, rp, error::system_error, "the ensemble refused a new session");
        if (r.err() == static_cast<int32_t>(error::node_exists) && draws > 1) {
          self->state.ctx->log.info("drawn session id taken, drawing again");
          return create_session(self, std::move(rp), timeout, draws - 1);
        }
        if (r.err() != 0 || r.count() == 0)
          return refuse(self, rp, error::system_error, "the ensemble refused a new session");
        attached(self, rp, r.count(), timeout);
      },
      [self, rp](caf::error&) mutable {
        refuse(self, rp, error::connection_loss, "no leader: cannot create a session now");
      });
}

void connect(session_actor* self, wire::ConnectRequest& req, caf::actor client,
             caf::response_promise rp) {
  auto& st = self->state;
  auto& cfg = st.ctx->cfg;
  st.client = std::move(client);
  st.channel = req.channel();
  if (st.client)
    self->monitor(st.client);
  st.last_heard = self->clock().now();
  if (req.session_id() == 0) {
    auto timeout = std::clamp<int64_t>(req.timeout_ms(), cfg.min_session_timeout.count(),
                                       cfg.max_session_timeout.count());
    return create_session(self, std::move(rp), static_cast<int32_t>(timeout), session_id_draws);
  }
  // Reattach: first catch up with what the client has seen (the barrier
  // makes this replica at least as new as any zxid the client saw).
  st.password = req.password();
  self->request(st.ctx->follower, caf::infinite, rlog::atoms::sync::value)
    .then(
      [self, rp, req](uint64_t) mutable {
        auto& st = self->state;
        // In the hub before the replica registers the watches: an event
        // that fires right after must find this actor.
        attach(self, req.session_id());
        wire::KeeperQuery q;
        q.set_session_id(req.session_id());
        *q.mutable_reattach() = req;
        self->request(st.ctx->follower, caf::infinite, rlog::atoms::query::value, q.SerializeAsString())
          .then([self, rp, req](const std::string& bytes) mutable {
            wire::QueryAnswer a;
            if (!a.ParseFromString(bytes) || a.result().err() != 0) {
              self->state.ctx->log.info("refused an unknown or expired session", {{"session", req.session_id()}});
              return refuse(self, rp, error::session_expired, "session expired");
            }
            auto timeout = static_cast<int32_t>(a.result().count());
            self->state.last_zxid = a.zxid();
            attached(self, rp, req.session_id(), timeout);
            for (auto& ev : a.events()) {
              wire::Response r;
              r.set_xid(-1);
              r.set_zxid(ev.zxid());
              *r.mutable_event() = ev;
              push_out(self, std::move(r));
            }
          });
      },
      [self, rp](caf::error&) mutable {
        refuse(self, rp, error::connection_loss, "no leader: cannot confirm the session now");
      });
}

} // namespace

caf::actor spawn_session(caf::event_based_actor* server, std::shared_ptr<member_context> ctx) {
  return server->spawn<caf::linked>([ctx](session_actor* self) -> caf::behavior {
    self->state.ctx = ctx;
    self->set_down_handler([self](caf::down_msg& dm) {
      if (dm.source == self->state.client)
        leave(self, true); // the client is gone; its session lives on until it expires
    });
    return {
      [self](wire::ConnectRequest& req, caf::actor& client) {
        auto sender = self->current_sender(); // before the promise takes it
        auto rp = self->make_response_promise();
        learn_client_address(self, sender,
                             [self, req, client, rp]() mutable { connect(self, req, std::move(client), rp); });
        return rp;
      },
      [self](wire::RequestBatch& b) { on_batch(self, b); },
      [self](const wire::Ping& p) {
        auto& st = self->state;

        touch(self);
        if (p.seq() > st.in_seq && !st.gap_since)
          st.gap_since = self->clock().now(); // a batch the client sent never came
        wire::Response pong;
        pong.set_xid(-2);
        pong.set_zxid(st.last_zxid);
        push_out(self, std::move(pong));
      },
      [self](wire::Response& event) {
        // From the replica, through the hub.
        self->state.last_zxid = std::max(self->state.last_zxid, event.zxid());
        push_out(self, std::move(event));
      },
      [self](atoms::flush) { flush(self); },
      [self](atoms::hangup) { leave(self, true); },
      [self](atoms::expired) {
        auto& st = self->state;
        if (st.closing)
          return;
        wire::Response r;
        r.set_xid(-3);
        r.set_session_state(static_cast<int32_t>(error::session_expired));
        push_out(self, std::move(r));
        st.attached = false; // the replica dropped its watches already
        leave(self, false);
      },
      [self](atoms::superseded) {
        self->state.attached = false;
        leave(self, false);
      },
      [self](atoms::tick) {
        auto& st = self->state;
        auto now = self->clock().now();
        if (now - st.last_heard > std::chrono::milliseconds(st.timeout_ms)) {
          st.ctx->log.debug("client silent, closing the channel", {{"session", st.id}});
          return leave(self, true);
        }
        if (st.gap_since && now - *st.gap_since > gap_limit) {
          st.ctx->log.info("lost client messages, closing the channel", {{"session", st.id}});
          return leave(self, true);
        }
        self->delayed_send(self, std::chrono::milliseconds(std::clamp(st.timeout_ms / 4, 10, 100)),
                           atoms::tick::value);
      },
    };
  });
}

} // namespace troupe::keeper
