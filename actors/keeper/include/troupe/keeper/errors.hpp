// Keeper's error codes: the numeric values of ZooKeeper 3.8's
// KeeperException.Code, so they can travel unchanged on ZooKeeper's wire
// protocol and clients can map them back to the exceptions they know.
#pragma once

#include <cstdint>

namespace troupe::keeper {

enum class error : int32_t {
  ok = 0,
  // System and server-side errors (between api_error and ok).
  system_error = -1,
  runtime_inconsistency = -2,
  data_inconsistency = -3,
  connection_loss = -4,
  marshalling_error = -5,
  unimplemented = -6,
  operation_timeout = -7,
  bad_arguments = -8,
  unknown_session = -12,
  new_config_no_quorum = -13,
  reconfig_in_progress = -14,
  // API errors (below api_error).
  api_error = -100,
  no_node = -101,
  no_auth = -102,
  bad_version = -103,
  no_children_for_ephemerals = -108,
  node_exists = -110,
  not_empty = -111,
  session_expired = -112,
  invalid_callback = -113,
  invalid_acl = -114,
  auth_failed = -115,
  session_moved = -118,
  not_readonly = -119,
  ephemeral_on_local_session = -120,
  no_watcher = -121,
  request_timeout = -122,
  reconfig_disabled = -123,
  session_closed_require_sasl_auth = -124,
  quota_exceeded = -125,
  throttled_op = -127,
};

// ZooKeeper's CamelCase name of a code ("NoNode", "NodeExists", "BadVersion",
// ...), i.e. the names of KeeperException.Code's camel-case constants; "Ok"
// for ok and "Unknown" for a value ZooKeeper does not define.
const char* error_name(error e);

// The code of a raw integer; error::system_error when the value is not one of
// ZooKeeper's codes (then *known, if given, is set to false).
error error_from_int(int32_t value, bool* known = nullptr);

} // namespace troupe::keeper
