// Orderly shutdown of daemons on SIGINT / SIGTERM.
#pragma once

#include <chrono>
#include <optional>

namespace troupe::runtime {

/// Blocks SIGINT and SIGTERM in the calling thread and every thread it
/// creates afterwards. Call first thing in main, before any actor system.
void block_termination_signals();

/// Waits for SIGINT or SIGTERM, or until `limit` passes. Returns the signal
/// number, or 0 on timeout.
int wait_for_termination_signal(std::optional<std::chrono::milliseconds> limit = std::nullopt);

} // namespace troupe::runtime
