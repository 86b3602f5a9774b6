// Keeper's state machine as a replicated-log state machine, on every member:
// each committed entry is a KeeperTxn applied to this member's replica of
// the tree; the proposer gets the serialized OpResult back. The replica also
// keeps this member's server-side watches (watch_manager): it answers the
// sessions' reads as queries (registering watches), and right after each
// transaction hands the watch events it fired, and session creations and
// closes, to the hooks (the member's hub). It all runs inside the log
// follower, one message at a time, so an event always precedes the answers
// to reads that see its change.
#pragma once

#include <functional>
#include <memory>
#include <vector>

#include "troupe/keeper/keeper_machine.hpp"
#include "troupe/keeper/watch_manager.hpp"
#include "troupe/log/replicated_log.hpp"

namespace troupe::keeper {

struct replica_hooks {
  std::function<void(int64_t session, const wire::WatchEvent&)> watch_event;
  std::function<void(int64_t session, int32_t timeout_ms)> session_opened;
  std::function<void(int64_t session)> session_closed;
  /// After a snapshot restore: the whole session table (in `sessions`).
  std::function<void(wire::QueryAnswer)> sessions_restored;
  /// Every fired event with its zxid, in order (tests, diagnostics).
  std::function<void(std::vector<fired_event>)> all_events;
};

class keeper_replica : public rlog::state_machine {
public:
  explicit keeper_replica(replica_hooks hooks = {}, tree_config config = {})
    : machine_(config), hooks_(std::move(hooks)) {}

  std::string apply(const std::string& command, uint64_t zxid) override;
  std::string snapshot() const override { return machine_.snapshot(); }
  /// Freezes the tree copy-on-write: the follower serializes it on another
  /// thread while this replica goes on applying.
  snapshot_writer capture() const override {
    return [image = machine_.capture()] { return image.serialize(); };
  }
  void restore(const std::string& snapshot) override;
  /// A serialized KeeperQuery -> a serialized QueryAnswer.
  std::string query(const std::string& question) override;

  const keeper_machine& machine() const { return machine_; }
  const watch_manager& watches() const { return watches_; }
  int64_t last_zxid() const { return last_zxid_; }

private:
  wire::QueryAnswer read(const wire::KeeperQuery& q);
  wire::QueryAnswer reattach(const wire::KeeperQuery& q);

  keeper_machine machine_;
  watch_manager watches_;
  replica_hooks hooks_;
  int64_t last_zxid_ = 0;
};

} // namespace troupe::keeper
