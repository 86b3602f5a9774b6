// Facts about one log entry that several roles need.
#pragma once

#include <cstdint>

#include "troupe/wire/log.pb.h"

namespace troupe::rlog {

/// Commands an entry carries (an ENTRY_COMMANDS entry carries `count`).
inline uint64_t command_count(const wire::LogEntry& e) {
  switch (e.kind()) {
    case wire::ENTRY_COMMAND:
      return 1;
    case wire::ENTRY_COMMANDS:
      return e.count();
    default:
      return 0;
  }
}

/// The zxid of the last command in the entry (its own zxid when it carries
/// none or one): a learner that applied the entry has seen this zxid.
inline uint64_t last_zxid(const wire::LogEntry& e) {
  auto n = command_count(e);
  return n > 1 ? e.zxid() + n - 1 : e.zxid();
}

} // namespace troupe::rlog
