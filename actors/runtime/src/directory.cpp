// The directory actor: a node's registry of local roles, the router of
// subscriptions to peer links, and the node's published endpoint (peers look
// roles up and heartbeat through it).
#include "directory_impl.hpp"

#include <algorithm>
#include <chrono>
#include <map>

#include "caf/all.hpp"

#include "troupe/runtime/directory.hpp"
#include "troupe/runtime/metrics.hpp"
#include "troupe/runtime/node_env.hpp"
#include "troupe/messages/wire.hpp"

namespace troupe {

node_env::~node_env() = default;

void register_role(const caf::actor& directory, const std::string& name,
                   const caf::actor& role) {
  caf::anon_send(directory, atoms::register_role::value, name, role);
}

void subscribe(caf::local_actor* self, const caf::actor& directory, const address& addr) {
  directory->eq_impl(caf::make_message_id(), self->ctrl(), self->context(),
                     atoms::subscribe::value, addr);
}

} // namespace troupe

namespace troupe::runtime {

namespace {

struct directory_state {
  directory_settings settings;
  log::logger log;
  caf::actor_clock::time_point started;
  std::map<std::string, caf::actor> roles;
  std::map<std::string, std::vector<caf::actor>> local_subscribers;
  std::map<std::string, caf::actor> links;
  // Subscriptions to nodes not (yet) known: handed to the link when the
  // peer is added.
  std::map<std::string, std::vector<std::pair<caf::actor, address>>> waiting;
  std::map<std::string, wire::PeerStatus> peer_status;
  static inline const char* name = "troupe.directory";
};

using directory_actor = caf::stateful_actor<directory_state>;

void notify(directory_actor* self, const std::vector<caf::actor>& subscribers,
            const caf::message& msg) {
  for (auto& s : subscribers)
    self->send(s, msg);
}

void add_link(directory_actor* self, const peer_spec& peer) {
  auto& st = self->state;
  if (peer.node == st.settings.node || st.links.count(peer.node))
    return;
  peer_link_settings ls{st.settings.node, peer, st.settings.timing,
                        st.settings.connector, caf::actor{self}, st.settings.metrics,
                        st.settings.tls};
  auto link = spawn_peer_link(self, std::move(ls));
  st.links.emplace(peer.node, link);
  if (auto w = st.waiting.find(peer.node); w != st.waiting.end()) {
    for (auto& [subscriber, addr] : w->second)
      self->send(link, atoms::subscribe::value, addr, subscriber);
    st.waiting.erase(w);
  }
  wire::PeerStatus ps;
  ps.set_node(peer.node);
  ps.set_endpoint(peer.host + ":" + std::to_string(peer.port));
  ps.set_state("connecting");
  st.peer_status[peer.node] = ps;
}

caf::behavior directory(directory_actor* self, directory_settings settings) {
  auto& st = self->state;
  st.settings = std::move(settings);
  st.log = log::logger{st.settings.node, "directory"};
  st.started = self->clock().now();
  for (auto& p : st.settings.peers)
    add_link(self, p);
  // Peers reach a node's directory as a role too (status queries).
  st.roles["directory"] = caf::actor{self};
  self->set_down_handler([self](const caf::down_msg& dm) {
    auto& st = self->state;
    for (auto i = st.roles.begin(); i != st.roles.end(); ++i) {
      if (i->second.address() == dm.source) {
        auto role = i->first;
        st.roles.erase(i);
        st.log.info("role terminated", {{"role", role}, {"reason", to_string(dm.reason)}});
        notify(self, st.local_subscribers[role],
               caf::make_message(role_down{address{st.settings.node, role}, "role terminated"}));
        return;
      }
    }
    for (auto& [role, subs] : st.local_subscribers)
      subs.erase(std::remove_if(subs.begin(), subs.end(),
                                [&](const caf::actor& a) { return a.address() == dm.source; }),
                 subs.end());
  });
  return {
    [self](atoms::register_role, const std::string& role, const caf::actor& handle) {
      auto& st = self->state;
      if (!handle)
        return;
      auto& slot = st.roles[role];
      if (slot && slot != handle)
        st.log.warn("role replaced by a new actor", {{"role", role}});
      slot = handle;
      self->monitor(handle);
      st.log.debug("role registered", {{"role", role}});
      notify(self, st.local_subscribers[role],
             caf::make_message(role_up{address{st.settings.node, role}, handle}));
    },
    [self](atoms::subscribe, const address& addr) {
      auto& st = self->state;
      auto subscriber = caf::actor_cast<caf::actor>(self->current_sender());
      if (!subscriber)
        return;
      if (addr.node == st.settings.node) {
        auto& subs = st.local_subscribers[addr.role];
        if (std::find(subs.begin(), subs.end(), subscriber) == subs.end()) {
          subs.push_back(subscriber);
          self->monitor(subscriber);
        }
        if (auto i = st.roles.find(addr.role); i != st.roles.end())
          self->send(subscriber, role_up{addr, i->second});
        return;
      }
      auto link = st.links.find(addr.node);
      if (link == st.links.end()) {
        st.waiting[addr.node].emplace_back(subscriber, addr);
        self->send(subscriber, role_down{addr, "unknown node"});
        return;
      }
      self->delegate(link->second, atoms::subscribe::value, addr);
    },
    [self](atoms::unsubscribe, const address& addr) {
      auto& st = self->state;
      auto sender = caf::actor_cast<caf::actor>(self->current_sender());
      if (addr.node == st.settings.node) {
        auto& subs = st.local_subscribers[addr.role];
        subs.erase(std::remove(subs.begin(), subs.end(), sender), subs.end());
      } else if (auto link = st.links.find(addr.node); link != st.links.end()) {
        self->delegate(link->second, atoms::unsubscribe::value, addr);
      }
    },
    [self](atoms::add_peer, const std::string& node, const std::string& host, uint16_t port) {
      add_link(self, peer_spec{node, host, port});
    },
    [self](atoms::lookup, const std::string& role) -> caf::result<caf::actor> {
      auto& st = self->state;
      if (auto i = st.roles.find(role); i != st.roles.end())
        return i->second;
      return caf::make_error(caf::sec::invalid_argument, "no role " + role + " on " + st.settings.node);
    },
    [self](const wire::Heartbeat& hb) {
      auto& st = self->state;
      wire::HeartbeatAck ack;
      ack.set_node(st.settings.node);
      ack.set_seq(hb.seq());
      ack.set_sent_ns(hb.sent_ns());
      ack.set_incarnation(st.settings.incarnation);
      self->send(caf::actor_cast<caf::actor>(self->current_sender()), std::move(ack));
    },
    [self](atoms::link_state, const wire::PeerStatus& ps) {
      self->state.peer_status[ps.node()] = ps;
    },
    [self](const wire::StatusRequest&) {
      auto& st = self->state;
      wire::NodeStatus status;
      status.set_node(st.settings.node);
      status.set_incarnation(st.settings.incarnation);
      status.set_uptime_ms(std::chrono::duration_cast<std::chrono::milliseconds>(
                             self->clock().now() - st.started)
                             .count());
      for (auto& [role, handle] : st.roles)
        status.add_roles(role);
      for (auto& [node, ps] : st.peer_status)
        *status.add_peers() = ps;
      return status;
    },
  };
}

} // namespace

caf::actor spawn_directory(caf::actor_system& sys, directory_settings settings) {
  return sys.spawn(directory, std::move(settings));
}

} // namespace troupe::runtime
