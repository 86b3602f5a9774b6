// The asynchronous client (see client_actor.hpp): one session, a member at a
// time, failover to the next member of the list with the session's id,
// password, last seen zxid and watches.
#include <algorithm>
#include <deque>

#include "caf/all.hpp"
#include "caf/io/all.hpp"

#include "troupe/keeper/client_actor.hpp"
#include "troupe/keeper/errors.hpp"
#include "troupe/keeper/watch_event.hpp"
#include "troupe/messages/wire.hpp"
#include "troupe/runtime/node_config.hpp"
#include "troupe/runtime/directory.hpp"
#include "troupe/runtime/log.hpp"
#include "troupe/runtime/actor_system_setup.hpp"
#include "troupe/runtime/tls_diagnostics.hpp"

#include "client_watches.hpp"

namespace troupe::keeper {

namespace {

using clock_point = caf::actor_clock::time_point;
using tick_atom = caf::atom_constant<caf::atom("kc_tick")>;
using flush_atom = caf::atom_constant<caf::atom("kc_flush")>;
using connect_atom = caf::atom_constant<caf::atom("kc_conn")>;
constexpr auto gap_limit = std::chrono::milliseconds(300);
// Re-sent addAuths are answered with this xid (ZooKeeper's auth xid), apart
// from the caller's requests (xids from 1) and the session's -1..-3.
constexpr int64_t reauth_xid = -4;

struct outstanding {
  caf::response_promise promise;
  wire::Request req;
  watch_target target;
  bool sent = false;
};

enum class phase { connecting, connected, expired, closed, auth_failed };

struct client_state {
  client_config cfg;
  std::vector<size_t> order; // member indexes, shuffled
  size_t next_member = 0;
  std::map<std::string, caf::actor> by_directory; // node -> server (directory mode)
  phase ph = phase::connecting;
  uint64_t attempt = 0;
  caf::actor session;
  caf::actor trying;  // the member's front door being asked, monitored
  std::string member;
  int64_t session_id = 0;
  std::string password;
  int32_t timeout_ms = 0;
  int64_t last_zxid = 0;
  int64_t next_xid = 1;
  std::map<int64_t, outstanding> pending; // by xid, in send order
  // Every addAuth sent, re-sent first on each new member (ZooKeeper's
  // primeConnection does the same): identities are proven per connection.
  std::vector<wire::AuthOp> auths;
  uint64_t out_seq = 0;
  wire::RequestBatch outbox;
  bool flush_pending = false;
  uint64_t in_seq = 0;
  std::map<uint64_t, wire::ResponseBatch> early;
  std::optional<clock_point> gap_since;
  clock_point last_heard;
  clock_point last_ping;
  client_watches watches;
  std::vector<caf::actor> state_subscribers;
  std::vector<caf::response_promise> close_waiters;
  session_state told = session_state::disconnected;
  std::map<std::string, std::string> tls_errors; // host:port -> last diagnosis
  log::logger log{"client", "keeper.client"};
  static inline const char* name = "troupe.keeper.client";
};

using client_actor = caf::stateful_actor<client_state>;

void tell_state(client_actor* self, session_state s) {
  auto& st = self->state;
  if (st.told == s)
    return;
  st.told = s;
  for (auto& sub : st.state_subscribers)
    self->send(sub, client_atoms::state::value, static_cast<int32_t>(s));
}

wire::Response failure(int64_t xid, error e) {
  wire::Response r;
  r.set_xid(xid);
  r.mutable_result()->set_err(static_cast<int32_t>(e));
  return r;
}

void schedule_flush(client_actor* self) {
  if (!self->state.flush_pending) {
    self->state.flush_pending = true;
    self->send(self, flush_atom::value);
  }
}

void flush(client_actor* self) {
  auto& st = self->state;
  st.flush_pending = false;
  if (st.ph != phase::connected || st.outbox.requests_size() == 0)
    return;
  st.outbox.set_seq(++st.out_seq);
  self->send(st.session, std::move(st.outbox));
  st.outbox = wire::RequestBatch{};
}

void send_request(client_actor* self, outstanding& o) {
  auto& st = self->state;
  if (o.req.kind_case() == wire::Request::kAuth) {
    auto same = [&](const wire::AuthOp& a) {
      return a.scheme() == o.req.auth().scheme() && a.auth() == o.req.auth().auth();
    };
    if (std::none_of(st.auths.begin(), st.auths.end(), same))
      st.auths.push_back(o.req.auth());
  }
  *st.outbox.add_requests() = o.req;
  o.sent = true;
  schedule_flush(self);
}

void connect_next(client_actor* self);

// The member is gone (or the channel broke): what was sent may or may not
// have happened, which ZooKeeper reports as ConnectionLoss; what was not
// sent yet waits for the next member.
void lose_connection(client_actor* self, const std::string& why) {
  auto& st = self->state;
  if (st.ph != phase::connected)
    return;
  if (st.session)
    self->demonitor(st.session);
  st.session = nullptr;
  st.ph = phase::connecting;
  for (auto i = st.pending.begin(); i != st.pending.end();) {
    if (i->second.sent) {
      i->second.promise.deliver(failure(i->first, error::connection_loss));
      i = st.pending.erase(i);
    } else {
      ++i;
    }
  }
  st.outbox = wire::RequestBatch{};
  st.log.info("connection lost", {{"member", st.member}, {"why", why}});
  tell_state(self, session_state::disconnected);
  connect_next(self);
}

void finish(client_actor* self, phase final_phase, session_state s) {
  auto& st = self->state;
  st.ph = final_phase;
  auto code = final_phase == phase::expired       ? error::session_expired
              : final_phase == phase::auth_failed ? error::auth_failed
                                                  : error::connection_loss;
  for (auto& [xid, o] : st.pending)
    o.promise.deliver(failure(xid, code));
  st.pending.clear();
  tell_state(self, s);
  for (auto& w : st.close_waiters)
    w.deliver(static_cast<int32_t>(final_phase == phase::closed ? error::ok : code));
  st.close_waiters.clear();
  if (st.session)
    self->demonitor(st.session);
  self->quit();
}

void on_response(client_actor* self, wire::Response& r) {
  auto& st = self->state;
  st.last_zxid = std::max(st.last_zxid, r.zxid());
  if (r.xid() == -1) {
    for (auto& [who, tag, ev] : st.watches.fire(r.event()))
      self->send(who, ev, tag);
    return;
  }
  if (r.xid() == -2)
    return; // pong
  if (r.xid() == -3) {
    if (r.session_state() == static_cast<int32_t>(error::session_expired))
      finish(self, phase::expired, session_state::expired);
    return;
  }
  auto auth_failed = r.result().err() == static_cast<int32_t>(error::auth_failed);
  if (r.xid() == reauth_xid) {
    if (auth_failed) // the new member does not accept what the last one did
      finish(self, phase::auth_failed, session_state::auth_failed);
    return;
  }
  auto i = st.pending.find(r.xid());
  if (i == st.pending.end())
    return;
  auto& o = i->second;
  st.watches.on_answer(o.req, r.result().err(), o.target);
  bool closing = o.req.kind_case() == wire::Request::kClose;
  // As ZooKeeper's client: a refused addAuth is final (the member closes
  // the connection); later requests answer AuthFailed.
  bool refused = o.req.kind_case() == wire::Request::kAuth && auth_failed;
  o.promise.deliver(std::move(r));
  st.pending.erase(i);
  if (closing)
    finish(self, phase::closed, session_state::closed);
  else if (refused)
    finish(self, phase::auth_failed, session_state::auth_failed);
}

void on_batch(client_actor* self, wire::ResponseBatch& b) {
  auto& st = self->state;

  if (st.ph != phase::connected || b.channel() != st.attempt)
    return; // from a member we left
  st.last_heard = self->clock().now();
  if (b.seq() <= st.in_seq)
    return;
  if (b.seq() != st.in_seq + 1) {
    st.early.emplace(b.seq(), std::move(b));
    if (!st.gap_since)
      st.gap_since = self->clock().now();
    return;
  }
  auto run = [&](wire::ResponseBatch& batch) {
    st.in_seq = batch.seq();
    for (auto& r : *batch.mutable_items()) {
      on_response(self, r);
      if (st.ph != phase::connected)
        return false;
    }
    return true;
  };
  if (!run(b))
    return;
  while (!st.early.empty() && st.early.begin()->first == st.in_seq + 1) {
    auto next = std::move(st.early.begin()->second);
    st.early.erase(st.early.begin());
    if (!run(next))
      return;
  }
  if (st.early.empty())
    st.gap_since.reset();
}

void connected(client_actor* self, const wire::ConnectResponse& resp, caf::actor session) {
  auto& st = self->state;
  if (st.trying) {
    self->demonitor(st.trying);
    st.trying = nullptr;
  }
  st.session = std::move(session);
  self->monitor(st.session);
  st.session_id = resp.session_id();
  st.password = resp.password();
  st.timeout_ms = resp.timeout_ms();
  st.member = resp.member();
  st.ph = phase::connected;
  st.out_seq = st.in_seq = 0;
  st.early.clear();
  st.gap_since.reset();
  st.last_heard = st.last_ping = self->clock().now();
  st.log.debug("connected", {{"member", st.member}, {"session", st.session_id}});
  tell_state(self, session_state::connected);
  for (auto& a : st.auths) {
    auto* req = st.outbox.add_requests();
    req->set_xid(reauth_xid);
    *req->mutable_auth() = a;
  }
  if (!st.auths.empty())
    schedule_flush(self);
  for (auto& [xid, o] : st.pending)
    if (!o.sent)
      send_request(self, o);
}

// The attempt failed: the next member, at once unless a whole round failed.
void retry(client_actor* self, uint64_t attempt) {
  auto& st = self->state;
  if (attempt != st.attempt || st.ph != phase::connecting)
    return;
  auto pause = st.next_member % st.order.size() == 0 ? std::chrono::milliseconds(100)
                                                     : std::chrono::milliseconds(0);
  self->delayed_send(self, pause, connect_atom::value, attempt);
}

void try_member(client_actor* self, const caf::actor& server) {
  auto& st = self->state;
  wire::ConnectRequest req;
  req.set_session_id(st.session_id);
  req.set_password(st.password);
  req.set_timeout_ms(static_cast<int32_t>(st.cfg.session_timeout.count()));
  req.set_last_zxid_seen(st.last_zxid);
  req.set_channel(st.attempt);
  st.watches.fill(req);
  auto attempt = st.attempt;
  st.log.debug("trying member", {{"attempt", attempt}});
  // A member that dies while asked must not cost the whole timeout.
  if (st.trying)
    self->demonitor(st.trying);
  st.trying = server;
  self->monitor(server);
  // ZooKeeper's rule: each attempt gets its share of the session timeout.
  auto timeout = std::min(st.cfg.connect_timeout,
                          std::max(std::chrono::milliseconds(100),
                                   st.cfg.session_timeout / static_cast<int64_t>(std::max<size_t>(1, st.order.size()))));
  self->request(server, timeout, std::move(req), caf::actor{self})
    .then(
      [self, attempt](const wire::ConnectResponse& resp, caf::actor& session) {
        auto& st = self->state;
        if (attempt != st.attempt || st.ph != phase::connecting)
          return;
        if (resp.err() == static_cast<int32_t>(error::session_expired))
          return finish(self, phase::expired, session_state::expired);
        if (resp.err() != 0 || !session) {
          st.log.debug("member refused", {{"member", resp.member()}, {"reason", resp.reason()}});
          return retry(self, attempt);
        }
        connected(self, resp, std::move(session));
      },
      [self, attempt](caf::error& err) {
        self->state.log.debug("connect failed", {{"error", to_string(err)}});
        retry(self, attempt);
      });
}

void connect_next(client_actor* self) {
  auto& st = self->state;
  auto attempt = ++st.attempt;
  if (st.order.empty())
    return;
  auto idx = st.order[st.next_member++ % st.order.size()];
  if (!st.cfg.member_nodes.empty()) {
    auto i = st.by_directory.find(st.cfg.member_nodes[idx]);
    if (i == st.by_directory.end())
      return retry(self, attempt);
    return try_member(self, i->second);
  }
  auto& [host, port] = st.cfg.servers[idx];
  // TLS when this client's actor system was configured with certificates.
  auto mm = runtime::connector(self->system());
  self->request(mm, st.cfg.connect_timeout, caf::connect_atom::value, host, port)
    .then(
      [self, attempt](const caf::node_id&, caf::strong_actor_ptr& ptr, const std::set<std::string>&) {
        auto& st = self->state;
        if (attempt != st.attempt || st.ph != phase::connecting)
          return;
        auto server = caf::actor_cast<caf::actor>(ptr);
        if (!server)
          return retry(self, attempt);
        try_member(self, server);
      },
      [self, attempt, host = host, port = port](caf::error& err) {
        // CAF says only "disconnect during handshake" when TLS refused us.
        auto tls = runtime::tls_of(self->system());
        if (tls.enabled() && err == caf::sec::disconnect_during_handshake)
          runtime::probe_tls_handshake(self->system(), self, host, port, tls);
        retry(self, attempt);
      });
}

caf::response_promise enqueue(client_actor* self, wire::Request& req, watch_target target) {
  auto& st = self->state;
  auto rp = self->make_response_promise();
  if (st.ph == phase::expired || st.ph == phase::closed || st.ph == phase::auth_failed) {
    rp.deliver(failure(req.xid(), st.ph == phase::expired       ? error::session_expired
                                  : st.ph == phase::auth_failed ? error::auth_failed
                                                                : error::connection_loss));
    return rp;
  }
  auto xid = st.next_xid++;
  req.set_xid(xid);
  auto& o = st.pending[xid];
  o.promise = rp;
  o.req = std::move(req);
  o.target = std::move(target);
  if (st.ph == phase::connected)
    send_request(self, o);
  return rp;
}

caf::behavior client_behavior(client_actor* self, client_config cfg) {
  auto& st = self->state;
  st.cfg = std::move(cfg);
  auto n = st.cfg.member_nodes.empty() ? st.cfg.servers.size() : st.cfg.member_nodes.size();
  for (size_t i = 0; i < n; ++i)
    st.order.push_back(i);
  // Spread sessions over the members (seeded: replayable).
  uint64_t x = st.cfg.seed * 0x9e3779b97f4a7c15ULL + 1;
  for (size_t i = n; i > 1; --i) {
    x ^= x >> 31;
    x *= 0xbf58476d1ce4e5b9ULL;
    std::swap(st.order[i - 1], st.order[(x >> 11) % i]);
  }
  for (auto& node : st.cfg.member_nodes)
    subscribe(self, st.cfg.directory, address{node, "keeper.server"});
  self->set_down_handler([self](caf::down_msg& dm) {
    auto& st = self->state;
    if (dm.source == st.session)
      lose_connection(self, "member lost");
    else if (st.trying && dm.source == st.trying && st.ph == phase::connecting) {
      st.trying = nullptr;
      retry(self, st.attempt);
    }
  });
  self->send(self, connect_atom::value, st.attempt);
  self->send(self, tick_atom::value);
  return {
    [self](const role_up& up) { self->state.by_directory[up.addr.node] = up.handle; },
    [self](const role_down& down) { self->state.by_directory.erase(down.addr.node); },
    [self](runtime::tls_probe_atom, const std::string& host, uint16_t port, const std::string& err) {
      auto& last = self->state.tls_errors[host + ":" + std::to_string(port)];
      if (!err.empty() && err != last)
        self->state.log.error(err);
      last = err;
    },
    [self](connect_atom, uint64_t attempt) {
      if (attempt == self->state.attempt && self->state.ph == phase::connecting)
        connect_next(self);
    },
    [self](wire::Request& req) {
      auto who = caf::actor_cast<caf::actor>(self->current_sender());
      return enqueue(self, req, watch_target{who, 0});
    },
    [self](wire::Request& req, const caf::actor& watcher, uint64_t tag) {
      return enqueue(self, req, watch_target{watcher, tag});
    },
    [self](wire::ResponseBatch& b) { on_batch(self, b); },
    [self](flush_atom) { flush(self); },
    [self](tick_atom) {
      auto& st = self->state;
      auto timeout = std::chrono::milliseconds(std::max(st.timeout_ms, 30));
      self->delayed_send(self, std::max(std::chrono::milliseconds(5), timeout / 15), tick_atom::value);
      if (st.ph != phase::connected)
        return;
      auto now = self->clock().now();
      if (now - st.last_heard > timeout * 2 / 3)
        return lose_connection(self, "member silent");
      if (st.gap_since && now - *st.gap_since > gap_limit)
        return lose_connection(self, "lost member messages");
      if (now - st.last_ping >= timeout / 3) {
        st.last_ping = now;
        wire::Ping p;
        p.set_session_id(st.session_id);
        flush(self);
        p.set_seq(st.out_seq);
        self->send(st.session, std::move(p));
      }
    },
    [self](client_atoms::subscribe) {
      auto who = caf::actor_cast<caf::actor>(self->current_sender());
      self->state.state_subscribers.push_back(who);
      self->send(who, client_atoms::state::value, static_cast<int32_t>(self->state.told));
    },
    [self](client_atoms::info) {
      auto& st = self->state;
      wire::ConnectResponse r;
      r.set_session_id(st.session_id);
      r.set_timeout_ms(st.timeout_ms);
      r.set_member(st.ph == phase::connected ? st.member : "");
      r.set_password(st.password);
      return r;
    },
    [self](client_atoms::close) -> caf::result<int32_t> {
      auto& st = self->state;
      if (st.ph == phase::expired || st.ph == phase::closed || st.ph == phase::auth_failed)
        return static_cast<int32_t>(error::ok);
      auto rp = self->make_response_promise<int32_t>();
      st.close_waiters.push_back(rp);
      if (st.session_id == 0 && st.ph != phase::connected) {
        finish(self, phase::closed, session_state::closed);
        return rp;
      }
      wire::Request req;
      req.mutable_close();
      enqueue(self, req, watch_target{});
      return rp;
    },
  };
}

} // namespace

const char* session_state_name(session_state s) {
  switch (s) {
    case session_state::connected: return "connected";
    case session_state::disconnected: return "disconnected";
    case session_state::expired: return "expired";
    case session_state::closed: return "closed";
    case session_state::auth_failed: return "auth_failed";
  }
  return "unknown";
}

std::vector<std::pair<std::string, uint16_t>> parse_connect_string(const std::string& s) {
  std::vector<std::pair<std::string, uint16_t>> out;
  size_t start = 0;
  while (start <= s.size()) {
    auto end = s.find(',', start);
    auto item = s.substr(start, end == std::string::npos ? std::string::npos : end - start);
    try {
      out.push_back(runtime::parse_host_port(item));
    } catch (const std::exception& e) {
      throw std::invalid_argument("invalid server '" + item + "' in '" + s + "' (expected HOST:PORT)");
    }
    if (end == std::string::npos)
      break;
    start = end + 1;
  }
  if (out.empty())
    throw std::invalid_argument("no servers given");
  return out;
}

caf::actor spawn_client(caf::actor_system& sys, client_config cfg) {
  if (cfg.servers.empty() && cfg.member_nodes.empty())
    throw std::invalid_argument("a Keeper client needs at least one server");
  return sys.spawn(client_behavior, std::move(cfg));
}

} // namespace troupe::keeper
