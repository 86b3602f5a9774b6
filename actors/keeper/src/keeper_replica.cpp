#include "troupe/keeper/keeper_replica.hpp"

#include <stdexcept>

namespace troupe::keeper {

std::string keeper_replica::apply(const std::string& command, uint64_t zxid) {
  wire::KeeperTxn txn;
  wire::OpResult result;
  if (!txn.ParseFromString(command)) {
    // Every replica refuses the same bytes the same way: state unchanged.
    result.set_err(static_cast<int32_t>(error::marshalling_error));
    return result.SerializeAsString();
  }
  result = machine_.apply(txn, static_cast<int64_t>(zxid));
  auto events = machine_.drain_events();
  if (on_events_ && !events.empty())
    on_events_(std::move(events));
  return result.SerializeAsString();
}

void keeper_replica::restore(const std::string& snapshot) {
  // A snapshot that does not restore means a replica diverged or a disk
  // lied; going on would serve a wrong tree.
  if (!machine_.restore(snapshot))
    throw std::runtime_error("keeper: cannot restore a snapshot of the tree");
}

} // namespace troupe::keeper
