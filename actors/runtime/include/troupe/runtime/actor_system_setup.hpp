// Preparing a CAF actor system for troupe: message types and runtime tuning.
#pragma once

#include <functional>

#include "caf/fwd.hpp"

#include "troupe/runtime/node_config.hpp"

namespace troupe::runtime {

/// Registers an application's own message types (add_protobuf_message<T>).
using type_registrar = std::function<void(caf::actor_system_config&)>;

/// Registers troupe's wire messages (messages/message_types.def) and the
/// runtime's local message types (address, role_up, role_down).
void register_runtime_types(caf::actor_system_config& cfg);

/// register_runtime_types, the middleman, and the scheduler settings.
void configure_actor_system(caf::actor_system_config& cfg, const runtime_tuning& tuning);

} // namespace troupe::runtime
