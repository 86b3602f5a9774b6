// The one seam through which roles reach each other.
//
// Every node runs a directory actor. A role registers itself under a name and
// subscribes to the addresses ("role R on node N") it talks to; the directory
// then sends it role_up with an actor handle whenever that role becomes
// reachable and role_down when it stops being so (peer process died, peer
// hung, connection lost, role terminated). In production the handle is a
// CAF remote-actor proxy (or the local actor itself); in the simulation it is
// a proxy on the simulated network. Role code is the same in both.
//
// Messages sent to a role that is down are lost, as on a real network: roles
// retry on role_up, or use requests with deadlines (deadline.hpp).
#pragma once

#include <string>

#include "caf/actor.hpp"
#include "caf/atom.hpp"
#include "caf/fwd.hpp"

#include "troupe/runtime/address.hpp"

namespace troupe {

/// Sent by the directory: `addr` is reachable through `handle`. Sent again
/// with a new handle after the peer restarted or reconnected.
struct role_up {
  address addr;
  caf::actor handle;
};

/// Sent by the directory: `addr` is unreachable. `reason` says why, e.g.
/// "connection lost", "heartbeat timeout", "role terminated".
struct role_down {
  address addr;
  std::string reason;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, role_up& x) {
  return f(x.addr, x.handle);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, role_down& x) {
  return f(x.addr, x.reason);
}

namespace atoms {
using subscribe = caf::atom_constant<caf::atom("tr_subscr")>;
using unsubscribe = caf::atom_constant<caf::atom("tr_unsub")>;
using register_role = caf::atom_constant<caf::atom("tr_regrole")>;
using lookup = caf::atom_constant<caf::atom("tr_lookup")>;
using add_peer = caf::atom_constant<caf::atom("tr_addpeer")>;
using status = caf::atom_constant<caf::atom("tr_status")>;
using link_state = caf::atom_constant<caf::atom("tr_lnkstat")>;
using tick = caf::atom_constant<caf::atom("tr_tick")>;
using connect = caf::atom_constant<caf::atom("tr_connect")>;
} // namespace atoms

/// Protocol of the directory actor (all messages local to a node):
///   (atoms::register_role, std::string role, caf::actor)   -> makes a local role reachable
///   (atoms::subscribe, address)                            -> sender gets role_up/role_down
///   (atoms::unsubscribe, address)
///   (atoms::add_peer, std::string node, std::string host, uint16_t port)
///   (atoms::lookup, std::string role) -> caf::actor        (local roles; also answers peers)
///   troupe::wire::StatusRequest -> troupe::wire::NodeStatus
///   troupe::wire::Heartbeat     -> troupe::wire::HeartbeatAck  (from peer links)

/// Registers `role` on this node under `name` (one-way message to `directory`).
void register_role(const caf::actor& directory, const std::string& name,
                   const caf::actor& role);

/// Subscribes `self` to `addr`: it will receive role_up / role_down.
void subscribe(caf::local_actor* self, const caf::actor& directory,
               const address& addr);

} // namespace troupe
