#include "troupe/runtime/actor_system_setup.hpp"

#include "caf/all.hpp"
#include "caf/io/all.hpp"
#include "caf/openssl/all.hpp"

#include "troupe/messages/registry.hpp"
#include "troupe/runtime/directory.hpp"

namespace troupe::runtime {

void register_runtime_types(caf::actor_system_config& cfg) {
  messages::register_troupe_messages(cfg);
  cfg.add_message_type<address>("troupe.address");
  cfg.add_message_type<role_up>("troupe.role_up");
  cfg.add_message_type<role_down>("troupe.role_down");
}

void configure_actor_system(caf::actor_system_config& cfg, const runtime_tuning& tuning,
                            const tls_files& tls) {
  register_runtime_types(cfg);
  cfg.load<caf::io::middleman>();
  if (tls.enabled()) {
    // CAF requires peer certificates (SSL_VERIFY_FAIL_IF_NO_PEER_CERT) as
    // soon as any of these is set; docs/caf-notes.md has what it checks.
    cfg.openssl_certificate = tls.cert;
    cfg.openssl_key = tls.key;
    cfg.openssl_cafile = tls.ca;
    cfg.load<caf::openssl::manager>();
  }
  cfg.set("scheduler.policy", tuning.scheduler == "sharing" ? caf::atom("sharing") : caf::atom("stealing"));
  if (tuning.threads > 0)
    cfg.set("scheduler.max-threads", tuning.threads);
  cfg.set("middleman.workers", tuning.middleman_workers);
}

tls_files tls_of(const caf::actor_system& sys) {
  if (!sys.has_openssl_manager())
    return {};
  auto& cfg = sys.config();
  return {cfg.openssl_certificate, cfg.openssl_key, cfg.openssl_cafile};
}

caf::actor connector(caf::actor_system& sys) {
  if (sys.has_openssl_manager())
    return caf::actor_cast<caf::actor>(sys.openssl_manager().actor_handle());
  return caf::actor_cast<caf::actor>(sys.middleman().actor_handle());
}

caf::expected<uint16_t> publish(caf::actor_system& sys, const caf::actor& whom, uint16_t port,
                                const std::string& host, bool reuse) {
  if (sys.has_openssl_manager())
    return caf::openssl::publish(whom, port, host.c_str(), reuse);
  return sys.middleman().publish(whom, port, host.c_str(), reuse);
}

} // namespace troupe::runtime
