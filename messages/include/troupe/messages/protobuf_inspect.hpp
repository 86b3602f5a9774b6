// The bridge that makes any protobuf message a CAF message.
//
// CAF finds `inspect` by argument-dependent lookup in the namespace of the
// inspected type, so every protobuf package used in messages must pull this
// template into its generated namespace:
//
//   namespace myapp::wire { using troupe::messages::inspect; }
//
// troupe's own packages do this at the end of this header. On the wire a
// message is one length-prefixed byte string (its protobuf encoding); in logs
// and to_string() it is the protobuf text form.
#pragma once

#include <string>
#include <type_traits>

#include <google/protobuf/message.h>

#include "caf/error.hpp"
#include "caf/sec.hpp"
#include "caf/serializer.hpp"
#include "caf/deserializer.hpp"

namespace troupe::messages {

template <class T>
using enable_if_protobuf_t =
  std::enable_if_t<std::is_base_of<google::protobuf::Message, T>::value>;

template <class Inspector, class T, class = enable_if_protobuf_t<T>>
typename Inspector::result_type inspect(Inspector& f, T& x) {
  if constexpr (std::is_base_of<caf::serializer, Inspector>::value) {
    std::string bytes;
    if (!x.SerializeToString(&bytes))
      return caf::make_error(caf::sec::invalid_argument,
                             "cannot encode " + x.GetTypeName());
    return f(bytes);
  } else if constexpr (std::is_base_of<caf::deserializer, Inspector>::value) {
    std::string bytes;
    if (auto err = f(bytes))
      return err;
    // A malformed message from a peer is an error for CAF to report, never a
    // crash: ParseFromString leaves x in a valid (cleared) state on failure.
    if (!x.ParseFromString(bytes))
      return caf::make_error(caf::sec::invalid_argument,
                             "malformed " + x.GetTypeName());
    return {};
  } else {
    // Stringification (to_string, deep_to_string, logging).
    auto text = x.GetTypeName() + "{" + x.ShortDebugString() + "}";
    return f(text);
  }
}

} // namespace troupe::messages

namespace troupe::wire {
using troupe::messages::inspect;
} // namespace troupe::wire
