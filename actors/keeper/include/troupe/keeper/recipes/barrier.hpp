// Barriers (ZooKeeper's "Barriers" and "Double Barriers" recipes, as
// Curator's DistributedBarrier and DistributedDoubleBarrier).
//
// barrier: the existence of node PATH holds everybody back. set() creates
// it, remove() deletes it, wait() blocks while it exists (an exists watch
// wakes the waiter; the loop re-checks, as the node may come back).
//
// double_barrier: SIZE participants enter() together and leave() together.
// enter() watches PATH/ready, creates the participant's ephemeral node
// PATH/NAME and counts the participants; the one that sees SIZE creates
// PATH/ready, which releases everybody (each set its watch before creating
// its node, so none can miss it). leave() follows ZooKeeper's protocol: the
// lowest participant waits for the highest, every other one deletes its
// node and waits for the lowest, so nobody leaves before everybody called
// leave(). The last one out deletes PATH/ready with its node (one multi):
// "ready" outlives every enter() of its round, which therefore can rely on
// seeing it. Reuse PATH for a new round once the previous one has left
// (or take a fresh PATH per round). The nodes are ephemeral: a participant
// whose session ends is gone from the barrier.
//
// Waiting never blocks the client's event thread; a session that ends while
// waiting throws keeper_error(session_expired). PATH's missing parts are
// created as containers. One object per participant and thread.
#pragma once

#include <chrono>
#include <string>

namespace troupe::keeper {
class client;
}

namespace troupe::keeper::recipes {

class barrier {
public:
  barrier(client& c, std::string path);
  /// Raises the barrier (creates PATH; already raised is fine).
  void set();
  /// Lowers it (deletes PATH; already lowered is fine).
  void remove();
  /// Blocks while the barrier is raised.
  void wait();
  /// Same, giving up after `timeout` (false).
  bool wait(std::chrono::milliseconds timeout);

private:
  client& c_;
  std::string path_;
};

class double_barrier {
public:
  /// `name` is this participant's node under PATH (unique among them, not
  /// "ready"); `size` how many participants the barrier waits for.
  double_barrier(client& c, std::string path, std::string name, size_t size);
  /// Blocks until `size` participants entered.
  void enter();
  /// Same, giving up after `timeout` (false; this participant left again).
  bool enter(std::chrono::milliseconds timeout);
  /// Blocks until every participant called leave().
  void leave();
  /// Same, giving up after `timeout` (false).
  bool leave(std::chrono::milliseconds timeout);

private:
  bool do_enter(std::chrono::steady_clock::time_point deadline);
  bool do_leave(std::chrono::steady_clock::time_point deadline);

  client& c_;
  std::string path_;
  std::string name_;
  size_t size_;
  std::string ready_;
  std::string mine_;
};

} // namespace troupe::keeper::recipes
