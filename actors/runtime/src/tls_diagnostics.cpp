#include "troupe/runtime/tls_diagnostics.hpp"

#include <chrono>

#include "caf/all.hpp"
#include "caf/io/all.hpp"

#include "troupe/runtime/log.hpp"
#include "troupe/runtime/metrics.hpp"
#include "troupe/runtime/tls_refusals.hpp"

namespace troupe::runtime {

namespace {

using drain_atom = caf::atom_constant<caf::atom("tr_tlsdrn")>;

constexpr auto probe_timeout = std::chrono::milliseconds(1000);
constexpr auto drain_interval = std::chrono::milliseconds(100);

struct refusal_watch_state {
  log::logger log;
  metrics::counter* refused = nullptr;
  static inline const char* name = "troupe.tls_refusal_watch";
};

} // namespace

void probe_tls_handshake(caf::actor_system& sys, const caf::actor& reply_to, const std::string& host,
                         uint16_t port, const tls_files& files) {
  // Detached: the probe blocks for up to probe_timeout.
  sys.spawn<caf::detached>([reply_to, host, port, files] {
    caf::anon_send(reply_to, tls_probe_atom::value, host, port,
                   tls_handshake_error(host, port, files, probe_timeout));
  });
}

caf::actor spawn_tls_refusal_watch(caf::actor_system& sys, const std::string& node,
                                   metrics::registry& metrics) {
  auto* reg = &metrics;
  return sys.spawn([node, reg](caf::stateful_actor<refusal_watch_state>* self) -> caf::behavior {
    self->state.log = log::logger{node, "tls"};
    self->state.refused = &reg->get_counter("troupe_tls_handshakes_refused_total",
                                            "Incoming TLS handshakes that failed (no or untrusted "
                                            "certificate, not TLS)");
    self->send(self, drain_atom::value);
    return {
      [self](drain_atom) {
        for (auto& r : take_tls_refusals()) {
          self->state.refused->inc();
          self->state.log.warn("TLS handshake refused", {{"peer", r.peer}, {"reason", r.reason}});
        }
        self->delayed_send(self, drain_interval, drain_atom::value);
      },
    };
  });
}

} // namespace troupe::runtime
