// What the recipes are doing in this process, for tests and operators that
// need to see a waiter waiting instead of guessing with a sleep. One atomic
// each, always on. (How many lock handovers woke a waiter is
// predecessor_watch_firings(), in lock.hpp.)
#pragma once

#include <cstdint>

namespace troupe::keeper::recipes {

/// How many recipe calls in this process are blocked right now until a watch
/// fires (their watch is set): lock and read/write-lock waiters, barrier and
/// double-barrier waits, queue takes, and the threads of election, membership
/// and config between two looks.
int64_t blocked_on_watches();

} // namespace troupe::keeper::recipes
