// A distributed read/write lock (ZooKeeper's "Shared Locks" recipe, as
// Curator's InterProcessReadWriteLock): ephemeral-sequential children of
// PATH, "_c_<guid>-read-<seq>" and "_c_<guid>-write-<seq>", in one sequence.
//   - a reader holds the lock when no writer has a lower sequence; otherwise
//     it watches only the nearest lower writer (readers never wait for
//     readers, so any number read at once);
//   - a writer holds it when it is the lowest; otherwise it watches only its
//     immediate predecessor, reader or writer.
// Fair: a writer queued before a reader goes first. The holder of the write
// side of an object may also take its read side (downgrade: release the
// write side afterwards); the reverse (upgrade) would wait forever.
// Expiry, reconnects and threads as for `lock` (lock.hpp).
#pragma once

#include <chrono>
#include <memory>
#include <string>

namespace troupe::keeper {
class client;
}

namespace troupe::keeper::recipes {

namespace detail {
class lock_core;
}

class read_write_lock {
public:
  /// One side of the lock, with the calls of `lock`.
  class side {
  public:
    ~side(); // releases if held (errors ignored)
    side(const side&) = delete;
    side& operator=(const side&) = delete;
    void acquire();
    bool try_acquire(std::chrono::milliseconds timeout);
    void release();
    bool held() const;
    std::string node() const;

  private:
    friend class read_write_lock;
    explicit side(std::unique_ptr<detail::lock_core> core);
    std::unique_ptr<detail::lock_core> core_;
  };

  read_write_lock(client& c, std::string path);
  ~read_write_lock();
  read_write_lock(const read_write_lock&) = delete;
  read_write_lock& operator=(const read_write_lock&) = delete;

  side& read_lock() { return *read_; }
  side& write_lock() { return *write_; }

private:
  std::unique_ptr<side> write_; // first: the read side's rule looks at it
  std::unique_ptr<side> read_;
};

} // namespace troupe::keeper::recipes
