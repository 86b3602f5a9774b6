// The store's protobuf messages as CAF messages: CAF finds troupe's protobuf
// bridge by argument-dependent lookup in the messages' namespace. Include
// this, not kv.pb.h, wherever the messages are sent or received.
#pragma once

#include "kv/kv.pb.h"
#include "troupe/messages/protobuf_inspect.hpp"

namespace kv::wire {
using troupe::messages::inspect;
}
