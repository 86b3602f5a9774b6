// Names and lookup of Keeper's (ZooKeeper's) error codes.
#include "troupe/keeper/errors.hpp"

#include <cstring>

namespace troupe::keeper {

const char* error_name(error e) {
  switch (e) {
    case error::ok: return "Ok";
    case error::system_error: return "SystemError";
    case error::runtime_inconsistency: return "RuntimeInconsistency";
    case error::data_inconsistency: return "DataInconsistency";
    case error::connection_loss: return "ConnectionLoss";
    case error::marshalling_error: return "MarshallingError";
    case error::unimplemented: return "Unimplemented";
    case error::operation_timeout: return "OperationTimeout";
    case error::bad_arguments: return "BadArguments";
    case error::unknown_session: return "UnknownSession";
    case error::new_config_no_quorum: return "NewConfigNoQuorum";
    case error::reconfig_in_progress: return "ReconfigInProgress";
    case error::api_error: return "APIError";
    case error::no_node: return "NoNode";
    case error::no_auth: return "NoAuth";
    case error::bad_version: return "BadVersion";
    case error::no_children_for_ephemerals: return "NoChildrenForEphemerals";
    case error::node_exists: return "NodeExists";
    case error::not_empty: return "NotEmpty";
    case error::session_expired: return "SessionExpired";
    case error::invalid_callback: return "InvalidCallback";
    case error::invalid_acl: return "InvalidACL";
    case error::auth_failed: return "AuthFailed";
    case error::session_moved: return "SessionMoved";
    case error::not_readonly: return "NotReadOnly";
    case error::ephemeral_on_local_session: return "EphemeralOnLocalSession";
    case error::no_watcher: return "NoWatcher";
    case error::request_timeout: return "RequestTimeout";
    case error::reconfig_disabled: return "ReconfigDisabled";
    case error::session_closed_require_sasl_auth: return "SessionClosedRequireSaslAuth";
    case error::quota_exceeded: return "QuotaExceeded";
    case error::throttled_op: return "ThrottledOp";
  }
  return "Unknown";
}

error error_from_int(int32_t value, bool* known) {
  auto e = static_cast<error>(value);
  bool defined = std::strcmp(error_name(e), "Unknown") != 0;
  if (known)
    *known = defined;
  return defined ? e : error::system_error;
}

} // namespace troupe::keeper
