// Keeper's state machine as a replicated-log state machine: each committed
// entry is a KeeperTxn applied to this member's replica of the tree. The
// proposer gets the serialized OpResult back; watch events go to `on_events`
// (the member's watch manager) right after the transaction that fired them.
#pragma once

#include <functional>
#include <memory>
#include <vector>

#include "troupe/keeper/keeper_machine.hpp"
#include "troupe/log/replicated_log.hpp"

namespace troupe::keeper {

class keeper_replica : public rlog::state_machine {
public:
  using event_sink = std::function<void(std::vector<fired_event>)>;

  explicit keeper_replica(event_sink on_events = {}, tree_config config = {})
    : machine_(config), on_events_(std::move(on_events)) {}

  std::string apply(const std::string& command, uint64_t zxid) override;
  std::string snapshot() const override { return machine_.snapshot(); }
  void restore(const std::string& snapshot) override;

  const keeper_machine& machine() const { return machine_; }

private:
  keeper_machine machine_;
  event_sink on_events_;
};

} // namespace troupe::keeper
