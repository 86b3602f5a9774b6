// A peer link: this node's view of one peer node. It connects to the peer's
// directory through the connector (CAF's middleman in production, the
// simulated network in tests), detects a dead peer (the proxy's down
// message) and a hung one (heartbeat silence, heartbeat_monitor), reconnects
// with backoff, and tells subscribed roles role_up / role_down.
#include "directory_impl.hpp"

#include <algorithm>
#include <map>

#include "caf/all.hpp"

#include "troupe/runtime/deadline.hpp"
#include "troupe/runtime/directory.hpp"
#include "troupe/runtime/heartbeat_monitor.hpp"
#include "troupe/runtime/metrics.hpp"
#include "troupe/runtime/tls_diagnostics.hpp"
#include "troupe/messages/wire.hpp"

namespace troupe::runtime {

namespace {

using retry_atom = caf::atom_constant<caf::atom("tr_retry")>;
using relookup_atom = caf::atom_constant<caf::atom("tr_relook")>;

struct role_entry {
  caf::actor handle;            // valid while the role is up
  std::vector<caf::actor> subscribers;
  uint64_t lookup_epoch = 0;     // epoch of the lookup in flight, 0 if none
};

struct peer_link_state {
  peer_link_settings settings;
  log::logger log;
  heartbeat_monitor hb{std::chrono::milliseconds(100), std::chrono::milliseconds(500)};
  caf::actor remote;            // the peer's directory, while connected
  uint64_t epoch = 0;           // bumps on every (re)connect attempt
  duration backoff{0};
  std::string down_reason = "not connected yet";
  std::string tls_error; // the last TLS diagnosis, logged when it changes
  std::map<std::string, role_entry> roles;
  deadline_table deadlines;
  metrics::counter* reconnects = nullptr;
  metrics::counter* hung = nullptr;
  metrics::gauge* up = nullptr;
  metrics::gauge* rtt = nullptr;
  static inline const char* name = "troupe.peer_link";
};

using link_actor = caf::stateful_actor<peer_link_state>;

heartbeat_monitor::time_point now_ns(link_actor* self) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
    self->clock().now().time_since_epoch());
}

address addr_of(link_actor* self, const std::string& role) {
  return address{self->state.settings.peer.node, role};
}

bool is_up(link_actor* self) {
  return self->state.remote && self->state.hb.responsive();
}

void report(link_actor* self) {
  auto& st = self->state;
  wire::PeerStatus ps;
  ps.set_node(st.settings.peer.node);
  ps.set_endpoint(st.settings.peer.host + ":" + std::to_string(st.settings.peer.port));
  ps.set_state(!st.remote ? "down" : st.hb.responsive() ? "up" : "suspect");
  if (!is_up(self))
    ps.set_reason(st.down_reason);
  ps.set_rtt_us(std::chrono::duration_cast<std::chrono::microseconds>(st.hb.last_rtt()).count());
  st.up->set(is_up(self) ? 1 : 0);
  st.rtt->set(std::chrono::duration<double>(st.hb.last_rtt()).count());
  self->send(st.settings.directory, atoms::link_state::value, std::move(ps));
}

void role_went_down(link_actor* self, const std::string& role, role_entry& e,
                    const std::string& reason) {
  if (e.handle) {
    self->demonitor(e.handle);
    e.handle = nullptr;
  }
  for (auto& s : e.subscribers)
    self->send(s, role_down{addr_of(self, role), reason});
}

void all_roles_down(link_actor* self, const std::string& reason) {
  self->state.down_reason = reason;
  for (auto& [role, e] : self->state.roles)
    role_went_down(self, role, e, reason);
  report(self);
}

void lookup(link_actor* self, const std::string& role);

void schedule_relookup(link_actor* self, const std::string& role) {
  auto& st = self->state;
  auto delay = std::max(st.settings.timing.reconnect_min, st.backoff);
  self->delayed_send(self, delay, relookup_atom::value, role, st.epoch);
}

