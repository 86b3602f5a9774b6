// Making TLS failures visible, which CAF 0.17.6's OpenSSL module does not:
// it drops a failed handshake without a word on either side (its own log
// is compiled out in Debian's build). See docs/caf-notes.md.
// Processes with several nodes share one record of refusals: the first
// watch to look logs them.
#pragma once

#include <cstdint>
#include <string>

#include "caf/atom.hpp"
#include "caf/fwd.hpp"

#include "troupe/runtime/tls.hpp"

namespace troupe::metrics {
class registry;
}

namespace troupe::runtime {

/// Atom of the reply of probe_tls_handshake: (tls_probe_atom, host, port, text).
using tls_probe_atom = caf::atom_constant<caf::atom("tr_tlsprb")>;

/// After a failed connect: runs tls_handshake_error against host:port on a
/// detached actor and sends `reply_to` (tls_probe_atom, host, port, error)
/// ("" if the handshake succeeded this time).
void probe_tls_handshake(caf::actor_system& sys, const caf::actor& reply_to, const std::string& host,
                         uint16_t port, const tls_files& files);

/// The accepting side: every 100 ms, logs each handshake refused since
/// (take_tls_refusals: "TLS handshake refused peer=HOST:PORT reason=...")
/// and counts it in troupe_tls_handshakes_refused_total.
caf::actor spawn_tls_refusal_watch(caf::actor_system& sys, const std::string& node,
                                   metrics::registry& metrics);

} // namespace troupe::runtime
