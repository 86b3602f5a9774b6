// Starting a Keeper member: the log's member roles, the replica in a log
// follower wired to the hub, the tracker and the front door.
#include <nlohmann/json.hpp>

#include "member_internal.hpp"
#include "troupe/keeper/keeper_replica.hpp"

namespace troupe::keeper {

caf::behavior server(caf::event_based_actor* self, std::shared_ptr<member_context> ctx) {
  ctx->log.info("keeper member up", {{"group", ctx->cfg.log.group}});
  return {
    // The client names itself: the reply's sender is not always the actor
    // to talk to (a simulated network's proxy, say).
    [self, ctx](wire::ConnectRequest& req, caf::actor& client) {
      auto session = spawn_session(self, ctx);
      return self->delegate(session, std::move(req), std::move(client));
    },
    [ctx](status_atom) {
      return nlohmann::ordered_json{{"sessions_attached", ctx->hub->sessions()}}.dump();
    },
  };
}

member_handles spawn_member(node_env& env, const member_config& cfg, rlog::member_id id) {
  member_handles out;
  out.log = rlog::spawn_member(env, cfg.log, id);
  auto ctx = std::make_shared<member_context>();
  ctx->cfg = cfg;
  ctx->node = env.name();
  ctx->hub = std::make_shared<member_hub>();
  ctx->log = env.logger("keeper");
  ctx->member_id = id;
  ctx->random = cfg.random ? cfg.random : os_random_source();
  unsigned char probe[1];
  ctx->random(probe, sizeof probe); // a source that fails, fails here (at startup)
  ctx->tracker = spawn_tracker(env, ctx);
  ctx->hub->set_tracker(ctx->tracker);
  auto hub = ctx->hub;
  replica_hooks hooks;
  hooks.watch_event = [hub](int64_t s, const wire::WatchEvent& e) { hub->watch_event(s, e); };
  hooks.session_opened = [hub](int64_t s, int32_t t) { hub->session_opened(s, t); };
  hooks.session_closed = [hub](int64_t s) { hub->session_closed(s); };
  hooks.sessions_restored = [hub](wire::QueryAnswer all) { hub->sessions_restored(std::move(all)); };
  out.follower = rlog::spawn_follower(env, cfg.log, "keeper",
                                      std::make_unique<keeper_replica>(std::move(hooks), cfg.tree));
  ctx->follower = out.follower;
  caf::anon_send(ctx->tracker, atoms::start::value);
  out.server = env.system().spawn(server, ctx);
  env.add_role(server_role(), out.server);
  return out;
}

void register_keeper_types(caf::actor_system_config& cfg) {
  rlog::register_log_types(cfg);
}

} // namespace troupe::keeper
