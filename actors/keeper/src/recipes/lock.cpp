// The lock recipe (lock.hpp) and the machinery it shares with the
// read/write lock (lock_core.hpp).
#include "troupe/keeper/recipes/lock.hpp"

#include <algorithm>
#include <atomic>
#include <stdexcept>

#include "lock_core.hpp"
#include "troupe/keeper/paths.hpp"

namespace troupe::keeper::recipes {

namespace {
std::atomic<uint64_t> firings{0};
}

uint64_t predecessor_watch_firings() {
  return firings.load();
}

namespace detail {

lock_core::lock_core(client& c, std::string dir, std::string kind, std::vector<std::string> kinds, blocker_rule rule)
  : c_(c), dir_(std::move(dir)), kind_(std::move(kind)), kinds_(std::move(kinds)), rule_(std::move(rule)) {
  auto check = validate_path(dir_);
  if (!check || dir_ == "/")
    throw keeper_error(error::bad_arguments, dir_);
}

int lock_core::predecessor(const std::vector<std::string>&, size_t mine) {
  return static_cast<int>(mine) - 1;
}

bool lock_core::acquire(std::optional<steady::time_point> deadline) {
  if (held_)
    throw std::logic_error("the lock " + dir_ + " is already held by this object");
  check_session(c_, dir_);
  node_ = create_protected(c_, dir_, kind_, "", create_mode::ephemeral_sequential);
  bool ours = false;
  try {
    ours = wait_turn(deadline);
  } catch (...) {
    // Leave the queue (best effort: with the session gone it is gone anyway).
    auto n = std::move(node_);
    node_.clear();
    try {
      if (!session_over(c_))
        remove_quietly(c_, n);
    } catch (...) {
    }
    throw;
  }
  if (ours) {
    held_ = true;
    return true;
  }
  auto n = std::move(node_);
  node_.clear();
  remove_quietly(c_, n);
  return false;
}

bool lock_core::wait_turn(std::optional<steady::time_point> deadline) {
  auto name = std::string{node_name(node_)};
  auto flag = std::make_shared<wake_flag>();
  for (;;) {
    flag->lower();
    auto kids = retrying(c_, dir_, [&] { return c_.children(dir_); });
    auto sorted = sequential(kids, kinds_);
    auto mine = std::find(sorted.begin(), sorted.end(), name);
    if (mine == sorted.end()) {
      check_session(c_, node_);
      throw keeper_error(error::no_node, node_); // someone deleted our node
    }
    auto blocker = rule_(sorted, static_cast<size_t>(mine - sorted.begin()));
    if (blocker < 0)
      return true;
    // Watch only the node we wait for; if it is already gone, look again.
    auto pred = join(dir_, sorted[static_cast<size_t>(blocker)]);
    auto st = retrying(c_, pred, [&] { return c_.exists(pred, flag->as_watcher([] { ++firings; })); });
    if (!st)
      continue;
    if (!flag->wait(c_, deadline.value_or(steady::time_point::max()), dir_))
      return false;
  }
}

void lock_core::release() {
  if (node_.empty())
    return;
  auto n = std::move(node_);
  node_.clear();
  held_ = false;
  check_session(c_, n); // its node went with the session
  guarded(c_, n, [&] { remove_quietly(c_, n); });
}

bool lock_core::held() const {
  return held_ && !session_over(c_);
}

std::string lock_core::node() const {
  return held_ ? node_ : std::string{};
}

} // namespace detail

lock::lock(client& c, std::string path)
  : core_(std::make_unique<detail::lock_core>(c, std::move(path), "lock-", std::vector<std::string>{"lock-"},
                                              detail::lock_core::predecessor)) {}

lock::~lock() {
  try {
    core_->release();
  } catch (...) {
  }
}

void lock::acquire() {
  core_->acquire(std::nullopt);
}

bool lock::try_acquire(std::chrono::milliseconds timeout) {
  return core_->acquire(detail::steady::now() + timeout);
}

void lock::release() {
  core_->release();
}

bool lock::held() const {
  return core_->held();
}

std::string lock::node() const {
  return core_->node();
}

} // namespace troupe::keeper::recipes
