// A distributed mutex (ZooKeeper's "Locks" recipe, as Apache Curator's
// InterProcessMutex does it), on the blocking client.
//
// Each acquire creates an ephemeral-sequential child of PATH named
// "_c_<guid>-lock-<seq>" (PATH and its parents are created as containers,
// so the server reaps them once unused). The lowest sequence holds the lock.
// Every other waiter watches only its immediate predecessor (exists with a
// watch), so a release wakes exactly one waiter (no herd effect); a
// predecessor vanishing between getChildren and exists is simply re-checked.
// The GUID in the name (Curator's protected mode) lets a create whose answer
// was lost (ConnectionLoss) find its node instead of making a second one.
//
// The node is ephemeral: the lock is released when the holder's session
// closes or expires. While the session is alive a holder keeps it across
// reconnects. Waiting never blocks the client's event thread (watches only
// wake the waiting thread), and a session that expires while waiting or
// releasing ends the call with keeper_error(session_expired).
//
// Not re-entrant, and one object is for one thread at a time: give each
// thread its own `lock` (several may share one client). Destroy locks
// before their client.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

namespace troupe::keeper {
class client;
}

namespace troupe::keeper::recipes {

namespace detail {
class lock_core;
}

class lock {
public:
  lock(client& c, std::string path);
  ~lock(); // releases if held (errors ignored)
  lock(const lock&) = delete;
  lock& operator=(const lock&) = delete;

  /// Blocks until held. Throws std::logic_error if this object already
  /// holds it, keeper_error(session_expired) if the session ends first,
  /// other keeper_errors (its node is deleted again before throwing).
  void acquire();
  /// Like acquire, but gives up (and removes its node) after `timeout`.
  bool try_acquire(std::chrono::milliseconds timeout);
  /// Deletes the lock node; nothing when not held. Throws
  /// keeper_error(session_expired) if the session ended meanwhile (the
  /// lock was lost then; it is not held afterwards either way).
  void release();
  /// Whether this object holds the lock (and its session is alive).
  bool held() const;
  /// The full path of the lock node while held ("" otherwise).
  std::string node() const;

private:
  std::unique_ptr<detail::lock_core> core_;
};

/// Diagnostics: how many predecessor watches of locks (lock, read/write
/// locks) fired in this process so far. One release wakes one waiter, so
/// this grows by one per handover (a herd would show as more).
uint64_t predecessor_watch_firings();

} // namespace troupe::keeper::recipes