void lookup(link_actor* self, const std::string& role) {
  auto& st = self->state;
  auto& e = st.roles[role];
  // A lookup sent on an earlier connection no longer counts: its answer
  // will be ignored, so it must not hold this one back.
  if (!is_up(self) || e.lookup_epoch == st.epoch || e.subscribers.empty())
    return;
  auto epoch = st.epoch;
  e.lookup_epoch = epoch;
  request(self, st.deadlines, st.remote, st.settings.timing.lookup_timeout,
          atoms::lookup::value, role)
    .then(
      [self, role, epoch](caf::actor& handle) {
        auto& st = self->state;
        if (epoch != st.epoch)
          return;
        auto& e = st.roles[role];
        e.lookup_epoch = 0;
        if (!is_up(self) || !handle)
          return;
        if (e.handle == handle)
          return;
        if (e.handle)
          self->demonitor(e.handle);
        e.handle = handle;
        self->monitor(handle);
        st.log.debug("role up", {{"role", role}});
        for (auto& s : e.subscribers)
          self->send(s, role_up{addr_of(self, role), handle});
      },
      [self, role, epoch](caf::error& err) {
        auto& st = self->state;
        if (epoch != st.epoch)
          return;
        st.roles[role].lookup_epoch = 0;
        st.log.debug("role lookup failed", {{"role", role}, {"error", to_string(err)}});
        schedule_relookup(self, role);
      });
}

void schedule_reconnect(link_actor* self) {
  auto& st = self->state;
  auto& t = st.settings.timing;
  st.backoff = st.backoff.count() == 0 ? t.reconnect_min : std::min(st.backoff * 2, t.reconnect_max);
  self->delayed_send(self, st.backoff, retry_atom::value, st.epoch);
}

void disconnect(link_actor* self, const std::string& reason) {
  auto& st = self->state;
  if (st.remote) {
    self->demonitor(st.remote);
    st.remote = nullptr;
  }
  ++st.epoch;
  all_roles_down(self, reason);
  schedule_reconnect(self);
}

void connect(link_actor* self) {
  auto& st = self->state;
  auto epoch = ++st.epoch;
  auto& peer = st.settings.peer;
  request(self, st.deadlines, st.settings.connector, st.settings.timing.connect_timeout,
          caf::connect_atom::value, peer.host, peer.port)
    .then(
      [self, epoch](const caf::node_id&, caf::strong_actor_ptr& ptr,
                    const std::set<std::string>&) {
        auto& st = self->state;
        if (epoch != st.epoch)
          return;
        auto remote = caf::actor_cast<caf::actor>(ptr);
        if (!remote) {
          disconnect(self, "peer published no directory");
          return;
        }
        st.remote = remote;
        self->monitor(remote);
        st.hb.reset(now_ns(self));
        if (st.backoff.count() > 0)
          st.reconnects->inc();
        st.backoff = duration{0};
        st.tls_error.clear();
        st.log.info("peer connected", {{"peer", st.settings.peer.node}});
        report(self);
        for (auto& [role, e] : st.roles)
          lookup(self, role);
      },
      [self, epoch](caf::error& err) {
        auto& st = self->state;
        if (epoch != st.epoch)
          return;
        st.log.debug("connect failed", {{"peer", st.settings.peer.node}, {"error", to_string(err)}});
        st.down_reason = "unreachable: " + to_string(err);
        // CAF reports a refused TLS handshake as a disconnect during the
        // BASP handshake and nothing more: ask OpenSSL what went wrong (the
        // last diagnosis stands meanwhile).
        if (st.settings.tls.enabled() && err == caf::sec::disconnect_during_handshake) {
          if (!st.tls_error.empty())
            st.down_reason = st.tls_error;
          probe_tls_handshake(self->system(), self, st.settings.peer.host, st.settings.peer.port,
                              st.settings.tls);
        }
        report(self);
        schedule_reconnect(self);
      });
}

void add_subscriber(link_actor* self, const address& addr, const caf::actor& subscriber) {
  auto& st = self->state;
  if (!subscriber)
    return;
  auto& e = st.roles[addr.role];
  if (std::find(e.subscribers.begin(), e.subscribers.end(), subscriber) == e.subscribers.end()) {
    e.subscribers.push_back(subscriber);
    self->monitor(subscriber);
  }
  if (e.handle && is_up(self))
    self->send(subscriber, role_up{addr, e.handle});
  else if (is_up(self))
    lookup(self, addr.role);
  else
    self->send(subscriber, role_down{addr, st.down_reason});
}

