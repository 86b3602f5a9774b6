#include "troupe/runtime/actor_system_setup.hpp"

#include "caf/all.hpp"
#include "caf/io/all.hpp"

#include "troupe/messages/registry.hpp"
#include "troupe/runtime/directory.hpp"

namespace troupe::runtime {

void register_runtime_types(caf::actor_system_config& cfg) {
  messages::register_troupe_messages(cfg);
  cfg.add_message_type<address>("troupe.address");
  cfg.add_message_type<role_up>("troupe.role_up");
  cfg.add_message_type<role_down>("troupe.role_down");
}

void configure_actor_system(caf::actor_system_config& cfg, const runtime_tuning& tuning) {
  register_runtime_types(cfg);
  cfg.load<caf::io::middleman>();
  cfg.set("scheduler.policy", tuning.scheduler == "sharing" ? caf::atom("sharing") : caf::atom("stealing"));
  if (tuning.threads > 0)
    cfg.set("scheduler.max-threads", tuning.threads);
  cfg.set("middleman.workers", tuning.middleman_workers);
}

} // namespace troupe::runtime
