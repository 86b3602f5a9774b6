// The distributed queue recipe (queue.hpp).
#include "troupe/keeper/recipes/queue.hpp"

#include <algorithm>

#include "common.hpp"
#include "troupe/keeper/paths.hpp"

namespace troupe::keeper::recipes {

using namespace detail;

namespace {
const std::vector<std::string> items{"qn-"};
}

distributed_queue::distributed_queue(client& c, std::string path)
  : c_(c), path_(std::move(path)), wake_(std::make_shared<wake_flag>()) {
  if (!validate_path(path_) || path_ == "/")
    throw keeper_error(error::bad_arguments, path_);
}

std::string distributed_queue::offer(const std::string& data) {
  check_session(c_, path_);
  return create_protected(c_, path_, "qn-", data, create_mode::persistent_sequential);
}

// The items in order, head first; with a children watch raising `wake_` if
// asked (an absent PATH is an empty queue).
std::vector<std::string> distributed_queue::list(bool watch) {
  std::vector<std::string> kids;
  try {
    kids = retrying(c_, path_, [&] { return c_.children(path_, watch ? wake_->as_watcher() : watcher{}); });
  } catch (const keeper_error& e) {
    if (e.code() != error::no_node)
      throw;
    if (watch && retrying(c_, path_, [&] { return exists_watched(c_, path_, wake_); }))
      wake_->raise(); // created meanwhile: list again
  }
  return sequential(kids, items);
}

// Tries the items of the last listing (then of a fresh one) in order; the
// first delete that succeeds is our item.
std::optional<std::string> distributed_queue::claim() {
  for (bool fresh = false;;) {
    if (seen_.empty()) {
      if (fresh)
        return std::nullopt;
      seen_ = list(false);
      std::reverse(seen_.begin(), seen_.end());
      fresh = true;
    }
    while (!seen_.empty()) {
      auto item = join(path_, seen_.back());
      seen_.pop_back();
      std::string data;
      try {
        data = retrying(c_, item, [&] { return c_.get(item); });
        c_.remove(item);
        return data;
      } catch (const keeper_error& e) {
        check_session(c_, item);
        if (e.code() == error::no_node)
          continue; // another consumer took it
        if (!transient(e.code()))
          throw;
        // Unknown outcome of our delete: if the item is still there, try it again.
        sync_quietly(c_, path_);
        if (retrying(c_, item, [&] { return c_.exists(item); }))
          seen_.push_back(std::string{node_name(item)});
      }
    }
  }
}

std::optional<std::string> distributed_queue::take(std::chrono::milliseconds timeout) {
  auto deadline = steady::now() + timeout;
  for (;;) {
    check_session(c_, path_);
    if (auto data = claim())
      return data;
    // Empty: watch PATH's children, then look once more before sleeping.
    wake_->lower();
    auto names = list(true);
    if (!names.empty()) {
      seen_.assign(names.rbegin(), names.rend());
      continue;
    }
    if (!wake_->wait(c_, deadline, path_))
      return std::nullopt;
  }
}

std::string distributed_queue::take() {
  return *take(std::chrono::hours(24 * 365 * 100));
}

std::optional<std::string> distributed_queue::poll() {
  check_session(c_, path_);
  seen_.clear(); // a fresh look: poll must not miss items added since
  return claim();
}

std::optional<std::string> distributed_queue::peek() {
  check_session(c_, path_);
  for (;;) {
    auto names = list(false);
    if (names.empty())
      return std::nullopt;
    try {
      return retrying(c_, path_, [&] { return c_.get(join(path_, names.front())); });
    } catch (const keeper_error& e) {
      if (e.code() != error::no_node)
        throw;
    }
  }
}

size_t distributed_queue::size() {
  check_session(c_, path_);
  return list(false).size();
}

} // namespace troupe::keeper::recipes
