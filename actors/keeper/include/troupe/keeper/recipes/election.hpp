// Leader election (ZooKeeper's "Leader Election" recipe, as Curator's
// LeaderLatch): each participant creates an ephemeral-sequential candidate
// "_c_<guid>-n_<seq>" under PATH holding its participant id; the lowest
// sequence leads. Every other candidate watches only its predecessor, so a
// leader leaving wakes exactly one candidate, which re-checks whether it is
// now the lowest (a predecessor leaving in the middle of the queue just
// moves the watch one step down).
//
// The constructor joins (creating PATH's missing parts as containers) and
// returns after the first look at the candidates (is_leader() is current); a
// thread of the election's own re-reads the candidates whenever a watch
// fires, so watches never block the client's event thread. Leadership ends
// with resign(), the destructor, or the session: when it expires or the
// client closes, is_leader() turns false, on_change callbacks get false and
// wait_for_leadership throws keeper_error(session_expired). A leader must
// treat a disconnected client as "maybe not leader" (its session may expire
// while it cannot hear about it), as with any ZooKeeper recipe.
//
// Destroy the election before its client, and not from its own callback.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>

namespace troupe::keeper {
class client;
}

namespace troupe::keeper::recipes {

class leader_election {
public:
  leader_election(client& c, std::string path, std::string participant_id);
  ~leader_election(); // resigns (errors ignored)
  leader_election(const leader_election&) = delete;
  leader_election& operator=(const leader_election&) = delete;

  bool is_leader() const;
  /// Blocks until this participant leads. Throws keeper_error
  /// (session_expired) when the session ends first, std::logic_error after
  /// resign(), or the error that stopped the election's thread.
  void wait_for_leadership();
  /// Same, giving up after `timeout` (false).
  bool wait_for_leadership(std::chrono::milliseconds timeout);
  /// The participant id of the current leader (the lowest candidate's
  /// data); "" when there is no candidate.
  std::string leader_id();
  /// This participant's candidate node ("" after resign).
  std::string node() const;
  /// Adds a callback: f(true) when this participant becomes the leader
  /// (at once, on this thread, if it leads already), f(false) when it
  /// stops (resign, session end, its node deleted). Callbacks run on the
  /// election's thread (or the thread calling resign), one at a time; they
  /// may call the client, is_leader, leader_id and resign.
  void on_change(std::function<void(bool leader)> f);
  /// Leaves the election for good (deletes the candidate node).
  void resign();

private:
  struct state;
  std::shared_ptr<state> st_;
};

} // namespace troupe::keeper::recipes
