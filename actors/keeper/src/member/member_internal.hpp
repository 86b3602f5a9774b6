// Internal to a Keeper member: what its actors share, and their local
// messages. The hub is the one piece of shared state: the replica (running
// inside the log follower) uses it to hand watch events and session changes
// straight to session actors and the tracker, so that an event reaches a
// session before any answer the follower gives it afterwards.
#pragma once

#include <map>
#include <mutex>

#include "caf/all.hpp"

#include "troupe/keeper/member.hpp"
#include "troupe/messages/wire.hpp"
#include "troupe/runtime/log.hpp"

namespace troupe::keeper {

namespace atoms {
using expired = caf::atom_constant<caf::atom("kp_expired")>;     // -> session: closed by the log
using superseded = caf::atom_constant<caf::atom("kp_supersd")>;  // -> session: reattached elsewhere here
using opened = caf::atom_constant<caf::atom("kp_opened")>;       // -> tracker: (id, timeout_ms)
using closed = caf::atom_constant<caf::atom("kp_closed")>;       // -> tracker: (id)
using reset = caf::atom_constant<caf::atom("kp_reset")>;         // -> tracker: QueryAnswer with sessions
using touch = caf::atom_constant<caf::atom("kp_touch")>;         // -> tracker: (id)
using tick = caf::atom_constant<caf::atom("kp_tick")>;
using flush = caf::atom_constant<caf::atom("kp_flush")>;
using start = caf::atom_constant<caf::atom("kp_start")>;         // -> tracker: the follower is up
using hangup = caf::atom_constant<caf::atom("kp_hangup")>;       // -> session: close the channel now
} // namespace atoms

/// Shared by a member's actors (thread-safe).
class member_hub {
public:
  /// Registers the session's actor on this member; returns the one it
  /// replaces, if any.
  caf::actor attach(int64_t session, const caf::actor& handle);
  /// Forgets `handle` (only if it is still the session's actor here).
  void detach(int64_t session, const caf::actor& handle);
  size_t sessions() const;

  void set_tracker(const caf::actor& tracker);

  // Called by the replica, inside the follower.
  void watch_event(int64_t session, const wire::WatchEvent& e);
  void session_opened(int64_t session, int32_t timeout_ms);
  void session_closed(int64_t session);
  void sessions_restored(wire::QueryAnswer all);

private:
  mutable std::mutex mtx_;
  std::map<int64_t, caf::actor> sessions_;
  caf::actor tracker_;
};

/// What a member's session actors need.
struct member_context {
  member_config cfg;
  std::string node;
  caf::actor follower;
  caf::actor tracker;
  std::shared_ptr<member_hub> hub;
  log::logger log;
  uint32_t member_id = 0; // the top byte of the session ids this member draws
  random_source random;   // session ids and passwords (cfg.random, or the OS's)
};

/// The tracker starts work on (atoms::start), once ctx->follower is set.
caf::actor spawn_tracker(node_env& env, std::shared_ptr<member_context> ctx);

/// The front door; spawns a session actor per ConnectRequest.
caf::behavior server(caf::event_based_actor* self, std::shared_ptr<member_context> ctx);

/// A session actor linked to the server; it answers the ConnectRequest the
/// server delegates to it (a new session, or a reattach) itself.
caf::actor spawn_session(caf::event_based_actor* server, std::shared_ptr<member_context> ctx);

int64_t wall_ms(const member_config& cfg);

} // namespace troupe::keeper