caf::behavior peer_link(link_actor* self, peer_link_settings settings) {
  auto& st = self->state;
  st.settings = std::move(settings);
  st.log = log::logger{st.settings.local_node, "peer_link"};
  st.hb = heartbeat_monitor{st.settings.timing.heartbeat_interval, st.settings.timing.heartbeat_timeout};
  static metrics::registry fallback;
  auto& reg = st.settings.metrics ? *st.settings.metrics : fallback;
  metrics::labels lbl{{"peer", st.settings.peer.node}};
  st.reconnects = &reg.get_counter("troupe_peer_reconnects_total", "Peer links re-established", lbl);
  st.hung = &reg.get_counter("troupe_peer_hung_total", "Peers detected as hung by heartbeat silence", lbl);
  st.up = &reg.get_gauge("troupe_peer_up", "1 while the peer answers heartbeats", lbl);
  st.rtt = &reg.get_gauge("troupe_peer_rtt_seconds", "Last heartbeat round trip", lbl);
  connect(self);
  self->send(self, atoms::tick::value);
  self->set_down_handler([self](const caf::down_msg& dm) {
    auto& st = self->state;
    if (st.remote && dm.source == st.remote.address()) {
      st.log.warn("peer connection lost", {{"peer", st.settings.peer.node}, {"reason", to_string(dm.reason)}});
      disconnect(self, "connection lost");
      return;
    }
    for (auto& [role, e] : st.roles) {
      if (e.handle && e.handle.address() == dm.source) {
        role_went_down(self, role, e, "role terminated");
        schedule_relookup(self, role);
        return;
      }
      e.subscribers.erase(std::remove_if(e.subscribers.begin(), e.subscribers.end(),
                                         [&](const caf::actor& a) { return a.address() == dm.source; }),
                          e.subscribers.end());
    }
  });
  return {
    [self](atoms::tick) {
      auto& st = self->state;
      self->delayed_send(self, st.hb.interval(), atoms::tick::value);
      if (!st.remote)
        return;
      auto now = now_ns(self);
      auto r = st.hb.on_tick(now);
      if (r.became_unresponsive) {
        st.hung->inc();
        st.log.warn("peer unresponsive", {{"peer", st.settings.peer.node},
                                         {"silence", format_duration(st.hb.silence(now))}});
        all_roles_down(self, "heartbeat timeout");
      }
      if (r.send) {
        wire::Heartbeat hb;
        hb.set_from_node(st.settings.local_node);
        hb.set_seq(r.seq);
        hb.set_sent_ns(now.count());
        self->send(st.remote, std::move(hb));
      }
    },
    [self](const wire::HeartbeatAck& ack) {
      auto& st = self->state;
      if (!st.remote || caf::actor_cast<caf::actor>(self->current_sender()) != st.remote)
        return;
      auto now = now_ns(self);
      if (st.hb.on_ack(ack.seq(), now, now - duration{ack.sent_ns()})) {
        st.log.info("peer responsive again", {{"peer", st.settings.peer.node}});
        for (auto& [role, e] : st.roles)
          lookup(self, role);
      }
      report(self); // keeps the status view's round trip current
    },
    [self](tls_probe_atom, const std::string&, uint16_t, const std::string& error) {
      auto& st = self->state;
      if (error.empty() || st.remote)
        return;
      if (error != st.tls_error)
        st.log.error(error, {{"peer", st.settings.peer.node}});
      st.tls_error = error;
      st.down_reason = error;
      report(self);
    },
    [self](retry_atom, uint64_t epoch) {
      if (epoch == self->state.epoch && !self->state.remote)
        connect(self);
    },
    [self](relookup_atom, const std::string& role, uint64_t epoch) {
      if (epoch == self->state.epoch)
        lookup(self, role);
    },
    [self](atoms::subscribe, const address& addr, const caf::actor& subscriber) {
      add_subscriber(self, addr, subscriber);
    },
    [self](atoms::subscribe, const address& addr) {
      add_subscriber(self, addr, caf::actor_cast<caf::actor>(self->current_sender()));
    },
    [self](atoms::unsubscribe, const address& addr) {
      auto sender = caf::actor_cast<caf::actor>(self->current_sender());
      auto& subs = self->state.roles[addr.role].subscribers;
      subs.erase(std::remove(subs.begin(), subs.end(), sender), subs.end());
    },
  };
}

} // namespace

caf::actor spawn_peer_link(caf::local_actor* parent, peer_link_settings settings) {
  return parent->spawn<caf::linked>(peer_link, std::move(settings));
}

} // namespace troupe::runtime
