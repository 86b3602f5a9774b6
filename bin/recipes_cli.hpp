// Recipe-backed commands of `troupe zk` (cmd_zk_lock.cpp).
#pragma once

#include <string>
#include <vector>

namespace troupe::keeper {
class client;
}

namespace troupe::cli {

class zk_interrupt;

/// `troupe zk lock PATH [COMMAND...]`: takes the lock, prints "locked NODE",
/// runs COMMAND (its exit code is returned) or waits for SIGINT/SIGTERM
/// (`interrupt`), then releases the lock.
int run_lock(keeper::client& c, zk_interrupt& interrupt, const std::string& path,
             const std::vector<std::string>& command);

} // namespace troupe::cli
