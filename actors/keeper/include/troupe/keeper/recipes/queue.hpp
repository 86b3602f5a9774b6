// A distributed FIFO queue (ZooKeeper's "Queues" recipe, as Curator's
// SimpleDistributedQueue): items are persistent-sequential children of PATH
// named "_c_<guid>-qn-<seq>" (the GUID lets an offer whose answer was lost
// find its item instead of adding it twice); consumers take the lowest
// sequence first. A consumer claims an item by deleting it: of several
// consumers reading the same item only the one whose delete succeeds
// returns it, so each item is taken once. take() blocks with a children
// watch on PATH (its callback only wakes the consumer: the client's event
// thread never blocks) and throws keeper_error(session_expired) if the
// session ends while waiting.
//
// If the connection breaks during the claiming delete, the outcome is
// unknown; take() re-reads, and if the item is gone it assumes another
// consumer got it (at most once, as ZooKeeper's and Curator's queues).
// PATH's missing parts are created as containers. One object per thread.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace troupe::keeper {
class client;
}

namespace troupe::keeper::recipes {

namespace detail {
class wake_flag;
}

class distributed_queue {
public:
  distributed_queue(client& c, std::string path);
  /// Appends an item; returns its node's path.
  std::string offer(const std::string& data);
  /// Removes and returns the head, blocking while the queue is empty.
  std::string take();
  /// Same, giving up after `timeout` (nullopt).
  std::optional<std::string> take(std::chrono::milliseconds timeout);
  /// Removes and returns the head; nullopt at once if the queue is empty.
  std::optional<std::string> poll();
  /// The head's data without removing it (nullopt if empty).
  std::optional<std::string> peek();
  /// How many items are queued now.
  size_t size();

private:
  std::vector<std::string> list(bool watch);
  std::optional<std::string> claim();

  client& c_;
  std::string path_;
  std::shared_ptr<detail::wake_flag> wake_; // raised by the children watch
  std::vector<std::string> seen_;           // names from the last listing, head last
};

} // namespace troupe::keeper::recipes
