// Preparing a CAF actor system for troupe: message types, runtime tuning and
// TLS, and the two network entry points (publish, connector) that pick CAF's
// OpenSSL module when the system was configured with certificates.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "caf/fwd.hpp"

#include "troupe/runtime/node_config.hpp"

namespace troupe::runtime {

/// Registers an application's own message types (add_protobuf_message<T>).
using type_registrar = std::function<void(caf::actor_system_config&)>;

/// Registers troupe's wire messages (messages/message_types.def) and the
/// runtime's local message types (address, role_up, role_down).
void register_runtime_types(caf::actor_system_config& cfg);

/// register_runtime_types, the middleman, and the scheduler settings. With
/// `tls` enabled (validate it first), also CAF's OpenSSL module with these
/// files: every publish and connect below is then mutual TLS.
void configure_actor_system(caf::actor_system_config& cfg, const runtime_tuning& tuning,
                            const tls_files& tls = {});

/// The TLS files `sys` was configured with (none: plaintext).
tls_files tls_of(const caf::actor_system& sys);

/// The actor that opens connections (connect_atom, host, port): the OpenSSL
/// module's when `sys` uses TLS, else the middleman's.
caf::actor connector(caf::actor_system& sys);

/// Publishes `whom` on host:port (TLS when `sys` uses it); the bound port,
/// or an error line.
caf::expected<uint16_t> publish(caf::actor_system& sys, const caf::actor& whom, uint16_t port,
                                const std::string& host, bool reuse);

} // namespace troupe::runtime
