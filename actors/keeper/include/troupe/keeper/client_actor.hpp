// Keeper's asynchronous client: an actor that owns one session and speaks
// to the ensemble for the actors of a program (framework actors, benches,
// simulations). Requests in, answers and watch events out, as messages:
//
//   (wire::Request) -> wire::Response
//       any request; the client assigns xids. Answers come in the order the
//       requests were sent (per client). A request that was on the wire when
//       the connection broke is answered with ConnectionLoss (it may or may
//       not have been applied); requests made while disconnected wait for
//       the reconnect. A watch (watch=true, add_watch) registers the sender.
//   (wire::Request, caf::actor watcher, uint64_t tag) -> wire::Response
//       the same, with an explicit watcher and a tag it gets back.
//   watchers receive (wire::WatchEvent, uint64_t tag), one-shot watches once.
//   (client_atoms::subscribe) -> the sender receives (client_atoms::state,
//       int32_t state) now and on every change: 3 connected, 0 disconnected,
//       -112 expired (final: make a new client), 7 closed, 4 auth_failed
//       (final: an addAuth was refused and the member closed the channel,
//       as ZooKeeper's AUTH_FAILED; the session expires on its own).
//   (client_atoms::info) -> wire::ConnectResponse (session id, timeout, member)
//   (client_atoms::close) -> int32_t error code: closes the session (its
//       ephemerals go), then the actor quits.
//
// On losing its member (the member's process died, no answer to pings for
// 2/3 of the session timeout, or a broken channel) the client tries the next
// member of its list with its session id and password, its last seen zxid
// and its watches, which the new member re-registers (firing what changed
// meanwhile), and re-sends every addAuth it made, which the new member
// proves again: the session, its ephemerals, its watches and its digest
// identities survive a move as long as it reconnects within the session
// timeout.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "caf/actor.hpp"
#include "caf/atom.hpp"
#include "caf/fwd.hpp"

#include "troupe/keeper/client.hpp"
#include "troupe/keeper/session_state.hpp"

namespace troupe::keeper {

namespace client_atoms {
using subscribe = caf::atom_constant<caf::atom("kc_subscr")>;
using state = caf::atom_constant<caf::atom("kc_state")>;
using info = caf::atom_constant<caf::atom("kc_info")>;
using close = caf::atom_constant<caf::atom("kc_close")>;
} // namespace client_atoms

struct client_config {
  /// Members' client ports ("host", port), tried in a shuffled order...
  std::vector<std::pair<std::string, uint16_t>> servers;
  /// ... or, inside a troupe node (and in simulations), members found
  /// through this node's directory by node name.
  caf::actor directory;
  std::vector<std::string> member_nodes;
  std::chrono::milliseconds session_timeout{10000};
  std::chrono::milliseconds connect_timeout{2000}; // per attempt
  uint64_t seed = 0;                               // shuffles the member order
};

/// Spawns a client; it connects at once (watch the state to know when).
caf::actor spawn_client(caf::actor_system& sys, client_config cfg);

/// Where a blocking client runs when it shares an existing actor system (a
/// troupe node's, a program's own) instead of starting a private one:
///   keeper::client c{keeper::client::in_actor_system{sys, cfg}, opts};
struct client::in_actor_system {
  caf::actor_system& sys;
  client_config cfg;
};

} // namespace troupe::keeper
