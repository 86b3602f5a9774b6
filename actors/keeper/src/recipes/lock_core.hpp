// The machinery behind lock and read_write_lock (internal): a sequential
// ephemeral node in a directory, and a rule saying which lower node, if
// any, it must wait for.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "common.hpp"

namespace troupe::keeper::recipes::detail {

class lock_core {
public:
  /// Index (in `sorted`) of the node that `mine` waits for, or -1 when the
  /// lock is ours. `sorted` holds the contenders by sequence number.
  using blocker_rule = std::function<int(const std::vector<std::string>& sorted, size_t mine)>;

  lock_core(client& c, std::string dir, std::string kind, std::vector<std::string> kinds, blocker_rule rule);

  /// Returns false when the deadline passed first (the node is removed).
  bool acquire(std::optional<steady::time_point> deadline);
  void release();
  bool held() const;
  std::string node() const;

  /// The rule of plain locks and writers: wait for the immediate predecessor.
  static int predecessor(const std::vector<std::string>& sorted, size_t mine);

private:
  bool wait_turn(std::optional<steady::time_point> deadline);

  client& c_;
  std::string dir_;
  std::string kind_;
  std::vector<std::string> kinds_;
  blocker_rule rule_;
  std::string node_; // our node's path while acquiring or held
  bool held_ = false;
};

} // namespace troupe::keeper::recipes::detail
