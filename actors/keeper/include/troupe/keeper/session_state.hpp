// A Keeper session's connection state, as ZooKeeper's clients report it.
#pragma once

#include <cstdint>

namespace troupe::keeper {

/// ZooKeeper's KeeperState values for connection-state events.
enum class session_state : int32_t {
  disconnected = 0,
  connected = 3,
  expired = -112,
  closed = 7,
  auth_failed = 4,
};

const char* session_state_name(session_state s);

} // namespace troupe::keeper
