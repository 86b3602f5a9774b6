// Registers every troupe message type with a CAF actor system, in one place.
// Users register their own protobuf messages with add_protobuf_message<T>.
#pragma once

#include <string>
#include <typeinfo>

#include "caf/actor_system_config.hpp"

#include "troupe/messages/protobuf_inspect.hpp"

namespace troupe::messages {

/// Describes a registered protobuf type so that code which only holds a
/// type-erased caf::message element (the simulation's trace hash) can encode it.
struct protobuf_type {
  const std::type_info* type;
  std::string (*encode)(const void* element);
};

namespace detail {
void remember_protobuf_type(protobuf_type info);
} // namespace detail

/// Makes protobuf message T a CAF message type, under its full protobuf name.
template <class T, class = enable_if_protobuf_t<T>>
void add_protobuf_message(caf::actor_system_config& cfg) {
  cfg.add_message_type<T>(T::descriptor()->full_name());
  detail::remember_protobuf_type(
    {&typeid(T), [](const void* element) {
       return static_cast<const T*>(element)->SerializeAsString();
     }});
}

/// Registers all of troupe's own message types (messages/message_types.def)
/// and the runtime's local message types.
void register_troupe_messages(caf::actor_system_config& cfg);

/// The protobuf type registered for `type`, or nullptr.
const protobuf_type* find_protobuf_type(const std::type_info& type);

} // namespace troupe::messages
